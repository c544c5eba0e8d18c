"""Fast soft wrapping for long CJK transcripts, in place of Textual's per-character word folding.

Textual folds an unspaced CJK line one character at a time (tens of microseconds a line) and sums
every line's rows each time it renders a row, which makes a 1-million-character transcript slow to
open and to scroll. This wraps greedily by cell width, with the cumulative cell widths of the whole
document computed once with numpy and a binary search per row. Lines with tabs use Textual's way.

Where a row may end follows the usual CJK line-breaking rules (kinsoku, as in JIS X 4051 and the
W3C's "Requirements for Chinese Text Layout"); a break between two characters is *allowed* when

- the character after it may start a row: not a closing mark (，。、；：？！」』）》…, their half-width
  and ASCII forms , . ; : ? ! ) ] } ｡ ｣ ､ and the like, see `CLOSING`), not a space, not a zero-width
  character (a combining mark stays with its base);
- the character before it may end a row: not an opening mark (「『（《〈【〔 ( [ {, see `OPENING`);
- it is not inside a unit: a run of ASCII letters and digits (a Latin word or a number, with . , :
  between two digits: 3.14, 1,000, 12:30), a pair of dashes (——), or offsets the caller glues.

Each row is filled as far as the width allows and then ends at the last allowed break, so:

1. when the character that no longer fits is an allowed break, the row ends there (plain greedy fill);
2. else, when it is one closing mark or space that may not start a row, it *hangs*: it stays at the end
   of this row, past the width by at most `hang` cells (the TextArea keeps one cell past its wrap width
   for the cursor, so the transcript hangs one cell: a half-width mark always, a full-width one when
   the row has a cell to spare), provided the break after it is allowed; a space may always hang one
   cell, even with `hang=0` (it shows nothing: a caller that draws no further than the width drops it);
3. else the row is *pushed out*: it ends at the last allowed break that fits, which carries the
   preceding character(s) down with the mark (……我們|關掉， rather than ……我們關掉|，);
4. when no allowed break fits (a width of 1 or 2 cells, a run of closing marks or spaces wider than a
   row, a unit wider than a row, a unit that fills a row followed by a closing mark), the row ends at
   the break that breaks the fewest rules, in this order of importance: not splitting a unit that fits
   on a row (so a word or number that fits is never split), not starting a row with a closing mark or
   a space, not ending a row with an opening mark, not splitting any unit; among equals, the last.

A row is never wider than the width, except by one hanging mark (at most `hang` cells, or one cell for
a space) or when it is a single character wider than the width (a CJK character at width 1). Every
character is kept, in order.

Everything here is pure and uses only public APIs (rich.cells, numpy for long texts); the TextArea document that
uses it, `FastWrappedDocument`, lives in `textual_adapter.py` with the rest of the Textual internals.
"""

from __future__ import annotations

import string
from bisect import bisect_right
from collections.abc import Callable, Collection, Sequence
from itertools import accumulate
from typing import TYPE_CHECKING, Any

from rich.cells import get_character_cell_size

if TYPE_CHECKING:
    import numpy as np

# numpy pays off on long texts; below this many characters (every bundled transcript) plain Python is as
# fast and the TUI starts without importing numpy (~0.1 s): see benchmarks/tui.py's start-up line.
NUMPY_FROM = 50_000
_tables: tuple[Any, Any] | None = None  # (width per code point, known?) for numpy, built on first use
_char_widths: dict[str, int] = {}  # the same for plain Python, per character seen


def _numpy_tables() -> tuple[Any, Any]:
    global _tables
    if _tables is None:
        import numpy as np

        _tables = (np.zeros(0x110000, dtype=np.int8), np.zeros(0x110000, dtype=bool))
    return _tables


#: Characters that may not start a row (they hang at the end of the previous one, or pull a character
#: down with them): closing brackets and quotes, pause and stop marks, ellipses, middle dots and
#: postfix symbols, in their CJK, full-width, vertical, small, half-width and ASCII forms.
#: (︰ U+FE30 is the colon of 答︰ in the bundled transcripts.) Spaces and zero-width characters
#: may not start a row either; they are tested apart.
CLOSING = frozenset(
    "，。、；：？！」』）》〉】〕〗〙〛］｝｠…‥・‧·’”〞〟»›︐︑︒︓︔︕︖︙︰﹐﹑﹒﹔﹕﹖﹗﹚﹜﹞｡｣､･,.;:?!)]}%％‰℃°′″"
)
#: Characters that may not end a row: opening brackets and quotes, and prefix currency signs.
OPENING = frozenset("「『（《〈【〔〖〘〚［｛｟“‘〝«‹﹙﹛﹝｢([{$¥£€＄￥￡")
WORD = frozenset(string.ascii_letters + string.digits)
_DIGITS = frozenset(string.digits)
_NUMBER_JOINERS = frozenset(".,:")  # inside a number when between two digits
_DASHES = frozenset("—―─")  # two of the same are one dash (——), never split
# Only these after a break (or an opening mark, a space, a zero-width mark, glue) can make it not allowed.
_MAY_FORBID = CLOSING | WORD | _DASHES


def cell_widths(text: str) -> np.ndarray:
    """Cell width of every code point of `text` (2 for CJK, 1 for Latin, 0 for combining marks).

    Widths are per code point, as `rich.cells.get_character_cell_size` gives them: unlike
    `rich.cells.cell_len`, a zero-width joiner or variation selector does not change its neighbours.
    """
    import numpy as np

    _width_table, _known = _numpy_tables()
    cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    unknown = cps[~_known[cps]]  # most texts hold no character not measured before
    if unknown.size:
        fresh = np.flatnonzero(np.bincount(unknown)) if unknown.size > 65536 else np.unique(unknown)
        for cp in fresh.tolist():
            _width_table[cp] = get_character_cell_size(chr(cp))
        _known[fresh] = True
    return _width_table[cps]


def cumulative_widths(text: str) -> Sequence[int]:
    """`result[i]` is the cell width of `text[:i]`, for i in 0..len(text).

    A long text's sums are numpy's, read through a memoryview (indexing and bisect give Python ints): a list of a
    million Python ints took 30 of the 40 ms (the wrap reads a few entries a row, so building every int up front
    was the waste), and copying them into an `array` another 1.3 ms."""
    if len(text) < NUMPY_FROM:
        widths = _char_widths
        for ch in set(text).difference(widths):
            widths[ch] = get_character_cell_size(ch)
        return list(accumulate(map(widths.__getitem__, text), initial=0))
    import numpy as np

    sums = np.empty(len(text) + 1, dtype=np.int64)
    sums[0] = 0
    np.cumsum(cell_widths(text), dtype=np.int64, out=sums[1:])
    return memoryview(sums)


class _Line:
    """The break rules for one line; `i` is an offset in the line, 0 < i < len(line)."""

    __slots__ = ("cumulative", "glue", "line", "n", "offset")

    def __init__(self, line: str, cumulative: Sequence[int], offset: int, glue: Collection[int]):
        self.line, self.cumulative, self.offset, self.glue, self.n = line, cumulative, offset, glue, len(line)

    def zero_width(self, i: int) -> bool:
        at = self.offset + i
        return self.cumulative[at + 1] == self.cumulative[at]

    def no_start(self, i: int) -> bool:
        """line[i] may not start a row."""
        ch = self.line[i]
        return ch in CLOSING or ch.isspace() or self.zero_width(i)

    def joined(self, i: int) -> bool:
        """line[i - 1] and line[i] belong to one unit (a word, a number, a dash, glued offsets)."""
        line = self.line
        before, after = line[i - 1], line[i]
        if before in WORD and after in WORD:
            return True
        if before in _NUMBER_JOINERS and after in _DIGITS and i >= 2 and line[i - 2] in _DIGITS:
            return True
        if after in _NUMBER_JOINERS and before in _DIGITS and i + 1 < self.n and line[i + 1] in _DIGITS:
            return True
        if before == after and before in _DASHES:
            return True
        return bool(self.glue) and self.offset + i in self.glue

    def allowed(self, i: int) -> bool:
        """A break before line[i] keeps every rule."""
        return not self.no_start(i) and self.line[i - 1] not in OPENING and not self.joined(i)

    def unit_fits(self, i: int, width: int) -> bool:
        """The unit that a break at i would split is at most `width` cells (measured no further than that)."""
        cumulative, offset, n = self.cumulative, self.offset, self.n
        low = i - 1
        while low > 0 and self.joined(low) and cumulative[offset + i] - cumulative[offset + low] <= width:
            low -= 1
        high = i + 1
        while high < n and self.joined(high) and cumulative[offset + high] - cumulative[offset + low] <= width:
            high += 1
        return cumulative[offset + high] - cumulative[offset + low] <= width

    def least_bad(self, candidates: Sequence[int], width: int) -> int:
        """Where no allowed break fits: the candidate breaking the fewest rules, the last among equals."""
        best, best_key = candidates[0], (True, True, True, True)
        fits: bool | None = None  # whether the unit being walked through fits; measured once per unit
        previous = -1
        for i in candidates:
            joined = self.joined(i)
            if not joined or i != previous + 1:
                fits = None
            if joined and fits is None:
                fits = self.unit_fits(i, width)
            key = (joined and bool(fits), self.no_start(i), self.line[i - 1] in OPENING, joined)
            if key <= best_key:
                best, best_key = i, key
            previous = i
        return best


def wrap_line(
    line: str, cumulative: Sequence[int], offset: int, width: int, *, hang: int = 1, glue: Collection[int] = ()
) -> list[int]:
    """Break offsets for one line; `cumulative[offset + i]` is the cell width of the text before line[i].

    The rows follow the rules of the module docstring: filled greedily to `width` cells, ending only
    where a break is allowed, a closing mark hanging past the width by at most `hang` cells (a space by
    one cell), a row that holds one character wider than `width` holding just it (and any zero-width
    marks after it). `glue` holds offsets, counted as `cumulative` counts them (offset + i), before
    which no row may start (e.g. to keep a citation with the end of its quote).
    """
    n = len(line)
    rules = _Line(line, cumulative, offset, glue)
    line_end = cumulative[offset + n]
    # all double-width (CJK, with no zero-width marks): a row is width // 2 characters
    half = width // 2 if line_end - cumulative[offset] == 2 * n and width >= 2 else 0
    breaks: list[int] = []
    start = 0
    while line_end - cumulative[offset + start] > width:
        row_start = cumulative[offset + start]
        if half:
            end = start + half
        else:  # the last offset whose row still fits (past any zero-width marks)
            end = bisect_right(cumulative, row_start + width, offset + start, offset + n + 1) - 1 - offset
            if end <= start:  # one character wider than the row: alone, with the zero-width marks after it
                end = start + 1
                while end < n and rules.zero_width(end):
                    end += 1
        if end >= n:
            break
        # most breaks in CJK text need no closer look: no mark, word, space or glue on either side
        ch = line[end]
        quick = ch not in _MAY_FORBID and not ch.isspace() and line[end - 1] not in OPENING and not glue
        if quick and not half:
            quick = cumulative[offset + end + 1] != cumulative[offset + end]  # not before a zero-width mark
        if not quick and not rules.allowed(end):
            end = _break_before(rules, start, end, width, hang, row_start)
            if end >= n:
                break
        breaks.append(end)
        start = end
    return breaks


def _break_before(rules: _Line, start: int, end: int, width: int, hang: int, row_start: int) -> int:
    """The break for a row from `start` whose first character that does not fit, line[end], may not start a row."""
    line, n = rules.line, rules.n
    hung = None
    ch = line[end]
    cumulative, at = rules.cumulative, rules.offset + end
    overhang = max(hang, 1) if ch.isspace() else hang if ch in CLOSING else 0
    # (a row forced wider than the width, one wide character at width 1, has nothing to hang on)
    if overhang and cumulative[at] - row_start <= width and cumulative[at + 1] - row_start <= width + overhang:
        hung = end + 1  # the mark hangs; the break comes after it and its zero-width marks
        while hung < n and rules.zero_width(hung):
            hung += 1
        if hung >= n or rules.allowed(hung):
            return hung
    for i in range(end - 1, start, -1):  # push out: the last allowed break that fits
        if rules.allowed(i):
            return i
    candidates = list(range(start + 1, end + 1))
    if hung is not None:
        candidates.append(hung)
    return rules.least_bad(candidates, width)


def wrap_lines(
    lines: Sequence[str],
    width: int,
    cumulative: Sequence[int] | None = None,
    wrap_tabbed: Callable[[str], list[int]] | None = None,
    *,
    hang: int = 1,
    glue: Collection[int] = (),
) -> list[list[int]]:
    """Break offsets of every line at `width` cells; a width of 0 means no wrapping.

    `cumulative` is `cumulative_widths("\\n".join(lines))` (computed when not given; pass it to reuse
    it across widths). A line holding a tab is wrapped by `wrap_tabbed(line)` instead, which must
    expand tabs as the TextArea draws them (the adapter passes Textual's own wrap); without it, such
    a line raises ValueError. `hang` and `glue` are as for `wrap_line` (glue offsets count in the joined
    text). Lines without breaks share one empty list: treat the result as read-only.
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
            offsets = wrap_line(line, cumulative, line_start, width, hang=hang, glue=glue)
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
    if current < NUMPY_FROM:
        return line_rows, [(line, section) for line, rows in enumerate(line_rows) for section in range(len(rows))]
    import numpy as np

    counts = np.fromiter(map(len, line_rows), dtype=np.int64, count=len(line_rows))
    line_of_row = np.repeat(np.arange(counts.size), counts)
    section_of_row = np.arange(current) - np.repeat(np.cumsum(counts) - counts, counts)
    return line_rows, list(zip(line_of_row.tolist(), section_of_row.tolist(), strict=True))
