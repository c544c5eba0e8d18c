"""Merging another coder's copy of the project (project.merge): matching, de-duplication, conflict policies,
the carried undo history, re-anchoring, renames, .qdpx, older and refused files."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.errors import BadInput
from qualcode.export.refi import export_qdpx
from qualcode.project import Project, bundled_path
from qualcode.services.documents import NewText
from qualcode.store.connection import _statements
from qualcode.store.schema import MIGRATIONS, SCHEMA_VERSION

ROOT = Path(__file__).resolve().parents[2]
CENTRAL = "中央根本就是希望我們關掉"
BUDGET = "其實台北人力銀行投入的經費"  # the start of turn 6 of A
GONE = "但是這個跟民間比較起來還是差得很遠。"  # the end of turn 6 of A
NEW = "這是第二版才加入的一段很長的新內容，原來的版本完全沒有這些字。"


@pytest.fixture
def pair(demo_db, copy_db, tmp_path) -> tuple[Path, Path]:
    """Two copies of the demo project: ours, and the other coder's."""
    return demo_db, copy_db(demo_db, tmp_path / "other.db")


def _merge(ours: Path, other: Path, **how):
    with Project.open(ours) as project:
        return project.merge.merge(other, coder="alice", **how)


def _codings(path: Path, coder: str | None = None) -> list[tuple]:
    with Project.open(path) as project:
        return sorted((c.coder, c.code_id, c.document_id, c.start, c.end) for c in project.codings.select(coder=coder))


def _ratings(path: Path) -> dict[tuple, str]:
    with Project.open(path) as project:
        return {(r.case_id, r.code_id, r.facet_id, r.coder): r.step_id for r in project.ratings.select()}


def _added(report) -> dict[str, int]:
    return {kind: counts["added"] for kind, counts in report.counts.items() if counts["added"]}


def test_blind_copies_come_together_without_duplicates(pair, dump):
    ours, other = pair
    with Project.open(ours) as p:
        p.codings.apply("A", "budget", "alice", turn=6)
        p.codings.apply("A", "central-support", "alice", quote=CENTRAL, memo="alice's")
        p.ratings.rate("A", "budget", "中", coder="alice")
    with Project.open(other) as p:
        p.codings.apply("A", "budget", "bob", turn=6)  # the same passage as alice's
        p.codings.apply("A", "staffing", "bob", turn=6, sentence=1)  # overlapping it
        p.codings.apply("A", "central-support", "alice", quote=CENTRAL)  # alice coded this in both copies
        p.codings.apply("B", "leader-priority", "bob", turn=4, memo="bob's")
        p.ratings.rate("A", "budget", "強", coder="bob")
        p.ratings.rate("B", "leader-priority", "中", coder="bob")
    expected = sorted(set(_codings(ours)) | set(_codings(other)))
    report = _merge(ours, other)
    assert _codings(ours) == expected and len(expected) == 5
    assert _added(report) == {"codings": 3, "memos": 1, "ratings": 2, "events": 5}
    assert report.counts["codings"]["skipped"] == 1  # alice's second coding of the same passage
    assert report.counts["documents"]["skipped"] == 5 and report.counts["codes"]["skipped"] == 25
    assert _ratings(ours) == {("A", "budget", "establishment", "alice"): "medium",
                              ("A", "budget", "establishment", "bob"): "strong",
                              ("B", "leader-priority", "establishment", "bob"): "medium"}  # fmt: skip
    with Project.open(ours) as p:
        assert p.events(1)[0]["action"] == "merge"
    before = dump(ours)
    again = _merge(ours, other)
    assert not again.changed and _added(again) == {} and dump(ours) == before  # not even a backup or an event
    assert again.counts["events"]["skipped"] == 5


def test_the_other_coders_undo_history_survives_the_merge(pair):
    ours, other = pair
    with Project.open(ours) as p:
        alice = p.codings.apply("A", "budget", "alice", turn=6)
    with Project.open(other) as p:
        first = p.codings.apply("A", "budget", "bob", turn=6)
        second = p.codings.apply("B", "leader-priority", "bob", turn=4)
        p.codings.set_memo(second.id, "bob's memo", "bob")
        p.codings.remove(first.id, "bob")
        p.history.undo("bob")  # the removal: first is back
    _merge(ours, other)
    with Project.open(ours) as p:  # bob's stacks as he left them: the removal undone, so first is there
        assert p.codings.exists(first.id)
        assert p.history.undo("bob").action == "memo" and p.codings.get(second.id).memo == ""
        assert p.history.undo("bob").action == "code" and not p.codings.exists(second.id)
        assert p.history.undo("bob").action == "code" and not p.codings.exists(first.id)
        assert p.history.redo("bob").action == "code" and p.codings.exists(first.id)
        assert p.codings.exists(alice.id)
        assert p.history.undo("alice").target == alice.id  # alice's history is hers alone
    # merging again carries nothing twice
    assert _merge(ours, other).counts["events"]["added"] == 0


def test_memo_policies(demo_db, copy_db, tmp_path):
    with Project.open(demo_db) as p:  # four codings both copies share, two with a memo
        ids = [p.codings.apply("A", code, "alice", turn=n, memo=memo).id
               for code, n, memo in (("budget", 6, ""), ("staffing", 8, ""), ("organization", 10, "m0"),
                                     ("leader-priority", 12, "m0"))]  # fmt: skip
    other = copy_db(demo_db, tmp_path / "other.db")
    with Project.open(demo_db) as p:
        p.codings.set_memo(ids[1], "ours", "alice")
        p.codings.set_memo(ids[2], "ours, newer", "alice")
    with Project.open(other) as p:
        p.codings.set_memo(ids[0], "theirs", "alice")
        p.codings.set_memo(ids[1], "theirs", "alice")
        p.codings.set_memo(ids[3], "theirs, newer", "alice")
    report = _merge(demo_db, other)
    memos = report.counts["memos"]
    assert (memos["added"], memos["conflicts"], memos["skipped"], memos["updated"]) == (1, 1, 1, 1)
    with Project.open(demo_db) as p:
        assert [p.codings.get(i).memo for i in ids] == ["theirs", "ours", "ours, newer", "theirs, newer"]
        conflict = next(d for d in report.details if d["outcome"] == "conflicts")
        assert (conflict["ours"], conflict["theirs"]) == ("ours", "theirs")
        # the memo events that came in are alice's to undo; the conflicting one stayed out
        assert report.counts["events"] == {**report.counts["events"], "added": 2, "refused": 1}
        assert p.history.undo("alice").target == ids[3] and p.codings.get(ids[3]).memo == "m0"


def test_rating_policies(demo_db, copy_db, tmp_path):
    cells = [("A", "budget"), ("A", "staffing"), ("A", "leader-priority"), ("B", "budget")]
    with Project.open(demo_db) as p:
        for case, code in cells:
            p.ratings.rate(case, code, "中", coder="alice")
    other = copy_db(demo_db, tmp_path / "other.db")
    with Project.open(demo_db) as p:
        p.ratings.rate("A", "staffing", "弱", coder="alice")
        p.ratings.clear("A", "leader-priority", coder="alice")
    with Project.open(other) as p:
        p.ratings.rate("A", "budget", "強", coder="alice")  # only there: the newer value wins
        p.ratings.rate("A", "staffing", "強", coder="alice")  # both changed it: a conflict, ours kept
        p.ratings.clear("B", "budget", coder="alice")  # cleared there: kept here, reported
    report = _merge(demo_db, other)
    ratings = report.counts["ratings"]
    assert (ratings["updated"], ratings["conflicts"], ratings["skipped"], ratings["added"]) == (1, 2, 1, 0)
    assert _ratings(demo_db) == {("A", "budget", "establishment", "alice"): "strong",
                                 ("A", "staffing", "establishment", "alice"): "weak",
                                 ("B", "budget", "establishment", "alice"): "medium"}  # fmt: skip
    messages = [d["message"] for d in report.details if d["kind"] == "ratings"]
    assert any("A/staffing/establishment by alice: kept this project's 弱; the other's is 強" in m for m in messages)
    assert any("B/budget/establishment by alice: cleared there; kept here" in m for m in messages)
    assert any("A/leader-priority/establishment by alice: cleared in this project" in m for m in messages)
    assert report.counts["events"]["added"] == 1 and report.counts["events"]["refused"] == 2


def test_a_removal_here_is_not_undone_and_a_removal_there_is_not_applied(demo_db, copy_db, tmp_path):
    with Project.open(demo_db) as p:
        x = p.codings.apply("A", "budget", "alice", turn=6)
        y = p.codings.apply("A", "staffing", "alice", turn=8)
    other = copy_db(demo_db, tmp_path / "other.db")
    with Project.open(demo_db) as p:
        p.codings.remove(x.id, "alice")
    with Project.open(other) as p:
        p.codings.remove(y.id, "alice")
        p.codings.apply("B", "budget", "alice", turn=4)
    report = _merge(demo_db, other)
    with Project.open(demo_db) as p:
        assert not p.codings.exists(x.id) and p.codings.exists(y.id)
    details = {d["coding"]: d for d in report.details if d["kind"] == "codings"}
    assert "removed in this project; not added again" in details[x.id]["message"]
    assert "removed there; kept here" in details[y.id]["message"] and details[y.id]["outcome"] == "conflicts"
    assert report.counts["codings"]["added"] == 1
    assert [d["reason"] for d in report.details if d["kind"] == "events"] == [
        "its coding was removed there but is here"
    ]


def test_a_code_the_other_created_is_created_under_its_parent_and_undoable(pair):
    ours, other = pair
    with Project.open(other) as p:
        p.codebook.create_code("online-services", "線上服務", parent="local-policy", coder="bob")
        p.codebook.create_code("chatbot", "聊天機器人", parent="online-services", coder="bob")
        p.codings.apply("A", "chatbot", "bob", turn=6)
    report = _merge(ours, other)
    assert report.counts["codes"]["added"] == 2
    with Project.open(ours) as p:
        assert p.codebook.code("chatbot").parent_id == "online-services"
        assert p.codebook.code("online-services").parent_id == "local-policy"
        assert p.history.undo("bob").action == "code"
        assert p.history.undo("bob").action == "code.create"
        assert [c.id for c in p.codebook.codes() if c.id == "chatbot"] == []


def test_a_document_only_the_other_has_comes_in_with_its_case(pair, tmp_path):
    ours, other = pair
    transcript = tmp_path / "F.txt"
    transcript.write_text("受訪者編號：F\n\n問：經費夠嗎？\n\n答：不夠，中央補助很少。\n", encoding="utf-8")
    with Project.open(other) as p:
        p.documents.import_files([transcript])
        p.codings.apply("F", "budget", "bob", quote="中央補助很少")
    report = _merge(ours, other)
    assert _added(report) == {"documents": 1, "cases": 1, "codings": 1, "events": 1}
    with Project.open(ours) as p:
        [coding] = p.codings.select(case="F")
        assert coding.text == "中央補助很少" and p.search.find("補助", cases=["F"]).total == 1
    assert not _merge(ours, other).changed


def _edited_a(tmp_path: Path) -> Path:
    text = (ROOT / "transcripts" / "A.txt").read_text(encoding="utf-8")
    text = text.replace("受訪者編號：A", "受訪者編號：A\n備註：第二版", 1)
    text = text.replace(BUDGET, "其實，台北人力銀行投入的經費", 1).replace(GONE, NEW, 1)
    path = tmp_path / "v2" / "A.txt"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    return path


def test_codings_on_a_changed_text_are_re_anchored_or_refused_one_by_one(pair, tmp_path):
    ours, other = pair
    with Project.open(other) as p:
        p.documents.import_files([_edited_a(tmp_path)])
        moved = p.codings.apply("A", "central-support", "bob", quote=CENTRAL, memo="bob's")
        changed = p.codings.apply("A", "budget", "bob", turn=6)
        gone = p.codings.apply("A", "staffing", "bob", quote=NEW[:17])
    report = _merge(ours, other)
    assert report.counts["documents"]["re-anchored"] == 1
    assert (report.counts["codings"]["re-anchored"], report.counts["codings"]["refused"]) == (2, 1)
    status = {d["coding"]: d["status"] for d in report.details if d["kind"] == "codings"}
    assert status == {moved.id: "moved", changed.id: "re-anchored", gone.id: "orphaned"}
    with Project.open(ours) as p:
        assert p.codings.get(moved.id).text == CENTRAL and not p.codings.get(moved.id).review
        assert p.codings.get(changed.id).review and p.codings.get(changed.id).text.startswith(BUDGET)
        assert not p.codings.exists(gone.id)
        # the moved coding is bob's to undo (same words); the re-anchored one is not (its words changed)
        assert p.history.undo("bob").action == "code" and not p.codings.exists(moved.id)
        with pytest.raises(BadInput, match="nothing to undo"):
            p.history.undo("bob")
    assert report.counts["events"] == {**report.counts["events"], "added": 1, "refused": 2}


def test_rename_coder(pair):
    ours, other = pair
    with Project.open(ours) as p:
        p.codings.apply("A", "budget", "bob", turn=6)  # our bob is another person than theirs
    with Project.open(other) as p:
        p.codings.apply("A", "budget", "bob", turn=6)
        p.ratings.rate("A", "budget", "強", coder="bob")
    report = _merge(ours, other, renames={"bob": "carol"})
    assert report.renamed == {"bob": "carol"} and report.counts["codings"]["added"] == 1
    assert [c[0] for c in _codings(ours)] == ["bob", "carol"]
    assert set(_ratings(ours)) == {("A", "budget", "establishment", "carol")}
    with Project.open(ours) as p:
        assert p.history.undo("carol").action == "rate"
        assert p.history.undo("carol").action == "code"
        assert p.history.undo("bob").action == "code"  # our bob's own
    with pytest.raises(BadInput, match="has no coder 'dave'"):
        _merge(ours, other, renames={"dave": "erin"})


def test_a_dry_run_reports_the_same_and_writes_nothing(pair, dump):
    ours, other = pair
    with Project.open(other) as p:
        p.codings.apply("A", "budget", "bob", turn=6)
    before = dump(ours)
    called = []
    dry = _merge(ours, other, dry_run=True, before_write=lambda: called.append(1))
    assert dump(ours) == before and called == [] and dry.dry_run
    real = _merge(ours, other, before_write=lambda: called.append(1))
    assert called == [1] and not real.dry_run and real.counts == dry.counts


def test_a_qdpx_exported_from_a_copy_merges_and_so_does_the_copy_after_it(pair, tmp_path):
    ours, other = pair
    with Project.open(other) as p:
        p.codings.apply("A", "budget", "bob", turn=6, memo="bob's")
        p.codings.apply("B", "leader-priority", "bob", turn=4)
        (tmp_path / "other.qdpx").write_bytes(export_qdpx(p))
    report = _merge(ours, tmp_path / "other.qdpx")
    assert report.format == "qdpx" and _added(report) == {"codings": 2, "memos": 1}
    assert _codings(ours, "bob") == _codings(other, "bob")
    assert not _merge(ours, tmp_path / "other.qdpx").changed
    # the project file itself then brings bob's history onto the same codings (they came without one)
    after = _merge(ours, other)
    assert after.counts["codings"] == {**after.counts["codings"], "added": 0, "skipped": 2}
    assert after.counts["events"]["added"] == 2
    with Project.open(ours) as p:
        assert p.history.undo("bob").action == "code"
        assert len(p.codings.select(coder="bob")) == 1


def _old_project(path: Path, version: int) -> None:
    """A project file as qualcode wrote it at `version` (its released SQL migrations), with a coding in it."""
    text = "受訪者編號：A\n\n問：經費從哪裡來？\n\n答：中央的就業安定基金。\n"
    conn = sqlite3.connect(path)
    for migration in MIGRATIONS[:version]:
        assert isinstance(migration, str)
        for statement in _statements(migration):
            conn.execute(statement)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    conn.execute("INSERT INTO schema_version VALUES (?)", (version,))
    conn.execute("INSERT INTO cases (id, name) VALUES ('A', '臺北市')")
    conn.execute(
        "INSERT INTO documents (id, case_id, title, sha256, text, imported_at) VALUES (1, 'A', 'A', 'x', ?, 'now')",
        (text,),
    )
    conn.execute("INSERT INTO codes (id, name) VALUES ('budget', '預算')")
    answer = text.index("中央")
    conn.execute(
        'INSERT INTO codings (id, document_id, code_id, coder, start, "end", created_at, updated_at) '
        "VALUES ('c1', 1, 'budget', 'alice', ?, ?, 'now', 'now')",
        (answer, answer + 8),
    )
    conn.commit()
    conn.close()


def test_an_older_project_is_read_from_a_migrated_copy_and_left_as_it_is(tmp_path):
    old = tmp_path / "old.db"
    _old_project(old, 4)
    digest = hashlib.sha256(old.read_bytes()).hexdigest()
    with Project.open(tmp_path / "new.db", create=True) as p:
        report = p.merge.merge(old, coder="alice")
        [coding] = p.codings.select()
        assert (coding.id, coding.coder, coding.text) == ("c1", "alice", "中央的就業安定基")
    assert report.schema == 4 and "schema version 4" in report.notes[0]
    assert _added(report) == {"documents": 1, "cases": 1, "codes": 1, "codings": 1}
    assert hashlib.sha256(old.read_bytes()).hexdigest() == digest
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.db", "old.db"]  # no backups, no leftovers


def _newer(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    conn.commit()
    conn.close()


def _foreign(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE things (id INTEGER)")
    conn.commit()
    conn.close()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda ours, other: other.unlink(), "no such file"),
        (
            lambda ours, other: other.write_text("問：你好\n", encoding="utf-8"),
            "neither a qualcode project nor a .qdpx",
        ),
        (lambda ours, other: (other.unlink(), _foreign(other)), "an SQLite file that is not a qualcode project"),
        (lambda ours, other: _newer(other), f"schema version {SCHEMA_VERSION + 1} is newer than this qualcode"),
        (lambda ours, other: (other.unlink(), other.symlink_to(ours)), "is this project itself"),
        (lambda ours, other: (other.unlink(), other.mkdir()), "is a directory"),
    ],
    ids=["missing", "text", "foreign-sqlite", "newer", "itself", "directory"],
)
def test_what_is_not_another_copy_is_refused_and_nothing_changes(pair, dump, make, message):
    ours, other = pair
    make(ours, other)
    before = dump(ours)
    with pytest.raises(BadInput, match=message) as caught:
        _merge(ours, other)
    assert caught.value.exit_code == 2 and dump(ours) == before
    assert not (ours.parent / "backups").exists()


# -- a property: whatever each coder codes, the merge holds exactly the union, and merging again adds nothing ----

TEXT = "問：經費夠嗎？\n\n答：不夠，中央補助很少，人力也不夠。\n\n問：主管重視嗎？\n\n答：局長很重視。\n"
SPANS = st.tuples(st.sampled_from(["budget", "staffing"]), st.integers(0, 30), st.integers(1, 6))


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tiny") / "base.db"
    with Project.open(path, create=True) as p:
        p.codebook.load(bundled_path("codebooks", "five-municipalities.yaml"))
        p.documents.add_texts([NewText("A", "A", TEXT)])
    return path


def _code(path: Path, coder: str, spans) -> None:
    with Project.open(path) as p:
        for code, start, length in spans:
            try:
                p.codings.add(1, code, coder, start, start + length)
            except BadInput:
                pass  # the same span twice


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    shared=st.lists(SPANS, max_size=3),
    alice_here=st.lists(SPANS, max_size=4),
    alice_there=st.lists(SPANS, max_size=4),
    bob_there=st.lists(SPANS, max_size=4),
)
def test_the_merge_is_the_union_and_idempotent(tiny, shared, alice_here, alice_there, bob_there):
    with tempfile.TemporaryDirectory() as folder:
        base, ours, other = (Path(folder) / name for name in ("base.db", "ours.db", "other.db"))
        shutil.copy(tiny, base)
        _code(base, "alice", shared)
        shutil.copy(base, ours)
        shutil.copy(base, other)
        _code(ours, "alice", alice_here)
        _code(other, "alice", alice_there)
        _code(other, "bob", bob_there)
        before = set(_codings(ours))
        union = sorted(before | set(_codings(other)))
        alice = [c for c in union if c[0] == "alice"]
        first = _merge(ours, other)
        assert _codings(ours) == union
        assert first.counts["codings"]["added"] == len(set(union) - before)
        second = _merge(ours, other)
        assert not second.changed and _codings(ours) == union
        bob = len(_codings(other, "bob"))
        with Project.open(ours) as p:  # bob can undo every coding he brought, and nothing else
            for _ in range(bob):
                assert p.history.undo("bob").action == "code"
        assert _codings(ours, "bob") == [] and _codings(ours, "alice") == alice
