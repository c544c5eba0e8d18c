"""The footer: the screen's keys on one line."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

__all__ = ["Footer"]


class Footer(Widget, can_focus=False):
    """The screen's keys on one line, drawn as one piece of text by one widget.

    Textual's Footer builds a widget per key and rebuilds them all (a recompose, then two layouts, each a frame
    of its own) on every focus change, screen opened or closed, or `L`: three of the frames a key waited for
    (benchmarks/tui_keys.py), and a leak besides (Textualize/textual#6666). This one keeps the same look (the
    theme's footer colours, the key then its description, the command palette's key on the right) and, when
    the screen's bindings change, works out the line and repaints only if it changed: no child, no layout.
    A click on a key presses it, as in Textual's footer. Uses public API only (`Screen.active_bindings`,
    `bindings_updated_signal`, `App.get_key_display`, `App.simulate_key`)."""

    COMPONENT_CLASSES = {"footer-key--key", "footer-key--description"}
    DEFAULT_CSS = """
    Footer {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        .footer-key--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .footer-key--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
    }
    """
    ALLOW_SELECT = False

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._keys: list[tuple[str, str, str, bool]] = []  # (key, shown as, description, enabled)
        self._palette: tuple[str, str, str, bool] | None = None
        self._spans: list[tuple[int, int, str, bool]] = []  # cells [start, end) of each key as drawn

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        # Textual tells the footer of a focus change only after the next frame (Screen.set_focus calls
        # refresh_bindings after a refresh): a second frame for every key that moves the focus. Following the
        # screen's `focused` as well draws the keys in the same frame as the focus; the later signal then
        # finds nothing changed.
        self.watch(self.screen, "focused", lambda _focused: self._bindings_changed(self.screen), init=False)
        # `stack_updates` counts the screen's resumes: back on top, the keys are worked out before its first frame.
        self.watch(self.screen, "stack_updates", lambda _n: self._bindings_changed(self.screen), init=False)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen) -> None:
        if screen is not self.screen or not self.is_attached or screen is not self.app.screen:
            # under another screen the keys are not this screen's to offer (App.check_action turns them off):
            # showing them off, then on again when it is back on top, was a repaint of its own
            return
        active = screen.active_bindings
        keys: list[tuple[str, str, str, bool]] = []
        seen: set[str] = set()
        for _node, binding, enabled, _tooltip in active.values():
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            keys.append((binding.key, self.app.get_key_display(binding), binding.description, enabled))
        palette = None
        if self.app.ENABLE_COMMAND_PALETTE and self.app.COMMAND_PALETTE_BINDING in active:
            _node, binding, enabled, _tooltip = active[self.app.COMMAND_PALETTE_BINDING]
            palette = (binding.key, self.app.get_key_display(binding), binding.description, enabled)
        if (keys, palette) != (self._keys, self._palette):
            self._keys, self._palette = keys, palette
            self.refresh()

    def key_texts(self) -> list[str]:
        """Each key as the footer shows it ("key description"), the command palette's last."""
        every = self._keys + ([self._palette] if self._palette else [])
        return [f"{shown} {description}".strip() for _key, shown, description, _enabled in every]

    def _piece(self, shown: str, description: str, enabled: bool) -> Text:
        key_style = self.get_component_rich_style("footer-key--key")
        description_style = self.get_component_rich_style("footer-key--description")
        piece = Text.assemble((f" {shown} ", key_style), (f"{description} " if description else "", description_style))
        if not enabled:
            piece.stylize(Style(dim=True))
        return piece

    def render(self) -> Text:
        line = Text(no_wrap=True, overflow="crop", end="")
        spans: list[tuple[int, int, str, bool]] = []
        for key, shown, description, enabled in self._keys:
            piece = self._piece(shown, description, enabled)
            start = line.cell_len
            line.append_text(piece)
            spans.append((start, line.cell_len, key, enabled))
        if self._palette is not None:
            key, shown, description, enabled = self._palette
            piece = self._piece(shown, description, enabled)
            start = max(line.cell_len, self.size.width - piece.cell_len - 1)
            line.append(" " * (start - line.cell_len))
            line.append("▏", Style(dim=True))
            line.append_text(piece)
            spans.append((start + 1, line.cell_len, key, enabled))
        self._spans = spans
        return line

    def on_click(self, event) -> None:
        for start, end, key, enabled in self._spans:
            if start <= event.x < end:
                if enabled:
                    self.app.simulate_key(key)
                else:
                    self.app.bell()
                return
