"""Small modal dialogs: choose one of several options, edit a memo, type one line."""

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
