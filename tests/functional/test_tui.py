"""The coding TUI driven as a person would, with Textual's Pilot; each test checks the database and the screen."""

from __future__ import annotations

import pytest

from qualcode.tui.app import QualcodeApp
from qualcode.tui.widgets.panels import CodeTree, SegmentsList
from qualcode.tui.widgets.transcript import TranscriptView

SIZE = (150, 45)


def _app(project, coder="alice", **kwargs) -> QualcodeApp:
    return QualcodeApp(project, coder=coder, **kwargs)


def _toasts(app) -> list[str]:
    """What the notifications on screen say: the text of the Toast widgets the user sees.

    Textual's run_test shows no toasts unless asked: `run_test(..., notifications=True)`.
    """
    return [str(toast.render()) for toast in app.screen.query("Toast, Flash")]


def _status(app) -> str:
    return str(app.query_one("#status").render())


def _code_labels(tree: CodeTree) -> dict[str, str]:
    """Every node of the code tree, by code id, as its label reads (walked through the public TreeNode API)."""
    labels: dict[str, str] = {}

    def walk(node) -> None:
        for child in node.children:
            labels[child.data] = str(child.label)
            walk(child)

    walk(tree.root)
    return labels


async def _find_and_select(pilot, app, query: str) -> tuple[int, int]:
    """Select a passage as a person would: `/`, type it, Enter searches, Enter selects the first hit."""
    await pilot.press("slash")
    await pilot.pause()
    await pilot.press(*query)
    assert app.screen.query_one("#query").value == query
    await pilot.press("enter")
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()
    assert app.focused is app.view
    start, end = app.view.selected_span
    assert app.project.documents.text(app.document_id)[start:end] == query
    return start, end


async def _down_to_option(pilot, options, option_id: str) -> None:
    """Press down in an option list until the option is highlighted."""
    for _ in range(options.option_count + 1):
        if options.highlighted is not None and options.get_option_at_index(options.highlighted).id == option_id:
            return
        await pilot.press("down")
        await pilot.pause()
    raise AssertionError(f"down never reached option {option_id!r}")


async def _down_to_node(pilot, tree, data: str) -> None:
    """Press down in a tree until the cursor is on the node holding `data`."""
    for _ in range(200):
        if tree.cursor_node is not None and tree.cursor_node.data == data:
            return
        await pilot.press("down")
        await pilot.pause()
    raise AssertionError(f"down never reached node {data!r}")


async def test_opens_on_first_document_with_transcript_focused(project):
    app = _app(project)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TranscriptView)
        assert app.focused is view
        assert view.text.startswith("受訪者編號：A")
        labels = [str(n.label) for n in app.query_one("#documents").root.children]
        assert labels == ["A 臺北市", "B 新北市", "C 臺中市", "D 臺南市", "E 高雄市"]
        await pilot.press("down", "down")
        assert view.cursor_location == (2, 0)
        assert f"位置 {view.cursor_offset}" in _status(app) and "編碼者 alice" in _status(app)


@pytest.mark.slow
async def test_shift_arrows_and_a_shortcut_key_code_the_selection(project):
    app = _app(project)
    text = project.documents.text(project.documents.document("A").id)
    start = text.index("中央根本就是希望我們關掉")
    async with app.run_test(size=SIZE) as pilot:
        assert await _find_and_select(pilot, app, "中央根本就是") == (start, start + 6)
        await pilot.press(*["shift+right"] * 6)
        assert app.view.selected_span == (start, start + 12)
        await pilot.press("7")  # 7 = central-support in the default codebook
        await pilot.pause()
        [coding] = project.codings.select()
        assert (coding.code_id, coding.start, coding.end, coding.coder) == (
            "central-support",
            start,
            start + 12,
            "alice",
        )
        assert coding.text == "中央根本就是希望我們關掉"
        # the code tree count, the segments panel and the paint follow at once
        labels = _code_labels(app.query_one(CodeTree))
        assert labels["central-support"].endswith(" 1")
        assert labels["budget"].endswith(" 0") and labels["resources"].endswith(" 0")
        assert labels["local-policy"].endswith("地方政策與內部整合 1")  # a parent counts its descendants' codings
        segments = app.query_one(SegmentsList)
        assert any(
            "中央根本就是希望我們關掉" in str(segments.get_option_at_index(i).prompt)
            for i in range(segments.option_count)
        )
        row, column = app.view.textmap.location(start)
        styles = [s.style for s in app.view.get_line(row).spans if s.start <= column < s.end]
        assert any(getattr(s, "bgcolor", None) and s.bgcolor.name.lower() == "#db8b3e" for s in styles)


@pytest.mark.slow
async def test_select_turn_and_sentence(project):
    app = _app(project)
    doc = project.documents.document("A")
    turn = project.documents.turn(doc.id, 6)
    text = project.documents.text(doc.id)
    async with app.run_test(size=SIZE) as pilot:
        start, _ = await _find_and_select(pilot, app, "銀行投入")
        assert app.document_id == doc.id and turn.start < start < turn.end
        await pilot.press("t")
        assert app.view.selected_span == (turn.start, turn.end)
        await pilot.press("6")
        await pilot.pause()
        assert [(c.code_id, c.start, c.end) for c in project.codings.select()] == [("budget", turn.start, turn.end)]
        await pilot.press("right", "left")  # no selection: the cursor on the turn's last character
        assert app.view.selected_span == (turn.end - 1, turn.end - 1)
        await pilot.press("s")
        start, end = app.view.selected_span
        assert text[start:end] == "但是這個跟民間比較起來還是差得很遠。" and end == turn.end
        await pilot.press(*["left"] * 5, "s")  # a sentence back: it ends at its closing mark
        start, end = app.view.selected_span
        assert text[start:end].startswith("其實台北人力銀行投入的經費") and text[start:end].endswith("一千萬左右吧。")


@pytest.mark.slow
async def test_fuzzy_picker_by_english_name_and_new_code(project):
    app = _app(project)
    b = project.documents.document("B")
    text = project.documents.text(b.id)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right_square_bracket")  # the next document: B
        await pilot.pause()
        assert app.document_id == b.id and app.view.text == text
        start = text.index("擴大內需的經費")
        assert await _find_and_select(pilot, app, "擴大內需的經費") == (start, start + 7)
        await pilot.press("c")
        await pilot.press(*"Budget")
        await pilot.press("enter")
        await pilot.pause()
        assert [(c.code_id, c.text) for c in project.codings.select()] == [("budget", "擴大內需的經費")]
        # a new code, created from the picker, then applied
        await pilot.press(*["shift+left"] * 3)
        assert app.view.selected_span == (start, start + 4)
        await pilot.press("c")
        await pilot.press(*"擴大內需")
        await pilot.press("up")  # from the best match up, round to the last entry: "+ new code"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "NewCodeScreen"
        assert app.screen.query_one("#name").value == "擴大內需"
        await pilot.press("tab")  # from the name to the id
        await pilot.press("ctrl+u", *"stimulus")
        assert app.screen.query_one("#id").value == "stimulus"
        await pilot.press("enter")
        await pilot.pause()
        assert project.codebook.code("stimulus").name == "擴大內需"
        assert {(c.code_id, c.text) for c in project.codings.select()} == {
            ("budget", "擴大內需的經費"),
            ("stimulus", "擴大內需"),
        }
        assert _code_labels(app.query_one(CodeTree))["stimulus"].endswith("擴大內需 1")


@pytest.mark.slow
async def test_remove_with_choice_memo_undo_redo(project):
    doc = project.documents.document("C")
    turn = project.documents.turn(doc.id, 2)
    outer = project.codings.apply("C", "budget", "alice", span=(turn.start, turn.end))
    inner = project.codings.apply("C", "staffing", "alice", span=(turn.start + 2, turn.start + 6))
    text = project.documents.text(doc.id)
    app = _app(project)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("right_square_bracket", "right_square_bracket")  # A → B → C
        await pilot.pause()
        assert app.document_id == doc.id
        assert await _find_and_select(pilot, app, text[turn.start : turn.start + 4]) == (turn.start, turn.start + 4)
        await pilot.press("m")  # two codings here: choose the inner one
        await pilot.pause()
        chooser = app.screen.query_one("OptionList")
        assert chooser.option_count == 2
        await _down_to_option(pilot, chooser, inner.id)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press(*"人力不足")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert project.codings.get(inner.id).memo == "人力不足"
        assert "備忘已儲存" in _toasts(app)
        await pilot.press("x")
        await pilot.pause()
        chooser = app.screen.query_one("OptionList")
        assert chooser.option_count == 2
        await _down_to_option(pilot, chooser, outer.id)
        await pilot.press("enter")
        await pilot.pause()
        assert [c.id for c in project.codings.select()] == [inner.id]
        assert f"已移除：預算「{text[turn.start : turn.start + 19]}…」" in _toasts(app)  # cut short, and says so
        await pilot.press("u")
        await pilot.pause()
        assert {c.id for c in project.codings.select()} == {outer.id, inner.id}
        await pilot.press("U")
        await pilot.pause()
        assert [c.id for c in project.codings.select()] == [inner.id]
        assert len(app.codings) == 1


@pytest.mark.slow
async def test_segments_panel_lists_every_quote_of_a_code_and_jumps(project):
    a = project.codings.apply("A", "budget", "bob", turn=6)
    e = project.codings.apply("E", "budget", "bob", turn=4)
    app = _app(project)
    async with app.run_test(size=SIZE) as pilot:
        tree = app.query_one(CodeTree)
        await pilot.press("tab")  # from the transcript to the code tree
        await pilot.pause()
        assert app.focused is tree
        await _down_to_node(pilot, tree, "resources")  # a parent: its children's quotes too
        segments = app.query_one(SegmentsList)
        prompts = [str(segments.get_option_at_index(i).prompt) for i in range(segments.option_count)]
        assert len(prompts) == 2 and prompts[0].endswith("(A) bob") and prompts[1].endswith("(E) bob")
        await pilot.press("tab")  # on to the segments
        await pilot.pause()
        assert app.focused is segments
        await _down_to_option(pilot, segments, e.id)
        await pilot.press("enter")
        await pilot.pause()
        assert app.document_id == e.document_id
        assert app.view.selected_span == (e.start, e.end)
        assert app.focused is app.view
        del a


@pytest.mark.slow
async def test_search_screen_jumps_and_steps_through_hits(project):
    app = _app(project)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash")
        await pilot.pause()
        await pilot.press(*"就業e網")
        await pilot.press("enter")
        await pilot.pause()
        results = app.screen.query_one("#results")
        assert results.option_count > 3
        assert "就業ｅ網" in str(results.get_option_at_index(0).prompt) or "e網" in str(
            results.get_option_at_index(0).prompt
        )
        await pilot.press("enter")
        await pilot.pause()
        start, end = app.view.selected_span
        assert end > start and app.project.documents.text(app.document_id)[start:end] in (
            "就業ｅ網",
            "就業e網",
            "就業 e網",
        )
        first = (app.document_id, start)
        await pilot.press("n")
        await pilot.pause()
        assert (app.document_id, app.view.selected_span[0]) != first
        await pilot.press("N")
        await pilot.pause()
        assert (app.document_id, app.view.selected_span[0]) == first
        await pilot.press("6")  # the hit is selected, ready to code
        await pilot.pause()
        assert project.codings.select()[0].code_id == "budget"


async def test_search_bad_syntax_is_a_notification(project):
    app = _app(project)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("slash")
        await pilot.press(*'"unclosed')
        await pilot.press("enter")
        await pilot.pause()
        assert any("引號沒有成對" in t for t in _toasts(app)), _toasts(app)
        assert "引號沒有成對" in str(app.screen.query_one("#summary").render())


async def test_a_split_phrases_note_is_in_the_screens_language_and_whole_at_80_columns(project):
    app = _app(project)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("slash")
        await pilot.press(*"中央政府的補助")
        await pilot.press("enter")
        await pilot.pause()
        summary = app.screen.query_one("#summary")
        shown = "".join(str(summary.render()).split())  # its wrapped rows, as one line
        assert "沒有照原樣出現；改搜它的詞中央政府/的/補助" in shown, shown
        assert summary.size.height >= 2 and "does not occur" not in shown


@pytest.mark.slow
async def test_ratings_screen_sets_steps_notes_and_evidence(project):
    evidence = project.codings.apply("A", "central-support", "alice", quote="中央根本就是希望我們關掉")
    app = _app(project)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await pilot.pause()
        screen = app.screen
        table = screen.query_one("DataTable")
        row = [r.factor.id for r in screen.rows].index("central-support")
        assert table.cursor_coordinate == (0, 2)  # the first factor, case A
        await pilot.press(*["down"] * row)
        assert table.cursor_coordinate == (row, 2)
        await pilot.press("2")
        await pilot.pause()
        [rating] = project.ratings.select()
        assert (rating.case_id, rating.code_id, rating.facet_id, rating.step_id) == (
            "A",
            "central-support",
            "establishment",
            "medium",
        )
        assert "中" in str(table.get_cell_at(table.cursor_coordinate))
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert project.ratings.select()[0].evidence == (evidence.id,)
        assert "(1)" in str(screen.query_one("DataTable").get_cell_at(screen.query_one("DataTable").cursor_coordinate))
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"中央要我們關掉")
        await pilot.press("enter")
        await pilot.pause()
        assert project.ratings.select()[0].note == "中央要我們關掉"
        await pilot.press("f")  # next facet: content
        await pilot.pause()
        table = screen.query_one("#table-content")
        assert app.focused is table
        await pilot.press(*["down"] * (row - table.cursor_coordinate.row), "right")
        assert table.cursor_coordinate == (row, 3)  # case B
        await pilot.press("3")
        await pilot.pause()
        assert {(r.facet_id, r.case_id, r.step_id) for r in project.ratings.select()} == {
            ("establishment", "A", "medium"),
            ("content", "B", "strong"),
        }
        await pilot.press("0")
        await pilot.pause()
        assert len(project.ratings.select()) == 1
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.screen_stack[0]


async def test_only_mine_hides_other_coders(project):
    project.codings.apply("A", "budget", "bob", turn=6)
    project.codings.apply("A", "staffing", "alice", turn=8)
    app = _app(project)
    async with app.run_test(size=SIZE) as pilot:
        assert len(app.codings) == 2
        await pilot.press("o")
        await pilot.pause()
        assert [c.coder for c in app.codings] == ["alice"]
        assert "只顯示我的編碼" in _status(app)


async def test_help_language_and_remapped_keys(project):
    app = _app(project, keys={"search": "f"})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        help_text = str(app.screen.query_one("Static").render())
        for binding_id in (
            "pick-code",
            "select-turn",
            "remove-coding",
            "undo",
            "search",
            "ratings",
            "export",
            "apply-code-1",
            "refresh",
        ):
            assert f"[{binding_id}]" in help_text
        assert "代碼樹的數字：該代碼與其所有下層代碼的編碼數" in help_text  # a parent's count includes its children's
        assert "0.5 秒內自動顯示；ctrl+r 另外重新載入" in help_text
        await pilot.press("escape")
        await pilot.press("L")
        await pilot.pause()
        assert "coder alice" in _status(app)
        assert app.query_one(CodeTree).border_title == "Codes"
        await pilot.press("f")  # remapped search
        await pilot.pause()
        assert app.screen.__class__.__name__ == "SearchScreen"


@pytest.mark.slow
async def test_bad_actions_notify_and_change_nothing(project):
    from qualcode.codebook import Codebook
    from qualcode.model import Code

    project.codebook.replace(Codebook(codes=(Code(id="only", name="唯一", shortcut="1"),)))
    app = _app(project)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("1")  # nothing selected
        await pilot.press("5")  # no code has shortcut 5
        await pilot.press("x")  # nothing to remove
        await pilot.press("u")  # nothing to undo
        await pilot.pause()
        notes = " ".join(_toasts(app))
        assert "請先選取文字" in notes and "沒有對應的代碼" in notes and "沒有可復原的變更" in notes
        assert project.codings.select() == []
        await pilot.resize_terminal(40, 12)
        await pilot.press("down", "shift+right", "1", "c", "escape", "slash", "escape", "r", "escape")
        await pilot.pause()
        assert len(project.codings.select()) == 1


@pytest.mark.slow
async def test_reopens_where_the_coder_left_off(project):
    doc = project.documents.document("D")
    app = _app(project)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("left_square_bracket", "left_square_bracket")  # back from A, round to E, then D
        await pilot.pause()
        assert app.document_id == doc.id
        await pilot.press("down", "down", "down", "right", "right")
        offset = app.view.cursor_offset
        assert offset > 2
        await pilot.press("q")
    again = _app(project)
    async with again.run_test(size=SIZE):
        assert again.document_id == doc.id and again.view.cursor_offset == offset
    other = _app(project, coder="bob")
    async with other.run_test(size=SIZE):
        assert other.document_id == project.documents.document("A").id


@pytest.mark.slow
async def test_export_screen_writes_and_says_where(project, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    project.ratings.rate("A", "leader-attention", "強", coder="alice")
    app = _app(project)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("e")
        await pilot.pause()
        screen = app.screen
        assert app.focused is screen.query_one("#what")
        await pilot.press("tab", "enter")  # open the format menu
        await pilot.pause()
        await pilot.press("down", "enter")  # md → csv
        await pilot.pause()
        assert screen.query_one("#format").value == "csv"
        assert screen.query_one("#path").value == "exports/factor-strength.csv"
        await pilot.click("#go")
        await pilot.pause()
        written = tmp_path / "exports" / "factor-strength.csv"
        assert written.exists() and "主管重視程度" in written.read_text(encoding="utf-8-sig")
        assert str(written) in str(screen.query_one("#where").render())
        written.write_text("kept", encoding="utf-8")
        await pilot.click("#path")
        await pilot.press("enter")  # again, without overwrite: refused, file kept
        await pilot.pause()
        assert any("已存在" in t for t in _toasts(app)), _toasts(app)
        assert written.read_text(encoding="utf-8") == "kept"
        await pilot.click("#what")  # opens the menu of what to export
        await pilot.pause()
        await pilot.press("down", "down", "down", "enter")  # table → matrix → quotes → qdpx
        await pilot.pause()
        assert screen.query_one("#what").value == "qdpx"
        assert screen.query_one("#format").value == "qdpx"
        assert screen.query_one("#path").value == "exports/project.qdpx"
        await pilot.click("#path")
        await pilot.press("enter")
        await pilot.pause()
        assert (tmp_path / "exports" / "project.qdpx").stat().st_size > 10_000
