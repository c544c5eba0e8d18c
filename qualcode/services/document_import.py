"""Importing documents: transcript files (txt, md, docx in any of the encodings ingest/ detects) and texts
already in qualcode's form (REFI-QDA sources). A part of DocumentService, kept in its own module.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
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
    version: int = 1  # the document's version after the import
    codings: dict[str, int] = field(default_factory=dict)  # a re-import: kept, moved, re-anchored, orphaned
    dry_run: bool = False


# Told (document id, old text, new text, old version) inside a re-import's transaction; returns how the
# document's codings were carried (CodingService.carry).
TextReplaced = Callable[[int, str, str, int], dict[str, int]]


class _DryRun(Exception):
    """Raised at the end of a dry run to roll its transaction back."""


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
    _replace_listeners: list[TextReplaced]
    _before_reimport: list[Callable[[str], object]]

    @property
    def _conn(self) -> sqlite3.Connection:
        return self._store.conn

    def ensure_case(self, case_id: str, name: str = "") -> None:
        raise NotImplementedError

    def check_new_case(self, case_id: str, where: str = "") -> None:
        raise NotImplementedError

    def _changed(self, removed: list[int], added: list[int]) -> None:
        raise NotImplementedError

    def on_replace(self, listener: TextReplaced) -> None:
        """Be told when a re-import replaces a document's text (the codings follow it)."""
        self._replace_listeners.append(listener)

    def before_reimport(self, hook: Callable[[str], object]) -> None:
        """Be called, outside any transaction, before a re-import replaces coded text (an automatic backup)."""
        self._before_reimport.append(hook)

    def import_files(
        self, paths: Sequence[Path | str], *, case_id: str | None = None, coder: str = "", dry_run: bool = False
    ) -> list[ImportResult]:
        """Import transcripts: all of them or, if any is bad, none.

        A changed version of a document (same case, same file name stem) replaces its text; the earlier text is
        kept as a version, and the document's codings are carried to the new text (kept, moved, re-anchored
        for review, or orphaned). `dry_run` reports all of it and writes nothing.
        """
        # One file at a time inside the transaction, so memory holds one file's text, not all of them (a
        # bad file raises inside it: nothing is written). Only when a file may replace coded text are all
        # files read and checked first, without keeping their texts, so the backup is taken before writing
        # and only for an import that can succeed.
        files = [Path(p) for p in paths]
        if not dry_run and self._before_reimport and self._may_replace_coded_text(files):
            seen: dict[tuple[str, str], Path] = {}
            prepared = [self._prepare(path, case_id, seen) for path in files]
            if any(self._replaces_coded_text(path, sha256, target) for path, sha256, target in prepared):
                for hook in self._before_reimport:
                    hook("before-reimport")
        results: list[ImportResult] = []
        try:
            with self._store.transaction():
                seen = {}
                for path in files:
                    decoded, parsed, target = self._read(path, case_id, seen)
                    results.append(self._import_one(path, decoded, parsed, target, coder))
                    del decoded, parsed
                self._changed(
                    [r.document_id for r in results if r.status == "replaced"],
                    [r.document_id for r in results if r.status != "unchanged"],
                )
                if dry_run:
                    raise _DryRun
        except _DryRun:
            self._changed([], [])  # the caches saw the rolled-back texts
            return [replace(r, dry_run=True) for r in results]
        except BaseException:
            self._changed([], [])  # a bad file part-way: rolled back, and the caches may have seen it
            raise
        return results

    def _read(self, path: Path, case_id: str | None, seen: dict[tuple[str, str], Path]):
        """A file's decoded text, its turns and its case, checked (refused with BadInput)."""
        decoded = read_transcript(path)
        parsed = parse(decoded.text)
        if not parsed.turns:
            raise BadInput(f"{path}: no speaker turns found (expected lines starting 問：/答：, Q:/A: or Name:)")
        target_case = (case_id or parsed.metadata.get("interviewee") or path.stem).strip()
        self.check_new_case(target_case, f"{path}: ")
        key = (target_case, path.stem)
        if key in seen:
            raise BadInput(f"{path}: same case and title as {seen[key]} in this import")
        seen[key] = path
        return decoded, parsed, target_case

    def _prepare(self, path: Path, case_id: str | None, seen: dict[tuple[str, str], Path]) -> tuple[Path, str, str]:
        """_read, keeping only what deciding on a backup needs."""
        decoded, _, target_case = self._read(path, case_id, seen)
        return path, decoded.sha256, target_case

    def _may_replace_coded_text(self, paths: list[Path]) -> bool:
        """Whether a file's name is the title of a coded document (a cheap test before reading any file)."""
        coded = {
            r[0]
            for r in self._conn.execute(
                "SELECT DISTINCT d.title FROM documents d WHERE EXISTS (SELECT 1 FROM codings c WHERE c.document_id = d.id)"
            )
        }
        return any(path.stem in coded for path in paths)

    def _replaces_coded_text(self, path: Path, sha256: str, case_id: str) -> bool:
        row = self._conn.execute(
            "SELECT d.sha256, (SELECT count(*) FROM codings c WHERE c.document_id = d.id) FROM documents d "
            "WHERE d.case_id = ? AND d.title = ?",
            (case_id, path.stem),
        ).fetchone()
        return row is not None and row[0] != sha256 and bool(row[1])

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
            return self._replace(existing["id"], path, decoded, parsed, metadata, coder, common)
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

    def _replace(self, document_id: int, path: Path, decoded, parsed, metadata: str, coder: str,
                 common: dict[str, Any]) -> ImportResult:  # fmt: skip
        """A changed text for an existing document: keep the old text as a version, carry the codings over."""
        conn = self._conn
        old = conn.execute("SELECT * FROM documents WHERE id = ?", (document_id,)).fetchone()
        conn.execute(
            "INSERT INTO document_versions (document_id, version, text, sha256, source_path, encoding, metadata, "
            "imported_at, replaced_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (document_id, old["version"], old["text"], old["sha256"], old["source_path"], old["encoding"],
             old["metadata"], old["imported_at"], now()),
        )  # fmt: skip
        version = old["version"] + 1
        conn.execute(
            "UPDATE documents SET source_path = ?, sha256 = ?, encoding = ?, text = ?, metadata = ?, imported_at = ?, "
            "version = ? WHERE id = ?",
            (str(path), decoded.sha256, decoded.encoding, decoded.text, metadata, now(), version, document_id),
        )
        conn.execute("DELETE FROM turns WHERE document_id = ?", (document_id,))
        self._insert_turns(document_id, parsed.turns)
        carried: dict[str, int] = {}
        for listener in self._replace_listeners:
            carried.update(listener(document_id, old["text"], decoded.text, old["version"]))
        self._log.log(coder or "system", "reimport", str(document_id),
                      {"path": str(path), "sha256": decoded.sha256, "status": "replaced", "version": version,
                       "codings": carried})  # fmt: skip
        return ImportResult(status="replaced", document_id=document_id, version=version, codings=carried, **common)

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
