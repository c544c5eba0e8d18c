"""The fuzzy code picker: type an id, a Chinese or an English name; or create a new code from the text."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.fuzzy import FuzzySearch
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Select
from textual.widgets.option_list import Option

from qualcode.model import Code
from qualcode.tui.i18n import label

NEW = "__new__"
PALETTE = ["#4E79A7", "#F28E2B", "#E15759", "#76B7B2", "#59A14F", "#EDC948", "#B07AA1", "#FF9DA7", "#9C755F", "#BAB0AC"]


def rank(codes: list[Code], query: str) -> list[tuple[float, Code]]:
    """Codes matching the query by id, name or English name, best first; all codes in order when empty."""
    if not query.strip():
        return [(0.0, c) for c in codes]
    fuzzy = FuzzySearch(case_sensitive=False)
    scored = []
    for code in codes:
        best = 0.0
        for candidate in (code.id, code.name, code.name_en, *code.keywords):
            if not candidate:
                continue
            score, _ = fuzzy.match(query, candidate)
            if query.lower() in candidate.lower():
                score += 10 if candidate.lower().startswith(query.lower()) else 5
            best = max(best, score)
        if best > 0:
            scored.append((best, code))
    scored.sort(key=lambda pair: (-pair[0], pair[1].position))
    return scored


@dataclass(frozen=True)
class NewCode:
    id: str
    name: str
    parent: str | None
    color: str


class CodePicker(ModalScreen[str | NewCode | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="picker-cancel"),
        Binding("down", "down", show=False, id="picker-down"),
        Binding("up", "up", show=False, id="picker-up"),
    ]
    DEFAULT_CSS = """
    CodePicker { align: center top; }
    CodePicker > Vertical { margin-top: 3; width: 80%; max-width: 90; height: auto; max-height: 30; border: round $accent; background: $surface; padding: 0 1; }
    CodePicker OptionList { height: auto; max-height: 20; }
    """

    def __init__(self, codes: list[Code], language: str):
        super().__init__()
        self.codes = codes
        self.language = language
        self.names = {c.id: c.name for c in codes}

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(label("pick_code", self.language))
            yield Input(id="query")
            yield OptionList(id="matches")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one(Input).focus()

    def _fill(self, query: str) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        for _, code in rank(self.codes, query):
            prompt = Text()
            prompt.append("■ ", style=code.color or "white")
            if code.shortcut:
                prompt.append(f"{code.shortcut} ", style="bold")
            parent = f"{self.names.get(code.parent_id, '')} › " if code.parent_id else ""
            prompt.append(parent, style="dim")
            prompt.append(code.name)
            prompt.append(f"  {code.id}", style="dim")
            if code.name_en:
                prompt.append(f" · {code.name_en}", style="dim italic")
            options.add_option(Option(prompt, id=code.id))
        if query.strip():
            options.add_option(Option(label("new_code", self.language, text=query.strip()), id=NEW))
        if options.option_count:
            options.highlighted = 0

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self._choose(options.get_option_at_index(options.highlighted).id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option.id)

    def _choose(self, option_id: str | None) -> None:
        if option_id == NEW:
            text = self.query_one(Input).value.strip()
            self.app.push_screen(NewCodeScreen(self.codes, text, self.language), self._created)
        elif option_id is not None:
            self.dismiss(option_id)

    def _created(self, new: NewCode | None) -> None:
        if new is not None:
            self.dismiss(new)

    def action_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def action_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)


def suggest_id(text: str, taken: set[str]) -> str:
    base = "".join(ch if ch.isascii() and ch.isalnum() else "-" for ch in text.lower()).strip("-") or "code"
    while "--" in base:
        base = base.replace("--", "-")
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


class NewCodeScreen(ModalScreen[NewCode | None]):
    """Create a code: id, name, parent and colour."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="new-code-cancel")]
    DEFAULT_CSS = """
    NewCodeScreen { align: center middle; }
    NewCodeScreen > Vertical { width: 80%; max-width: 80; height: auto; border: round $accent; background: $surface; padding: 0 1; }
    NewCodeScreen Horizontal { height: 3; align-horizontal: right; }
    """

    def __init__(self, codes: list[Code], text: str, language: str):
        super().__init__()
        self.codes, self.text, self.language = codes, text, language

    def compose(self) -> ComposeResult:
        lang = self.language
        taken = {c.id for c in self.codes}
        with Vertical():
            yield Label(label("new_code_title", lang))
            yield Label(label("code_name", lang))
            yield Input(self.text, id="name")
            yield Label(label("code_id", lang))
            yield Input(suggest_id(self.text, taken), id="id")
            yield Label(label("parent", lang))
            yield Select(
                [(f"{c.name} ({c.id})", c.id) for c in self.codes if c.parent_id is None],
                prompt=label("no_parent", lang),
                id="parent",
            )
            yield Label(label("color", lang))
            yield Input(PALETTE[len(self.codes) % len(PALETTE)], id="color")
            with Horizontal():
                yield Button(label("save", lang), id="save", variant="primary")
                yield Button(label("cancel", lang), id="cancel")

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self._save()
        else:
            self.dismiss(None)

    def _save(self) -> None:
        parent = self.query_one("#parent", Select).value
        self.dismiss(
            NewCode(
                id=self.query_one("#id", Input).value.strip(),
                name=self.query_one("#name", Input).value.strip(),
                parent=parent if isinstance(parent, str) else None,
                color=self.query_one("#color", Input).value.strip(),
            )
        )

    def action_cancel(self) -> None:
        self.dismiss(None)
