"""The coding screen for a whole working day: any terminal size, both languages, the keyboard flow."""

from __future__ import annotations

import pytest

from qualcode.tui.app import QualcodeApp
from qualcode.tui.widgets.panels import CodeTree, DocumentsTree, SegmentsList


def _shown(app, widget_type) -> bool:
    """Is the panel on screen (displayed, with a non-empty region)?"""
    widget = app.query_one(widget_type)
    return widget.display and widget.region.width > 0 and widget.region.height > 0


TEXT_MEASURE = 100  # app.tcss: #transcript's max-width


def _text_columns(app) -> int:
    """How many columns the transcript has for text (its content width, the gutter excluded)."""
    view = app.view
    return view.content_size.width - view.gutter_width


@pytest.mark.parametrize(("size", "least"), [((80, 24), 50), ((100, 30), 60)])
async def test_a_narrow_terminal_gives_the_transcript_the_width_and_panels_lie_over_it(project, size, least):
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert _text_columns(app) >= least
        assert not _shown(app, DocumentsTree) and not _shown(app, CodeTree)
        width = _text_columns(app)
        await pilot.press("p")  # the codes and segments panel, over the transcript's right side
        await pilot.pause()
        assert _shown(app, CodeTree) and _shown(app, SegmentsList) and app.focused is app.query_one(CodeTree)
        assert _text_columns(app) == width  # the transcript did not reflow
        tree = app.query_one(CodeTree)
        assert tree.region.right <= size[0] and tree.region.x > 0
        await pilot.press("b")  # the cases panel instead: one overlay at a time
        await pilot.pause()
        assert _shown(app, DocumentsTree) and not _shown(app, CodeTree)
        await pilot.press("down", "down", "enter")  # from A's document (the tree follows the open one) to B's
        await pilot.pause()
        assert app.project.documents.document(app.document_id).case_id == "B"
        assert not _shown(app, DocumentsTree) and app.focused is app.view  # the overlay closed on choosing
        footer = " ".join(app.screen.query_one("Footer").key_texts())
        assert "代碼欄" in footer and "個案欄" in footer and "選本句" not in footer


@pytest.mark.slow
async def test_a_wide_terminal_shows_the_panels_beside_and_b_p_hide_them(project):
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        assert _shown(app, DocumentsTree) and _shown(app, CodeTree)
        beside = _text_columns(app)
        assert app.view.region.x >= app.query_one(DocumentsTree).region.right  # beside, not over
        # a reading measure: the transcript is at most TEXT_MEASURE cells wide, the code panel takes the rest
        assert app.view.region.width == TEXT_MEASURE and app.query_one(CodeTree).region.width > 46
        await pilot.press("b", "p")
        await pilot.pause()
        assert not _shown(app, DocumentsTree) and not _shown(app, CodeTree)
        assert _text_columns(app) == beside  # the measure holds: hiding a panel rewraps nothing
        await pilot.resize_terminal(150, 40)  # under the measure with both panels: hiding them gives it back
        await pilot.pause()
        await pilot.press("b", "p")
        await pilot.pause()
        assert _shown(app, DocumentsTree) and _shown(app, CodeTree)
        narrower = _text_columns(app)
        await pilot.press("b", "p")
        await pilot.pause()
        assert _text_columns(app) == beside > narrower + 10
        await pilot.press("p")
        await pilot.pause()
        assert _shown(app, CodeTree) and not _shown(app, DocumentsTree)
        await pilot.resize_terminal(90, 30)  # narrower: the panels become overlays, hidden
        await pilot.pause()
        assert not _shown(app, CodeTree) and _text_columns(app) >= 60
        await pilot.resize_terminal(150, 40)  # and back: beside again
        await pilot.pause()
        assert _shown(app, CodeTree) and _shown(app, DocumentsTree)


@pytest.mark.slow
async def test_ctrl_p_opens_the_command_palette_after_switching_language(project):
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=(150, 45)) as pilot:
        await pilot.press("L")
        await pilot.pause()
        assert app.language == "en"
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert type(app.screen).__name__ == "CommandPalette"
        await pilot.press("escape", "L", "ctrl+p")
        await pilot.pause()
        assert type(app.screen).__name__ == "CommandPalette"


async def test_down_from_the_query_lands_on_the_first_hit(project):
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=(150, 45)) as pilot:
        await pilot.press("slash", *"人力銀行")
        await pilot.press("down")  # searches (the query is new) and goes to the first hit, not the second
        await pilot.pause()
        screen = app.screen
        results = screen.query_one("#results")
        assert app.focused is results and results.highlighted == 0 and len(screen.hits) > 2
        first = screen.hits[0]
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is app.screen_stack[0]
        assert (app.document_id, *app.view.selected_span) == (first.document, first.start, first.end)


@pytest.mark.slow
async def test_enter_in_the_segments_panel_acts_on_the_first_item(project):
    document = project.documents.document("A")
    turn = project.documents.turn(document.id, 6)
    project.codings.apply("A", "budget", "alice", turn=6)
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=(150, 45)) as pilot:
        await pilot.pause()
        await pilot.press("slash", *project.documents.text(document.id)[turn.start + 3 : turn.start + 9], "enter")
        await pilot.press("enter", "left")  # the cursor inside the coding
        await pilot.pause()
        segments = app.query_one(SegmentsList)
        for _ in range(4):  # tab round to the segments panel
            if app.focused is segments:
                break
            await pilot.press("tab")
        assert app.focused is segments and segments.highlighted is None and segments.option_count == 1
        await pilot.press("enter")  # the coding listed: selected in the transcript
        await pilot.pause()
        assert app.focused is app.view and app.view.selected_span == (turn.start, turn.end)


async def test_the_case_tree_follows_the_open_document(project):
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=(150, 45)) as pilot:
        await pilot.pause()
        tree = app.query_one(DocumentsTree)
        assert tree.cursor_node.data == app.document_id
        await pilot.press("right_square_bracket", "right_square_bracket", "right_square_bracket")  # to D
        await pilot.pause()
        assert app.project.documents.document(app.document_id).case_id == "D"
        assert tree.cursor_node.data == app.document_id


def _code_labels(app) -> dict[str, str]:
    labels: dict[str, str] = {}

    def walk(node) -> None:
        for child in node.children:
            labels[child.data] = str(child.label)
            walk(child)

    walk(app.query_one(CodeTree).root)
    return labels


async def test_a_parent_counts_each_coded_passage_once_and_shows_its_own(project):
    project.codings.apply("A", "staffing", "alice", turn=6)
    project.codings.apply("A", "budget", "bob", turn=6)  # the same passage under a second child
    project.codings.apply("A", "budget", "alice", turn=8)
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=(150, 45)) as pilot:
        await pilot.pause()
        labels = _code_labels(app)
        assert labels["resources"].endswith("現有資源 2")  # turns 6 and 8, turn 6 once
        assert labels["budget"].endswith("預算 2") and labels["staffing"].endswith("人力 1")
        await pilot.press("t", "4")  # turn 1 coded with the parent itself (shortcut 4 is organisation: a child)
        await pilot.pause()
        project.codings.apply("A", "resources", "alice", turn=10)
        await pilot.press("ctrl+r")
        await pilot.pause()
        labels = _code_labels(app)
        assert labels["resources"].endswith("現有資源 4 (本身 1)")
        await pilot.press("L")  # English names and words in English mode
        await pilot.pause()
        labels = _code_labels(app)
        assert labels["resources"].endswith("Existing resources 4 (own 1)") and labels["budget"].endswith("Budget 2")
        await pilot.press("o")  # only mine: bob's budget on turn 6 no longer counts, alice's staffing there does
        await pilot.pause()
        assert _code_labels(app)["budget"].endswith("Budget 1")
        assert _code_labels(app)["resources"].endswith("Existing resources 4 (own 1)")


@pytest.mark.slow
async def test_y_copies_the_quote_with_its_citation(project):
    quote = "中央根本就是希望我們關掉"
    coding = project.codings.apply("A", "central-support", "alice", quote=quote)
    document = project.documents.document("A")
    number = next(t.number for t in project.documents.turns(document.id) if t.start <= coding.start < t.end)
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=(150, 45), notifications=True) as pilot:
        await pilot.press("slash", *"根本就是希望", "enter", "enter")  # selects those six characters
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert app.clipboard == f"「根本就是希望」(A, 第 {number} 輪)"
        assert any("已複製到剪貼簿" in str(t.render()) for t in app.screen.query("Toast, Flash"))
        await pilot.press("left", "y")  # no selection: the coding under the cursor, whole
        await pilot.pause()
        assert app.clipboard == f"「{quote}」(A, 第 {number} 輪)"
        await pilot.press("L", "y")
        await pilot.pause()
        assert app.clipboard == f"「{quote}」(A, turn {number})"
        await pilot.press("home", "ctrl+home")  # the document's start: nothing coded there
        await pilot.press("y")
        await pilot.pause()
        assert app.clipboard == f"「{quote}」(A, turn {number})"  # unchanged, and said so
        assert any("no quote to copy" in str(t.render()) for t in app.screen.query("Toast, Flash"))


async def test_first_run_asks_who_is_coding_once_and_keeps_the_config_file(project, tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text('# my settings\nlanguage = "zh"  # 中文介面\n', encoding="utf-8")
    monkeypatch.setenv("QUALCODE_CONFIG", str(config))
    app = QualcodeApp(project, coder="root", ask_coder=True)
    async with app.run_test(size=(150, 45)) as pilot:
        await pilot.pause()
        assert type(app.screen).__name__ == "LineScreen"
        await pilot.press("ctrl+u", *"蔡君蘋", "enter")
        await pilot.pause()
        assert app.screen is app.screen_stack[0] and app.coder == "蔡君蘋"
        assert "編碼者 蔡君蘋" in str(app.query_one("#status").render())
        await pilot.press("t", "5")  # and codes as that coder
        await pilot.pause()
    assert {c.coder for c in project.codings.select()} == {"蔡君蘋"}
    text = config.read_text(encoding="utf-8")
    assert text.startswith('# my settings\nlanguage = "zh"  # 中文介面\n') and 'coder = "蔡君蘋"' in text

    from qualcode.config import configured_coder

    assert configured_coder() == "蔡君蘋"  # so the next start does not ask


def test_the_cli_asks_only_when_no_coder_is_configured(demo_db, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from qualcode.cli import app as cli

    opened: list[QualcodeApp] = []
    monkeypatch.setattr(QualcodeApp, "run", lambda self: opened.append(self))
    config = tmp_path / "config.toml"
    monkeypatch.setenv("QUALCODE_CONFIG", str(config))
    for args, env, asks in [
        ([], None, True),
        (["--coder", "alice"], None, False),
        ([], "bob", False),
    ]:
        if env:
            monkeypatch.setenv("QUALCODE_CODER", env)
        result = CliRunner().invoke(cli, ["-p", str(demo_db), "tui", *args])
        assert result.exit_code == 0, result.output
        assert opened.pop().ask_coder is asks
        monkeypatch.delenv("QUALCODE_CODER", raising=False)
    config.write_text('coder = "carol"\n', encoding="utf-8")
    CliRunner().invoke(cli, ["-p", str(demo_db), "tui"])
    app = opened.pop()
    assert (app.ask_coder, app.coder) == (False, "carol")


async def test_the_language_choice_is_remembered(project, tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    monkeypatch.setenv("QUALCODE_CONFIG", str(config))
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=(150, 45)) as pilot:
        await pilot.press("L")
        await pilot.pause()
    from qualcode.config import load_config

    assert load_config()["language"] == "en"


@pytest.mark.slow
@pytest.mark.parametrize(("language", "word", "other"), [("zh", "返回", "Back"), ("en", "Back", "返回")])
async def test_other_screens_keys_speak_the_app_language(project, language, word, other):
    app = QualcodeApp(project, coder="alice", language=language)
    async with app.run_test(size=(150, 45)) as pilot:
        for key in ("slash", "v"):  # search, review: screens with a footer
            await pilot.press(key)
            await pilot.pause()
            footer = " ".join(app.screen.query_one("Footer").key_texts())
            assert word in footer and other not in footer, (key, footer)
            await pilot.press("escape")
            await pilot.pause()
        for key, words in (("e", {"zh": "返回", "en": "Back"}), ("c", {"zh": "取消", "en": "Cancel"})):  # dialogs
            await pilot.press("t", key)  # (the picker codes a selection)
            await pilot.pause()
            offered = {b.binding.description for b in app.screen.active_bindings.values()}
            assert words[language] in offered, (key, offered)
            await pilot.press("escape")
            await pilot.pause()


@pytest.mark.slow
@pytest.mark.parametrize("size", [(80, 24), (150, 45)])
async def test_the_transcript_keeps_its_scroll_position_across_screens_and_dialogs(project, size):
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=size) as pilot:
        await pilot.press("pagedown", "pagedown", "t")  # a turn selected further down
        await pilot.pause()
        app.view.scroll_to(y=app.view.scroll_y + 9, animate=False)  # then read on with the mouse wheel
        await pilot.pause()
        where = app.view.scroll_y
        assert where > 0
        for keys in (["c"], ["r"], ["slash"], ["question_mark"], ["e"], ["m"]):
            await pilot.press(*keys)
            await pilot.pause()
            assert app.screen is not app.screen_stack[0] or keys == ["m"], keys  # (m: no coding here, a toast)
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is app.screen_stack[0] and app.view.scroll_y == where, keys


async def test_the_footer_is_one_line_of_keys_and_a_click_on_a_key_presses_it(project):
    """The footer draws the screen's keys as text; clicking a key's cells runs it, as a keypress would."""
    from qualcode.tui.screens.help import HelpScreen

    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        footer = app.screen.query_one("Footer")
        line = "".join(segment.text for segment in footer.render_line(0))
        assert line.startswith(" ? 說明") and "^p" in line, line
        await pilot.click("Footer", offset=(1, 0))  # the cell of "?"
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        await pilot.click("Footer", offset=(footer.size.width - 3, 0))  # the command palette's key, on the right
        await pilot.pause()
        assert type(app.screen).__name__ == "CommandPalette"
