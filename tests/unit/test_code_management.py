"""Managing codes through CodebookService: rename, move, merge, delete, update; each one event that
project.history undoes and redoes exactly (the codebook's YAML and every coding, rating and evidence row)."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.codebook import Codebook, dumps, loads
from qualcode.errors import BadInput, Conflict, NotFound
from qualcode.model import Code, Facet, ScaleStep
from qualcode.project import Project


def state(project: Project) -> tuple:
    """Everything code management may touch: the codebook as YAML, and the rows of codings, ratings and
    evidence (ids, memos, times), and memos on codes."""
    conn = project.store.conn

    def rows(sql: str) -> list[tuple]:
        return [tuple(r) for r in conn.execute(sql)]

    return (
        dumps(project.codebook.get()),
        rows("SELECT * FROM codings ORDER BY id"),
        rows("SELECT * FROM ratings ORDER BY id"),
        rows("SELECT * FROM rating_evidence ORDER BY rating_id, coding_id"),
        rows("SELECT * FROM memos ORDER BY id"),
        rows("SELECT id, parent_id, position FROM codes ORDER BY id"),
    )


def undo_redo_exact(project: Project, before: tuple, coder: str) -> None:
    """Undo puts back `before` exactly; redo gives what the change made, exactly; undo again, `before` again."""
    after = state(project)
    assert after != before
    project.history.undo(coder)
    assert state(project) == before
    project.history.redo(coder)
    assert state(project) == after
    project.history.undo(coder)
    assert state(project) == before


def in_tree_order(project: Project) -> bool:
    """Every code comes after its parent in codebook order (what the TUI's tree and the YAML need)."""
    seen: set[str] = set()
    for code in project.codebook.codes():
        if code.parent_id is not None and code.parent_id not in seen:
            return False
        seen.add(code.id)
    return True


def test_rename_changes_the_names_and_undo_redo_restore_them(project):
    before = state(project)
    code = project.codebook.rename("budget", name=" 經費 ", name_en="Funding", coder="alice")
    assert (code.id, code.name, code.name_en) == ("budget", "經費", "Funding")
    assert project.codebook.code("budget").name == "經費"  # the cached list sees it
    assert "name: 經費" in dumps(project.codebook.get())
    undo_redo_exact(project, before, "alice")
    assert project.history.redo("alice").description == "redid renaming of code budget"


def test_rename_of_one_name_keeps_the_other_and_a_no_op_logs_nothing(project):
    events = len(project.events(1000))
    assert project.codebook.rename("budget", name="預算", coder="alice").name_en == "Budget"
    assert len(project.events(1000)) == events
    assert project.codebook.rename("budget", name_en="", coder="alice").name == "預算"
    assert project.codebook.code("budget").name_en == ""


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({}, "give a new name or English name"),
        ({"name": "  "}, "name cannot be empty"),
        ({"name": "經\n費"}, "one line without control characters"),
        ({"name_en": "a\x1bb"}, "one line without control characters"),
    ],
)
def test_rename_refuses_bad_names(project, dump, kwargs, message):
    before = dump(project.path)
    with pytest.raises(BadInput, match=message):
        project.codebook.rename("budget", coder="alice", **kwargs)
    assert dump(project.path) == before


def test_move_puts_the_code_last_under_its_new_parent_in_tree_order(project):
    before = state(project)
    moved = project.codebook.move("budget", parent="site-status", coder="alice")
    assert moved.parent_id == "site-status"
    children = [c.id for c in project.codebook.codes() if c.parent_id == "site-status"]
    assert children[-1] == "budget" and len(children) == 5
    assert in_tree_order(project)
    tree = [(c.id, depth) for c, depth in project.codebook.tree()]
    assert tree[tree.index(("site-status", 0)) + 5] == ("budget", 1)
    undo_redo_exact(project, before, "alice")
    assert in_tree_order(project)


def test_move_a_subtree_to_the_top_level_and_under_a_later_code(project):
    before = state(project)
    project.codebook.move("resources", parent="difficulties", coder="alice")  # the last code: its subtree follows it
    assert in_tree_order(project)
    assert project.codebook.descendants("difficulties") == ["difficulties", "resources", "budget", "staffing",
                                                            "organization"]  # fmt: skip
    project.codebook.move("resources", parent=None, coder="alice")
    assert project.codebook.code("resources").parent_id is None and in_tree_order(project)
    project.history.undo("alice")
    project.history.undo("alice")
    assert state(project) == before


@pytest.mark.parametrize(
    "code,parent,error,message",
    [
        ("budget", "budget", Conflict, "cannot move code 'budget' under itself"),
        ("resources", "budget", Conflict, "'budget' is below 'resources'"),
        ("region-traits", "region-traits", Conflict, "under itself"),
        ("budget", "nowhere", NotFound, "unknown parent: unknown code 'nowhere'"),
        ("nope", None, NotFound, "unknown code 'nope'"),
    ],
)
def test_move_refuses_cycles_and_unknown_codes(project, dump, code, parent, error, message):
    before = dump(project.path)
    with pytest.raises(error, match=message):
        project.codebook.move(code, parent=parent, coder="alice")
    assert dump(project.path) == before


def test_move_to_where_it_is_changes_nothing(project):
    events = len(project.events(1000))
    assert project.codebook.move("budget", parent="resources", coder="alice").parent_id == "resources"
    assert len(project.events(1000)) == events


def test_merge_moves_codings_folds_duplicates_in_and_joins_memos(project):
    a6 = project.codings.apply("A", "staffing", "alice", turn=6, memo="人力吃緊")
    kept = project.codings.apply("A", "budget", "alice", turn=6, memo="經費有限")
    bob6 = project.codings.apply("A", "staffing", "bob", turn=6)  # another coder: not a duplicate of alice's
    b3 = project.codings.apply("B", "staffing", "alice", turn=3)
    before = state(project)
    result = project.codebook.merge("staffing", "budget", coder="alice")
    assert (result.moved, result.collapsed, result.memos_joined) == (2, 1, 1)
    assert not project.codings.exists(a6.id)
    assert project.codings.get(kept.id).memo == "經費有限\n人力吃緊"
    assert {project.codings.get(i).code_id for i in (bob6.id, b3.id)} == {"budget"}
    assert [c.id for c in project.codebook.codes() if c.id == "staffing"] == []
    undo_redo_exact(project, before, "alice")
    assert project.codings.get(a6.id).memo == "人力吃緊" and project.codings.get(kept.id).memo == "經費有限"


def test_merge_takes_the_source_memo_when_the_target_has_none(project):
    project.codings.apply("A", "staffing", "alice", turn=6, memo="只有來源有備忘")
    kept = project.codings.apply("A", "budget", "alice", turn=6)
    result = project.codebook.merge("staffing", "budget", coder="alice")
    assert (result.collapsed, result.memos_joined) == (1, 0)
    assert project.codings.get(kept.id).memo == "只有來源有備忘"


def test_merge_moves_ratings_and_relinks_evidence_to_the_surviving_coding(project):
    folded = project.codings.apply("A", "staffing", "alice", turn=6)
    kept = project.codings.apply("A", "budget", "alice", turn=6)
    project.ratings.rate("A", "staffing", "強", coder="alice", evidence=[folded.id])
    project.ratings.rate("A", "resources", "中", coder="alice", evidence=[folded.id])  # another code's rating
    project.ratings.rate("B", "budget", "弱", coder="alice")  # another cell: no clash
    before = state(project)
    result = project.codebook.merge("staffing", "budget", coder="alice")
    assert result.ratings == 1
    moved = project.ratings.find("A", "budget", coder="alice")
    assert moved is not None and moved.step_id == "strong" and moved.evidence == (kept.id,)
    other = project.ratings.find("A", "resources", coder="alice")
    assert other is not None and other.evidence == (kept.id,)
    undo_redo_exact(project, before, "alice")
    assert project.ratings.find("A", "staffing", coder="alice").evidence == (folded.id,)


def test_merge_refuses_two_ratings_in_one_cell(project, dump):
    project.ratings.rate("A", "staffing", "強", coder="alice")
    project.ratings.rate("A", "budget", "弱", coder="alice")
    project.ratings.rate("A", "budget", "弱", coder="bob")  # bob has no staffing rating there: no clash
    before = dump(project.path)
    called = []
    with pytest.raises(Conflict, match=r"both are rated in the same cell \(case A establishment by alice\)"):
        project.codebook.merge("staffing", "budget", coder="alice", before_write=lambda: called.append(1))
    assert dump(project.path) == before and called == []


def test_merge_moves_children_after_the_targets_and_passes_on_the_rated_row(project):
    rated = project.codebook.rated_codes()
    assert "leader-attention" in rated and "local-policy" not in rated
    before = state(project)
    result = project.codebook.merge("leader-attention", "local-policy", coder="alice")
    assert result.children == ("leader-priority", "leader-support")
    kids = [c.id for c in project.codebook.codes() if c.parent_id == "local-policy"]
    assert kids == ["central-support", "legislature", "internal-consensus", "leader-priority", "leader-support"]
    assert project.codebook.rated_codes() == [("local-policy" if c == "leader-attention" else c) for c in rated]
    loads(dumps(project.codebook.get()))  # the YAML is still valid (its rated list names existing codes)
    undo_redo_exact(project, before, "alice")


def test_merge_into_a_later_code_keeps_tree_order(project):
    before = state(project)
    project.codebook.merge("region-traits", "site-status", coder="alice")
    kids = [c.id for c in project.codebook.codes() if c.parent_id == "site-status"]
    assert kids[-3:] == ["urbanization", "public-demand", "digitalization"] and len(kids) == 7
    assert in_tree_order(project)
    undo_redo_exact(project, before, "alice")


def test_merge_drops_the_source_row_when_the_target_is_rated_already(project):
    rated = project.codebook.rated_codes()
    assert {"staffing", "budget"} <= set(rated)
    project.codebook.merge("staffing", "budget", coder="alice")
    assert project.codebook.rated_codes() == [c for c in rated if c != "staffing"]


@pytest.mark.parametrize(
    "source,into,error,message",
    [
        ("budget", "budget", BadInput, "into itself"),
        ("resources", "budget", Conflict, "'budget' is below 'resources'; move it out first"),
        ("budget", "nope", NotFound, "unknown code 'nope'"),
        ("nope", "budget", NotFound, "unknown code 'nope'"),
    ],
)
def test_merge_refuses_itself_a_descendant_and_unknown_codes(project, dump, source, into, error, message):
    before = dump(project.path)
    with pytest.raises(error, match=message):
        project.codebook.merge(source, into, coder="alice")
    assert dump(project.path) == before


def test_merge_calls_before_write_once_checked_and_outside_the_transaction(project):
    seen = []
    project.codebook.merge(
        "staffing", "budget", coder="alice", before_write=lambda: seen.append(project.store.conn.in_transaction)
    )
    assert seen == [False]


def test_merge_moves_code_memos_and_joins_an_authors_two(project):
    if not hasattr(project, "memos"):
        pytest.skip("this checkout has no memos on codes")
    project.memos.set("code", "staffing", "人力備忘", author="alice")
    project.memos.set("code", "budget", "預算備忘", author="alice")
    project.memos.set("code", "staffing", "bob 的備忘", author="bob")
    before = state(project)
    assert project.codebook.merge("staffing", "budget", coder="alice").code_memos == 2
    assert project.memos.get("code", "budget", author="alice").text == "預算備忘\n人力備忘"
    assert project.memos.get("code", "budget", author="bob").text == "bob 的備忘"
    undo_redo_exact(project, before, "alice")


def test_delete_refuses_a_used_code_without_force_and_says_what_uses_it(project, dump):
    project.codings.apply("A", "budget", "alice", turn=6)
    project.ratings.rate("A", "budget", "強", coder="alice")
    before = dump(project.path)
    with pytest.raises(Conflict, match=r"code 'budget' has 1 coding and 1 rating; delete it with force"):
        project.codebook.delete("budget", coder="alice")
    with pytest.raises(Conflict, match=r"code 'resources' has 3 codes below it"):
        project.codebook.delete("resources", coder="alice")
    assert dump(project.path) == before
    usage = project.codebook.usage("budget")
    assert (usage.codings, usage.ratings, usage.children, usage.in_use) == (1, 1, (), True)


def test_delete_an_unused_code_and_undo_it(project):
    before = state(project)
    result = project.codebook.delete("legislature", coder="alice")
    assert (result.codings, result.ratings, result.children) == (0, 0, ())
    assert "legislature" not in [c.id for c in project.codebook.codes()]
    assert "legislature" not in project.codebook.get().rated
    undo_redo_exact(project, before, "alice")
    assert project.codebook.code("legislature").shortcut == "8"  # the code is back, with its key


def test_delete_with_force_takes_codings_ratings_and_evidence_and_undo_restores_them(project):
    gone = project.codings.apply("A", "budget", "alice", turn=6, memo="備忘")
    orphan_free = project.codings.apply("B", "budget", "bob", turn=3)
    project.ratings.rate("A", "budget", "強", coder="alice", evidence=[gone.id], note="預算充足")
    project.ratings.rate("A", "resources", "中", coder="alice", evidence=[gone.id])
    before = state(project)
    result = project.codebook.delete("budget", force=True, coder="alice")
    assert (result.codings, result.ratings, result.evidence) == (2, 1, 1)
    assert not project.codings.exists(gone.id) and not project.codings.exists(orphan_free.id)
    assert project.ratings.find("A", "resources", coder="alice").evidence == ()
    undo_redo_exact(project, before, "alice")
    assert project.ratings.find("A", "budget", coder="alice").note == "預算充足"


def test_delete_with_force_moves_children_up_to_the_parent(project):
    project.codebook.create_code("budget-central", "中央補助", parent="budget", coder="alice")
    before = state(project)
    result = project.codebook.delete("budget", force=True, coder="alice")
    assert result.children == ("budget-central",)
    assert project.codebook.code("budget-central").parent_id == "resources"
    assert in_tree_order(project)
    undo_redo_exact(project, before, "alice")


def test_update_sets_and_clears_colour_key_definition_keywords(project):
    before = state(project)
    code = project.codebook.update("budget", color="#123abc", key="", definition=" 經費 ", keywords=["經費", " ", "補助"],
                                   coder="alice")  # fmt: skip
    assert (code.color, code.shortcut, code.description, code.keywords) == ("#123abc", "", "經費", ("經費", "補助"))
    undo_redo_exact(project, before, "alice")
    assert project.history.redo("alice").description == "redid change of code budget"
    project.codebook.update("legislature", key="6", coder="alice")  # budget let go of 6
    assert project.codebook.code("legislature").shortcut == "6"


@pytest.mark.parametrize(
    "kwargs,error,message",
    [
        ({"key": "1"}, Conflict, r"key 1 already belongs to code 'urbanization' \(都市化程度\)"),
        ({"key": "12"}, BadInput, "bad key '12'"),
        ({"key": "a"}, BadInput, "use one digit 0-9"),
        ({"color": "red"}, BadInput, "bad colour 'red' for code 'budget': use #RRGGBB"),
        ({"color": "#12345"}, BadInput, "bad colour"),
        ({"keywords": ["ok", "a\x07"]}, BadInput, "control character"),
        ({}, BadInput, "give something to change"),
    ],
)
def test_update_refuses_bad_values_and_a_taken_key(project, dump, kwargs, error, message):
    before = dump(project.path)
    with pytest.raises(error, match=message):
        project.codebook.update("budget", coder="alice", **kwargs)
    assert dump(project.path) == before


def test_update_to_the_same_values_logs_nothing(project):
    events = len(project.events(1000))
    project.codebook.update("budget", key="6", coder="alice")
    assert len(project.events(1000)) == events


def test_undo_is_refused_when_someone_changed_the_code_since(project, dump):
    project.codebook.rename("budget", name="經費", coder="alice")
    project.codebook.rename("budget", name="財源", coder="bob")
    before = dump(project.path)
    with pytest.raises(Conflict, match="cannot undo the renaming of code 'budget': it was changed since"):
        project.history.undo("alice")
    assert dump(project.path) == before
    project.codebook.update("staffing", key="", coder="alice")
    project.codebook.update("budget", key="5", coder="bob")
    with pytest.raises(Conflict, match="key 5 now belongs to code 'budget'"):
        project.history.undo("alice")


def test_redo_of_a_delete_is_refused_when_the_code_got_codings_since(project):
    project.codebook.delete("legislature", coder="alice")
    project.history.undo("alice")
    project.codings.apply("A", "legislature", "bob", turn=6)
    with pytest.raises(Conflict, match="added since; nothing changed"):
        project.history.redo("alice")
    assert project.codebook.code("legislature")


def test_a_second_connection_and_the_cache_see_every_change(project):
    with Project.open(project.path) as other:
        assert other.codebook.code("budget").name == "預算"
        project.codebook.rename("budget", name="經費", coder="alice")
        assert other.codebook.code("budget").name == "經費"
        project.codebook.move("budget", parent=None, coder="alice")
        assert other.codebook.code("budget").parent_id is None
        project.codebook.delete("legislature", coder="alice")
        assert "legislature" not in {c.id for c in other.codebook.codes()}
        project.history.undo("alice")
        assert "legislature" in {c.id for c in other.codebook.codes()}
        assert "legislature" in {c.id for c in project.codebook.codes()}


def test_a_refused_change_leaves_the_cached_codes_as_the_file_has_them(project):
    project.codebook.codes()
    with pytest.raises(Conflict), project.transaction():  # rolled back after reading the codes inside
        project.codebook.rename("budget", name="經費", coder="alice")
        assert project.codebook.code("budget").name == "經費"
        raise Conflict("roll it back")
    assert project.codebook.code("budget").name == "預算"


def test_dump_after_rename_and_move_loads_into_a_fresh_project_as_the_same_tree(project, tmp_path):
    project.codebook.rename("budget", name="經費", name_en="Funding", coder="alice")
    project.codebook.move("budget", parent="site-status", coder="alice")
    project.codebook.move("positioning", parent="leader-attention", coder="alice")
    project.codebook.merge("future-plans", "difficulties", coder="alice")
    project.codebook.update("staffing", color="#000000", key="", coder="alice")
    text = dumps(project.codebook.get())
    path = tmp_path / "codebook.yaml"
    path.write_text(text, encoding="utf-8")
    with Project.open(tmp_path / "fresh.db", create=True) as fresh:
        fresh.codebook.load(path)
        assert dumps(fresh.codebook.get()) == text
        tree = [(c.id, c.parent_id, c.name, d) for c, d in fresh.codebook.tree()]
    assert tree == [(c.id, c.parent_id, c.name, d) for c, d in project.codebook.tree()]
    assert ("budget", "site-status", "經費", 1) in tree


def test_project_merge_refuses_code_management_events_and_reports_them(project, tmp_path):
    project.codings.apply("A", "staffing", "bob", turn=6)
    project.close()
    other = tmp_path / "other.db"
    shutil.copy(project.path, other)
    with Project.open(other) as theirs:
        theirs.codebook.rename("budget", name="經費", coder="bob")
        theirs.codebook.move("staffing", parent="site-status", coder="bob")
        theirs.codebook.merge("staffing", "budget", coder="bob")
        theirs.codebook.update("organization", key="", coder="bob")
        theirs.codebook.delete("legislature", coder="bob")
    with Project.open(project.path) as mine:
        report = mine.merge.merge(other, coder="me")
        refused = {d["action"] for d in report.details if d["kind"] == "events" and d["outcome"] == "refused"}
        assert refused == {"code.rename", "code.move", "code.merge", "code.update", "code.delete"}
        assert mine.codebook.code("budget").name == "預算" and mine.codebook.code("legislature")
        assert mine.history.undo("bob").action == "code"  # bob's history here holds his coding only


# -- a re-imported text, and undo -------------------------------------------------------------------
def test_undoing_a_delete_carries_the_codings_to_a_reimported_text(tmp_path):
    path = tmp_path / "p.db"
    transcript = tmp_path / "X.txt"
    transcript.write_text("問：經費𠮷夠嗎？\n\n答：不夠，中央補助很少。\n", encoding="utf-8")
    with Project.open(path, create=True) as project:
        project.codebook.replace(Codebook(codes=(Code("funding", "經費"), Code("other", "其他", position=1))))
        project.documents.import_files([transcript])
        coding = project.codings.apply(1, "funding", "alice", quote="中央補助")
        project.codebook.delete("funding", force=True, coder="alice")
        transcript.write_text("問：經費𠮷𠮷真的夠嗎？\n\n答：不夠，中央補助很少。\n", encoding="utf-8")
        project.documents.import_files([transcript])
        project.history.undo("alice")
        back = project.codings.get(coding.id)
        assert back.text == "中央補助" and back.start == coding.start + 3  # 𠮷 and 真的: code points


# -- random sequences, then undo all ---------------------------------------------------------------
CODES = (("a", None), ("a1", "a"), ("a2", "a"), ("b", None), ("b1", "b"), ("c", None))
TEXT = "問：經費𠮷夠嗎？\n\n答：不夠，中央補助很少。\n\n問：人力呢？\n\n答：也不夠。\n"


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("code-management")
    path = folder / "template.db"
    transcript = folder / "X.txt"
    transcript.write_text(TEXT, encoding="utf-8")
    codes = tuple(Code(id=c, name=f"碼{c}", parent_id=p, shortcut=str(i), position=i) for i, (c, p) in enumerate(CODES))
    book = Codebook(codes=codes, facets=(Facet("f", "面"),), scale=(ScaleStep("s", "強", value=1),), rated=("a", "b"))
    with Project.open(path, create=True) as project:
        project.codebook.replace(book)
        project.documents.import_files([transcript])
        spans = [(0, 4), (2, 6), (12, 16), (0, 4), (2, 6), (30, 34)]
        made = []
        for i, (start, end) in enumerate(spans):
            for code, coder in ((CODES[i % len(CODES)][0], "alice"), (CODES[(i + 3) % len(CODES)][0], "bob")):
                made.append(project.codings.add(1, code, coder, start, end, memo=f"m{i}" if i % 2 else ""))
        project.ratings.rate("X", "a1", "強", coder="alice", evidence=[made[0].id])
        project.ratings.rate("X", "b", "強", coder="alice", evidence=[made[1].id, made[2].id])
        project.ratings.rate("X", "a", "強", coder="bob")
    return path


CODER = "eve"  # not the coder of the template's codings and ratings: her history holds the changes only
code_ids = st.sampled_from([c for c, _ in CODES])
operations = st.lists(
    st.one_of(
        st.tuples(st.just("rename"), code_ids, st.sampled_from(["新名", "𠮷名", "碼a"])),
        st.tuples(st.just("move"), code_ids, st.one_of(st.none(), code_ids, code_ids)),
        st.tuples(st.just("move"), code_ids, code_ids),
        st.tuples(st.just("merge"), code_ids, code_ids),
        st.tuples(st.just("delete"), code_ids, st.booleans()),
        st.tuples(st.just("update"), code_ids, st.sampled_from(["", "0", "5", "9"])),
    ),
    max_size=7,
)


def test_one_of_each_change_then_undo_all_and_redo_all(project):
    project.codings.apply("A", "staffing", "alice", turn=6, memo="人力")
    project.codings.apply("A", "budget", "alice", turn=6)
    project.ratings.rate("B", "staffing", "中", coder="alice")
    states = [state(project)]
    for change in (
        lambda book: book.rename("staffing", name="人員", coder="alice"),
        lambda book: book.move("staffing", parent="site-status", coder="alice"),
        lambda book: book.update("budget", color="#000000", key="", coder="alice"),
        lambda book: book.merge("staffing", "budget", coder="alice"),
        lambda book: book.delete("resources", force=True, coder="alice"),
        lambda book: book.delete("budget", force=True, coder="alice"),
    ):
        change(project.codebook)
        states.append(state(project))
    for expected in reversed(states[:-1]):
        project.history.undo("alice")
        assert state(project) == expected
    for expected in states[1:]:
        project.history.redo("alice")
        assert state(project) == expected


@pytest.mark.slow  # about 2-3 s
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_any_sequence_of_changes_undone_gives_back_the_original(template, ops):
    folder = Path(tempfile.mkdtemp(prefix="code-management-"))
    try:
        path = folder / "p.db"
        src, dst = sqlite3.connect(template), sqlite3.connect(path)
        src.backup(dst)
        src.close()
        dst.close()
        with Project.open(path) as project:
            states = [state(project)]
            for action, code, arg in ops:
                book = project.codebook
                try:
                    if action == "rename":
                        book.rename(code, name=arg, coder=CODER)
                    elif action == "move":
                        book.move(code, parent=arg, coder=CODER)
                    elif action == "merge":
                        book.merge(code, arg, coder=CODER)
                    elif action == "delete":
                        book.delete(code, force=arg, coder=CODER)
                    else:
                        book.update(code, key=arg, coder=CODER)
                except BadInput:  # refused (unknown code, a cycle, a clash, in use): nothing may have changed
                    assert state(project) == states[-1]
                    continue
                now = state(project)
                if now != states[-1]:
                    states.append(now)
                assert in_tree_order(project)
                loads(states[-1][0])  # the codebook still dumps as a valid YAML
            for expected in reversed(states[:-1]):
                project.history.undo(CODER)
                assert state(project) == expected
            with pytest.raises(BadInput, match="nothing to undo"):
                project.history.undo(CODER)
            for expected in states[1:]:
                project.history.redo(CODER)
                assert state(project) == expected
    finally:
        shutil.rmtree(folder, ignore_errors=True)
