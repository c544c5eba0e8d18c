"""The help screen: every binding with its id, keys and meaning."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from qualcode.config import config_path
from qualcode.tui import keymap
from qualcode.tui.i18n import label
from qualcode.tui.keymap import ADJUDICATE_KEYS, APP_KEYS, describe

EXTRA = {
    "zh": [
        ("", "tab / shift+tab", "在面板間移動焦點"),
        ("", "shift+方向鍵、滑鼠拖曳", "選取文字"),
        ("", "enter（引文清單）", "跳到引文"),
        ("", "ctrl+p", "命令面板（所有動作）"),
    ],
    "en": [
        ("", "tab / shift+tab", "Move focus between panels"),
        ("", "shift+arrows, mouse drag", "Select text"),
        ("", "enter (quote list)", "Jump to the quote"),
        ("", "ctrl+p", "Command palette (every action)"),
    ],
}


class HelpScreen(ModalScreen[None]):
    KEYS = keymap.HELP_KEYS
    BINDINGS = keymap.bindings(keymap.HELP_KEYS)
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90%; max-width: 100; height: 90%; border: round $accent; background: $surface; padding: 0 1; }
    """

    def __init__(self, language: str, keymap: dict[str, str], *, poll_seconds: float = 0.5):
        super().__init__()
        self.language, self.keymap, self.poll_seconds = language, keymap, poll_seconds

    def compose(self) -> ComposeResult:
        body = Text()
        body.append(label("help_title", self.language) + "\n\n", style="bold")
        rows = describe(APP_KEYS, self.language, self.keymap) + EXTRA[self.language]
        adjudicate = describe(ADJUDICATE_KEYS, self.language, self.keymap)
        column = key_column(rows + adjudicate)
        _rows(body, rows, column)
        body.append(
            "\n" + label("help_adjudicate", self.language, key=self.keymap.get("adjudicate", "d")) + "\n", style="bold"
        )
        _rows(body, adjudicate, column)
        refresh = next(keys for binding_id, keys, _ in rows if binding_id == "refresh").split(",")[0]
        body.append("\n" + label("help_counts", self.language) + "\n")
        body.append(label("help_watch", self.language, seconds=f"{self.poll_seconds:g}", key=refresh) + "\n")
        body.append("\n" + label("help_footer", self.language, path=config_path()), style="dim")
        with VerticalScroll():
            yield Static(body)

    def action_close(self) -> None:
        self.dismiss(None)


MIN_KEY_COLUMN = 26


KEY_GLYPHS = {"question_mark": "?", "slash": "/", "right_square_bracket": "]", "left_square_bracket": "[",
              "escape": "esc"}  # fmt: skip


def shown_keys(keys: str) -> str:
    """A binding's keys as they are typed: ? / ] [ esc, not Textual's key names."""
    return ",".join(KEY_GLYPHS.get(key, key) for key in keys.split(","))


def key_column(rows: list[tuple[str, str, str]]) -> int:
    """Display cells of the key column: the widest keys (CJK counts two cells each) and two spaces."""
    return max([MIN_KEY_COLUMN, *(cell_len(shown_keys(keys)) + 2 for _, keys, _ in rows)])


def pad(text: str, cells: int) -> str:
    """`text` padded with spaces to `cells` display cells (not characters: 方向鍵 is six cells)."""
    return text + " " * max(0, cells - cell_len(text))


def _rows(body: Text, rows: list[tuple[str, str, str]], column: int) -> None:
    for binding_id, keys, meaning in rows:
        body.append(pad(shown_keys(keys), column), style="bold")
        body.append(f"{meaning}")
        if binding_id:
            body.append(f"  [{binding_id}]", style="dim")
        body.append("\n")
