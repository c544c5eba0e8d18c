"""Apply, remove and list codings, and undo/redo them through the append-only event log."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from qualcode.errors import BadInput, Conflict, NotFound
from qualcode.model import Coding
from qualcode.store import Store
from qualcode.timeutil import now

UNDOABLE = ("code", "uncode", "memo")

# The quoted text is sliced in Python from each document's text, fetched once: SQLite's substr() on
# UTF-8 text walks from the start of the text, which is quadratic over a long transcript's codings.
CODING_SELECT = """
SELECT c.id, c.document_id, d.case_id, c.code_id, c.coder, c.start, c."end", c.memo, c.created_at, c.updated_at
FROM codings c JOIN documents d ON d.id = c.document_id
"""


def _codings(store: Store, rows: list[tuple], texts: dict[int, str] | None = None) -> list[Coding]:
    """Rows of CODING_SELECT (plain tuples, in its column order) as Codings with their text."""
    texts = dict(texts or {})
    for document_id in {r[1] for r in rows} - set(texts):
        texts[document_id] = store.conn.execute("SELECT text FROM documents WHERE id = ?", (document_id,)).fetchone()[0]
    return [
        Coding(id, document_id, case_id, code_id, coder, start, end, texts[document_id][start:end], memo, created, updated)
        for id, document_id, case_id, code_id, coder, start, end, memo, created, updated in rows
    ]


def _tuples(store: Store, sql: str, params) -> list[tuple]:
    cursor = store.conn.cursor()
    cursor.row_factory = None
    return cursor.execute(sql, params).fetchall()


def log_event(store: Store, coder: str, action: str, target: str = "", payload: dict | None = None) -> int:
    cur = store.conn.execute(
        "INSERT INTO events (at, coder, action, target, payload) VALUES (?, ?, ?, ?, ?)",
        (now(), coder, action, target, json.dumps(payload or {}, ensure_ascii=False)),
    )
    return cur.lastrowid


def get(store: Store, coding_id: str) -> Coding:
    rows = _tuples(store, CODING_SELECT + " WHERE c.id = ?", (coding_id,))
    if not rows:
        raise NotFound(f"no coding with id {coding_id!r}")
    return _codings(store, rows)[0]


def find(store: Store, coding_id_prefix: str) -> Coding:
    """A coding by its id or an unambiguous prefix of it (at least 6 characters)."""
    rows = store.conn.execute("SELECT id FROM codings WHERE id = ?", (coding_id_prefix,)).fetchall()
    if not rows and len(coding_id_prefix) >= 6:
        rows = store.conn.execute(
            "SELECT id FROM codings WHERE id LIKE ? ESCAPE '\\' LIMIT 3", (_like_prefix(coding_id_prefix),)
        ).fetchall()
    if not rows:
        raise NotFound(f"no coding with id {coding_id_prefix!r}")
    if len(rows) > 1:
        raise BadInput(f"coding id {coding_id_prefix!r} is ambiguous; give more characters")
    return get(store, rows[0]["id"])


def _like_prefix(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def select(store: Store, *, document_id: int | None = None, code_ids: Iterable[str] | None = None,
           coder: str | None = None, case_id: str | None = None, texts: dict[int, str] | None = None) -> list[Coding]:
    where, params = [], []
    if document_id is not None:
        where.append("c.document_id = ?")
        params.append(document_id)
    if code_ids is not None:
        ids = list(code_ids)
        where.append(f"c.code_id IN ({','.join('?' * len(ids))})")
        params.extend(ids)
    if coder is not None:
        where.append("c.coder = ?")
        params.append(coder)
    if case_id is not None:
        where.append("d.case_id = ?")
        params.append(case_id)
    sql = CODING_SELECT + (" WHERE " + " AND ".join(where) if where else "")
    sql += " ORDER BY d.case_id, c.document_id, c.start, c.\"end\", c.created_at, c.id"
    return _codings(store, _tuples(store, sql, params), texts)


def apply(store: Store, *, document_id: int, code_id: str, coder: str, start: int, end: int, memo: str = "",
          case_id: str | None = None, text: str | None = None) -> Coding:
    """Insert one coding and log it, in one transaction. Given the document's case and text, the
    coding is returned without reading them back (they are long, and this is the hot path of coding)."""
    stamp = now()
    coding_id = str(uuid.uuid4())
    with store.transaction() as conn:
        exists = conn.execute(
            'SELECT id FROM codings WHERE document_id = ? AND code_id = ? AND coder = ? AND start = ? AND "end" = ?',
            (document_id, code_id, coder, start, end),
        ).fetchone()
        if exists:
            raise Conflict(f"{coder} already coded {start}:{end} with {code_id} (coding {exists['id']})")
        row = dict(id=coding_id, document_id=document_id, code_id=code_id, coder=coder, start=start, end=end,
                   memo=memo, created_at=stamp, updated_at=stamp)
        _insert(conn, row)
        log_event(store, coder, "code", coding_id, {"coding": row})
    if case_id is None or text is None:
        return get(store, coding_id)
    return Coding(coding_id, document_id, case_id, code_id, coder, start, end, text[start:end], memo, stamp, stamp)


def _insert(conn: sqlite3.Connection, row: dict) -> None:
    conn.execute(
        'INSERT INTO codings (id, document_id, code_id, coder, start, "end", memo, created_at, updated_at) '
        "VALUES (:id, :document_id, :code_id, :coder, :start, :end, :memo, :created_at, :updated_at)",
        row,
    )


def _row(coding: Coding) -> dict:
    return dict(id=coding.id, document_id=coding.document_id, code_id=coding.code_id, coder=coding.coder,
                start=coding.start, end=coding.end, memo=coding.memo, created_at=coding.created_at,
                updated_at=coding.updated_at)


def remove(store: Store, coding_id: str, coder: str) -> Coding:
    coding = find(store, coding_id)
    with store.transaction() as conn:
        evidence = [r[0] for r in conn.execute("SELECT rating_id FROM rating_evidence WHERE coding_id = ?", (coding.id,))]
        conn.execute("DELETE FROM codings WHERE id = ?", (coding.id,))
        log_event(store, coder, "uncode", coding.id, {"coding": _row(coding), "evidence": evidence})
    return coding


def set_memo(store: Store, coding_id: str, memo: str, coder: str) -> Coding:
    coding = find(store, coding_id)
    with store.transaction() as conn:
        conn.execute("UPDATE codings SET memo = ?, updated_at = ? WHERE id = ?", (memo, now(), coding.id))
        log_event(store, coder, "memo", coding.id, {"coding": coding.id, "old": coding.memo, "new": memo})
    return get(store, coding.id)


@dataclass(frozen=True)
class UndoResult:
    action: str  # the action undone or redone: code | uncode | memo
    coding_id: str
    description: str


def _stacks(store: Store, coder: str) -> tuple[list[sqlite3.Row], list[sqlite3.Row]]:
    """Replay the coder's log: the actions that can be undone, and those that can be redone, newest last."""
    undo: list[sqlite3.Row] = []
    redo: list[sqlite3.Row] = []
    by_id: dict[int, sqlite3.Row] = {}
    rows = store.conn.execute(
        "SELECT id, action, target, payload FROM events WHERE coder = ? AND action IN ('code', 'uncode', 'memo', 'undo', 'redo') ORDER BY id",
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


def undo(store: Store, coder: str) -> UndoResult:
    with store.transaction():
        stack, _ = _stacks(store, coder)
        if not stack:
            raise BadInput(f"nothing to undo for coder {coder!r}")
        event = stack[-1]
        description = _reverse(store, event)
        log_event(store, coder, "undo", event["target"], {"event": event["id"]})
    return UndoResult(event["action"], event["target"], "undid " + description)


def redo(store: Store, coder: str) -> UndoResult:
    with store.transaction():
        _, stack = _stacks(store, coder)
        if not stack:
            raise BadInput(f"nothing to redo for coder {coder!r}")
        event = stack[-1]
        description = _forward(store, event)
        log_event(store, coder, "redo", event["target"], {"event": event["id"]})
    return UndoResult(event["action"], event["target"], "redid " + description)


def _describe(payload: dict) -> str:
    c = payload["coding"]
    return f"{c['code_id']} on document {c['document_id']} {c['start']}:{c['end']}"


def _reverse(store: Store, event: sqlite3.Row) -> str:
    payload = json.loads(event["payload"])
    conn = store.conn
    if event["action"] == "code":
        conn.execute("DELETE FROM codings WHERE id = ?", (event["target"],))
        return "coding " + _describe(payload)
    if event["action"] == "uncode":
        _restore(conn, payload)
        return "removal of " + _describe(payload)
    conn.execute("UPDATE codings SET memo = ?, updated_at = ? WHERE id = ?", (payload["old"], now(), event["target"]))
    return f"memo change on coding {event['target']}"


def _forward(store: Store, event: sqlite3.Row) -> str:
    payload = json.loads(event["payload"])
    conn = store.conn
    if event["action"] == "code":
        _restore(conn, payload)
        return "coding " + _describe(payload)
    if event["action"] == "uncode":
        conn.execute("DELETE FROM codings WHERE id = ?", (event["target"],))
        return "removal of " + _describe(payload)
    conn.execute("UPDATE codings SET memo = ?, updated_at = ? WHERE id = ?", (payload["new"], now(), event["target"]))
    return f"memo change on coding {event['target']}"


def _restore(conn: sqlite3.Connection, payload: dict) -> None:
    row = payload["coding"]
    if conn.execute("SELECT 1 FROM codings WHERE id = ?", (row["id"],)).fetchone():
        return
    try:
        _insert(conn, row)
    except sqlite3.IntegrityError:
        raise Conflict(
            f"cannot restore coding {row['id']}: its document or code is gone, or the same span is coded again"
        ) from None
    for rating_id in payload.get("evidence", []):
        conn.execute("INSERT OR IGNORE INTO rating_evidence (rating_id, coding_id) SELECT id, ? FROM ratings WHERE id = ?",
                     (row["id"], rating_id))
