"""Codings: apply, remove, memo, re-attach, select and count them; and how their events are undone.

A coding is anchored (on the document's current text) or orphaned: a re-import removed its text, so it
keeps its old text and the document version its offsets refer to, and shows nowhere until it is
re-attached to a selection or removed. A coding that a re-import re-anchored to changed text is marked
for review. Undo and redo live in services/history.py, which calls `undo_handlers()`.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from qualcode.errors import BadInput, Conflict, NotFound
from qualcode.model import Coding
from qualcode.services.codebook import CodebookService
from qualcode.services.documents import DocumentService
from qualcode.services.events import EventLog
from qualcode.store import Store
from qualcode.timeutil import now

# The quoted text is sliced in Python from each document's text, fetched once: SQLite's substr() on
# UTF-8 text walks from the start of the text, which is quadratic over a long transcript's codings.
CODING_SELECT = """
SELECT c.id, c.document_id, d.case_id, c.code_id, c.coder, c.start, c."end", c.memo, c.created_at, c.updated_at,
       c.review, c.orphaned, c.orphan_text
FROM codings c JOIN documents d ON d.id = c.document_id
"""
COLUMNS = ("id", "document_id", "code_id", "coder", "start", "end", "memo", "created_at", "updated_at", "review",
           "orphaned", "orphan_text", "orphan_version")  # fmt: skip
ANCHORED = "c.orphaned = 0"
_ROW_SELECT = ", ".join('c."end"' if c == "end" else f"c.{c}" for c in COLUMNS)
_INSERT_COLUMNS = ", ".join('"end"' if c == "end" else c for c in COLUMNS)


def _like_prefix(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def describe(row: dict) -> str:
    return f"{row['code_id']} on document {row['document_id']} {row['start']}:{row['end']}"


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
        out = []
        texts: dict[int, str] = {}  # each document's text fetched once (a PRAGMA per call: 5,000 codings, 40 ms)
        for id, document_id, case_id, code_id, coder, start, end, memo, created, updated, review, orphaned, old in rows:
            if orphaned:
                text = old
            else:
                whole = texts.get(document_id)
                if whole is None:
                    whole = texts[document_id] = self._documents.text(document_id)
                text = whole[start:end]
            out.append(Coding(id, document_id, case_id, code_id, coder, start, end, text, memo, created, updated,
                              bool(review), bool(orphaned)))  # fmt: skip
        return out

    def row(self, coding_id: str) -> dict[str, Any]:
        """A coding's stored row (what an event records to restore it), with its document's version."""
        found = self._conn.execute(
            f"SELECT {_ROW_SELECT}, d.version FROM codings c JOIN documents d ON d.id = c.document_id WHERE c.id = ?",
            (coding_id,),
        ).fetchone()
        if found is None:
            raise NotFound(f"no coding with id {coding_id!r}")
        return dict(zip((*COLUMNS, "version"), tuple(found), strict=True))

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

    def exists(self, coding_id: str) -> bool:
        return self._conn.execute("SELECT 1 FROM codings WHERE id = ?", (coding_id,)).fetchone() is not None

    def select(
        self,
        *,
        document: str | int | None = None,
        code: str | None = None,
        coder: str | None = None,
        case: str | None = None,
        include_descendants: bool = False,
        orphaned: bool | None = False,
        review: bool | None = None,
    ) -> list[Coding]:
        """Codings in document order, filtered by document, code (and its descendants), coder and case.

        Anchored codings only, by default; `orphaned=True` gives the orphaned ones, `orphaned=None` both.
        `review=True` gives those marked for review.
        """
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
        if orphaned is not None:
            where.append(f"c.orphaned = {int(orphaned)}")
        if review is not None:
            where.append(f"c.review = {int(review)}")
        sql = CODING_SELECT + (" WHERE " + " AND ".join(where) if where else "")
        sql += ' ORDER BY d.case_id, c.document_id, c.start, c."end", c.created_at, c.id'
        return self._codings(self._tuples(sql, params))

    def spans(
        self, *, code_ids: Iterable[str] | None = None, coder: str | None = None, cases: Sequence[str] = ()
    ) -> list[tuple[str, int, int, int]]:
        """(coding id, document id, start, end) of the matching anchored codings, in document order (for search)."""
        where: list[str] = [ANCHORED]
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
        sql += " WHERE " + " AND ".join(where)
        return self._tuples(sql + ' ORDER BY c.document_id, c.start, c."end", c.id', params)

    def spans_by_coder(self, *, code_ids: Sequence[str], coders: Sequence[str]) -> list[tuple[str, int, int, int, str]]:
        """(coding id, document id, start, end, coder) of the anchored codings of these codes by these coders."""
        if not code_ids or not coders:
            return []
        sql = (
            'SELECT c.id, c.document_id, c.start, c."end", c.coder FROM codings c '
            f"WHERE {ANCHORED} AND c.code_id IN ({','.join('?' * len(code_ids))}) "
            f"AND c.coder IN ({','.join('?' * len(coders))}) ORDER BY c.document_id, c.start"
        )
        return self._tuples(sql, [*code_ids, *coders])

    def codes_in_span(self, document_id: int, start: int, end: int) -> list[str]:
        """The codes of the anchored codings that overlap [start, end), in codebook order."""
        rows = self._conn.execute(
            "SELECT DISTINCT c.code_id FROM codings c JOIN codes k ON k.id = c.code_id "
            f'WHERE c.document_id = ? AND c.start < ? AND c."end" > ? AND {ANCHORED} ORDER BY k.position',
            (document_id, end, start),
        )
        return [r[0] for r in rows]

    def counts(self, coder: str | None = None) -> dict[str, int]:
        """Anchored codings per code (each code's own, not its descendants')."""
        sql, params = f"SELECT c.code_id, count(*) FROM codings c WHERE {ANCHORED}", tuple[str, ...]()
        if coder is not None:
            sql, params = sql + " AND c.coder = ?", (coder,)
        return {r[0]: r[1] for r in self._conn.execute(sql + " GROUP BY c.code_id", params)}

    def passage_counts(self, coder: str | None = None) -> dict[str, int]:
        """Per code, the coded passages of it and every code below it, each passage (document, start, end)
        counted once however many of those codes it carries: what a parent's figure means."""
        sql = (
            "WITH RECURSIVE up(code_id, ancestor) AS ("
            " SELECT id, id FROM codes UNION"
            " SELECT up.code_id, codes.parent_id FROM up JOIN codes ON codes.id = up.ancestor"
            " WHERE codes.parent_id IS NOT NULL)"
            " SELECT up.ancestor, count(DISTINCT c.document_id || ':' || c.start || ':' || c.end)"
            f" FROM codings c JOIN up ON up.code_id = c.code_id WHERE {ANCHORED}"
        )
        params: tuple[str, ...] = ()
        if coder is not None:
            sql, params = sql + " AND c.coder = ?", (coder,)
        return {r[0]: r[1] for r in self._conn.execute(sql + " GROUP BY up.ancestor", params)}

    def counts_by_case(self) -> dict[tuple[str, str], int]:
        """Anchored codings per (code, case), each code's own."""
        rows = self._conn.execute(
            "SELECT c.code_id, d.case_id, count(*) FROM codings c JOIN documents d ON d.id = c.document_id "
            f"WHERE {ANCHORED} GROUP BY 1, 2"
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
        provenance: str | None = None,
    ) -> Coding:
        """Code a span of a document, given as offsets, a quote, a turn, or a sentence of a turn.

        `provenance` says where the coding came from when not typed in by hand (e.g. "suggested": a suggestion
        of services/suggest.py the coder accepted); the `code` event records it."""
        doc = self._documents.document(document)
        self._codebook.code(code_id)
        start, end = self._documents.locate(doc, span=span, quote=quote, turn=turn, sentence=sentence)
        return self.add(doc.id, code_id, coder, start, end, memo=memo, case_id=doc.case_id, provenance=provenance)

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
        provenance: str | None = None,
    ) -> Coding:
        """Insert one coding and log it, in one transaction (offsets already checked against the document).

        `undoable=False` logs no `code` event, so the coder's undo does not remove it: for an import, whose
        caller logs one event for the whole import. Given the document's case, the coding is returned without
        reading it back: this is the hot path of coding, and a long transcript's text is already cached.
        """
        stamp = created_at or now()
        coding_id = coding_id or str(uuid.uuid4())
        with self._store.transaction():
            self._refuse_duplicate(document_id, code_id, coder, start, end)
            row = {"id": coding_id, "document_id": document_id, "code_id": code_id, "coder": coder, "start": start,
                   "end": end, "memo": memo, "created_at": stamp, "updated_at": stamp}  # fmt: skip
            try:
                self.insert(row)
            except sqlite3.IntegrityError as exc:
                raise Conflict(f"cannot add coding {coding_id}: {exc}") from None
            if undoable:
                payload: dict[str, Any] = {"coding": self.row(coding_id)}
                if provenance:
                    payload["provenance"] = provenance
                self._log.log(coder, "code", coding_id, payload)
        if case_id is None:
            return self.get(coding_id)
        text = self._documents.text(document_id)[start:end]
        return Coding(coding_id, document_id, case_id, code_id, coder, start, end, text, memo, stamp, stamp)

    def _refuse_duplicate(self, document_id: int, code_id: str, coder: str, start: int, end: int) -> None:
        exists = self._conn.execute(
            'SELECT id FROM codings WHERE document_id = ? AND code_id = ? AND coder = ? AND start = ? AND "end" = ? '
            "AND orphaned = 0",
            (document_id, code_id, coder, start, end),
        ).fetchone()
        if exists:
            raise Conflict(f"{coder} already coded {start}:{end} with {code_id} (coding {exists['id']})")

    def insert(self, row: dict[str, Any]) -> None:
        """Insert a stored row as it is (inside the caller's transaction): for imports and undo."""
        values = {column: row.get(column) for column in COLUMNS}
        values.update(review=int(row.get("review") or 0), orphaned=int(row.get("orphaned") or 0),
                      orphan_text=row.get("orphan_text") or "")  # fmt: skip
        self._conn.execute(
            f"INSERT INTO codings ({_INSERT_COLUMNS}) VALUES ({', '.join(':' + c for c in COLUMNS)})",
            values,
        )

    def update_anchor(self, coding_id: str, start: int, end: int, *, review: bool, orphaned: bool = False,
                      orphan_text: str = "", orphan_version: int | None = None) -> None:  # fmt: skip
        """Set where a coding sits (inside the caller's transaction): for re-imports, re-attaching and undo."""
        self._conn.execute(
            'UPDATE codings SET start = ?, "end" = ?, review = ?, orphaned = ?, orphan_text = ?, orphan_version = ?, '
            "updated_at = ? WHERE id = ?",
            (start, end, int(review), int(orphaned), orphan_text, orphan_version, now(), coding_id),
        )

    def remove(self, coding_id: str, coder: str) -> Coding:
        """Remove a coding; its rating-evidence links are kept in the event so undo restores them."""
        coding = self.get(coding_id)
        with self._store.transaction() as conn:
            removed = self.as_removed(coding.id)
            conn.execute("DELETE FROM codings WHERE id = ?", (coding.id,))
            self._log.log(coder, "uncode", coding.id, removed)
        return coding

    def as_removed(self, coding_id: str) -> dict[str, Any]:
        """What an event records of a coding it removes, to put it back as it was: its row, its text and its
        rating-evidence links (an uncode event; an undo of the coding, services/history.py)."""
        evidence = [r[0] for r in self._conn.execute("SELECT rating_id FROM rating_evidence WHERE coding_id = ?",
                                                     (coding_id,))]  # fmt: skip
        return {"coding": self.row(coding_id), "text": self.get(coding_id).text, "evidence": evidence}

    def set_memo(self, coding_id: str, memo: str, coder: str) -> Coding:
        coding = self.get(coding_id)
        with self._store.transaction() as conn:
            conn.execute("UPDATE codings SET memo = ?, updated_at = ? WHERE id = ?", (memo, now(), coding.id))
            self._log.log(coder, "memo", coding.id, {"coding": coding.id, "old": coding.memo, "new": memo})
        return self.get(coding.id)

    def reattach(self, coding_id: str, start: int, end: int, coder: str) -> Coding:
        """Put an orphaned (or re-anchored) coding on a span of its document's current text; clears review."""
        coding = self.get(coding_id)
        document = self._documents.document(coding.document_id)
        start, end = self._documents.locate(document, span=(start, end))
        with self._store.transaction():
            self._refuse_duplicate(document.id, coding.code_id, coding.coder, start, end)
            before = self.row(coding.id)
            self.update_anchor(coding.id, start, end, review=False)
            self._log.log(coder, "reattach", coding.id, {"before": before, "after": self.row(coding.id)})
        return self.get(coding.id)

    def confirm(self, coding_id: str, coder: str) -> Coding:
        """Clear a re-anchored coding's review mark: the coder checked it."""
        coding = self.get(coding_id)
        if coding.orphaned:
            raise BadInput(f"coding {coding.id} is orphaned: re-attach it to a selection, or remove it")
        with self._store.transaction() as conn:
            conn.execute("UPDATE codings SET review = 0, updated_at = ? WHERE id = ?", (now(), coding.id))
            self._log.log(coder, "review", coding.id, {"coding": coding.id, "old": int(coding.review), "new": 0})
        return self.get(coding.id)

    def adjudicate(
        self, key: dict[str, Any], spans: list[tuple[int, int]], consensus: str, decision: str
    ) -> list[Coding]:
        """Write a decision on a disagreement as codings of the consensus coder, in one transaction and one
        undoable `adjudicate` event (logged as the consensus coder); spans it already has are not added twice."""
        document = self._documents.document(key["document"])
        self._codebook.code(key["code"])
        added = []
        with self._store.transaction():
            for start, end in spans:
                start, end = self._documents.locate(document, span=(start, end))
                exists = self._conn.execute(
                    'SELECT 1 FROM codings WHERE document_id = ? AND code_id = ? AND coder = ? AND start = ? AND "end" = ? '
                    "AND orphaned = 0",
                    (document.id, key["code"], consensus, start, end),
                ).fetchone()
                if not exists:
                    added.append(self.add(document.id, key["code"], consensus, start, end, case_id=document.case_id,
                                          undoable=False))  # fmt: skip
            rows = [self.row(c.id) for c in added]
            self._log.log(consensus, "adjudicate", f"{key['code']}/{document.id}/{key['start']}:{key['end']}",
                          {"unit": key, "decision": decision, "codings": rows, "texts": [c.text for c in added]})  # fmt: skip
        return added

    # -- a re-imported text --------------------------------------------------------------------------
    def carry(self, document_id: int, old: str, new: str, old_version: int) -> dict[str, int]:
        """Carry a document's codings from its old text to its new one (inside the re-import's transaction).

        Unchanged text keeps its coding (kept, or moved to new offsets); a little changed text is re-anchored to
        the best match and marked for review; a coding whose text is gone becomes orphaned with its old text. An
        orphan whose text appears once in the new text is re-anchored too. Returns the count of each.
        """
        from qualcode.align import KEPT, MOVED, ORPHANED, REANCHORED, Alignment

        alignment = Alignment(old, new)
        rows = self._conn.execute(
            'SELECT id, code_id, coder, start, "end", review, orphaned, orphan_text, orphan_version FROM codings '
            'WHERE document_id = ? ORDER BY orphaned, start, "end", id',
            (document_id,),
        ).fetchall()
        counts = {KEPT: 0, MOVED: 0, REANCHORED: 0, ORPHANED: 0}
        taken: set[tuple[str, str, int, int]] = set()
        updates: list[tuple[int, int, int, int, str, int | None, str]] = []
        for row in rows:
            if row["orphaned"]:
                found = new.find(row["orphan_text"]) if len(row["orphan_text"].strip()) >= 2 else -1
                unique = found != -1 and new.find(row["orphan_text"], found + 1) == -1
                key = (row["code_id"], row["coder"], found, found + len(row["orphan_text"]))
                if unique and key not in taken:
                    taken.add(key)
                    updates.append((found, key[3], 1, 0, "", None, row["id"]))
                    counts[REANCHORED] += 1
                else:
                    updates.append(
                        (row["start"], row["end"], 0, 1, row["orphan_text"], row["orphan_version"], row["id"])
                    )
                    counts[ORPHANED] += 1
                continue
            placed = alignment.place(row["start"], row["end"])
            key = (row["code_id"], row["coder"], placed.start, placed.end)
            if placed.status == ORPHANED or key in taken:
                text = old[row["start"] : row["end"]]
                updates.append((row["start"], row["end"], 0, 1, text, old_version, row["id"]))
                counts[ORPHANED] += 1
                continue
            taken.add(key)
            review = 1 if placed.status == REANCHORED else row["review"]
            updates.append((placed.start, placed.end, review, 0, "", None, row["id"]))
            counts[placed.status] += 1
        # Lift them all out of the unique index first: a coding may move onto where another one sat.
        self._conn.execute("UPDATE codings SET orphaned = 1 WHERE document_id = ?", (document_id,))
        self._conn.executemany(
            'UPDATE codings SET start = ?, "end" = ?, review = ?, orphaned = ?, orphan_text = ?, orphan_version = ? '
            "WHERE id = ?",
            updates,
        )
        return counts

    # -- undo ------------------------------------------------------------------------------------
    def undo_handlers(self, restore: Callable[[dict, str | None], dict]) -> dict[str, tuple[Callable, Callable]]:
        """For services/history.py: (reverse, forward) of each coding action, given the payload and event id.

        `restore(row, text)` puts a recorded coding back, carried to the document's current version, and
        returns the row as restored (history.py owns that, since it needs the alignment of versions).
        """

        def delete(payload: dict) -> None:
            self._conn.execute("DELETE FROM codings WHERE id = ?", (payload["coding"]["id"],))

        def restore_coding(payload: dict) -> None:
            row = restore(payload["coding"], payload.get("text"))
            for rating_id in payload.get("evidence", []):
                self._conn.execute(
                    "INSERT OR IGNORE INTO rating_evidence (rating_id, coding_id) SELECT id, ? FROM ratings WHERE id = ?",
                    (row["id"], rating_id),
                )

        def remove_all(payload: dict) -> None:
            for row in payload["codings"]:
                self._conn.execute("DELETE FROM codings WHERE id = ?", (row["id"],))

        def restore_all(payload: dict) -> None:
            for row, text in zip(payload["codings"], payload["texts"], strict=True):
                restore(row, text)

        def memo(key: str) -> Callable[[dict], None]:
            def apply(payload: dict) -> None:
                self._conn.execute("UPDATE codings SET memo = ?, updated_at = ? WHERE id = ?",
                                   (payload[key], now(), payload["coding"]))  # fmt: skip

            return apply

        def review(key: str) -> Callable[[dict], None]:
            def apply(payload: dict) -> None:
                self._conn.execute("UPDATE codings SET review = ? WHERE id = ?", (payload[key], payload["coding"]))

            return apply

        def anchor(key: str) -> Callable[[dict], None]:
            def apply(payload: dict) -> None:
                row = payload[key]
                if not row["orphaned"] and self._documents.document(row["document_id"]).version != row["version"]:
                    raise Conflict(f"cannot move coding {row['id']} back: document {row['document_id']} was "
                                   "re-imported since; nothing changed")  # fmt: skip
                self.update_anchor(row["id"], row["start"], row["end"], review=bool(row["review"]),
                                   orphaned=bool(row["orphaned"]), orphan_text=row["orphan_text"],
                                   orphan_version=row["orphan_version"])  # fmt: skip

            return apply

        return {
            "code": (delete, restore_coding),
            "uncode": (restore_coding, delete),
            "memo": (memo("old"), memo("new")),
            "review": (review("old"), review("new")),
            "reattach": (anchor("before"), anchor("after")),
            "adjudicate": (remove_all, restore_all),
        }
