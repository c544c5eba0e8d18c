"""The review screen: codings a re-import orphaned (their text is gone) or re-anchored (marked for review).

An orphan is attached to the passage selected in the transcript before the screen opened (`a`), or deleted
(`x`); a re-anchored coding is checked (`c`) or opened in the transcript (Enter) to look at it.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from qualcode.errors import QualcodeError
from qualcode.model import Coding
from qualcode.tui import keymap
from qualcode.tui.i18n import label, say_error
from qualcode.tui.widgets.footer import Footer


@dataclass(frozen=True)
class Selection:
    document: int
    start: int
    end: int


@dataclass(frozen=True)
class Jump:
    document: int
    start: int
    end: int


class ReviewScreen(Screen[Jump | None]):
    KEYS = keymap.REVIEW_KEYS
    BINDINGS = keymap.bindings(keymap.REVIEW_KEYS)
    DEFAULT_CSS = """
    ReviewScreen { layout: vertical; }
    ReviewScreen #review-title { height: 1; padding: 0 1; text-style: bold; }
    ReviewScreen #review-help { height: auto; width: 100%; color: $text-muted; padding: 0 1; }
    ReviewScreen OptionList { height: 1fr; }
    """

    def __init__(self, project, coder: str, language: str, selection: Selection | None):
        super().__init__()
        self.project, self.coder, self.language, self.selection = project, coder, language, selection
        self.items: list[Coding] = []

    def compose(self) -> ComposeResult:
        yield Label(label("review_title", self.language), id="review-title")
        yield Label(label("review_help", self.language), id="review-help")
        yield OptionList(id="review-list")
        yield Footer()

    def on_mount(self) -> None:
        self._fill()
        self.query_one(OptionList).focus()

    def _fill(self) -> None:
        codings = self.project.codings
        self.items = codings.select(orphaned=True) + codings.select(review=True)
        options = self.query_one(OptionList)
        highlighted = options.highlighted or 0
        options.clear_options()
        if not self.items:
            options.add_option(Option(Text(label("nothing_to_review", self.language), style="dim"), disabled=True))
            return
        names = {c.id: c.name if self.language == "zh" or not c.name_en else c.name_en
                 for c in self.project.codebook.codes()}  # fmt: skip
        for coding in self.items:
            options.add_option(Option(self._prompt(coding, names), id=coding.id))
        options.highlighted = min(highlighted, len(self.items) - 1)

    def _prompt(self, coding: Coding, names: dict[str, str]) -> Text:
        tag = label("orphaned_tag" if coding.orphaned else "review_tag", self.language)
        prompt = Text()
        prompt.append(f"[{tag}] ", style="bold red" if coding.orphaned else "bold yellow")
        prompt.append(f"{names.get(coding.code_id, coding.code_id)} ", style="bold")
        prompt.append(f"({coding.case_id}) {coding.coder} ", style="dim")
        quote = " ".join(coding.text.split())
        prompt.append("「" + (quote if len(quote) <= 70 else quote[:69] + "…") + "」")
        return prompt

    def _current(self) -> Coding | None:
        index = self.query_one(OptionList).highlighted
        return self.items[index] if self.items and index is not None and index < len(self.items) else None

    def _do(self, change, message: str) -> None:
        try:
            change()
        except QualcodeError as exc:
            self.notify(say_error(str(exc), self.language), severity="error")
            return
        self.notify(label(message, self.language), timeout=2)
        self._fill()

    def action_attach(self) -> None:
        coding = self._current()
        if coding is None:
            return
        if self.selection is None:
            self.notify(label("select_then_review", self.language), severity="warning")
            return
        if self.selection.document != coding.document_id:
            self.notify(label("other_document", self.language), severity="warning")
            return
        start, end = self.selection.start, self.selection.end
        self._do(lambda: self.project.codings.reattach(coding.id, start, end, self.coder), "reattached")

    def action_delete(self) -> None:
        coding = self._current()
        if coding is not None:
            self._do(lambda: self.project.codings.remove(coding.id, self.coder), "coding_deleted")

    def action_confirm(self) -> None:
        coding = self._current()
        if coding is not None:
            self._do(lambda: self.project.codings.confirm(coding.id, self.coder), "confirmed")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        coding = self._current()
        if coding is None:
            return
        if coding.orphaned:
            self.notify(label("orphan_no_place", self.language), severity="warning")
            return
        self.dismiss(Jump(coding.document_id, coding.start, coding.end))

    def action_close(self) -> None:
        self.dismiss(None)
