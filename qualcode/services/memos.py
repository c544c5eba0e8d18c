"""Memos on the project, a document, a case or a code (a coding's memo is on the coding: services/codings.py).

One memo per target and author: `set` replaces the author's memo on that target, and empty (or blank) text
deletes it, so two coders never overwrite each other's notes and each one's undo touches only their own.
Targets are checked (an unknown document, case or code is one line); a document is named as the CLI names
it (its id, its case's id when the case has one document, or its title) and stored by its id.

Each change is one transaction and one `memo.set` event with the memo's state before and after it, which
services/history.py replays for undo and redo (`undo_handlers()`) and services/merge.py carries.
"""

from __future__ import annotations

import builtins
import sqlite3
from collections.abc import Callable
from typing import Any

from qualcode.errors import BadInput, Conflict, NotFound
from qualcode.model import Memo
from qualcode.services.codebook import CodebookService
from qualcode.services.documents import DocumentService
from qualcode.services.events import EventLog
from qualcode.store import Store
from qualcode.timeutil import now

TARGET_TYPES = ("project", "document", "case", "code")
ACTION = "memo.set"


def target_label(target_type: str, target_id: str) -> str:
    """What a memo is about, as the event log and messages name it: `project`, `case A`, `document 3`, `code budget`."""
    return "project" if target_type == "project" else f"{target_type} {target_id}"


def exchange_key(target_type: str, target_id: str, author: str) -> str:
    """A memo's local id in exchange_guids (kind `memo`): its note's GUID in a REFI-QDA file."""
    return f"{target_type}:{target_id}:{author}"


class MemoService:
    def __init__(self, store: Store, log: EventLog, documents: DocumentService, codebook: CodebookService):
        self._store = store
        self._log = log
        self._documents = documents
        self._codebook = codebook

    @property
    def _conn(self) -> sqlite3.Connection:
        return self._store.conn

    # -- targets ---------------------------------------------------------------------------------
    def target(self, target_type: str, target_id: str | int | None = None) -> tuple[str, str]:
        """(type, id) of an existing target as stored: a document by its id; refused with one line otherwise."""
        if target_type not in TARGET_TYPES:
            raise BadInput(f"unknown memo target {target_type!r} (use {', '.join(TARGET_TYPES)})")
        ref = "" if target_id is None else str(target_id)
        if target_type == "project":
            if ref:
                raise BadInput(f"a project memo has no target id (got {ref!r})")
            return "project", ""
        if not ref.strip():
            raise BadInput(f"a {target_type} memo needs the {target_type}'s id")
        if target_type == "document":
            return "document", str(self._documents.document(ref).id)
        if target_type == "case":
            return "case", self._documents.case(ref).id
        return "code", self._codebook.code(ref).id

    def exists(self, target_type: str, target_id: str) -> bool:
        """Whether a stored target is still there (a code or document may be gone since the memo was written)."""
        try:
            self.target(target_type, target_id or None)
        except NotFound:
            return False
        return True

    # -- changing --------------------------------------------------------------------------------
    def set(self, target_type: str, target_id: str | int | None, text: str, *, author: str) -> Memo | None:
        """Set the author's memo on a target; empty or blank text deletes it. Returns the memo (None: deleted).

        One transaction and one `memo.set` event; setting the text a memo already has changes and logs nothing.
        """
        if not author.strip():
            raise BadInput("a memo needs an author (--coder)")
        target_type, target_id = self.target(target_type, target_id)
        with self._store.transaction():
            before = self.state(target_type, target_id, author)
            if not text.strip():
                after = None
            else:
                stamp = now()
                after = {"text": text, "created_at": before["created_at"] if before else stamp, "updated_at": stamp}
            if (before and before["text"]) == (after and after["text"]):
                return self.get(target_type, target_id, author=author)
            self.put(target_type, target_id, author, after)
            memo = {"type": target_type, "id": target_id, "author": author}
            self._log.log(author, ACTION, target_label(target_type, target_id),
                          {"memo": memo, "before": before, "after": after})  # fmt: skip
        return self.get(target_type, target_id, author=author)

    def state(self, target_type: str, target_id: str, author: str) -> dict[str, Any] | None:
        """The author's memo on a stored target as an event records it: text and times, or None."""
        row = self._conn.execute(
            "SELECT text, created_at, updated_at FROM memos WHERE target_type = ? AND target_id = ? AND author = ? "
            "ORDER BY id LIMIT 1",
            (target_type, target_id, author),
        ).fetchone()
        return dict(row) if row else None

    def put(self, target_type: str, target_id: str, author: str, state: dict[str, Any] | None) -> None:
        """Make the author's memo on a stored target what a state says (None: no memo), inside the caller's
        transaction and without an event: for set, undo, merges and imports (which log their own)."""
        self._store.require_writable()
        key = (target_type, target_id, author)
        if state is None:
            self._conn.execute("DELETE FROM memos WHERE target_type = ? AND target_id = ? AND author = ?", key)
            return
        updated = self._conn.execute(
            "UPDATE memos SET text = ?, created_at = ?, updated_at = ? WHERE target_type = ? AND target_id = ? "
            "AND author = ?",
            (state["text"], state["created_at"], state["updated_at"], *key),
        ).rowcount
        if not updated:
            self._conn.execute(
                "INSERT INTO memos (target_type, target_id, author, text, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (*key, state["text"], state["created_at"], state["updated_at"]),
            )

    # -- undo ------------------------------------------------------------------------------------
    def undo_handlers(self) -> dict[str, tuple[Callable[[dict], None], Callable[[dict], None]]]:
        """For services/history.py: a memo change is undone by restoring the memo's state before it."""

        def restore(key: str) -> Callable[[dict], None]:
            def apply(payload: dict) -> None:
                memo, state = payload["memo"], payload[key]
                if state is not None and not self.exists(memo["type"], memo["id"]):
                    what = target_label(memo["type"], memo["id"])
                    raise Conflict(f"cannot restore the memo on {what}: the {memo['type']} is gone; nothing changed")
                self.put(memo["type"], memo["id"], memo["author"], state)

            return apply

        return {ACTION: (restore("before"), restore("after"))}

    # -- reading ---------------------------------------------------------------------------------
    def get(self, target_type: str, target_id: str | int | None, *, author: str) -> Memo | None:
        """The author's memo on a target, or None."""
        found = self.list(target_type, target_id, author=author)
        return found[0] if found else None

    def list(
        self, target_type: str | None = None, target_id: str | int | None = None, *, author: str | None = None
    ) -> builtins.list[Memo]:
        """Memos (project, documents, cases, codes, in that order), of one target type, one target, one author.

        A target id is checked and resolved as `set` resolves it; without one, memos of targets that are gone
        since (a code dropped from the codebook) are listed too.
        """
        where: builtins.list[str] = []
        params: builtins.list[str] = []
        if target_type is not None:
            if target_id is not None or target_type == "project":
                target_type, resolved = self.target(target_type, target_id)
                where.append("target_id = ?")
                params.append(resolved)
            elif target_type not in TARGET_TYPES:
                raise BadInput(f"unknown memo target {target_type!r} (use {', '.join(TARGET_TYPES)})")
            where.append("target_type = ?")
            params.append(target_type)
        elif target_id is not None:
            raise BadInput("a memo target id needs its type (project, document, case or code)")
        if author is not None:
            where.append("author = ?")
            params.append(author)
        sql = "SELECT id, target_type, target_id, author, text, created_at, updated_at FROM memos"
        sql += (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id"
        memos = [Memo(*row) for row in self._conn.execute(sql, params)]
        # the project first, then documents by number (10 after 9), cases and codes in the project's order
        rank = {("case", c.id): i for i, c in enumerate(self._documents.cases())}
        rank.update({("code", c.id): i for i, c in enumerate(self._codebook.codes())})

        def order(memo: Memo) -> tuple:
            number = int(memo.target_id) if memo.target_type == "document" and memo.target_id.isdecimal() else -1
            place = rank.get((memo.target_type, memo.target_id), len(rank))
            return TARGET_TYPES.index(memo.target_type), number, place, memo.target_id, memo.author

        return sorted(memos, key=order)
