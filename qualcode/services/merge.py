"""Merge another coder's work into this project: from a copy of it (a qualcode project file) or a .qdpx.

Each coder codes blind in a copy of one project; `merge` brings one copy's work into another. What matches:

- documents: by the SHA-256 of their stored (NFC) text, then by (case id, title). A document matched by case and
  title whose text differs is *re-anchored*: the other's codings are placed on this project's text through an
  `Alignment` (kept, moved, or re-anchored and marked for review); a coding whose text is not here is refused.
  A document that matches nothing is added (with its case).
- codes: by REFI-QDA GUID (exchange_guids, else the GUID derived from the id), then by id (a .qdpx has no ids:
  by name under the same parent). A code this project lacks is created, under its parent (created first).
- cases: by id; a missing one is created with its name (and the values of attributes this project declares).
- codings: by id, then by (document, code, coder, start, end): one already here is a duplicate. Copies of one
  project share history, so a coding this project's log knows but no longer has was removed here: not added.
- memos (a coding's memo), ratings (one cell: case, code, facet, coder): when both sides hold different
  values, the side whose log holds changes the other lacks wins if only one side has them ("changed since the
  copies parted"); an empty memo here takes the other's; otherwise this project's value is kept and the
  difference reported as a conflict. Merge never deletes: what the other removed stays here (reported).
- memos on the project, a document, a case or a code (one per target and author): the same rule as a coding's
  memo; a memo on a document or code that did not come in is refused.
- events: the undo history (code, uncode, memo, review, reattach, rate…, code.create, memo.set, undo, redo) of every
  coder with codings, ratings or memos in the other file, rewritten to this project's ids, appended in order. An event is
  identified by (at, coder, action, target, payload); one already here is skipped. An event about a coding or
  rating cell that is not here as the other has it (kept ours, refused, re-anchored onto other words) is
  refused, so a carried undo never acts on something else.

`--rename-coder old=new` applies to the other's codings, ratings and events. Everything is written in one
transaction (a dry run rolls it back), after a rehearsal that is rolled back too: a merge that would change
nothing writes nothing, not even its backup or its `merge` event, so merging the same file twice adds nothing.
The other file is only read (mode=ro; an older schema is migrated in a temporary copy).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import tempfile
import unicodedata
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qualcode.align import KEPT, MOVED, ORPHANED, REANCHORED, Alignment
from qualcode.errors import BadInput, QualcodeError
from qualcode.quote import shorten
from qualcode.services.codebook import CodebookService
from qualcode.services.codings import CodingService
from qualcode.services.documents import DocumentService, NewText
from qualcode.services.events import EventLog
from qualcode.services.exchange import NAMESPACE, ExchangeIds, guid_key
from qualcode.services.memos import ACTION as MEMO_ACTION
from qualcode.services.memos import MemoService, target_label
from qualcode.services.ratings import RatingService
from qualcode.store import Store
from qualcode.store.schema import SCHEMA_VERSION
from qualcode.timeutil import now

KINDS = ("documents", "cases", "codes", "codings", "memos", "ratings", "events")
OUTCOMES = ("added", "updated", "re-anchored", "skipped", "conflicts", "refused")
CODING_ACTIONS = ("code", "uncode", "memo", "review", "reattach")
RATING_ACTIONS = ("rate", "rate.note", "rate.attach", "rate.detach", "rate.clear")
# Tables every qualcode project has had since schema version 1.
_REQUIRED = ("project", "cases", "documents", "codes", "codings", "ratings", "events")
_SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass
class MergeReport:
    """What a merge did (or, for a dry run, would do): counts per kind and outcome, and one line per notable item."""

    source: str
    format: str  # "qualcode" (a project file) or "qdpx"
    schema: int | None  # the other project's schema version (None for a .qdpx)
    dry_run: bool
    renamed: dict[str, str]
    counts: dict[str, dict[str, int]] = field(default_factory=lambda: {k: dict.fromkeys(OUTCOMES, 0) for k in KINDS})
    details: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    backup: str | None = None

    def count(self, kind: str, outcome: str, n: int = 1) -> None:
        self.counts[kind][outcome] += n

    def detail(self, kind: str, outcome: str, message: str, **data: Any) -> None:
        self.details.append({"kind": kind, "outcome": outcome, "message": message, **data})

    @property
    def changed(self) -> bool:
        """Whether the merge added or updated anything (a document matched by re-anchoring changes nothing itself)."""
        return bool(self.counts["codings"]["re-anchored"]) or any(
            c["added"] or c["updated"] for c in self.counts.values()
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "format": self.format,
            "schema": self.schema,
            "dry_run": self.dry_run,
            "backup": self.backup,
            "renamed": self.renamed,
            "counts": self.counts,
            "details": self.details,
            "notes": self.notes,
        }


# -- what the other file holds, as plain data ---------------------------------------------------------------


@dataclass
class _InDoc:
    key: str  # the other's document id (as text), or a .qdpx source's GUID
    case_id: str
    title: str
    text: str
    version: int
    versions: dict[int, str]  # every text it has had, the current one included
    source_path: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    imported_at: str = ""
    guid: str | None = None  # a GUID it came with (exchange_guids), to keep


@dataclass
class _InCode:
    key: str  # the other's code id, or a .qdpx code's GUID
    id: str | None  # None in a .qdpx
    guid: str
    stored_guid: bool  # the GUID came from exchange_guids (keep it), not derived from the id
    parent: str | None  # the parent's key
    name: str
    name_en: str = ""
    description: str = ""
    color: str = ""
    shortcut: str = ""
    keywords: str = "[]"


@dataclass
class _Incoming:
    path: Path
    format: str
    schema: int | None
    documents: list[_InDoc]
    codes: list[_InCode]
    cases: list[tuple[str, str, dict[str, Any]]]  # id, name, attribute values
    codings: list[dict[str, Any]]  # codings rows; document and code_id are keys of the above
    ratings: list[dict[str, Any]]
    events: list[dict[str, Any]]  # id, at, coder, action, target, payload (text), of the history actions
    notes: list[str] = field(default_factory=list)
    memos: list[dict[str, Any]] = field(default_factory=list)  # memos rows; a document or code target is a key above

    def coders(self) -> set[str]:
        memos = {m["author"] for m in self.memos}
        return {c["coder"] for c in self.codings} | {r["coder"] for r in self.ratings} | memos


class _DryRun(Exception):
    """Raised at the end of a dry run to roll its transaction back."""


class _Refused(Exception):
    """An event that cannot be carried; the message says why."""


def text_sha256(text: str) -> str:
    """What identifies a document's text across projects: the SHA-256 of its NFC form (documents.sha256 is the
    source file's, which differs with the encoding)."""
    return hashlib.sha256(unicodedata.normalize("NFC", text).encode("utf-8")).hexdigest()


class MergeService:
    """Merges another coder's copy of the project, or a .qdpx, into this one (see the module's docstring)."""

    def __init__(
        self,
        store: Store,
        log: EventLog,
        documents: DocumentService,
        codebook: CodebookService,
        codings: CodingService,
        ratings: RatingService,
        exchange: ExchangeIds,
        memos: MemoService,
    ):
        self._store = store
        self._log = log
        self._documents = documents
        self._codebook = codebook
        self._codings = codings
        self._ratings = ratings
        self._exchange = exchange
        self._memos = memos

    def history_actions(self) -> set[str]:
        """The actions undo and redo replay (each service says which are its own), and undo and redo."""
        actions = set(self._codings.undo_handlers(lambda row, text: row))
        actions |= set(self._ratings.undo_handlers()) | set(self._codebook.undo_handlers())
        actions |= set(self._memos.undo_handlers())
        return actions | {"undo", "redo"}

    def merge(
        self,
        source: Path | str,
        *,
        coder: str,
        renames: Mapping[str, str] | None = None,
        dry_run: bool = False,
        before_write: Callable[[], object] | None = None,
    ) -> MergeReport:
        """Bring another project's (or a .qdpx's) codings, memos, ratings and undo history into this project.

        The other file is read and checked first; `before_write` (an automatic backup) is called only then,
        outside any transaction, and only when the merge would change something (not for a dry run); everything is
        written in one transaction. A dry run reports the same and writes nothing. The report says what came in.
        """
        path = Path(source)
        renames = dict(renames or {})
        self._store.require_writable()
        incoming = self._read(path)
        known = incoming.coders() | {e["coder"] for e in incoming.events}
        for old in renames:
            if old not in known:
                listed = ", ".join(sorted(known)) or "none"
                raise BadInput(
                    f"--rename-coder {old}={renames[old]}: {path} has no coder {old!r} (its coders: {listed})"
                )
        # A rehearsal first (rolled back): a merge that would change nothing writes nothing, not even a backup.
        report = self._pass(incoming, renames, coder, rehearsal=True)
        report.dry_run = dry_run
        if dry_run or not report.changed:
            return report
        made = before_write() if before_write is not None else None
        report = self._pass(incoming, renames, coder, rehearsal=False)
        report.backup = str(made) if made else None
        return report

    def _pass(self, incoming: _Incoming, renames: dict[str, str], coder: str, *, rehearsal: bool) -> MergeReport:
        """One merge in one transaction, rolled back for a rehearsal."""
        report = MergeReport(str(incoming.path), incoming.format, incoming.schema, rehearsal, dict(renames),
                             notes=list(incoming.notes))  # fmt: skip
        try:
            with self._store.transaction():
                _Run(store=self._store, log=self._log, documents=self._documents, codebook=self._codebook,
                     codings=self._codings, exchange=self._exchange, memos=self._memos, actions=self.history_actions(),
                     incoming=incoming, renames=renames, coder=coder or "system", report=report).run()  # fmt: skip
                if rehearsal:
                    raise _DryRun
        except _DryRun:
            pass
        return report

    # -- reading the other file ------------------------------------------------------------------
    def _read(self, path: Path) -> _Incoming:
        if not path.exists():
            raise BadInput(f"{path}: no such file")
        if path.is_dir():
            raise BadInput(f"{path}: is a directory, not a qualcode project or a .qdpx file")
        try:
            if os.path.samefile(path, self._store.path):
                raise BadInput(f"{path}: is this project itself; merge another coder's copy of it")
        except OSError:
            pass
        try:
            with open(path, "rb") as handle:
                head = handle.read(16)
        except OSError as exc:
            raise BadInput(f"{path}: cannot read it: {exc.strerror or exc}") from None
        if head.startswith(b"PK"):
            return _read_qdpx(path)
        if head != _SQLITE_MAGIC:
            raise BadInput(f"{path}: neither a qualcode project nor a .qdpx file")
        return self._read_project(path)

    def _read_project(self, path: Path) -> _Incoming:
        conn = _open_read_only(path)
        try:
            schema = _schema_version(conn, path)
            if schema == SCHEMA_VERSION:
                return _read_tables(conn, path, schema, self.history_actions())
        finally:
            conn.close()
        # An older project: migrate a temporary copy (the file itself is never written).
        with tempfile.TemporaryDirectory(prefix="qualcode-merge-") as folder:
            copy_path = Path(folder) / "other.db"
            source = _open_read_only(path)
            target = sqlite3.connect(copy_path)
            try:
                source.backup(target)
            finally:
                target.close()
                source.close()
            try:
                store = Store(copy_path)
            except QualcodeError as exc:
                raise BadInput(f"{path}: cannot read it: {str(exc).replace(str(copy_path), str(path))}") from None
            try:
                incoming = _read_tables(store.conn, path, schema, self.history_actions())
            finally:
                store.close()
        incoming.notes.append(
            f"{path} is at schema version {schema} (this qualcode: {SCHEMA_VERSION}); it was read from a migrated "
            "temporary copy and left as it is"
        )
        return incoming


def _open_read_only(path: Path) -> sqlite3.Connection:
    """The other project, read-only (mode=ro; immutable when SQLite may not write the -shm file beside it)."""
    uri = path.resolve().as_uri()
    try:
        conn = sqlite3.connect(f"{uri}?mode=ro", uri=True)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.OperationalError:
            conn.close()
        wal = Path(f"{path}-wal")
        if wal.exists() and wal.stat().st_size:
            raise BadInput(
                f"{path}: cannot be read here: its {wal.name} file holds changes SQLite can read only where it may "
                "write beside it; open that project once where it is writable"
            )
        conn = sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.DatabaseError as exc:
        raise BadInput(f"{path}: not a qualcode project ({exc})") from None


def _schema_version(conn: sqlite3.Connection, path: Path) -> int:
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "schema_version" not in tables:
            raise BadInput(f"{path}: an SQLite file that is not a qualcode project")
        version = conn.execute("SELECT version FROM schema_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BadInput(f"{path}: not a qualcode project ({exc})") from None
    if version is None or not isinstance(version[0], int):
        raise BadInput(f"{path}: not a qualcode project (no schema version)")
    if version[0] > SCHEMA_VERSION:
        raise BadInput(
            f"{path}: schema version {version[0]} is newer than this qualcode understands ({SCHEMA_VERSION}); "
            "upgrade qualcode to merge it"
        )
    missing = [t for t in _REQUIRED if t not in tables]
    if missing:
        raise BadInput(f"{path}: not a qualcode project (no table {missing[0]})")
    return int(version[0])


def _read_tables(conn: sqlite3.Connection, path: Path, schema: int, actions: set[str]) -> _Incoming:
    """Everything a merge needs from a current-schema project, as plain data."""
    conn.row_factory = sqlite3.Row
    try:
        guids: dict[tuple[str, str], str] = {
            (r["kind"], r["local_id"]): r["guid"]
            for r in conn.execute("SELECT kind, local_id, guid FROM exchange_guids")
        }
        old_texts: dict[int, dict[int, str]] = {}
        for r in conn.execute("SELECT document_id, version, text FROM document_versions"):
            old_texts.setdefault(r["document_id"], {})[r["version"]] = r["text"]
        documents = []
        for r in conn.execute(
            "SELECT id, case_id, title, text, version, source_path, metadata, imported_at FROM documents ORDER BY id"
        ):
            versions = {**old_texts.get(r["id"], {}), r["version"]: r["text"]}
            documents.append(
                _InDoc(str(r["id"]), r["case_id"], r["title"], r["text"], r["version"], versions, r["source_path"],
                       json.loads(r["metadata"] or "{}"), r["imported_at"], guids.get(("document", str(r["id"]))))
            )  # fmt: skip
        codes = []
        for r in conn.execute("SELECT * FROM codes ORDER BY position, id"):
            stored = guids.get(("code", r["id"]))
            guid = stored or str(uuid.uuid5(NAMESPACE, f"code:{r['id']}"))
            codes.append(
                _InCode(r["id"], r["id"], guid, stored is not None, r["parent_id"], r["name"], r["name_en"],
                        r["description"], r["color"], r["shortcut"], r["keywords"])
            )  # fmt: skip
        values: dict[str, dict[str, Any]] = {}
        for r in conn.execute("SELECT case_id, attribute, value FROM case_values"):
            values.setdefault(r["case_id"], {})[r["attribute"]] = r["value"]
        cases = [(r["id"], r["name"], values.get(r["id"], {})) for r in conn.execute("SELECT id, name FROM cases")]
        codings = []
        for r in conn.execute(
            'SELECT id, document_id, code_id, coder, start, "end", memo, created_at, updated_at, review, orphaned, '
            "orphan_text, orphan_version FROM codings ORDER BY document_id, start, id"
        ):
            row = dict(r)
            row["document"] = str(row.pop("document_id"))
            row["guids"] = {k: guids[(k, r["id"])] for k in ("selection", "coding", "note") if (k, r["id"]) in guids}
            codings.append(row)
        evidence: dict[int, list[str]] = {}
        for r in conn.execute("SELECT rating_id, coding_id FROM rating_evidence ORDER BY coding_id"):
            evidence.setdefault(r[0], []).append(r[1])
        ratings = [
            {**dict(r), "evidence": evidence.get(r["id"], [])}
            for r in conn.execute(
                "SELECT id, case_id, code_id, facet_id, coder, step_id, note, updated_at FROM ratings ORDER BY id"
            )
        ]
        wanted = sorted(actions)
        events = [
            dict(r)
            for r in conn.execute(
                f"SELECT id, at, coder, action, target, payload FROM events WHERE action IN ({','.join('?' * len(wanted))}) "
                "ORDER BY id",
                wanted,
            )
        ]
        memos = [dict(r) for r in conn.execute(
            "SELECT target_type, target_id, author, text, created_at, updated_at FROM memos ORDER BY id")]  # fmt: skip
    except sqlite3.DatabaseError as exc:
        raise BadInput(f"{path}: not a readable qualcode project ({exc})") from None
    return _Incoming(path, "qualcode", schema, documents, codes, cases, codings, ratings, events, memos=memos)


def _read_qdpx(path: Path) -> _Incoming:
    """A .qdpx as the same plain data: sources, codes, cases (names), codings with their coder and notes as memos."""
    from qualcode.export.refi.reader import parse_qdpx

    parsed = parse_qdpx(path)
    cases: list[tuple[str, str, dict[str, Any]]] = []
    case_of_source: dict[str, str] = {}
    for guid, _, _, source_guids in parsed.cases:
        case_id, case_name = parsed.case_info[guid].case_id, parsed.case_info[guid].name
        cases.append((case_id, case_name, {}))
        for source_guid in source_guids:
            case_of_source[source_guid] = case_id
    codes = [_InCode(c.guid, None, c.guid, True, c.parent, c.name, description=c.description, color=c.color)
             for c in parsed.codes]  # fmt: skip
    documents, codings = [], []
    for source in parsed.sources:
        documents.append(
            _InDoc(source.guid, case_of_source.get(source.guid, source.name), source.name, source.text, 1,
                   {1: source.text}, f"{path.name}:{source.guid}", {"refi_guid": source.guid}, source.created or now(),
                   source.guid)
        )  # fmt: skip
        for selection in source.selections:
            memo = selection.memo
            for coding_guid, code_guid, user_guid, created in selection.codings:
                single = len(selection.codings) == 1
                stamp = created or now()
                guids: dict[str, Any] = {"coding": coding_guid}
                if single:
                    guids["selection"] = selection.guid
                if selection.notes:
                    guids["note"] = selection.notes[0]
                codings.append(
                    {"id": guid_key(selection.guid if single else coding_guid), "document": source.guid,
                     "code_id": code_guid, "coder": parsed.users.get(user_guid, "imported"), "start": selection.start,
                     "end": selection.end, "memo": memo, "created_at": stamp, "updated_at": stamp, "review": 0,
                     "orphaned": 0, "orphan_text": "", "orphan_version": None, "guids": guids,
                     "selection_guid": selection.guid}
                )  # fmt: skip
    notes = [
        "a .qdpx carries documents, codes, case names, codings (coder, span, time) and their notes as memos; not "
        "ratings, review marks, orphaned codings, document versions or the event history, so its codings are not in "
        "their coders' undo history here"
    ]
    case_ids = {guid: case_id for (guid, _, _, _), (case_id, _, _) in zip(parsed.cases, cases, strict=True)}
    memos = []
    for kind, target, note in parsed.memo_refs:  # a document or code by its GUID, as the keys above
        target_id = case_ids.get(target, "") if kind == "case" else "" if kind == "project" else target
        stamp = parsed.note_created.get(note) or now()
        memos.append({"target_type": kind, "target_id": target_id, "text": parsed.notes.get(note, ""),
                      "author": parsed.users.get(parsed.note_users.get(note, ""), "imported"), "created_at": stamp,
                      "updated_at": parsed.note_modified.get(note) or stamp})  # fmt: skip
    return _Incoming(path, "qdpx", None, documents, codes, cases, codings, [], [], notes, memos=memos)


def _slug(name: str, guid: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_.-]+", "-", name.strip()).strip("-").lower() if name.isascii() else ""
    base = base or f"c-{guid_key(guid)[:8]}"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


# -- one merge -----------------------------------------------------------------------------------------------

Subject = tuple[str, ...]  # what an event is about: ("coding", id), ("rating", case/code/facet, coder), ("code", id)
_ROW_FIELDS = ("document_id", "code_id", "coder", "start", "end", "orphaned", "memo")


@dataclass
class _Doc:
    """Where one of the other's documents went here."""

    id: int  # this project's document
    mode: str  # "same" (identical text), "changed" (re-anchored) or "new" (added by this merge)
    incoming: _InDoc
    alignment: Alignment | None = None  # other's current text -> this project's, for "changed"
    versions: dict[int, int] = field(default_factory=dict)  # other's version -> this project's version, same text


class _Run:
    """One merge, inside the caller's transaction: matches, writes and counts into the report."""

    def __init__(self, *, store: Store, log: EventLog, documents: DocumentService, codebook: CodebookService,
                 codings: CodingService, exchange: ExchangeIds, memos: MemoService, actions: set[str], incoming: _Incoming,
                 renames: dict[str, str], coder: str, report: MergeReport):  # fmt: skip
        self.conn = store.conn
        self.log = log
        self.documents = documents
        self.codebook = codebook
        self.codings = codings
        self.exchange = exchange
        self.memos = memos
        self.actions = actions
        self.incoming = incoming
        self.renames = renames
        self.coder = coder
        self.report = report
        self.code_map: dict[str, str] = {}  # other's code key -> code id here
        self.created_codes: set[str] = set()
        self.docs: dict[str, _Doc] = {}
        self.id_map: dict[str, str] = {}  # other's coding id -> coding id here (same id, or a duplicate's)
        self.mapped_rows: dict[str, dict[str, Any] | None] = {}  # other's coding id -> its row as mapped here
        self.rating_map: dict[int, int] = {}  # other's rating id -> rating id here
        self.mapped_states: dict[Subject, tuple | None] = {}  # a rating cell as the other holds it, mapped
        self.alignments: dict[tuple[str, int], Alignment] = {}
        self.mapped_memos: dict[Subject, str] = {}  # a memo's text as the other holds it, mapped

    def rename(self, coder: str) -> str:
        return self.renames.get(coder, coder)

    def run(self) -> None:
        self._load_ours()
        self._subjects()
        self._cases()
        self._codes()
        self._documents()
        self._codings()
        self._ratings()
        self._memos()
        self._events()
        report = self.report
        counts = {kind: {k: v for k, v in c.items() if v} for kind, c in report.counts.items()}
        if report.changed:
            payload = {"format": report.format, "renamed": report.renamed, "counts": counts}
            self.log.log(self.coder, "merge", report.source, payload)

    # -- this project as it is ---------------------------------------------------------------------
    def _load_ours(self) -> None:
        conn = self.conn
        self.our_rows: dict[str, dict[str, Any]] = {}
        self.our_keys: dict[tuple, str] = {}
        for r in conn.execute(
            'SELECT id, document_id, code_id, coder, start, "end", memo, orphaned, orphan_text FROM codings'
        ):
            row = dict(r)
            self.our_rows[row["id"]] = row
            self.our_keys[self._key(row)] = row["id"]
        self.our_ratings: dict[tuple[str, str, str, str], dict[str, Any]] = {}
        evidence: dict[int, set[str]] = {}
        for rating_id, coding_id in conn.execute("SELECT rating_id, coding_id FROM rating_evidence"):
            evidence.setdefault(rating_id, set()).add(coding_id)
        for r in conn.execute("SELECT id, case_id, code_id, facet_id, coder, step_id, note FROM ratings"):
            cell = (r["case_id"], r["code_id"], r["facet_id"], r["coder"])
            self.our_ratings[cell] = {
                "id": r["id"],
                "state": (r["step_id"], r["note"], frozenset(evidence.get(r["id"], ()))),
            }
        self.our_memos: dict[Subject, str] = {
            ("memo", target_label(r["target_type"], r["target_id"]), r["author"]): r["text"]
            for r in conn.execute("SELECT target_type, target_id, author, text FROM memos")
        }
        actions = sorted(self.actions)
        self.our_events = [
            dict(r)
            for r in conn.execute(
                f"SELECT id, at, coder, action, target, payload FROM events WHERE action IN ({','.join('?' * len(actions))}) "
                "ORDER BY id",
                actions,
            )
        ]
        self.our_tuples: dict[tuple, int] = {
            (e["at"], e["coder"], e["action"], e["target"], e["payload"]): e["id"] for e in self.our_events
        }

    @staticmethod
    def _key(row: Mapping[str, Any]) -> tuple:
        """What makes two codings the same: anchored by document, code, coder and span; orphans with their old text."""
        orphaned = bool(row["orphaned"])
        return (row["document_id"], row["code_id"], row["coder"], row["start"], row["end"], orphaned,
                row["orphan_text"] if orphaned else "")  # fmt: skip

    # -- who changed what since the copies parted --------------------------------------------------
    def _subjects(self) -> None:
        """For each thing an event is about, whether each side's log holds events about it the other's lacks."""
        ours = self._light_keys(self.our_events, mapped=False)
        theirs = self._light_keys(self.incoming.events, mapped=True)
        self.our_subjects = {key[3] for key in ours}
        self.history_of: dict[str, str] = {}  # coding id here -> the other's coding whose history it takes
        self.ours_changed = {key[3] for key in ours - theirs}
        self.theirs_changed = {key[3] for key in theirs - ours}

    def _subject_of(self, event: Mapping[str, Any], by_id: Mapping[int, Mapping[str, Any]], mapped: bool,
                    depth: int = 0) -> Subject | None:  # fmt: skip
        action, target = event["action"], event["target"]
        coder = self.rename(event["coder"]) if mapped else event["coder"]
        if action in CODING_ACTIONS:
            return ("coding", target)
        if action in RATING_ACTIONS:
            case, _, rest = target.partition("/")
            code, _, facet = rest.partition("/")
            if mapped:
                code = self._code_key_to_id(code)
            return ("rating", f"{case}/{code}/{facet}", coder)
        if action == "code.create":
            return ("code", self._code_key_to_id(target) if mapped else target)
        if action == MEMO_ACTION:
            return ("memo", self._memo_target(target) if mapped else target, coder)
        if action in ("undo", "redo") and depth < 2:
            try:
                ref = by_id.get(json.loads(event["payload"])["event"])
            except (ValueError, KeyError, TypeError):
                return None
            return self._subject_of(ref, by_id, mapped, depth + 1) if ref is not None else None
        return None

    def _code_key_to_id(self, key: str) -> str:
        """Before codes are matched: the other's code id as it will be here (GUID match, else the same id)."""
        return self.code_map.get(key) or self._guess_code.get(key, key)

    def _light_keys(self, events: list[dict[str, Any]], *, mapped: bool) -> set[tuple]:
        by_id = {e["id"]: e for e in events}
        keys = set()
        for event in events:
            subject = self._subject_of(event, by_id, mapped)
            if subject is not None:
                coder = self.rename(event["coder"]) if mapped else event["coder"]
                keys.add((event["at"], coder, event["action"], subject))
        return keys

    # -- cases, codes, documents ------------------------------------------------------------------
    def _cases(self) -> None:
        declared = {name for name, _ in self.documents.attributes()}
        for case_id, name, values in self.incoming.cases:
            if self.documents.has_case(case_id):
                self.report.count("cases", "skipped")
                continue
            kept = {k: v for k, v in values.items() if k in declared}
            self.documents.set_case(case_id, name=name, values=kept)
            self.report.count("cases", "added")
            dropped = sorted(set(values) - set(kept))
            extra = f"; attributes this project does not declare were left out: {', '.join(dropped)}" if dropped else ""
            self.report.detail("cases", "added", f"case {case_id} ({name}) added{extra}", case=case_id)

    @property
    def _guess_code(self) -> dict[str, str]:
        if not hasattr(self, "_guesses"):
            self._guesses = self._match_codes()
        return self._guesses

    def _match_codes(self) -> dict[str, str]:
        """Other's code key -> code id here: by GUID, then by id (a .qdpx: by name under the same parent)."""
        ours = self.codebook.codes()
        ids = {c.id for c in ours}
        by_guid = {guid_key(self.exchange.guid("code", c.id)): c.id for c in ours}
        by_name = {(c.parent_id, c.name): c.id for c in ours}
        matched: dict[str, str] = {}
        for code in self.incoming.codes:
            found = by_guid.get(guid_key(code.guid))
            if found is None and code.id is not None and code.id in ids:
                found = code.id
            if found is None and code.id is None:
                parent = matched.get(code.parent) if code.parent else None
                found = by_name.get((parent, code.name))
            if found is not None:
                matched[code.key] = found
        return matched

    def _codes(self) -> None:
        matched = self._guess_code
        incoming = {c.key: c for c in self.incoming.codes}
        taken = {c.id for c in self.codebook.codes()}
        used = {c.shortcut for c in self.codebook.codes() if c.shortcut}
        position = self.conn.execute("SELECT coalesce(max(position), -1) + 1 FROM codes").fetchone()[0]

        def ensure(key: str, seen: frozenset[str] = frozenset()) -> str:
            nonlocal position
            if key in self.code_map:
                return self.code_map[key]
            if key in matched:
                self.code_map[key] = matched[key]
                self.report.count("codes", "skipped")
                return matched[key]
            code = incoming[key]
            parent = None
            if code.parent is not None and code.parent in incoming and code.parent not in seen:
                parent = ensure(code.parent, seen | {key})
            code_id = code.id if code.id is not None and code.id not in taken else _slug(code.name, code.guid, taken)
            taken.add(code_id)
            shortcut = code.shortcut if code.shortcut and code.shortcut not in used else ""
            used.add(shortcut)
            self.conn.execute(
                "INSERT INTO codes (id, parent_id, name, name_en, description, color, shortcut, keywords, position) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (code_id, parent, code.name, code.name_en, code.description,
                 code.color if re.fullmatch(r"#[0-9A-Fa-f]{6}", code.color or "") else "", shortcut,
                 code.keywords or "[]", position),
            )  # fmt: skip
            position += 1
            if code.stored_guid:
                self.exchange.remember("code", code_id, code.guid)
            self.code_map[key] = code_id
            self.created_codes.add(code_id)
            self.report.count("codes", "added")
            under = f" under {parent}" if parent else ""
            self.report.detail("codes", "added", f"code {code_id} ({code.name}) added{under}", code=code_id)
            return code_id

        for code in self.incoming.codes:
            ensure(code.key)

    def _documents(self) -> None:
        docs = self.documents
        ours = docs.documents()
        by_sha: dict[str, list[int]] = {}
        by_title: dict[tuple[str, str], int] = {}
        for d in ours:
            by_sha.setdefault(text_sha256(docs.text(d.id)), []).append(d.id)
            by_title[(d.case_id, d.title)] = d.id
        new: list[_InDoc] = []
        for other in self.incoming.documents:
            same = by_sha.get(text_sha256(other.text), [])
            if same:
                exact = by_title.get((other.case_id, other.title))
                self.docs[other.key] = _Doc(exact if exact in same else same[0], "same", other)
                self.report.count("documents", "skipped")
            elif (other.case_id, other.title) in by_title:
                our_id = by_title[(other.case_id, other.title)]
                entry = _Doc(our_id, "changed", other, Alignment(other.text, docs.text(our_id)))
                self.docs[other.key] = entry
                self.report.count("documents", "re-anchored")
                self.report.detail(
                    "documents", "re-anchored",
                    f"document {our_id} (case {other.case_id}, title {other.title}): its text differs from the other's; "
                    "the other's codings on it are placed through an alignment (kept, moved, re-anchored for review, "
                    "or refused)",
                    document=our_id,
                )  # fmt: skip
            else:
                new.append(other)
        for entry in self.docs.values():
            entry.versions = self._version_map(entry)
        for other in new:
            if not docs.has_case(other.case_id):  # a .qdpx source in no case: a case of its own name
                docs.set_case(other.case_id, name="")
                self.report.count("cases", "added")
                self.report.detail("cases", "added", f"case {other.case_id} added", case=other.case_id)
        if new:
            ids = docs.add_texts(
                [NewText(d.case_id, d.title, d.text, d.source_path, d.metadata, d.imported_at) for d in new],
                coder=self.coder,
            )
            for other, our_id in zip(new, ids, strict=True):
                self.docs[other.key] = _Doc(our_id, "new", other, versions={other.version: 1})
                if other.guid:
                    self.exchange.remember("document", str(our_id), other.guid)
                self.report.count("documents", "added")
                self.report.detail("documents", "added",
                                   f"document {our_id} (case {other.case_id}, title {other.title}) added", document=our_id)  # fmt: skip

    def _version_map(self, entry: _Doc) -> dict[int, int]:
        """The other's versions of a document whose text is one of this project's versions of it."""
        docs = self.documents
        ours = {text_sha256(docs.text_at(entry.id, v)): v for v, _, _ in docs.versions(entry.id)}
        return {v: ours[h] for v, text in entry.incoming.versions.items() if (h := text_sha256(text)) in ours}

    # -- codings and memos ----------------------------------------------------------------------------
    def _codings(self) -> None:
        report = self.report
        for other in self.incoming.codings:
            if self.incoming.format == "qdpx":
                self._match_qdpx_id(other)
            mapped = self._place(other)
            if mapped is None:
                continue
            ours = self.our_rows.get(other["id"])
            subject: Subject = ("coding", other["id"])
            if ours is not None:
                self.id_map[other["id"]] = ours["id"]
                if self._key(ours) == self._key(mapped):
                    report.count("codings", "skipped")
                    self._memo(ours, mapped, subject)
                elif subject in self.theirs_changed:
                    report.count("codings", "conflicts")
                    report.detail("codings", "conflicts",
                                  f"{self._name(mapped)}: placed differently here ({ours['start']}:{ours['end']}) "
                                  f"than there ({mapped['start']}:{mapped['end']}); kept this project's",
                                  coding=ours["id"])  # fmt: skip
                else:
                    report.count("codings", "skipped")
                continue
            duplicate = self.our_keys.get(self._key(mapped))
            if duplicate is not None:
                self.id_map[other["id"]] = duplicate
                report.count("codings", "skipped")
                self._memo(self.our_rows[duplicate], mapped, ("coding", duplicate))
                continue
            if subject in self.ours_changed:
                outcome = "conflicts" if subject in self.theirs_changed else "skipped"
                also = ", and changed there since the copies parted" if outcome == "conflicts" else ""
                report.count("codings", outcome)
                report.detail("codings", outcome, f"{self._name(mapped)}: removed in this project{also}; not added "
                              "again", coding=other["id"])  # fmt: skip
                continue
            self._insert_coding(other, mapped)
        for coding_id, row in self.our_rows.items():
            if ("coding", coding_id) in self.theirs_changed and coding_id not in self.mapped_rows:
                if coding_id in self.id_map.values():
                    continue
                report.count("codings", "conflicts")
                report.detail("codings", "conflicts", f"{self._name(row)}: removed there; kept here (merge never deletes)",
                              coding=coding_id)  # fmt: skip

    def _match_qdpx_id(self, other: dict[str, Any]) -> None:
        """A .qdpx selection exported from a copy of this project has the GUID derived from the coding's id here."""
        if not hasattr(self, "_selection_ids"):
            self._selection_ids = {
                guid_key(self.exchange.guid("selection", coding_id)): coding_id for coding_id in self.our_rows
            }
        found = self._selection_ids.get(guid_key(other.get("selection_guid", "")))
        if found is not None:
            other["id"] = found

    def _name(self, row: Mapping[str, Any]) -> str:
        text = row.get("orphan_text") if row.get("orphaned") else self._text(row)
        return (f"coding {row['id'][:8]} ({row['coder']}, {row['code_id']}, document {row['document_id']} "
                f"{row['start']}:{row['end']} 「{shorten(text or '')}」)")  # fmt: skip

    def _text(self, row: Mapping[str, Any]) -> str:
        for entry in self.docs.values():
            if entry.id == row["document_id"]:
                text = entry.incoming.text if entry.mode == "new" else self.documents.text(entry.id)
                return text[row["start"] : row["end"]]
        return self.documents.text(row["document_id"])[row["start"] : row["end"]]

    def _place(self, other: dict[str, Any]) -> dict[str, Any] | None:
        """The other's coding as it would stand here (document, code, coder, span), or None when refused."""
        entry = self.docs[other["document"]]
        mapped = {**other, "document_id": entry.id, "code_id": self.code_map[other["code_id"]],
                  "coder": self.rename(other["coder"])}  # fmt: skip
        self.mapped_rows[other["id"]] = None
        if other["orphaned"]:
            mapped["orphan_version"] = entry.versions.get(other["orphan_version"])
        elif entry.mode == "changed":
            assert entry.alignment is not None
            placed = entry.alignment.place(other["start"], other["end"])
            text = entry.incoming.text[other["start"] : other["end"]]
            where = (f"coding {other['id'][:8]} ({mapped['coder']}, {mapped['code_id']}, document {entry.id} "
                     f"{other['start']}:{other['end']} there)")  # fmt: skip
            if placed.status == ORPHANED:
                self.report.count("codings", "refused")
                self.report.detail("codings", "refused",
                                   f"{where}: refused: its text 「{shorten(text)}」 is not in document {entry.id} here",
                                   coding=other["id"], status=ORPHANED)  # fmt: skip
                return None
            mapped.update(start=placed.start, end=placed.end)
            if placed.status == REANCHORED:
                mapped["review"] = 1
            mapped["status"] = placed.status
            now_text = self.documents.text(entry.id)[placed.start : placed.end]
            review = ", marked for review" if placed.status == REANCHORED else ""
            mapped["message"] = (f"{where}: {placed.status} to {placed.start}:{placed.end}{review} "
                                 f"「{shorten(now_text)}」")  # fmt: skip
        self.mapped_rows[other["id"]] = mapped
        return mapped

    def _insert_coding(self, other: dict[str, Any], mapped: dict[str, Any]) -> None:
        row = {k: mapped[k] for k in ("id", "document_id", "code_id", "coder", "start", "end", "memo", "created_at",
                                      "updated_at", "review", "orphaned", "orphan_text", "orphan_version")}  # fmt: skip
        self.codings.insert(row)
        for kind, guid in (other.get("guids") or {}).items():
            self.exchange.remember(kind, row["id"], guid)
        stored = {k: row[k] for k in ("id", "document_id", "code_id", "coder", "start", "end", "memo", "orphaned",
                                      "orphan_text")}  # fmt: skip
        self.our_rows[row["id"]] = stored
        self.our_keys[self._key(stored)] = row["id"]
        self.id_map[other["id"]] = row["id"]
        status = mapped.get("status", KEPT)
        if status == KEPT:
            self.report.count("codings", "added")
        else:
            self.report.count("codings", "re-anchored")
        if "message" in mapped:
            self.report.detail("codings", "added" if status == KEPT else "re-anchored", mapped["message"],
                               coding=row["id"], status=status)  # fmt: skip
        if row["memo"]:
            self.report.count("memos", "added")

    def _memo(self, ours: dict[str, Any], theirs: dict[str, Any], subject: Subject) -> None:
        """A coding both sides have: whose memo it keeps (see the module's docstring)."""
        mine, other = ours["memo"], theirs["memo"]
        if not other or other == mine:
            if other:
                self.report.count("memos", "skipped")
            return
        ours_changed, theirs_changed = subject in self.ours_changed, subject in self.theirs_changed
        name = f"memo of coding {ours['id'][:8]} ({ours['coder']}, {ours['code_id']})"
        if (not mine and not ours_changed) or (theirs_changed and not ours_changed):
            self.conn.execute("UPDATE codings SET memo = ?, updated_at = ? WHERE id = ?", (other, now(), ours["id"]))
            ours["memo"] = other
            outcome = "added" if not mine else "updated"
            self.report.count("memos", outcome)
            if mine:
                self.report.detail("memos", outcome, f"{name}: took the other's 「{shorten(other)}」 (this project's "
                                   f"「{shorten(mine)}」 was not changed since the copies parted)", coding=ours["id"])  # fmt: skip
        elif ours_changed and not theirs_changed:
            self.report.count("memos", "skipped")
            self.report.detail("memos", "skipped", f"{name}: kept this project's 「{shorten(mine)}」 (the other's "
                               f"「{shorten(other)}」 is older)", coding=ours["id"])  # fmt: skip
        else:
            self.report.count("memos", "conflicts")
            self.report.detail("memos", "conflicts", f"{name}: kept this project's 「{shorten(mine)}」; the other's is "
                               f"「{shorten(other)}」", coding=ours["id"], ours=mine, theirs=other)  # fmt: skip

    # -- ratings ----------------------------------------------------------------------------------
    def _ratings(self) -> None:
        report = self.report
        facets = {f.id for f in self.codebook.facets()}
        labels = {s.id: s.label for s in self.codebook.scale()}
        seen: set[Subject] = set()
        for other in self.incoming.ratings:
            code_id = self.code_map.get(other["code_id"], other["code_id"])
            cell = (other["case_id"], code_id, other["facet_id"], self.rename(other["coder"]))
            subject: Subject = ("rating", f"{cell[0]}/{cell[1]}/{cell[2]}", cell[3])
            seen.add(subject)
            name = f"rating {subject[1]} by {cell[3]}"
            evidence = [self.id_map[e] for e in other["evidence"] if e in self.id_map]
            state = (other["step_id"], other["note"], frozenset(evidence))
            self.mapped_states[subject] = state if len(evidence) == len(other["evidence"]) else None
            why = ""
            if other["facet_id"] not in facets:
                why = f"facet {other['facet_id']!r} is not in this project's codebook"
            elif other["step_id"] not in labels:
                why = f"scale step {other['step_id']!r} is not in this project's codebook"
            if why:
                self.mapped_states[subject] = None
                report.count("ratings", "refused")
                report.detail("ratings", "refused", f"{name}: refused: {why}", cell=list(cell))
                continue
            ours = self.our_ratings.get(cell)
            mine = labels.get(ours["state"][0], ours["state"][0]) if ours else ""
            theirs = labels.get(other["step_id"], other["step_id"])
            if ours is not None:
                self.rating_map[other["id"]] = ours["id"]
                if ours["state"] == state:
                    report.count("ratings", "skipped")
                    continue
                ours_changed, theirs_changed = subject in self.ours_changed, subject in self.theirs_changed
                if theirs_changed and not ours_changed:
                    self._set_rating(ours["id"], state)
                    ours["state"] = state
                    report.count("ratings", "updated")
                    report.detail("ratings", "updated", f"{name}: took the other's {theirs} (this project's {mine} "
                                  "was not changed since the copies parted)", cell=list(cell))  # fmt: skip
                elif ours_changed and not theirs_changed:
                    report.count("ratings", "skipped")
                    report.detail("ratings", "skipped", f"{name}: kept this project's {mine} (the other's {theirs} is "
                                  "older)", cell=list(cell))  # fmt: skip
                else:
                    differs = "" if mine != theirs else " (the same value; the notes or evidence differ)"
                    report.count("ratings", "conflicts")
                    report.detail("ratings", "conflicts", f"{name}: kept this project's {mine}; the other's is "
                                  f"{theirs}{differs}", cell=list(cell), ours=mine, theirs=theirs)  # fmt: skip
                continue
            if subject in self.ours_changed:
                outcome = "conflicts" if subject in self.theirs_changed else "skipped"
                also = f", and set to {theirs} there since the copies parted" if outcome == "conflicts" else ""
                report.count("ratings", outcome)
                report.detail("ratings", outcome, f"{name}: cleared in this project{also}; not added again",
                              cell=list(cell))  # fmt: skip
                continue
            rating_id = self.conn.execute(
                "INSERT INTO ratings (case_id, code_id, facet_id, coder, step_id, note, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (*cell, other["step_id"], other["note"], other["updated_at"] or now()),
            ).lastrowid
            assert rating_id is not None
            self.conn.executemany(
                "INSERT OR IGNORE INTO rating_evidence (rating_id, coding_id) VALUES (?, ?)",
                [(rating_id, e) for e in evidence],
            )
            self.rating_map[other["id"]] = rating_id
            self.our_ratings[cell] = {"id": rating_id, "state": state}
            report.count("ratings", "added")
            missing = len(other["evidence"]) - len(evidence)
            if missing:
                report.detail("ratings", "added", f"{name}: added without {missing} evidence coding(s) that did not "
                              "come in", cell=list(cell))  # fmt: skip
        for cell in self.our_ratings:
            subject = ("rating", f"{cell[0]}/{cell[1]}/{cell[2]}", cell[3])
            if subject in self.theirs_changed and subject not in seen:
                report.count("ratings", "conflicts")
                report.detail("ratings", "conflicts", f"rating {subject[1]} by {cell[3]}: cleared there; kept here "
                              "(merge never deletes)", cell=list(cell))  # fmt: skip

    def _set_rating(self, rating_id: int, state: tuple) -> None:
        step, note, evidence = state
        self.conn.execute("UPDATE ratings SET step_id = ?, note = ?, updated_at = ? WHERE id = ?",
                          (step, note, now(), rating_id))  # fmt: skip
        self.conn.execute("DELETE FROM rating_evidence WHERE rating_id = ?", (rating_id,))
        self.conn.executemany("INSERT INTO rating_evidence (rating_id, coding_id) VALUES (?, ?)",
                              [(rating_id, e) for e in sorted(evidence)])  # fmt: skip

    # -- memos on the project, documents, cases and codes ----------------------------------------------
    def _memo_id(self, target_type: str, target_id: str) -> str | None:
        """The id here of the other's memo target (None: it did not come in)."""
        if target_type == "project":
            return ""
        if target_type == "document":
            entry = self.docs.get(target_id)
            return str(entry.id) if entry is not None else None
        if target_type == "code":
            return self.code_map.get(target_id)
        return target_id if target_type == "case" and self.documents.has_case(target_id) else None

    def _memo_target(self, target: str) -> str:
        """An event's memo target (`code budget`) as it reads here (documents once they are matched)."""
        kind, _, target_id = target.partition(" ")
        if kind == "document" and target_id in self.docs:
            return target_label(kind, str(self.docs[target_id].id))
        return target_label(kind, self._code_key_to_id(target_id)) if kind == "code" else target

    def _memos(self) -> None:
        """The other's memos: a missing one is added, a different one decided as a coding's memo is."""
        report = self.report
        seen: set[Subject] = set()
        for other in self.incoming.memos:
            kind, author, theirs = other["target_type"], self.rename(other["author"]), other["text"]
            target_id = self._memo_id(kind, other["target_id"])
            if target_id is None:
                report.count("memos", "refused")
                report.detail("memos", "refused", f"memo on {kind} {other['target_id']} by {author}: refused: its "
                              f"{kind} did not come in", memo=[kind, other["target_id"], author])  # fmt: skip
                continue
            subject: Subject = ("memo", target_label(kind, target_id), author)
            seen.add(subject)
            self.mapped_memos[subject] = theirs
            mine = self.our_memos.get(subject)
            if mine == theirs:
                report.count("memos", "skipped")
                continue
            name = f"memo on {subject[1]} by {author}"
            state = {"text": theirs, "created_at": other["created_at"], "updated_at": other["updated_at"]}
            ours_changed, theirs_changed = subject in self.ours_changed, subject in self.theirs_changed
            if mine is None and ours_changed:
                outcome = "conflicts" if theirs_changed else "skipped"
                also = ", and changed there since the copies parted" if theirs_changed else ""
                report.count("memos", outcome)
                report.detail("memos", outcome, f"{name}: deleted in this project{also}; not added again",
                              memo=[kind, target_id, author])  # fmt: skip
            elif mine is None or (theirs_changed and not ours_changed):
                self.memos.put(kind, target_id, author, state)
                self.our_memos[subject] = theirs
                report.count("memos", "added" if mine is None else "updated")
                if mine is not None:
                    report.detail("memos", "updated", f"{name}: took the other's 「{shorten(theirs)}」 (this project's "
                                  f"「{shorten(mine)}」 was not changed since the copies parted)",
                                  memo=[kind, target_id, author])  # fmt: skip
            elif ours_changed and not theirs_changed:
                report.count("memos", "skipped")
                report.detail("memos", "skipped", f"{name}: kept this project's 「{shorten(mine)}」 (the other's "
                              f"「{shorten(theirs)}」 is older)", memo=[kind, target_id, author])  # fmt: skip
            else:
                report.count("memos", "conflicts")
                report.detail("memos", "conflicts", f"{name}: kept this project's 「{shorten(mine)}」; the other's is "
                              f"「{shorten(theirs)}」", memo=[kind, target_id, author], ours=mine, theirs=theirs)  # fmt: skip
        for subject in self.our_memos:
            if subject in self.theirs_changed and subject not in seen:
                report.count("memos", "conflicts")
                report.detail("memos", "conflicts", f"memo on {subject[1]} by {subject[2]}: deleted there; kept here "
                              "(merge never deletes)")  # fmt: skip

    # -- the undo history ---------------------------------------------------------------------------
    def _events(self) -> None:
        report = self.report
        coders = {self.rename(c) for c in self.incoming.coders()}
        by_id = {e["id"]: e for e in self.incoming.events}
        event_map: dict[int, int] = {}
        considered = 0
        for event in self.incoming.events:
            coder = self.rename(event["coder"])
            if coder not in coders:
                continue
            considered += 1
            raw = (event["at"], event["coder"], event["action"], event["target"], event["payload"])
            if raw in self.our_tuples:
                event_map[event["id"]] = self.our_tuples[raw]
                report.count("events", "skipped")
                continue
            mapped: tuple | None = None
            unmapped: _Refused | None = None
            try:
                target, payload = self._map_event(event, event_map)
                mapped = (event["at"], coder, event["action"], target, payload)
            except _Refused as why:
                unmapped = why
            if mapped in self.our_tuples:
                event_map[event["id"]] = self.our_tuples[mapped]
                report.count("events", "skipped")
                continue
            try:
                self._check_consistent(self._subject_of(event, by_id, True))
                if unmapped is not None:
                    raise unmapped
            except _Refused as why:
                report.count("events", "refused")
                report.detail("events", "refused",
                              f"event {event['id']} ({coder} {event['action']} {event['target']}): refused: {why}",
                              event=event["id"], action=event["action"], reason=str(why))  # fmt: skip
                continue
            assert mapped is not None
            new_id = self.conn.execute(
                "INSERT INTO events (at, coder, action, target, payload) VALUES (?, ?, ?, ?, ?)", mapped
            ).lastrowid
            assert new_id is not None
            event_map[event["id"]] = new_id
            self.our_tuples[mapped] = new_id
            report.count("events", "added")
        left = len(self.incoming.events) - considered
        if left:
            report.notes.append(
                f"{left} undo-history event(s) of coders with no codings or ratings there were left out"
            )

    def _check_consistent(self, subject: Subject | None) -> None:
        """Refuse an event about a thing that is not here as the other has it: its undo would act on something else."""
        if subject is None:
            return
        if subject[0] == "coding":
            coding_id = subject[1]
            if coding_id in self.mapped_rows:
                theirs = self.mapped_rows[coding_id]
                here_id = self.id_map.get(coding_id)
                if theirs is None:
                    raise _Refused("its coding did not come in")
                if here_id is None:
                    raise _Refused("its coding was removed in this project")
                if here_id != coding_id:  # the same coding under another id: take the other's history if ours has none
                    claimed = self.history_of.setdefault(here_id, coding_id)
                    if ("coding", here_id) in self.our_subjects or claimed != coding_id:
                        raise _Refused(f"the same coding is here as {here_id[:8]}, with its own history")
                here = self.our_rows[here_id]
                if any(here[f] != theirs[f] for f in _ROW_FIELDS):
                    raise _Refused("its coding differs here")
            elif coding_id in self.our_rows:
                raise _Refused("its coding was removed there but is here")
        elif subject[0] == "rating":
            case, code, facet = subject[1].split("/", 2)
            cell = self.our_ratings.get((case, code, facet, subject[2]))
            if subject in self.mapped_states:
                state = self.mapped_states[subject]
                if state is None or cell is None or cell["state"] != state:
                    raise _Refused("its rating cell differs here")
            elif cell is not None:
                raise _Refused("its rating cell was cleared there but is set here")
        elif subject[0] == "memo":
            text = self.our_memos.get(subject)
            if subject in self.mapped_memos:
                if text != self.mapped_memos[subject]:
                    raise _Refused("its memo differs here")
            elif text is not None:
                raise _Refused("its memo was deleted there but is here")
        elif subject[0] == "code":
            code_id = subject[1]
            exists = code_id in {c.id for c in self.codebook.codes()}
            there = any(self.code_map.get(c.key) == code_id for c in self.incoming.codes)
            if exists and code_id not in self.created_codes:
                raise _Refused("the code was here already")
            if there != exists:
                raise _Refused("the code is here but not there, or there but not here")

    def _map_event(self, event: Mapping[str, Any], event_map: Mapping[int, int]) -> tuple[str, str]:
        """The event's target and payload with this project's ids (documents, codes, codings, ratings, events)."""
        action = event["action"]
        try:
            payload = json.loads(event["payload"])
        except ValueError:
            raise _Refused("its payload is not JSON") from None
        target = event["target"]
        try:
            if action in ("code", "uncode"):
                payload["coding"] = self._map_row(payload["coding"])
                target = payload["coding"]["id"]
                if "evidence" in payload:
                    payload["evidence"] = [self.rating_map[r] for r in payload["evidence"] if r in self.rating_map]
            elif action in ("memo", "review"):
                target = payload["coding"] = self.id_map.get(payload["coding"], payload["coding"])
            elif action == "reattach":
                payload["before"] = self._map_row(payload["before"])
                payload["after"] = self._map_row(payload["after"])
                target = payload["after"]["id"]
            elif action in RATING_ACTIONS:
                target = self._map_rating(payload, target)
            elif action == MEMO_ACTION:
                memo = payload["memo"]
                mapped = self._memo_id(memo["type"], memo["id"])
                if mapped is None:
                    raise _Refused(f"its {memo['type']} did not come in")
                memo.update(id=mapped, author=self.rename(memo["author"]))
                target = target_label(memo["type"], mapped)
            elif action == "code.create":
                target = self.code_map.get(target, target)
                if payload.get("parent"):
                    payload["parent"] = self.code_map.get(payload["parent"], payload["parent"])
                if isinstance(payload.get("row"), dict):
                    row = payload["row"]
                    row["id"] = target
                    if row.get("parent_id"):
                        row["parent_id"] = self.code_map.get(row["parent_id"], row["parent_id"])
            elif action in ("undo", "redo"):
                if payload.get("event") not in event_map:
                    raise _Refused(f"the event it {action}s did not come in")
                payload["event"] = event_map[payload["event"]]
                if isinstance(payload.get("coding"), dict):  # an undone coding as it was then (history.py)
                    payload["coding"] = self._map_row(payload["coding"])
                    payload["evidence"] = [
                        self.rating_map[r] for r in payload.get("evidence", []) if r in self.rating_map
                    ]
                ref = self.conn.execute("SELECT target FROM events WHERE id = ?", (payload["event"],)).fetchone()
                target = ref[0] if ref else target
            else:
                raise _Refused(f"this qualcode cannot carry {action!r} events")
        except (KeyError, TypeError, AttributeError) as exc:
            raise _Refused(f"its payload lacks what this qualcode expects ({exc})") from None
        return target, json.dumps(payload, ensure_ascii=False)

    def _map_rating(self, payload: dict[str, Any], target: str) -> str:
        cell = payload.get("cell")
        case, _, rest = target.partition("/")
        code, _, facet = rest.partition("/")
        code = self.code_map.get(code, code)
        if isinstance(cell, dict):
            cell["code"] = self.code_map.get(cell["code"], cell["code"])
            cell["coder"] = self.rename(cell["coder"])
        for key in ("before", "after"):
            state = payload.get(key)
            if isinstance(state, dict) and isinstance(state.get("evidence"), list):
                state["evidence"] = [self.id_map.get(e, e) for e in state["evidence"]]
        if isinstance(payload.get("coding"), str):
            payload["coding"] = self.id_map.get(payload["coding"], payload["coding"])
        return f"{case}/{code}/{facet}"

    def _map_row(self, row: dict[str, Any]) -> dict[str, Any]:
        """A coding row recorded in an event, as it reads here: ids, coder, and offsets into a version here."""
        entry = self.docs.get(str(row["document_id"]))
        if entry is None:
            raise _Refused(f"its document {row['document_id']} is not in the other file")
        code_id = self.code_map.get(row["code_id"])
        if code_id is None:
            raise _Refused(f"its code {row['code_id']!r} is not in the other file")
        new = {**row, "id": self.id_map.get(row["id"], row["id"]), "document_id": entry.id, "code_id": code_id,
               "coder": self.rename(row["coder"])}  # fmt: skip
        if row.get("orphan_version") is not None:
            new["orphan_version"] = entry.versions.get(row["orphan_version"])
        version = row.get("version")
        if version is None:
            if entry.mode != "same":
                raise _Refused("it does not say which text of its document it was recorded on")
            return new
        if version in entry.versions:
            new["version"] = entry.versions[version]
            return new
        if row.get("orphaned"):
            new["version"] = self.documents.document(entry.id).version
            return new
        old = entry.incoming.versions.get(version)
        if old is None:
            raise _Refused(f"version {version} of its document is not in the other file")
        alignment = self.alignments.get((entry.incoming.key, version))
        if alignment is None:
            current = entry.incoming.text if entry.mode == "new" else self.documents.text(entry.id)
            alignment = self.alignments[(entry.incoming.key, version)] = Alignment(old, current)
        placed = alignment.place(row["start"], row["end"])
        if placed.status not in (KEPT, MOVED):
            raise _Refused(f"its text 「{shorten(old[row['start'] : row['end']])}」 is not in document {entry.id} here")
        here = self.documents.document(entry.id).version if entry.mode != "new" else 1
        new.update(start=placed.start, end=placed.end, version=here)
        return new
