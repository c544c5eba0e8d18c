"""Rows drawn once and kept: the transcript draws each wrapped row from that row's own characters (textual_adapter.FastWrapTextArea's
`_render_line` and TranscriptView.get_section): every row must be exactly the row Textual's TextArea draws by
styling the whole line (TranscriptView.get_line) and dividing it, whatever the text (CJK, characters outside the
BMP, empty lines, tabs), codings, keywords, speaker labels, selection, cursor, focus, width and scroll."""

from __future__ import annotations

import html
import random
import re
from types import SimpleNamespace

from textual.app import App, ComposeResult
from textual.widgets import Button, TextArea

from qualcode.tui.app import QualcodeApp
from qualcode.tui.widgets.panels import CodeTree
from qualcode.tui.widgets.transcript import Paint, TranscriptView

CHARACTERS = "中央根本就是希望我們關掉，。、「」（）？！ab cd 12 𠀋𡃁問答"
COLORS = ["#ff0000", "#00aa00", "#3355ff", "#eeeeee"]


class OneTranscript(App):
    def compose(self) -> ComposeResult:
        yield TranscriptView(id="transcript")
        yield Button("elsewhere", id="elsewhere")


def _case(rng: random.Random) -> tuple[str, list, list[Paint], list[tuple[int, int]]]:
    lines = []
    for _ in range(rng.randint(1, 7)):
        size = rng.choice([0, 1, 7, 45, 130, 290])
        line = "".join(rng.choice(CHARACTERS) for _ in range(size))
        if size and rng.random() < 0.1:
            line = line[: size // 2] + "\t" + line[size // 2 :]  # drawn by Textual's own path: must agree too
        lines.append(line)
    text = "\n".join(lines)
    starts, at = [], 0
    for line in lines:
        starts.append(at)
        at += len(line) + 1
    turns = [
        SimpleNamespace(start=start + min(len(line), rng.randint(0, 3)), speaker=rng.choice("問答X"))
        for start, line in zip(starts, lines, strict=True)
        if rng.random() < 0.7
    ]
    paints = []
    for i in range(rng.randint(0, 12)):
        a = rng.randint(0, len(text))
        b = min(len(text), a + rng.choice([1, 3, 20, 200]))
        if a < b:
            paints.append(Paint(a, b, rng.choice(COLORS), f"{i:03}", f"c{i}"))
    keywords = []
    for _ in range(rng.randint(0, 4)):
        a = rng.randint(0, len(text))
        keywords.append((a, min(len(text), a + rng.randint(1, 6))))
    return text, turns, paints, keywords


def _cells(strip) -> list[tuple[str, object]]:
    return [(segment.text, segment.style) for segment in strip]


async def test_every_row_is_the_row_textual_draws_from_the_whole_line():
    rng = random.Random(20261127)
    checked = 0
    for size in ((44, 16), (90, 24)):
        app = OneTranscript()
        async with app.run_test(size=size) as pilot:
            view = app.query_one(TranscriptView)
            view.cursor_blink = False
            for _ in range(25):
                text, turns, paints, keywords = _case(rng)
                view.show_document(text, turns, paints)
                view.set_keywords(keywords)
                a, b = sorted((rng.randint(0, len(text)), rng.randint(0, len(text))))
                view.select_span(*(rng.choice([(a, b), (b, a), (a, a)])))
                if rng.random() < 0.5:
                    view.focus()
                else:
                    app.query_one("#elsewhere").focus()
                await pilot.pause()
                top = rng.randint(0, max(0, view.wrapped_document.height - 1))
                view.scroll_to(y=top, animate=False, immediate=True)
                await pilot.pause()
                for y in range(view.scrollable_content_region.height):
                    ours = view._render_line(y)
                    textual = TextArea._render_line(view, y)
                    assert _cells(ours) == _cells(textual), (text, y)
                    checked += 1
    assert checked > 500  # rows of many documents were compared, not a handful


def _screen_text(app) -> str:
    """What the screen shows, without spaces (a screenshot splits a row into runs of one style)."""
    svg = app.export_screenshot()
    return re.sub(r"\s+", "", html.unescape("".join(re.findall(r">([^<>]+)</text>", svg))))


async def test_the_code_tree_on_screen_follows_counts_and_language_across_focus_changes(project):
    """The trees keep rows drawn while they gain and lose the focus (textual_adapter.SteadyRows): what the
    screen shows must still be every change of a row: a count after a coding, the names after `L`, back."""
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=(150, 45)) as pilot:
        await pilot.pause()
        assert "6預算0" in _screen_text(app)
        await pilot.press("p", "p")  # hidden, then shown with the focus on the code tree: rows kept
        await pilot.pause()
        assert "6預算0" in _screen_text(app) and app.focused is app.query_one(CodeTree)
        await pilot.press("p", "t", "6", "p")  # back to the transcript, code turn 1 with budget, the tree again
        await pilot.pause()
        shown = _screen_text(app)
        assert "6預算1" in shown and "現有資源1" in shown and "6預算0" not in shown
        await pilot.press("L")
        await pilot.pause()
        shown = _screen_text(app)
        assert "6Budget1" in shown and "6預算" not in shown
        await pilot.press("L", "p", "p")
        await pilot.pause()
        shown = _screen_text(app)
        assert "6預算1" in shown and "6Budget" not in shown
        assert project.codings.counts()["budget"] == 1
