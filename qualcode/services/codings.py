"""Codings: apply, remove, memo, select and count them, and undo/redo through the append-only event log.

Undo/redo does not mark rows: a coder's undo and redo stacks are rebuilt by replaying that coder's
`code`/`uncode`/`memo`/`undo`/`redo` events, so they survive restarts and one coder's undo never
touches another's work.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from qualcode.errors import BadInput, Conflict, NotFound
from qualcode.model import Coding
from qualcode.services.codebook import CodebookService
from qualcode.services.documents import DocumentService
from qualcode.services.events import EventLog
from qualcode.store import Store
from qualcode.timeutil import now

UNDOABLE = ("code", "uncode", "memo")

# The quoted text is sliced in Python from each document's text, fetched once: SQLite's substr() on
# UTF-8 text walks from the start of the text, which is quadratic over a long transcript's codings.
CODING_SELECT = """
SELECT c.id, c.document_id, d.case_id, c.code_id, c.coder, c.start, c."end", c.memo, c.created_at, c.updated_at
FROM codings c JOIN documents d ON d.id = c.document_id
"""


@dataclass(frozen=True)
class UndoResult:
    action: str  # the action undone or redone: code | uncode | memo
    coding_id: str
    description: str


def _like_prefix(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _row(coding: Coding) -> dict[str, Any]:
    return {
        "id": coding.id,
        "document_id": coding.document_id,
        "code_id": coding.code_id,
        "coder": coding.coder,
        "start": coding.start,
        "end": coding.end,
        "memo": coding.memo,
        "created_at": coding.created_at,
        "updated_at": coding.updated_at,
    }


def _describe(payload: dict) -> str:
    c = payload["coding"]
    return f"{c['code_id']} on document {c['document_id']} {c['start']}:{c['end']}"


class CodingService:
    def __init__(self, store: Store, log: EventLog, documents: DocumentService, codebook: CodebookService):
        self._store = store
        self._log = log
        self._documents = documents
        self._codebook = codebook

    @property
    def _conn(self) -> sqlite3.Connection:
        return self._store.conn

    def _tuples(self, sql: str, params: Sequence[Any]) -> list[tuple]:
        cursor = self._conn.cursor()
        cursor.row_factory = None
        return cursor.execute(sql, params).fetchall()

    def _codings(self, rows: list[tuple]) -> list[Coding]:
        """Rows of CODING_SELECT (plain tuples, in its column order) as Codings with their text."""
        return [
            Coding(
                id,
                document_id,
                case_id,
                code_id,
                coder,
                start,
                end,
                self._documents.text(document_id)[start:end],
                memo,
                created,
                updated,
            )
            for id, document_id, case_id, code_id, coder, start, end, memo, created, updated in rows
        ]

    # -- reading ---------------------------------------------------------------------------------
    def get(self, coding_id: str) -> Coding:
        """A coding by its id or an unambiguous prefix of it (at least 6 characters)."""
        rows = self._conn.execute("SELECT id FROM codings WHERE id = ?", (coding_id,)).fetchall()
        if not rows and len(coding_id) >= 6:
            rows = self._conn.execute(
                "SELECT id FROM codings WHERE id LIKE ? ESCAPE '\\' LIMIT 3", (_like_prefix(coding_id),)
            ).fetchall()
        if not rows:
            raise NotFound(f"no coding with id {coding_id!r}")
        if len(rows) > 1:
            raise BadInput(f"coding id {coding_id!r} is ambiguous; give more characters")
        return self._codings(self._tuples(CODING_SELECT + " WHERE c.id = ?", (rows[0]["id"],)))[0]

    def select(
        self,
        *,
        document: str | int | None = None,
        code: str | None = None,
        coder: str | None = None,
        case: str | None = None,
        include_descendants: bool = False,
    ) -> list[Coding]:
        """Codings in document order, filtered by document, code (and its descendants), coder and case."""
        where: list[str] = []
        params: list[Any] = []
        if document is not None:
            where.append("c.document_id = ?")
            params.append(self._documents.document(document).id)
        if code is not None:
            ids = self._codebook.descendants(code) if include_descendants else [self._codebook.code(code).id]
            where.append(f"c.code_id IN ({','.join('?' * len(ids))})")
            params.extend(ids)
        if coder is not None:
            where.append("c.coder = ?")
            params.append(coder)
        if case is not None:
            self._documents.case(case)
            where.append("d.case_id = ?")
            params.append(case)
        sql = CODING_SELECT + (" WHERE " + " AND ".join(where) if where else "")
        sql += ' ORDER BY d.case_id, c.document_id, c.start, c."end", c.created_at, c.id'
        return self._codings(self._tuples(sql, params))

    def spans(
        self, *, code_ids: Iterable[str] | None = None, coder: str | None = None, cases: Sequence[str] = ()
    ) -> list[tuple[str, int, int, int]]:
        """(coding id, document id, start, end) of the matching codings, in document order (for search)."""
        where: list[str] = []
        params: list[Any] = []
        if code_ids is not None:
            ids = list(code_ids)
            where.append(f"c.code_id IN ({','.join('?' * len(ids))})")
            params.extend(ids)
        if coder is not None:
            where.append("c.coder = ?")
            params.append(coder)
        if cases:
            where.append(f"d.case_id IN ({','.join('?' * len(cases))})")
            params.extend(cases)
        sql = 'SELECT c.id, c.document_id, c.start, c."end" FROM codings c JOIN documents d ON d.id = c.document_id'
        if where:
            sql += " WHERE " + " AND ".join(where)
        return self._tuples(sql + ' ORDER BY c.document_id, c.start, c."end", c.id', params)

    def codes_in_span(self, document_id: int, start: int, end: int) -> list[str]:
        """The codes of the codings that overlap [start, end), in codebook order."""
        rows = self._conn.execute(
            "SELECT DISTINCT c.code_id FROM codings c JOIN codes k ON k.id = c.code_id "
            'WHERE c.document_id = ? AND c.start < ? AND c."end" > ? ORDER BY k.position',
            (document_id, end, start),
        )
        return [r[0] for r in rows]

    def counts(self, coder: str | None = None) -> dict[str, int]:
        """Codings per code (each code's own, not its descendants')."""
        sql, params = "SELECT code_id, count(*) FROM codings", tuple[str, ...]()
        if coder is not None:
            sql, params = sql + " WHERE coder = ?", (coder,)
        return {r[0]: r[1] for r in self._conn.execute(sql + " GROUP BY code_id", params)}

    def counts_by_case(self) -> dict[tuple[str, str], int]:
        """Codings per (code, case), each code's own."""
        rows = self._conn.execute(
            "SELECT c.code_id, d.case_id, count(*) FROM codings c JOIN documents d ON d.id = c.document_id GROUP BY 1, 2"
        )
        return {(code_id, case_id): n for code_id, case_id, n in rows}

    def coders(self) -> list[str]:
        return [r[0] for r in self._conn.execute("SELECT DISTINCT coder FROM codings ORDER BY coder")]

    # -- changing --------------------------------------------------------------------------------
    def apply(
        self,
        document: str | int,
        code_id: str,
        coder: str,
        *,
        span: str | tuple[int, int] | None = None,
        quote: str | None = None,
        turn: int | None = None,
        sentence: int | None = None,
        memo: str = "",
    ) -> Coding:
        """Code a span of a document, given as offsets, a quote, a turn, or a sentence of a turn."""
        doc = self._documents.document(document)
        self._codebook.code(code_id)
        start, end = self._documents.locate(doc, span=span, quote=quote, turn=turn, sentence=sentence)
        return self.add(doc.id, code_id, coder, start, end, memo=memo, case_id=doc.case_id)

    def add(
        self,
        document_id: int,
        code_id: str,
        coder: str,
        start: int,
        end: int,
        *,
        memo: str = "",
        coding_id: str | None = None,
        created_at: str | None = None,
        case_id: str | None = None,
        undoable: bool = True,
    ) -> Coding:
        """Insert one coding and log it, in one transaction (offsets already checked against the document).

        `undoable=False` logs no `code` event, so the coder's undo does not remove it: for an import, whose
        caller logs one event for the whole import. Given the document's case, the coding is returned without
        reading it back: this is the hot path of coding, and a long transcript's text is already cached.
        """
        stamp = created_at or now()
        coding_id = coding_id or str(uuid.uuid4())
        with self._store.transaction() as conn:
            exists = conn.execute(
                'SELECT id FROM codings WHERE document_id = ? AND code_id = ? AND coder = ? AND start = ? AND "end" = ?',
                (document_id, code_id, coder, start, end),
            ).fetchone()
            if exists:
                raise Conflict(f"{coder} already coded {start}:{end} with {code_id} (coding {exists['id']})")
            row = {
                "id": coding_id,
                "document_id": document_id,
                "code_id": code_id,
                "coder": coder,
                "start": start,
                "end": end,
                "memo": memo,
                "created_at": stamp,
                "updated_at": stamp,
            }
            try:
                self._insert(row)
            except sqlite3.IntegrityError as exc:
                raise Conflict(f"cannot add coding {coding_id}: {exc}") from None
            if undoable:
                self._log.log(coder, "code", coding_id, {"coding": row})
        if case_id is None:
            return self.get(coding_id)
        text = self._documents.text(document_id)[start:end]
        return Coding(coding_id, document_id, case_id, code_id, coder, start, end, text, memo, stamp, stamp)

    def exists(self, coding_id: str) -> bool:
        return self._conn.execute("SELECT 1 FROM codings WHERE id = ?", (coding_id,)).fetchone() is not None

    def _insert(self, row: dict[str, Any]) -> None:
        self._conn.execute(
            'INSERT INTO codings (id, document_id, code_id, coder, start, "end", memo, created_at, updated_at) '
            "VALUES (:id, :document_id, :code_id, :coder, :start, :end, :memo, :created_at, :updated_at)",
            row,
        )

    def remove(self, coding_id: str, coder: str) -> Coding:
        """Remove a coding; its rating-evidence links are kept in the event so undo restores them."""
        coding = self.get(coding_id)
        with self._store.transaction() as conn:
            evidence = [
                r[0] for r in conn.execute("SELECT rating_id FROM rating_evidence WHERE coding_id = ?", (coding.id,))
            ]
            conn.execute("DELETE FROM codings WHERE id = ?", (coding.id,))
            self._log.log(coder, "uncode", coding.id, {"coding": _row(coding), "evidence": evidence})
        return coding

    def set_memo(self, coding_id: str, memo: str, coder: str) -> Coding:
        coding = self.get(coding_id)
        with self._store.transaction() as conn:
            conn.execute("UPDATE codings SET memo = ?, updated_at = ? WHERE id = ?", (memo, now(), coding.id))
            self._log.log(coder, "memo", coding.id, {"coding": coding.id, "old": coding.memo, "new": memo})
        return self.get(coding.id)

    # -- undo and redo ---------------------------------------------------------------------------
    def _stacks(self, coder: str) -> tuple[list[sqlite3.Row], list[sqlite3.Row]]:
        """Replay the coder's log: the actions that can be undone, and those that can be redone, newest last."""
        undo: list[sqlite3.Row] = []
        redo: list[sqlite3.Row] = []
        by_id: dict[int, sqlite3.Row] = {}
        rows = self._conn.execute(
            "SELECT id, action, target, payload FROM events "
            "WHERE coder = ? AND action IN ('code', 'uncode', 'memo', 'undo', 'redo') ORDER BY id",
            (coder,),
        )
        for row in rows:
            if row["action"] in UNDOABLE:
                by_id[row["id"]] = row
                undo.append(row)
                redo.clear()
            else:
                target = by_id.get(json.loads(row["payload"])["event"])
                source, dest = (undo, redo) if row["action"] == "undo" else (redo, undo)
                if target is not None and source and source[-1]["id"] == target["id"]:
                    dest.append(source.pop())
        return undo, redo

    def undo(self, coder: str) -> UndoResult:
        """Undo the coder's last coding action (code, uncode or memo)."""
        with self._store.transaction():
            stack, _ = self._stacks(coder)
            if not stack:
                raise BadInput(f"nothing to undo for coder {coder!r}")
            event = stack[-1]
            description = self._reverse(event)
            self._log.log(coder, "undo", event["target"], {"event": event["id"]})
        return UndoResult(event["action"], event["target"], "undid " + description)

    def redo(self, coder: str) -> UndoResult:
        """Redo the coder's last undone action."""
        with self._store.transaction():
            _, stack = self._stacks(coder)
            if not stack:
                raise BadInput(f"nothing to redo for coder {coder!r}")
            event = stack[-1]
            description = self._forward(event)
            self._log.log(coder, "redo", event["target"], {"event": event["id"]})
        return UndoResult(event["action"], event["target"], "redid " + description)

    def _reverse(self, event: sqlite3.Row) -> str:
        payload = json.loads(event["payload"])
        if event["action"] == "code":
            self._conn.execute("DELETE FROM codings WHERE id = ?", (event["target"],))
            return "coding " + _describe(payload)
        if event["action"] == "uncode":
            self._restore(payload)
            return "removal of " + _describe(payload)
        self._conn.execute(
            "UPDATE codings SET memo = ?, updated_at = ? WHERE id = ?", (payload["old"], now(), event["target"])
        )
        return f"memo change on coding {event['target']}"

    def _forward(self, event: sqlite3.Row) -> str:
        payload = json.loads(event["payload"])
        if event["action"] == "code":
            self._restore(payload)
            return "coding " + _describe(payload)
        if event["action"] == "uncode":
            self._conn.execute("DELETE FROM codings WHERE id = ?", (event["target"],))
            return "removal of " + _describe(payload)
        self._conn.execute(
            "UPDATE codings SET memo = ?, updated_at = ? WHERE id = ?", (payload["new"], now(), event["target"])
        )
        return f"memo change on coding {event['target']}"

    def _restore(self, payload: dict) -> None:
        row = payload["coding"]
        if self.exists(row["id"]):
            return
        try:
            self._insert(row)
        except sqlite3.IntegrityError:
            raise Conflict(
                f"cannot restore coding {row['id']}: its document or code is gone, or the same span is coded again"
            ) from None
        for rating_id in payload.get("evidence", []):
            self._conn.execute(
                "INSERT OR IGNORE INTO rating_evidence (rating_id, coding_id) SELECT id, ? FROM ratings WHERE id = ?",
                (row["id"], rating_id),
            )
