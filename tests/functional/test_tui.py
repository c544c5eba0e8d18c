"""The coding TUI driven as a person would, with Textual's Pilot; each test checks the database and the screen."""

from __future__ import annotations


from qualcode.tui.app import QualcodeApp
from qualcode.tui.widgets.panels import CodeTree, SegmentsList
from qualcode.tui.widgets.transcript import TranscriptView

SIZE = (150, 45)


def _app(project, coder="alice", **kwargs) -> QualcodeApp:
    return QualcodeApp(project, coder=coder, **kwargs)


def _notes(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


def _status(app) -> str:
    return str(app.query_one("#status").render())


async def _place_cursor(pilot, app, offset: int) -> None:
    app.view.select_span(offset, offset)
    await pilot.pause()


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


async def test_shift_arrows_and_a_shortcut_key_code_the_selection(project):
    app = _app(project)
    text = project.documents.text(project.documents.document("A").id)
    start = text.index("中央根本就是希望我們關掉")
    async with app.run_test(size=SIZE) as pilot:
        await _place_cursor(pilot, app, start)
        await pilot.press(*["shift+right"] * 12)
        assert app.view.selected_span == (start, start + 12)
        await pilot.press("7")  # 7 = central-support in the default codebook
        await pilot.pause()
        [coding] = project.codings.select()
        assert (coding.code_id, coding.start, coding.end, coding.coder) == ("central-support", start, start + 12, "alice")
        assert coding.text == "中央根本就是希望我們關掉"
        # the code tree count, the segments panel and the paint follow at once
        tree = app.query_one(CodeTree)
        assert str(tree._code_nodes["central-support"].label).endswith(" 1")
        segments = app.query_one(SegmentsList)
        assert any("中央根本就是希望我們關掉" in str(segments.get_option_at_index(i).prompt) for i in range(segments.option_count))
        row, column = app.view.textmap.location(start)
        styles = [s.style for s in app.view.get_line(row).spans if s.start <= column < s.end]
        assert any(getattr(s, "bgcolor", None) and s.bgcolor.name.lower() == "#db8b3e" for s in styles)


async def test_select_turn_and_sentence(project):
    app = _app(project)
    doc = project.documents.document("A")
    turn = project.documents.turn(doc.id, 6)
    text = project.documents.text(doc.id)
    async with app.run_test(size=SIZE) as pilot:
        await _place_cursor(pilot, app, turn.start + 5)
        await pilot.press("t")
        assert app.view.selected_span == (turn.start, turn.end)
        await pilot.press("6")
        await pilot.pause()
        assert [(c.code_id, c.start, c.end) for c in project.codings.select()] == [("budget", turn.start, turn.end)]
        sentence_start = text.index("但是這個跟民間比較起來")
        await _place_cursor(pilot, app, sentence_start + 3)
        await pilot.press("s")
        start, end = app.view.selected_span
        assert text[start:end] == "但是這個跟民間比較起來還是差得很遠。"


async def test_fuzzy_picker_by_english_name_and_new_code(project):
    app = _app(project)
    text = project.documents.text(project.documents.document("B").id)
    async with app.run_test(size=SIZE) as pilot:
        app.open_document(project.documents.document("B").id)
        start = text.index("擴大內需的經費")
        app.view.select_span(start, start + 7)
        await pilot.press("c")
        await pilot.press(*"Budget")
        await pilot.press("enter")
        await pilot.pause()
        assert [(c.code_id, c.text) for c in project.codings.select()] == [("budget", "擴大內需的經費")]
        # a new code, created from the picker, under a parent, then applied
        app.view.select_span(start, start + 4)
        await pilot.press("c")
        await pilot.press(*"擴大內需")
        await pilot.press("down", "down", "down", "down", "down", "down", "down", "down")
        picker = app.screen
        options = picker.query_one("OptionList")
        options.highlighted = options.option_count - 1  # the "+ new code" entry
        await pilot.press("enter")
        await pilot.pause()
        form = app.screen
        form.query_one("#id").value = "stimulus"
        await pilot.press("enter")
        await pilot.pause()
        assert project.codebook.code("stimulus").name == "擴大內需"
        assert {c.code_id for c in project.codings.select()} == {"budget", "stimulus"}
        assert "stimulus" in app.query_one(CodeTree)._code_nodes


async def test_remove_with_choice_memo_undo_redo(project):
    doc = project.documents.document("C")
    turn = project.documents.turn(doc.id, 2)
    outer = project.codings.apply("C", "budget", "alice", span=(turn.start, turn.end))
    inner = project.codings.apply("C", "staffing", "alice", span=(turn.start + 2, turn.start + 6))
    app = _app(project)
    async with app.run_test(size=SIZE) as pilot:
        app.open_document(doc.id, cursor=turn.start + 3)
        await pilot.pause()
        await pilot.press("m")  # two codings here: choose the inner one
        await pilot.pause()
        chooser = app.screen.query_one("OptionList")
        assert chooser.option_count == 2
        chooser.highlighted = [chooser.get_option_at_index(i).id for i in range(2)].index(inner.id)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press(*"人力不足")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert project.codings.get(inner.id).memo == "人力不足"
        await pilot.press("x")
        await pilot.pause()
        chooser = app.screen.query_one("OptionList")
        chooser.highlighted = [chooser.get_option_at_index(i).id for i in range(2)].index(outer.id)
        await pilot.press("enter")
        await pilot.pause()
        assert [c.id for c in project.codings.select()] == [inner.id]
        await pilot.press("u")
        await pilot.pause()
        assert {c.id for c in project.codings.select()} == {outer.id, inner.id}
        await pilot.press("U")
        await pilot.pause()
        assert [c.id for c in project.codings.select()] == [inner.id]
        assert len(app.codings) == 1


async def test_segments_panel_lists_every_quote_of_a_code_and_jumps(project):
    a = project.codings.apply("A", "budget", "bob", turn=6)
    e = project.codings.apply("E", "budget", "bob", turn=4)
    app = _app(project)
    async with app.run_test(size=SIZE) as pilot:
        tree = app.query_one(CodeTree)
        tree.focus()
        tree.move_cursor(tree._code_nodes["resources"])  # a parent: its children's quotes too
        await pilot.pause()
        segments = app.query_one(SegmentsList)
        prompts = [str(segments.get_option_at_index(i).prompt) for i in range(segments.option_count)]
        assert len(prompts) == 2 and prompts[0].endswith("(A) bob") and prompts[1].endswith("(E) bob")
        segments.focus()
        await pilot.pause()
        segments.highlighted = 1
        await pilot.press("enter")
        await pilot.pause()
        assert app.document_id == e.document_id
        assert app.view.selected_span == (e.start, e.end)
        assert app.focused is app.view
        del a


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
        assert "就業ｅ網" in str(results.get_option_at_index(0).prompt) or "e網" in str(results.get_option_at_index(0).prompt)
        await pilot.press("enter")
        await pilot.pause()
        start, end = app.view.selected_span
        assert end > start and app.project.documents.text(app.document_id)[start:end] in ("就業ｅ網", "就業e網", "就業 e網")
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
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash")
        await pilot.press(*'"unclosed')
        await pilot.press("enter")
        await pilot.pause()
        assert any("unbalanced quote" in n for n in _notes(app))
        assert "unbalanced quote" in str(app.screen.query_one("#summary").render())


async def test_ratings_screen_sets_steps_notes_and_evidence(project):
    evidence = project.codings.apply("A", "central-support", "alice", quote="中央根本就是希望我們關掉")
    app = _app(project)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await pilot.pause()
        screen = app.screen
        table = screen.query_one("DataTable")
        row = [r.factor.id for r in screen.rows].index("central-support")
        table.move_cursor(row=row, column=2)  # case A
        await pilot.press("2")
        await pilot.pause()
        [rating] = project.ratings.select()
        assert (rating.case_id, rating.code_id, rating.facet_id, rating.step_id) == ("A", "central-support", "establishment", "medium")
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
        table.move_cursor(row=row, column=3)  # case B
        await pilot.press("3")
        await pilot.pause()
        assert {(r.facet_id, r.case_id, r.step_id) for r in project.ratings.select()} == {
            ("establishment", "A", "medium"), ("content", "B", "strong")}
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
        for binding_id in ("pick-code", "select-turn", "remove-coding", "undo", "search", "ratings", "export", "apply-code-1"):
            assert f"[{binding_id}]" in help_text
        await pilot.press("escape")
        await pilot.press("L")
        await pilot.pause()
        assert "coder alice" in _status(app)
        assert app.query_one(CodeTree).border_title == "Codes"
        await pilot.press("f")  # remapped search
        await pilot.pause()
        assert app.screen.__class__.__name__ == "SearchScreen"


async def test_bad_actions_notify_and_change_nothing(project):
    from qualcode.codebook import Codebook
    from qualcode.model import Code

    project.codebook.replace(Codebook(codes=(Code(id="only", name="唯一", shortcut="1"),)))
    app = _app(project)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("1")  # nothing selected
        await pilot.press("5")  # no code has shortcut 5
        await pilot.press("x")  # nothing to remove
        await pilot.press("u")  # nothing to undo
        await pilot.pause()
        notes = " ".join(_notes(app))
        assert "請先選取文字" in notes and "沒有對應的代碼" in notes and "nothing to undo" in notes
        assert project.codings.select() == []
        await pilot.resize_terminal(40, 12)
        await pilot.press("down", "shift+right", "1", "c", "escape", "slash", "escape", "r", "escape")
        await pilot.pause()
        assert len(project.codings.select()) == 1


async def test_reopens_where_the_coder_left_off(project):
    doc = project.documents.document("D")
    app = _app(project)
    async with app.run_test(size=SIZE) as pilot:
        app.open_document(doc.id, cursor=200)
        await pilot.press("q")
    again = _app(project)
    async with again.run_test(size=SIZE):
        assert again.document_id == doc.id and again.view.cursor_offset == 200
    other = _app(project, coder="bob")
    async with other.run_test(size=SIZE):
        assert other.document_id == project.documents.document("A").id


async def test_export_screen_writes_and_says_where(project, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    project.ratings.rate("A", "leader-attention", "強", coder="alice")
    app = _app(project)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        await pilot.pause()
        screen = app.screen
        screen.query_one("#format").value = "csv"
        await pilot.pause()
        assert screen.query_one("#path").value == "exports/factor-strength.csv"
        await pilot.click("#go")
        await pilot.pause()
        written = tmp_path / "exports" / "factor-strength.csv"
        assert written.exists() and "主管重視程度" in written.read_text(encoding="utf-8-sig")
        assert str(written) in str(screen.query_one("#where").render())
        screen.query_one("#path").focus()
        await pilot.press("enter")  # again, without overwrite: refused, file kept
        await pilot.pause()
        assert any("already exists" in n for n in _notes(app))
        screen.query_one("#what").value = "qdpx"
        await pilot.pause()
        assert screen.query_one("#format").value == "qdpx"
        assert screen.query_one("#path").value == "exports/project.qdpx"
        screen.query_one("#path").focus()
        await pilot.press("enter")
        await pilot.pause()
        assert (tmp_path / "exports" / "project.qdpx").stat().st_size > 10_000
