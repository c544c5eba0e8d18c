"""Open a project file: WAL, foreign keys, busy timeout, migrations, and one-transaction writes."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from qualcode.errors import BadInput, QualcodeError
from qualcode.store.schema import MIGRATIONS, SCHEMA_VERSION, Migration

if TYPE_CHECKING:
    import sqlite_utils

BUSY_TIMEOUT_MS = 5000
BACKUP_FOLDER = "backups"  # beside the project file


class Store:
    """One SQLite connection to a project file, with explicit transactions."""

    def __init__(self, path: Path | str, *, create: bool = False):
        self.path = Path(path)
        if not create and str(path) != ":memory:" and not self.path.exists():
            raise BadInput(f"{self.path}: no such project (create one with `qualcode init` or `qualcode demo`)")
        try:
            self.conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self.conn.execute("PRAGMA foreign_keys = ON")
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.DatabaseError as exc:
            raise BadInput(f"{self.path}: not a qualcode project ({exc})") from None
        self._depth = 0
        self._db: sqlite_utils.Database | None = None
        self._migrate()

    @property
    def db(self) -> sqlite_utils.Database:
        """sqlite-utils on this connection, imported on first use (importing it costs ~150 ms at startup).

        It joins Store.transaction() (its writes inside one use savepoints). No recursive_triggers and no
        sqlite-utils plugins: opening it must not change how this connection behaves.
        """
        if self._db is None:
            import sqlite_utils

            self._db = sqlite_utils.Database(self.conn, recursive_triggers=False, execute_plugins=False)
        return self._db

    def close(self) -> None:
        self.conn.close()

    @property
    def version(self) -> int:
        row = self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
        ).fetchone()
        if row is None:
            return 0
        return self.conn.execute("SELECT version FROM schema_version").fetchone()[0]

    def _migrate(self) -> None:
        try:
            current = self.version
        except sqlite3.DatabaseError as exc:
            raise BadInput(f"{self.path}: not a qualcode project ({exc})") from None
        if current > SCHEMA_VERSION:
            raise QualcodeError(
                f"{self.path}: schema version {current} is newer than this qualcode understands ({SCHEMA_VERSION}); upgrade qualcode"
            )
        if current == 0 and self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise BadInput(f"{self.path}: an SQLite file that is not a qualcode project")
        if current == SCHEMA_VERSION:
            return
        if current:
            try:
                backup_into_folder(self.conn, self.path, f"before-migration-v{current}")
            except (OSError, sqlite3.Error) as exc:
                raise QualcodeError(
                    f"{self.path}: cannot back up before migrating it, so it was left as it was: {exc}"
                ) from None
        # SQLite's procedure for changing a schema (lang_altertable.html, "other kinds of table schema
        # changes"): foreign keys off outside the transaction, so rebuilding or dropping a referenced
        # table neither cascades nor is refused (sqlite-utils' transform() refuses, inside a transaction,
        # tables that others reference ON DELETE CASCADE); then foreign_key_check before COMMIT.
        self.conn.execute("PRAGMA foreign_keys = OFF")
        try:
            while current < SCHEMA_VERSION:
                with self.transaction():
                    # Read again under the write lock: another process may have just migrated the file.
                    version = current = self.version
                    if version >= SCHEMA_VERSION:
                        break
                    self._apply(MIGRATIONS[version])
                    if version == 0:
                        self.conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
                        self.conn.execute("INSERT INTO schema_version VALUES (?)", (version + 1,))
                    else:
                        self.conn.execute("UPDATE schema_version SET version = ?", (version + 1,))
                    broken = self.conn.execute("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        first = broken[0]
                        raise QualcodeError(
                            f"{self.path}: cannot migrate to schema version {version + 1}: {len(broken)} row(s) break "
                            f"a foreign key (first: {first[0]} row {first[1]} -> {first[2]}); that migration was rolled back"
                        )
                current = version + 1
        finally:
            self.conn.execute("PRAGMA foreign_keys = ON")

    def _apply(self, migration: Migration) -> None:
        if callable(migration):
            migration(self.db)
        else:
            for statement in _statements(migration):
                self.conn.execute(statement)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All writes inside happen together or not at all; nested calls join the outer transaction."""
        if self._depth:
            self._depth += 1
            try:
                yield self.conn
            finally:
                self._depth -= 1
            return
        self.conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")
        finally:
            self._depth = 0


def backup_into_folder(conn: sqlite3.Connection, project: Path, reason: str) -> Path:
    """Copy a project with SQLite's backup API to backups/<stem>-<UTC time>-<reason>.db beside it; returns the copy.

    The copy is consistent even while another process writes, is one file (rollback journal, not WAL),
    readable by its owner only, and appears whole (written under a temporary name, then linked): two
    copies in the same microsecond get `_2`, `_3` … after the time. `BackupService` lists and prunes them.
    """
    if conn.in_transaction:  # the backup API would wait forever on its own connection's write lock
        raise QualcodeError("cannot back up the project inside a transaction")
    folder = project.parent / BACKUP_FOLDER
    folder.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    fd, tmp = tempfile.mkstemp(prefix=".backup-", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        copy = sqlite3.connect(tmp)
        try:
            conn.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")
        finally:
            copy.close()
        n = 1
        while True:
            target = folder / f"{project.stem}-{stamp}{f'_{n}' if n > 1 else ''}-{reason}.db"
            try:
                os.link(tmp, target)
                return target
            except FileExistsError:
                n += 1
            except OSError:  # no hard links on this file system: reserve the name, then rename over it
                try:
                    os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
                except FileExistsError:
                    n += 1
                    continue
                os.replace(tmp, target)
                return target
    finally:
        Path(tmp).unlink(missing_ok=True)


def _statements(script: str) -> list[str]:
    """Split a migration into statements (sqlite3.complete_statement keeps triggers whole)."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        if line.strip().startswith("--") and not buffer.strip():
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
