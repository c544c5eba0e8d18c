"""The coding actions of the main screen: apply a code (shortcut key or picker), select a turn or a
sentence, remove a coding, edit its memo, undo and redo. A mixin of QualcodeApp, which holds the state
(project, coder, the open document and its codings) and repaints after each change.
"""

from __future__ import annotations

from rich.text import Text

from qualcode.errors import QualcodeError
from qualcode.model import Coding
from qualcode.quote import shorten
from qualcode.tui.i18n import describe_change, label, say_error
from qualcode.tui.screens.code_picker import CodePicker, NewCode
from qualcode.tui.screens.dialogs import ChooseScreen, MemoScreen


class CodingActions:
    """Key actions that change codings; every change goes through project.codings and then refresh_codings()."""

    def _selection(self) -> tuple[int, int] | None:
        if self.document_id is None:
            self.notify(label("no_document", self.language), severity="warning")
            return None
        start, end = self.view.selected_span
        if start == end:
            self.notify(label("select_first", self.language), severity="warning")
            return None
        return start, end

    def apply_code(self, code_id: str) -> None:
        span = self._selection()
        if span is None:
            return
        try:
            coding = self.project.codings.apply(self.document_id, code_id, self.coder, span=span)
        except QualcodeError as exc:
            self.notify(say_error(str(exc), self.language), severity="error")
            return
        # No toast: the paint, the segments panel and the counts already show it, and a toast costs a third
        # of the repaint of a coding on a long transcript.
        self.refresh_codings(added=coding)

    def action_apply_shortcut(self, key: str) -> None:
        if key.isdigit() and self.accept_suggestion(int(key)):  # suggestions on (g): a number applies one
            return
        code = next((c for c in self.codes if c.shortcut == key), None)
        if code is None:
            self.notify(label("no_code_for_key", self.language, key=key), severity="warning")
            return
        self.apply_code(code.id)

    def action_pick_code(self) -> None:
        if self._selection() is None:
            return

        def chosen(result: str | NewCode | None) -> None:
            if result is None:
                return
            if isinstance(result, NewCode):
                try:
                    code = self.project.codebook.create_code(
                        result.id, result.name, parent=result.parent, color=result.color, coder=self.coder
                    )
                except QualcodeError as exc:
                    self.notify(say_error(str(exc), self.language), severity="error")
                    return
                self.codes = self.project.codebook.codes()
                self._fill_codes()
                self.notify(label("code_created", self.language, id=code.id))
                result = code.id
            self.apply_code(result)

        picker, kept = self.picker_screen()
        if kept:
            picker.reset()
        self.push_screen(picker, chosen)

    def picker_screen(self):
        """The code picker for today's codes and language: kept between showings (QualcodeApp.keep_screen)."""
        return self.keep_screen(
            "code-picker", (id(self.codes), self.language), lambda: CodePicker(self.codes, self.language)
        )

    def action_select_turn(self) -> None:
        if self.document_id is None:
            return
        offset = self.view.cursor_offset
        turn = self._turn_at(offset) or next((t for t in self.turns if t.start >= offset), None)
        if turn is not None:
            self.view.select_span(turn.start, turn.end)

    def action_select_sentence(self) -> None:
        if self.document_id is None:
            return
        offset = self.view.cursor_offset
        sentence = self.project.documents.sentence_at(self.document_id, offset, self._turn_at(offset))
        if sentence is not None:
            self.view.select_span(*sentence)

    def _choose_coding(self, candidates: list[Coding], then) -> None:
        if not candidates:
            self.notify(label("nothing_to_remove", self.language), severity="warning")
            return
        if len(candidates) == 1:
            then(candidates[0].id)
            return
        names = self._names()
        options = []
        for c in candidates:
            prompt = Text()
            prompt.append("■ ", style=self._colors().get(c.code_id, "white"))
            prompt.append(f"{names.get(c.code_id, c.code_id)} ", style="bold")
            prompt.append(f"{c.coder} {c.start}:{c.end} ", style="dim")
            prompt.append("「" + shorten(c.text, 40) + "」")
            options.append((c.id, prompt))
        self.push_screen(ChooseScreen(label("choose_coding", self.language), options), lambda cid: cid and then(cid))

    def action_remove_coding(self) -> None:
        def remove(coding_id: str) -> None:
            try:
                coding = self.project.codings.remove(coding_id, self.coder)
            except QualcodeError as exc:
                self.notify(say_error(str(exc), self.language), severity="error")
                return
            self.refresh_codings()
            self.notify(
                label(
                    "removed",
                    self.language,
                    name=self._names().get(coding.code_id, coding.code_id),
                    text=shorten(coding.text, 20),
                ),
                timeout=2,
            )

        self._choose_coding(self._codings_at_cursor(), remove)

    def action_memo(self) -> None:
        def edit(coding_id: str) -> None:
            coding = self.project.codings.get(coding_id)

            def save(text: str | None) -> None:
                if text is None or text == coding.memo:
                    return
                self.project.codings.set_memo(coding_id, text, self.coder)
                self.refresh_codings()
                self.notify(label("memo_saved", self.language), timeout=2)

            self.push_screen(
                MemoScreen(
                    label("memo_title", self.language) + f" · {coding.code_id}",
                    coding.memo,
                    label("save", self.language),
                    label("cancel", self.language),
                ),
                save,
            )

        self._choose_coding(self._codings_at_cursor(), edit)

    def action_copy_quote(self) -> None:
        """Copy a quote with its citation, 「…」(A, 第 34 輪), to the system clipboard (OSC 52): the highlighted
        segment when the segments panel has focus, else the selection, else the coding under the cursor."""
        from qualcode.tui.widgets.panels import SegmentsList

        segments = self.query_one(SegmentsList)
        start = end = None
        document = self.document_id
        if self.focused is segments and segments.highlighted_option is not None and segments.highlighted_option.id:
            coding = self.project.codings.get(segments.highlighted_option.id)
            document, start, end = coding.document_id, coding.start, coding.end
        else:
            start, end = self.view.selected_span
            if start == end:
                under = self._codings_at_cursor()
                if not under:
                    self.notify(label("nothing_to_copy", self.language), severity="warning")
                    return
                start, end = under[0].start, under[0].end
        if document is None:
            return
        quote = " ".join(self.project.documents.text(document)[start:end].split())
        turns = self.project.documents.turns(document)
        turn = next((t for t in turns if t.start <= start < max(t.end, t.start + 1)), None)
        case = self.project.documents.document(document).case_id
        where = label("cite_turn", self.language, case=case, n=turn.number) if turn is not None else case
        citation = f"「{quote}」({where})"
        self.copy_to_clipboard(citation)
        self.notify(label("copied", self.language, text=citation if len(citation) <= 60 else citation[:59] + "…"))

    def action_undo(self) -> None:
        self._undo_redo(self.project.history.undo, "undone")

    def action_redo(self) -> None:
        self._undo_redo(self.project.history.redo, "redone")

    def _undo_redo(self, step, message: str) -> None:
        try:
            result = step(self.coder)
        except QualcodeError as exc:
            self.notify(say_error(str(exc), self.language), severity="warning")
            return
        if result.action.startswith("code."):  # the codebook changed: the code tree too
            self._set_codes(self.project.codebook.codes())
        self.refresh_codings()
        what = describe_change(result, self.language, self._names(), self.project.documents.text)
        self.notify(label(message, self.language, what=what), timeout=3)
