"""The index's read path (issue 14): boolean matching, filters and ranking keys against a scan of the turns,
over indexes split into many import batches; the posting encodings; the sorted grams of a batch; a page of
results' codes in one query; and which index encodings a project may hold."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.project import Project, bundled_path
from qualcode.search import index as search_index
from qualcode.search import postings
from qualcode.zh.normalize import normalize

ALPHABET = list("台臺北市就業服務處中央經費的希望網ｅeE𠮷着著a1 \t\n\u3000")
_counter = itertools.count()


def _stripped(text: str) -> str:
    """The oracle's folding: normalised, every whitespace character (str.isspace) dropped."""
    return "".join(ch for ch in normalize(text) if not ch.isspace())


def _project(tmp_path, transcripts: list[list[str]], batch: int) -> Project:
    """A project of these transcripts (turns alternate 問/答), indexed in import batches of `batch` characters."""
    project = Project.open(tmp_path / f"p{next(_counter)}.db", create=True)
    project.codebook.load(bundled_path("codebooks", "five-municipalities.yaml"))
    paths = []
    for i, turns in enumerate(transcripts):
        path = tmp_path / f"{'ABC'[i % 3]}{next(_counter)}.txt"
        body = "\n\n".join(("問：" if j % 2 == 0 else "答：") + t for j, t in enumerate(turns))
        path.write_text(body + "\n", encoding="utf-8")
        paths.append(path)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search_index, "BATCH_CHARACTERS", batch)
        project.documents.import_files(paths, case_id=None)
    return project


turn_text = st.text(alphabet=ALPHABET, min_size=1, max_size=30).map(str.strip).filter(bool)
corpus = st.lists(st.lists(turn_text, min_size=1, max_size=5), min_size=1, max_size=4)


def _units(project: Project, code: str | None, cases: tuple[str, ...], speaker: str | None):
    """(key, text) of every unit the query may match: turns, or codings of `code` (each inside one turn)."""
    if code is not None:
        return [(c.id, c.text) for c in project.codings.select(code=code) if not cases or c.case_id in cases]
    units = []
    for document in project.documents.documents():
        if cases and document.case_id not in cases:
            continue
        text = project.documents.text(document.id)
        for turn in project.documents.turns(document.id):
            if speaker is None or turn.speaker == speaker:
                units.append(((document.id, turn.number), text[turn.start : turn.end]))
    return units


@pytest.mark.slow
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(corpus=corpus, data=st.data())
def test_boolean_queries_and_filters_equal_a_scan_across_batches(tmp_path, corpus, data):
    project = _project(tmp_path, corpus, batch=data.draw(st.sampled_from([1, 20, 60, 4_000_000])))
    try:
        turns = [t for doc in corpus for t in doc]

        def term() -> str:
            if data.draw(st.booleans()):
                source = data.draw(st.sampled_from(turns))
                i = data.draw(st.integers(0, len(source) - 1))
                text = source[i : i + data.draw(st.integers(1, 4))]
            else:
                text = data.draw(st.text(alphabet=ALPHABET, min_size=1, max_size=2))
            return "".join(text.split())

        groups = [[term() for _ in range(data.draw(st.integers(1, 2)))] for _ in range(data.draw(st.integers(1, 3)))]
        groups = [[t for t in g if t] for g in groups]
        groups = [g for g in groups if g]
        excluded = [t for t in [term()] if t and data.draw(st.booleans())]
        if not groups:
            return
        query = " ".join(" OR ".join(f'"{t}"' for t in g) for g in groups) + "".join(f' -"{t}"' for t in excluded)
        code = None
        if data.draw(st.booleans()):  # code some turns, some in part, and search those segments
            code = "budget"
            for document in project.documents.documents():
                for turn in project.documents.turns(document.id):
                    if data.draw(st.booleans()):
                        length = turn.end - turn.start
                        a = data.draw(st.integers(0, length - 1))
                        b = data.draw(st.integers(a + 1, length))
                        project.codings.add(document.id, code, "alice", turn.start + a, turn.start + b)
        cases = tuple(data.draw(st.sets(st.sampled_from([c.id for c in project.documents.cases()]), max_size=1)))
        speaker = None
        if code is None and any(len(doc) > 1 for doc in corpus) and data.draw(st.booleans()):
            speaker = "答"  # (a speaker no turn has is refused)

        found = project.search.find(query, code=code, cases=cases, speaker=speaker, limit=None)
        positive = [t for g in groups for t in g]
        expected = {}
        for key, text in _units(project, code, cases, speaker):
            haystack = _stripped(text)
            present = {t: _stripped(t) in haystack for t in {*positive, *excluded}}
            if all(any(present[t] for t in g) for g in groups) and not any(present[t] for t in excluded):
                held = sum(present[t] for t in positive)
                phrase = len(positive) == 1 or _stripped("".join(positive)) in haystack
                expected[key] = (not phrase, -held)
        got = [r.coding if code else (r.document, r.turn) for r in found.results]
        assert set(got) == set(expected) and len(got) == found.total == len(expected), query
        ranks = [expected[key] for key in got]
        assert ranks == sorted(ranks), query  # exact phrase first, then by how many words each holds
    finally:
        project.close()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(corpus=corpus, data=st.data())
def test_recall_of_single_terms_in_many_batches(tmp_path, corpus, data):
    """The read path joins a gram's lists of every batch (postings.decode_many): one batch per turn here."""
    project = _project(tmp_path, corpus, batch=1)
    try:
        assert project.store.conn.execute("SELECT count(*) FROM search_batches").fetchone()[0] == len(corpus)
        source = data.draw(st.sampled_from([t for doc in corpus for t in doc]))
        i = data.draw(st.integers(0, len(source) - 1))
        needle = "".join(source[i : i + data.draw(st.integers(1, 6))].split())
        if not needle:
            return
        expected = {key for key, text in _units(project, None, (), None) if _stripped(needle) in _stripped(text)}
        assert {(r.document, r.turn) for r in project.search.find(f'"{needle}"', limit=None).results} == expected
    finally:
        project.close()


deltas = st.one_of(st.integers(1, 3), st.integers(1, 300), st.integers(200, 70_000), st.integers(1, 2**26))


@settings(max_examples=150, deadline=None)
@given(
    lists=st.lists(st.lists(deltas, min_size=1, max_size=5000), min_size=1, max_size=5),
    base=st.integers(0, 1000),
    first=st.integers(0, 5000),
)
def test_every_encoding_round_trips_and_lists_decode_together(lists, base, first):
    """Each list takes whichever encoding is smallest (fixed, patched, varints: for a long list only if a tenth
    smaller); a gram's lists of successive batches decode in one call to their concatenation."""
    arrays, bases, start = [], [], base
    for steps in lists:
        positions = start + first + np.cumsum(np.array(steps, dtype=np.int64)) - steps[0]
        arrays.append(positions)
        bases.append(start)
        start = int(positions[-1]) + 1 + first  # the next batch starts after this one
    blobs = []
    for positions, batch_base in zip(arrays, bases, strict=True):
        [blob] = postings.encode_groups(positions, np.array([0]), np.array([positions.size]), batch_base)
        assert postings.decode(blob, batch_base).tolist() == positions.tolist()
        assert postings.count_of(blob) == positions.size
        if positions.size >= postings.VARINT_LIMIT and blob[0] == postings.VARINT:  # a tenth smaller, at least
            widest = postings.width_of(int(np.diff(positions, prepend=batch_base).max()))
            assert 10 * len(blob) < 9 * (1 + widest * positions.size)
        blobs.append(blob)
    joined = np.concatenate(arrays).tolist()
    assert postings.decode_many(blobs, bases, [a.size for a in arrays]).tolist() == joined
    assert postings.decode_many(blobs, bases).tolist() == joined


def test_patched_lists_are_smaller_than_fixed_ones():
    rng = np.random.default_rng(7)
    steps = rng.integers(1, 200, 10_000)
    steps[::50] = 5000  # a few wide gaps
    positions = np.cumsum(steps)
    [blob] = postings.encode_groups(positions, np.array([0]), np.array([positions.size]), 0)
    assert blob[0] == 0x11 and len(blob) < 1.1 * positions.size
    assert postings.decode(blob, 0).tolist() == positions.tolist()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from([0, 0x20, 0x4E2D, 0x592E, 0x7D93, 0x8CBB, 0x20BB7, 0x61, 0x10FFFF]), max_size=200))
def test_sorted_grams_are_every_character_and_pair_in_key_then_position_order(codepoints):
    cps = np.array(codepoints, dtype=np.uint32)
    expected = sorted(
        [(c, i) for i, c in enumerate(codepoints) if c]
        + [
            ((a << search_index.PAIR_SHIFT) | b, i)
            for i, (a, b) in enumerate(itertools.pairwise(codepoints))
            if a and b
        ]
    )
    got = [(int(k), int(p)) for keys, where in search_index.sorted_grams(cps) for k, p in zip(keys, where, strict=True)]
    assert got == expected
    wide = [(int(k), int(p)) for keys, where in search_index._sorted_grams_wide(cps) for k, p in zip(keys, where)]
    assert wide == expected


def test_a_page_of_results_reads_the_codes_of_each_span_as_codes_in_span_does(demo_db):
    with Project.open(demo_db) as project:
        project.codings.apply("A", "budget", "alice", turn=6)
        project.codings.apply("A", "central-support", "bob", turn=6)
        project.codings.apply("A", "staffing", "alice", quote="中央根本就是希望我們關掉")
        project.codings.apply("B", "budget", "bob", turn=2)
        orphan = project.codings.apply("B", "staffing", "bob", turn=4)
        project.store.conn.execute("UPDATE codings SET orphaned = 1 WHERE id = ?", (orphan.id,))
        spans = []
        for document in project.documents.documents():
            for turn in project.documents.turns(document.id):
                spans.append((document.id, turn.start, turn.end))
                spans.append((document.id, turn.start + 3, turn.start + 4))
        source = project.search._source
        expected = [project.codings.codes_in_span(*span) for span in spans]
        assert source.codes_in_spans(spans) == expected
        assert sum(map(len, expected)) >= 4
        wanted = [(d.id, a, a + n) for d in project.documents.documents() for a in (0, 7, 300) for n in (0, 1, 45)]
        wanted.append((1, 10**6, 10**6 + 5))
        assert source.passages(wanted) == [project.documents.text(d)[a:b] for d, a, b in wanted]


def test_an_index_in_the_older_encodings_is_read_and_marked_when_it_grows(demo_db, tmp_path):
    with Project.open(demo_db) as project:
        index = project.search.ensure_index()
        conn = project.store.conn
        recorded = conn.execute("SELECT value FROM project WHERE key = 'search.fold'").fetchone()[0]
        assert recorded == index.signature() + search_index.POSTINGS_TAG
        before = [(r.document, r.turn, r.start) for r in project.search.find("經費", limit=None).results]
        batches = conn.execute("SELECT count(*) FROM search_batches").fetchone()[0]
        # as an older version left it: its folding's signature alone
        conn.execute("UPDATE project SET value = ? WHERE key = 'search.fold'", (index.signature(),))
    with Project.open(demo_db) as project:
        assert project.search.index.is_current()  # read as it is, not rebuilt
        assert [(r.document, r.turn, r.start) for r in project.search.find("經費", limit=None).results] == before
        path = tmp_path / "F.txt"
        path.write_text("問：經費夠嗎？\n答：經費有限。\n", encoding="utf-8")
        project.documents.import_files([path])
        conn = project.store.conn
        assert conn.execute("SELECT count(*) FROM search_batches").fetchone()[0] == batches + 1
        recorded = conn.execute("SELECT value FROM project WHERE key = 'search.fold'").fetchone()[0]
        assert recorded.endswith(search_index.POSTINGS_TAG)  # an older version now rebuilds it in its own
        assert project.search.find("經費", limit=None).total == len(before) + 2
        conn.execute("UPDATE project SET value = 'another folding' WHERE key = 'search.fold'")
        assert not project.search.index.is_current()
