"""Importing documents: transcript files (txt, md, docx in any of the encodings ingest/ detects) and texts
already in qualcode's form (REFI-QDA sources). A part of DocumentService, kept in its own module.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.errors import BadInput, Conflict
from qualcode.ingest.sources import read_transcript
from qualcode.ingest.transcript import parse
from qualcode.timeutil import now

if TYPE_CHECKING:
    from qualcode.services.events import EventLog
    from qualcode.store import Store


@dataclass(frozen=True)
class ImportResult:
    path: str
    status: str  # imported | unchanged | replaced
    document_id: int
    case_id: str
    encoding: str
    turns: int
    characters: int


@dataclass(frozen=True)
class NewText:
    """A document to add from text already in qualcode's form (see DocumentService.add_texts)."""

    case_id: str
    title: str
    text: str
    source_path: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    imported_at: str = ""


class TranscriptImport:
    """DocumentService's imports; every import is one transaction and tells the listeners (the search index)."""

    _store: Store
    _log: EventLog

    @property
    def _conn(self) -> sqlite3.Connection:
        return self._store.conn

    def ensure_case(self, case_id: str, name: str = "") -> None:
        raise NotImplementedError

    def _changed(self, removed: list[int], added: list[int]) -> None:
        raise NotImplementedError

    def import_files(
        self, paths: Sequence[Path | str], *, case_id: str | None = None, coder: str = ""
    ) -> list[ImportResult]:
        """Import transcripts: all of them or, if any is bad, none."""
        prepared = []
        seen: dict[tuple[str, str], Path] = {}
        for raw_path in paths:
            path = Path(raw_path)
            decoded = read_transcript(path)
            parsed = parse(decoded.text)
            if not parsed.turns:
                raise BadInput(f"{path}: no speaker turns found (expected lines starting 問：/答：, Q:/A: or Name:)")
            target_case = (case_id or parsed.metadata.get("interviewee") or path.stem).strip()
            key = (target_case, path.stem)
            if key in seen:
                raise BadInput(f"{path}: same case and title as {seen[key]} in this import")
            seen[key] = path
            prepared.append((path, decoded, parsed, target_case))
        with self._store.transaction():
            results = [
                self._import_one(path, decoded, parsed, target, coder) for path, decoded, parsed, target in prepared
            ]
            self._changed(
                [r.document_id for r in results if r.status == "replaced"],
                [r.document_id for r in results if r.status != "unchanged"],
            )
        return results

    def _import_one(self, path: Path, decoded, parsed, case_id: str, coder: str) -> ImportResult:
        conn = self._conn
        title = path.stem
        existing = conn.execute(
            "SELECT id, sha256 FROM documents WHERE case_id = ? AND title = ?", (case_id, title)
        ).fetchone()
        common = {
            "path": str(path),
            "case_id": case_id,
            "encoding": decoded.encoding,
            "turns": len(parsed.turns),
            "characters": len(decoded.text),
        }
        if existing and existing["sha256"] == decoded.sha256:
            return ImportResult(status="unchanged", document_id=existing["id"], **common)
        metadata = json.dumps(parsed.metadata, ensure_ascii=False)
        if existing:
            codings = conn.execute("SELECT count(*) FROM codings WHERE document_id = ?", (existing["id"],)).fetchone()[
                0
            ]
            if codings:
                raise Conflict(
                    f"{path}: changed since it was imported as document {existing['id']} ({case_id}), which has "
                    f"{codings} coding(s); re-importing would misplace them. Import the new version under another "
                    "file name, or remove its codings first"
                )
            conn.execute(
                "UPDATE documents SET source_path = ?, sha256 = ?, encoding = ?, text = ?, metadata = ?, imported_at = ? "
                "WHERE id = ?",
                (str(path), decoded.sha256, decoded.encoding, decoded.text, metadata, now(), existing["id"]),
            )
            conn.execute("DELETE FROM turns WHERE document_id = ?", (existing["id"],))
            document_id, status = existing["id"], "replaced"
        else:
            self.ensure_case(case_id)
            document_id = self._insert(
                case_id, title, str(path), decoded.sha256, decoded.encoding, decoded.text, metadata, now()
            )
            status = "imported"
        self._insert_turns(document_id, parsed.turns)
        self._log.log(
            coder or "system",
            "import",
            str(document_id),
            {"path": str(path), "sha256": decoded.sha256, "status": status},
        )
        return ImportResult(status=status, document_id=document_id, **common)

    def add_texts(self, texts: Sequence[NewText], *, coder: str = "") -> list[int]:
        """Add documents from text already in qualcode's form (NFC, LF), e.g. REFI-QDA sources; their ids.

        A new case is created for each; turns are parsed from the text. All or none: refused if a case already
        has a document with one of these titles.
        """
        ids = []
        with self._store.transaction() as conn:
            for new in texts:
                existing = conn.execute(
                    "SELECT id FROM documents WHERE case_id = ? AND title = ?", (new.case_id, new.title)
                ).fetchone()
                if existing:
                    raise Conflict(
                        f"case {new.case_id!r} already has a document titled {new.title!r} (document {existing[0]})"
                    )
                sha256 = hashlib.sha256(new.text.encode("utf-8")).hexdigest()
                self.ensure_case(new.case_id)
                document_id = self._insert(
                    new.case_id,
                    new.title,
                    new.source_path,
                    sha256,
                    "utf-8",
                    new.text,
                    json.dumps(new.metadata, ensure_ascii=False),
                    new.imported_at or now(),
                )
                self._insert_turns(document_id, parse(new.text).turns)
                self._log.log(
                    coder or "system",
                    "import",
                    str(document_id),
                    {"path": new.source_path, "sha256": sha256, "status": "imported"},
                )
                ids.append(document_id)
            self._changed([], ids)
        return ids

    def _insert(
        self,
        case_id: str,
        title: str,
        source_path: str,
        sha256: str,
        encoding: str,
        text: str,
        metadata: str,
        imported_at: str,
    ) -> int:
        cursor = self._conn.execute(
            "INSERT INTO documents (case_id, title, source_path, sha256, encoding, text, metadata, imported_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (case_id, title, source_path, sha256, encoding, text, metadata, imported_at),
        )
        return int(cursor.lastrowid or 0)

    def _insert_turns(self, document_id: int, turns) -> None:
        self._conn.executemany(
            'INSERT INTO turns (document_id, number, speaker, start, "end") VALUES (?, ?, ?, ?, ?)',
            [(document_id, i, t.speaker, t.start, t.end) for i, t in enumerate(turns, 1)],
        )
