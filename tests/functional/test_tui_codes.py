"""Managing codes (k) and memos (M) in the TUI, as a person would: keys pressed, the database and the screen checked.

The tests act on the codes at the top of the bundled codebook (縣市區域特性 › 都市化程度 1, 民眾對 ICTs 服務之需求 2,
數位化程度 3), so a few presses of the arrow keys reach them.
"""

from __future__ import annotations

import re

import pytest
from test_tui import SIZE, _code_labels, _toasts  # tests/functional is on sys.path (pytest's rootdir-less import)
from textual.app import App

from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.code_picker import NewCodeScreen, code_tree
from qualcode.tui.screens.codes import TOP, CodesScreen, MemoTargetsScreen
from qualcode.tui.screens.dialogs import ConfirmScreen
from qualcode.tui.widgets.panels import CodeTree


def _options(screen, selector: str = "OptionList") -> list[tuple[str | None, str]]:
    """An option list's rows as (id, prompt as it reads)."""
    options = screen.query_one(selector)
    return [(o.id, str(o.prompt)) for o in (options.get_option_at_index(i) for i in range(options.option_count))]


def _rows(app) -> dict[str, str]:
    """The code manager's rows, by code id: key, indent, swatch and name, then (padded into columns, shown here
    as one space) the other language's name, the id and what uses the code."""
    rows = {}
    for code_id, prompt in _options(app.screen, "#codes-list"):
        key_and_indent, rest = prompt.split("■ ", 1)
        name, *columns = re.split(r"\s{2,}", rest.rstrip())  # the columns are two or more spaces apart
        rows[code_id] = " | ".join([f"{key_and_indent}■ {name}", *columns])
    return rows


def _highlighted(app, selector: str = "OptionList") -> str | None:
    options = app.screen.query_one(selector)
    return options.get_option_at_index(options.highlighted).id


async def _manage(pilot, app, downs: int = 0) -> None:
    """`k` opens the code manager on the first code; `downs` presses of the down arrow."""
    await pilot.press("k")
    await pilot.pause()
    assert isinstance(app.screen, CodesScreen)
    assert _highlighted(app, "#codes-list") == "region-traits"
    if downs:
        await pilot.press(*["down"] * downs)


async def _back(pilot, app) -> None:
    await pilot.press("escape")
    await pilot.pause()
    assert app.screen is app.screen_stack[0]


def _tree_parent(app, code_id: str) -> str | None:
    """The code id of a code's parent node in the main screen's code tree (None: top level)."""
    found = []

    def walk(node, parent) -> None:
        for child in node.children:
            if child.data == code_id:
                found.append(parent)
            walk(child, child.data)

    walk(app.query_one(CodeTree).root, None)
    [parent] = found
    return parent


@pytest.mark.slow
async def test_rename_the_chinese_and_english_name_then_the_main_tree_shows_it(project):
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await _manage(pilot, app, downs=1)
        rows = _rows(app)
        assert rows["region-traits"] == "  ■ 縣市區域特性 | Region traits | region-traits | 3 個下層代碼"
        assert rows["urbanization"] == "1   ■ 都市化程度 | Urbanization | urbanization | —"  # indented under its parent
        await pilot.press("r")
        await pilot.pause()
        assert app.screen.query_one("#name").value == "都市化程度"
        await pilot.press(
            *"都會化𠮷", "tab", *"Cities", "enter"
        )  # a field's text is selected on focus: typing replaces it
        await pilot.pause()
        code = project.codebook.code("urbanization")
        assert (code.name, code.name_en) == ("都會化𠮷", "Cities")
        assert "已改名：都市化程度 · Urbanization → 都會化𠮷 · Cities" in _toasts(app)
        assert _rows(app)["urbanization"] == "1   ■ 都會化𠮷 | Cities | urbanization | —"
        await _back(pilot, app)
        assert _code_labels(app.query_one(CodeTree))["urbanization"].startswith("■ 1 都會化𠮷")


async def test_in_english_the_english_name_leads_and_the_counts_are_english(project):
    project.codings.apply("A", "urbanization", "bob", turn=2)
    project.codings.apply("B", "urbanization", "alice", turn=2)
    app = QualcodeApp(project, coder="alice", language="en")
    async with app.run_test(size=SIZE) as pilot:
        await _manage(pilot, app)
        rows = _rows(app)
        assert rows["region-traits"] == "  ■ Region traits | 縣市區域特性 | region-traits | 3 codes below"
        assert rows["urbanization"] == "1   ■ Urbanization | 都市化程度 | urbanization | 2 codings"
        await pilot.press("L")  # 中文, here too
        await pilot.pause()
        assert _rows(app)["urbanization"] == "1   ■ 都市化程度 | Urbanization | urbanization | 2 筆編碼"
        assert str(app.screen.query_one("#codes-title").render()) == "管理代碼"


@pytest.mark.slow
async def test_move_under_another_parent_and_undo_it_here(project):
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await _manage(pilot, app, downs=3)  # 數位化程度
        await pilot.press("m")
        await pilot.pause()
        choices = _options(app.screen)
        assert [i for i, _ in choices[:4]] == [TOP, "region-traits", "urbanization", "public-demand"]
        assert choices[1][1] == "■ 縣市區域特性  region-traits  （目前位置）"
        assert choices[2][1] == "  ■ 都市化程度  urbanization"
        assert "digitalization" not in [i for i, _ in choices]
        await pilot.press("down", "down", "enter")  # under 都市化程度, a level deeper
        await pilot.pause()
        assert project.codebook.code("digitalization").parent_id == "urbanization"
        assert _rows(app)["digitalization"].startswith("3     ■ 數位化程度 |")
        assert "已把「數位化程度」移到「都市化程度」之下" in _toasts(app)
        await _back(pilot, app)
        assert _tree_parent(app, "digitalization") == "urbanization"
        await pilot.press("k")
        await pilot.pause()
        await pilot.press("u")  # undone on the code manager
        await pilot.pause()
        assert project.codebook.code("digitalization").parent_id == "region-traits"
        assert any(t.startswith("已復原") for t in _toasts(app))
        assert _rows(app)["digitalization"].startswith("3   ■ 數位化程度 |")
        await _back(pilot, app)
        assert _tree_parent(app, "digitalization") == "region-traits"


@pytest.mark.slow
async def test_merge_asks_says_how_many_codings_move_backs_up_and_undo_restores(project):
    demand = {project.codings.apply(case, "public-demand", "alice", turn=2).id for case in "AB"}
    urban = project.codings.apply("C", "urbanization", "bob", turn=2)
    assert project.backups.list() == []
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await _manage(pilot, app, downs=2)  # 民眾對 ICTs 服務之需求
        await pilot.press("g")
        await pilot.pause()
        assert [i for i, _ in _options(app.screen)[:3]] == ["region-traits", "urbanization", "digitalization"]
        await pilot.press("down", "enter")  # into 都市化程度
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        question = str(app.screen.query_one("#question").render())
        assert question.startswith("把「民眾對 ICTs 服務之需求」合併到「都市化程度」：2 筆編碼移過去，")
        await pilot.press("y")
        await pilot.pause()
        assert "public-demand" not in {c.id for c in project.codebook.codes()}
        assert {c.id for c in project.codings.select(code="urbanization")} == demand | {urban.id}
        [backup] = project.backups.list()
        assert backup.reason == "before-code-merge" and backup.path.is_file()
        [toast] = [t for t in _toasts(app) if t.startswith("已合併")]
        assert (
            toast.startswith("已合併「民眾對 ICTs 服務之需求」到「都市化程度」：移過去 2 筆編碼")
            and backup.path.name in toast
        )
        assert "public-demand" not in _rows(app) and _rows(app)["urbanization"].endswith("| 3 筆編碼")
        await pilot.press("u")
        await pilot.pause()
        assert {c.id for c in project.codings.select(code="public-demand")} == demand
        await _back(pilot, app)
        assert "public-demand" in _code_labels(app.query_one(CodeTree))


@pytest.mark.slow
async def test_a_merge_not_confirmed_changes_nothing(project, dump):
    project.codings.apply("A", "public-demand", "alice", turn=2)
    before = dump(project.path)
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=SIZE) as pilot:
        await _manage(pilot, app, downs=2)
        await pilot.press("g", "down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CodesScreen)
    assert dump(project.path) == before and project.backups.list() == []


@pytest.mark.slow
async def test_delete_a_used_code_only_when_confirmed_an_unused_one_at_once(project, dump):
    coding = project.codings.apply("A", "urbanization", "alice", turn=2)
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await _manage(pilot, app, downs=1)
        before = dump(project.path)
        await pilot.press("x")
        await pilot.pause()
        assert str(app.screen.query_one("#question").render()).startswith("刪除「都市化程度」：它有 1 筆編碼；")
        await pilot.press("n")  # no: nothing changes
        await pilot.pause()
        assert isinstance(app.screen, CodesScreen) and dump(project.path) == before
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert "urbanization" not in {c.id for c in project.codebook.codes()}
        assert project.codings.select() == []
        assert [b.reason for b in project.backups.list()] == ["before-code-delete"]
        assert _highlighted(app, "#codes-list") == "public-demand"  # the next row; nothing uses it
        await pilot.press("delete")
        await pilot.pause()
        assert isinstance(app.screen, CodesScreen)  # no question
        assert "public-demand" not in {c.id for c in project.codebook.codes()}
        assert "已刪除代碼「民眾對 ICTs 服務之需求」" in _toasts(app)
        await _back(pilot, app)
        assert {"urbanization", "public-demand"}.isdisjoint(_code_labels(app.query_one(CodeTree)))
        await pilot.press("u", "u")  # the main screen's undo, twice: both come back, urbanization with its coding
        await pilot.pause()
        assert [c.id for c in project.codings.select()] == [coding.id]
        assert {"urbanization", "public-demand"} <= {c.id for c in project.codebook.codes()}


async def test_a_key_another_code_holds_is_a_toast_and_changes_nothing(project, dump):
    before = dump(project.path)
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await _manage(pilot, app)  # 縣市區域特性 has no key
        await pilot.press("k", "2", "enter")  # 2 belongs to 民眾對 ICTs 服務之需求
        await pilot.pause()
        assert any("public-demand" in t and "2" in t for t in _toasts(app))  # key 2 belongs to public-demand
        assert isinstance(app.screen, CodesScreen)
    assert dump(project.path) == before


@pytest.mark.slow
async def test_a_new_shortcut_key_applies_the_code_on_the_main_screen(project):
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=SIZE) as pilot:
        await _manage(pilot, app, downs=1)
        await pilot.press("k", "ctrl+u", "enter")  # clear 都市化程度's 1
        await pilot.pause()
        await pilot.press("up", "k", "1", "enter")  # and give it to 縣市區域特性
        await pilot.pause()
        assert project.codebook.code("region-traits").shortcut == "1"
        assert project.codebook.code("urbanization").shortcut == ""
        assert _rows(app)["region-traits"].startswith("1 ■ 縣市區域特性 |")
        await _back(pilot, app)
        await pilot.press("t", "1")  # the first turn, then the key
        await pilot.pause()
        [coding] = project.codings.select()
        assert (coding.code_id, coding.start, coding.end) == ("region-traits", *app.view.selected_span)


@pytest.mark.slow
async def test_a_colour_and_a_bad_one(project):
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await _manage(pilot, app)
        await pilot.press("c", *"#12", "enter")  # not a colour: refused, nothing changes
        await pilot.pause()
        assert project.codebook.code("region-traits").color == "#3A6EA5"
        assert any("'#12'" in t for t in _toasts(app))  # bad colour '#12'…
        await pilot.press("c", *"#12ab90", "enter")
        await pilot.pause()
        assert project.codebook.code("region-traits").color == "#12ab90"
        await _back(pilot, app)
        assert app._colors()["region-traits"] == "#12ab90"


async def test_a_definition(project):
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=SIZE) as pilot:
        await _manage(pilot, app)
        await pilot.press("d", "f7", *"城鄉𠮷", "ctrl+s")  # f7 selects the old definition: typing replaces it
        await pilot.pause()
        assert project.codebook.code("region-traits").description == "城鄉𠮷"
        assert isinstance(app.screen, CodesScreen)


class _Dialog(App):
    """A bare app that shows one dialog (no transcript to repaint on every key) and keeps what it returns."""

    def __init__(self, dialog):
        super().__init__()
        self.dialog, self.result = dialog, "open"

    def on_mount(self) -> None:
        self.push_screen(self.dialog, self._done)

    def _done(self, result) -> None:
        self.result = result


async def test_the_new_code_dialog_offers_every_code_as_parent(project):
    tree = project.codebook.tree()
    app = _Dialog(NewCodeScreen(project.codebook.codes(), "新因素", "zh"))
    async with app.run_test(size=SIZE) as pilot:
        parent = app.screen.query_one("#parent")
        await pilot.press("tab", "tab", "enter")  # name → id → parent; Enter opens the list
        await pilot.pause()
        # (none: top level), then every code in tree order, indented by depth
        prompts = [prompt for _, prompt in _options(parent, "SelectOverlay")]
        assert prompts == ["（無，最上層）", *("  " * depth + f"{code.name} ({code.id})" for code, depth in tree)]
        assert prompts[3] == "  民眾對 ICTs 服務之需求 (public-demand)"
        await pilot.press("down", "down", "down", "enter")
        await pilot.pause()
        assert parent.value == "public-demand"
        await pilot.press("tab", "enter")  # on to the colour; Enter saves
        await pilot.pause()
    assert (app.result.name, app.result.parent) == ("新因素", "public-demand")


def test_the_new_code_dialog_lists_the_tree_as_the_core_does(project):
    """code_tree (from the codes the app holds) and project.codebook.tree() agree, also after moves and new codes
    that put a child after its parent's siblings in codebook order."""
    project.codebook.move("region-traits", parent="difficulties", coder="alice")
    project.codebook.create_code("late", "後來的", parent="urbanization", coder="alice")
    project.codebook.create_code("later", "更後來的", parent="late", coder="alice")
    assert code_tree(project.codebook.codes()) == project.codebook.tree()
    assert ("later", 4) in [(c.id, depth) for c, depth in code_tree(project.codebook.codes())]


@pytest.mark.slow
async def test_a_new_code_under_a_nested_parent_from_the_picker(project):
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t", "c", *"新因素", "up", "enter")  # the first turn; the picker's last row: a new code
        await pilot.pause()
        assert isinstance(app.screen, NewCodeScreen)
        await pilot.press("tab", "tab", "enter", "down", "down", "down", "enter", "tab", "enter")
        await pilot.pause()
        [new] = [c for c in project.codebook.codes() if c.name == "新因素"]
        assert new.parent_id == "public-demand"
        assert [c.code_id for c in project.codings.select()] == [new.id]
        assert _tree_parent(app, new.id) == "public-demand"


@pytest.mark.slow
async def test_a_memo_on_the_case_then_the_main_screen_undoes_it(project):
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("M")
        await pilot.pause()
        assert isinstance(app.screen, MemoTargetsScreen)
        assert [i for i, _ in _options(app.screen)] == ["project", "document", "case", "code"]
        assert _options(app.screen)[0][1] == "整個專案  （我還沒有備忘）"
        await pilot.press("down", "down", "enter")  # this case
        await pilot.pause()
        await pilot.press(*"資源最多𠮷", "ctrl+s")
        await pilot.pause()
        assert "備忘已儲存" in _toasts(app)
        assert [(m.target_type, m.target_id, m.author, m.text) for m in project.memos.list()] == [
            ("case", "A", "alice", "資源最多𠮷")
        ]
        await pilot.press("u")
        await pilot.pause()
        assert project.memos.list() == []
        assert any(t.startswith("已復原") for t in _toasts(app))


@pytest.mark.slow
async def test_a_memo_on_the_code_highlighted_in_the_code_tree(project):
    project.memos.set("case", "A", "資源最多𠮷", author="alice")
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=SIZE) as pilot:
        tree = app.query_one(CodeTree)
        await pilot.press("tab")  # to the code tree: highlight 都市化程度
        await pilot.pause()
        for _ in range(3):
            if tree.cursor_node is not None and tree.cursor_node.data == "urbanization":
                break
            await pilot.press("down")
        assert app.selected_code == "urbanization"
        await pilot.press("M")
        await pilot.pause()
        rows = dict(_options(app.screen))
        assert rows["case"] == "本個案 A 臺北市  我的備忘：資源最多𠮷"
        assert rows["code"] == "代碼 都市化程度  （我還沒有備忘）"
        await pilot.press("up", "enter", *"都市化高", "ctrl+s")  # round to the last row: the code
        await pilot.pause()
        memos = [(m.target_type, m.target_id, m.author, m.text) for m in project.memos.list()]
        assert memos == [("case", "A", "alice", "資源最多𠮷"), ("code", "urbanization", "alice", "都市化高")]


async def test_an_emptied_memo_is_deleted_and_a_code_memo_needs_a_highlighted_code(project):
    project.memos.set("project", None, "舊的𠮷", author="alice")
    project.memos.set("project", None, "bob's", author="bob")
    app = QualcodeApp(project, coder="alice", language="en")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("M")  # nothing highlighted in the code tree yet
        await pilot.pause()
        rows = dict(_options(app.screen))
        assert rows["project"] == "The project  my memo: 舊的𠮷"
        assert rows["code"] == "Code (highlight a code in the code tree first)"
        await pilot.press("up", "enter")  # round to the last row: the code
        await pilot.pause()
        assert isinstance(app.screen, MemoTargetsScreen)  # still choosing
        assert "(highlight a code in the code tree first)" in _toasts(app)
        await pilot.press("home", "enter", "f7", "backspace", "ctrl+s")  # the project's memo, emptied
        await pilot.pause()
        assert "Memo deleted" in _toasts(app)
        assert [(m.author, m.text) for m in project.memos.list()] == [("bob", "bob's")]
