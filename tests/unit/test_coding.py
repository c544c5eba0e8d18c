"""Coding by span, quote and turn; offsets in code points; undo/redo from the persisted log."""

from __future__ import annotations

import pytest

from qualcode.errors import BadInput, Conflict, NotFound
from qualcode.project import Project


def test_code_by_quote_ignores_whitespace_differences(project):
    coding = project.codings.apply("A", "central-support", "alice", quote="中央根本就是 希望\n我們關掉")
    text = project.documents.text(coding.document_id)
    assert text[coding.start : coding.end] == "中央根本就是希望我們關掉" == coding.text
    assert coding.case_id == "A"


def test_quote_across_a_line_break_in_the_source(project):
    # "96年 8月" in A spans a space; the quote leaves it out
    coding = project.codings.apply("A", "site-establishment", "alice", quote="96年8月1號正式成立")
    assert coding.text == "96年 8月 1號正式成立"


def test_absent_and_ambiguous_quotes_are_refused(project):
    with pytest.raises(BadInput, match="does not occur in document 1 \\(A\\)"):
        project.codings.apply("A", "budget", "alice", quote="這句話不在逐字稿裡")
    with pytest.raises(BadInput, match=r"occurs .* times in document 1"):
        project.codings.apply("A", "budget", "alice", quote="台北人力銀行")
    assert project.codings.select() == []


def test_code_by_turn_covers_what_was_said(project):
    coding = project.codings.apply("A", "budget", "alice", turn=6)
    turn = project.documents.turn(coding.document_id, 6)
    assert (coding.start, coding.end) == (turn.start, turn.end)
    assert coding.text.startswith("其實台北人力銀行投入的經費") and coding.text.endswith("還是差得很遠。")


def test_span_outside_the_text_and_unknown_things(project):
    length = project.documents.document("A").length
    for span in (f"0:{length + 1}", "5:5", "10:3", "-1:4", "abc", "12"):
        with pytest.raises(BadInput):
            project.codings.apply("A", "budget", "alice", span=span)
    with pytest.raises(NotFound, match="unknown code 'budgett'; did you mean 'budget'"):
        project.codings.apply("A", "budgett", "alice", span="0:4")
    with pytest.raises(NotFound, match="unknown document 'Z'"):
        project.codings.apply("Z", "budget", "alice", span="0:4")
    with pytest.raises(NotFound, match="has no turn 99"):
        project.codings.apply("A", "budget", "alice", turn=99)
    assert project.codings.select() == []


def test_exact_duplicates_are_refused_but_overlaps_allowed(project):
    project.codings.apply("B", "budget", "alice", span="100:120")
    with pytest.raises(Conflict, match="already coded"):
        project.codings.apply("B", "budget", "alice", span="100:120")
    project.codings.apply("B", "budget", "bob", span="100:120")
    project.codings.apply("B", "staffing", "alice", span="110:130")
    assert len(project.codings.select(document="B")) == 3


def test_offsets_are_code_points_outside_the_bmp(tmp_path):
    from qualcode.codebook import Codebook
    from qualcode.model import Code

    path = tmp_path / "X.txt"
    text = "問：𠀋𡈽人力銀行？\n\n答：𩸽魚與𠮷野家的就業服務處。\n"
    path.write_text(text, encoding="utf-8")
    with Project.open(tmp_path / "p.db", create=True) as project:
        project.codebook.replace(Codebook(codes=(Code(id="k", name="K"),)))
        project.documents.import_files([path])
        by_quote = project.codings.apply("X", "k", "alice", quote="𠮷野家")
        assert (by_quote.start, by_quote.end) == (text.index("𠮷"), text.index("𠮷") + 3)
        assert by_quote.text == "𠮷野家"
        by_span = project.codings.apply("X", "k", "alice", span=f"{text.index('𩸽')}:{text.index('𩸽') + 2}")
        assert by_span.text == "𩸽魚"
        # SQLite's substr agrees with Python's indexing
        row = project.store.conn.execute("SELECT substr(text, ? + 1, 2) FROM documents", (text.index("𩸽"),)).fetchone()
        assert row[0] == "𩸽魚"


def test_undo_and_redo_survive_a_restart(demo_db):
    with Project.open(demo_db) as project:
        first = project.codings.apply("A", "budget", "alice", turn=6)
        second = project.codings.apply("A", "staffing", "alice", turn=8)
        project.codings.apply("A", "budget", "bob", turn=10)
        project.codings.remove(first.id, "alice")
    with Project.open(demo_db) as project:  # a new process would see the same
        assert "undid removal" in project.history.undo("alice").description
        assert {c.id for c in project.codings.select(coder="alice")} == {first.id, second.id}
    with Project.open(demo_db) as project:
        project.history.undo("alice")  # the second coding
        assert [c.id for c in project.codings.select(coder="alice")] == [first.id]
        assert len(project.codings.select(coder="bob")) == 1  # bob's work is untouched
    with Project.open(demo_db) as project:
        assert "redid coding staffing" in project.history.redo("alice").description
        assert {c.id for c in project.codings.select(coder="alice")} == {first.id, second.id}
        project.history.redo("alice")  # the removal again
        assert [c.id for c in project.codings.select(coder="alice")] == [second.id]
        with pytest.raises(BadInput, match="nothing to redo"):
            project.history.redo("alice")


def test_a_new_action_clears_the_redo_stack(project):
    project.codings.apply("C", "budget", "alice", turn=2)
    project.history.undo("alice")
    project.codings.apply("C", "staffing", "alice", turn=2)
    with pytest.raises(BadInput, match="nothing to redo"):
        project.history.redo("alice")
    project.history.undo("alice")
    with pytest.raises(BadInput, match="nothing to undo"):
        project.history.undo("alice")


def test_memo_changes_are_undoable(project):
    coding = project.codings.apply("D", "budget", "alice", turn=2, memo="first")
    project.codings.set_memo(coding.id, "second", "alice")
    assert project.codings.get(coding.id).memo == "second"
    project.history.undo("alice")
    assert project.codings.get(coding.id).memo == "first"


def test_every_change_is_in_the_append_only_event_log(project):
    import sqlite3

    coding = project.codings.apply("E", "budget", "alice", turn=2)
    project.codings.remove(coding.id, "alice")
    actions = [e["action"] for e in project.events(limit=2)]
    assert actions == ["uncode", "code"]
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        project.store.conn.execute("DELETE FROM events")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        project.store.conn.execute("UPDATE events SET coder = 'mallory'")


def test_passage_counts_count_each_passage_of_a_subtree_once(project):
    """Against an oracle: per code, the distinct (document, start, end) of codings of it or any descendant."""
    import random

    rng = random.Random(2026)
    codes = project.codebook.codes()
    parent = {c.id: c.parent_id for c in codes}
    documents = project.documents.documents()
    spans = []
    for document in documents[:2]:
        for _ in range(12):
            start = rng.randrange(0, document.length - 30)
            spans.append((document.id, start, start + rng.randrange(1, 30)))
    made = []
    for _ in range(80):
        document, start, end = rng.choice(spans)  # passages repeat under several codes and coders
        code = rng.choice(codes).id
        coder = rng.choice(["alice", "bob"])
        if (document, start, end, code, coder) in made:
            continue
        project.codings.apply(document, code, coder, span=(start, end))
        made.append((document, start, end, code, coder))

    def ancestors(code):
        while code is not None:
            yield code
            code = parent[code]

    for who in (None, "alice"):
        expected: dict[str, set] = {}
        for document, start, end, code, coder in made:
            if who is None or coder == who:
                for up in ancestors(code):
                    expected.setdefault(up, set()).add((document, start, end))
        assert project.codings.passage_counts(coder=who) == {c: len(s) for c, s in expected.items()}
        assert any(len(s) < sum(1 for m in made if m[3] == c) for c, s in expected.items())  # repeats happened
