"""Help from the codebook on the coding screen: its keywords underlined (`w`) and codes suggested for the
sentence under the cursor (`g`).

Both come from the core (`project.keywords`, `project.suggest`); nothing here decides anything. A suggestion is
never applied on its own: a number key applies the Nth one to the sentence, as a coding by the coder, recorded
with provenance "suggested". Suggestions are worked out a moment after the cursor rests (`SETTLE`), so cursor
keys stay as fast with the mode on; in blind coding, and when only the coder's own codings are shown, the model
learns from the coder's codings only (it must not reveal what others coded).
"""

from __future__ import annotations

from bisect import bisect_right

from rich.text import Text
from textual.widgets import Static

from qualcode.errors import QualcodeError
from qualcode.tui.i18n import label, say_error

SETTLE = 0.15  # seconds the cursor rests before the suggestions follow it


class AssistActions:
    """Mixed into QualcodeApp (which provides project, view, document_id, coder, language...)."""

    show_keywords = False
    suggesting = False

    def _assist_init(self) -> None:
        self._keyword_spans: list[tuple[int, int, str, tuple[str, ...]]] = []
        self._keyword_starts: list[int] = []
        self.suggestions: list = []  # project.suggest's Suggestion objects for `suggestion_span`
        self.suggestion_span: tuple[int, int] | None = None
        self._suggest_timer = None

    # -- keywords ------------------------------------------------------------------------------
    def action_toggle_keywords(self) -> None:
        self.show_keywords = not self.show_keywords
        self.paint_keywords()
        self.notify(label("keywords_on" if self.show_keywords else "keywords_off", self.language))
        self._update_status()

    def paint_keywords(self) -> None:
        """Underline the open document's keywords (or nothing when the toggle is off)."""
        spans = []
        if self.show_keywords and self.document_id is not None:
            spans = self.project.keywords.spans(self.document_id)
        self._keyword_spans = spans
        self._keyword_starts = [s for s, _e, _k, _c in spans]
        self.view.set_keywords([(s, e) for s, e, _k, _c in spans])

    def keyword_at(self, offset: int) -> tuple[str, tuple[str, ...]] | None:
        """The keyword under the cursor and its codes, when keywords are shown."""
        index = bisect_right(self._keyword_starts, offset) - 1
        for i in range(index, max(-1, index - 8), -1):  # keywords are short: a few spans back at most
            start, end, keyword, codes = self._keyword_spans[i]
            if start <= offset < end:
                return keyword, codes
        return None

    def keyword_status(self, offset: int) -> str:
        found = self.keyword_at(offset) if self.show_keywords else None
        if found is None:
            return ""
        names = self._names()
        keyword, codes = found
        return label("keyword_here", self.language, keyword=keyword, codes="、".join(names.get(c, c) for c in codes))

    # -- suggestions ---------------------------------------------------------------------------
    def action_toggle_suggestions(self) -> None:
        self.suggesting = not self.suggesting
        strip = self.query_one("#suggestions", Static)
        strip.display = self.suggesting
        self.suggestions, self.suggestion_span = [], None
        if self.suggesting:
            self.suggest_now()
        else:
            self.notify(label("suggestions_off", self.language))

    def _sentence_at_cursor(self) -> tuple[int, int] | None:
        if self.document_id is None:
            return None
        offset = self.view.cursor_offset
        return self.project.documents.sentence_at(self.document_id, offset, self._turn_at(offset))

    def follow_cursor(self) -> None:
        """The cursor moved: suggestions for the sentence it is in, once it rests there."""
        if not self.suggesting:
            return
        if self._suggest_timer is not None:
            self._suggest_timer.stop()
        self._suggest_timer = self.set_timer(SETTLE, self.suggest_now)

    def suggest_now(self) -> None:
        self._suggest_timer = None
        if not self.suggesting:
            return
        span = self._sentence_at_cursor()
        if span == self.suggestion_span and self.suggestions:
            return
        self.suggestion_span = span
        self.suggestions = []
        if span is not None:
            mine = self.coder if (self.blind or self.only_mine) else None
            try:
                self.suggestions = self.project.suggest.for_span(self.document_id, *span, top=3, coder=mine)
            except QualcodeError as exc:
                self.notify(say_error(str(exc), self.language), severity="error")
        self._show_suggestions()

    def _show_suggestions(self) -> None:
        lang = self.language
        names = self._names()
        line = Text(label("suggestions_title", lang) + "  ", style="bold")
        if not self.suggestions:
            line.append(label("suggestions_none", lang), style="dim")
        for n, suggestion in enumerate(self.suggestions, 1):
            line.append(f" {n} ", style="reverse bold")
            line.append(f" {names.get(suggestion.code, suggestion.code)} ")
            line.append(f"{suggestion.score:.2f}", style="dim")
            if suggestion.keywords:
                line.append(f" ({'、'.join(suggestion.keywords)})", style="dim")
            line.append("  ")
        line.append(" · " + label("suggestions_hint", lang), style="dim")
        self.query_one("#suggestions", Static).update(line)

    def accept_suggestion(self, n: int) -> bool:
        """The Nth suggestion applied to its sentence, as the coder's coding marked "suggested"; False when there
        is no Nth suggestion (the key then does what it does otherwise)."""
        if not self.suggesting or not 1 <= n <= len(self.suggestions) or self.suggestion_span is None:
            return False
        suggestion = self.suggestions[n - 1]
        try:
            coding = self.project.codings.apply(
                self.document_id, suggestion.code, self.coder, span=self.suggestion_span, provenance="suggested"
            )
        except QualcodeError as exc:
            self.notify(say_error(str(exc), self.language), severity="error")
            return True
        self.refresh_codings(added=coding)
        self.notify(label("suggestion_applied", self.language, name=self._names().get(coding.code_id, coding.code_id)))
        self.suggestions, self.suggestion_span = [], None
        self.suggest_now()  # the model has one more example: the sentence is suggested again
        return True
