"""Notifications on the coding screen, drawn in the frame of the key that raised them.

Textual shows a notification by posting a message, mounting a toast and laying it out: two or three frames
after the key's own (benchmarks/tui_keys.py: `u` took 55–70 ms, the undo's toast most of it). The coding
screen keeps one `FlashRack` mounted instead, hidden while it has nothing to say: `QualcodeApp.notify` hands
the notification to it, it shows at once, in the same frame as the change it reports, and each message goes
after its timeout (or all of them on a click). It looks as Textual's toasts do (bottom right, the severity's
colour on the left edge); other screens keep Textual's own.
"""

from __future__ import annotations

from textual.containers import Container
from textual.content import Content
from textual.events import Click
from textual.notifications import Notification
from textual.widgets import Static

from qualcode.tui.widgets.textual_adapter import SteadyLayout

SEVERITIES = ("information", "warning", "error")
MAX_SHOWN = 5  # the newest messages shown together; older ones go first


class Flash(SteadyLayout, Static):
    """One message, as a Textual toast draws it."""

    DEFAULT_CSS = """
    Flash {
        width: 60;
        max-width: 50%;
        height: auto;
        margin-top: 1;
        visibility: visible;
        padding: 1 1;
        background: $panel-lighten-1;
        &:ansi { background: $ansi-background; }
    }
    Flash.-information { border-left: outer $success; }
    Flash.-warning { border-left: outer $warning; }
    Flash.-error { border-left: outer $error; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.notification: Notification | None = None

    def show(self, notification: Notification | None) -> None:
        if notification is self.notification:
            return
        self.notification = notification
        if notification is not None:
            for severity in SEVERITIES:
                self.set_class(severity == notification.severity, f"-{severity}")
        self.display = notification is not None
        self.refresh(layout=True)

    def render(self) -> Content:
        notification = self.notification
        if notification is None:
            return Content("")
        message = notification.message
        content = Content.from_markup(message) if notification.markup else Content(message)
        if notification.title:
            content = Content.assemble((notification.title, "bold"), "\n", content)
        return content

    def on_click(self, event: Click) -> None:
        event.stop()
        rack = self.parent
        if isinstance(rack, FlashRack):
            rack.clear()


class FlashRack(Container):
    """Holds MAX_SHOWN Flashes at the bottom right, over the screen, the newest message lowest; not displayed
    while it has none."""

    DEFAULT_CSS = """
    FlashRack {
        display: none;
        dock: bottom;
        layer: _toastrack;
        width: 1fr;
        height: auto;
        align: right bottom;
        visibility: hidden;
        margin-bottom: 2;
    }
    FlashRack > Flash { display: none; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.shown: list[Notification] = []

    def compose(self):
        for _ in range(MAX_SHOWN):
            yield Flash()

    def show(self, notification: Notification) -> None:
        """Show this message below the ones still live, now (no message or mount in between)."""
        self.shown = [*self.shown, notification][-MAX_SHOWN:]
        self.set_timer(max(notification.timeout, 0.1), lambda: self.expire(notification))
        self._changed()

    def expire(self, notification: Notification) -> None:
        if notification in self.shown:
            self.shown = [n for n in self.shown if n is not notification]
            self._changed()

    def clear(self) -> None:
        if self.shown:
            self.shown = []
            self._changed()

    def _changed(self) -> None:
        flashes = list(self.query(Flash))
        messages: list[Notification | None] = [None] * (len(flashes) - len(self.shown)) + list(self.shown)
        for flash, notification in zip(flashes, messages, strict=True):
            flash.show(notification)
        self.display = bool(self.shown)
