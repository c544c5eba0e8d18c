"""Re-importing a changed transcript: codings follow their text, and nothing lands on other words."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow  # many CLI processes; tests/unit/test_import.py covers the core quickly
BUDGET = "其實台北人力銀行投入的經費"  # the start of turn 6 of A
GONE = "但是這個跟民間比較起來還是差得很遠。"  # the end of turn 6, deleted in the new version
CENTRAL = "中央根本就是希望我們關掉"


def _edited_a(tmp_path: Path) -> Path:
    """A.txt with a line added at the top, turn 6 reworded a little and its last sentence deleted."""
    text = (ROOT / "transcripts" / "A.txt").read_text(encoding="utf-8")
    text = text.replace("受訪者編號：A", "受訪者編號：A\n備註：第二版", 1)
    text = text.replace(BUDGET, "其實，台北人力銀行投入的經費", 1).replace(GONE, "", 1)
    path = tmp_path / "A.txt"
    path.write_text(text, encoding="utf-8")
    return path


def _events(db: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT action, target FROM events ORDER BY id").fetchall()
    finally:
        conn.close()


@pytest.fixture
def coded(cli, demo_db):
    """The demo project with three codings of A: turn 6 (budget), a quote (central-support), and GONE (staffing)."""
    p = ("--project", str(demo_db))
    ids = {
        "budget": cli.json(*p, "code", "A", "budget", "--turn", "6", "--coder", "alice")["id"],
        "central": cli.json(*p, "code", "A", "central-support", "--quote", CENTRAL, "--coder", "alice")["id"],
        "gone": cli.json(*p, "code", "A", "staffing", "--quote", GONE, "--coder", "alice")["id"],
    }
    return demo_db, ids


def test_dry_run_reports_and_writes_nothing(cli, coded, dump, tmp_path):
    db, _ = coded
    before = dump(db)
    out = cli("--project", str(db), "import", str(_edited_a(tmp_path)), "--dry-run").stdout
    assert "would be re-imported as version 2 of document 1" in out
    assert "codings: 0 kept, 1 moved, 1 re-anchored (marked for review), 1 orphaned; dry run: nothing written" in out
    assert dump(db) == before
    assert not (db.parent / "backups").exists()  # a dry run takes no backup either


def test_codings_follow_the_text_and_the_old_text_stays_as_a_version(cli, coded, tmp_path):
    db, ids = coded
    p = ("--project", str(db))
    events_before = len(_events(db))
    out = cli(*p, "import", str(_edited_a(tmp_path))).stdout
    assert "re-imported as version 2 of document 1, case A" in out and "1 orphaned" in out
    # one transaction, one event (after the automatic backup's own)
    assert [a for a, _ in _events(db)[events_before:]] == ["backup", "reimport"]
    # an automatic backup was taken first
    assert len(list((db.parent / "backups").glob("*before-reimport*.db"))) == 1
    anchored = {c["id"]: c for c in cli.json(*p, "codings")}
    assert set(anchored) == {ids["budget"], ids["central"]}
    assert anchored[ids["central"]]["text"] == CENTRAL and not anchored[ids["central"]]["review"]
    budget = anchored[ids["budget"]]
    assert budget["review"] is True and budget["orphaned"] is False
    assert budget["text"].startswith("其實，台北人力銀行投入的經費") and GONE not in budget["text"]
    [orphan] = cli.json(*p, "codings", "--orphaned")
    assert (orphan["id"], orphan["orphaned"], orphan["text"]) == (ids["gone"], True, GONE)
    assert [c["id"] for c in cli.json(*p, "codings", "--review")] == [ids["budget"]]
    old = cli(*p, "show", "A", "--version", "1", "--turn", "6").stdout
    assert "version 1 of 2" in old and GONE in old
    assert GONE not in cli(*p, "show", "A", "--turn", "6").stdout


def test_reattach_confirm_and_undo_them(cli, coded, tmp_path):
    db, ids = coded
    p = ("--project", str(db), "--coder", "alice")
    cli(*p, "import", str(_edited_a(tmp_path)))
    cli(*p, "reattach", ids["gone"][:8], "--quote", "人事經費的話大概也有個一千萬左右吧")
    [moved] = [c for c in cli.json(*p, "codings") if c["id"] == ids["gone"]]
    assert (moved["orphaned"], moved["text"]) == (False, "人事經費的話大概也有個一千萬左右吧")
    cli(*p, "confirm", ids["budget"][:8])
    assert cli.json(*p, "codings", "--review") == []
    assert "undid review mark" in cli(*p, "undo").stdout
    assert [c["id"] for c in cli.json(*p, "codings", "--review")] == [ids["budget"]]
    assert "undid re-attaching" in cli(*p, "undo").stdout
    assert [c["id"] for c in cli.json(*p, "codings", "--orphaned")] == [ids["gone"]]


def test_undo_after_a_reimport_never_restores_a_coding_onto_other_words(cli, coded, dump, tmp_path):
    """The trust issue: uncode, re-import an edited text, undo."""
    db, ids = coded
    p = ("--project", str(db), "--coder", "alice")
    for coding_id in ids.values():
        cli(*p, "uncode", coding_id)
    cli(*p, "import", str(_edited_a(tmp_path)))
    # The last removal (GONE): its text is gone from the new version, so it cannot come back. Nothing changes.
    before = dump(db)
    refused = cli(*p, "undo", ok=False)
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1
    assert "is not in document 1 as re-imported (version 2); nothing changed" in refused.stderr
    assert dump(db) == before
    assert cli.json(*p, "codings") == []


def test_undo_after_a_reimport_carries_a_coding_whose_text_moved(cli, coded, tmp_path):
    db, ids = coded
    p = ("--project", str(db), "--coder", "alice")
    cli(*p, "uncode", ids["gone"])
    cli(*p, "uncode", ids["central"])  # the last action: its text only moves in the new version
    cli(*p, "import", str(_edited_a(tmp_path)))
    assert "undid removal of central-support" in cli(*p, "undo").stdout
    [restored] = [c for c in cli.json(*p, "codings") if c["id"] == ids["central"]]
    text = cli.json(*p, "codings", "--code", "central-support")[0]["text"]
    assert restored["text"] == text == CENTRAL


def test_a_pre_versioning_history_is_refused_after_a_replacement(cli, demo_db, tmp_path):
    """Events recorded before documents had versions: undo refuses if the document was replaced since."""
    p = ("--project", str(demo_db), "--coder", "alice")
    coding = cli.json(*p, "code", "A", "budget", "--turn", "6")
    cli(*p, "uncode", coding["id"])
    conn = sqlite3.connect(demo_db)
    conn.execute("DROP TRIGGER events_append_only_update")  # make the log look like an old one, for the test
    conn.execute(
        "UPDATE events SET payload = json_remove(json_remove(payload, '$.coding.version'), '$.text') "
        "WHERE action = 'uncode'"
    )
    conn.commit()
    conn.close()
    path = tmp_path / "A.txt"
    shutil.copy(ROOT / "transcripts" / "A.txt", path)
    path.write_text(path.read_text(encoding="utf-8").replace(BUDGET, "其實，台北", 1), encoding="utf-8")
    cli(*p, "import", str(path))
    refused = cli(*p, "undo", ok=False)
    assert refused.returncode == 2 and "was re-imported since" in refused.stderr


def test_every_change_of_work_is_undoable(cli, demo_db):
    p = ("--project", str(demo_db), "--coder", "alice")
    coding = cli.json(*p, "code", "A", "central-support", "--quote", CENTRAL)
    cli(*p, "memo", coding["id"], "中央要關掉")
    cli(*p, "rate", "A", "central-support", "中", "--note", "初評")
    cli(*p, "rate", "A", "central-support", "強", "--evidence", coding["id"])
    cli(*p, "unrate", "A", "central-support")

    def rating():
        return cli.json(*p, "ratings")

    assert rating() == []
    assert "undid clearing of rating A/central-support" in cli(*p, "undo").stdout
    [r] = rating()
    assert (r["label"], r["note"], r["evidence"]) == ("強", "初評", [coding["id"]])
    cli(*p, "undo")  # the second rate: back to 中 without evidence
    [r] = rating()
    assert (r["label"], r["evidence"]) == ("中", [])
    cli(*p, "undo")  # the first rate: no rating
    assert rating() == []
    cli(*p, "undo")  # the memo
    assert cli.json(*p, "codings")[0]["memo"] == ""
    cli(*p, "redo")
    cli(*p, "redo")
    [r] = rating()
    assert (r["label"], r["note"]) == ("中", "初評")
    assert cli.json(*p, "codings")[0]["memo"] == "中央要關掉"


def test_undo_of_a_new_code_and_its_refusal_while_used(tmp_path):
    from qualcode.errors import Conflict
    from qualcode.project import build_demo

    with build_demo(tmp_path / "p.db") as project:
        project.codebook.create_code("stimulus", "擴大內需", parent="resources", coder="alice")
        assert "undid creation of code stimulus" in project.history.undo("alice").description
        assert "stimulus" not in {c.id for c in project.codebook.codes()}
        project.history.redo("alice")
        assert project.codebook.code("stimulus").name == "擴大內需"
        project.codings.apply("B", "stimulus", "bob", turn=2)  # bob uses alice's new code
        with pytest.raises(Conflict, match="codings, ratings or codes below it use it"):
            project.history.undo("alice")
        assert project.codebook.code("stimulus").name == "擴大內需"
        assert [c.code_id for c in project.codings.select()] == ["stimulus"]
