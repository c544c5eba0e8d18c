"""SVG snapshots of the main, search and ratings screens at a fixed size with CJK text.

They complement the functional tests: a changed picture fails here and is reviewed by eye
(`pytest --snapshot-update` accepts it). Run with the same Textual version as pinned.
"""

from __future__ import annotations

import pytest

from qualcode.tui.app import QualcodeApp

SIZE = (140, 40)


def _app(project) -> QualcodeApp:
    project.codings.apply("A", "budget", "alice", turn=6, memo="經費規模")
    project.codings.apply("A", "central-support", "alice", quote="中央根本就是希望我們關掉")
    doc = project.documents.document("A")
    text = project.documents.text(doc.id)
    start = text.index("初期的經費大概")
    project.codings.apply("A", "staffing", "bob", span=(start, start + 12))
    return QualcodeApp(project, coder="alice")


async def _steady(pilot) -> None:
    pilot.app.view.cursor_blink = False
    await pilot.pause()


def test_main_screen(snap_compare, project):
    app = _app(project)

    async def run_before(pilot):
        await _steady(pilot)
        turn = project.documents.turn(project.documents.document("A").id, 6)
        # put the cursor 40 characters into turn 6 as a person would: search for what stands there, Enter
        # selects the hit, and left leaves the cursor at its start
        await pilot.press("slash", *"仍是非", "enter")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert pilot.app.view.selected_span == (turn.start + 40, turn.start + 43)
        await pilot.press("left")
        await pilot.pause()
        assert pilot.app.view.selected_span == (turn.start + 40, turn.start + 40)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_search_screen(snap_compare, project):
    app = _app(project)

    async def run_before(pilot):
        await _steady(pilot)
        await pilot.press("slash", *"就業e網", "enter")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_ratings_screen(snap_compare, project):
    app = _app(project)
    for case, step in zip("ABCDE", ["strong", "medium", "strong", "medium", "strong"]):
        project.ratings.rate(case, "leader-attention", step, coder="alice")
    project.ratings.rate(
        "A",
        "central-support",
        "medium",
        coder="alice",
        evidence=[c.id for c in project.codings.select(code="central-support")],
    )

    async def run_before(pilot):
        await _steady(pilot)
        await pilot.press("r")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


# -- every size: the main screen at three sizes, the other screens at the smallest ---------------------------
def _cursor_in_turn_6(project):
    async def run_before(pilot):
        await _steady(pilot)
        await pilot.press("slash", *"仍是非", "enter")
        await pilot.pause()
        await pilot.press("enter", "left")
        await pilot.pause()

    return run_before


@pytest.mark.slow
def test_main_screen_80x24(snap_compare, project):
    assert snap_compare(_app(project), terminal_size=(80, 24), run_before=_cursor_in_turn_6(project))


@pytest.mark.slow
def test_main_screen_80x24_with_the_codes_panel(snap_compare, project):
    steps = _cursor_in_turn_6(project)

    async def run_before(pilot):
        await steps(pilot)
        await pilot.press("p")
        await pilot.pause()

    assert snap_compare(_app(project), terminal_size=(80, 24), run_before=run_before)


@pytest.mark.slow
def test_main_screen_120x36(snap_compare, project):
    assert snap_compare(_app(project), terminal_size=(120, 36), run_before=_cursor_in_turn_6(project))


@pytest.mark.slow
def test_main_screen_200x60(snap_compare, project):
    assert snap_compare(_app(project), terminal_size=(200, 60), run_before=_cursor_in_turn_6(project))


def _pressing(*keys: str):
    async def run_before(pilot):
        await _steady(pilot)
        await pilot.press(*keys)
        await pilot.pause()

    return run_before


@pytest.mark.slow
def test_help_80x24(snap_compare, project):
    assert snap_compare(_app(project), terminal_size=(80, 24), run_before=_pressing("question_mark"))


@pytest.mark.slow
def test_picker_80x24(snap_compare, project):
    assert snap_compare(_app(project), terminal_size=(80, 24), run_before=_pressing("t", "c", *"預"))


@pytest.mark.slow
def test_search_80x24(snap_compare, project):
    assert snap_compare(_app(project), terminal_size=(80, 24), run_before=_pressing("slash", *"就業e網", "enter"))


@pytest.mark.slow
def test_ratings_80x24(snap_compare, project):
    project.ratings.rate("A", "leader-attention", "strong", coder="alice")
    assert snap_compare(_app(project), terminal_size=(80, 24), run_before=_pressing("r"))


@pytest.mark.slow
def test_export_80x24(snap_compare, project):
    assert snap_compare(_app(project), terminal_size=(80, 24), run_before=_pressing("e"))
