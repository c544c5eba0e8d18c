"""The coding screen's notifications (widgets/flash.py): shown at once, newest last, gone after their time or a
click; other screens keep Textual's toasts; hidden when the app shows no notifications."""

from __future__ import annotations

import asyncio

import pytest

from qualcode.project import Project, build_demo
from qualcode.tui.app import QualcodeApp
from qualcode.tui.widgets.flash import MAX_SHOWN, Flash, FlashRack

SIZE = (120, 36)


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.setenv("QUALCODE_CONFIG", str(tmp_path / "config.toml"))
    build_demo(tmp_path / "demo.db").close()
    with Project.open(tmp_path / "demo.db") as opened:
        yield opened


def _shown(app) -> list[str]:
    """The messages the user sees on the coding screen, top to bottom."""
    return [str(f.render()) for f in app.screen.query(Flash) if f.display and f.notification is not None]


async def test_undo_says_what_it_undid_at_once_and_the_message_goes(project):
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("t", "1")  # code the turn under the cursor with code 1
        await pilot.pause()
        assert len(project.codings.select()) == 1
        await pilot.press("u")
        await pilot.pause()
        assert project.codings.select() == []
        [message] = _shown(app)
        assert message.startswith("已復原：")
        assert app.screen.query_one(FlashRack).display
        [shown] = [f for f in app.screen.query(Flash) if f.display]
        await pilot.click(shown, offset=(2, 1))  # a click dismisses, as Textual's toasts do
        await pilot.pause()
        assert _shown(app) == [] and not app.screen.query_one(FlashRack).display


async def test_messages_stack_newest_last_and_expire_on_their_own(project):
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.notify("長一點的訊息", timeout=30)
        for i in range(MAX_SHOWN + 1):
            app.notify(f"短 {i}", timeout=0.3, severity="warning" if i == 0 else "information")
        await pilot.pause()
        shown = _shown(app)
        assert shown == [f"短 {i}" for i in range(1, MAX_SHOWN + 1)]  # the oldest went first
        await asyncio.sleep(0.6)
        await pilot.pause()
        assert _shown(app) == []
        assert not app.screen.query_one(FlashRack).display


async def test_a_warning_is_drawn_as_one(project):
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("u")  # nothing to undo yet
        await pilot.pause()
        [flash] = [f for f in app.screen.query(Flash) if f.display]
        assert "沒有可復原的變更" in str(flash.render()) and flash.has_class("-warning")


async def test_dialogs_keep_textuals_toasts_and_no_notifications_means_none(project):
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("question_mark")  # the help screen
        await pilot.pause()
        app.notify("在說明頁")
        await pilot.pause()
        await pilot.pause()
        assert "在說明頁" in " ".join(str(t.render()) for t in app.screen.query("Toast"))
    quiet = QualcodeApp(project, coder="alice")
    async with quiet.run_test(size=SIZE) as pilot:
        await pilot.press("u")
        await pilot.pause()
        assert _shown(quiet) == []
