"""The search that needs no numpy (search/plain.py) answers exactly as the engine does, or leaves the query to it:
same results (turns, hits, snippets, codes, order) and total, over indexes split into many import batches, for
terms drawn from the texts (across whitespace, Traditional or Simplified, one character or several) and terms
found nowhere; and a command-line search of one term loads no numpy."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.project import Project
from qualcode.search import engine, plain
from tests.unit.test_search_match import _project  # transcripts indexed in import batches of a given size

ALPHABET = list("台臺北市就業服務处處中央經費的希望網ｅeE𠮷着著a1 \t\u3000")


def _both(project: Project, query: str, limit: int | None):
    """(the plain answer or None, the engine's answer) as (total, result rows with every field, notices)."""
    service = project.search
    mine = plain.find(project.store.conn, service._source, query, limit)
    theirs = engine.search(service.ensure_index(), service._source, query, limit=limit)
    whole = lambda found: (found.total, found.results, found.notices)  # noqa: E731
    return (None if mine is None else whole(mine)), whole(theirs)


# Some turns start with a long run of one word, so that hits lie far enough in for snippets cut at both ends.
turn_text = (
    st.builds(lambda pad, text: pad + text, st.sampled_from(["", "希望" * 20]), st.text(alphabet=ALPHABET, max_size=60))
    .map(str.strip)
    .filter(bool)
)
corpus = st.lists(st.lists(turn_text, min_size=1, max_size=6), min_size=1, max_size=4)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(corpus=corpus, data=st.data())
def test_the_plain_search_answers_as_the_engine_or_not_at_all(tmp_path, corpus, data):
    project = _project(tmp_path, corpus, batch=data.draw(st.sampled_from([1, 25, 4_000_000])))
    try:
        turns = [t for doc in corpus for t in doc]
        project.codings.apply(project.documents.documents()[0].id, "budget", "alice", turn=1)
        answered = 0
        for _ in range(6):
            source = data.draw(st.sampled_from(turns))
            i = data.draw(st.integers(0, len(source) - 1))
            term = "".join(source[i : i + data.draw(st.integers(1, 5))].split()) or "台"
            if data.draw(st.booleans()):
                term = term.translate(str.maketrans("台臺處处", "臺台处處"))  # the other variant: folded alike
            mine, theirs = _both(project, term, data.draw(st.sampled_from([1, 3, 50, None])))
            if mine is not None:
                assert mine == theirs, term
                answered += 1
        assert answered  # single terms without filters are the plain path's: it answered some
    finally:
        project.close()


def test_what_the_plain_search_leaves_to_the_engine(tmp_path):
    project = _project(tmp_path, [["中央政府的經費補助", "就業 服務處"], ["台北市的經費"]], batch=4_000_000)
    try:
        conn, source = project.store.conn, project.search._source
        assert plain.find(conn, source, "經費", 20) is not None
        assert plain.find(conn, source, "經費 中央", 20) is None  # two words
        assert plain.find(conn, source, "經費 OR 中央", 20) is None
        assert plain.find(conn, source, "經費 -中央", 20) is None
        assert plain.find(conn, source, "@budget", 20) is None  # a concept
        assert plain.find(conn, source, "中央經費政府", 20) is None  # found nowhere: the engine splits it
        none = plain.find(conn, source, "xyz", 20)  # found nowhere, not to be split: no result
        assert none is not None and none.total == 0 and none.results == []
        mine, theirs = _both(project, "業服", 20)  # across the space of 就業 服務處
        assert mine == theirs and mine is not None and mine[0] == 1
        mine, theirs = _both(project, "的", None)  # every result: the turns are read 200 a query
        assert mine == theirs and mine is not None and mine[0] == 2
    finally:
        project.close()


def test_removed_documents_leave_the_query_to_the_engine(tmp_path):
    project = _project(tmp_path, [["經費"], ["經費補助"]], batch=4_000_000)
    try:
        project.search.index.remove_documents([project.documents.documents()[0].id])  # postings stay until reindex
        assert plain.find(project.store.conn, project.search._source, "經費", 20) is None
    finally:
        project.close()


def test_a_command_line_search_of_one_term_loads_no_numpy(demo_db, tmp_path):
    from tests.unit.test_cli_imports import HEAVY, modules_of

    loaded, proc = modules_of(tmp_path, "-p", str(demo_db), "search", "經費", "--limit", "50", "--json")
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)) == 22
    assert sorted(loaded & set(HEAVY)) == ["opencc"]  # folding the term: OpenCC only


def test_every_result_of_a_term_in_hundreds_of_turns(tmp_path):
    """limit=None: every turn's result, their offsets and text read 200 turns a query."""
    project = _project(tmp_path, [[f"第{i}輪的經費 {i}" for i in range(450)]], batch=4_000_000)
    try:
        mine, theirs = _both(project, "經費", None)
        assert mine == theirs and mine is not None and mine[0] == 450 and len(mine[1]) == 450
    finally:
        project.close()
