"""The code picker: type an id, a Chinese or an English name; or create a new code from the text.

Candidates are ranked by how well they match (see `rank`), so the best match is highlighted and Enter applies it.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.fuzzy import FuzzySearch
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Select
from textual.widgets.option_list import Option

from qualcode.model import Code
from qualcode.tui import keymap
from qualcode.tui.i18n import label
from qualcode.tui.widgets.panels import Options
from qualcode.tui.widgets.textual_adapter import SettledUpdates
from qualcode.zh.normalize import normalize

NEW = "__new__"
PALETTE = ["#4E79A7", "#F28E2B", "#E15759", "#76B7B2", "#59A14F", "#EDC948", "#B07AA1", "#FF9DA7", "#9C755F", "#BAB0AC"]

# Match tiers, best first. Within a tier codes keep codebook order (fuzzy matches: best score first).
EXACT = 0  # the id, the Chinese name or the English name, whole
PREFIX = 1  # the start of the id, the name or the English name
NAME_PART = 2  # inside the id, the name or the English name
KEYWORD = 3  # one of the code's keywords, whole
KEYWORD_PART = 4  # inside one of its keywords
DESCRIPTION = 5  # inside its description (the definition)
FUZZY = 6  # the query's characters in order in the id, the name or the English name
EXCERPT = 12  # characters of the description shown either side of the match


@dataclass(frozen=True)
class Match:
    """A candidate code, how it matched, and for keyword and description matches what matched (shown in its row)."""

    code: Code
    tier: int
    kind: str = ""  # "keyword" or "description"
    text: str = ""  # the keyword, or an excerpt of the description
    score: float = 0.0  # fuzzy matches only


SEPARATORS = str.maketrans("-_", "  ")


def _key(text: str) -> str:
    """The form names are compared in whole or by their start: search folding (臺/台, Traditional/Simplified,
    width, Latin case) without whitespace, '-' or '_', so `民眾對ICTs服務之需求` finds 民眾對 ICTs 服務之需求 and
    `central support` finds central-support."""
    return "".join(normalize(text).translate(SEPARATORS).split())


def _words(text: str) -> str:
    """The form searched inside: search folding, separators as one space (so a part never spans two words)."""
    return " ".join(normalize(text).translate(SEPARATORS).split())


def _excerpt(description: str, needle: str) -> str:
    """The description around the first occurrence of the (folded) query, or "".

    A Latin query must start a word there (`ict` does not find districts); a CJK one may stand anywhere.
    """
    flat = " ".join(description.split())
    folded = normalize(flat)  # as long as flat: offsets carry over
    at = folded.find(needle)
    if needle[0].isascii() and needle[0].isalnum():
        while at > 0 and folded[at - 1].isascii() and folded[at - 1].isalnum():
            at = folded.find(needle, at + 1)
    if at < 0:
        return ""
    start, end = max(0, at - EXCERPT), min(len(flat), at + len(needle) + EXCERPT)
    return ("…" if start else "") + flat[start:end] + ("…" if end < len(flat) else "")


def _match(code: Code, query: str, fuzzy: FuzzySearch) -> Match | None:
    key, words = _key(query), _words(query)
    names = [n for n in (code.id, code.name, code.name_en) if n]
    keys = [_key(n) for n in names]
    if key in keys:
        return Match(code, EXACT)
    if any(k.startswith(key) for k in keys):
        return Match(code, PREFIX)
    if any(words in _words(n) for n in names):
        return Match(code, NAME_PART)
    keywords = [(k, _key(k)) for k in code.keywords]
    for keyword, folded in keywords:
        if folded == key:
            return Match(code, KEYWORD, "keyword", keyword)
    for keyword, folded in keywords:
        if key in folded:
            return Match(code, KEYWORD_PART, "keyword", keyword)
    excerpt = _excerpt(code.description, words) if code.description else ""
    if excerpt:
        return Match(code, DESCRIPTION, "description", excerpt)
    score = max((fuzzy.match(query.strip(), n)[0] for n in names), default=0.0)
    if score > 0:
        return Match(code, FUZZY, score=score)
    return None


def rank(codes: list[Code], query: str) -> list[Match]:
    """Codes matching the query, best first (see the tiers above); every code, in codebook order, when it is empty."""
    if not _key(query):  # empty, or only spaces and separators
        return [Match(c, EXACT) for c in codes]
    fuzzy = FuzzySearch(case_sensitive=False)
    matches = [m for m in (_match(c, query, fuzzy) for c in codes) if m is not None]
    return sorted(matches, key=lambda m: (m.tier, -m.score))  # a stable sort: codebook order within a tier


@dataclass(frozen=True)
class NewCode:
    id: str
    name: str
    parent: str | None
    color: str


class CodePicker(SettledUpdates, ModalScreen[str | NewCode | None]):
    KEYS = keymap.PICKER_KEYS
    BINDINGS = keymap.bindings(keymap.PICKER_KEYS)
    DEFAULT_CSS = """
    CodePicker { align: center top; background: $background; }
    CodePicker > Vertical { margin: 3 0 1 0; width: 80%; max-width: 90; height: 1fr; max-height: 24; border: round $accent; background: $surface; padding: 0 1; }
    CodePicker OptionList { height: 1fr; }
    """

    def __init__(self, codes: list[Code], language: str):
        super().__init__()
        self.codes = codes
        self.language = language
        self.names = {c.id: c.name_en if language == "en" and c.name_en else c.name for c in codes}

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(label("pick_code", self.language))
            yield Input(id="query")
            yield Options(id="matches")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one(Input).focus()

    def reset(self) -> None:
        """Shown again: the query empty, every code listed with the first highlighted, the query focused."""
        query = self.query_one(Input)
        if query.value:  # the list showed matches for a query: every code again (else it already lists them all)
            with query.prevent(Input.Changed):
                query.value = ""
            self._fill("")
        options = self.query_one(OptionList)
        if options.option_count:
            options.highlighted = 0
        query.focus()

    def _fill(self, query: str) -> None:
        """List the matches best first (keyword and description matches say what matched) and highlight the best."""
        rows = []
        for match in rank(self.codes, query):
            code = match.code
            prompt = Text()
            prompt.append("■ ", style=code.color or "white")
            if code.shortcut:
                prompt.append(f"{code.shortcut} ", style="bold")
            parent = f"{self.names.get(code.parent_id, '')} › " if code.parent_id else ""
            prompt.append(parent, style="dim")
            # the UI language's name first; the other one beside it, dim (both are matched)
            first, second = (
                (code.name_en, code.name) if self.language == "en" and code.name_en else (code.name, code.name_en)
            )
            prompt.append(first)
            prompt.append(f"  {code.id}", style="dim")
            if second:
                prompt.append(f" · {second}", style="dim italic")
            if match.kind:
                prompt.append("  " + label(f"matched_{match.kind}", self.language, text=match.text), style="dim")
            rows.append(Option(prompt, id=code.id))
        if query.strip():
            rows.append(Option(label("new_code", self.language, text=query.strip()), id=NEW))
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(rows)
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


def code_tree(codes: list[Code]) -> list[tuple[Code, int]]:
    """Codes in tree order (a parent, then its children in codebook order, depth first) with their depth (0: top),
    as `project.codebook.tree()` gives them; a code whose parent is missing counts as a top-level one."""
    ids = {c.id for c in codes}
    children: dict[str | None, list[Code]] = {}
    for code in codes:
        children.setdefault(code.parent_id if code.parent_id in ids else None, []).append(code)
    out: list[tuple[Code, int]] = []
    seen: set[str] = set()
    todo = [(code, 0) for code in reversed(children.get(None, []))]
    while todo:
        code, depth = todo.pop()
        if code.id in seen:
            continue
        seen.add(code.id)
        out.append((code, depth))
        todo.extend((child, depth + 1) for child in reversed(children.get(code.id, [])))
    return out + [(code, 0) for code in codes if code.id not in seen]  # in a cycle (never written by qualcode)


class NewCodeScreen(ModalScreen[NewCode | None]):
    """Create a code: id, name, parent (any code of the tree, or the top level) and colour."""

    KEYS = keymap.NEW_CODE_KEYS
    BINDINGS = keymap.bindings(keymap.NEW_CODE_KEYS)
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
                [
                    ("  " * depth + f"{c.name_en if lang == 'en' and c.name_en else c.name} ({c.id})", c.id)
                    for c, depth in code_tree(self.codes)
                ],
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
