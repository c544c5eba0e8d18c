#!/usr/bin/env python3
"""Fault injection: SIGKILL qualcode's writers at random moments, N times, and check the project after every kill.

    .venv/bin/python scripts/crashtest.py --runs 100        # 100 runs of each kind (cli, inproc, tui), ~6 min
    .venv/bin/python scripts/crashtest.py --runs 5 --kinds cli,inproc --seed 7 --keep

One project file (a temporary copy of the demo project, or of --project), and three kinds of victim that take
turns on it (cli, inproc, tui, cli, …), each killed once per run:

  cli     `python -m qualcode --project P --coder crash COMMAND`: code (about half), uncode, memo, rate,
          import of a changed copy of a transcript (a new turn at its end), codebook load (one extra code),
          undo, redo. Acknowledged: the command printed its success line ("coded …", "removed coding …").
  inproc  a child Python process that opens the project with Project.open() and applies codings (with some
          memos and removals) in a loop, writing `ACK i <id>` to its stdout pipe after each call returns.
          Acknowledged: that line reached the parent.
  tui     `qualcode --project P --coder tui` in a pane of a private tmux server (COLUMNS/LINES unset): `/`, a
          word, Enter, Enter (the first hit is selected), a shortcut digit, then `n` and the digit again, a few
          times. Acknowledged: the status bar's total (「共 N 筆」) showed the coding; every capture of the
          screen, the last one after the kill included (the pane stays), counts.

A kill is random or targeted. Random: SIGKILL after a random delay (CLI: from its start, up to 300 ms or 1.5
times the CLI's measured run time if that is longer, so that some commands finish; inproc: a random moment of
its loop; TUI: a random moment of the key script, start-up included). Targeted (--targeted,
half the runs by default): the victim SIGKILLs itself inside its Nth write transaction, before a random
statement of it or a random few microseconds into its COMMIT. A sitecustomize.py on the victims' PYTHONPATH
does that, and marks every BEGIN and COMMIT on the project file in a trace file; the marks say where each
kill landed: before the first write, mid-transaction, in COMMIT, after a write, or the victim had finished.

After every run, with the victim dead:
  - `PRAGMA integrity_check` is ok and `PRAGMA foreign_key_check` finds nothing;
  - every coding known before the run, and every one acknowledged in it, is there, unchanged (document,
    code, coder, offsets, text, not orphaned) and with the memo it should have; an acknowledged removal
    happened; a write in flight at the kill happened entirely or not at all; no coding exists that was not
    requested (a half-written or phantom one), nor one whose request was refused or never sent; the TUI's
    codings are a prefix of what its keys asked for, at least as many as its screen showed;
  - ratings, the codebook and the documents are as acknowledged (an interrupted write: old or new, whole);
    a re-imported transcript's new turn is found by search iff the text has it (the index is in step);
  - the event log agrees with the codings: replaying its code/uncode/memo/undo/redo events gives exactly the
    codings of the test's coders, with their memos, and each acknowledged coding has its `code` event;
  - undo then redo for that kind's coder (two Project.open, like two CLI commands) works and gives back the
    same codings, ratings, codebook and documents.
At the end, every backup file in backups/ passes `PRAGMA quick_check` (temporary files that killed backups left
there are counted, not failed). --sabotage deletes an acknowledged coding and adds an unrequested one behind
qualcode's back, to show that the checks notice (tests/functional/test_crashtest.py).

Exit status 1 with one line per failure if any check failed; the work folder is then kept.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from qualcode.codebook import dumps  # noqa: E402
from qualcode.errors import BadInput, QualcodeError  # noqa: E402
from qualcode.project import Project, build_demo  # noqa: E402

KINDS = ("cli", "inproc", "tui")
CODERS = {"cli": "crash", "inproc": "inproc", "tui": "tui"}
CLI_DELAY = 0.3  # seconds: a CLI command is killed after a random delay up to this, or 1.5 times its run time
INPROC_OPS = 120  # calls per in-process writer
TUI_CODINGS = 6  # shortcut presses per TUI run
TUI_PACE = 0.1  # seconds between keys
SEARCH_WORDS = ("經費", "中央", "網站", "民眾", "就業", "人力", "系統", "服務", "廠商", "資源")
PHASES = ("before-write", "mid-transaction", "in-commit", "after-write", "finished")
STATUS_TOTAL = re.compile(r"共 (\d+) 筆 ·")
CODED = re.compile(r"^coded \S+ \d+:\d+ as \S+ \(coding ([0-9a-f-]{36})\)", re.M)
EXPECTED_REFUSALS = ("already coded", "nothing to undo", "nothing to redo")

# Put on the victims' PYTHONPATH as sitecustomize.py. Inert unless CRASHTEST_TRACE is set.
HOOK = r'''"""crashtest hook: marks the write transactions on the project file; may SIGKILL this process in one."""
import os

if os.environ.get("CRASHTEST_TRACE"):
    import signal
    import sqlite3
    import threading
    import time

    _DB = os.path.realpath(os.environ["CRASHTEST_DB"])
    _FD = os.open(os.environ["CRASHTEST_TRACE"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    _TX = int(os.environ.get("CRASHTEST_KILL_TX") or 0)  # kill inside this write transaction (1 = the first)
    _AT = os.environ.get("CRASHTEST_KILL_AT", "")  # "stmt:K": before its Kth statement; "commit:US": US µs into COMMIT
    _state = {"tx": 0, "stmt": -1}

    def _mark(what):
        os.write(_FD, f"{what} {_state['tx']} {time.monotonic():.6f}\n".encode())

    def _die():
        _mark("K")
        os.kill(os.getpid(), signal.SIGKILL)

    def _armed():
        return _TX and _state["tx"] == _TX

    def _sleep_then_die(seconds):
        time.sleep(seconds)  # lets the GIL go: the COMMIT goes on meanwhile, and so does the caller when it is done
        _die()

    def _trace(sql):
        if _state["stmt"] < 0:
            return
        _state["stmt"] += 1
        if _armed() and _state["stmt"] >= int(_AT[5:]):
            _die()

    class _Traced(sqlite3.Connection):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            if _TX and _AT.startswith("stmt:"):
                self.set_trace_callback(_trace)

        def execute(self, sql, *args):
            verb = sql.lstrip()[:8].upper()
            if verb.startswith("BEGIN"):
                _state["tx"] += 1
                _mark("B")
                cursor = super().execute(sql, *args)
                _state["stmt"] = 0
                _mark("b")
                return cursor
            if verb.startswith(("COMMIT", "END", "ROLLBACK")):
                commit = not verb.startswith("ROLLBACK")
                _state["stmt"] = -1
                if _armed() and _AT.startswith("stmt:"):
                    _die()  # fewer statements than asked for: die just before the transaction ends
                _mark("C" if commit else "R")
                if commit and _armed() and _AT.startswith("commit:"):
                    threading.Thread(target=_sleep_then_die, args=(int(_AT[7:]) / 1e6,), daemon=True).start()
                cursor = super().execute(sql, *args)
                _mark("c" if commit else "r")
                return cursor
            return super().execute(sql, *args)

    _connect = sqlite3.connect

    def connect(database, *args, **kwargs):
        try:
            mine = os.path.realpath(os.fspath(database)) == _DB
        except TypeError:
            mine = False
        if mine and "factory" not in kwargs:
            kwargs["factory"] = _Traced
        return _connect(database, *args, **kwargs)

    sqlite3.connect = connect
'''

# The in-process writer: argv = project, ops.json. One line per call on stdout, flushed before the next call.
INPROC = r"""
import json, sys
from qualcode.errors import QualcodeError
from qualcode.project import Project

ops = json.loads(open(sys.argv[2], encoding="utf-8").read())
with Project.open(sys.argv[1]) as project:
    project.codings, project.documents, project.codebook  # the services are built on first use: ready to write
    sys.stdout.write("READY\n")
    sys.stdout.flush()
    for i, op in enumerate(ops):
        try:
            if op["action"] == "code":
                line = f"ACK {i} " + project.codings.apply(
                    op["doc"], op["code"], op["coder"], span=(op["start"], op["end"])
                ).id
            elif op["action"] == "uncode":
                line = f"ACK {i} " + project.codings.remove(op["target"], op["coder"]).id
            else:
                line = f"ACK {i} " + project.codings.set_memo(op["target"], op["memo"], op["coder"]).id
        except QualcodeError as exc:
            line = f"ERR {i} " + str(exc).replace("\n", " ")
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
"""


# -- the project as the checks see it ------------------------------------------------------------------
@dataclass
class State:
    codings: dict[str, tuple]  # id -> (document, code, coder, start, end, memo, orphaned, text)
    ratings: dict[tuple, tuple]  # (case, code, facet, coder) -> (step, note, evidence ids)
    codes: frozenset[str]
    documents: dict[int, tuple[int, str]]  # id -> (version, text)

    def same(self, other: State) -> bool:
        return self.diff(other) == ""

    def diff(self, other: State) -> str:
        """What differs, briefly ('' if nothing): codings, ratings, codes, documents."""
        out = []
        for name in ("codings", "ratings"):
            mine, theirs = getattr(self, name), getattr(other, name)
            keys = sorted({k for k in mine.keys() | theirs.keys() if mine.get(k) != theirs.get(k)}, key=str)
            if keys:
                out.append(f"{name} {', '.join(f'{_short(k)}: {_row(mine.get(k))} -> {_row(theirs.get(k))}' for k in keys[:2])}"
                           + (f" (+{len(keys) - 2})" if len(keys) > 2 else ""))  # fmt: skip
        if self.codes != other.codes:
            out.append(f"codes -{sorted(self.codes - other.codes)} +{sorted(other.codes - self.codes)}")
        docs = [
            d for d in self.documents.keys() | other.documents.keys() if self.documents.get(d) != other.documents.get(d)
        ]
        if docs:
            out.append(f"documents {sorted(docs)}")
        return "; ".join(out)


def _short(key) -> str:
    return key[:8] if isinstance(key, str) else "/".join(map(str, key))


def _row(row) -> str:
    if row is None:
        return "absent"
    if len(row) == 8:
        doc, code, coder, start, end, memo, orphaned, _ = row
        return (
            f"{code}@{doc}:{start}:{end} by {coder}"
            + (f" memo {memo!r}" if memo else "")
            + (" orphaned" if orphaned else "")
        )
    return repr(row)


def read_state(path: Path) -> State:
    conn = sqlite3.connect(path)
    try:
        documents = {r[0]: (r[1], r[2]) for r in conn.execute("SELECT id, version, text FROM documents")}
        codings = {}
        for cid, doc, code, coder, start, end, memo, orphaned, old in conn.execute(
            'SELECT id, document_id, code_id, coder, start, "end", memo, orphaned, orphan_text FROM codings'
        ):
            text = old if orphaned else documents.get(doc, (0, ""))[1][start:end]
            codings[cid] = (doc, code, coder, start, end, memo, orphaned, text)
        ratings = {
            tuple(r[:4]): (r[4], r[5], tuple(sorted(json.loads(r[6]))))
            for r in conn.execute(
                "SELECT case_id, code_id, facet_id, coder, step_id, note, (SELECT json_group_array(coding_id) "
                "FROM rating_evidence WHERE rating_id = r.id) FROM ratings r"
            )
        }
        codes = frozenset(r[0] for r in conn.execute("SELECT id FROM codes"))
    finally:
        conn.close()
    return State(codings, ratings, codes, documents)


def file_checks(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        integrity = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        broken = conn.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        conn.close()
    failures = []
    if integrity != ["ok"]:
        failures.append("integrity_check: " + "; ".join(integrity[:3]))
    if broken:
        failures.append(f"foreign_key_check: {len(broken)} broken reference(s), the first {tuple(broken[0])}")
    return failures


def replay(path: Path) -> dict[str, dict]:
    """The codings the event log says exist (id -> coder, memo): code/uncode/memo events and their undo/redo."""
    present: dict[str, dict] = {}
    events: dict[int, tuple[str, dict]] = {}

    def apply(action: str, payload: dict, forward: bool) -> None:
        if action in ("code", "uncode"):
            row = payload["coding"]
            if forward == (action == "code"):
                present[row["id"]] = {"coder": row["coder"], "memo": row.get("memo") or ""}
            else:
                present.pop(row["id"], None)
        elif action == "memo" and payload["coding"] in present:
            present[payload["coding"]]["memo"] = payload["new" if forward else "old"]

    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT id, action, payload FROM events WHERE action IN ('code', 'uncode', 'memo', 'undo', 'redo') "
            "ORDER BY id"
        ).fetchall()
    finally:
        conn.close()
    for event_id, action, payload in rows:
        data = json.loads(payload)
        if action in ("undo", "redo"):
            if data.get("event") in events:
                apply(*events[data["event"]], forward=action == "redo")
        else:
            events[event_id] = (action, data)
            apply(action, data, True)
    return present


def copy_project(source: Path, target: Path) -> Path:
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return target


# -- what a victim was asked to do ---------------------------------------------------------------------
@dataclass
class Op:
    action: str  # code | uncode | memo | rate | import | codebook | undo | redo
    coder: str
    doc: int = 0
    code: str = ""
    start: int = 0
    end: int = 0
    text: str = ""  # code: the text of the span when it was requested
    target: str = ""  # uncode, memo: the coding
    memo: str = ""
    rating: tuple = ()  # rate: (case, code, facet, coder)
    step: str = ""
    note: str = ""
    evidence: str = ""
    mark: str = ""  # import: the marker of the turn it adds
    case: str = ""
    path: str = ""  # import, codebook: the file
    codes: frozenset[str] = frozenset()  # codebook: the ids it has
    expected: State | None = None  # undo, redo: the state a complete command leaves (run on a copy first)
    status: str = "never"  # acked | maybe (in flight at the kill) | refused | never (not sent)
    coding_id: str = ""
    duplicate: bool = False  # code: that coder already coded the span with the code, so it must be refused
    effect: bool | None = None  # found done in the file after the kill

    def key(self) -> tuple:
        return (self.doc, self.code, self.coder, self.start, self.end)

    def describe(self) -> str:
        if self.action == "code":
            return f"code {self.code} on document {self.doc} {self.start}:{self.end} by {self.coder}"
        if self.action in ("uncode", "memo"):
            return f"{self.action} {self.target[:8]} by {self.coder}"
        if self.action == "rate":
            return f"rate {'/'.join(self.rating)} {self.step}"
        if self.action == "import":
            return f"import {Path(self.path).name} ({self.mark})"
        if self.action == "codebook":
            return f"codebook load {Path(self.path).name}"
        return f"{self.action} by {self.coder}"


@dataclass
class Doc:
    id: int
    case: str
    ref: str  # how the CLI names it: the case id when the case has one document
    turns: list[tuple[int, int]]
    source: Path | None  # the transcript file, for re-imports


@dataclass
class Tally:
    runs: int = 0
    checks: int = 0
    phases: Counter = field(default_factory=Counter)
    modes: Counter = field(default_factory=Counter)
    commit_kills: Counter = field(default_factory=Counter)  # in-commit kills: the write kept or rolled back
    ops: int = 0
    acked: int = 0
    unacked_kept: int = 0  # in flight at the kill, found done
    unacked_lost: int = 0  # in flight at the kill, found not done
    refused: int = 0
    refusals: Counter = field(default_factory=Counter)
    actions: Counter = field(default_factory=Counter)  # writes sent, by action
    acked_codings: set[str] = field(default_factory=set)
    verified: int = 0  # codings found intact, summed over the checks
    undo_redo: int = 0
    nothing_to_undo: int = 0
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)


def phase_of(trace: Path, killed: bool) -> str:
    if not killed:
        return "finished"
    last = None
    if trace.exists():
        for line in trace.read_text().splitlines():
            if line and line[0] in "BbCcRr":
                last = line[0]
    if last is None:
        return "before-write"
    return {"B": "mid-transaction", "b": "mid-transaction", "C": "in-commit"}.get(last, "after-write")


class Tmux:
    def __init__(self, folder: Path):
        self.socket = str(folder / "tmux.sock")
        self.conf = folder / "tmux.conf"
        self.conf.write_text("set -g remain-on-exit on\nset -g status off\n")
        self.env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "COLUMNS", "LINES")}

    def __call__(self, *args: str, check: bool = True) -> str:
        proc = subprocess.run(["tmux", "-S", self.socket, "-f", str(self.conf), *args], capture_output=True,
                              text=True, env=self.env, timeout=20)  # fmt: skip
        if check and proc.returncode:
            raise RuntimeError(f"tmux {args[0]}: {proc.stderr.strip()}")
        return proc.stdout

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self("kill-server", check=False)


# -- the test ------------------------------------------------------------------------------------------
class CrashTest:
    def __init__(self, args: argparse.Namespace, work: Path, db: Path):
        self.args = args
        self.work = work
        self.db = db
        self.rng = random.Random(args.seed)
        self.python = sys.executable
        exe = Path(sys.executable).parent / "qualcode"
        self.qualcode = [str(exe)] if exe.exists() else [self.python, "-m", "qualcode"]
        self.tally = {kind: Tally() for kind in args.kinds}
        self.hook = work / "hook"
        self.hook.mkdir()
        (self.hook / "sitecustomize.py").write_text(HOOK)
        (work / "trace").mkdir()
        (work / "files").mkdir()
        self.model = read_state(db)
        self.events_at_start = self._max_event()
        self.imports: dict[int, list[str]] = {}  # document -> the markers its text has, in order
        self.codebooks = 0
        self.memos = 0
        self.acked_in: dict[str, str] = {}  # coding id -> the run that acknowledged it
        self.sabotaged = False
        self.inproc_per_op = 0.001
        self.tmux: Tmux | None = None
        self.tui_combos: list[tuple[str, str]] = []
        self._load_corpus()

    def _max_event(self) -> int:
        conn = sqlite3.connect(self.db)
        try:
            return conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
        finally:
            conn.close()

    def _load_corpus(self) -> None:
        with Project.open(self.db) as project:
            docs = project.documents.documents()
            per_case = Counter(d.case_id for d in docs)
            self.docs = []
            for d in docs:
                turns = [(t.start, t.end) for t in project.documents.turns(d.id) if t.end - t.start >= 4]
                source = Path(d.source_path) if d.source_path else None
                if source is not None and (not source.is_file() or source.stem != d.title):
                    source = None
                ref = d.case_id if per_case[d.case_id] == 1 else str(d.id)
                self.docs.append(Doc(d.id, d.case_id, ref, turns, source))
            self.docs = [d for d in self.docs if d.turns]
            self.code_ids = [c.id for c in project.codebook.codes()]
            self.shortcuts = {c.shortcut: c.id for c in project.codebook.codes() if c.shortcut}
            self.rated = project.codebook.rated_codes() or self.code_ids
            self.facets = [f.id for f in project.codebook.facets()]
            self.steps = [s.id for s in project.codebook.scale()]
            self.codebook_yaml = dumps(project.codebook.get())
        if not self.docs or not self.code_ids:
            raise SystemExit("crashtest: the project needs documents with turns and a codebook")
        combos = [(w, d) for w in SEARCH_WORDS for d in sorted(self.shortcuts)]
        self.rng.shuffle(combos)
        self.tui_combos = combos

    # -- helpers ---------------------------------------------------------------------------------
    def env(self, trace: Path, kill_tx: int = 0, kill_at: str = "") -> dict[str, str]:
        env = {
            k: v for k, v in os.environ.items() if k not in ("QUALCODE_CODER", "QUALCODE_PROJECT", "COLUMNS", "LINES")
        }
        env.update(
            QUALCODE_CONFIG=str(self.work / "no-config.toml"),
            PYTHONPATH=os.pathsep.join([str(self.hook), str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
            CRASHTEST_DB=str(self.db),
            CRASHTEST_TRACE=str(trace),
            CRASHTEST_KILL_TX=str(kill_tx),
            CRASHTEST_KILL_AT=kill_at,
        )
        return env

    def kill_point(self) -> str:
        if self.rng.random() < 0.5:
            return f"stmt:{self.rng.choice((1, 1, 2, 3, 5, 8, 99))}"
        return f"commit:{self.rng.randint(0, 400)}"

    def span(self) -> tuple[Doc, int, int]:
        doc = self.rng.choice(self.docs)
        start, end = self.rng.choice(doc.turns)
        s = self.rng.randint(start, end - 2)
        return doc, s, self.rng.randint(s + 1, min(end, s + 30))

    def new_code_op(self, coder: str, taken: set) -> Op:
        for _ in range(20):
            doc, s, e = self.span()
            op = Op("code", coder, doc=doc.id, code=self.rng.choice(self.code_ids), start=s, end=e)
            if op.key() not in taken:
                break
        op.text = self.model.documents[op.doc][1][op.start : op.end]
        op.duplicate = op.key() in taken
        taken.add(op.key())
        return op

    def taken(self) -> set:
        return {row[:5] for row in self.model.codings.values() if not row[6]}

    def mine(self, coder: str) -> list[str]:
        return sorted(cid for cid, row in self.model.codings.items() if row[2] == coder and not row[6])

    def calibrate(self) -> float:
        """The longest random delay for the CLI: 0.3 s, or 1.5 times a write's run time (`code`, on a scratch copy
        of the project) if longer, so that some commands finish (and acknowledge) before their kill. (A read-only
        command is no measure since the services are built on first use: a write builds more of them.)"""
        if self.args.cli_delay:
            return self.args.cli_delay
        scratch = self.work / "calibrate.db"
        shutil.copy(self.db, scratch)
        with Project.open(scratch) as project:
            document = project.documents.documents()[0].id
            code = project.codebook.codes()[0].id
        times = []
        for i in range(3):
            argv = [self.python, "-m", "qualcode", "--project", str(scratch), "--coder", "calibrate", "code",
                    str(document), code, "--span", f"{i}:{i + 5}"]  # fmt: skip
            t0 = time.monotonic()
            subprocess.run(argv, capture_output=True, env=self.env(self.work / "trace" / "calibrate.log"), check=False)
            times.append(time.monotonic() - t0)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{scratch}{suffix}").unlink(missing_ok=True)
        return max(CLI_DELAY, 1.5 * sorted(times)[1])

    # -- runs ------------------------------------------------------------------------------------
    def run(self) -> int:
        started = time.monotonic()
        self.cli_delay = self.calibrate() if "cli" in self.args.kinds else CLI_DELAY
        kinds = list(self.args.kinds)
        if "tui" in kinds and shutil.which("tmux") is None:
            print("crashtest: tmux is not installed: the tui kind is skipped")
            kinds.remove("tui")
            del self.tally["tui"]
        try:
            for r in range(1, self.args.runs + 1):
                for kind in kinds:
                    t0 = time.monotonic()
                    ops, _, phase, extra = getattr(self, f"run_{kind}")(r)
                    tally = self.tally[kind]
                    tally.runs += 1
                    tally.actions.update(op.action for op in ops if op.status != "never")
                    tally.phases[phase] += 1
                    failures = self.check(kind, r, ops, extra)
                    self.count(kind, ops, phase)
                    where = f"{kind} run {r} ({extra.get('mode', '?')} kill, {phase}; {self._ops_line(ops)})"
                    tally.failures.extend(f"{where}: {f}" for f in failures)
                    tally.seconds += time.monotonic() - t0
                    if self.args.verbose:
                        print(f"{where}: {'FAIL ' + '; '.join(failures) if failures else 'ok'}", flush=True)
                if self.args.sabotage and not self.sabotaged:
                    self.sabotage()
        finally:
            if self.tmux is not None:
                self.tmux.close()
        final = self.final_checks()
        return self.report(time.monotonic() - started, final)

    @staticmethod
    def _ops_line(ops: list[Op]) -> str:
        if len(ops) == 1:
            return ops[0].describe()
        sent = sum(o.status != "never" for o in ops)
        return f"{sent} of {len(ops)} writes sent, {sum(o.status == 'acked' for o in ops)} acknowledged"

    def run_cli(self, r: int) -> tuple[list[Op], bool, str, dict]:
        coder = CODERS["cli"]
        op, args = self.cli_op(coder, r)
        trace = self.work / "trace" / f"cli-{r}.log"
        targeted = self.rng.random() < self.args.targeted
        expected_tx = {"import": 2, "codebook": 3}.get(op.action, 1)
        env = self.env(trace, self.rng.randint(1, expected_tx), self.kill_point()) if targeted else self.env(trace)
        if op.action in ("undo", "redo"):
            op.expected = self.predict(op.action, coder)
        argv = [self.python, "-m", "qualcode", "--project", str(self.db), "--coder", coder, *args]
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        try:
            out, err = proc.communicate(timeout=60 if targeted else self.rng.uniform(0, self.cli_delay))
        except subprocess.TimeoutExpired:
            proc.kill()  # SIGKILL
            out, err = proc.communicate()
        killed = proc.returncode == -signal.SIGKILL
        success = {
            "code": CODED.search(out),
            "uncode": out.startswith("removed coding"),
            "memo": out.startswith("memo of coding"),
            "rate": "evidence coding(s)" in out,
            "import": "imported as" in out,
            "codebook": ": loaded " in out,
            "undo": out.startswith("undid "),
            "redo": out.startswith("redid "),
        }[op.action]
        extra: dict = {"mode": "targeted" if targeted else "random", "cmd": shlex.join(argv[3:])}
        if success:
            op.status = "acked"
            if op.action == "code":
                op.coding_id = CODED.search(out).group(1)
        elif killed:
            op.status = "maybe"
        else:
            op.status = "refused"
            reason = (err.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
            if proc.returncode == 0:
                extra["failure"] = f"exit 0 without its success line: {out.strip()[:120]!r}"
            elif proc.returncode not in (1, 2) or "Traceback" in err or not reason.startswith("qualcode: error:"):
                extra["failure"] = f"exit {proc.returncode}: {reason}"
            elif not any(s in reason for s in EXPECTED_REFUSALS):
                extra["failure"] = f"refused: {reason}"
            self.tally["cli"].refusals[next((s for s in EXPECTED_REFUSALS if s in reason), reason[:60])] += 1
        return [op], killed, phase_of(trace, killed), extra

    def cli_op(self, coder: str, r: int) -> tuple[Op, list[str]]:
        mine = self.mine(coder)
        choices = ["code"] * 9 + ["rate"] * 2 + ["undo", "redo"]
        if mine:
            choices += ["uncode"] * 2 + ["memo"] * 2
        if any(d.source for d in self.docs):
            choices += ["import"] * 2
        choices += ["codebook"]
        action = self.rng.choice(choices)
        if action == "code":
            op = self.new_code_op(coder, self.taken())
            doc = next(d for d in self.docs if d.id == op.doc)
            return op, ["code", doc.ref, op.code, "--span", f"{op.start}:{op.end}", "--coder", coder]
        if action == "uncode":
            op = Op("uncode", coder, target=self.rng.choice(mine))
            return op, ["uncode", op.target, "--coder", coder]
        if action == "memo":
            self.memos += 1
            op = Op("memo", coder, target=self.rng.choice(mine), memo=f"crash memo {self.memos}")
            return op, ["memo", op.target, op.memo, "--coder", coder]
        if action == "rate":
            doc = self.rng.choice(self.docs)
            facet = self.rng.choice(self.facets)
            op = Op("rate", coder, rating=(doc.case, self.rng.choice(self.rated), facet, coder),
                    step=self.rng.choice(self.steps), note=f"crash note {r}")  # fmt: skip
            args = ["rate", doc.case, op.rating[1], op.step, "--facet", facet, "--note", op.note]
            evidence = [
                cid for cid in mine if self.model.codings[cid][0] in {d.id for d in self.docs if d.case == doc.case}
            ]
            if evidence and self.rng.random() < 0.5:
                op.evidence = self.rng.choice(evidence)
                args += ["--evidence", op.evidence]
            return op, [*args, "--coder", coder]
        if action == "import":
            doc = self.rng.choice([d for d in self.docs if d.source])
            marks = [*self.imports.get(doc.id, []), f"crashmark{r:04d}"]
            folder = self.work / "files" / f"import-{r}"
            folder.mkdir()
            path = folder / doc.source.name
            text = doc.source.read_text(encoding="utf-8").rstrip("\n")
            for mark in marks:
                text += f"\n\n問：{mark} 補充提問？\n\n答：補充回答 {mark}。"
            path.write_text(text + "\n", encoding="utf-8")
            return Op("import", coder, doc=doc.id, case=doc.case, mark=marks[-1], path=str(path)), ["import", str(path)]
        if action == "codebook":
            self.codebooks += 1
            path = self.work / "files" / f"codebook-{self.codebooks}.yaml"
            extra = f"crash-extra-{self.codebooks}"
            path.write_text(self.codebook_yaml.rstrip("\n") + f"\n- id: {extra}\n  name: 測試代碼 {self.codebooks}\n",
                            encoding="utf-8")  # fmt: skip
            codes = frozenset(c for c in self.model.codes if not c.startswith("crash-extra-")) | {extra}
            return Op("codebook", coder, path=str(path), codes=codes), ["codebook", "load", str(path)]
        return Op(action, coder), [action, "--coder", coder]

    def predict(self, action: str, coder: str) -> State:
        """The state a complete undo or redo leaves: run it on a copy of the file."""
        scratch = copy_project(self.db, self.work / "predict.db")
        try:
            with Project.open(scratch) as project:
                try:
                    getattr(project.history, action)(coder)
                except QualcodeError:
                    pass
            return read_state(scratch)
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{scratch}{suffix}").unlink(missing_ok=True)

    def run_inproc(self, r: int) -> tuple[list[Op], bool, str, dict]:
        coder = CODERS["inproc"]
        mine = self.mine(coder)
        self.rng.shuffle(mine)
        taken = self.taken()
        ops: list[Op] = []
        for _ in range(INPROC_OPS):
            roll = self.rng.random()
            if mine and roll < 0.15:
                ops.append(Op("uncode", coder, target=mine.pop()))
            elif mine and roll < 0.3:
                self.memos += 1
                ops.append(Op("memo", coder, target=mine.pop(), memo=f"inproc memo {self.memos}"))
            else:
                ops.append(self.new_code_op(coder, taken))
        opsfile = self.work / "files" / f"inproc-{r}.json"
        opsfile.write_text(json.dumps([{"action": o.action, "coder": o.coder, "doc": o.doc, "code": o.code,
                                        "start": o.start, "end": o.end, "target": o.target, "memo": o.memo} for o in ops]))  # fmt: skip
        trace = self.work / "trace" / f"inproc-{r}.log"
        targeted = self.rng.random() < self.args.targeted
        env = self.env(trace, self.rng.randint(1, len(ops)), self.kill_point()) if targeted else self.env(trace)
        proc = subprocess.Popen([self.python, "-c", INPROC, str(self.db), str(opsfile)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=env)  # fmt: skip
        lines: list[str] = []
        stamps: list[float] = []
        ready = threading.Event()

        def read() -> None:
            for line in proc.stdout:
                lines.append(line.strip())
                stamps.append(time.monotonic())
                if line.startswith("READY"):
                    ready.set()
            ready.set()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        ready.wait(60)
        started = time.monotonic()
        if targeted:
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
        else:
            try:
                proc.wait(self.rng.uniform(0, self.inproc_per_op * len(ops) * 1.1))
            except subprocess.TimeoutExpired:
                proc.kill()
        proc.wait()
        reader.join(10)
        err = proc.stderr.read()
        killed = proc.returncode == -signal.SIGKILL
        done = [line for line in lines if line.startswith(("ACK", "ERR"))]
        if len(done) > 10:  # how long one call takes, to spread the next random kill over the loop
            self.inproc_per_op = (stamps[-1] - started) / len(done)
        for line in done:
            word, index, rest = [*line.split(" ", 2), ""][:3]
            op = ops[int(index)]
            if word == "ACK":
                op.status = "acked"
                op.coding_id = rest
            else:
                op.status = "refused"
                self.tally["inproc"].refusals[next((s for s in EXPECTED_REFUSALS if s in rest), rest[:60])] += 1
        extra: dict = {"mode": "targeted" if targeted else "random"}
        if killed and len(done) < len(ops):
            ops[len(done)].status = "maybe"
        if not killed and proc.returncode != 0:
            extra["failure"] = f"the in-process writer failed (exit {proc.returncode}): {err.strip().splitlines()[-1:]}"
        for op in ops:
            if op.status == "refused" and not op.duplicate:
                extra.setdefault("failure", f"the in-process writer was refused {op.describe()}")
        return ops, killed, phase_of(trace, killed), extra

    def run_tui(self, r: int) -> tuple[list[Op], bool, str, dict]:
        coder = CODERS["tui"]
        if self.tmux is None:
            self.tmux = Tmux(self.work)
        tmux = self.tmux
        word, digit = self.tui_combos[(r - 1) % len(self.tui_combos)]
        code = self.shortcuts[digit]
        with Project.open(self.db) as project:
            hits = [(h.document, h.start, h.end) for h in project.search.find(word, limit=200).results]
        taken = self.taken()
        skip = 0
        while skip < len(hits) - 1 and (hits[skip][0], code, coder, hits[skip][1], hits[skip][2]) in taken:
            skip += 1
        ops = []
        for i in range(min(TUI_CODINGS, len(hits))):
            doc, start, end = hits[(skip + i) % len(hits)]
            op = Op("code", coder, doc=doc, code=code, start=start, end=end)
            op.text = self.model.documents[doc][1][start:end]
            op.duplicate = op.key() in taken
            taken.add(op.key())
            ops.append(op)
        trace = self.work / "trace" / f"tui-{r}.log"
        targeted = self.rng.random() < self.args.targeted
        env = self.env(trace, self.rng.randint(1, len(ops) + 1), self.kill_point()) if targeted else self.env(trace)
        names = (
            "QUALCODE_CONFIG",
            "PYTHONPATH",
            "CRASHTEST_DB",
            "CRASHTEST_TRACE",
            "CRASHTEST_KILL_TX",
            "CRASHTEST_KILL_AT",
        )
        command = "exec env -u COLUMNS -u LINES " + " ".join(f"{n}={shlex.quote(env[n])}" for n in names)
        command += " " + shlex.join([*self.qualcode, "--project", str(self.db), "--coder", coder])
        session = f"crash{r}"
        tmux("new-session", "-d", "-s", session, "-x", "150", "-y", "45", command)
        pid = int(tmux("display-message", "-p", "-t", session, "#{pane_pid}").strip())
        lock = threading.Lock()
        killed_at: list[float] = []
        shown: list[int] = []
        before = sum(1 for row in self.model.codings.values() if not row[6])

        def kill() -> None:
            with lock:
                if not killed_at:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                    killed_at.append(time.monotonic())

        def dead() -> bool:
            return (
                bool(killed_at)
                or tmux("display-message", "-p", "-t", session, "#{pane_dead}", check=False).strip() == "1"
            )

        screens = (self.work / "trace" / f"tui-{r}.screens").open("w", encoding="utf-8")

        def look(note: str = "") -> str:
            screen = tmux("capture-pane", "-p", "-t", session, check=False)
            shown.extend(int(n) for n in STATUS_TOTAL.findall(screen))
            if note:
                screens.write(f"--- {note} at {time.monotonic():.6f}\n{screen}\n")
            return screen

        def wait_for(pattern: str, timeout: float) -> bool:
            end = time.monotonic() + timeout
            while time.monotonic() < end:
                if re.search(pattern, look()):
                    return True
                if dead():
                    return False
                time.sleep(0.05)
            return False

        def send(*keys: str, literal: bool = False) -> bool:
            with lock:
                if killed_at:
                    return False
                tmux("send-keys", "-t", session, *(["-l"] if literal else []), *keys, check=False)
                return True

        script = 1.6 + 0.45 + (skip + 2 * len(ops)) * TUI_PACE
        timer = None if targeted else threading.Timer(self.rng.uniform(0, script), kill)
        if timer:
            timer.start()
        steps_ok = (
            wait_for(STATUS_TOTAL.pattern, 15)
            and send("/")
            and wait_for("皆須出現", 5)
            and send(word, literal=True)
            and send("Enter")
            and wait_for("筆符合", 5)
            and send("Enter")
            and wait_for(r"選取 \d+ 字", 5)
        )
        if steps_ok:
            for _ in range(skip):
                send("n")
                time.sleep(TUI_PACE / 2)
            for i, op in enumerate(ops):
                if i and not send("n"):
                    break
                time.sleep(TUI_PACE)
                if not send(digit):
                    break
                op.status = "maybe"
                time.sleep(TUI_PACE)
                look(f"after key {digit} #{i + 1} for {op.describe()}")
        if timer:
            timer.join()
        else:
            time.sleep(0.5)
        if not dead():
            kill()  # targeted, but the transaction it waited for never came
        for _ in range(60):
            if tmux("display-message", "-p", "-t", session, "#{pane_dead}", check=False).strip() == "1":
                break
            time.sleep(0.05)
        look("the last screen, which the dead pane keeps")
        screens.close()
        tmux("kill-session", "-t", session, check=False)
        extra: dict = {"mode": "targeted" if targeted else "random", "acked": max([n - before for n in shown] + [0])}
        if not killed_at and not any(line.startswith("K") for line in self._lines(trace)):
            extra["failure"] = "the TUI died without being killed"
        return ops, True, phase_of(trace, True), extra

    @staticmethod
    def _lines(trace: Path) -> list[str]:
        return trace.read_text().splitlines() if trace.exists() else []

    # -- checks ----------------------------------------------------------------------------------
    def check(self, kind: str, r: int, ops: list[Op], extra: dict) -> list[str]:
        tally = self.tally[kind]
        tally.checks += 1
        failures = [extra["failure"]] if "failure" in extra else []
        file_failures = file_checks(self.db)
        if file_failures:  # nothing else can be trusted; the next run starts from the file as it is
            with contextlib.suppress(sqlite3.Error):
                self.model = read_state(self.db)
            return failures + file_failures
        before, after = self.model, read_state(self.db)
        if any(op.action in ("undo", "redo") for op in ops):
            failures += self.check_undo_op(ops[0], before, after)
        else:
            failures += self.check_codings(kind, ops, before, after, extra)
            failures += self.check_other(ops, before, after)
        failures += self.check_log(ops)
        failures += self.check_search(ops)
        failures += self.check_undo_redo(kind)
        self.model = read_state(self.db)
        tally.verified += sum(
            1 for cid in before.codings if cid in after.codings and before.codings[cid][2] in CODERS.values()
        )
        for op in ops:
            if op.action == "code" and op.status == "acked":
                tally.acked_codings.add(op.coding_id)
                self.acked_in[op.coding_id] = f"{kind} run {r}"
        return failures

    def check_codings(self, kind: str, ops: list[Op], before: State, after: State, extra: dict) -> list[str]:
        failures = []
        ours = set(CODERS.values())
        expected = {cid: row for cid, row in before.codings.items() if row[2] in ours}
        memos: dict[str, set[str]] = {}
        removable, gone, optional, forbidden = set(), set(), [], []
        for op in ops:
            if op.action == "code":
                row = (*op.key(), "", 0, op.text)
                if op.status == "acked":
                    expected[op.coding_id] = row
                elif op.status == "maybe" and not op.duplicate:
                    optional.append(op)
                else:
                    forbidden.append(op)
            elif op.action == "uncode" and op.status in ("acked", "maybe"):
                (gone if op.status == "acked" else removable).add(op.target)
                if op.status == "acked":
                    expected.pop(op.target, None)
            elif op.action == "memo" and op.status in ("acked", "maybe") and op.target in expected:
                old = expected[op.target]
                if op.status == "acked":
                    expected[op.target] = (*old[:5], op.memo, *old[6:])
                    memos[op.target] = {op.memo}
                else:
                    memos[op.target] = memos.get(op.target, {old[5]}) | {op.memo}
        for cid, row in expected.items():
            got = after.codings.get(cid)
            acked = any(op.coding_id == cid and op.action == "code" and op.status == "acked" for op in ops)
            what = (
                "acknowledged coding"
                if acked
                else f"coding (acknowledged in {self.acked_in[cid]})"
                if cid in self.acked_in
                else "coding"
            )
            if got is None:
                if cid not in removable:
                    failures.append(f"{what} {cid[:8]} ({_row(row)}) is gone")
                continue
            if got[:5] != row[:5] or got[6] != row[6] or got[7] != row[7]:
                failures.append(f"{what} {cid[:8]} changed: was {_row(row)} 「{row[7]}」, is {_row(got)} 「{got[7]}」")
            elif got[5] not in memos.get(cid, {row[5]}):
                failures.append(f"{what} {cid[:8]} has memo {got[5]!r}, expected {sorted(memos.get(cid, {row[5]}))}")
        for cid in gone:
            if cid in after.codings:
                failures.append(f"coding {cid[:8]} is still there after its acknowledged removal")
        for op in ops:
            if op.action == "uncode" and op.status == "maybe":
                op.effect = op.target not in after.codings
            if op.action == "memo" and op.status == "maybe" and op.target in after.codings:
                op.effect = after.codings[op.target][5] == op.memo
        for cid, row in after.codings.items():
            if row[2] not in ours or cid in expected or cid in before.codings:
                continue
            match = next((op for op in optional if op.effect is None and op.key() == row[:5]), None)
            if match is not None:
                match.effect, match.coding_id = True, cid
                if row[5] or row[6] or row[7] != match.text:
                    failures.append(
                        f"coding {cid[:8]} (in flight at the kill) is {_row(row)} 「{row[7]}」, not 「{match.text}」"
                    )
                continue
            why = next((op for op in forbidden if op.key() == row[:5]), None)
            if why is None:
                failures.append(f"coding {cid[:8]} ({_row(row)}) was never requested (half-written or phantom)")
            elif why.status == "never":
                failures.append(f"coding {cid[:8]} ({_row(row)}) exists, but its request was never sent")
            else:
                failures.append(f"coding {cid[:8]} ({_row(row)}) exists, but its request was refused")
        for op in optional:
            if op.effect is None:
                op.effect = False
        if kind == "tui":
            wanted = [op for op in ops if op.action == "code" and not op.duplicate]
            done = [bool(op.effect) for op in wanted]
            if True in done and False in done[: len(done) - done[::-1].index(True)]:
                failures.append(
                    f"TUI codings out of order: done {''.join('x' if d else '.' for d in done)} (x = in the file)"
                )
            if sum(done) < extra.get("acked", 0):
                failures.append(f"the TUI's screen showed {extra['acked']} new coding(s), the file has {sum(done)}")
            for op in [op for op in wanted if op.effect][: extra.get("acked", 0)]:
                op.status = "acked"  # the screen showed it
        return failures

    def check_other(self, ops: list[Op], before: State, after: State) -> list[str]:
        failures = []
        # ratings: ours as acknowledged; an interrupted one old or new
        expected = {k: v[:2] for k, v in before.ratings.items() if k[3] in CODERS.values()}
        options: dict[tuple, set] = {}
        for op in ops:
            if op.action != "rate":
                continue
            old = expected.get(op.rating)
            if op.status == "acked":
                expected[op.rating] = (op.step, op.note)
            elif op.status == "maybe":
                options[op.rating] = {old, (op.step, op.note)}
                got = after.ratings.get(op.rating)
                op.effect = got is not None and got[:2] == (op.step, op.note) and old != got[:2]
        for key in expected.keys() | {k for k in after.ratings if k[3] in CODERS.values()}:
            got = after.ratings.get(key)
            value = got[:2] if got else None
            if value not in options.get(key, {expected.get(key)}):
                failures.append(f"rating {'/'.join(key)} is {value}, expected {expected.get(key)}")
        for op in ops:
            if op.action == "rate" and op.evidence and (op.status == "acked" or op.effect):
                got = after.ratings.get(op.rating)
                if op.evidence in after.codings and (got is None or op.evidence not in got[2]):
                    failures.append(f"rating {'/'.join(op.rating)} lacks its acknowledged evidence {op.evidence[:8]}")
        # the codebook
        allowed = {before.codes}
        for op in ops:
            if op.action == "codebook":
                if op.status == "acked":
                    allowed = {op.codes}
                elif op.status == "maybe":
                    allowed.add(op.codes)
                    op.effect = after.codes == op.codes and before.codes != op.codes
        if after.codes not in allowed:
            failures.append(
                f"codebook has {len(after.codes)} codes, {State({}, {}, next(iter(allowed)), {}).diff(State({}, {}, after.codes, {}))}"
            )
        # documents: re-imports add one version with the new turn, or nothing
        for doc_id, (version, text) in after.documents.items():
            old_version, old_text = before.documents.get(doc_id, (None, None))
            op = next((o for o in ops if o.action == "import" and o.doc == doc_id), None)
            if op is None or op.status in ("never", "refused"):
                if (version, text) != (old_version, old_text):
                    failures.append(f"document {doc_id} changed (version {old_version} -> {version}) without a request")
                continue
            if version == old_version + 1 and op.mark in text and text.startswith(old_text.rstrip("\n")):
                op.effect = True
                self.imports.setdefault(doc_id, []).append(op.mark)
            elif (version, text) == (old_version, old_text) and op.status == "maybe":
                op.effect = False
            else:
                failures.append(f"document {doc_id} is version {version} (was {old_version}) after "
                                f"{'an acknowledged' if op.status == 'acked' else 'an interrupted'} re-import; "
                                f"{op.mark} {'in' if op.mark in text else 'not in'} its text")  # fmt: skip
        return failures

    def check_undo_op(self, op: Op, before: State, after: State) -> list[str]:
        if after.same(op.expected):
            op.effect = not before.same(op.expected)
            return []
        if after.same(before) and op.status != "acked":
            op.effect = False
            return []
        target = "as after a complete " + op.action
        if op.status != "acked":
            target = f"neither as before nor {target}"
        return [f"after the {op.action} the project is {target}: {op.expected.diff(after)}"]

    def check_log(self, ops: list[Op]) -> list[str]:
        failures = []
        ours = set(CODERS.values())
        logged = {cid: v for cid, v in replay(self.db).items() if v["coder"] in ours}
        conn = sqlite3.connect(self.db)
        try:
            actual = {r[0]: r[1] for r in conn.execute("SELECT id, memo, coder FROM codings") if r[2] in ours}
            for cid in sorted(actual.keys() - logged.keys())[:3]:
                failures.append(f"coding {cid[:8]} is in the file but the event log does not account for it")
            for cid in sorted(logged.keys() - actual.keys())[:3]:
                failures.append(f"the event log says coding {cid[:8]} exists, but it does not")
            for cid in sorted(actual.keys() & logged.keys()):
                if actual[cid] != logged[cid]["memo"]:
                    failures.append(
                        f"coding {cid[:8]} has memo {actual[cid]!r}, the event log says {logged[cid]['memo']!r}"
                    )
                    break
            for op in ops:
                if op.action == "code" and op.coding_id:
                    row = conn.execute(
                        "SELECT coder, payload FROM events WHERE action = 'code' AND target = ?", (op.coding_id,)
                    ).fetchone()
                    payload = json.loads(row[1])["coding"] if row else None
                    if payload is None:
                        failures.append(f"coding {op.coding_id[:8]} has no code event")
                    elif (
                        payload["document_id"],
                        payload["code_id"],
                        payload["coder"],
                        payload["start"],
                        payload["end"],
                    ) != op.key():
                        failures.append(f"the code event of {op.coding_id[:8]} records another coding: {payload}")
        finally:
            conn.close()
        return failures

    def check_search(self, ops: list[Op]) -> list[str]:
        failures = []
        for op in ops:
            if op.action != "import" or op.status in ("never", "refused"):
                continue
            with Project.open(self.db) as project:
                found = project.search.find(op.mark, cases=[op.case], limit=5).total > 0
            if found != bool(op.effect):
                failures.append(f"search {'finds' if found else 'does not find'} {op.mark}, but the text "
                                f"{'has' if op.effect else 'has not'} it: the index is out of step")  # fmt: skip
        return failures

    def check_undo_redo(self, kind: str) -> list[str]:
        coder = CODERS[kind]
        before = read_state(self.db)
        try:
            with Project.open(self.db) as project:
                undone = project.history.undo(coder)
        except BadInput:
            self.tally[kind].nothing_to_undo += 1
            return []
        except QualcodeError as exc:
            return [f"undo for {coder} failed: {exc}"]
        middle = read_state(self.db)
        failures = []
        if middle.same(before) and undone.action in ("code", "uncode"):
            failures.append(f"undo for {coder} said {undone.description!r} but changed nothing")
        try:
            with Project.open(self.db) as project:
                project.history.redo(coder)
        except QualcodeError as exc:
            return [*failures, f"redo for {coder} after {undone.description!r} failed: {exc}"]
        after = read_state(self.db)
        if not after.same(before):
            failures.append(
                f"undo+redo for {coder} ({undone.description}) did not restore the state: {before.diff(after)}"
            )
        self.tally[kind].undo_redo += 1
        return failures

    def count(self, kind: str, ops: list[Op], phase: str) -> None:
        tally = self.tally[kind]
        sent = [op for op in ops if op.status != "never"]
        tally.ops += len(sent)
        for op in sent:
            if op.status == "acked":
                tally.acked += 1
            elif op.status == "refused":
                tally.refused += 1
            elif op.effect:
                tally.unacked_kept += 1
            else:
                tally.unacked_lost += 1
        if phase == "in-commit":  # did the COMMIT the kill interrupted keep the write? (one transaction per write)
            inflight = [op for op in ops if op.status == "maybe" and op.effect is not None]
            if inflight and kind != "tui" and inflight[-1].action not in ("import", "codebook"):
                tally.commit_kills["kept" if inflight[-1].effect else "rolled back"] += 1
        tally.modes["killed" if phase != "finished" else "not killed"] += 1

    def sabotage(self) -> None:
        """For the test of this script: behind qualcode's back, delete one acknowledged coding and add one that
        nobody asked for (without its event); the next check must report both."""
        victims = sorted(cid for cid in self.acked_in if cid in self.model.codings)
        if not victims:
            return
        self.sabotaged = True
        doc = self.docs[0]
        taken = self.taken()
        start = next(
            s
            for s in range(doc.turns[0][0], doc.turns[0][1])
            if (doc.id, self.code_ids[0], "inproc", s, s + 1) not in taken
        )
        conn = sqlite3.connect(self.db)
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("DELETE FROM codings WHERE id = ?", (victims[0],))
            conn.execute(
                'INSERT INTO codings (id, document_id, code_id, coder, start, "end", memo, created_at, updated_at) '
                "VALUES ('00000000-0000-4000-8000-000000000000', ?, ?, 'inproc', ?, ?, '', '2000', '2000')",
                (doc.id, self.code_ids[0], start, start + 1),
            )
            conn.commit()
        finally:
            conn.close()
        print(f"crashtest: sabotage: deleted coding {victims[0][:8]} and added coding 00000000 behind qualcode's back")

    def final_checks(self) -> list[str]:
        failures = []
        folder = self.db.parent / "backups"
        self.stray_temp = sorted(p.name for p in folder.glob(".backup-*")) if folder.is_dir() else []
        self.backup_files = sorted(folder.glob("*.db")) if folder.is_dir() else []
        for path in self.backup_files:
            try:
                conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
                try:
                    result = conn.execute("PRAGMA quick_check").fetchone()[0]
                finally:
                    conn.close()
            except sqlite3.Error as exc:
                result = str(exc)
            if result != "ok":
                failures.append(f"backup {path.name}: quick_check says {result}")
        return failures

    # -- the summary -----------------------------------------------------------------------------
    def report(self, seconds: float, final: list[str]) -> int:
        state = read_state(self.db)
        print(f"crashtest: {self.args.runs} run(s) per kind, seed {self.args.seed}, {seconds:.0f} s, project {self.db}; "
              f"random CLI kills after 0–{self.cli_delay * 1000:.0f} ms, targeted kills {self.args.targeted:.0%}; "
              f"qualcode from {Path(sys.modules['qualcode'].__file__).parent}")  # fmt: skip
        summary: dict = {"seed": self.args.seed, "runs_per_kind": self.args.runs, "seconds": round(seconds, 1),
                         "cli_delay": round(self.cli_delay, 3)}  # fmt: skip
        for kind, t in self.tally.items():
            present = sum(1 for cid in t.acked_codings if cid in state.codings)
            killed = sum(n for p, n in t.phases.items() if p != "finished")
            print(f"{kind:>7}: {t.runs} runs, {t.seconds:.0f} s; kills landed {killed} "
                  f"({', '.join(f'{p} {t.phases[p]}' for p in PHASES if t.phases[p])}"
                  + (f"; in COMMIT: {', '.join(f'{k} {n}' for k, n in sorted(t.commit_kills.items()))}" if t.commit_kills else "")
                  + ")")  # fmt: skip
            print(f"         writes sent {t.ops} ({', '.join(f'{a} {n}' for a, n in t.actions.most_common())}): acknowledged {t.acked}, in flight at the kill {t.unacked_kept + t.unacked_lost} "
                  f"(found done {t.unacked_kept}, not done {t.unacked_lost}), refused {t.refused}"
                  + (f" ({', '.join(f'{k}: {n}' for k, n in t.refusals.most_common(4))})" if t.refusals else ""))  # fmt: skip
            print(f"         acknowledged codings {len(t.acked_codings)}: present at the end {present}, removed later "
                  f"by an acknowledged uncode/undo or an in-flight one {len(t.acked_codings) - present}; codings "
                  f"verified intact {t.verified} (summed over {t.checks} checks); undo+redo checked {t.undo_redo} "
                  f"(nothing to undo {t.nothing_to_undo}); failures {len(t.failures)}")  # fmt: skip
            summary[kind] = {
                "runs": t.runs, "checks": t.checks, "killed": killed, "phases": dict(t.phases),
                "commit_kills": dict(t.commit_kills), "writes": t.ops, "acknowledged": t.acked,
                "in_flight_done": t.unacked_kept, "in_flight_not_done": t.unacked_lost, "refused": t.refused,
                "acknowledged_codings": len(t.acked_codings), "acknowledged_present": present,
                "verified": t.verified, "undo_redo": t.undo_redo, "failures": len(t.failures),
            }  # fmt: skip
        print(f"backups: {len(self.backup_files)} checked"
              + (f"; {len(self.stray_temp)} temporary file(s) left by killed backups: {', '.join(self.stray_temp[:3])}"
                 if self.stray_temp else ""))  # fmt: skip
        failures = [f for t in self.tally.values() for f in t.failures] + final
        summary["failures"] = failures
        summary["stray_backup_temp_files"] = len(self.stray_temp)
        if self.args.json:
            Path(self.args.json).write_text(json.dumps(summary, ensure_ascii=False, indent=2))
        for line in failures:
            print(f"FAIL {line}")
        print(f"crashtest: {'FAILED, ' + str(len(failures)) + ' failure(s)' if failures else 'ok'}")
        return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="runs per kind (default 20)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: a new one, printed)")
    parser.add_argument("--kinds", default="cli,inproc,tui", help="comma-separated: cli, inproc, tui")
    parser.add_argument("--project", type=Path, help="test a temporary copy of this project (default: the demo)")
    parser.add_argument("--targeted", type=float, default=0.5,
                        help="share of kills the victim makes inside a write transaction (default 0.5; 0: all random)")  # fmt: skip
    parser.add_argument("--cli-delay", type=float, default=0.0,
                        help="longest random delay before a CLI command is killed (default: 0.3 s, or 1.5 times "
                        "the CLI's run time if longer)")  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the work folder (always kept on failure)")
    parser.add_argument("--json", help="also write the summary as JSON to this file")
    parser.add_argument("--verbose", "-v", action="store_true", help="one line per run")
    parser.add_argument("--sabotage", action="store_true",
                        help="(to test this script) delete an acknowledged coding and add an unrequested one behind qualcode's back")  # fmt: skip
    args = parser.parse_args(argv)
    args.kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    if unknown := set(args.kinds) - set(KINDS):
        parser.error(f"unknown kind(s): {', '.join(sorted(unknown))}")
    if args.seed is None:
        args.seed = random.randrange(1, 1_000_000)
    work = Path(tempfile.mkdtemp(prefix="qualcode-crashtest-"))
    db = work / "project" / "qualcode.db"
    db.parent.mkdir()
    os.environ["QUALCODE_CONFIG"] = str(work / "no-config.toml")
    if args.project:
        copy_project(args.project, db)
    else:
        build_demo(db, coder="setup").close()
    status = 1
    try:
        status = CrashTest(args, work, db).run()
    finally:
        if status == 0 and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"crashtest: work folder kept: {work}")
    return status


if __name__ == "__main__":
    sys.exit(main())
