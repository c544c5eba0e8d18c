"""The TUI sees other writers: codings made by another connection to the file (the CLI, a second TUI) appear
within a second without moving the cursor, and the refresh key reloads codes, documents and case names."""

from __future__ import annotations

import time

import pytest
from test_tui import SIZE, _code_labels, _find_and_select, _toasts  # tests/functional is on sys.path

from qualcode.project import Project
from qualcode.tui.app import POLL_SECONDS, QualcodeApp
from qualcode.tui.widgets.panels import CodeTree, DocumentsTree, SegmentsList

QUOTE = "中央根本就是希望我們關掉"


async def _until(pilot, condition, *, within: float = 1.0) -> float:
    """Wait (bounded) until the condition holds; the seconds it took."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > within:
            raise AssertionError(f"not within {within} s")
        await pilot.pause(0.05)
    return time.monotonic() - start


def _segments(app) -> list[str]:
    segments = app.query_one(SegmentsList)
    return [str(segments.get_option_at_index(i).prompt) for i in range(segments.option_count)]


def _elsewhere(project: Project) -> Project:
    """A second connection to the same file, as the CLI or a second TUI has."""
    return Project.open(project.path)


@pytest.mark.slow
async def test_another_writers_coding_appears_without_moving_anything(project):
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=SIZE) as pilot:
        await _find_and_select(pilot, app, "根本就是")
        view = app.view
        before = (view.selected_span, view.cursor_location, view.scroll_offset, app.focused)
        assert app.codings == [] and "沒有編碼" in _segments(app)[0]
        with _elsewhere(project) as other:
            coding = other.codings.apply("A", "central-support", "bob", quote=QUOTE)
        took = await _until(pilot, lambda: [c.id for c in app.codings] == [coding.id])
        assert took <= POLL_SECONDS + 0.5
        assert (view.selected_span, view.cursor_location, view.scroll_offset, app.focused) == before
        assert any(QUOTE in s and "bob" in s for s in _segments(app))  # under the cursor: the segments panel
        labels = _code_labels(app.query_one(CodeTree))
        assert labels["central-support"].endswith(" 1") and labels["local-policy"].endswith(" 1")
        assert "本文件 1 筆編碼" in str(app.query_one("#status").render())
        row, column = view.textmap.location(coding.start)
        styles = [s.style for s in view.get_line(row).spans if s.start <= column < s.end]
        assert any(getattr(s, "bgcolor", None) and s.bgcolor.name.lower() == "#db8b3e" for s in styles)


@pytest.mark.slow
async def test_quotes_of_the_highlighted_code_follow_another_writer(project):
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=SIZE) as pilot:
        view = app.view
        await pilot.press("down", "down", "shift+right")
        selection = view.selection
        tree = app.query_one(CodeTree)
        await pilot.press("tab")
        await pilot.press("down", "down", "down", "down", "down", "down", "down")  # region-traits … budget
        await pilot.pause()
        assert tree.cursor_node.data == "budget" and _segments(app) == ["—"]
        with _elsewhere(project) as other:
            other.codings.apply("E", "budget", "carol", turn=4)
        await _until(pilot, lambda: len(_segments(app)) == 1 and _segments(app)[0].endswith("(E) carol"))
        assert tree.cursor_node.data == "budget" and app.focused is tree
        assert _code_labels(tree)["resources"].endswith("現有資源 1")
        # on to the quotes: the highlight stays on its quote when another one is listed before it
        await pilot.press("tab", "down")
        segments = app.query_one(SegmentsList)
        assert app.focused is segments and segments.highlighted_option.prompt.plain.endswith("(E) carol")
        with _elsewhere(project) as other:
            other.codings.apply("A", "budget", "dave", turn=6)
        await _until(pilot, lambda: len(_segments(app)) == 2)
        assert _segments(app)[0].endswith("(A) dave")
        assert segments.highlighted_option.prompt.plain.endswith("(E) carol")
        assert tree.cursor_node.data == "budget" and view.selection == selection


async def test_undo_undoes_only_my_codings_not_another_coders(project):
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("t", "6")  # alice codes the first turn as budget
        await pilot.pause()
        [mine] = project.codings.select()
        with _elsewhere(project) as other:  # then bob, elsewhere, codes the same turn
            theirs = other.codings.apply("A", "staffing", "bob", span=(mine.start, mine.end))
        await _until(pilot, lambda: len(app.codings) == 2)
        await pilot.press("u")
        await pilot.pause()
        assert [c.id for c in project.codings.select()] == [theirs.id]
        assert [c.id for c in app.codings] == [theirs.id]
        await pilot.press("u")
        await pilot.pause()
        assert any("沒有可復原的變更" in t for t in _toasts(app)), _toasts(app)
        assert [c.id for c in project.codings.select()] == [theirs.id]


@pytest.mark.slow
async def test_refresh_key_reloads_codes_documents_and_case_names(project, tmp_path):
    transcript = tmp_path / "F.txt"
    transcript.write_text("受訪者編號：F\n\n問：請問網站何時成立？\n\n答：民國九十八年。\n", encoding="utf-8")
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("down", "down", "right")
        cursor = app.view.cursor_location
        tree = app.query_one(CodeTree)
        await pilot.press("tab", *["down"] * 7, "shift+tab")  # the code tree's cursor on budget, then back
        assert tree.cursor_node.data == "budget" and app.focused is app.view
        with _elsewhere(project) as other:
            other.codebook.create_code("stimulus", "擴大內需", parent="region-traits", coder="bob")  # above budget
            other.documents.set_case("A", name="臺北市政府")
            other.documents.import_files([transcript], coder="bob")
        # the poll shows the new code at once (its codings need its name and colour) …
        await _until(pilot, lambda: "stimulus" in _code_labels(tree))
        assert tree.cursor_node.data == "budget"
        documents = app.query_one(DocumentsTree)
        assert str(documents.root.children[0].label) == "A 臺北市"
        # … the refresh key reloads the documents and the case names too
        await pilot.press("ctrl+r")
        await pilot.pause()
        labels = [str(n.label) for n in documents.root.children]
        assert labels[0] == "A 臺北市政府" and labels[-1] == "F"
        assert "A 臺北市政府" in str(app.query_one("#status").render())
        assert "已重新載入專案" in _toasts(app)
        assert app.view.cursor_location == cursor and app.focused is app.view
        assert tree.cursor_node.data == "budget"
        await pilot.press("f5")  # the other key of the same binding
        await pilot.pause()
        assert _toasts(app).count("已重新載入專案") == 2
