"""The search screen: query with the search syntax, filters, results with highlighted hits."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.suggester import Suggester
from textual.widgets import Checkbox, Input, Label, OptionList, Select
from textual.widgets.option_list import Option

from qualcode.errors import QualcodeError
from qualcode.tui import keymap
from qualcode.tui.i18n import label, say_error
from qualcode.tui.widgets.footer import Footer
from qualcode.tui.widgets.panels import Options
from qualcode.tui.widgets.textual_adapter import SettledUpdates


@dataclass(frozen=True)
class Hit:
    document: int
    start: int
    end: int
    case: str
    turn: int


@dataclass(frozen=True)
class SearchOutcome:
    hits: list[Hit]
    index: int  # the chosen hit


def last_term(value: str) -> str:
    """The term being typed: the text after the query's last space (terms are separated by spaces)."""
    return value.rsplit(" ", 1)[-1] if value else ""


class CodeSuggester(Suggester):
    """After `@`, the rest of a code's id, Chinese name or one-word English name, as the search box's inline
    suggestion (right arrow at the end takes it): `@bud` → `@budget`, `@預` → `@預算`."""

    def __init__(self, complete) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self._complete = complete  # project.search.complete_concept

    async def get_suggestion(self, value: str) -> str | None:
        return complete_term(value, self._complete)


def complete_term(value: str, complete) -> str | None:
    term = last_term(value)
    if not term.startswith("@") or len(term) < 2 or term.endswith("/"):
        return None
    typed = term[1:]
    for found in complete(typed):
        for word in (found.code, found.name, found.name_en):
            if word and " " not in word and word.casefold().startswith(typed.casefold()) and len(word) > len(typed):
                return value + word[len(typed) :]
    return None


class SearchScreen(SettledUpdates, Screen[SearchOutcome | None]):
    KEYS = keymap.SEARCH_KEYS
    BINDINGS = keymap.bindings(keymap.SEARCH_KEYS)
    DEFAULT_CSS = """
    SearchScreen { layout: vertical; }
    SearchScreen > Vertical { height: 1fr; }
    SearchScreen #filters { height: 3; }
    SearchScreen #filters Select { width: 1fr; }
    SearchScreen #filters Checkbox { width: auto; }
    SearchScreen #summary { height: auto; max-height: 3; width: 1fr; color: $text-muted; padding: 0 1; }
    SearchScreen #results { height: 1fr; }
    """

    def __init__(self, project, language: str, last_query: str = ""):
        super().__init__()
        self.project = project
        self.language = language
        self.last_query = last_query
        self.hits: list[Hit] = []

    def compose(self) -> ComposeResult:
        lang = self.language
        with Vertical():
            yield Input(
                self.last_query,
                placeholder=label("search_placeholder", lang),
                id="query",
                suggester=CodeSuggester(self.project.search.complete_concept),
            )
            with Horizontal(id="filters"):
                cases, codes, coders = self._choices()
                yield Select(cases, prompt=label("all_cases", lang), id="case")
                yield Select(codes, prompt=label("all_codes", lang), id="code")
                yield Select(coders, prompt=label("all_coders", lang), id="coder")
                yield Checkbox(label("coded_only", lang), id="coded")
            yield Label("", id="summary")
            yield Options(id="results")
        yield Footer()

    def _choices(self) -> tuple[list[tuple[str, str]], ...]:
        """The filters' options: the cases, the codes (named in the UI language) and the coders, as they are now."""
        lang = self.language
        cases = [(f"{c.id} {c.name}", c.id) for c in self.project.documents.cases()]
        codes = [
            (f"{c.name_en if lang == 'en' and c.name_en else c.name} ({c.id})", c.id)
            for c in self.project.codebook.codes()
        ]
        coders = [(c, c) for c in self.project.codings.coders()]
        self._shown_choices = (cases, codes, coders)
        return self._shown_choices

    def on_mount(self) -> None:
        self.query_one("#query", Input).focus()
        if self.last_query:
            self.run_search()

    def reopen(self) -> None:
        """Shown again (the app keeps this screen): the query, filters and results as they were left, brought up
        to date (the filters list today's cases, codes and coders; a query is searched again, as codings may have
        changed), the query box focused."""
        before = self._shown_choices
        for selector, old, new in zip(("#case", "#code", "#coder"), before, self._choices(), strict=True):
            if new != old:
                self.query_one(selector, Select).set_options(new)
        if self.query_one("#query", Input).value.strip():
            self.run_search()
        self.action_focus_query()

    def action_focus_query(self) -> None:
        self.query_one("#query", Input).focus()

    def _value(self, selector: str) -> str | None:
        value = self.query_one(selector, Select).value
        return value if isinstance(value, str) else None

    def on_key(self, event) -> None:
        """Down from the query box goes to the first hit (searching first if the query changed)."""
        if event.key != "down" or self.focused is not self.query_one("#query", Input):
            return
        event.stop()
        event.prevent_default()
        results = self.query_one("#results", OptionList)
        if self.query_one("#query", Input).value != self.last_query or not results.option_count:
            self.run_search()
        if results.option_count:
            results.focus()
            results.highlighted = 0

    def on_input_changed(self, event: Input.Changed) -> None:
        """While an `@code` is typed, the summary line lists the codes it may mean (id and name)."""
        term = last_term(event.value)
        if not term.startswith("@"):
            return
        found = self.project.search.complete_concept(term[1:].removesuffix("/"), 6)
        names = [f"@{c.code} {c.name_en if self.language == 'en' and c.name_en else c.name}" for c in found]
        self.query_one("#summary", Label).update(
            label("codes_matching", self.language, codes=" · ".join(names) or label("no_such_code", self.language))
        )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.run_search()
        results = self.query_one("#results", OptionList)
        if results.option_count:
            results.focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        if self.query_one("#query", Input).value.strip():
            self.run_search()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        if self.query_one("#query", Input).value.strip():
            self.run_search()

    def run_search(self) -> None:
        query = self.query_one("#query", Input).value
        case = self._value("#case")
        results = self.query_one("#results", OptionList)
        summary = self.query_one("#summary", Label)
        results.clear_options()
        self.hits = []
        try:
            found = self.project.search.find(
                query,
                cases=(case,) if case else (),
                code=self._value("#code"),
                coder=self._value("#coder"),
                coded_only=self.query_one("#coded", Checkbox).value,
                limit=200,
            )
        except QualcodeError as exc:
            summary.update(Text(say_error(str(exc), self.language), style="bold red"))
            self.notify(say_error(str(exc), self.language), severity="error")
            return
        self.last_query = query
        # the core's notes (a phrase split into words) in the screen's language, wrapped: they name the words
        notes = ("  " + " · ".join(say_error(n, self.language) for n in found.notices)) if found.notices else ""
        summary.update(label("results", self.language, total=found.total, shown=len(found.results)) + notes)
        for i, r in enumerate(found.results):
            prompt = Text()
            prompt.append(f"({r.case}) ", style="bold")
            prompt.append(f"{r.turn:>3} {r.speaker}  ", style="dim")
            snippet = Text(r.snippet.replace("\n", " "))  # one row per hit: a line break inside shows as a space
            for s, e in r.snippet_hits:
                snippet.stylize("bold black on yellow", s, e)
            prompt.append_text(snippet)
            if r.codes:
                prompt.append(f"  [{', '.join(r.codes)}]", style="dim")
            results.add_option(Option(prompt, id=str(i)))
            self.hits.append(Hit(r.document, r.start, r.end, r.case, r.turn))
        if results.option_count:
            results.highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(SearchOutcome(self.hits, int(event.option.id)))

    def action_close(self) -> None:
        self.dismiss(None)
