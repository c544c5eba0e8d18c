"""GUIDs of things exchanged through REFI-QDA files, so they survive a round trip through other programs.

A thing keeps the GUID it was imported with; anything else gets a GUID derived from its identity
(uuid5 in qualcode's namespace), so exporting the same project twice gives the same file.
"""

from __future__ import annotations

import uuid

from qualcode.store import Store

NAMESPACE = uuid.UUID("6f1d6a55-6d0a-4c2e-9a55-716c61636f64")  # qualcode's own
KINDS = ("code", "user", "variable", "case", "document", "selection", "coding", "note")


class ExchangeIds:
    def __init__(self, store: Store):
        self._store = store

    def guid(self, kind: str, local_id: str) -> str:
        """The GUID of a thing of this kind: the one it came with, else one derived from its id."""
        row = self._store.conn.execute(
            "SELECT guid FROM exchange_guids WHERE kind = ? AND local_id = ?", (kind, local_id)
        ).fetchone()
        return row[0] if row else str(uuid.uuid5(NAMESPACE, f"{kind}:{local_id}"))

    def local_id(self, kind: str, guid: str) -> str | None:
        """The local id of the thing that came with this GUID (case-insensitively), if any."""
        row = self._store.conn.execute(
            "SELECT local_id FROM exchange_guids WHERE kind = ? AND lower(guid) = ?", (kind, guid.lower())
        ).fetchone()
        return row[0] if row else None

    def remember(self, kind: str, local_id: str, guid: str) -> None:
        """Keep the GUID a thing came with (inside the caller's transaction)."""
        self._store.conn.execute(
            "INSERT OR REPLACE INTO exchange_guids (kind, local_id, guid) VALUES (?, ?, ?)", (kind, local_id, guid)
        )
