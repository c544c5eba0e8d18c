"""Map code-point offsets in a document to TextArea (row, column) locations and back."""

from __future__ import annotations

from bisect import bisect_right


class TextMap:
    """Line starts of a text split on LF; columns are code points, as TextArea's are."""

    def __init__(self, text: str):
        self.length = len(text)
        starts = [0]
        find = text.find
        at = find("\n")
        while at != -1:
            starts.append(at + 1)
            at = find("\n", at + 1)
        self.starts = starts

    def location(self, offset: int) -> tuple[int, int]:
        offset = max(0, min(offset, self.length))
        row = bisect_right(self.starts, offset) - 1
        return row, offset - self.starts[row]

    def offset(self, location: tuple[int, int]) -> int:
        row, column = location
        row = max(0, min(row, len(self.starts) - 1))
        return min(self.starts[row] + column, self.length)

    def line_span(self, row: int) -> tuple[int, int]:
        start = self.starts[row]
        end = self.starts[row + 1] - 1 if row + 1 < len(self.starts) else self.length
        return start, end
