"""The codebook's help on the coding screen: `w` underlines its keywords (the status line names their codes),
`g` suggests codes for the sentence under the cursor and a number applies one (marked "suggested")."""

from __future__ import annotations

import json

import pytest

from qualcode.tui.app import QualcodeApp


def _drawn(app, widget) -> str:
    return "".join(segment.text for y in range(widget.size.height) for segment in widget.render_line(y))


def _underlined_text(app) -> str:
    """The transcript's characters drawn underlined, row by row as on the screen."""
    view = app.view
    out = []
    for y in range(view.size.height):
        for segment in view.render_line(y):
            if segment.style is not None and segment.style.underline and not segment.style.bold:
                out.append(segment.text)
        out.append("\n")
    return "".join(out)


@pytest.mark.parametrize("language", ["zh", "en"])
async def test_w_underlines_the_codebook_keywords_and_the_status_names_their_codes(project, language):
    document = project.documents.document("A")
    spans = project.keywords.spans(document.id)
    start, end, keyword, _codes = spans[0]
    assert project.documents.text(document.id)[start:end] == keyword == "就業服務處"  # in A's heading
    app = QualcodeApp(project, coder="alice", language=language)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await pilot.pause()
        assert "就業服務處" not in _underlined_text(app)
        await pilot.press("w")
        await pilot.pause()
        assert "就業服務處" in _underlined_text(app)
        app.view.select_span(start + 1, start + 1)  # the cursor inside the keyword
        await pilot.pause()
        status = _drawn(app, app.query_one("#status"))
        name = {"zh": "組織結構", "en": "Organisation"}[language]
        word = {"zh": "關鍵詞", "en": "keyword"}[language]
        assert word in status and name.lower() in status.lower(), status
        await pilot.press("w")
        await pilot.pause()
        assert "就業服務處" not in _underlined_text(app)
        assert word not in _drawn(app, app.query_one("#status"))


@pytest.mark.slow
async def test_g_suggests_codes_for_the_sentence_and_a_number_applies_one_marked_suggested(project):
    document = project.documents.document("A")
    sentence = project.documents.sentence_at(document.id, 21, None)
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await pilot.pause()
        app.view.select_span(21, 21)  # in A's heading: 受訪單位：臺北市政府勞工局就業服務處
        await pilot.press("g")
        await pilot.pause()
        strip = app.query_one("#suggestions")
        shown = _drawn(app, strip)
        assert shown.startswith("建議（本句）") and " 1  組織結構" in shown, shown
        assert project.codings.select() == []  # shown, never applied on their own
        await pilot.press("1")
        await pilot.pause()
        [coding] = project.codings.select()
        assert (coding.code_id, coding.coder, (coding.start, coding.end)) == ("organization", "alice", sentence)
        event = project.events(1)[0]
        assert event["action"] == "code" and json.loads(event["payload"])["provenance"] == "suggested"
        await pilot.press("u")  # an ordinary coding: undone as any other
        await pilot.pause()
        assert project.codings.select() == []
        await pilot.press("g")  # off: the strip goes and 1 is code 1's shortcut again
        await pilot.pause()
        assert not strip.display
        await pilot.press("1")
        await pilot.pause()
        assert project.codings.select() == []  # nothing selected: the shortcut has nothing to code


async def test_suggestions_learn_only_from_the_coder_in_blind_coding(project, monkeypatch):
    """Blind coding must not reveal what others coded: the model is trained on the coder's own codings."""
    asked = []
    real = project.suggest.for_span

    def spy(*args, **kwargs):
        asked.append(kwargs.get("coder"))
        return real(*args, **kwargs)

    monkeypatch.setattr(project.suggest, "for_span", spy)
    for blind, expected in ((True, "alice"), (False, None)):
        asked.clear()
        app = QualcodeApp(project, coder="alice", blind=blind)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            await pilot.press("g")
            await pilot.pause()
        assert asked == [expected]


async def test_the_search_box_completes_an_at_code_and_finds_its_keywords(project):
    """`@` then part of a code's id or name: the codes it may mean are listed, right arrow completes it, and
    Enter searches that code's names and keywords (budget's include 經費, which A speaks of)."""
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("slash")
        await pilot.pause()
        screen = app.screen
        await pilot.press(*"@bud")
        await pilot.pause()
        summary = _drawn(app, screen.query_one("#summary"))
        assert "@budget 預算" in summary, summary
        await pilot.press("right")  # take the inline completion
        await pilot.pause()
        assert screen.query_one("#query").value == "@budget"
        await pilot.press("enter")
        await pilot.pause()
        results = screen.query_one("#results")
        assert results.option_count > 0
        texts = [str(results.get_option_at_index(i).prompt) for i in range(results.option_count)]
        assert any("經費" in t or "預算" in t for t in texts)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("slash")
        await pilot.pause()
        assert screen.query_one("#query").value == "@budget"  # the search screen keeps its query
        await pilot.press("home", "ctrl+k")  # emptied as a person would
        await pilot.press(*"@預")
        await pilot.pause()
        await pilot.press("right")
        await pilot.pause()
        assert screen.query_one("#query").value == "@預算"
