"""Open a project file: WAL, foreign keys, busy timeout, migrations, and one-transaction writes."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import stat
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
SQLITE_INTEGERS = range(-(2**63), 2**63)  # what an SQLite INTEGER holds; a larger int is not a row id, turn or version
BACKUP_FOLDER = "backups"  # beside the project file


class Store:
    """One SQLite connection to a project file, with explicit transactions."""

    def __init__(self, path: Path | str, *, create: bool = False):
        self.path = Path(path)
        memory = str(path) == ":memory:"
        if not memory:
            _check_path(self.path, create=create)
        # Why writes are refused ("" when they are not): the file or its folder is not writable by this user.
        self.read_only_reason = "" if memory or not self.path.exists() else _read_only_reason(self.path)
        try:
            if self.read_only_reason:
                self.conn = _connect_read_only(self.path)
            else:
                self.conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self.conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.DatabaseError as exc:
            raise BadInput(f"{self.path}: not a qualcode project ({exc})") from None
        self._depth = 0
        self._db: sqlite_utils.Database | None = None
        self._migrate()

    @property
    def read_only(self) -> bool:
        return bool(self.read_only_reason)

    def require_writable(self) -> None:
        """Refuse, before anything is written, to change a project this user may not write."""
        if self.read_only_reason:
            raise BadInput(f"{self.path}: the project is read-only ({self.read_only_reason}); nothing was changed")

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
        if not self.read_only_reason:  # only now: WAL mode is written into the file, which must be ours
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = NORMAL")
        if current == SCHEMA_VERSION:
            return
        if self.read_only_reason:
            needs = f"must be migrated from schema version {current} to {SCHEMA_VERSION}" if current else "is empty"
            raise BadInput(f"{self.path}: {needs}, which writes to it, but it is read-only ({self.read_only_reason})")
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
        self.require_writable()
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


def _check_path(path: Path, *, create: bool) -> None:
    """Refuse what cannot be a project file before SQLite sees it (a directory, a device, a missing folder)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        if not create:
            raise BadInput(f"{path}: no such project (create one with `qualcode init` or `qualcode demo`)") from None
        if not path.parent.is_dir():
            raise BadInput(f"{path}: cannot create it: there is no folder {path.parent}") from None
        return
    except OSError as exc:
        raise BadInput(f"{path}: cannot open it: {exc.strerror or exc}") from None
    if stat.S_ISDIR(mode):
        raise BadInput(f"{path}: is a directory, not a project file")
    if not stat.S_ISREG(mode):
        raise BadInput(f"{path}: not a regular file (a device, a pipe or a socket), so not a project file")
    if not os.access(path, os.R_OK):
        raise BadInput(f"{path}: cannot open it: permission denied")


def _read_only_reason(path: Path) -> str:
    """Why this user cannot write the project ("" if it can): SQLite needs the file and, in WAL mode, its
    folder, where it keeps the -wal and -shm files. Root may write anything, whatever the permissions say."""
    folder = path.parent
    try:
        if os.statvfs(path).f_flag & os.ST_RDONLY:
            return "it is on a read-only file system"
    except OSError:
        pass
    if not os.access(path, os.W_OK):
        return "no permission to write the file"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"no permission to write its folder {folder}, where SQLite keeps its -wal and -shm files"
    return ""


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """Open a project this user cannot write, for reading.

    `mode=ro` reads a WAL project and sees other processes' writes, but SQLite needs the -shm file beside it:
    it must exist or the folder must be writable. Otherwise, when no -wal file holds changes the main file
    lacks, `immutable=1` reads the file as it is, without any lock (nobody may write there meanwhile).
    """
    uri = path.resolve().as_uri()
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError:
        conn.close()
    wal = Path(f"{path}-wal")
    if wal.exists() and wal.stat().st_size:
        raise BadInput(
            f"{path}: read-only, and its {wal.name} file holds changes that SQLite can read only where it may "
            "write the -shm file beside it; open the project once where it is writable"
        )
    return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, isolation_level=None, check_same_thread=False)


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
    _remove_abandoned_copies(folder)
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


ABANDONED_AFTER = 3600  # seconds: a copy in progress takes far less; older temporary files are a killed copy's


def _remove_abandoned_copies(folder: Path) -> None:
    """Delete the temporary files of copies killed half-way (SIGKILL, power cut): partial, never listed."""
    limit = dt.datetime.now().timestamp() - ABANDONED_AFTER
    for leftover in folder.glob(".backup-*.tmp*"):
        try:
            if leftover.is_file() and leftover.stat().st_mtime < limit:
                leftover.unlink()
        except OSError:
            pass


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
