"""Team coding in the TUI: the adjudication screen (d) and blind coding (--blind, `blind = true`)."""

from __future__ import annotations

import pytest
from rich.text import Text
from textual.widgets import OptionList

from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.adjudicate import OVERLAP_STYLE, AdjudicateScreen, coder_style
from qualcode.tui.widgets.panels import CodeTree

SIZE = (150, 45)
QUOTE = "中央根本就是希望我們關掉"


def _code_two(project):
    """alice and bob disagree on four units (segments): staffing twice (their turn-8 codings overlap by 20 of
    the characters), budget (only bob) and central-support (only alice); they agree on turn 6's leader-priority."""
    document = project.documents.document("A")
    turn8 = project.documents.turn(document.id, 8)
    start = turn8.start
    project.codings.apply("A", "staffing", "alice", span=(start, start + 40))
    project.codings.apply("A", "staffing", "bob", span=(start + 20, turn8.end))
    project.codings.apply("A", "budget", "bob", turn=6)
    project.codings.apply("A", "central-support", "alice", quote=QUOTE)
    for coder in ("alice", "bob"):
        project.codings.apply("A", "leader-priority", coder, turn=6)
    return document, turn8


def _toasts(app) -> str:
    return " ".join(str(toast.render()) for toast in app.screen.query("Toast, Flash"))


def _rows(screen) -> list[str]:
    listing = screen.query_one("#adjudicate-list")
    return [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]


def _highlighted(screen) -> str:
    listing = screen.query_one("#adjudicate-list")
    return str(listing.get_option_at_index(listing.highlighted).prompt)


def _summary(screen) -> str:
    return str(screen.query_one("#adjudicate-summary").render())


def _consensus(project) -> set[tuple[str, int, int]]:
    return {(c.code_id, c.start, c.end) for c in project.codings.select(coder="consensus")}


def _styled(text: Text, style: str) -> list[str]:
    """The passages of a rich Text drawn in `style`."""
    return [text.plain[span.start : span.end] for span in text.spans if str(span.style) == style]


@pytest.mark.slow
async def test_decide_with_keys_counts_follow_and_u_undoes_the_consensus_coder(project):
    document, turn8 = _code_two(project)
    start, end = turn8.start, turn8.end
    project.codings.apply("A", "legislature", "bob", turn=10)
    alice_last = project.codings.apply("A", "legislature", "alice", turn=10)  # the main screen's u undoes this
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("d")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AdjudicateScreen)
        rows = _rows(screen)
        # per code: a header with its counts, then its units; every row with its code, case, votes and passage
        assert [r.split(" 已裁決")[0] for r in rows if "已裁決" in r] == [
            "■ 人力",
            "■ 預算",
            "■ 中央政府對於地方政府支持程度",
        ]
        assert rows[0].endswith("已裁決 0 / 2") and rows[3].endswith("已裁決 0 / 1")
        assert rows[1].startswith("· ■ 人力 (A) alice ✓ bob ✗ 「")
        assert rows[2].startswith("· ■ 人力 (A) alice ✗ bob ✓ 「")
        assert rows[4].startswith("· ■ 預算 (A) alice ✗ bob ✓ 「")
        assert "alice ✓ bob ✗ 「" + QUOTE + "」" in rows[6]
        assert not any("主管對政策的重視" in r for r in rows)  # they agree there
        assert _summary(screen).startswith("已裁決 0 / 4") and "alice, bob" in _summary(screen)
        assert _highlighted(screen) == rows[1]

        await pilot.press("2")  # keep bob's coding of the first unit
        await pilot.pause()
        assert _consensus(project) == {("staffing", start + 20, end)}
        rows = _rows(screen)
        assert rows[1].startswith("✓ ■ 人力") and rows[0].endswith("已裁決 1 / 2")
        assert _summary(screen).startswith("已裁決 1 / 4")
        assert _highlighted(screen) == rows[2]  # the next unreviewed one
        assert "已裁決（採用 bob）：寫入 1 筆共識編碼" in _toasts(app)

        await pilot.press("i")  # where both coded: the 20 characters they share
        await pilot.pause()
        assert _consensus(project) == {("staffing", start + 20, end), ("staffing", start + 20, start + 40)}
        assert _highlighted(screen).startswith("· ■ 預算")
        await pilot.press("x")  # drop budget: nothing written, but decided
        await pilot.pause()
        assert not any(code == "budget" for code, _, _ in _consensus(project))
        assert _rows(screen)[4].startswith("✓ ■ 預算")
        await pilot.press("b")  # both: alice's quote, the only coding there
        await pilot.pause()
        quote_start = project.documents.text(document.id).index(QUOTE)
        assert ("central-support", quote_start, quote_start + len(QUOTE)) in _consensus(project)
        assert _summary(screen).startswith("已裁決 4 / 4")
        assert [r[0] for r in _rows(screen)] == ["■", "✓", "✓", "■", "✓", "■", "✓"]
        await pilot.press("b")  # decided already: refused, nothing written twice
        await pilot.pause()
        assert "這一筆已裁決" in _toasts(app)

        await pilot.press("u")  # undo the last adjudication: central-support
        await pilot.pause()
        assert not any(code == "central-support" for code, _, _ in _consensus(project))
        assert _highlighted(screen).startswith("· ■ 中央政府")
        assert _summary(screen).startswith("已裁決 3 / 4")
        await pilot.press("u")  # and the drop before it
        await pilot.pause()
        assert _rows(screen)[4].startswith("· ■ 預算") and _highlighted(screen).startswith("· ■ 預算")
        assert "已復原：「預算」的裁決「" in _toasts(app) and "undid" not in _toasts(app)

        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.screen_stack[0]
        await pilot.press("u")  # the main screen's undo is alice's, not the consensus coder's
        await pilot.pause()
        assert alice_last.id not in {c.id for c in project.codings.select(coder="alice")}
        assert _consensus(project) == {("staffing", start + 20, end), ("staffing", start + 20, start + 40)}


async def test_preview_colours_each_coder_and_enter_jumps_to_the_passage(project):
    document, turn8 = _code_two(project)
    text = project.documents.text(document.id)
    start = turn8.start
    app = QualcodeApp(project, coder="alice", language="en")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("d")
        await pilot.pause()
        screen = app.screen
        assert _summary(screen).startswith("0 / 4 reviewed")
        preview = screen.query_one("#adjudicate-preview").content
        assert isinstance(preview, Text)
        # the first unit is alice's segment: her 20 characters alone, the 20 they share, bob's part alone
        assert _styled(preview, coder_style(0)) == [text[start : start + 20]]
        assert _styled(preview, OVERLAP_STYLE) == [text[start + 20 : start + 40]]
        assert _styled(preview, coder_style(1)) == [text[start + 40 : turn8.end]]
        assert text[start - 30 : start] in preview.plain  # with context
        legend = screen.query_one("#adjudicate-legend").content
        assert _styled(legend, coder_style(0)) == [" alice "] and _styled(legend, coder_style(1)) == [" bob "]
        assert str(screen.query_one("#adjudicate-preview-box").border_title) == "Preview · Staffing (A)"

        await pilot.press("t")  # sentences: the units change, the decisions are per unit
        await pilot.pause()
        assert "unit: sentence" in _summary(screen)
        await pilot.press("t", "t")
        await pilot.pause()
        assert "unit: segment" in _summary(screen)

        await pilot.press("down")
        await pilot.pause()
        assert _highlighted(screen).startswith("· ■ Staffing (A) alice ✗ bob ✓")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is app.screen_stack[0]
        assert app.document_id == document.id
        assert app.view.selected_span == (start + 20, turn8.end)
        assert project.codings.select(coder="consensus") == []


async def test_fewer_than_two_coders_is_a_notification_not_a_traceback(project):
    project.codings.apply("A", "budget", "alice", turn=6)
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, AdjudicateScreen)
        assert "需要兩位以上的編碼者" in _toasts(app)
        assert "需要兩位以上的編碼者" in _rows(app.screen)[0]
        await pilot.press("2", "b", "u")
        await pilot.pause()
        assert "編碼者「consensus」沒有可復原的變更" in _toasts(app)
        assert project.codings.select(coder="consensus") == []


async def test_the_consensus_coder_is_named_by_the_app(project):
    _code_two(project)
    app = QualcodeApp(project, coder="alice", consensus="仲裁")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("d")
        await pilot.pause()
        assert "「仲裁」" in str(app.screen.query_one("#adjudicate-title").render())
        await pilot.press("1")
        await pilot.pause()
        assert len(project.codings.select(coder="仲裁")) == 1 and project.codings.select(coder="consensus") == []


# -- blind coding ---------------------------------------------------------------------------------
async def test_blind_shows_only_my_codings_and_o_does_not_reveal_the_others(project):
    _code_two(project)
    app = QualcodeApp(project, coder="alice", blind=True)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        assert {c.coder for c in app.codings} == {"alice"}
        status = str(app.query_one("#status").render())
        assert "盲編" in status
        labels = {node.data: str(node.label) for node in app.query_one(CodeTree).root.children}
        assert labels["resources"].endswith(" 1")  # alice's staffing; bob's staffing and budget are not counted
        await pilot.press("o")
        await pilot.pause()
        assert app.only_mine and {c.coder for c in app.codings} == {"alice"}
        assert "盲編模式" in _toasts(app) and "盲編" in str(app.query_one("#status").render())
        await pilot.press("d")  # the adjudication screen shows every coder: not while blind
        await pilot.pause()
        assert app.screen is app.screen_stack[0] and "不能裁決" in _toasts(app)


@pytest.mark.slow
@pytest.mark.parametrize("blind", [True, False])
async def test_blind_search_offers_only_my_coder_and_shows_only_my_codes(project, blind):
    document, turn8 = _code_two(project)
    app = QualcodeApp(project, coder="alice", blind=blind)
    text = project.documents.text(document.id)
    only_bob = text[turn8.end - 8 : turn8.end - 2]  # inside bob's staffing coding, past alice's
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"銀行投入", "enter")  # in turn 6: bob's budget, leader-priority of both
        await pilot.pause()
        screen = app.screen
        choices = screen.query_one("#coder").query_one(OptionList)  # the Select's drop-down
        coders = [str(choices.get_option_at_index(i).prompt) for i in range(choices.option_count)]
        assert coders == (["所有編碼者", "alice"] if blind else ["所有編碼者", "alice", "bob"])
        first = str(screen.query_one("#results").get_option_at_index(0).prompt)
        assert first.startswith("(A)   6 答")
        assert first.endswith("[leader-priority]" if blind else "[budget, leader-priority]")
        screen.query_one("#code").value = "budget"  # among budget codings: bob's only
        await pilot.pause()
        assert len(screen.hits) == (0 if blind else 1)
        await pilot.press("ctrl+f", *["backspace"] * 4, *only_bob, "enter")
        await pilot.pause()
        screen.query_one("#code").value = "staffing"
        await pilot.pause()
        assert [(h.start, h.end) for h in screen.hits] == ([] if blind else [(turn8.end - 8, turn8.end - 2)])


def test_blind_and_the_consensus_coder_reach_the_app_from_the_cli_and_the_config(demo_db, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from qualcode.cli import app as cli

    opened: list[QualcodeApp] = []
    monkeypatch.setattr(QualcodeApp, "run", lambda self: opened.append(self))
    config = tmp_path / "config.toml"
    monkeypatch.setenv("QUALCODE_CONFIG", str(config))

    def tui(*args: str) -> QualcodeApp:
        result = CliRunner().invoke(cli, ["-p", str(demo_db), "tui", "--coder", "alice", *args])
        assert result.exit_code == 0, result.output
        return opened.pop()

    app = tui()
    assert (app.blind, app.only_mine, app.consensus, app.coder) == (False, False, "consensus", "alice")
    assert tui("--blind").blind and tui("--blind").only_mine
    config.write_text('blind = true\nconsensus = "仲裁"\n', encoding="utf-8")
    app = tui()
    assert (app.blind, app.consensus) == (True, "仲裁")
    assert not tui("--no-blind").blind
    config.write_text('blind = "yes"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["-p", str(demo_db), "tui"])
    assert result.exit_code == 2 and "blind must be true or false" in result.output
    assert opened == []


@pytest.mark.slow
async def test_main_screen_keys_do_nothing_on_other_screens(project):
    """On the adjudication or ratings screen, the transcript's keys (x remove, r ratings, / search…) would act
    on a transcript the user cannot see: they are off there, and the footer does not offer them."""
    _code_two(project)
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")  # turn 1 selected on the main screen
        await pilot.press("1")  # and coded with shortcut 1
        await pilot.pause()
        mine = {c.id for c in project.codings.select(coder="alice")}
        await pilot.press("d")
        await pilot.pause()
        adjudicate = app.screen
        assert isinstance(adjudicate, AdjudicateScreen)
        await pilot.press("r", "slash", "e", "v", "o")
        await pilot.pause()
        assert app.screen is adjudicate and not app.only_mine
        footer = " ".join(app.screen.query_one("Footer").key_texts())
        assert "評定" not in footer and "搜尋" not in footer and "返回" in footer
        await pilot.press("escape", "r")
        await pilot.pause()
        assert type(app.screen).__name__ == "RatingsScreen"
        await pilot.press("s", "m", "c")  # the transcript's sentence, memo and picker: nothing happens
        await pilot.pause()
        assert type(app.screen).__name__ == "RatingsScreen"
        await pilot.press("escape", "left", "x")  # on the main screen x removes the coding under the cursor
        await pilot.pause()
        assert {c.id for c in project.codings.select(coder="alice")} < mine
