"""The review screen (v): orphaned and re-anchored codings after a re-import, handled with keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.tui.app import QualcodeApp

ROOT = Path(__file__).resolve().parents[2]
SIZE = (150, 45)
GONE = "但是這個跟民間比較起來還是差得很遠。"
NEW_PLACE = "人事經費的話大概也有個一千萬左右吧"


def _reimport_edited_a(project, tmp_path: Path, expected: dict[str, int]) -> None:
    text = (ROOT / "transcripts" / "A.txt").read_text(encoding="utf-8")
    text = text.replace("其實台北人力銀行投入的經費", "其實，台北人力銀行投入的經費", 1).replace(GONE, "", 1)
    path = tmp_path / "A.txt"
    path.write_text(text, encoding="utf-8")
    [result] = project.documents.import_files([path])
    assert result.codings == expected


@pytest.mark.slow
async def test_attach_an_orphan_to_the_selection_and_check_a_re_anchored_coding(project, tmp_path):
    budget = project.codings.apply("A", "budget", "alice", turn=6)
    orphan = project.codings.apply("A", "staffing", "alice", quote=GONE)
    _reimport_edited_a(project, tmp_path, {"kept": 0, "moved": 0, "re-anchored": 1, "orphaned": 1})
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        # select the passage the orphan belongs on, as a person would: search for it, Enter selects the hit
        await pilot.press("slash", *NEW_PLACE, "enter")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        start, end = app.view.selected_span
        assert project.documents.text(app.document_id)[start:end] == NEW_PLACE
        await pilot.press("v")
        await pilot.pause()
        listed = app.screen.query_one("#review-list")
        prompts = [str(listed.get_option_at_index(i).prompt) for i in range(listed.option_count)]
        assert prompts[0].startswith("[孤立]") and GONE.rstrip("。") in prompts[0]
        assert prompts[1].startswith("[待檢視]")
        await pilot.press("a")  # the orphan, highlighted first
        await pilot.pause()
        [attached] = [c for c in project.codings.select() if c.id == orphan.id]
        assert (attached.text, attached.orphaned, attached.review) == (NEW_PLACE, False, False)
        assert [str(listed.get_option_at_index(i).prompt)[:5] for i in range(listed.option_count)] == ["[待檢視]"]
        await pilot.press("c")  # the re-anchored one: checked
        await pilot.pause()
        assert project.codings.select(review=True) == [] and project.codings.select(orphaned=True) == []
        assert "沒有待檢視的編碼" in str(listed.get_option_at_index(0).prompt)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.screen_stack[0]
        assert {c.id for c in app.codings} == {budget.id, orphan.id}  # both painted in the transcript again
        await pilot.press("u")  # undo the check
        await pilot.pause()
        assert [c.id for c in project.codings.select(review=True)] == [budget.id]


async def test_delete_an_orphan_and_attach_needs_a_selection(project, tmp_path):
    orphan = project.codings.apply("A", "staffing", "alice", quote=GONE)
    _reimport_edited_a(project, tmp_path, {"kept": 0, "moved": 0, "re-anchored": 0, "orphaned": 1})
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("v")
        await pilot.pause()
        await pilot.press("a")  # nothing selected in the transcript
        await pilot.pause()
        toasts = " ".join(str(t.render()) for t in app.screen.query("Toast, Flash"))
        assert "先在逐字稿選取新位置" in toasts
        assert [c.id for c in project.codings.select(orphaned=True)] == [orphan.id]
        await pilot.press("x")
        await pilot.pause()
        assert project.codings.select(orphaned=None) == []
