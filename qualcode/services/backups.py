"""Backups of the project file: copies made with SQLite's online backup API, listed, pruned and restored.

Copies go to `backups/` beside the project file, named `<project stem>-<UTC time>-<reason>.db`
(`qualcode-20250301T101502.123456Z-manual.db`; a second copy in the same microsecond gets `_2` after
the time). Automatic copies, made before destructive or bulk commands, have reasons that start with
`auto-` and only the newest `backups_keep` of them (config file, default 20) are kept; every other copy
(manual ones, `before-restore`, `before-migration-v<N>` from the store) is kept until you delete it.

Every backup and restore is an event in the project's log (`backup`, `restore`). Make an automatic backup
only once the command it protects has checked its input (a refused command should leave the project as it
was, without even that event): `before_codebook_load` tries the load first. Never call these inside
`Project.transaction()`: SQLite's backup API cannot copy a connection that holds the write lock (they
refuse rather than wait forever).
"""

from __future__ import annotations

import builtins
import datetime as dt
import os
import re
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from qualcode.errors import BadInput, QualcodeError
from qualcode.services.codebook import CodebookService
from qualcode.services.events import EventLog
from qualcode.store import Store
from qualcode.store.connection import BACKUP_FOLDER, backup_into_folder
from qualcode.store.schema import SCHEMA_VERSION

AUTO = "auto-"
STAMP_FORMAT = "%Y%m%dT%H%M%S.%fZ"
# Tables every qualcode project has had since schema version 1.
REQUIRED_TABLES = {"schema_version", "project", "cases", "documents", "turns", "codes", "codings", "events"}


@dataclass(frozen=True)
class Backup:
    path: Path
    created: dt.datetime  # UTC, from the file name
    reason: str  # without the `auto-` marker
    size: int  # bytes
    automatic: bool  # pruned to the newest `backups_keep`


def clean_reason(reason: str) -> str:
    """A reason as it can stand in a file name: letters, digits, `.`, `_` and `-`."""
    return re.sub(r"[^0-9A-Za-z._-]+", "-", reason).strip("-.") or "manual"


class BackupService:
    def __init__(self, store: Store, log: EventLog, codebook: CodebookService):
        self._store = store
        self._log = log
        self._codebook = codebook

    @property
    def folder(self) -> Path:
        """Where backups go by default: `backups/` beside the project file."""
        return self._store.path.parent / BACKUP_FOLDER

    # -- making copies ---------------------------------------------------------------------------
    def create(
        self, reason: str = "manual", path: Path | str | None = None, *, coder: str = "", force: bool = False
    ) -> Path:
        """Copy the project (consistent even while another process writes); returns where the copy went.

        Without a path, into `backups/` beside the project, never pruned. With a path, there: an existing
        file is refused unless force; a device or FIFO is written in place (qualcode.fileio).
        """
        reason = clean_reason(reason).removeprefix(AUTO) or "manual"
        if path is None:
            return self._to_folder(reason, coder=coder, automatic=False)
        from qualcode.fileio import write_with

        target = Path(path)
        self._refuse_project_files(target)
        with self._snapshot() as snapshot:
            with open(snapshot, "rb") as source:
                write_with(target, lambda handle: shutil.copyfileobj(source, handle), force=force)
            self._logged(coder, target, reason, automatic=False, size=snapshot.stat().st_size)
        return target

    def write_to(self, stream: BinaryIO, *, coder: str = "") -> int:
        """Write a copy of the project to a binary stream (standard output); returns its size in bytes."""
        with self._snapshot() as snapshot:
            with open(snapshot, "rb") as source:
                shutil.copyfileobj(source, stream)
            stream.flush()
            size = snapshot.stat().st_size
        self._logged(coder, "-", "manual", automatic=False, size=size)
        return size

    def auto(self, reason: str, *, coder: str = "") -> Path | None:
        """An automatic backup before a destructive or bulk change, then keep the newest `backups_keep` ones.

        Returns the copy, or None when the config file turns automatic backups off (`backups_keep = 0`).
        """
        from qualcode.config import backups_keep

        self._store.require_writable()  # it protects a change, which a read-only project refuses anyway
        keep = backups_keep()
        if keep == 0:
            return None
        made = self._to_folder(clean_reason(reason), coder=coder, automatic=True)
        self.prune(keep, spare=made)
        return made

    def prune(self, keep: int, *, spare: Path | None = None) -> builtins.list[Path]:
        """Delete all but the newest `keep` automatic backups of this project; returns what was deleted."""
        old = [b.path for b in self.list() if b.automatic][keep:]
        deleted = []
        for path in old:
            if path != spare:
                path.unlink(missing_ok=True)
                deleted.append(path)
        return deleted

    def before_codebook_load(self, path: Path | str, *, coder: str = "") -> Path | None:
        """An automatic backup if loading this codebook file would change a codebook the project has.

        First the load is tried in a transaction that is rolled back: a file that `codebook load` would
        refuse (invalid, or dropping codes that have codings) raises that error here, and nothing is copied
        or written. A project without codes, facets or scale has nothing to lose, so it is not copied.
        """
        from qualcode.codebook import load_file

        new = load_file(path)
        current = self._codebook.get()
        if current == new or not (current.codes or current.facets or current.scale):
            return None
        try:
            with self._store.transaction():
                self._codebook.replace(new, source=str(path))
                raise _DryRun
        except _DryRun:
            pass
        return self.auto("before-codebook-load", coder=coder)

    def work_at_risk(self) -> dict[str, int]:
        """What a rebuild would destroy: the number of codings and ratings."""
        conn = self._store.conn
        return {
            "codings": conn.execute("SELECT count(*) FROM codings").fetchone()[0],
            "ratings": conn.execute("SELECT count(*) FROM ratings").fetchone()[0],
        }

    # -- restoring -------------------------------------------------------------------------------
    def check(self, path: Path | str) -> int:
        """Whether a file is a qualcode project this version can restore; returns its schema version."""
        path = Path(path)
        if not path.exists():
            raise BadInput(f"{path}: no such file")
        if not path.is_file():
            raise BadInput(f"{path}: not a file")
        if self._store.path.exists() and os.path.samefile(path, self._store.path):
            raise BadInput(f"{path}: is the project itself; give a backup of it")
        try:
            conn = sqlite3.connect(_read_only(path), uri=True)
        except sqlite3.Error as exc:
            raise BadInput(f"{path}: cannot open it ({exc})") from None
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not tables >= REQUIRED_TABLES:
                raise BadInput(f"{path}: not a qualcode project")
            row = conn.execute("SELECT version FROM schema_version").fetchone()
            health = conn.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise BadInput(f"{path}: not a qualcode project ({exc})") from None
        finally:
            conn.close()
        version = row[0] if row else None
        if not isinstance(version, int) or version < 1:
            raise BadInput(f"{path}: not a qualcode project (no schema version)")
        if version > SCHEMA_VERSION:
            raise BadInput(
                f"{path}: schema version {version} is newer than this qualcode understands ({SCHEMA_VERSION}); upgrade qualcode"
            )
        if health != "ok":
            raise BadInput(f"{path}: a damaged SQLite file ({health})")
        return version

    def restore(self, path: Path | str, coder: str) -> Path:
        """Replace the project's content with a backup's; returns the `before-restore` copy made first.

        The backup is copied into the open file with SQLite's backup API (one transaction; the project
        keeps its path and inode, so other processes see the change), then migrated if it is older.
        Other services of this Project may cache what they read before: reopen the project afterwards.
        """
        path = Path(path)
        self._store.require_writable()
        version = self.check(path)
        if self._store.conn.in_transaction:
            raise QualcodeError("cannot restore a backup inside a transaction")
        before = self._to_folder("before-restore", coder=coder, automatic=False)
        source = sqlite3.connect(_read_only(path), uri=True)
        try:
            source.backup(self._store.conn)
        except sqlite3.Error as exc:
            raise QualcodeError(
                f"{path}: cannot restore it ({exc}); the project is unchanged, and copied to {before}"
            ) from None
        finally:
            source.close()
        if version < SCHEMA_VERSION:
            Store(self._store.path).close()  # migrates it, as opening an older project does
        with self._store.transaction():
            self._log.log(coder or "system", "restore", str(path), {"before_restore": str(before), "version": version})
        return before

    # -- listing ---------------------------------------------------------------------------------
    def list(self) -> builtins.list[Backup]:
        """This project's backups in its `backups/` folder, newest first (other files there are ignored)."""
        stem = self._store.path.stem
        pattern = re.compile(rf"{re.escape(stem)}-(\d{{8}}T\d{{6}}\.\d{{6}}Z)(?:_(\d+))?-([0-9A-Za-z._-]+)\.db")
        found: builtins.list[tuple[dt.datetime, int, Backup]] = []
        try:
            entries = builtins.list(os.scandir(self.folder))
        except (FileNotFoundError, NotADirectoryError):
            return []
        for entry in entries:
            match = pattern.fullmatch(entry.name)
            if not match or not entry.is_file(follow_symlinks=False):
                continue
            try:
                created = dt.datetime.strptime(match[1], STAMP_FORMAT).replace(tzinfo=dt.UTC)
                size = entry.stat(follow_symlinks=False).st_size
            except (ValueError, OSError):
                continue
            reason = match[3]
            backup = Backup(Path(entry.path), created, reason.removeprefix(AUTO), size, reason.startswith(AUTO))
            found.append((created, int(match[2] or 1), backup))
        found.sort(key=lambda item: (item[0], item[1]), reverse=True)
        return [backup for _, _, backup in found]

    # -- helpers ---------------------------------------------------------------------------------
    def _to_folder(self, reason: str, *, coder: str, automatic: bool) -> Path:
        if str(self._store.path) == ":memory:":
            raise BadInput("an in-memory project has no folder to back up into")
        try:
            made = backup_into_folder(self._store.conn, self._store.path, (AUTO if automatic else "") + reason)
        except OSError as exc:
            raise QualcodeError(f"{self.folder}: cannot write a backup there: {exc.strerror or exc}") from None
        self._logged(coder, made, reason, automatic=automatic, size=made.stat().st_size)
        return made

    def _snapshot(self):
        return _Snapshot(self._store.conn)

    def _logged(self, coder: str, target: Path | str, reason: str, *, automatic: bool, size: int) -> None:
        """Record the backup in the event log, unless another process holds the write lock past the busy
        timeout (a long import): the copy is made and listed by `list()`, so it is not failed for that. A
        read-only project can be copied, but its log cannot record it."""
        if self._store.read_only:
            return
        try:
            with self._store.transaction():
                self._log.log(
                    coder or "system", "backup", str(target), {"reason": reason, "automatic": automatic, "size": size}
                )
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise

    def _refuse_project_files(self, target: Path) -> None:
        project = os.path.realpath(self._store.path)
        mine = {project, *(project + suffix for suffix in ("-wal", "-shm", "-journal"))}
        if os.path.realpath(target) in mine:
            raise BadInput(f"{target}: is the project file (or its journal); choose another file")


class _DryRun(Exception):
    """Rolls back a change that was only tried."""


class _Snapshot:
    """A consistent copy of the project in a temporary file (one file, no WAL), deleted on exit."""

    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn
        self.path: Path | None = None

    def __enter__(self) -> Path:
        if self._conn.in_transaction:  # the backup API would wait forever on its own connection's write lock
            raise QualcodeError("cannot back up the project inside a transaction")
        fd, name = tempfile.mkstemp(prefix="qualcode-backup-", suffix=".db")
        os.close(fd)
        self.path = Path(name)
        try:
            copy = sqlite3.connect(name)
            try:
                self._conn.backup(copy)
                copy.execute("PRAGMA journal_mode = DELETE")
            finally:
                copy.close()
        except BaseException:
            self.path.unlink(missing_ok=True)
            raise
        return self.path

    def __exit__(self, *exc: object) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)


def _read_only(path: Path) -> str:
    """A URI that reads a backup without writing beside it: a file with no -wal is read as it is (immutable);
    one with a -wal (a live project given as a backup) needs SQLite's -shm, which it creates if it must."""
    if Path(f"{path}-wal").exists():
        return path.resolve().as_uri() + "?mode=ro"
    return path.resolve().as_uri() + "?mode=ro&immutable=1"
