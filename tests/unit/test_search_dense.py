"""A frequent character's or pair's turns are read from the index's bitmaps (search/layout.py DENSE): the rows they
give are exactly the turns holding the gram, and searches answer alike with and without them (every result field,
total and notices), over import batches, boolean queries, phrases and exclusions; where a bitmap cannot say (a
batch without one, removed documents still indexed) the positions decide. The turn of many positions is looked up
in a table (TurnTable.rows_of): the same rows as a binary search each, and the same answers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.project import Project
from qualcode.search import engine, layout
from qualcode.search import index as search_index
from tests.unit.test_search_match import _project  # transcripts indexed in import batches of a given size

ALPHABET = list("台臺北市就業服務处處中央經費的的的網𠮷着著a1 \t")
turn_text = st.text(alphabet=ALPHABET, min_size=1, max_size=30).map(str.strip).filter(bool)
corpus = st.lists(st.lists(turn_text, min_size=1, max_size=6), min_size=1, max_size=4)


def _answer(project: Project, query: str, dense: bool, monkeypatch) -> tuple:
    monkeypatch.setattr(engine, "DENSE_SHARE", 0.0 if dense else 1e12)  # bitmaps looked for always, or never
    monkeypatch.setattr(search_index, "ROWS_BY_TABLE", 0 if dense else 10**12)  # rows_of by table, or searched
    found = engine.search(project.search.ensure_index(), project.search._source, query, limit=None)
    return found.total, found.results, found.notices


def _rows_of_mask(index, gram: int):
    """The rows SearchIndex.turn_mask says hold the gram, or None."""
    mask = index.turn_mask(gram, index.gram_lists(gram)[1])
    return None if mask is None else np.flatnonzero(mask)


def _turns_holding(project: Project, term: str) -> list[int]:
    """The oracle: rows of the turns whose folded text holds the term (by scanning the turns' text)."""
    from qualcode.zh.normalize import fold_term

    index = project.search.index
    turns = index.turns()
    held = []
    for row in range(turns.gpos.size):
        document, number = int(turns.document_id[row]), int(turns.number[row])
        turn = next(t for t in project.documents.turns(document) if t.number == number)
        if fold_term(term) in fold_term(project.documents.text(document)[turn.start : turn.end]):
            held.append(row)
    return held


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(corpus=corpus, data=st.data())
def test_bitmaps_give_the_turns_and_the_same_answers(tmp_path, corpus, data):
    share = data.draw(st.sampled_from([0.0, 0.75, 1e9]))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search_index, "DENSE_SHARE", share)
        project = _project(tmp_path, corpus, batch=data.draw(st.sampled_from([1, 25, 4_000_000])))
    try:
        index = project.search.ensure_index()
        texts = [t for doc in corpus for t in doc]
        read = 0
        for _ in range(4):
            source = data.draw(st.sampled_from(texts))
            i = data.draw(st.integers(0, len(source) - 1))
            term = "".join(source[i : i + data.draw(st.integers(1, 2))].split()) or "的"
            rows = _rows_of_mask(index, index.gram(engine.fold_term(term)))
            if rows is not None:
                assert rows.tolist() == _turns_holding(project, term), term
                read += 1
            other = data.draw(st.sampled_from(texts))[:2].strip() or "的"
            for query in (term, f"{term} {other}", f"{other} OR {term}", f"{other} -{term}", f'"{term}{other}"'):
                with pytest.MonkeyPatch.context() as patch:
                    assert _answer(project, query, True, patch) == _answer(project, query, False, patch), query
        if share == 0.0:
            assert read  # every gram has its bitmaps: they were read
        if share == 1e9:
            assert not read  # none has
    finally:
        project.close()


def test_where_the_bitmaps_cannot_say(tmp_path, monkeypatch):
    monkeypatch.setattr(search_index, "DENSE_SHARE", 1.0)
    project = _project(tmp_path, [["的的的的", "的的的"], ["的的", "經費", "的"]], batch=10)  # a batch each
    try:
        index = project.search.ensure_index()
        assert _rows_of_mask(index, ord("的")) is not None and _rows_of_mask(index, ord("的")).tolist() == [0, 1, 2, 4]
        # 經 occurs once in the second batch's 3 turns: no bitmap there, so none for it at all
        assert _rows_of_mask(index, ord("经")) is None
        rows = index.store.conn.execute("SELECT count FROM search_postings WHERE key & ? != 0", (layout.DENSE,))
        assert rows.fetchall()
        first = project.documents.documents()[0]
        with project.store.transaction():  # as a re-import does: its turns leave, its postings stay until a reindex
            project.search.documents_changed([first.id], [])
        assert index.has_stale() and _rows_of_mask(index, ord("的")) is None  # the bitmaps' rows would be wrong
        monkeypatch.setattr(engine, "DENSE_SHARE", 0.0)
        found = engine.search(index, project.search._source, "的", limit=None)
        assert found.total == 2 and [r.turn for r in found.results] == [1, 3]
        project.search.reindex()
        assert np.array_equal(
            _rows_of_mask(index, ord("的")), [0, 1, 2, 4]
        )  # every document indexed again, in one batch
    finally:
        project.close()


@settings(max_examples=200, deadline=None)
@given(
    lengths=st.lists(st.integers(0, 80), min_size=1, max_size=60),
    gaps=st.data(),
    probes=st.lists(st.integers(0, 6000), max_size=200),
)
def test_rows_of_by_table_equals_a_binary_search(lengths, gaps, probes):
    """TurnTable.rows_of through its table of block rows (turns shorter than a block, several starting in one,
    gaps of removed turns) against np.searchsorted."""
    starts, at = [], gaps.draw(st.integers(0, 40))
    for length in lengths:
        starts.append(at)
        at += length + gaps.draw(st.sampled_from([1, 1, 1, 2, 33, 100]))
    n = len(starts)
    column = np.arange(n, dtype=np.int64)
    turns = search_index.TurnTable(
        np.array(starts, dtype=np.int64), np.array(lengths, dtype=np.int64), column, column, column,
        search_index.Mapped(np.zeros(1, np.int64), np.zeros(n, np.int64)),
        search_index.Mapped(np.zeros(1, np.int64), np.zeros(n, np.int64)), ["A"], ["答"],
    )  # fmt: skip
    ends = [s + length for s, length in zip(starts, lengths, strict=True)]
    positions = np.array(sorted(probes + starts + ends), np.int64)
    expected = np.searchsorted(turns.gpos, positions, side="right") - 1
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search_index, "ROWS_BY_TABLE", 0)
        assert np.array_equal(turns.rows_of(positions), expected)
