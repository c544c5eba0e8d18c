"""The transcript viewer: a read-only TextArea that paints codings as background colours."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual.widgets import TextArea

from qualcode.tui.textmap import TextMap


@dataclass(frozen=True)
class Paint:
    """One coded span to paint: offsets into the document, a colour, and its order (later on top)."""

    start: int
    end: int
    color: str
    order: int


SPEAKER_STYLES = {"問": Style(bold=True, color="#7aa2f7"), "答": Style(bold=True, color="#e0af68")}
DEFAULT_SPEAKER_STYLE = Style(bold=True, color="#9ece6a")


def _readable_on(color: str) -> str:
    """Black or white text, whichever reads better on a background colour."""
    try:
        r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    except ValueError:
        return "#000000"
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "#ffffff"


class TranscriptView(TextArea):
    """Shows one document; codings are backgrounds (innermost on top), speaker labels are bold."""

    DEFAULT_CSS = """
    TranscriptView { border: none; padding: 0 1; }
    """

    def __init__(self, **kwargs):
        super().__init__(
            "", read_only=True, soft_wrap=True, show_line_numbers=False, highlight_cursor_line=False,
            show_cursor=True, **kwargs,
        )
        self.textmap = TextMap("")
        self._line_paint: dict[int, list[tuple[int, int, Style]]] = {}
        self._labels: dict[int, tuple[int, int, Style]] = {}

    def show_document(self, text: str, turns: list, paints: list[Paint]) -> None:
        self.textmap = TextMap(text)
        self._labels = {}
        for turn in turns:
            row, column = self.textmap.location(turn.start)  # the label runs from the line start to here
            self._labels[row] = (0, column, SPEAKER_STYLES.get(turn.speaker, DEFAULT_SPEAKER_STYLE))
        self._set_paints(paints)
        self.load_text(text)
        self.move_cursor((0, 0))

    def set_paints(self, paints: list[Paint]) -> None:
        self._set_paints(paints)
        self._line_cache.clear()
        self.refresh()

    def _set_paints(self, paints: list[Paint]) -> None:
        """Split spans by line; longer spans first so inner (shorter) ones paint on top."""
        per_line: dict[int, list[tuple[int, int, Style]]] = defaultdict(list)
        ordered = sorted(paints, key=lambda p: (-(p.end - p.start), p.order))
        for paint in ordered:
            style = Style(bgcolor=paint.color, color=_readable_on(paint.color))
            first, _ = self.textmap.location(paint.start)
            last, _ = self.textmap.location(paint.end)
            for row in range(first, last + 1):
                line_start, line_end = self.textmap.line_span(row)
                start, end = max(paint.start, line_start), min(paint.end, line_end)
                if start < end:
                    per_line[row].append((start - line_start, end - line_start, style))
        self._line_paint = dict(per_line)

    def get_line(self, line_index: int) -> Text:
        line = super().get_line(line_index)
        label = self._labels.get(line_index)
        if label and label[1]:
            line.stylize(label[2], label[0], label[1])
        for start, end, style in self._line_paint.get(line_index, ()):
            line.stylize(style, start, end)
        return line

    @property
    def cursor_offset(self) -> int:
        return self.textmap.offset(self.cursor_location)

    @property
    def selected_span(self) -> tuple[int, int]:
        start, end = sorted(self.selection)
        return self.textmap.offset(start), self.textmap.offset(end)

    def select_span(self, start: int, end: int) -> None:
        from textual.widgets.text_area import Selection

        self.selection = Selection(self.textmap.location(start), self.textmap.location(end))
        self.scroll_cursor_visible(center=True)
