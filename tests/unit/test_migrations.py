"""Migrations: SQL or Python (sqlite-utils) steps, one transaction each; the batch rename; the views."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time

import pytest

from qualcode.errors import QualcodeError
from qualcode.store import Store
from qualcode.store import connection as connection_mod
from qualcode.store.connection import _statements
from qualcode.store.schema import MIGRATIONS, SCHEMA_VERSION

TEXT = "受訪者編號：A\n\n問：經費從哪裡來？\n\n答：中央的就業安定基金。\n"


def _schema(conn: sqlite3.Connection) -> list[tuple]:
    return conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").fetchall()


def _tuples(store: Store, sql: str) -> list[tuple]:
    return [tuple(row) for row in store.conn.execute(sql)]


def _old_project(path, version: int) -> None:
    """A project file as qualcode wrote it at `version` (the released SQL migrations), with data in it."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys = ON")
    for migration in MIGRATIONS[:version]:
        assert isinstance(migration, str), "released migrations up to version 4 are SQL"
        for statement in _statements(migration):
            conn.execute(statement)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    conn.execute("INSERT INTO schema_version VALUES (?)", (version,))
    conn.execute("INSERT INTO cases (id, name) VALUES ('A', '臺北市')")
    conn.execute(
        "INSERT INTO documents (id, case_id, title, sha256, text, imported_at) VALUES (1, 'A', 'A', 'x', ?, 'now')",
        (TEXT,),
    )
    question, answer = TEXT.index("經費"), TEXT.index("中央")
    conn.execute("INSERT INTO turns VALUES (1, 1, '問', ?, ?)", (question, TEXT.index("？") + 1))
    conn.execute("INSERT INTO turns VALUES (1, 2, '答', ?, ?)", (answer, TEXT.index("。") + 1))
    conn.execute("INSERT INTO codes (id, name) VALUES ('budget', '預算')")
    conn.execute(
        'INSERT INTO codings (id, document_id, code_id, coder, start, "end", created_at, updated_at) '
        "VALUES ('c1', 1, 'budget', 'alice', ?, ?, 'now', 'now')",
        (answer, answer + 8),
    )
    if version >= 2:
        conn.execute(
            "INSERT INTO search_turns (gpos, document_id, number, start, length) VALUES (1, 1, 1, ?, 7)", (question,)
        )
        conn.execute("INSERT INTO search_segments VALUES (7, 1, 20, 19, 'now')")
        conn.executemany("INSERT INTO search_postings VALUES (?, 7, 1, x'01')", [(ord("經"),), (ord("費"),)])
    conn.commit()
    conn.close()


def test_fresh_and_version_4_migrated_projects_have_the_same_schema(tmp_path):
    old = tmp_path / "old.db"
    _old_project(old, 4)
    migrated = Store(old)
    fresh = Store(tmp_path / "new.db", create=True)
    assert migrated.version == fresh.version == SCHEMA_VERSION
    assert _schema(migrated.conn) == _schema(fresh.conn)
    for store in (migrated, fresh):
        assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    migrated.close()
    fresh.close()


def test_migrations_5_and_10_rename_the_index_batches_and_rekey_postings_by_batch(tmp_path):
    path = tmp_path / "old.db"
    _old_project(path, 4)
    store = Store(path)
    names = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master")}
    assert "search_batches" in names and "search_segments" not in names
    assert "search_turns_by_document" not in names
    postings = store.db["search_postings"]
    assert [c.name for c in postings.columns] == ["key", "count", "positions"]
    assert postings.pks == ["key"]
    assert _tuples(store, "SELECT id, first_gpos, end_gpos, characters FROM search_batches") == [(7, 1, 20, 19)]
    from qualcode.search.index import posting_key

    assert sorted(_tuples(store, "SELECT key, count, positions FROM search_postings")) == [
        (posting_key(7, ord("經")), 1, b"\x01"),
        (posting_key(7, ord("費")), 1, b"\x01"),
    ]
    store.close()


def test_the_search_index_works_on_a_migrated_project(tmp_path):
    from qualcode.search.index import SearchIndex

    path = tmp_path / "old.db"
    _old_project(path, 4)
    store = Store(path)
    index = SearchIndex(store)
    index.rebuild()
    assert index.is_current() and not index.has_stale()
    hits = index.positions("基金")
    assert hits.size == 1
    turns = index.turns()
    rows, valid = turns.locate(hits, 2)
    assert valid.all()
    row = int(rows[0])
    offset = int(turns.start[row]) + int(hits[0]) - int(turns.gpos[row])
    assert TEXT[offset : offset + 2] == "基金"
    store.close()


def test_two_connections_opening_an_old_project_at_once_migrate_it_once(tmp_path):
    import threading

    path = tmp_path / "old.db"
    _old_project(path, 4)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("PRAGMA journal_mode = WAL")
    blocker.execute("BEGIN IMMEDIATE")  # both read version 4, then wait for the write lock
    outcomes: list = []

    def open_it():
        try:
            store = Store(path)
            outcomes.append(store.version)
            store.close()
        except Exception as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    blocker.execute("ROLLBACK")
    blocker.close()
    for thread in threads:
        thread.join(30)
    assert outcomes == [SCHEMA_VERSION, SCHEMA_VERSION]


def test_opening_a_current_project_does_not_import_sqlite_utils(tmp_path):
    path = tmp_path / "p.db"
    Store(path, create=True).close()
    code = (
        "import sys; from qualcode.store import Store; s = Store(sys.argv[1]); "
        "print('sqlite_utils' in sys.modules, s._db is None); s.db; print('sqlite_utils' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True", "True"]


def _with_migrations(monkeypatch, *extra):
    migrations = [*MIGRATIONS, *extra]
    monkeypatch.setattr(connection_mod, "MIGRATIONS", migrations)
    monkeypatch.setattr(connection_mod, "SCHEMA_VERSION", len(migrations))


def test_a_callable_migration_can_transform_a_referenced_table_inside_its_transaction(tmp_path, monkeypatch):
    """transform() of `cases` (referenced ON DELETE CASCADE by case_values) inside Store's transaction: no
    TransactionError, no cascade, foreign keys back on and clean afterwards."""
    path = tmp_path / "p.db"
    store = Store(path, create=True)
    with store.transaction() as conn:
        conn.execute("INSERT INTO cases (id, name) VALUES ('A', '臺北市')")
        conn.execute("INSERT INTO attributes (name, type) VALUES ('staff', 'integer')")
        conn.execute("INSERT INTO case_values VALUES ('A', 'staff', 12)")
    store.close()
    seen = {}

    def rename_case_name(db):
        seen["in_transaction"] = db.conn.in_transaction
        db["cases"].transform(rename={"name": "label"})

    _with_migrations(monkeypatch, rename_case_name)
    store = Store(path)
    assert seen == {"in_transaction": True}
    assert store.version == SCHEMA_VERSION + 1
    assert [c.name for c in store.db["cases"].columns] == ["id", "label", "position"]
    assert _tuples(store, "SELECT * FROM case_values") == [("A", "staff", 12)]
    assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert {r["table"] for r in store.conn.execute("PRAGMA foreign_key_list(case_values)")} == {"cases", "attributes"}
    with pytest.raises(sqlite3.IntegrityError):  # enforced again
        store.conn.execute("INSERT INTO case_values VALUES ('Z', 'staff', 1)")
    store.close()


def test_a_failing_migration_leaves_the_file_as_it_was(tmp_path, monkeypatch, dump):
    path = tmp_path / "p.db"
    Store(path, create=True).close()
    before = dump(path)

    def half_done(db):
        db["codes"].transform(rename={"name": "title"})
        raise RuntimeError("boom")

    _with_migrations(monkeypatch, half_done)
    with pytest.raises(RuntimeError, match="boom"):
        Store(path)
    assert dump(path) == before


def test_a_migration_that_breaks_a_foreign_key_is_rolled_back(tmp_path, monkeypatch, dump):
    path = tmp_path / "p.db"
    Store(path, create=True).close()
    before = dump(path)
    _with_migrations(monkeypatch, "INSERT INTO turns VALUES (99, 1, '答', 0, 1);")
    with pytest.raises(QualcodeError, match=f"cannot migrate to schema version {SCHEMA_VERSION + 1}: 1 row"):
        Store(path)
    assert dump(path) == before
    monkeypatch.undo()
    store = Store(path)
    assert store.version == SCHEMA_VERSION
    assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    store.close()


# -- the views -------------------------------------------------------------------------------------


def _apply(project, document, code, coder, **how):
    """A coding through the Python API (project.codings.apply, or code_span before the services split)."""
    service = getattr(project, "codings", None)
    if hasattr(service, "apply"):
        return service.apply(document, code, coder, **how)
    return project.code_span(document, code, coder, **how)


def _api_codings(project):
    service = project.codings
    return service.select() if hasattr(service, "select") else service()


def _rate(project, case, code, value, **how):
    service = getattr(project, "ratings", None)
    if hasattr(service, "rate"):
        return service.rate(case, code, value, **how)
    return project.rate(case, code, value, **how)


def _api_ratings(project):
    service = project.ratings
    return service.select() if hasattr(service, "select") else service()


def _rows(conn, view):
    cursor = conn.execute(f"SELECT * FROM {view}")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def test_quotes_view_matches_the_python_api(project):
    conn = project.store.conn
    turn6 = dict(
        conn.execute(
            'SELECT start, "end" FROM turns t JOIN documents d ON d.id = t.document_id '
            "WHERE d.case_id = 'A' AND t.number = 6"
        ).fetchone()
    )
    _apply(project, "A", "budget", "alice", turn=6, memo="經費規模")
    _apply(project, "A", "central-support", "bob", span=(turn6["start"] + 3, turn6["end"] + 10))
    _apply(project, "A", "budget", "bob", span=(turn6["end"], turn6["end"] + 4))  # starts between two turns
    _apply(project, "E", "budget", "alice", turn=2)
    codings = _api_codings(project)
    assert len(codings) == 4
    rows = _rows(conn, "quotes")
    assert list(rows[0]) == [
        "id",
        "case",
        "document",
        "turn",
        "code",
        "code_name",
        "coder",
        "start",
        "end",
        "text",
        "memo",
        "review",
        "orphaned",
    ]
    names = dict(conn.execute("SELECT id, name FROM codes").fetchall())
    titles = dict(conn.execute("SELECT id, title FROM documents").fetchall())
    turns = conn.execute('SELECT document_id, number, start, "end" FROM turns').fetchall()

    def turn_of(c):
        return next((n for d, n, s, e in turns if d == c.document_id and s <= c.start < e), None)

    expected = sorted(
        (
            {
                "id": c.id,
                "case": c.case_id,
                "document": titles[c.document_id],
                "turn": turn_of(c),
                "code": c.code_id,
                "code_name": names[c.code_id],
                "coder": c.coder,
                "start": c.start,
                "end": c.end,
                "text": c.text,
                "memo": c.memo,
                "review": int(c.review),
                "orphaned": int(c.orphaned),
            }
            for c in codings
        ),
        key=lambda r: (r["case"], r["start"], r["end"], r["code"]),
    )
    assert rows == expected  # the view's order: case position, document, start, end, code
    assert [r["turn"] for r in rows] == [6, 6, None, 2]
    assert rows[0]["memo"] == "經費規模" and rows[0]["code_name"] == "預算"


def test_quotes_text_counts_code_points_like_python(tmp_path):
    text = "問：𠮷野家的經費？\n\n答：中央𠮷，就業安定基金𠮷。\n"
    store = Store(tmp_path / "p.db", create=True)
    spans = [(0, 1), (2, 3), (2, 4), (3, 9), (13, 16), (15, len(text) - 1), (0, len(text))]
    with store.transaction() as conn:
        conn.execute("INSERT INTO cases (id, name) VALUES ('A', '臺北市')")
        conn.execute(
            "INSERT INTO documents (id, case_id, title, sha256, text, imported_at) VALUES (1, 'A', 'A', 'x', ?, 'now')",
            (text,),
        )
        conn.execute("INSERT INTO turns VALUES (1, 1, '問', 2, 10)")
        conn.execute("INSERT INTO turns VALUES (1, 2, '答', 14, ?)", (len(text) - 1,))
        conn.execute("INSERT INTO codes (id, name) VALUES ('k', '代碼')")
        conn.executemany(
            'INSERT INTO codings (id, document_id, code_id, coder, start, "end", created_at, updated_at) '
            "VALUES (?, 1, 'k', 'a', ?, ?, 'now', 'now')",
            [(f"c{i}", s, e) for i, (s, e) in enumerate(spans)],
        )
    rows = store.conn.execute('SELECT start, "end", text, turn FROM quotes').fetchall()
    assert [tuple(r) for r in rows] == [
        (s, e, text[s:e], 1 if 2 <= s < 10 else 2 if 14 <= s < len(text) - 1 else None) for s, e in sorted(spans)
    ]
    assert (text[2:3], text[2:4]) == ("𠮷", "𠮷野")
    assert store.conn.execute('SELECT text FROM quotes WHERE start = 2 AND "end" = 3').fetchone()[0] == "𠮷"
    store.close()


def test_ratings_table_matches_the_python_api(project):
    first = _apply(project, "A", "budget", "alice", turn=6)
    second = _apply(project, "A", "budget", "alice", turn=8)
    _rate(project, "A", "budget", "強", coder="alice", note="經費充足", evidence=[first.id, second.id])
    _rate(project, "E", "budget", "弱", coder="alice", facet="content")
    _rate(project, "A", "budget", "中", coder="bob")
    conn = project.store.conn
    labels = dict(conn.execute("SELECT id, label FROM scale_steps").fetchall())
    names = dict(conn.execute("SELECT id, name FROM codes").fetchall())
    rows = _rows(conn, "ratings_table")
    assert list(rows[0]) == ["case", "facet", "code", "code_name", "coder", "value", "note", "evidence"]
    expected = [
        {
            "case": r.case_id,
            "facet": r.facet_id,
            "code": r.code_id,
            "code_name": names[r.code_id],
            "coder": r.coder,
            "value": labels[r.step_id],
            "note": r.note,
            "evidence": len(r.evidence),
        }
        for r in _api_ratings(project)
    ]
    key = lambda r: (r["facet"], r["case"], r["coder"])  # noqa: E731
    assert sorted(rows, key=key) == sorted(expected, key=key)
    by_case = {(r["case"], r["coder"], r["facet"]): r for r in rows}
    assert by_case[("A", "alice", "establishment")]["value"] == "強"
    assert by_case[("A", "alice", "establishment")]["evidence"] == 2
    assert by_case[("A", "alice", "establishment")]["note"] == "經費充足"
    assert by_case[("E", "alice", "content")]["value"] == "弱"
