"""Fast soft wrapping for long CJK transcripts, in place of Textual's per-character word folding.

Textual folds an unspaced CJK line one character at a time (tens of microseconds a line) and sums
every line's rows each time it renders a row, which makes a 1-million-character transcript slow to
open and to scroll. This wraps greedily by cell width, with the cumulative cell widths of the whole
document computed once with numpy and a binary search per row, breaking anywhere in CJK text but
never inside a run of Latin letters or digits that fits on a row. Lines with tabs use Textual's way.

Everything here is pure and uses only public APIs (rich.cells, numpy); the TextArea document that
uses it, `FastWrappedDocument`, lives in `textual_adapter.py` with the rest of the Textual internals.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence

import numpy as np
from rich.cells import get_character_cell_size

_width_table = np.zeros(0x110000, dtype=np.int8)
_known = np.zeros(0x110000, dtype=bool)


def cell_widths(text: str) -> np.ndarray:
    """Cell width of every code point of `text` (2 for CJK, 1 for Latin, 0 for combining marks).

    Widths are per code point, as `rich.cells.get_character_cell_size` gives them: unlike
    `rich.cells.cell_len`, a zero-width joiner or variation selector does not change its neighbours.
    """
    cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    if cps.size:
        present = np.flatnonzero(np.bincount(cps, minlength=0x110000)) if cps.size > 65536 else np.unique(cps)
        fresh = present[~_known[present]]
        for cp in fresh.tolist():
            _width_table[cp] = get_character_cell_size(chr(cp))
        _known[fresh] = True
    return _width_table[cps]


def cumulative_widths(text: str) -> list[int]:
    """`result[i]` is the cell width of `text[:i]`, for i in 0..len(text)."""
    return np.cumsum(np.concatenate(([0], cell_widths(text))), dtype=np.int32).tolist()


def _is_word(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def wrap_line(line: str, cumulative: list[int], offset: int, width: int) -> list[int]:
    """Break offsets for one line; `cumulative[offset + i]` is the cell width of the text before line[i].

    Each row is the longest that fits in `width` cells, except that a row holding one character wider
    than `width` holds just that character, and a break that would fall inside a run of ASCII letters
    and digits moves back to the start of the run unless the run starts the row.
    """
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


def wrap_lines(
    lines: Sequence[str],
    width: int,
    cumulative: list[int] | None = None,
    wrap_tabbed: Callable[[str], list[int]] | None = None,
) -> list[list[int]]:
    """Break offsets of every line at `width` cells; a width of 0 means no wrapping.

    `cumulative` is `cumulative_widths("\\n".join(lines))` (computed when not given; pass it to reuse
    it across widths). A line holding a tab is wrapped by `wrap_tabbed(line)` instead, which must
    expand tabs as the TextArea draws them (the adapter passes Textual's own wrap); without it, such
    a line raises ValueError. Lines without breaks share one empty list: treat the result as read-only.
    """
    blank: list[int] = []
    if not width:
        return [blank for _ in lines]
    if cumulative is None:
        cumulative = cumulative_widths("\n".join(lines))
    out: list[list[int]] = []
    append = out.append
    line_start = 0
    for line in lines:
        length = len(line)
        offsets = blank
        if "\t" in line:
            if wrap_tabbed is None:
                raise ValueError("a line holds a tab: pass wrap_tabbed")
            offsets = wrap_tabbed(line)
        elif length * 2 > width and cumulative[line_start + length] - cumulative[line_start] > width:
            offsets = wrap_line(line, cumulative, line_start, width)
        append(offsets)
        line_start += length + 1
    return out


def row_maps(wrap_offsets: Sequence[Sequence[int]]) -> tuple[list[list[int]], list[tuple[int, int]]]:
    """For per-line break offsets: the wrapped rows of each line, and the (line, section) of each row."""
    line_rows: list[list[int]] = []
    append = line_rows.append
    current = 0
    for offsets in wrap_offsets:
        if offsets:
            rows = len(offsets) + 1
            append(list(range(current, current + rows)))
            current += rows
        else:
            append([current])
            current += 1
    counts = np.fromiter(map(len, line_rows), dtype=np.int64, count=len(line_rows))
    line_of_row = np.repeat(np.arange(counts.size), counts)
    section_of_row = np.arange(current) - np.repeat(np.cumsum(counts) - counts, counts)
    return line_rows, list(zip(line_of_row.tolist(), section_of_row.tolist(), strict=True))
