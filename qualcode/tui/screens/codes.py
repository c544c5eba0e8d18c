"""The code manager (`k`) and the memo chooser (`M`).

The code manager lists the code tree (indented, with its shortcut key, colour, names and what uses each code)
and changes the highlighted code with keys: rename, move, merge, delete, colour, shortcut key, definition.
Every change is one call to `project.codebook` (one transaction, one undoable event of the coder), so `u` here
undoes it as on the main screen; merge and a delete that takes codings with it back the project up first.

The memo chooser lists what a memo can be about from where the coder is (the project, the open document, its
case, the code highlighted in the code tree), says whether the coder has a memo there, and edits it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from qualcode.errors import QualcodeError
from qualcode.model import Code
from qualcode.tui import keymap
from qualcode.tui.i18n import describe_change, label, say_error
from qualcode.tui.screens.dialogs import ChooseScreen, ConfirmScreen, FormScreen, LineScreen, MemoScreen
from qualcode.tui.widgets.footer import Footer
from qualcode.tui.widgets.textual_adapter import replace_bindings

TOP = "__top__"  # the option "(top level)" of the move dialog


def _refusals_are_toasts(action: Callable) -> Callable:
    """A key action whose reading of the project may be refused (the code is gone since: another writer) says so in
    a toast and shows the codes as they are now, instead of a traceback."""

    @functools.wraps(action)
    def run(self, *args):
        try:
            return action(self, *args)
        except QualcodeError as exc:
            self.notify(say_error(str(exc), self.language), severity="error")
            self._fill()

    return run


def code_name(code: Code, language: str) -> str:
    """A code's name in the app's language: the English name in English when it has one."""
    return code.name_en if language == "en" and code.name_en else code.name


def usage_text(codings: int, ratings: int, children: int, language: str) -> str:
    """'3 筆編碼、1 筆評定、2 個下層代碼' / '3 codings, 1 rating, 2 codes below': the non-zero parts."""
    parts = [
        label(name, language, n=n)
        for name, n in (("usage_codings", codings), ("usage_ratings", ratings), ("usage_children", children))
        if n
    ]
    return ("、" if language == "zh" else ", ").join(parts)


class CodesScreen(Screen[None]):
    """Manage the codebook's codes with keys; the main screen shows the changes on return."""

    KEYS = keymap.CODES_KEYS
    BINDINGS = keymap.bindings(keymap.CODES_KEYS)
    DEFAULT_CSS = """
    CodesScreen { layout: vertical; }
    CodesScreen #codes-title { height: 1; padding: 0 1; text-style: bold; }
    CodesScreen #codes-help { height: 1; color: $text-muted; padding: 0 1; }
    CodesScreen OptionList { height: 1fr; }
    """

    def __init__(self, project, coder: str, language: str, current: str | None = None):
        super().__init__()
        self.project, self.coder, self.language = project, coder, language
        self.current = current  # the code to highlight first (the one highlighted in the main screen's tree)
        self.rows: list[tuple[Code, int]] = []  # the code tree as listed: (code, depth)

    def compose(self) -> ComposeResult:
        yield Label(label("codes_title", self.language), id="codes-title")
        yield Label(label("codes_help", self.language), id="codes-help")
        yield OptionList(id="codes-list")
        yield Footer()

    def on_mount(self) -> None:
        self._fill(self.current)
        self.query_one(OptionList).focus()
        if hasattr(self.app, "language"):  # `L` works here too: follow the app's language
            self.watch(self.app, "language", self._relabel, init=False)

    def _relabel(self, language: str) -> None:
        self.language = language
        self.query_one("#codes-title", Label).update(label("codes_title", language))
        self.query_one("#codes-help", Label).update(label("codes_help", language))
        replace_bindings(self, keymap.bindings(self.KEYS, language))
        self.refresh_bindings()
        self._fill()

    # -- the list ----------------------------------------------------------------------------------
    def _fill(self, select: str | None = None) -> None:
        """List the tree anew; keep the highlight on `select` (else on the highlighted code, else its row)."""
        options = self.query_one(OptionList)
        index = options.highlighted or 0
        if select is None and self.rows and options.highlighted is not None and index < len(self.rows):
            select = self.rows[index][0].id
        self.rows = self.project.codebook.tree()
        options.clear_options()
        if not self.rows:
            options.add_option(Option(Text(label("no_codes", self.language), style="dim"), disabled=True))
            return
        options.add_options(
            [Option(prompt, id=code.id) for (code, _), prompt in zip(self.rows, self._prompts(), strict=True)]
        )
        ids = [code.id for code, _ in self.rows]
        options.highlighted = ids.index(select) if select in ids else min(index, len(ids) - 1)

    def _prompts(self) -> list[Text]:
        """One row per code, in columns: key, indented swatch and name; the other language's name; id; usage."""
        cells = []
        for code, depth in self.rows:
            usage = self.project.codebook.usage(code.id)
            other = code.name if self.language == "en" and code.name_en else code.name_en
            counts = usage_text(usage.codings, usage.ratings, len(usage.children), self.language)
            cells.append((code, "  " * depth, code_name(code, self.language), other, counts or "—"))
        widths = [max(cell_len(indent + name) for _, indent, name, _, _ in cells),
                  max(cell_len(other) for *_, other, _ in cells),
                  max(len(code.id) for code, *_ in cells)]  # fmt: skip
        prompts = []
        for code, indent, name, other, counts in cells:
            prompt = Text(f"{code.shortcut or ' '} {indent}", style="bold")
            prompt.append("■ ", style=code.color or "white")
            prompt.append(name + " " * (widths[0] - cell_len(indent + name) + 2))
            prompt.append(other + " " * (widths[1] - cell_len(other) + 2), style="italic")
            prompt.append(code.id.ljust(widths[2] + 2), style="dim")
            prompt.append(counts, style="dim")
            prompts.append(prompt)
        return prompts

    def _current(self) -> Code | None:
        index = self.query_one(OptionList).highlighted
        if not self.rows or index is None or index >= len(self.rows):
            return None
        return self.rows[index][0]

    def _label_of(self, code_id: str | None) -> str:
        if code_id is None:
            return label("top_level", self.language)
        try:
            return code_name(self.project.codebook.code(code_id), self.language)
        except QualcodeError:
            return code_id

    def _do(self, change: Callable[[], str], select: str | None = None) -> None:
        """Run a change; its message is a toast, a refusal (one line from the core) an error toast."""
        try:
            message = change()
        except QualcodeError as exc:
            self.notify(say_error(str(exc), self.language), severity="error")
            self._fill(select)  # a refusal after a backup or a change by someone else: show the file as it is
            return
        self.notify(message, timeout=3)
        self._fill(select)

    def _backup(self, reason: str, made: list) -> Callable[[], object]:
        """An automatic backup, called by the core once the change has been checked, before anything is written."""

        def back_up() -> object:
            path = self.project.backups.auto(reason, coder=self.coder)
            made.append(path)
            return path

        return back_up

    def _backup_note(self, made: list) -> str:
        return label("backup_made", self.language, path=made[0].name) if made and made[0] is not None else ""

    # -- the actions -------------------------------------------------------------------------------
    def action_rename(self) -> None:
        code = self._current()
        if code is None:
            return
        lang = self.language
        fields = [("name", label("name_zh", lang), code.name), ("name_en", label("name_en", lang), code.name_en)]

        def done(values: dict[str, str] | None) -> None:
            if values is None:
                return

            def rename() -> str:
                after = self.project.codebook.rename(
                    code.id, name=values["name"], name_en=values["name_en"], coder=self.coder
                )
                if (after.name, after.name_en) == (code.name, code.name_en):
                    return label("nothing_changed", lang)
                before, now = f"{code.name} · {code.name_en}", f"{after.name} · {after.name_en}"
                return label("renamed", lang, before=before.rstrip(" ·"), after=now.rstrip(" ·"))

            self._do(rename, code.id)

        title = label("rename_title", lang, name=code_name(code, lang))
        self.app.push_screen(FormScreen(title, fields, label("save", lang), label("cancel", lang)), done)

    def _tree_options(self, allowed: set[str], here: str | None) -> list[tuple[str, object]]:
        """Codes of `allowed` as chooser rows in tree order, indented; `here` is marked as where the code is."""
        rows: list[tuple[str, object]] = []
        for code, depth in self.rows:
            if code.id not in allowed:
                continue
            prompt = Text("  " * depth)
            prompt.append("■ ", style=code.color or "white")
            prompt.append(code_name(code, self.language))
            prompt.append(f"  {code.id}", style="dim")
            if code.id == here:
                prompt.append("  " + label("where_it_is", self.language), style="italic")
            rows.append((code.id, prompt))
        return rows

    @_refusals_are_toasts
    def action_move(self) -> None:
        code = self._current()
        if code is None:
            return
        lang = self.language
        allowed = {c.id for c in self.project.codebook.move_targets(code.id)}
        top = Text(label("top_level", lang))
        if code.parent_id is None:
            top.append("  " + label("where_it_is", lang), style="italic")
        options: list[tuple[str, object]] = [(TOP, top), *self._tree_options(allowed, code.parent_id)]

        def done(choice: str | None) -> None:
            if choice is None:
                return
            parent = None if choice == TOP else choice

            def move() -> str:
                if parent == code.parent_id:
                    return label("nothing_changed", lang)
                self.project.codebook.move(code.id, parent=parent, coder=self.coder)
                if parent is None:
                    return label("moved_top", lang, name=code_name(code, lang))
                return label("moved_under", lang, name=code_name(code, lang), parent=self._label_of(parent))

            self._do(move, code.id)

        self.app.push_screen(ChooseScreen(label("move_title", lang, name=code_name(code, lang)), options), done)

    @_refusals_are_toasts
    def action_merge(self) -> None:
        code = self._current()
        if code is None:
            return
        lang = self.language
        targets = {c.id for c in self.project.codebook.move_targets(code.id)}  # not itself, nor a code below it
        if not targets:
            self.notify(label("no_merge_target", lang), severity="warning")
            return

        def chosen(into: str | None) -> None:
            if into is None:
                return
            try:
                usage = self.project.codebook.usage(code.id)
            except QualcodeError as exc:
                self.notify(say_error(str(exc), self.language), severity="error")
                return
            more = usage_text(0, usage.ratings, len(usage.children), lang)
            question = label(
                "merge_confirm",
                lang,
                source=code_name(code, lang),
                into=self._label_of(into),
                n=usage.codings,
                more=(("、" if lang == "zh" else ", ") + more) if more else "",
            )
            self.app.push_screen(
                ConfirmScreen(question, label("confirm_yes", lang), label("confirm_no", lang)),
                lambda yes: yes and merge(into),
            )

        def merge(into: str) -> None:
            made: list = []

            def run() -> str:
                result = self.project.codebook.merge(
                    code.id, into, coder=self.coder, before_write=self._backup("before-code-merge", made)
                )
                return label(
                    "merged",
                    lang,
                    source=code_name(code, lang),
                    into=self._label_of(into),
                    moved=result.moved,
                    collapsed=result.collapsed,
                ) + self._backup_note(made)

            self._do(run, into)

        title = label("merge_title", lang, name=code_name(code, lang))
        self.app.push_screen(ChooseScreen(title, self._tree_options(targets, None)), chosen)

    @_refusals_are_toasts
    def action_delete(self) -> None:
        code = self._current()
        if code is None:
            return
        lang = self.language
        usage = self.project.codebook.usage(code.id)
        made: list = []

        def delete(force: bool) -> None:
            def run() -> str:
                backup = self._backup("before-code-delete", made) if force else None
                self.project.codebook.delete(code.id, force=force, coder=self.coder, before_write=backup)
                return label("deleted", lang, name=code_name(code, lang)) + self._backup_note(made)

            self._do(run)

        if not usage.in_use:
            delete(False)
            return
        question = label(
            "delete_confirm",
            lang,
            name=code_name(code, lang),
            usage=usage_text(usage.codings, usage.ratings, len(usage.children), lang),
        )
        self.app.push_screen(
            ConfirmScreen(question, label("confirm_yes", lang), label("confirm_no", lang)),
            lambda yes: yes and delete(True),
        )

    def _update(self, code: Code, **change: str) -> None:
        def run() -> str:
            after = self.project.codebook.update(code.id, coder=self.coder, **change)
            return label("nothing_changed" if after == code else "code_updated", self.language,
                         name=code_name(after, self.language))  # fmt: skip

        self._do(run, code.id)

    def action_color(self) -> None:
        code = self._current()
        if code is not None:
            title = label("color_title", self.language, name=code_name(code, self.language))
            self.app.push_screen(
                LineScreen(title, code.color), lambda value: value is not None and self._update(code, color=value)
            )

    def action_shortcut(self) -> None:
        code = self._current()
        if code is not None:
            title = label("key_title", self.language, name=code_name(code, self.language))
            self.app.push_screen(
                LineScreen(title, code.shortcut), lambda value: value is not None and self._update(code, key=value)
            )

    def action_definition(self) -> None:
        code = self._current()
        if code is None:
            return
        lang = self.language
        editor = MemoScreen(label("definition_title", lang, name=code_name(code, lang)), code.description,
                            label("save", lang), label("cancel", lang))  # fmt: skip
        self.app.push_screen(editor, lambda text: text is not None and self._update(code, definition=text))

    def action_undo(self) -> None:
        self._step(self.project.history.undo, "undone")

    def action_redo(self) -> None:
        self._step(self.project.history.redo, "redone")

    def _step(self, step, message: str) -> None:
        try:
            result = step(self.coder)
        except QualcodeError as exc:
            self.notify(say_error(str(exc), self.language), severity="warning")
            return
        names = {c.id: code_name(c, self.language) for c in self.project.codebook.codes()}
        what = describe_change(result, self.language, names, self.project.documents.text)
        self.notify(label(message, self.language, what=what), timeout=3)
        self._fill()

    def action_close(self) -> None:
        self.dismiss(None)


class MemoTargetsScreen(ModalScreen[str | None]):
    """Choose what a memo is about (the project, the open document, its case, the highlighted code), then edit
    the coder's memo there (empty text deletes it). Returns what to say: saved, deleted, or None (nothing)."""

    KEYS = keymap.MEMO_TARGETS_KEYS
    BINDINGS = keymap.bindings(keymap.MEMO_TARGETS_KEYS)
    DEFAULT_CSS = """
    MemoTargetsScreen { align: center middle; }
    MemoTargetsScreen > Vertical { width: 80%; max-width: 100; height: auto; border: round $accent; background: $surface; padding: 0 1; }
    MemoTargetsScreen OptionList { height: auto; max-height: 12; }
    """

    def __init__(self, project, coder: str, language: str, *, document_id: int | None, code_id: str | None):
        super().__init__()
        self.project, self.coder, self.language = project, coder, language
        # option id → (memo target type, target id, what it is called), or None: no code highlighted
        self.targets: dict[str, tuple[str, str | None, str] | None] = {}
        lang = language
        self.targets["project"] = ("project", None, label("memo_target_project", lang))
        document = next((d for d in project.documents.documents() if d.id == document_id), None)
        if document is not None:
            self.targets["document"] = ("document", str(document.id),
                                        label("memo_target_document", lang, name=document.title))  # fmt: skip
            case = next((c for c in project.documents.cases() if c.id == document.case_id), None)
            if case is not None:
                self.targets["case"] = ("case", case.id, label("memo_target_case", lang, name=f"{case.id} {case.name}"))
        code = next((c for c in project.codebook.codes() if c.id == code_id), None)
        if code is not None:
            self.targets["code"] = ("code", code.id, label("memo_target_code", lang, name=code_name(code, lang)))
        else:
            self.targets["code"] = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(label("memos_title", self.language))
            yield OptionList(*[Option(self._prompt(key), id=key) for key in self.targets], id="memo-targets")

    def _prompt(self, key: str) -> Text:
        target = self.targets[key]
        prompt = Text()
        if target is None:
            prompt.append(label("memo_target_code", self.language, name=""), style="bold")
            prompt.append(label("memo_no_code", self.language), style="dim")
            return prompt
        target_type, target_id, what = target
        prompt.append(what, style="bold")
        memo = self.project.memos.get(target_type, target_id, author=self.coder)
        if memo is None:
            prompt.append("  " + label("memo_none", self.language), style="dim")
        else:
            flat = " ".join(memo.text.split())
            prompt.append("  " + label("memo_mine", self.language, text=flat if len(flat) <= 40 else flat[:39] + "…"))
        return prompt

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        target = self.targets.get(event.option.id or "")
        if target is None:
            self.notify(label("memo_no_code", self.language), severity="warning")
            return
        target_type, target_id, what = target
        lang = self.language
        memo = self.project.memos.get(target_type, target_id, author=self.coder)
        before = memo.text if memo is not None else ""

        def save(text: str | None) -> None:
            if text is None or text == before:
                self.dismiss(None)
                return
            try:
                self.project.memos.set(target_type, target_id, text, author=self.coder)
            except QualcodeError as exc:
                self.notify(say_error(str(exc), self.language), severity="error")
                return
            self.dismiss(label("memo_saved" if text.strip() else "memo_deleted", lang))

        editor = MemoScreen(label("memo_editor_title", lang, what=what), before, label("save", lang),
                            label("cancel", lang))  # fmt: skip
        self.app.push_screen(editor, save)

    def action_cancel(self) -> None:
        self.dismiss(None)
