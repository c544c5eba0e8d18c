"""Backups (project.backups and `qualcode backup/backups/restore`), the automatic backups before destructive
or bulk commands, and writes that never clobber: --force, `-o -`, devices, FIFOs and symlinks as targets."""

from __future__ import annotations

import datetime as dt
import json
import os
import pty
import re
import sqlite3
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from qualcode.errors import BadInput, QualcodeError
from qualcode.project import Project
from qualcode.store import Store
from qualcode.store import connection as connection_mod
from qualcode.store.connection import _statements
from qualcode.store.schema import MIGRATIONS, SCHEMA_VERSION

ROOT = Path(__file__).resolve().parents[2]
CODEBOOK = ROOT / "codebooks" / "five-municipalities.yaml"
NAME = re.compile(r"qualcode-\d{8}T\d{6}\.\d{6}Z(_\d+)?-[0-9A-Za-z._-]+\.db")
SQLITE_MAGIC = b"SQLite format 3\x00"


def _status(path: Path) -> dict:
    with Project.open(path) as project:
        return project.status()


def _rows(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def _codings(path: Path) -> int:
    return _status(path)["codings"]


def _one_line(proc, text: str) -> None:
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and text in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr


def _json(cli, *args: str):
    return json.loads(cli.fast(*args, "--json").stdout)


def _config(tmp_path: Path, text: str) -> None:
    (tmp_path / "no-config.toml").write_text(text, encoding="utf-8")  # the file $QUALCODE_CONFIG names


class FifoReader:
    def __init__(self, path: Path):
        self.data = b""
        self.thread = threading.Thread(target=self._read, args=(path,), daemon=True)
        self.thread.start()

    def _read(self, path: Path) -> None:
        with open(path, "rb") as handle:
            self.data = handle.read()

    def result(self) -> bytes:
        self.thread.join(timeout=20)
        assert not self.thread.is_alive(), "the FIFO was never written and closed"
        return self.data


def _old_file(path: Path, version: int = 4) -> Path:
    """A project as qualcode wrote it at an older schema version (the released SQL migrations), with a case."""
    conn = sqlite3.connect(path)
    for migration in MIGRATIONS[:version]:
        for statement in _statements(migration):
            conn.execute(statement)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    conn.execute("INSERT INTO schema_version VALUES (?)", (version,))
    conn.execute("INSERT INTO cases (id, name) VALUES ('OLD', '舊案例')")
    conn.commit()
    conn.close()
    return path


# -- the service ---------------------------------------------------------------------------------
def test_create_copies_the_project_into_backups_beside_it(project, demo_db):
    project.codings.apply("A", "budget", "alice", turn=6)
    made = project.backups.create()
    assert made.parent == demo_db.parent / "backups" and NAME.fullmatch(made.name) and made.name.endswith("-manual.db")
    assert made.read_bytes().startswith(SQLITE_MAGIC)
    assert stat.S_IMODE(made.stat().st_mode) == 0o600  # interview data: readable by its owner only
    assert not Path(f"{made}-wal").exists()
    copy = sqlite3.connect(made)
    assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
    copy.close()
    assert _status(made) == project.status()
    [listed] = project.backups.list()
    assert (listed.path, listed.reason, listed.automatic, listed.size) == (made, "manual", False, made.stat().st_size)
    assert dt.datetime.now(dt.UTC) - listed.created < dt.timedelta(minutes=1)
    event = project.events(1)[0]
    assert (event["action"], event["target"]) == ("backup", str(made))


def test_a_copy_holds_what_was_committed_while_another_connection_writes(project, demo_db):
    other = sqlite3.connect(demo_db, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO cases (id, name) VALUES ('Z', 'uncommitted')")
    # The other writer holds the write lock while the copy is made, and lets go a little later (the
    # backup event then waits for it, within the busy timeout).
    release = threading.Timer(0.5, lambda: other.execute("COMMIT"))
    release.start()
    try:
        made = project.backups.create("mid-write")
    finally:
        release.join()
        other.close()
    assert _status(made)["cases"] == 5 and project.status()["cases"] == 6
    assert project.events(1)[0]["action"] == "backup"
    with Project.open(made) as copy:
        assert [c.id for c in copy.documents.cases()] == ["A", "B", "C", "D", "E"]


def test_two_backups_in_the_same_microsecond_do_not_collide(project, monkeypatch):
    class Frozen(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return dt.datetime(2025, 3, 1, 10, 15, 2, 123456, tzinfo=dt.UTC)

    monkeypatch.setattr(connection_mod.dt, "datetime", Frozen)
    made = [project.backups.create("same") for _ in range(3)]
    assert [p.name for p in made] == [
        "qualcode-20250301T101502.123456Z-same.db",
        "qualcode-20250301T101502.123456Z_2-same.db",
        "qualcode-20250301T101502.123456Z_3-same.db",
    ]
    assert [b.path for b in project.backups.list()] == made[::-1]  # newest first


def test_list_ignores_foreign_files(project, demo_db):
    made = project.backups.create()
    folder = demo_db.parent / "backups"
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    (folder / "other-20250101T000000.000000Z-manual.db").write_bytes(b"another project's")
    (folder / "qualcode-garbage-manual.db").write_bytes(b"")
    (folder / "qualcode-20251399T000000.000000Z-manual.db").write_bytes(b"")  # no 99th day of the 13th month
    (folder / "qualcode-20250101T000000.000000Z-folder.db").mkdir()
    (folder / "qualcode-20250101T000000.000000Z-link.db").symlink_to(made)
    (folder / ".backup-leftover.tmp").write_bytes(b"")
    assert [b.path for b in project.backups.list()] == [made]


def test_automatic_backups_keep_the_newest_n_and_never_prune_manual_ones(project, tmp_path):
    _config(tmp_path, "backups_keep = 3\n")
    manual = [project.backups.create(), project.backups.create("before-recoding")]
    made = [project.backups.auto(f"step-{i}") for i in range(5)]
    listed = project.backups.list()
    assert [b.path for b in listed if not b.automatic] == manual[::-1]
    autos = [b for b in listed if b.automatic]
    assert [b.reason for b in autos] == ["step-4", "step-3", "step-2"]
    assert [b.path for b in autos] == made[:1:-1] and all(p.name.count("-auto-step-") == 1 for p in made)
    assert not any(p.exists() for p in made[:2])
    assert project.backups.create("auto-sneaky").name.endswith("-sneaky.db")  # a manual backup stays manual


def test_automatic_backups_off_and_a_bad_setting(project, tmp_path):
    _config(tmp_path, "backups_keep = 0\n")
    assert project.backups.auto("x") is None and project.backups.list() == []
    _config(tmp_path, 'backups_keep = "many"\n')
    with pytest.raises(BadInput, match=r"no-config\.toml: backups_keep must be a whole number.*'many'"):
        project.backups.auto("x")


def test_backups_refuse_to_run_inside_a_transaction(project):
    """SQLite's backup API cannot copy a connection that holds the write lock: refused, never a hang."""
    with project.transaction(), open(os.devnull, "wb") as sink:
        for call in (project.backups.create, lambda: project.backups.auto("x"), lambda: project.backups.write_to(sink)):
            with pytest.raises(QualcodeError, match="inside a transaction"):
                call()
    assert project.backups.list() == []


def test_restore_replaces_the_content_in_place_and_backs_up_first(project, demo_db):
    empty = project.backups.create("empty")
    coding = project.codings.apply("A", "budget", "alice", turn=6)
    project.ratings.rate("A", "budget", "強", coder="alice", evidence=[coding.id])
    watcher = Project.open(demo_db)  # another open connection (the TUI) sees the change
    inode = demo_db.stat().st_ino
    before = project.backups.restore(empty, "alice")
    assert demo_db.stat().st_ino == inode
    assert project.status()["codings"] == 0 and watcher.status()["codings"] == 0
    watcher.close()
    assert before.name.endswith("-before-restore.db") and _codings(before) == 1
    assert not next(b for b in project.backups.list() if b.path == before).automatic
    event = project.events(1)[0]
    assert (event["action"], event["target"], event["coder"]) == ("restore", str(empty), "alice")
    project.close()
    with Project.open(demo_db) as again:
        assert again.store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert again.store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        again.backups.restore(before, "alice")
        assert again.status()["codings"] == 1 and len(again.ratings.select()) == 1


def test_restore_refuses_what_is_not_a_qualcode_project(project, demo_db, dump, tmp_path):
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not sqlite " * 500)
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    newer = project.backups.create("newer")
    conn = sqlite3.connect(newer)
    conn.execute("UPDATE schema_version SET version = 999")
    conn.commit()
    conn.close()
    cases = [
        (tmp_path / "missing.db", "missing.db: no such file"),
        (tmp_path, ": not a file"),
        (demo_db, "is the project itself"),
        (other, "other.db: not a qualcode project"),
        (garbage, "garbage.db: not a qualcode project"),
        (empty, "empty.db: not a qualcode project"),
        (newer, "schema version 999 is newer than this qualcode understands"),
    ]
    before = dump(demo_db)
    for path, message in cases:
        with pytest.raises(BadInput, match=re.escape(message)):
            project.backups.restore(path, "alice")
    assert dump(demo_db) == before
    assert [b.reason for b in project.backups.list()] == ["newer"]  # no before-restore copy for refused files


def test_restoring_an_older_backup_migrates_it(project, demo_db, tmp_path):
    old = _old_file(tmp_path / "old.db")
    project.backups.restore(old, "alice")
    assert project.store.version == SCHEMA_VERSION
    assert [c.id for c in project.documents.cases()] == ["OLD"]
    project.close()
    with Project.open(demo_db) as again:
        assert again.store.version == SCHEMA_VERSION and again.status()["cases"] == 1
        reasons = {b.reason for b in again.backups.list()}
    assert {"before-restore", "before-migration-v4"} <= reasons  # the restored file, before its migration


def test_opening_an_older_project_backs_it_up_before_migrating(tmp_path):
    old = _old_file(tmp_path / "study.db")
    original = _rows(old)
    Store(old).close()
    [copy] = (tmp_path / "backups").iterdir()
    assert re.fullmatch(r"study-\d{8}T\d{6}\.\d{6}Z-before-migration-v4\.db", copy.name)
    assert _rows(copy) == original != _rows(old)  # the file as it was before the migration
    with Project.open(old) as project:
        [listed] = project.backups.list()
        assert (listed.path, listed.reason, listed.automatic) == (copy, "before-migration-v4", False)
    Store(tmp_path / "new.db", create=True).close()  # a new file has nothing to back up
    assert len(list((tmp_path / "backups").iterdir())) == 1


def test_a_failed_pre_migration_backup_leaves_the_file_unmigrated(tmp_path):
    old = _old_file(tmp_path / "study.db")
    (tmp_path / "backups").write_text("a file where the folder should be", encoding="utf-8")
    with pytest.raises(QualcodeError, match="cannot back up before migrating it"):
        Store(old)
    assert sqlite3.connect(old).execute("SELECT version FROM schema_version").fetchone()[0] == 4


def test_before_codebook_load_backs_up_only_a_change(project, tmp_path):
    assert project.backups.before_codebook_load(CODEBOOK) is None  # the same codebook: nothing to lose
    changed = tmp_path / "changed.yaml"
    changed.write_text(CODEBOOK.read_text(encoding="utf-8").replace("name: 預算", "name: 經費"), encoding="utf-8")
    made = project.backups.before_codebook_load(changed, coder="alice")
    assert made is not None and made.name.endswith("-auto-before-codebook-load.db")
    assert project.codebook.code("budget").name == "預算"  # the load was only tried: rolled back, cache fresh
    assert [e["action"] for e in project.events(2)] == ["backup", "cases.import"]  # no codebook.load: rolled back
    with Project.open(made) as copy:
        assert copy.codebook.code("budget").name == "預算"
    broken = tmp_path / "broken.yaml"
    broken.write_text("codes:\n- id: a\n  name: [x\n", encoding="utf-8")
    with pytest.raises(BadInput, match=r"broken\.yaml:3"):
        project.backups.before_codebook_load(broken)
    assert len(project.backups.list()) == 1
    with Project.open(tmp_path / "new.db", create=True) as new:
        assert new.backups.before_codebook_load(changed) is None  # an empty codebook has nothing to lose


# -- the commands --------------------------------------------------------------------------------
def test_backup_and_backups_commands(cli, demo_db):
    p = ("--project", str(demo_db))
    out = cli.fast(*p, "backup").stdout
    made = Path(re.fullmatch(r"backed up .+ to (.+)\n", out)[1])
    assert made.parent.name == "backups" and made.read_bytes().startswith(SQLITE_MAGIC)
    [listed] = _json(cli, *p, "backups")
    assert listed == {
        "path": str(made),
        "created": listed["created"],
        "reason": "manual",
        "size": made.stat().st_size,
        "automatic": False,
    }
    assert dt.datetime.fromisoformat(listed["created"]).tzinfo is not None
    text = cli.fast(*p, "backups").stdout
    assert "kept" in text and str(made) in text and "manual" in text


def test_backup_to_a_file_refuses_an_existing_one_and_stdout_gets_the_bytes(cli, demo_db, tmp_path):
    p = ("--project", str(demo_db))
    target = tmp_path / "copy.db"
    target.write_bytes(b"precious")
    proc = cli(*p, "backup", "-o", str(target), ok=False)
    assert proc.returncode == 2
    _one_line(proc, f"{target}: already exists; pass --force to overwrite")
    assert target.read_bytes() == b"precious"
    cli.fast(*p, "backup", "-o", str(target), "--force")
    assert _status(target) == _status(demo_db)
    proc = cli.fast(*p, "backup", "-o", str(demo_db), "--force", ok=False)
    assert proc.exit_code == 2
    _one_line(proc, "is the project file")
    piped = cli.fast(*p, "backup", "-o", "-")
    assert piped.stdout_bytes.startswith(SQLITE_MAGIC) and "to standard output" in piped.stderr
    streamed = tmp_path / "streamed.db"
    streamed.write_bytes(piped.stdout_bytes)
    assert _status(streamed) == _status(demo_db)


def test_backup_to_dev_null_and_to_a_fifo(cli, demo_db, tmp_path):
    p = ("--project", str(demo_db))
    cli.fast(*p, "backup", "-o", "/dev/null")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = FifoReader(fifo)
    cli.fast(*p, "backup", "-o", str(fifo))
    data = reader.result()
    assert data.startswith(SQLITE_MAGIC) and stat.S_ISFIFO(fifo.lstat().st_mode)
    received = tmp_path / "received.db"
    received.write_bytes(data)
    assert _status(received) == _status(demo_db)


def test_restore_needs_yes_off_a_terminal(cli, demo_db, dump):
    p = ("--project", str(demo_db))
    made = Path(cli.fast(*p, "backup").stdout.split(" to ")[-1].strip())
    cli.fast(*p, "code", "A", "budget", "--turn", "6", "--coder", "alice")
    before = dump(demo_db)
    proc = cli.fast(*p, "restore", str(made), ok=False)  # the runner's stdin is not a terminal
    assert proc.exit_code == 2
    _one_line(proc, "pass --yes to confirm (not on a terminal)")
    assert dump(demo_db) == before
    out = cli.fast(*p, "restore", str(made), "--yes", "--coder", "bob").stdout
    assert f"restored {demo_db} from {made}" in out and "before-restore" in out
    assert _codings(demo_db) == 0
    with Project.open(demo_db) as project:
        assert [(e["action"], e["coder"]) for e in project.events(1)] == [("restore", "bob")]


def _restore_on_a_terminal(demo_db: Path, backup: Path, answer: bytes) -> subprocess.CompletedProcess:
    controller, terminal = pty.openpty()
    try:
        os.write(controller, answer)
        return subprocess.run(
            [sys.executable, "-m", "qualcode", "--project", str(demo_db), "restore", str(backup)],
            stdin=terminal,
            capture_output=True,
            text=True,
            cwd=demo_db.parent,
            timeout=60,
        )
    finally:
        os.close(terminal)
        os.close(controller)


def test_restore_asks_on_a_terminal(cli, demo_db, dump):
    p = ("--project", str(demo_db))
    made = Path(cli.fast(*p, "backup").stdout.split(" to ")[-1].strip())
    cli.fast(*p, "code", "A", "budget", "--turn", "6", "--coder", "alice")
    before = dump(demo_db)
    declined = _restore_on_a_terminal(demo_db, made, b"n\n")
    assert declined.returncode == 1 and "Replace the content of" in declined.stdout
    assert "not restored; nothing changed" in declined.stderr and dump(demo_db) == before
    accepted = _restore_on_a_terminal(demo_db, made, b"y\n")
    assert accepted.returncode == 0, accepted.stderr
    assert _codings(demo_db) == 0


def test_demo_reset_refuses_a_coded_project_unless_forced_and_backs_it_up(cli, demo_db, dump):
    p = ("--project", str(demo_db))
    cli.fast(*p, "code", "A", "budget", "--turn", "6", "--coder", "alice")
    before = dump(demo_db)
    proc = cli(*p, "demo", "--reset", "--no-tui", ok=False)
    assert proc.returncode == 2
    _one_line(proc, "has 1 coding(s) and 0 rating(s) that `demo --reset` would delete; pass --force")
    assert dump(demo_db) == before
    forced = cli.fast(*p, "demo", "--reset", "--force", "--no-tui")
    made = Path(re.search(r"backed up .+ to (\S+)", forced.stderr)[1])
    assert made.name.endswith("-auto-before-demo-reset.db") and _codings(made) == 1
    assert _codings(demo_db) == 0 and _status(demo_db)["documents"] == 5


def test_demo_reset_refuses_a_file_that_is_not_a_project(cli, tmp_path):
    thesis = tmp_path / "thesis.docx"
    thesis.write_bytes(b"PK\x03\x04 my thesis, not a project" * 100)
    proc = cli.fast("--project", str(thesis), "demo", "--reset", "--no-tui", ok=False)
    assert proc.exit_code == 2
    _one_line(proc, "thesis.docx: not a qualcode project")
    assert thesis.read_bytes() == b"PK\x03\x04 my thesis, not a project" * 100


def test_demo_reset_of_an_uncoded_project_backs_it_up(cli, demo_db):
    out = cli.fast("--project", str(demo_db), "demo", "--reset", "--no-tui")
    assert "-auto-before-demo-reset.db" in out.stderr and "built" in out.stderr


def test_codebook_load_backs_up_when_the_codebook_changes(cli, demo_db, tmp_path):
    p = ("--project", str(demo_db))
    same = cli.fast(*p, "codebook", "load", str(CODEBOOK))
    assert "backed up" not in same.stderr and not (tmp_path / "backups").exists()
    changed = tmp_path / "changed.yaml"
    changed.write_text(CODEBOOK.read_text(encoding="utf-8").replace("name: 預算", "name: 經費"), encoding="utf-8")
    loaded = cli.fast(*p, "codebook", "load", str(changed))
    assert "loaded 25 codes" in loaded.stdout
    [listed] = _json(cli, *p, "backups")
    assert (listed["reason"], listed["automatic"]) == ("before-codebook-load", True)
    assert f"backed up {demo_db} to {listed['path']}" in loaded.stderr
    with Project.open(listed["path"]) as copy:
        assert copy.codebook.code("budget").name == "預算"


def test_a_refused_codebook_load_makes_no_backup_and_leaves_the_project_as_it_was(cli, demo_db, dump, tmp_path):
    p = ("--project", str(demo_db))
    cli.fast(*p, "code", "A", "difficulties", "--turn", "6", "--coder", "alice")
    renamed = tmp_path / "renamed.yaml"
    renamed.write_text(CODEBOOK.read_text(encoding="utf-8").replace("- id: difficulties", "- id: obstacles"), "utf-8")
    before = dump(demo_db)
    proc = cli(*p, "codebook", "load", str(renamed), ok=False)
    assert proc.returncode == 2 and "drops codes that have codings: difficulties (1 codings)" in proc.stderr
    assert "Traceback" not in proc.stderr and dump(demo_db) == before  # not even a backup event
    assert _json(cli, *p, "backups") == []  # the load was tried (and rolled back) before any copy


def test_import_qdpx_backs_up_first(cli, demo_db, tmp_path):
    qdpx = tmp_path / "study.qdpx"
    cli.fast("--project", str(demo_db), "code", "A", "budget", "--turn", "6", "--coder", "alice")
    cli.fast("--project", str(demo_db), "export", "qdpx", "-o", str(qdpx))
    target = tmp_path / "other.db"
    cli.fast("--project", str(target), "init")
    proc = cli.fast("--project", str(target), "import-qdpx", str(qdpx))
    assert "imported" in proc.stdout and "-auto-before-import-qdpx.db" in proc.stderr
    [listed] = _json(cli, "--project", str(target), "backups")
    assert listed["automatic"] and _status(Path(listed["path"]))["documents"] == 0
    assert _codings(target) == 1


# -- writes never clobber: codebook dump and exports ------------------------------------------------
def test_codebook_dump_refuses_an_existing_file_unless_forced(cli, demo_db, tmp_path):
    p = ("--project", str(demo_db))
    target = tmp_path / "codebook.yaml"
    target.write_text("mine", encoding="utf-8")
    proc = cli.fast(*p, "codebook", "dump", "-o", str(target), ok=False)
    assert proc.exit_code == 2
    _one_line(proc, f"{target}: already exists; pass --force to overwrite")
    assert target.read_text(encoding="utf-8") == "mine"
    cli.fast(*p, "codebook", "dump", "-o", str(target), "--force")
    dumped = target.read_text(encoding="utf-8")
    assert "id: central-support" in dumped and dumped == cli.fast(*p, "codebook", "dump").stdout
    assert cli.fast(*p, "codebook", "dump", "-o", "-").stdout == dumped


@pytest.mark.parametrize(
    "args,magic",
    [
        (["export", "table", "--format", "csv"], b"\xef\xbb\xbf"),
        (["export", "matrix", "--format", "csv"], b"\xef\xbb\xbf"),
        (["export", "matrix", "--format", "xlsx"], b"PK\x03\x04"),
        (["export", "quotes", "--format", "md"], "# 編碼引文報告".encode()),
        (["export", "qdpx"], b"PK\x03\x04"),
        (["export", "qdc"], b"<?xml"),
    ],
    ids=["table-csv", "matrix-csv", "matrix-xlsx", "quotes-md", "qdpx", "qdc"],
)
def test_dash_writes_exports_to_stdout_as_bytes(cli, demo_db, tmp_path, args, magic):
    result = cli.fast("--project", str(demo_db), *args, "-o", "-")
    assert result.stdout_bytes.startswith(magic), result.stdout_bytes[:40]
    assert not (tmp_path / "exports").exists() and not (tmp_path / "-").exists()


def test_exports_to_dev_null_a_fifo_and_through_symlinks(cli, demo_db, tmp_path):
    p = ("--project", str(demo_db))
    cli.fast(*p, "export", "qdpx", "-o", "/dev/null")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "to-pipe"
    link.symlink_to(fifo)
    for target in (fifo, link):
        reader = FifoReader(fifo)
        cli.fast(*p, "export", "table", "--format", "csv", "-o", str(target))
        assert reader.result().startswith(b"\xef\xbb\xbf") and stat.S_ISFIFO(fifo.lstat().st_mode)
    (tmp_path / "real").mkdir()
    real = tmp_path / "real" / "quotes.md"
    real.write_text("old", encoding="utf-8")
    report = tmp_path / "quotes.md"
    report.symlink_to(real)
    proc = cli.fast(*p, "export", "quotes", "-o", str(report), ok=False)
    assert proc.exit_code == 2 and "already exists; pass --force" in proc.stderr and real.read_text() == "old"
    cli.fast(*p, "export", "quotes", "-o", str(report), "--force")
    assert report.is_symlink() and report.resolve() == real.resolve()
    assert real.read_text(encoding="utf-8").startswith("# 編碼引文報告")


def test_a_killed_copys_temporary_files_are_removed_by_the_next_backup(project):
    """A backup killed half-way leaves .backup-*.tmp (and its journal); they are partial and never listed."""
    folder = project.path.parent / "backups"
    folder.mkdir(exist_ok=True)
    old = [folder / ".backup-abandoned.tmp", folder / ".backup-abandoned.tmp-journal"]
    fresh = folder / ".backup-in-progress.tmp"
    hour_ago = dt.datetime.now().timestamp() - 7200
    for path in [*old, fresh]:
        path.write_bytes(b"partial")
    for path in old:
        os.utime(path, (hour_ago, hour_ago))
    made = project.backups.create("manual")
    assert made.exists()
    assert not any(path.exists() for path in old)
    assert fresh.exists()  # perhaps another process's copy in progress: left alone
