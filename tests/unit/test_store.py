"""The project file: schema version, pragmas, refusal of foreign or future files, transactions."""

from __future__ import annotations

import sqlite3

import pytest

from qualcode.errors import BadInput, QualcodeError
from qualcode.store import Store
from qualcode.store.schema import SCHEMA_VERSION


def test_new_store_is_migrated_and_configured(tmp_path):
    store = Store(tmp_path / "p.db", create=True)
    assert store.version == SCHEMA_VERSION
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    store.close()


def test_missing_project_is_a_clear_error(tmp_path):
    with pytest.raises(BadInput, match="no such project"):
        Store(tmp_path / "nope.db")


def test_foreign_sqlite_file_and_garbage_are_refused(tmp_path):
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(BadInput, match="not a qualcode project"):
        Store(other)
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(BadInput, match="not a qualcode project"):
        Store(garbage)


def test_newer_schema_is_refused(tmp_path):
    store = Store(tmp_path / "p.db", create=True)
    store.conn.execute("UPDATE schema_version SET version = 999")
    store.close()
    with pytest.raises(QualcodeError, match="newer than this qualcode"):
        Store(tmp_path / "p.db")


def test_transaction_rolls_back_everything_on_error(tmp_path):
    store = Store(tmp_path / "p.db", create=True)
    with pytest.raises(RuntimeError), store.transaction() as conn:
        conn.execute("INSERT INTO cases (id, name) VALUES ('A', 'x')")
        with store.transaction():
            conn.execute("INSERT INTO cases (id, name) VALUES ('B', 'y')")
        raise RuntimeError("boom")
    assert store.conn.execute("SELECT count(*) FROM cases").fetchone()[0] == 0
    store.close()


def test_a_version_1_project_is_migrated_and_indexed_on_first_search(tmp_path):
    from qualcode.project import Project
    from qualcode.store.connection import _statements
    from qualcode.store.schema import MIGRATIONS

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    for statement in _statements(MIGRATIONS[0]):
        conn.execute(statement)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    conn.execute("INSERT INTO schema_version VALUES (1)")
    conn.execute("INSERT INTO cases (id, name) VALUES ('A', '臺北市')")
    text = "問：經費從哪裡來？\n\n答：中央的就業安定基金。\n"
    conn.execute(
        "INSERT INTO documents (id, case_id, title, sha256, text, imported_at) VALUES (1, 'A', 'A', 'x', ?, 'now')",
        (text,),
    )
    conn.execute("INSERT INTO turns VALUES (1, 1, '問', 2, 9)")
    conn.execute("INSERT INTO turns VALUES (1, 2, '答', 13, 24)")
    conn.commit()
    conn.close()
    with Project.open(path) as project:
        assert project.store.version == SCHEMA_VERSION
        [hit] = project.search.find("就業安定基金").results
        assert (hit.turn, hit.speaker, text[hit.start : hit.end]) == (2, "答", "就業安定基金")


def test_a_project_this_user_may_not_write_is_opened_read_only(tmp_path, monkeypatch):
    """os.access decides (root passes it anyway, so it is faked here); SQLite itself then refuses writes."""
    import os

    path = tmp_path / "p.db"
    Store(path, create=True).close()
    before = path.read_bytes()
    monkeypatch.setattr(os, "access", lambda target, mode, **kw: not mode & os.W_OK)
    store = Store(path)
    try:
        assert store.read_only and "no permission to write the file" in store.read_only_reason
        assert store.version == SCHEMA_VERSION  # reading works
        refused = pytest.raises(BadInput, match=r"p\.db: the project is read-only .*; nothing was changed")
        with refused, store.transaction() as conn:
            conn.execute("INSERT INTO cases (id, name) VALUES ('A', 'x')")
        with pytest.raises(sqlite3.OperationalError, match="readonly"):  # opened with mode=ro: not only our check
            store.conn.execute("INSERT INTO cases (id, name) VALUES ('A', 'x')")
    finally:
        store.close()
    assert path.read_bytes() == before


def test_an_old_project_that_cannot_be_written_is_not_migrated(tmp_path, monkeypatch):
    import os

    path = tmp_path / "p.db"
    store = Store(path, create=True)
    store.conn.execute("UPDATE schema_version SET version = 5")
    store.close()
    monkeypatch.setattr(os, "access", lambda target, mode, **kw: not mode & os.W_OK)
    with pytest.raises(BadInput, match=f"must be migrated from schema version 5 to {SCHEMA_VERSION}, which writes"):
        Store(path)


def test_what_cannot_be_a_project_file_is_refused_before_sqlite_sees_it(tmp_path):
    with pytest.raises(BadInput, match="is a directory"):
        Store(tmp_path)
    with pytest.raises(BadInput, match="not a regular file"):
        Store("/dev/null")
    with pytest.raises(BadInput, match="there is no folder"):
        Store(tmp_path / "missing" / "p.db", create=True)


def test_a_foreign_sqlite_file_is_not_switched_to_wal(tmp_path):
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    before = other.read_bytes()
    with pytest.raises(BadInput, match="not a qualcode project"):
        Store(other)
    assert other.read_bytes() == before  # PRAGMA journal_mode = WAL would have rewritten its header
