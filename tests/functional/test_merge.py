"""`qualcode merge OTHER`: two coders code blind in copies of one project; one copy (or a .qdpx of it) is merged
into the other. tests/unit/test_merge.py covers the policies through the core."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from qualcode.store.schema import SCHEMA_VERSION

ROOT = Path(__file__).resolve().parents[2]
CENTRAL = "中央根本就是希望我們關掉"
BUDGET = "其實台北人力銀行投入的經費"  # the start of turn 6 of A
GONE = "但是這個跟民間比較起來還是差得很遠。"  # the end of turn 6 of A
NEW = "這是第二版才加入的一段很長的新內容，原來的版本完全沒有這些字。"


@pytest.fixture(scope="session")
def coded_copies(demo_template, session_cli, copy_db) -> tuple[Path, Path]:
    """Copy 1: alice's codings and ratings; copy 2: bob's, some of the same and overlapping passages."""
    cli, folder = session_cli
    one, two = copy_db(demo_template, folder / "one.db"), copy_db(demo_template, folder / "two.db")
    steps = [
        (one, "alice", "code", "A", "budget", "--turn", "6"),
        (one, "alice", "code", "A", "central-support", "--quote", CENTRAL, "--memo", "中央希望關掉"),
        (one, "alice", "rate", "A", "budget", "中"),
        (two, "bob", "code", "A", "budget", "--turn", "6"),  # the passage alice coded
        (two, "bob", "code", "A", "staffing", "--turn", "6", "--sentence", "1"),  # inside it
        (two, "bob", "code", "E", "budget", "--quote", "高雄市這邊其實受限於經費的原因會是最大的", "--memo", "經費"),
        (two, "bob", "rate", "A", "budget", "強"),
        (two, "bob", "rate", "E", "budget", "強"),
    ]
    for path, coder, *args in steps:
        cli.fast("--project", str(path), *args, "--coder", coder)
    return one, two


@pytest.fixture
def copies(coded_copies, copy_db, tmp_path) -> tuple[Path, Path]:
    one, two = coded_copies
    return copy_db(one, tmp_path / "one.db"), copy_db(two, tmp_path / "two.db")


def _json(cli, *args: str):
    return json.loads(cli.fast(*args, "--json").stdout)


def _keys(cli, db: Path) -> list[tuple]:
    return [(c["coder"], c["code"], c["document"], c["start"], c["end"]) for c in _json(cli, "-p", str(db), "codings")]


def test_merge_brings_bobs_work_in_once_and_bob_can_undo_it(cli, copies, tmp_path):
    one, two = copies
    expected = sorted(set(_keys(cli, one)) | set(_keys(cli, two)))
    proc = cli("-p", str(one), "merge", str(two), "--coder", "alice")  # a real process: exit status, stdout, stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == f"merged {two} (a qualcode project, schema {SCHEMA_VERSION}) into {one}"
    assert lines[1].split() == ["added", "updated", "re-anchored", "skipped", "conflicts", "refused"]
    table = {line.split()[0]: [int(n) for n in line.split()[1:]] for line in lines[2:9]}
    assert table == {
        "documents": [0, 0, 0, 5, 0, 0],
        "cases": [0, 0, 0, 5, 0, 0],
        "codes": [0, 0, 0, 25, 0, 0],
        "codings": [3, 0, 0, 0, 0, 0],
        "memos": [1, 0, 0, 0, 0, 0],
        "ratings": [2, 0, 0, 0, 0, 0],
        "events": [5, 0, 0, 0, 0, 0],
    }
    backups = list((tmp_path / "backups").glob("one-*-auto-before-merge.db"))
    assert len(backups) == 1 and proc.stderr == f"backed up {one} to {backups[0]}\n"
    assert sorted(_keys(cli, one)) == expected and len(expected) == 5  # both coders, no duplicates
    ratings = {(r["case"], r["coder"]): r["value"] for r in _json(cli, "-p", str(one), "ratings")}
    assert ratings == {("A", "alice"): "medium", ("A", "bob"): "strong", ("E", "bob"): "strong"}
    # bob's undo history came with his work; alice's is untouched
    assert "undid rating E/budget/establishment" in cli.fast("-p", str(one), "undo", "--coder", "bob").stdout
    assert "undid rating A/budget/establishment" in cli.fast("-p", str(one), "undo", "--coder", "bob").stdout
    assert "undid coding budget on document 5" in cli.fast("-p", str(one), "undo", "--coder", "bob").stdout
    assert len(_keys(cli, one)) == 4
    cli.fast("-p", str(one), "redo", "--coder", "bob")
    assert sorted(_keys(cli, one)) == expected


def test_bobs_undone_coding_comes_with_the_merge_and_he_can_redo_it(cli, copies):
    """An undo records the coding as it removed it (services/history.py): merged, that row is mapped as well."""
    one, two = copies
    for _ in range(3):  # his two ratings, then his coding of E
        cli.fast("-p", str(two), "undo", "--coder", "bob")
    undone = [k for k in _keys(cli, two) if k[0] == "bob" and k[2] == 5]
    assert undone == []
    cli("-p", str(one), "merge", str(two), "--rename-coder", "bob=carol")  # his rows are carol's here
    assert "redid coding budget on document 5" in cli.fast("-p", str(one), "redo", "--coder", "carol").stdout
    assert [k[:3] for k in _keys(cli, one) if k[2] == 5] == [("carol", "budget", 5)]


def test_merging_the_same_file_again_adds_nothing(cli, copies, dump, tmp_path):
    one, two = copies
    cli.fast("-p", str(one), "merge", str(two))
    before = dump(one)
    again = json.loads(cli.fast("-p", str(one), "merge", str(two), "--json").stdout)
    assert dump(one) == before and again["backup"] is None
    assert all(
        counts["added"] == counts["updated"] == counts["re-anchored"] == 0 for counts in again["counts"].values()
    )
    assert again["counts"]["codings"]["skipped"] == 3 and again["counts"]["events"]["skipped"] == 5
    assert len(list((tmp_path / "backups").iterdir())) == 1  # the first merge's only
    text = cli.fast("-p", str(one), "merge", str(two)).stdout
    assert text.rstrip().endswith("nothing new: this project already holds everything merge could bring")


def test_a_dry_run_reports_and_leaves_the_project_as_it_was(cli, copies, dump, tmp_path):
    one, two = copies
    before = dump(one)
    dry = cli.fast("-p", str(one), "merge", str(two), "--dry-run")
    assert dry.stdout.startswith(f"would merge {two}") and dry.stdout.rstrip().endswith("dry run: nothing written")
    assert dump(one) == before and not (tmp_path / "backups").exists()
    data = json.loads(cli.fast("-p", str(one), "merge", str(two), "--dry-run", "--json").stdout)
    assert data["dry_run"] is True and data["counts"]["codings"]["added"] == 3
    assert dump(one) == before


def test_rename_coder_brings_bob_in_as_carol(cli, copies):
    one, two = copies
    data = json.loads(cli.fast("-p", str(one), "merge", str(two), "--rename-coder", "bob=carol", "--json").stdout)
    assert data["renamed"] == {"bob": "carol"}
    assert {c["coder"] for c in _json(cli, "-p", str(one), "codings")} == {"alice", "carol"}
    assert {r["coder"] for r in _json(cli, "-p", str(one), "ratings")} == {"alice", "carol"}
    assert "undid rating E/budget/establishment" in cli.fast("-p", str(one), "undo", "--coder", "carol").stdout
    assert cli.fast("-p", str(one), "undo", "--coder", "bob", ok=False).exit_code == 2  # no bob here


def test_a_reimported_transcript_in_one_copy_re_anchors_the_codings_with_a_report(cli, copies, tmp_path):
    one, two = copies
    text = (ROOT / "transcripts" / "A.txt").read_text(encoding="utf-8")
    text = text.replace("受訪者編號：A", "受訪者編號：A\n備註：第二版", 1)
    text = text.replace(BUDGET, "其實，台北人力銀行投入的經費", 1).replace(GONE, NEW, 1)
    (tmp_path / "v2").mkdir()
    (tmp_path / "v2" / "A.txt").write_text(text, encoding="utf-8")
    p = ("-p", str(two))
    cli.fast(*p, "import", str(tmp_path / "v2" / "A.txt"))
    cli.fast(*p, "code", "A", "central-support", "--quote", CENTRAL, "--coder", "bob")
    cli.fast(*p, "code", "A", "leader-priority", "--turn", "6", "--coder", "bob")
    cli.fast(*p, "code", "A", "leader-support", "--quote", NEW[:17], "--coder", "bob")
    out = cli.fast("-p", str(one), "merge", str(two)).stdout
    assert "codings         1        0            4        0          0        1" in out
    assert "re-anchored: document 1 (case A, title A): its text differs from the other's" in out
    assert f"(bob, central-support, document 1 8570:8582 there): moved to 8549:8561 「{CENTRAL}」" in out
    assert "(bob, leader-priority, document 1 735:933 there): re-anchored to 728:912, marked for review" in out
    assert (
        f"(bob, leader-support, document 1 902:919 there): refused: its text 「{NEW[:17]}」 is not in document 1" in out
    )
    # bob's two codings of turn 6 from before his re-import were re-anchored there already: marked too
    review = _json(cli, "-p", str(one), "codings", "--review")
    assert {(c["coder"], c["code"], c["text"][: len(BUDGET)]) for c in review} == {
        ("bob", code, BUDGET) for code in ("budget", "staffing", "leader-priority")
    }
    counts = json.loads(cli.fast("-p", str(one), "merge", str(two), "--dry-run", "--json").stdout)["counts"]
    assert counts["codings"] == {**counts["codings"], "added": 0, "re-anchored": 0, "skipped": 5, "refused": 1}
    data = json.loads(cli.fast("-p", str(one), "merge", str(two), "--json").stdout)  # again: nothing new
    statuses = [d.get("status") for d in data["details"] if d["kind"] == "codings"]
    assert statuses == ["orphaned"] and data["counts"]["codings"]["refused"] == 1


def test_a_qdpx_exported_from_bobs_copy_merges_his_codings(cli, copies, tmp_path):
    one, two = copies
    cli.fast("-p", str(two), "export", "qdpx", "-o", str(tmp_path / "two.qdpx"))
    out = cli.fast("-p", str(one), "merge", str(tmp_path / "two.qdpx")).stdout
    assert out.startswith(f"merged {tmp_path / 'two.qdpx'} (a REFI-QDA .qdpx) into {one}")
    assert "note: a .qdpx carries documents, codes, case names, codings" in out
    bob = sorted(k for k in _keys(cli, one) if k[0] == "bob")
    assert bob == sorted(k for k in _keys(cli, two) if k[0] == "bob") and len(bob) == 3
    memo = [c["memo"] for c in _json(cli, "-p", str(one), "codings", "--coder", "bob") if c["memo"]]
    assert memo == ["經費"]
    assert "nothing new" in cli.fast("-p", str(one), "merge", str(tmp_path / "two.qdpx")).stdout


def _newer(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    conn.commit()
    conn.close()


@pytest.mark.parametrize(
    ("make", "args", "message"),
    [
        (lambda one, two: two.write_text("問：你好\n", encoding="utf-8"), (), "neither a qualcode project nor a .qdpx"),
        (lambda one, two: None, ("{one}",), "is this project itself"),
        (lambda one, two: _newer(two), (), f"schema version {SCHEMA_VERSION + 1} is newer than this qualcode"),
        (lambda one, two: None, ("{two}", "--rename-coder", "bob"), "--rename-coder 'bob': use OLD=NEW"),
        (lambda one, two: None, ("{two}", "--rename-coder", "dave=erin"), "has no coder 'dave'"),
    ],
    ids=["not-a-project", "itself", "newer-schema", "bad-rename", "unknown-coder"],
)
def test_refusals_are_one_line_exit_2_and_change_nothing(cli, copies, dump, tmp_path, make, args, message):
    one, two = copies
    make(one, two)
    args = tuple(a.format(one=one, two=two) for a in args) or (str(two),)
    before = dump(one)
    proc = cli("-p", str(one), "merge", *args, ok=False)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("qualcode: error: ") and message in proc.stderr
    assert dump(one) == before and not (tmp_path / "backups").exists()


def test_merge_is_listed_after_import_qdpx(cli):
    commands = [line.split()[0] for line in cli.fast("--help").stdout.splitlines() if line.startswith("  ")]
    assert commands[commands.index("import-qdpx") + 1] == "merge"
