"""The export screen: choose what and which format, see where the file went."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select

from qualcode.errors import QualcodeError
from qualcode.export import run as exports
from qualcode.tui import keymap
from qualcode.tui.i18n import label, say_error

WHAT = ("table", "matrix", "quotes", "qdpx", "qdc")  # labels export_<what> in i18n/tui.yaml


class ExportScreen(ModalScreen[Path | None]):
    KEYS = keymap.EXPORT_KEYS
    BINDINGS = keymap.bindings(keymap.EXPORT_KEYS)
    DEFAULT_CSS = """
    ExportScreen { align: center middle; }
    ExportScreen > Vertical { width: 80%; max-width: 90; height: auto; border: round $accent; background: $surface; padding: 0 1; }
    ExportScreen Horizontal { height: auto; }
    ExportScreen #buttons { height: 3; align-horizontal: right; }
    ExportScreen #where { color: $success; height: auto; }
    """

    def __init__(self, project, coder: str, language: str):
        super().__init__()
        self.project, self.coder, self.language = project, coder, language

    def _t(self, name: str, **values: object) -> str:
        return label(name, self.language, **values)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self._t("export_title"))
            yield Select(
                [(self._t(f"export_{what}"), what) for what in WHAT],
                value="table",
                allow_blank=False,
                id="what",
            )
            yield Select([(f, f) for f in exports.FORMATS["table"]], value="md", allow_blank=False, id="format")
            with Horizontal():
                yield Checkbox(self._t("export_counts"), id="counts")
                yield Checkbox(self._t("export_force"), id="force")
            yield Label(self._t("export_file"))
            yield Input(str(Path("exports") / exports.default_name("table", "md")), id="path")
            yield Label("", id="where")
            with Horizontal(id="buttons"):
                yield Button(self._t("export_go"), id="go", variant="primary")
                yield Button(self._t("export_close"), id="close")

    def on_mount(self) -> None:
        self.query_one("#what", Select).focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        what = self.query_one("#what", Select).value
        formats = exports.FORMATS[what]
        fmt_select = self.query_one("#format", Select)
        if event.control.id == "what":
            fmt_select.set_options([(f, f) for f in formats])
            fmt_select.value = formats[0]
        fmt = fmt_select.value if fmt_select.value in formats else formats[0]
        self.query_one("#path", Input).value = str(Path("exports") / exports.default_name(what, fmt))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.export()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "go":
            self.export()
        else:
            self.dismiss(None)

    def export(self) -> Path | None:
        what = self.query_one("#what", Select).value
        fmt = self.query_one("#format", Select).value
        options = exports.Options(
            counts=self.query_one("#counts", Checkbox).value,
            coder=self.coder if what == "table" and len(self.project.ratings.raters()) > 1 else None,
        )
        try:
            target = exports.write(
                self.project,
                what,
                fmt,
                Path(self.query_one("#path", Input).value),
                options,
                force=self.query_one("#force", Checkbox).value,
            )
        except QualcodeError as exc:
            self.notify(say_error(str(exc), self.language), severity="error")
            return None
        message = self._t("export_wrote", path=target.resolve())
        self.query_one("#where", Label).update(message)
        self.notify(message, timeout=4)
        return target

    def action_cancel(self) -> None:
        self.dismiss(None)
