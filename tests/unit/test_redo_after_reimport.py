"""Redo after a re-import puts back a coding as undo found it (re-anchored onto the new text), not as first made:
undone work is never stuck on the redo stack because the text it was first made on changed since."""

from __future__ import annotations

from pathlib import Path

from qualcode.project import Project

ROOT = Path(__file__).resolve().parents[2]
BUDGET = "其實台北人力銀行投入的經費"  # the start of turn 6 of A
CENTRAL = "中央根本就是希望我們關掉"


def _edited_a(tmp_path: Path) -> Path:
    """A.txt with turn 6's start reworded (its coding is re-anchored by the re-import) and a line added on top."""
    text = (ROOT / "transcripts" / "A.txt").read_text(encoding="utf-8")
    text = text.replace("受訪者編號：A", "受訪者編號：A\n備註：第二版", 1).replace(
        BUDGET, "其實，臺北人力銀行投入的經費", 1
    )
    path = tmp_path / "A.txt"
    path.write_text(text, encoding="utf-8")
    return path


def _rows(project: Project) -> dict[str, tuple]:
    return {c.id: (c.code_id, c.start, c.end, c.text, c.review) for c in project.codings.select(document="A")}


def test_redo_after_a_reimport_restores_what_undo_removed(project: Project, tmp_path):
    budget = project.codings.apply("A", "budget", "alice", turn=6)
    central = project.codings.apply("A", "central-support", "alice", quote=CENTRAL)
    project.ratings.rate("A", "resources", "強", coder="bob", evidence=[budget.id])  # bob's: not in alice's undo
    project.documents.import_files([_edited_a(tmp_path)], case_id="A")
    moved = _rows(project)
    assert moved[budget.id][4] is True and moved[budget.id][3].startswith("其實，臺北")  # re-anchored, for review
    assert project.history.undo("alice").target == central.id
    assert project.history.undo("alice").target == budget.id
    assert project.history.redo("alice").target == budget.id
    assert project.history.redo("alice").target == central.id
    assert _rows(project) == moved  # where they were, re-anchored and marked for review as they were
    rating = project.ratings.find("A", "resources", coder="bob")
    assert rating is not None and rating.evidence == (budget.id,)  # its evidence link came back with it
    # and undo/redo go on from there
    assert project.history.undo("alice").target == central.id
    assert project.history.redo("alice").target == central.id
    assert _rows(project) == moved
