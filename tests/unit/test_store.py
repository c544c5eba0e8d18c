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
    with pytest.raises(RuntimeError):
        with store.transaction() as conn:
            conn.execute("INSERT INTO cases (id, name) VALUES ('A', 'x')")
            with store.transaction():
                conn.execute("INSERT INTO cases (id, name) VALUES ('B', 'y')")
            raise RuntimeError("boom")
    assert store.conn.execute("SELECT count(*) FROM cases").fetchone()[0] == 0
    store.close()
