"""GUIDs of things exchanged through REFI-QDA files, so they survive a round trip through other programs.

A thing keeps the GUID it was imported with, spelled as it came (upper case, braces); anything else gets a
GUID derived from its identity (uuid5 in qualcode's namespace), so exporting the same project twice gives
the same file. GUIDs are compared without case or braces (`guid_key`).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from qualcode.store import Store

NAMESPACE = uuid.UUID("6f1d6a55-6d0a-4c2e-9a55-716c61636f64")  # qualcode's own
KINDS = ("code", "user", "variable", "case", "document", "selection", "coding", "note")
_KEY_SQL = "lower(trim(guid, '{}'))"  # guid_key in SQL


def guid_key(guid: str) -> str:
    """What identifies a GUID however it is spelled: `{0F9E…}` and `0f9e…` are the same GUID."""
    return guid.strip().strip("{}").lower()


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
        """The local id of the thing that came with this GUID (however it is spelled), if any."""
        row = self._store.conn.execute(
            f"SELECT local_id FROM exchange_guids WHERE kind = ? AND {_KEY_SQL} = ?", (kind, guid_key(guid))
        ).fetchone()
        return row[0] if row else None

    def known(self, kind: str) -> list[tuple[str, str]]:
        """Every (local id, GUID as spelled) of a kind that came with a GUID, by local id."""
        return [
            (r[0], r[1])
            for r in self._store.conn.execute(
                "SELECT local_id, guid FROM exchange_guids WHERE kind = ? ORDER BY local_id", (kind,)
            )
        ]

    def fact(self, name: str) -> Any:
        """A fact an import kept so an export says it again (the file's origin, which codes were not codable …):
        JSON in the project table under `exchange.<name>`; None when there is none."""
        row = self._store.conn.execute("SELECT value FROM project WHERE key = ?", (f"exchange.{name}",)).fetchone()
        return json.loads(row[0]) if row else None

    def keep_fact(self, name: str, value: Any) -> None:
        """Keep a fact (inside the caller's transaction)."""
        self._store.conn.execute(
            "INSERT INTO project (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (f"exchange.{name}", json.dumps(value, ensure_ascii=False, sort_keys=True)),
        )

    def remember(self, kind: str, local_id: str, guid: str) -> None:
        """Keep the GUID a thing came with, as spelled (inside the caller's transaction); a GUID names one thing."""
        self._store.conn.execute(
            f"DELETE FROM exchange_guids WHERE kind = ? AND {_KEY_SQL} = ? AND local_id != ?",
            (kind, guid_key(guid), local_id),
        )
        self._store.conn.execute(
            "INSERT OR REPLACE INTO exchange_guids (kind, local_id, guid) VALUES (?, ?, ?)", (kind, local_id, guid)
        )
