"""Small modal dialogs: choose one of several options, edit a memo, type one line, fill a small form, confirm."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, TextArea
from textual.widgets.option_list import Option

from qualcode.tui import keymap


class ChooseScreen(ModalScreen[str | None]):
    """Pick one option (by id); Escape cancels."""

    KEYS = keymap.CHOOSE_KEYS
    BINDINGS = keymap.bindings(keymap.CHOOSE_KEYS)
    DEFAULT_CSS = """
    ChooseScreen { align: center middle; }
    ChooseScreen > Vertical { width: 80%; max-width: 100; height: auto; max-height: 80%; border: round $accent; background: $surface; padding: 0 1; }
    ChooseScreen OptionList { height: auto; max-height: 24; }
    """

    def __init__(self, title: str, options: list[tuple[str, object]]):
        super().__init__()
        self.title_text = title
        self.options = options

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text)
            yield OptionList(*[Option(prompt, id=option_id) for option_id, prompt in self.options], id="choices")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class MemoScreen(ModalScreen[str | None]):
    """Edit a multi-line memo; ctrl+s saves, Escape cancels."""

    KEYS = keymap.MEMO_KEYS
    BINDINGS = keymap.bindings(keymap.MEMO_KEYS)
    DEFAULT_CSS = """
    MemoScreen { align: center middle; }
    MemoScreen > Vertical { width: 80%; max-width: 100; height: 20; border: round $accent; background: $surface; padding: 0 1; }
    MemoScreen TextArea { height: 1fr; }
    MemoScreen Horizontal { height: 3; align-horizontal: right; }
    """

    def __init__(self, title: str, text: str, save_label: str = "Save", cancel_label: str = "Cancel"):
        super().__init__()
        self.title_text, self.text, self.save_label, self.cancel_label = title, text, save_label, cancel_label

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text)
            yield TextArea(self.text, id="memo-text", soft_wrap=True)
            with Horizontal():
                yield Button(self.save_label + " (ctrl+s)", id="save", variant="primary")
                yield Button(self.cancel_label, id="cancel")

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()

    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text)

    def action_cancel(self) -> None:
        self.dismiss(None)


class LineScreen(ModalScreen[str | None]):
    """Type one line (e.g. a rating note); Enter saves, Escape cancels."""

    KEYS = keymap.LINE_KEYS
    BINDINGS = keymap.bindings(keymap.LINE_KEYS)
    DEFAULT_CSS = """
    LineScreen { align: center middle; }
    LineScreen > Vertical { width: 80%; max-width: 100; height: auto; border: round $accent; background: $surface; padding: 0 1; }
    """

    def __init__(self, title: str, value: str = ""):
        super().__init__()
        self.title_text, self.value = title, value

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text)
            yield Input(self.value, id="line")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class FormScreen(ModalScreen[dict[str, str] | None]):
    """A few one-line fields (e.g. a code's Chinese and English name); Enter in any of them saves, tab moves
    between them, Escape cancels. Returns {field id: value}."""

    KEYS = keymap.FORM_KEYS
    BINDINGS = keymap.bindings(keymap.FORM_KEYS)
    DEFAULT_CSS = """
    FormScreen { align: center middle; }
    FormScreen > Vertical { width: 80%; max-width: 80; height: auto; border: round $accent; background: $surface; padding: 0 1; }
    FormScreen Horizontal { height: 3; align-horizontal: right; }
    """

    def __init__(
        self, title: str, fields: list[tuple[str, str, str]], save_label: str = "Save", cancel_label: str = "Cancel"
    ):
        """`fields`: (id, label, value) of each field, in order."""
        super().__init__()
        self.title_text, self.fields = title, fields
        self.save_label, self.cancel_label = save_label, cancel_label

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text)
            for field_id, field_label, value in self.fields:
                yield Label(field_label)
                yield Input(value, id=field_id)
            with Horizontal():
                yield Button(self.save_label, id="save", variant="primary")
                yield Button(self.cancel_label, id="cancel")

    def on_mount(self) -> None:
        self.query(Input).first().focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self._save()
        else:
            self.action_cancel()

    def _save(self) -> None:
        self.dismiss({field_id: self.query_one(f"#{field_id}", Input).value for field_id, _, _ in self.fields})

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    """A yes-or-no question before a change that deletes or merges work: `y` confirms; `n`, Escape (and Enter on
    the focused No button) do not."""

    KEYS = keymap.CONFIRM_KEYS
    BINDINGS = keymap.bindings(keymap.CONFIRM_KEYS)
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical { width: 80%; max-width: 90; height: auto; border: round $warning; background: $surface; padding: 0 1; }
    ConfirmScreen #question { width: 1fr; }
    ConfirmScreen Horizontal { height: 3; align-horizontal: right; }
    """

    def __init__(self, question: str, yes_label: str = "Yes", no_label: str = "No"):
        super().__init__()
        self.question, self.yes_label, self.no_label = question, yes_label, no_label

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question, id="question")
            with Horizontal():
                yield Button(f"{self.yes_label} (y)", id="yes", variant="error")
                yield Button(f"{self.no_label} (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_yes(self) -> None:
        self.dismiss(True)

    def action_no(self) -> None:
        self.dismiss(False)
