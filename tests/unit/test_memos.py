"""Memos on the project, documents, cases and codes (project.memos): one per target and author, checked targets,
one event per change, undo and redo per author."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.errors import BadInput, Conflict, NotFound
from qualcode.project import Project

TEXT = "臺北市的中央態度 𠮷野家\n第二行"


def _events(project, action="memo.set") -> list[dict]:
    return [e for e in project.events(1000) if e["action"] == action]


def _state(project) -> dict[tuple[str, str, str], str]:
    return {(m.target_type, m.target_id, m.author): m.text for m in project.memos.list()}


def test_one_memo_per_target_and_author_with_cjk_and_non_bmp_text(project):
    first = project.memos.set("case", "A", TEXT, author="alice")
    assert (first.target_type, first.target_id, first.author, first.text) == ("case", "A", "alice", TEXT)
    assert first.created_at == first.updated_at != ""
    project.memos.set("case", "A", "bob's 備忘", author="bob")
    again = project.memos.set("case", "A", TEXT + "。", author="alice")  # replaces alice's, keeps bob's
    assert again.text == TEXT + "。" and again.created_at == first.created_at and again.updated_at > first.updated_at
    assert _state(project) == {("case", "A", "alice"): TEXT + "。", ("case", "A", "bob"): "bob's 備忘"}
    assert project.memos.get("case", "A", author="alice").text.endswith("𠮷野家\n第二行。")
    assert project.memos.get("case", "B", author="alice") is None


def test_targets_resolve_as_the_cli_names_them_and_list_in_project_order(project):
    a = project.documents.document("A")
    project.memos.set("code", "budget", "經費", author="alice")
    project.memos.set("code", "central-support", "中央", author="alice")
    project.memos.set("case", "E", "高雄", author="alice")
    project.memos.set("case", "B", "新北", author="alice")
    project.memos.set("document", "A", "文件 A", author="alice")  # a case id with one document: that document
    project.memos.set("project", None, "整個研究", author="alice")
    assert project.memos.get("document", a.id, author="alice").target_id == str(a.id)
    assert project.memos.get("document", a.title, author="alice").text == "文件 A"  # or its title
    order = [(m.target_type, m.target_id) for m in project.memos.list()]
    # the project, documents, cases in case order, codes in codebook order (central-support is under policy, after)
    assert order == [("project", ""), ("document", str(a.id)), ("case", "B"), ("case", "E"), ("code", "budget"),
                     ("code", "central-support")]  # fmt: skip
    assert [m.target_id for m in project.memos.list("case")] == ["B", "E"]
    assert [m.text for m in project.memos.list("code", "budget")] == ["經費"]
    assert project.memos.list(author="bob") == []


@pytest.mark.parametrize(
    ("target_type", "target_id", "error", "message"),
    [
        ("case", "Z", NotFound, "unknown case 'Z'"),
        ("code", "budgt", NotFound, "unknown code 'budgt'; did you mean 'budget'"),
        ("document", "99", NotFound, "unknown document '99'"),
        ("document", "", BadInput, "a document memo needs the document's id"),
        ("coding", "x", BadInput, "unknown memo target 'coding' \\(use project, document, case, code\\)"),
        ("project", "A", BadInput, "a project memo has no target id"),
    ],
)
def test_unknown_targets_are_one_line_and_change_nothing(project, dump, target_type, target_id, error, message):
    before = dump(project.path)
    with pytest.raises(error, match=message):
        project.memos.set(target_type, target_id, "備忘", author="alice")
    with pytest.raises(BadInput, match="needs an author"):
        project.memos.set("case", "A", "備忘", author=" ")
    assert dump(project.path) == before


def test_each_change_is_one_event_with_the_state_before_and_after(project):
    project.memos.set("case", "A", "一", author="alice")
    project.memos.set("case", "A", "一", author="alice")  # the same text: no change, no event
    project.memos.set("case", "A", "二", author="alice")
    assert project.memos.set("case", "A", "  \n", author="alice") is None  # blank text deletes
    assert project.memos.set("case", "A", "", author="alice") is None  # nothing to delete: no event
    events = list(reversed(_events(project)))
    assert [(e["coder"], e["target"]) for e in events] == [("alice", "case A")] * 3
    payloads = [json.loads(e["payload"]) for e in events]
    assert [(p["before"] and p["before"]["text"], p["after"] and p["after"]["text"]) for p in payloads] == [
        (None, "一"),
        ("一", "二"),
        ("二", None),
    ]
    assert payloads[0]["memo"] == {"type": "case", "id": "A", "author": "alice"}
    assert project.memos.list() == []


def test_undo_and_redo_are_the_authors_own(project):
    project.memos.set("code", "budget", "alice 𠮷", author="alice")
    project.memos.set("code", "budget", "bob", author="bob")
    created = project.memos.get("code", "budget", author="alice").created_at
    project.memos.set("code", "budget", "alice 改", author="alice")
    result = project.history.undo("alice")
    assert (result.action, result.target, result.description) == (
        "memo.set",
        "code budget",
        "undid memo change on code budget",
    )
    memo = project.memos.get("code", "budget", author="alice")
    assert (memo.text, memo.created_at) == ("alice 𠮷", created)
    project.history.undo("alice")
    assert _state(project) == {("code", "budget", "bob"): "bob"}  # bob's memo untouched by alice's undo
    project.history.redo("alice")
    project.history.redo("alice")
    assert _state(project) == {("code", "budget", "alice"): "alice 改", ("code", "budget", "bob"): "bob"}
    project.memos.set("code", "budget", "", author="alice")  # a deletion is undone too
    project.history.undo("alice")
    assert project.memos.get("code", "budget", author="alice").text == "alice 改"
    with Project.open(project.path) as again:  # the history survives a restart
        again.history.undo("bob")
        assert _state(again) == {("code", "budget", "alice"): "alice 改"}


def test_a_memo_is_not_restored_onto_a_code_that_is_gone(project, dump):
    project.codebook.create_code("new-code", "新代碼", parent="resources", coder="carol")
    project.memos.set("code", "new-code", "關於新代碼", author="alice")
    project.history.undo("carol")  # carol's new code goes; alice's memo on it stays, listed, its target gone
    assert [m.target_id for m in project.memos.list("code")] == ["new-code"]
    assert not project.memos.exists("code", "new-code")
    project.history.undo("alice")
    assert project.memos.list() == []
    before = dump(project.path)
    with pytest.raises(Conflict, match="cannot restore the memo on code new-code: the code is gone; nothing changed"):
        project.history.redo("alice")
    assert dump(project.path) == before


TARGETS = [("project", None), ("case", "A"), ("case", "B"), ("document", "C"), ("code", "budget")]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    ops=st.lists(
        st.tuples(
            st.sampled_from(range(len(TARGETS))),
            st.sampled_from(["alice", "bob"]),
            st.sampled_from(["", " ", "備忘", "𠮷", "中央\n地方", "備忘"]),
        ),
        max_size=10,
    )
)
def test_memos_follow_a_dictionary_and_undo_walks_each_author_back(demo_template, copy_db, ops):
    folder = Path(tempfile.mkdtemp(prefix="memos-"))
    try:
        with Project.open(copy_db(demo_template, folder / "p.db")) as project:
            oracle: dict[tuple[str, str, str], str] = {}
            done: dict[str, list[dict]] = {"alice": [], "bob": []}  # each author's changes: the state before each
            for index, author, text in ops:
                target_type, target_id = project.memos.target(*TARGETS[index])
                key = (target_type, target_id, author)
                before = dict(oracle)
                if text.strip():
                    oracle[key] = text
                else:
                    oracle.pop(key, None)
                if oracle != before:
                    done[author].append({k: v for k, v in before.items() if k[2] == author})
                project.memos.set(*TARGETS[index], text, author=author)
                assert _state(project) == oracle
            for author in ("alice", "bob"):
                others = {k: v for k, v in oracle.items() if k[2] != author}
                for expected in reversed(done[author]):
                    project.history.undo(author)
                    assert _state(project) == {**others, **expected}
                with pytest.raises(BadInput, match="nothing to undo"):
                    project.history.undo(author)
                oracle = others
            assert project.memos.list() == []
    finally:
        shutil.rmtree(folder)
