"""The packed turn table: one blob in the project file that round-trips the table exactly and stays in
step with every change of the index (import, re-import, reindex), with a fallback for projects without it."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.project import Project
from qualcode.search.index import PACK_COLUMNS, pack_turns, unpack_turns
from qualcode.zh.normalize import fold_term

_counter = itertools.count()


@settings(max_examples=80, deadline=None)
@given(
    rows=st.lists(st.tuples(*[st.integers(0, 2**40)] * 5, st.integers(0, 3)), max_size=40),
    speakers=st.lists(st.text(max_size=5), min_size=4, max_size=4),
)
def test_pack_round_trips_every_column(rows, speakers):
    columns = {name: np.array([r[i] for r in rows], dtype=np.int64) for i, name in enumerate(PACK_COLUMNS)}
    unpacked, names = unpack_turns(pack_turns(columns, speakers))
    assert names == speakers
    for name in PACK_COLUMNS:
        assert unpacked[name].tolist() == columns[name].tolist()


def _write(tmp_path, name: str, turns: list[str]) -> object:
    path = tmp_path / f"{name}.txt"
    body = "\n\n".join(("問：" if j % 2 == 0 else "答：") + t for j, t in enumerate(turns))
    path.write_text(body + "\n", encoding="utf-8")
    return path


def _from_turns(project: Project) -> set[tuple]:
    """Every turn as the turns table and the texts give it: (document, number, start, speaker, folded length)."""
    conn = project.store.conn
    texts = dict(conn.execute("SELECT id, text FROM documents").fetchall())
    return {
        (d, n, s, speaker, len(fold_term(texts[d][s:e])))
        for d, n, speaker, s, e in conn.execute('SELECT document_id, number, speaker, start, "end" FROM turns')
    }


def _agrees(project: Project) -> bool:
    """The pack holds every turn once, in disjoint, increasing position ranges, and nothing else; search_turns
    is empty (the pack replaced its rows in schema 10)."""
    table = _from_pack(project)
    ends = [g + n for g, n in zip(table["gpos"], table["length"], strict=True)]
    disjoint = all(e < g for e, g in zip(ends, table["gpos"][1:], strict=False))
    packed = set(
        zip(table["document_id"], table["number"], table["start"], table["speaker"], table["length"], strict=True)
    )
    empty = project.store.conn.execute("SELECT count(*) FROM search_turns").fetchone()[0] == 0
    return disjoint and empty and len(packed) == len(table["gpos"]) and packed == _from_turns(project)


def _from_pack(project: Project) -> dict[str, list]:
    blob = project.store.conn.execute("SELECT data FROM search_packed WHERE name = 'turns'").fetchone()[0]
    columns, speakers = unpack_turns(blob)
    table = {name: columns[name].tolist() for name in PACK_COLUMNS}
    table["speaker"] = [speakers[i] for i in table["speaker"]]
    return table


def test_the_pack_follows_imports_reimports_and_reindex(tmp_path):
    project = Project.open(tmp_path / "p.db", create=True)
    a = _write(tmp_path, "A", ["經費 從哪裡來", "中央 補助", "就業e網"])
    b = _write(tmp_path, "B", ["市府自籌", "人力\n不足"])
    project.documents.import_files([a, b])
    assert _agrees(project)
    project.documents.import_files([_write(tmp_path, "A", ["經費從哪裡來？", "中央", "補助 很少", "第四輪"])])
    assert _agrees(project)
    assert project.search.find("補助很少").total == 1
    project.search.reindex()
    assert _agrees(project)
    assert project.search.find("人力不足").total == 1
    assert [r.speaker for r in project.search.find("市府", speaker="問").results] == ["問"]
    project.close()


def test_a_project_without_the_pack_searches_alike_and_gets_one(tmp_path):
    project = Project.open(tmp_path / "p.db", create=True)
    project.documents.import_files([_write(tmp_path, "A", ["經費 從哪裡來", "中央 補助", "經費"])])
    before = [(r.document, r.turn, r.start, r.end) for r in project.search.find("經費", limit=None).results]
    with project.store.transaction() as conn:
        # as a version before schema 10 left it: the table in search_turns' rows, no pack
        table = _from_pack(project)
        conn.execute("DELETE FROM search_packed")
        conn.executemany(
            "INSERT INTO search_turns (gpos, document_id, number, start, length, speaker) VALUES (?, ?, ?, ?, ?, ?)",
            zip(*(table[k] for k in ("gpos", "document_id", "number", "start", "length", "speaker")), strict=True),
        )
    project.close()
    project = Project.open(tmp_path / "p.db")
    index = project.search.index
    assert [(r.document, r.turn, r.start, r.end) for r in project.search.find("經費", limit=None).results] == before
    assert index._has_pack()  # the first search that may write packed it
    assert _agrees(project)
    project.close()


@settings(max_examples=120, deadline=None)
@given(
    lists=st.lists(st.lists(st.integers(0, 2**31), min_size=1, max_size=60, unique=True), min_size=1, max_size=8),
    base=st.integers(0, 1000),
)
def test_postings_round_trip_in_either_encoding(lists, base):
    """Each list is encoded fixed-width or as varints, whichever is smaller, and decodes to itself."""
    from qualcode.search import postings

    groups = [np.array(sorted(v), dtype=np.int64) + base for v in lists]
    sizes = np.array([g.size for g in groups])
    starts = np.cumsum(sizes) - sizes
    blobs = list(postings.encode_groups(np.concatenate(groups), starts, starts + sizes, base))
    assert [postings.decode(b, base).tolist() for b in blobs] == [g.tolist() for g in groups]
    assert all(b[0] in (0, 1, 2, 4) for b in blobs)
