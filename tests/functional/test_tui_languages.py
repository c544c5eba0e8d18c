"""Both languages, completely: every screen in Chinese shows no English prose, and in English no Chinese chrome.

A screen is read as the user sees it: the text of Textual's own screenshot (every cell drawn), not widget state.
"""

from __future__ import annotations

import html
import re

import pytest

from qualcode.services.history import UNDOABLE
from qualcode.tui.app import QualcodeApp
from qualcode.tui.i18n import LABELS

# Words that are not prose: key names, formats, file and program names, the palette's own label.
NOT_PROSE = {
    "esc", "Esc", "enter", "Enter", "tab", "shift", "ctrl", "palette", "keys", "TUI", "RRGGBB", "qualcode", "config", "toml",
    "blind", "false", "true", "CSV", "csv", "YAML", "JSON", "REFI", "QDA", "qdpx", "xlsx", "docx", "md", "html",
    "Markdown", "Word", "Excel", "HTML", "ICTs", "png", "svg", "PNG", "SVG", "db", "alice", "bob", "consensus",
}  # fmt: skip


def _english_words(text: str, also: set[str]) -> list[str]:
    text = re.sub(r"\S*[/.]\w\S*", " ", text)  # file names and paths (exports/factor-strength-table.md)
    return [w for w in re.findall(r"[A-Za-z]{3,}", text) if w not in NOT_PROSE and w not in also]


def test_every_label_has_both_languages_and_the_same_placeholders():
    for name, (zh, en) in LABELS.items():
        assert zh.strip() and en.strip(), name
        assert set(re.findall(r"\{(\w+)\}", zh)) == set(re.findall(r"\{(\w+)\}", en)), name
        bare_zh = re.sub(r"\{[^}]*\}|`[^`]*`", "", zh)
        assert not _english_words(bare_zh, set()), (name, zh)
        bare_en = re.sub(r"\{[^}]*\}|「[^」]*」", "", en)
        assert not re.findall(r"[\u4e00-\u9fff]", bare_en), (name, en)


def test_every_undoable_change_has_words_in_both_languages():
    assert UNDOABLE and all(f"change_{action.replace('.', '_')}" in LABELS for action in UNDOABLE)


def _screen_text(app) -> str:
    svg = app.export_screenshot()
    return html.unescape(" ".join(re.findall(r">([^<>]+)</text>", svg))).replace("\xa0", " ")


def _chrome(app) -> str:
    """The screen's own labels, buttons and static texts (a modal's screenshot shows the screen behind it)."""
    return " ".join(str(w.render()) for w in app.screen.query("Label, Button, Static, Checkbox"))


async def _visit(pilot, app, seen: dict[str, str], chrome: dict[str, str] | None = None) -> None:
    """Open every screen as a person would and keep the text each shows."""
    await pilot.pause()
    seen["main"] = _screen_text(app)
    for name, keys in [
        ("help", ["question_mark"]),
        ("search", ["slash", *"人力銀行", "enter"]),
        ("ratings", ["r"]),
        ("export", ["e"]),
        ("review", ["v"]),
        ("adjudicate", ["d"]),
        ("picker", ["t", "c"]),
        ("codes", ["k"]),
        ("memos", ["M"]),
    ]:
        await pilot.press(*keys)
        await pilot.pause()
        seen[name] = _screen_text(app)
        if chrome is not None:
            chrome[name] = _chrome(app)
        await pilot.press("escape")
        await pilot.pause()
        if len(app.screen_stack) > 1:  # the search's results have the focus: one more escape
            await pilot.press("escape")
            await pilot.pause()
    await pilot.press("t", "5", "u")  # code and undo: the toast says what was undone
    await pilot.pause()
    seen["undo"] = " ".join(str(t.render()) for t in app.screen.query("Toast, Flash"))


@pytest.mark.slow
async def test_in_chinese_no_screen_shows_english_prose(project):
    project.codings.apply("A", "budget", "alice", turn=6)
    project.codings.apply("A", "budget", "bob", turn=8)
    from qualcode.tui.keymap import ADJUDICATE_KEYS, APP_KEYS

    names = [c.id for c in project.codebook.codes()] + [k.id for k in APP_KEYS + ADJUDICATE_KEYS]
    ids = set(names) | {part for name in names for part in name.split("-")}  # ids are shown, and are not prose
    # the codebook's English names are its data: the picker shows them beside the Chinese ones to match on
    ids |= {word for c in project.codebook.codes() for word in re.findall(r"[A-Za-z]{3,}", c.name_en)}
    app = QualcodeApp(project, coder="alice", language="zh")
    seen: dict[str, str] = {}
    async with app.run_test(size=(160, 50), notifications=True) as pilot:
        await _visit(pilot, app, seen)
    transcript = set(re.findall(r"[A-Za-z]{3,}", project.documents.text(project.documents.document("A").id)))
    assert len(seen) == 11
    for screen, text in seen.items():
        assert not _english_words(text, ids | transcript), (screen, _english_words(text, ids | transcript))
    assert "已復原" in seen["undo"]


@pytest.mark.slow
async def test_in_english_the_chrome_is_english(project):
    """The transcript, case names and quotes stay Chinese; the labels, footers, titles and toasts do not."""
    project.codings.apply("A", "budget", "alice", turn=6)
    app = QualcodeApp(project, coder="alice", language="en")
    seen: dict[str, str] = {}
    chrome: dict[str, str] = {}
    async with app.run_test(size=(160, 50), notifications=True) as pilot:
        await _visit(pilot, app, seen, chrome)
        footer = " ".join(app.screen.query_one("Footer").key_texts())
        titles = " ".join(str(w.border_title or "") for w in app.screen.query("*"))
    assert not re.findall(r"[\u4e00-\u9fff]", footer + titles), footer + titles
    assert "Undone: coding Staffing 「" in seen["undo"]
    for screen in ("help", "export"):  # screens of chrome only
        chinese = re.findall(r"[\u4e00-\u9fff]+", chrome[screen].replace("中/EN", ""))  # the language key
        assert not chinese, (screen, chinese)


def test_core_errors_are_said_in_chinese(project):
    """Real messages of the core, raised as the TUI would meet them, come out in Chinese; English stays as is."""
    from qualcode.errors import QualcodeError
    from qualcode.tui.i18n import say_error

    def message(call) -> str:
        with pytest.raises(QualcodeError) as raised:
            call()
        return str(raised.value)

    project.codings.apply("A", "budget", "alice", turn=6)
    cases = {
        message(lambda: project.history.undo("nobody")): "編碼者「nobody」沒有可復原的變更",
        message(lambda: project.history.redo("alice")): "編碼者「alice」沒有可重做的變更",
        message(lambda: project.search.find('"unclosed')): "引號沒有成對",
        message(lambda: project.search.find("a OR")): "OR 兩邊都需要詞",
        message(lambda: project.search.find("-預算")): "只有排除的詞",
        message(lambda: project.codings.apply("A", "budget", "alice", turn=6)): "已在",
        message(lambda: project.team.agreement()): "需要兩位以上的編碼者",
    }
    for english, chinese in cases.items():
        said = say_error(english, "zh")
        values = r"「[^」]*」|'[^']*'|\"[^\"]*\"|\S+-\S+|\d+:\d+|alice|budget"  # names, queries, ids
        assert chinese in said and not re.search(r"[A-Za-z]{4,}", re.sub(values, "", said)), (english, said)
        assert say_error(english, "en") == english
    assert say_error("something new went wrong", "zh") == "something new went wrong"
