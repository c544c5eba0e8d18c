"""The code picker ranks by match quality: a code's exact id or name first, keyword and description matches
labelled and last but fuzzy ones; the highlighted row is the best match and Enter applies it."""

from __future__ import annotations

import unicodedata

import pytest
from test_tui import SIZE, _find_and_select  # tests/functional is on sys.path (pytest's rootdir-less import)
from textual import events

from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.code_picker import DESCRIPTION, EXACT, KEYWORD, KEYWORD_PART, NEW, CodePicker, rank

QUOTE = "中央根本就是希望我們關掉"


def test_every_code_ranks_first_by_its_exact_name_id_or_english_name(project):
    codes = project.codebook.codes()
    assert len(codes) == 25
    for code in codes:
        for query in (code.name, code.id, code.name_en, code.name_en.lower(), code.name_en.upper(), f" {code.name} "):
            best = rank(codes, query)[0]
            assert (best.code.id, best.tier) == (code.id, EXACT), query
    # 預算 is budget's name and a keyword of its parent resources (and inside legislature's 刪預算)
    assert [(m.code.id, m.tier, m.kind, m.text) for m in rank(codes, "預算")] == [
        ("budget", EXACT, "", ""),
        ("resources", KEYWORD, "keyword", "預算"),
        ("legislature", KEYWORD_PART, "keyword", "刪預算"),
    ]
    # within a tier, codebook order: 經費 is a keyword of resources and of budget
    assert [m.code.id for m in rank(codes, "經費")] == ["resources", "budget"]
    # a name's start beats a part of a name; search folding: 臺/台, width, Latin case, separators
    assert [m.code.id for m in rank(codes, "中央")][:3] == ["central-support", "positioning-central", "local-policy"]
    assert rank(codes, "ＢＵＤＧＥＴ")[0].code.id == "budget"
    best = rank(codes, "臺灣就業通")[0]  # its keyword is 台灣就業通
    assert (best.code.id, best.tier, best.text) == ("central-support", KEYWORD, "台灣就業通")
    assert rank(codes, "central support")[0].code.id == "central-support"
    assert rank(codes, "民眾對ICTs服務之需求")[0].code.id == "public-demand"
    # the definition: a Latin query must start a word there (ict is not found in districts)
    [closed] = rank(codes, "closed")
    assert (closed.code.id, closed.tier, closed.kind) == ("central-support", DESCRIPTION, "description")
    assert "sites closed and merged" in closed.text
    assert "urbanization" not in [m.code.id for m in rank(codes, "ICT")]
    assert rank(codes, "xyzzy") == []
    assert [m.code.id for m in rank(codes, "")] == [m.code.id for m in rank(codes, " - ")] == [c.id for c in codes]


async def _type_fast(pilot, text: str) -> None:
    """Keys in one burst, as a fast typist or an input method's commit delivers them (pilot.press waits for the
    app to settle after each key, ~50 ms): the same Key events the terminal driver posts, then one pause."""
    for ch in text:
        key = ch if ch.isalnum() else unicodedata.name(ch).lower().replace("-", "_").replace(" ", "_")
        pilot.app.post_message(events.Key(key, ch))
    await pilot.pause()


async def _pick(pilot, app, text: str, *, fast: bool = False) -> list[str]:
    """`c`, type the text, Enter; the picker closes. The prompts of its rows as they were before Enter."""
    await pilot.press("c")
    await pilot.pause()
    picker = app.screen
    assert isinstance(picker, CodePicker)
    if fast:
        await _type_fast(pilot, text)
    else:
        await pilot.press(*text)
    assert picker.query_one("#query").value == text
    options = picker.query_one("#matches")
    rows = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
    assert options.highlighted == 0
    await pilot.press("enter")
    await pilot.pause()
    assert not isinstance(app.screen, CodePicker)
    return rows


async def _pick_and_check(pilot, app, text: str, code_id: str, span: tuple[int, int], **kwargs) -> list[str]:
    """Pick by `text`: exactly one new coding, of `code_id` on `span` (checked in the database)."""
    before = {c.id for c in app.project.codings.select()}
    rows = await _pick(pilot, app, text, **kwargs)
    [new] = [c for c in app.project.codings.select() if c.id not in before]
    assert (new.code_id, new.start, new.end, new.coder) == (code_id, *span, "alice"), (text, rows[:3])
    return rows


@pytest.mark.slow
async def test_the_picker_applies_the_best_match_not_a_parent_with_that_keyword(project):
    turn = project.documents.turn(project.documents.document("A").id, 1)
    span = (turn.start, turn.end)
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")  # the first turn
        assert app.view.selected_span == span
        rows = await _pick_and_check(pilot, app, "預算", "budget", span)  # keys one by one
        assert rows[0].startswith("■ 6 現有資源 › 預算  budget")
        assert "現有資源  resources" in rows[1] and rows[1].endswith("關鍵詞：預算")
        assert "立法機關之意向  legislature" in rows[2] and rows[2].endswith("關鍵詞：刪預算")
        assert rows[-1] == "＋ 新增代碼「預算」"
        await pilot.press("u")
        await pilot.pause()
        assert project.codings.select() == []
        rows = await _pick_and_check(pilot, app, "closed", "central-support", span, fast=True)  # in a definition
        assert len(rows) == 2 and "定義：" in rows[0] and "sites closed and merged" in rows[0]
        assert app.view.selected_span == span


@pytest.mark.slow
async def test_every_code_through_the_picker_by_id_and_by_name(project):
    """Every code of the bundled codebook, one picker each: its id highlights it; then its Chinese name, Enter."""
    codes = project.codebook.codes()
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=SIZE) as pilot:
        span = await _find_and_select(pilot, app, QUOTE)
        for code in codes:
            await pilot.press("c")
            await pilot.pause()
            await _type_fast(pilot, code.id)
            options = app.screen.query_one("#matches")
            assert options.get_option_at_index(options.highlighted).id == code.id
            await pilot.press("ctrl+u")
            await pilot.pause()
            assert options.highlighted == 0 and options.option_count == len(codes)  # the empty query: every code
            before = {c.id for c in project.codings.select()}
            await _type_fast(pilot, code.name)
            await pilot.press("enter")
            await pilot.pause()
            [new] = [c for c in project.codings.select() if c.id not in before]
            assert (new.code_id, new.start, new.end) == (code.id, *span), code.name
        assert sorted(c.code_id for c in project.codings.select()) == sorted(c.id for c in codes)


@pytest.mark.slow
async def test_new_code_is_offered_last_and_highlighted_when_nothing_matches(project):
    app = QualcodeApp(project, coder="alice", language="en")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t", "c")
        await pilot.pause()
        await pilot.press(*"預算")
        options = app.screen.query_one("#matches")
        assert str(options.get_option_at_index(1).prompt).endswith("keyword: 預算")
        assert options.get_option_at_index(options.option_count - 1).id == NEW
        await pilot.press("ctrl+u", *"qq")
        assert options.option_count == 1 and options.highlighted == 0
        assert options.get_option_at_index(0).id == NEW
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "NewCodeScreen"
        assert app.screen.query_one("#name").value == "qq"


@pytest.mark.slow
async def test_the_picker_and_search_come_back_fresh_though_they_are_kept(project):
    """Both dialogs are built once and shown again: the picker opens empty with every code (and a code created
    meanwhile); search shows the query left in it, searched again, so a coding made since is in its results."""
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t", "c")
        await pilot.pause()
        picker = app.screen
        await pilot.press(*"budget")
        assert picker.query_one("#matches").option_count < 25
        await pilot.press("escape", "c")
        await pilot.pause()
        assert app.screen is picker  # the same screen, reset
        assert picker.query_one("#query").value == ""
        assert picker.query_one("#matches").option_count == 25 and picker.query_one("#matches").highlighted == 0
        await pilot.press(*"新碼", "enter")  # nothing matches: the new-code row is the best
        await pilot.pause()
        await pilot.press("enter")  # the new-code dialog's defaults
        await pilot.pause()
        assert any(c.name == "新碼" for c in project.codebook.codes())
        await pilot.press("c")
        await pilot.pause()
        assert app.screen is not picker  # the codes changed: built anew, with the new code
        assert app.screen.query_one("#matches").option_count == 26
        await pilot.press("escape")

        await _find_and_select(pilot, app, QUOTE)  # `/`, the quote, Enter, Enter: it is selected
        search = app.kept_screens["search"]
        await pilot.press("1")  # coded with code 1
        await pilot.press("slash")
        await pilot.pause()
        assert app.screen is search and search.query_one("#query").value == QUOTE
        await pilot.click("#coded")  # coded passages only
        await pilot.pause()
        assert search.query_one("#results").option_count == 1
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("x")  # remove the coding under the cursor
        await pilot.pause()
        await pilot.press("slash")
        await pilot.pause()
        assert app.screen is search and search.query_one("#query").value == QUOTE
        assert search.query_one("#results").option_count == 0  # searched again: the removed coding is gone
        assert app.focused is search.query_one("#query")
