"""Fast soft wrapping for long CJK transcripts, in place of Textual's per-character word folding.

Textual folds an unspaced CJK line one character at a time (tens of microseconds a line) and sums
every line's rows each time it renders a row, which makes a 1-million-character transcript slow to
open and to scroll. This wraps greedily by cell width, with the cumulative cell widths of the whole
document computed once with numpy and a binary search per row, breaking anywhere in CJK text but
never inside a run of Latin letters or digits that fits on a row. Lines with tabs use Textual's way.
"""

from __future__ import annotations

from bisect import bisect_right

import numpy as np
from rich.cells import get_character_cell_size
from textual._wrap import compute_wrap_offsets
from textual.document._wrapped_document import WrappedDocument
from textual.expand_tabs import get_tab_widths

_width_table = np.zeros(0x110000, dtype=np.int8)
_known = np.zeros(0x110000, dtype=bool)


def cell_widths(text: str) -> np.ndarray:
    """Cell width of every code point of `text` (2 for CJK, 1 for Latin, 0 for combining marks)."""
    cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    if cps.size:
        present = np.flatnonzero(np.bincount(cps, minlength=0x110000)) if cps.size > 65536 else np.unique(cps)
        fresh = present[~_known[present]]
        for cp in fresh.tolist():
            _width_table[cp] = get_character_cell_size(chr(cp))
        _known[fresh] = True
    return _width_table[cps]


def _is_word(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def wrap_line(line: str, cumulative: list[int], offset: int, width: int) -> list[int]:
    """Break offsets for one line; `cumulative[offset + i]` is the cell width of the text before line[i]."""
    n = len(line)
    total = cumulative[offset + n] - cumulative[offset]
    if total == 2 * n and width >= 2:  # all double-width (CJK): a row every width // 2 characters
        return list(range(width // 2, n, width // 2))
    breaks: list[int] = []
    start = 0
    while cumulative[offset + n] - cumulative[offset + start] > width:
        # the last offset whose row still fits
        end = bisect_right(cumulative, cumulative[offset + start] + width, offset + start, offset + n + 1) - 1 - offset
        if end <= start:
            end = start + 1
        if end < n and _is_word(line[end - 1]) and _is_word(line[end]):
            back = end
            while back > start and _is_word(line[back - 1]):
                back -= 1
            if back > start:
                end = back
        if end >= n:
            break
        breaks.append(end)
        start = end
    return breaks


class FastWrappedDocument(WrappedDocument):
    _cumulative: list[int] | None = None

    @property
    def height(self) -> int:
        """Rows of the wrapped document, in constant time (Textual sums over every line, per rendered row)."""
        return len(self._offset_to_line_info)

    def _cumulative_widths(self) -> list[int]:
        if self._cumulative is None:
            widths = cell_widths("\n".join(self.document.lines))
            self._cumulative = np.cumsum(np.concatenate(([0], widths)), dtype=np.int32).tolist()
        return self._cumulative

    def wrap(self, width: int, tab_width: int | None = None) -> None:
        self._width = width
        if tab_width:
            self._tab_width = tab_width
        lines = self.document.lines
        wrap_offsets_all: list[list[int]] = []
        line_offsets: list[list[int]] = []
        tab_cache: list[list[int]] = []
        cumulative = self._cumulative_widths() if width else None
        no_tabs, blank = [0], []  # shared: Textual only reads these
        current = 0
        line_start = 0
        for line in lines:
            length = len(line)
            offsets = blank
            if "\t" in line:
                sections = get_tab_widths(line, self._tab_width)
                if width:
                    offsets = compute_wrap_offsets(line, width, tab_size=self._tab_width, precomputed_tab_sections=sections)
                tab_cache.append([w for _, w in sections])
            else:
                if width and length * 2 > width and cumulative[line_start + length] - cumulative[line_start] > width:
                    offsets = wrap_line(line, cumulative, line_start, width)
                tab_cache.append(no_tabs if length else blank)
            wrap_offsets_all.append(offsets)
            if offsets:
                rows = len(offsets) + 1
                line_offsets.append(list(range(current, current + rows)))
                current += rows
            else:
                line_offsets.append([current])
                current += 1
            line_start += length + 1
        rows = np.fromiter((len(o) for o in line_offsets), dtype=np.int64, count=len(line_offsets))
        line_of_row = np.repeat(np.arange(rows.size), rows)
        first = np.cumsum(rows) - rows
        section_of_row = np.arange(line_of_row.size) - np.repeat(first, rows)
        self._wrap_offsets = wrap_offsets_all
        self._offset_to_line_info = list(zip(line_of_row.tolist(), section_of_row.tolist()))
        self._line_index_to_offsets = line_offsets
        self._tab_width_cache = tab_cache
