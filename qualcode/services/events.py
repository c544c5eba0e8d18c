"""The append-only event log: who changed what, when. Undo/redo replays it (services/codings.py)."""

from __future__ import annotations

import json
from typing import Any

from qualcode.store import Store
from qualcode.timeutil import now


class EventLog:
    def __init__(self, store: Store):
        self._store = store

    def log(self, coder: str, action: str, target: str = "", payload: dict[str, Any] | None = None) -> int:
        """Append one event (inside the caller's transaction, if any); returns its id."""
        self._store.require_writable()
        cursor = self._store.conn.execute(
            "INSERT INTO events (at, coder, action, target, payload) VALUES (?, ?, ?, ?, ?)",
            (now(), coder, action, target, json.dumps(payload or {}, ensure_ascii=False)),
        )
        return int(cursor.lastrowid or 0)

    def recent(self, limit: int = 50) -> list[dict[str, Any]]:
        rows = self._store.conn.execute("SELECT * FROM events ORDER BY id DESC LIMIT ?", (limit,))
        return [dict(r) for r in rows]
