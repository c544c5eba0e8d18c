"""The transcript viewer: a read-only TextArea that paints codings as background colours.

Columns are code points, as TextArea's are, so a selection maps to document offsets exactly, CJK and
characters outside the BMP included. Shorter (inner) codings paint over longer ones; where codings
overlap the text is underlined, and the gutter shows a mark in the colour of the line's innermost
coding, doubled when codings overlap on that line.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.strip import Strip
from textual.widgets.text_area import Selection

from qualcode.tui.textmap import TextMap
from qualcode.tui.widgets.textual_adapter import FastWrapTextArea

GUTTER = 2


@dataclass(frozen=True)
class Paint:
    """One coded span to paint: offsets into the document, a colour, and its order (later on top)."""

    start: int
    end: int
    color: str
    order: str  # e.g. when it was made: among spans of equal length the later one paints on top
    key: str  # the coding id, so a repaint after one change touches only the rows it changed


OVERLAP_STYLE = Style(underline=True, bold=True)
KEYWORD_STYLE = Style(underline=True)  # a codebook keyword (w); overlapping codings are bold as well
SPEAKER_STYLES = {"問": Style(bold=True, color="#7aa2f7"), "答": Style(bold=True, color="#e0af68")}
DEFAULT_SPEAKER_STYLE = Style(bold=True, color="#9ece6a")


def readable_on(color: str) -> str:
    """Black or white text, whichever reads better on a background colour."""
    try:
        r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    except ValueError:
        return "#000000"
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "#ffffff"


class TranscriptView(FastWrapTextArea):
    """Shows one document; codings are backgrounds (innermost on top), speaker labels are bold."""

    DEFAULT_CSS = """
    TranscriptView { border: round $panel-lighten-2; padding: 0 1 0 0; scrollbar-gutter: stable; }
    TranscriptView:focus { border: round $accent; }
    """
    # Called as the selection changes, in the same frame as the transcript: a SelectionChanged message arrives
    # after that frame is scheduled, so the status bar painted one frame (~17 ms) late on every key.
    selection_callback: Callable[[], None] | None = None
    # Editing keys of TextArea do nothing here; the app's keys take ctrl+z / ctrl+y / delete.
    BINDINGS = [
        Binding("ctrl+z", "app.undo", show=False),
        Binding("ctrl+y", "app.redo", show=False),
        Binding("delete", "app.remove_coding", show=False),
    ]

    def __init__(self, **kwargs):
        super().__init__(
            "",
            read_only=True,
            soft_wrap=True,
            show_line_numbers=False,
            highlight_cursor_line=False,
            show_cursor=True,
            **kwargs,
        )
        self.textmap = TextMap("")
        self._paints: dict[str, Paint] = {}
        self._by_start: list[Paint] = []  # every paint, by start
        self._starts: list[int] = []  # their starts, for bisect
        self._longest = 0  # the longest paint's length: how far back a row's paints may start
        self._row_paints: dict[int, list[Paint]] = {}
        self._styles: dict[str, Style] = {}
        self._line_paint: dict[int, list[tuple[int, int, Style]]] = {}
        self._gutter: dict[int, tuple[str, str]] = {}
        self._joined: dict[int, tuple[Strip, str, str | None, Strip]] = {}  # render_line's, per screen row
        self._built: set[int] = set()
        self._labels: dict[int, tuple[int, Style]] = {}
        self._keyword_rows: dict[int, list[tuple[int, int]]] = {}  # row -> keyword spans, in row columns

    def set_keywords(self, spans: list[tuple[int, int]]) -> None:
        """Underline these spans (codebook keywords), or none; the rows are drawn again."""
        rows: dict[int, list[tuple[int, int]]] = {}
        for start, end in spans:
            first, _ = self.textmap.location(start)
            last, _ = self.textmap.location(max(start, end - 1))
            for row in range(first, last + 1):
                line_start, line_end = self.textmap.line_span(row)
                s, e = max(start, line_start), min(end, line_end)
                if s < e:
                    rows.setdefault(row, []).append((s - line_start, e - line_start))
        if rows or self._keyword_rows:
            self._keyword_rows = rows
            self.clear_rendered_lines()
            self.refresh()

    def watch_selection(self) -> None:
        if self.selection_callback is not None and self.is_mounted:
            self.selection_callback()

    @property
    def gutter_width(self) -> int:
        return GUTTER

    def show_document(self, text: str, turns: list, paints: list[Paint]) -> None:
        self.textmap = TextMap(text)
        self._labels = {}
        for turn in turns:
            row, column = self.textmap.location(turn.start)  # the label runs from the line start to here
            self._labels[row] = (column, SPEAKER_STYLES.get(turn.speaker, DEFAULT_SPEAKER_STYLE))
        self._set_paints(paints)
        self._keyword_rows = {}
        self.load_text(text)
        self.move_cursor((0, 0))

    def set_paints(self, paints: list[Paint]) -> None:
        """Repaint after codings changed; only the rows of added or removed paints are recomputed."""
        new = {p.key: p for p in paints}
        old = self._paints
        gone = [p for k, p in old.items() if new.get(k) != p]
        added = [p for k, p in new.items() if old.get(k) != p]
        if len(gone) + len(added) > 500:
            self._set_paints(paints)
        else:
            touched: set[int] = set()
            for paint in gone:
                at = bisect_left(self._starts, paint.start)
                while self._by_start[at] is not paint and self._by_start[at] != paint:
                    at += 1
                del self._by_start[at], self._starts[at]
                touched.update(self._rows_of(paint))
            for paint in added:
                self._insert(paint)
                touched.update(self._rows_of(paint))
            self._paints = new
            self._forget_rows(touched)
            self.redraw_lines(touched)
            return
        self.clear_rendered_lines()
        self.refresh()

    def add_paint(self, paint: Paint) -> None:
        """Paint one new coding: only its rows are recomputed and redrawn."""
        self._paints[paint.key] = paint
        self._insert(paint)
        touched = set(self._rows_of(paint))
        self._forget_rows(touched)
        self.redraw_lines(touched)

    def _insert(self, paint: Paint) -> None:
        at = bisect_right(self._starts, paint.start)
        self._by_start.insert(at, paint)
        self._starts.insert(at, paint.start)
        self._longest = max(self._longest, paint.end - paint.start)

    def _forget_rows(self, rows: set[int]) -> None:
        for row in rows:
            self._row_paints.pop(row, None)
        self._built -= rows

    def _rows_of(self, paint: Paint) -> range:
        first, _ = self.textmap.location(paint.start)
        last, _ = self.textmap.location(max(paint.start, paint.end - 1))
        return range(first, last + 1)

    def _set_paints(self, paints: list[Paint]) -> None:
        """Every paint, indexed by where it starts; which rows each one covers is worked out only for the rows
        drawn (`_paints_of_row`): opening a 1 M-character transcript with 5,000 codings no longer places every
        coding on its rows first."""
        self._paints = {p.key: p for p in paints}
        self._by_start = sorted(self._paints.values(), key=lambda p: p.start)  # codings come sorted: linear
        self._starts = [p.start for p in self._by_start]
        self._longest = max((p.end - p.start for p in self._by_start), default=0)
        self._row_paints = {}  # row -> the paints on it, for rows drawn so far
        self._line_paint, self._gutter = {}, {}
        self._built: set[int] = set()  # rows whose spans are computed; the rest are computed when drawn

    def _paints_of_row(self, row: int) -> list[Paint]:
        found = self._row_paints.get(row)
        if found is None:
            line_start, line_end = self.textmap.line_span(row)
            # a paint on this row starts before its end, and no earlier than the longest paint reaches back
            lo = bisect_left(self._starts, line_start - self._longest)
            hi = bisect_left(self._starts, line_end)
            found = [p for p in self._by_start[lo:hi] if p.end > line_start]
            self._row_paints[row] = found
        return found

    def _row(self, row: int) -> None:
        if row not in self._built:
            self._rebuild_row(row)
            self._built.add(row)

    def _style(self, color: str) -> Style:
        style = self._styles.get(color)
        if style is None:
            style = self._styles[color] = Style(bgcolor=color, color=readable_on(color))
        return style

    def _rebuild_row(self, row: int) -> None:
        """Styled spans and the gutter mark of one row: longer spans first, so inner ones paint on top."""
        paints = self._paints_of_row(row)
        line_start, line_end = self.textmap.line_span(row)
        spans, ranges, color = [], [], None
        for paint in sorted(paints, key=lambda p: (-(p.end - p.start), p.order)):
            start, end = max(paint.start, line_start), min(paint.end, line_end)
            if start < end:
                spans.append((start - line_start, end - line_start, self._style(paint.color)))
                ranges.append((start - line_start, end - line_start))
                color = paint.color
        if not spans:
            self._line_paint.pop(row, None)
            self._gutter.pop(row, None)
            return
        overlaps = _overlaps(ranges) if len(ranges) > 1 else []
        spans.extend((start, end, OVERLAP_STYLE) for start, end in overlaps)
        self._line_paint[row] = spans
        self._gutter[row] = ("█" if overlaps else "▌", color)

    def get_line(self, line_index: int) -> Text:
        """The whole line, styled (Textual's own row drawing uses it for lines with tabs)."""
        return self.get_section(line_index, 0, len(self.document.get_line(line_index)))

    def get_section(self, line_index: int, start: int, end: int) -> Text:
        """The characters of a line from `start` to `end` (one wrapped row), with the line's styles (speaker label,
        codings, keywords) clipped to them."""
        self._row(line_index)
        piece = Text(self.document.get_line(line_index)[start:end], end="", no_wrap=True)
        size = end - start

        def paint(style: Style | str, a: int, b: int) -> None:
            a, b = max(a - start, 0), min(b - start, size)
            if a < b:
                piece.stylize(style, a, b)

        label = self._labels.get(line_index)
        if label and label[0]:
            paint(label[1], 0, label[0])
        for a, b, style in self._line_paint.get(line_index, ()):
            paint(style, a, b)
        for a, b in self._keyword_rows.get(line_index, ()):
            paint(KEYWORD_STYLE, a, b)
        return piece

    def render_line(self, y: int) -> Strip:
        """TextArea's row (from its row cache when drawn before) after the gutter's mark. The joined row is kept per
        screen row with what it was joined from, so a row drawn again unchanged (the transcript restyled when the
        focus leaves it: every row) is not joined again."""
        strip = super().render_line(y)
        mark, color = " ", None
        info = self.wrapped_document.row_info(y + self.scroll_offset.y)
        if info is not None:
            line_index, _ = info
            self._row(line_index)
            if line_index in self._gutter:
                mark, color = self._gutter[line_index]
        kept = self._joined.get(y)
        if kept is not None and kept[0] is strip and kept[1] == mark and kept[2] == color:
            return kept[3]
        gutter = Strip([Segment(mark + " " * (GUTTER - 1), Style(color=color) if color else None)], GUTTER)
        joined = Strip.join([gutter, strip]).simplify()
        self._joined[y] = (strip, mark, color, joined)
        return joined

    # -- positions -------------------------------------------------------------------------------
    @property
    def cursor_offset(self) -> int:
        return self.textmap.offset(self.cursor_location)

    @property
    def selected_span(self) -> tuple[int, int]:
        start, end = sorted(self.selection)
        return self.textmap.offset(start), self.textmap.offset(end)

    def select_span(self, start: int, end: int) -> None:
        self.selection = Selection(self.textmap.location(start), self.textmap.location(end))
        self.scroll_cursor_visible(center=True)


def _overlaps(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Ranges covered by two or more spans."""
    events = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans])
    out, depth, start = [], 0, None
    for at, change in events:
        before = depth
        depth += change
        if before < 2 <= depth:
            start = at
        elif before >= 2 > depth and start is not None and at > start:
            out.append((start, at))
    return out
