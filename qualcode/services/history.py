"""Undo and redo: one history per coder over every change of work (codings, memos, review marks,
re-attaching, ratings, notes, evidence, code creation and management, memos on the project, documents, cases and codes).

Nothing is marked in place: a coder's undo and redo stacks are rebuilt by replaying that coder's events
(the log is append-only), so they survive restarts and one coder's undo never touches another's work.
Each service says how its actions are reversed and replayed (`undo_handlers()`); this module keeps the
stacks and one rule that needs every service: a coding comes back only onto the text it was made on.
An event recorded against an earlier version of a document is carried to the current text through the
alignment a re-import uses; if its text is not there unchanged, the undo is refused with one line.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from qualcode.align import KEPT, MOVED, Alignment
from qualcode.errors import BadInput, Conflict, NotFound
from qualcode.quote import shorten
from qualcode.services.codebook import CodebookService
from qualcode.services.codings import CodingService, describe
from qualcode.services.documents import DocumentService
from qualcode.services.events import EventLog
from qualcode.services.memos import MemoService
from qualcode.services.ratings import RatingService
from qualcode.store import Store

# Events from before an action was undoable carry no before/after state: they stay in the log, not in the stacks.
_NEEDS = {"rate": "after", "rate.note": "after", "rate.attach": "after", "rate.detach": "after",
          "rate.clear": "after", "code.create": "row"}  # fmt: skip
_WHAT = {
    "code": "coding {coding}",
    "uncode": "removal of {coding}",
    "memo": "memo change on coding {target}",
    "review": "review mark of coding {target}",
    "reattach": "re-attaching of coding {target}",
    "rate": "rating {target}",
    "rate.note": "rating note {target}",
    "rate.attach": "evidence attached to rating {target}",
    "rate.detach": "evidence detached from rating {target}",
    "rate.clear": "clearing of rating {target}",
    "code.create": "creation of code {target}",
    "code.rename": "renaming of code {target}",
    "code.move": "move of code {target}",
    "code.update": "change of code {target}",
    "code.merge": "merge of code {target}",
    "code.delete": "deletion of code {target}",
    "adjudicate": "adjudication of {target}",
    "memo.set": "memo change on {target}",
}

UNDOABLE = frozenset(_WHAT)  # the actions undo and redo know (a UI needs words for each)


@dataclass(frozen=True)
class UndoResult:
    action: str  # the action undone or redone: code | uncode | memo | rate | code.create …
    target: str  # what it was about: a coding id, a rating cell case/code/facet, a code id
    description: str
    payload: dict[str, Any] = field(default_factory=dict)  # the event's payload: e.g. the coding row, for UIs

    @property
    def coding_id(self) -> str:
        return self.target


class History:
    def __init__(self, store: Store, log: EventLog, documents: DocumentService, codebook: CodebookService,
                 codings: CodingService, ratings: RatingService, memos: MemoService):  # fmt: skip
        self._store = store
        self._log = log
        self._documents = documents
        self._codings = codings
        self._event_id = 0  # the event being undone or redone, for restore()
        self._handlers: dict[str, tuple[Callable[[dict], None], Callable[[dict], None]]] = {}
        self._handlers.update(codings.undo_handlers(self._restore_coding))
        self._handlers.update(ratings.undo_handlers())
        self._handlers.update(codebook.undo_handlers(self._restore_coding))
        self._handlers.update(memos.undo_handlers())

    @property
    def _conn(self) -> sqlite3.Connection:
        return self._store.conn

    def _stacks(self, coder: str) -> tuple[list[sqlite3.Row], list[sqlite3.Row]]:
        """Replay the coder's log: the actions that can be undone, and those that can be redone, newest last."""
        undo: list[sqlite3.Row] = []
        redo: list[sqlite3.Row] = []
        by_id: dict[int, sqlite3.Row] = {}
        actions = (*self._handlers, "undo", "redo")
        rows = self._conn.execute(
            f"SELECT id, action, target, payload FROM events WHERE coder = ? AND action IN ({','.join('?' * len(actions))}) "
            "ORDER BY id",
            (coder, *actions),
        )
        for row in rows:
            if row["action"] in self._handlers:
                needs = _NEEDS.get(row["action"])
                if needs and needs not in json.loads(row["payload"]):
                    continue
                by_id[row["id"]] = row
                undo.append(row)
                redo.clear()
            else:
                target = by_id.get(json.loads(row["payload"])["event"])
                source, dest = (undo, redo) if row["action"] == "undo" else (redo, undo)
                if target is not None and source and source[-1]["id"] == target["id"]:
                    dest.append(source.pop())
        return undo, redo

    def active(self, coder: str, action: str) -> list[dict]:
        """The payloads of the coder's `action` events that are in effect (done, or redone, and not undone)."""
        undo, _ = self._stacks(coder)
        return [json.loads(row["payload"]) for row in undo if row["action"] == action]

    def undo(self, coder: str) -> UndoResult:
        """Undo the coder's last change of work."""
        return self._step(coder, "undo")

    def redo(self, coder: str) -> UndoResult:
        """Redo the coder's last undone change."""
        return self._step(coder, "redo")

    def _step(self, coder: str, direction: str) -> UndoResult:
        with self._store.transaction():
            undo, redo = self._stacks(coder)
            stack = undo if direction == "undo" else redo
            if not stack:
                raise BadInput(f"nothing to {direction} for coder {coder!r}")
            event = stack[-1]
            payload = json.loads(event["payload"])
            reverse, forward = self._handlers[event["action"]]
            self._event_id = event["id"]
            record: dict[str, Any] = {"event": event["id"]}
            if event["action"] == "code" and direction == "undo" and self._codings.exists(payload["coding"]["id"]):
                # the coding as undo finds it (a re-import may have re-anchored it): redo puts back this
                record.update(self._codings.as_removed(payload["coding"]["id"]))
            elif event["action"] == "code":
                payload.update(self._as_undone(coder, event["id"]))
            (reverse if direction == "undo" else forward)(payload)
            self._log.log(coder, direction, event["target"], record)
        verb = "undid " if direction == "undo" else "redid "
        description = verb + _describe(event["action"], event["target"], payload)
        return UndoResult(event["action"], event["target"], description, payload)

    def _as_undone(self, coder: str, event_id: int) -> dict[str, Any]:
        """What the coder's last undo of this event recorded of the coding (CodingService.as_removed), if anything."""
        found = self._conn.execute(
            "SELECT payload FROM events WHERE coder = ? AND action = 'undo' AND json_extract(payload, '$.event') = ? "
            "ORDER BY id DESC LIMIT 1",
            (coder, event_id),
        ).fetchone()
        undone = json.loads(found[0]) if found else {}
        return {key: undone[key] for key in ("coding", "text", "evidence") if key in undone}

    # -- codings come back only onto their own text ----------------------------------------------
    def _restore_coding(self, row: dict[str, Any], text: str | None) -> dict[str, Any]:
        """Insert a recorded coding again, carried to the document's current text; refuse if its text is gone."""
        if self._codings.exists(row["id"]):
            return row
        try:
            document = self._documents.document(row["document_id"])
        except NotFound:
            raise Conflict(f"cannot restore coding {row['id']}: its document is gone") from None
        if not row.get("orphaned"):
            row = self._carry(row, text, document.id, document.version)
        try:
            self._codings.insert(row)
        except sqlite3.IntegrityError:
            raise Conflict(
                f"cannot restore coding {row['id']}: its code is gone, or the same span is coded again"
            ) from None
        return row

    def _carry(self, row: dict[str, Any], text: str | None, document_id: int, current: int) -> dict[str, Any]:
        version = row.get("version")
        if version is None:  # recorded before documents had versions
            if self._replaced_since(document_id):
                raise Conflict(f"cannot restore coding {row['id']}: document {document_id} was re-imported since it "
                               "was recorded, and that event does not say on which text; nothing changed")  # fmt: skip
            version = current
        if version != current:
            old = self._documents.text_at(document_id, version)
            placement = Alignment(old, self._documents.text(document_id)).place(row["start"], row["end"])
            text = old[row["start"] : row["end"]]
            if placement.status not in (KEPT, MOVED):
                raise Conflict(f"cannot restore coding {row['id']}: its text 「{shorten(text)}」 is not in document "
                               f"{document_id} as re-imported (version {current}); nothing changed")  # fmt: skip
            row = {**row, "start": placement.start, "end": placement.end}
        now_text = self._documents.text(document_id)[row["start"] : row["end"]]
        if text is not None and now_text != text:
            raise Conflict(f"cannot restore coding {row['id']}: document {document_id} no longer reads "
                           f"「{shorten(text)}」 there; nothing changed")  # fmt: skip
        return row

    def _replaced_since(self, document_id: int) -> bool:
        row = self._conn.execute(
            "SELECT 1 FROM events WHERE id > ? AND target = ? AND (action = 'reimport' OR "
            "(action = 'import' AND json_extract(payload, '$.status') = 'replaced')) LIMIT 1",
            (self._event_id, str(document_id)),
        ).fetchone()
        return row is not None


def _describe(action: str, target: str, payload: dict) -> str:
    coding = payload.get("coding")
    return _WHAT[action].format(target=target, coding=describe(coding) if isinstance(coding, dict) else target)
