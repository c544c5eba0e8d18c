"""The adjudication screen: where the coders disagree, per code, decided one unit at a time.

Each row is a unit (a coded segment, a sentence or a turn: `t` cycles) where the coders other than the
consensus coder disagree on a code. A decision keeps one coder's codings (`1`..`9`), both (`b`, the union),
the intersection (`i`) or nothing (`x`), and is written as codings of the consensus coder in one undoable
event of that coder (`u` undoes the last one). The preview shows the passage with each coder's codings in the
coder's colour; Enter opens it in the transcript.
"""

from __future__ import annotations

from itertools import pairwise

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from qualcode.errors import QualcodeError
from qualcode.tui import keymap
from qualcode.tui.i18n import describe_change, label, say_error
from qualcode.tui.screens.review import Jump
from qualcode.tui.widgets.footer import Footer
from qualcode.tui.widgets.textual_adapter import replace_bindings

UNITS = ("segment", "sentence", "turn")
CONTEXT = 60  # characters shown before and after the unit and the coders' codings
SNIPPET = 40  # characters of the unit in a row
# The coders' colours, in the order of their number keys; the overlap of two or more has its own.
PALETTE = ("#1f6feb", "#d9480f", "#2f9e44", "#c2255c", "#0c8599", "#e67700", "#5c940d", "#862e9c", "#495057")
OVERLAP_STYLE = "bold black on #fcc419"


def coder_style(index: int) -> str:
    """The style of the index-th coder's codings in the preview and the legend."""
    return f"white on {PALETTE[index % len(PALETTE)]}"


def preview(text: str, item, coders: list[str], context: int = CONTEXT) -> Text:
    """The unit with `context` characters around it (and around the codings that reach past it), dimmed
    outside the unit, each coder's codings on the coder's colour and where two or more overlap on OVERLAP_STYLE."""
    spans = [(s, e, coder) for coder in coders for s, e in item.spans.get(coder, [])]
    low = min([item.start, *(s for s, _, _ in spans)])
    high = max([item.end, *(e for _, e, _ in spans)])
    first, last = max(0, low - context), min(len(text), high + context)
    body = Text(text[first:last])
    body.stylize("dim", 0, max(0, item.start - first))
    body.stylize("dim", max(0, item.end - first), last - first)
    points = sorted({min(max(p, first), last) for s, e, _ in spans for p in (s, e)})
    for x, y in pairwise(points):
        covering = {coder for s, e, coder in spans if s <= x and e >= y}
        if covering:
            style = coder_style(coders.index(covering.pop())) if len(covering) == 1 else OVERLAP_STYLE
            body.stylize(style, x - first, y - first)
    out = Text("…" if first > 0 else "", style="dim")
    out.append_text(body)
    if last < len(text):
        out.append("…", style="dim")
    return out


class AdjudicateScreen(Screen[Jump | None]):
    BINDINGS = keymap.bindings(keymap.ADJUDICATE_KEYS)
    DEFAULT_CSS = """
    AdjudicateScreen { layout: vertical; }
    AdjudicateScreen #adjudicate-title { height: 1; padding: 0 1; text-style: bold; }
    AdjudicateScreen #adjudicate-summary { height: 1; padding: 0 1; }
    AdjudicateScreen #adjudicate-help { height: auto; width: 100%; color: $text-muted; padding: 0 1; }
    AdjudicateScreen #adjudicate-list { height: 1fr; }
    AdjudicateScreen #adjudicate-legend { height: 1; padding: 0 1; }
    AdjudicateScreen #adjudicate-preview-box { height: 12; border: round $accent; padding: 0 1; }
    """

    def __init__(self, project, consensus: str, language: str):
        super().__init__()
        self.project, self.consensus, self.language = project, consensus, language
        self._bind_keys()
        self.unit = UNITS[0]
        self.items: list = []  # Disagreement rows, in list order
        self.coders: list[str] = []  # the number keys' coders: 1 is the first
        self.options: list[int] = []  # the option index of each item

    def _bind_keys(self) -> None:
        replace_bindings(self, [*Screen.BINDINGS, *keymap.bindings(keymap.ADJUDICATE_KEYS, self.language)])

    def compose(self) -> ComposeResult:
        yield Label("", id="adjudicate-title")
        yield Label("", id="adjudicate-summary")
        yield Label("", id="adjudicate-help")
        yield OptionList(id="adjudicate-list")
        yield Static("", id="adjudicate-legend")
        with VerticalScroll(id="adjudicate-preview-box"):
            yield Static("", id="adjudicate-preview")
        yield Footer()

    def on_mount(self) -> None:
        self._fill()
        self._highlight(self._next_unreviewed(-1))
        self.query_one(OptionList).focus()
        self.watch(self.app, "language", self._relabel, init=False)

    def _relabel(self, language: str) -> None:
        """The app's language changed (L): say everything in the new one."""
        self.language = language
        self._bind_keys()
        self.refresh_bindings()
        current = self._current()
        self._fill()
        self._highlight(self._index_of(current.key) if current else None)

    # -- the list --------------------------------------------------------------------------------
    def _fill(self) -> None:
        lang = self.language
        codes = self.project.codebook.codes()
        names = {c.id: c.name if lang == "zh" or not c.name_en else c.name_en for c in codes}
        colors = {c.id: c.color or "#888888" for c in codes}
        order = {c.id: i for i, c in enumerate(codes)}
        problem = None
        try:
            items = self.project.team.to_adjudicate(unit=self.unit, consensus=self.consensus)
        except QualcodeError as exc:
            items, problem = [], say_error(str(exc), self.language)
            self.notify(problem, severity="error")
        self.items = sorted(items, key=lambda i: (order.get(i.code, len(order)), i.document, i.start, i.end))
        self.coders = list(self.items[0].spans) if self.items else []
        self.options = []
        options: list[Option] = []
        texts: dict[int, str] = {}
        for code in dict.fromkeys(item.code for item in self.items):
            mine = [item for item in self.items if item.code == code]
            header = Text()
            header.append("■ ", style=colors.get(code, "white"))
            header.append(f"{names.get(code, code)} ", style="bold")
            header.append(label("adjudicated", lang, n=sum(i.reviewed for i in mine), total=len(mine)), style="dim")
            options.append(Option(header, id=f"code:{code}", disabled=True))
            for item in mine:
                if item.document not in texts:
                    texts[item.document] = self.project.documents.text(item.document)
                self.options.append(len(options))
                options.append(
                    Option(self._row(item, names, colors, texts[item.document]), id=str(len(self.options) - 1))
                )
        listing = self.query_one(OptionList)
        listing.clear_options()
        if options:
            listing.add_options(options)
        else:
            empty = problem or label("no_disagreements", lang)
            listing.add_option(Option(Text(empty, style="dim"), disabled=True))
        reviewed = sum(i.reviewed for i in self.items)
        self.query_one("#adjudicate-title", Label).update(label("adjudicate_title", lang, consensus=self.consensus))
        self.query_one("#adjudicate-summary", Label).update(
            label(
                "adjudicate_summary",
                lang,
                counts=label("adjudicated", lang, n=reviewed, total=len(self.items)),
                unit=label(f"unit_{self.unit}", lang),
                coders=", ".join(self.coders) or "—",
            )
        )
        self.query_one("#adjudicate-help", Label).update(label("adjudicate_help", lang))
        self.query_one("#adjudicate-legend", Static).update(self._legend())

    def _row(self, item, names: dict[str, str], colors: dict[str, str], text: str) -> Text:
        row = Text()
        row.append("✓ " if item.reviewed else "· ", style="bold green" if item.reviewed else "dim")
        row.append("■ ", style=colors.get(item.code, "white"))
        row.append(f"{names.get(item.code, item.code)} ", style="bold")
        row.append(f"({item.case}) ", style="bold")
        for coder in self.coders:
            voted = item.votes.get(coder, False)
            row.append(f"{coder} ")
            row.append("✓ " if voted else "✗ ", style="green" if voted else "red")
        snippet = " ".join(text[item.start : item.end].split())
        row.append("「" + (snippet if len(snippet) <= SNIPPET else snippet[: SNIPPET - 1] + "…") + "」")
        row.append(" " + label("chars", self.language, n=item.end - item.start), style="dim")
        return row

    def _legend(self) -> Text:
        legend = Text()
        for index, coder in enumerate(self.coders):
            legend.append(f"{index + 1} ", style="bold")
            legend.append(f" {coder} ", style=coder_style(index))
            legend.append("  ")
        if len(self.coders) > 1:
            legend.append(f" {label('legend_overlap', self.language)} ", style=OVERLAP_STYLE)
        return legend

    def _current(self):
        highlighted = self.query_one(OptionList).highlighted
        if highlighted is None or highlighted not in self.options:
            return None
        return self.items[self.options.index(highlighted)]

    def _index_of(self, key: dict) -> int | None:
        return next((i for i, item in enumerate(self.items) if item.key == key), None)

    def _next_unreviewed(self, after: int) -> int | None:
        """The first unreviewed item after `after`, going round; None when every one is reviewed."""
        count = len(self.items)
        for step in range(1, count + 1):
            index = (after + step) % count
            if not self.items[index].reviewed:
                return index
        return None

    def _highlight(self, index: int | None) -> None:
        listing = self.query_one(OptionList)
        if self.items:
            listing.highlighted = self.options[index if index is not None else 0]
        self._show_preview()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show_preview()

    def _show_preview(self) -> None:
        item = self._current()
        box = self.query_one("#adjudicate-preview-box", VerticalScroll)
        shown = self.query_one("#adjudicate-preview", Static)
        if item is None:
            box.border_title = ""
            shown.update("")
            return
        names = {c.id: c.name if self.language == "zh" or not c.name_en else c.name_en
                 for c in self.project.codebook.codes()}  # fmt: skip
        box.border_title = label("preview", self.language, code=names.get(item.code, item.code), case=item.case)
        shown.update(preview(self.project.documents.text(item.document), item, self.coders))
        box.scroll_home(animate=False)

    # -- decisions -------------------------------------------------------------------------------
    def action_keep(self, number: int) -> None:
        if self._current() is None:
            return
        if number > len(self.coders):
            self.notify(label("no_coder_n", self.language, n=number, count=len(self.coders)), severity="warning")
            return
        self.action_decide(f"keep:{self.coders[number - 1]}")

    def action_decide(self, decision: str) -> None:
        item = self._current()
        if item is None:
            return
        if item.reviewed:
            self.notify(label("already_decided", self.language), severity="warning")
            return
        try:
            made = self.project.team.adjudicate(item, decision, consensus=self.consensus)
        except QualcodeError as exc:
            self.notify(say_error(str(exc), self.language), severity="error")
            return
        if decision.startswith("keep:"):
            what = label("decision_keep", self.language, coder=decision.split(":", 1)[1])
        else:
            what = label(f"decision_{decision}", self.language)
        self.notify(label("decided", self.language, what=what, n=len(made)), timeout=3)
        self._fill()
        index = self._index_of(item.key)
        following = self._next_unreviewed(index if index is not None else -1)
        self._highlight(following if following is not None else index)

    def action_undo(self) -> None:
        self._step(self.project.history.undo, "undone")

    def action_redo(self) -> None:
        self._step(self.project.history.redo, "redone")

    def _step(self, step, message: str) -> None:
        """Undo or redo the consensus coder's last change, and highlight the unit it was about."""
        current = self._current()
        try:
            result = step(self.consensus)
        except QualcodeError as exc:
            self.notify(say_error(str(exc), self.language), severity="warning")
            return
        names = {c.id: c.name if self.language == "zh" or not c.name_en else c.name_en
                 for c in self.project.codebook.codes()}  # fmt: skip
        what = describe_change(result, self.language, names, self.project.documents.text)
        self.notify(label(message, self.language, what=what), timeout=3)
        self._fill()
        index = self._index_of(_unit_key(result.target)) if result.action == "adjudicate" else None
        if index is None and current is not None:
            index = self._index_of(current.key)
        self._highlight(index)

    def action_cycle_unit(self) -> None:
        self.unit = UNITS[(UNITS.index(self.unit) + 1) % len(UNITS)]
        self._fill()
        self._highlight(self._next_unreviewed(-1))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        item = self._current()
        if item is not None:
            self.dismiss(Jump(item.document, item.start, item.end))

    def action_close(self) -> None:
        self.dismiss(None)


def _unit_key(target: str) -> dict | None:
    """The unit an adjudicate event was about, from its target `code/document/start:end`."""
    try:
        code, document, span = target.rsplit("/", 2)
        start, end = span.split(":")
        return {"code": code, "document": int(document), "start": int(start), "end": int(end)}
    except ValueError:
        return None
