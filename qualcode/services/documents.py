"""Cases with typed attributes, documents (transcripts) with their turns, and where things are in them."""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from qualcode.errors import BadInput, NotFound
from qualcode.ingest.cases_csv import read_cases_csv
from qualcode.model import Case, Document, Turn
from qualcode.quote import find_quote
from qualcode.sentences import sentence_at, sentences
from qualcode.services.document_import import ImportResult, NewText, TranscriptImport
from qualcode.services.events import EventLog
from qualcode.store import SQLITE_INTEGERS, Store

ATTRIBUTE_TYPES = ("text", "integer", "number", "boolean", "date")

# Told (removed document ids, added or replaced document ids) inside the transaction that changed them.
DocumentsChanged = Callable[[list[int], list[int]], None]

__all__ = ["DocumentService", "ImportResult", "NewText", "check_case_id"]

# Control and format characters, surrogates, and line or paragraph separators: invisible, or breaking a line.
_UNPRINTABLE = {"Cc", "Cf", "Cs", "Zl", "Zp"}


def check_case_id(case_id: str, where: str = "") -> str:
    """The one rule for a new case's id: not empty, no path separator (/ or \\), no `..`, no control characters.

    A case id names things outside the project too (export rows, file names people derive from it), so it must
    not be able to point elsewhere or hide characters. CJK, spaces and punctuation are fine. `where` prefixes
    the error (`A.txt: `, `cases.csv:3: `).
    """
    why = ""
    if not case_id.strip():
        why = "is empty"
    elif "/" in case_id or "\\" in case_id:
        why = "holds a path separator (/ or \\)"
    elif ".." in case_id:
        why = "holds '..'"
    elif any(unicodedata.category(ch) in _UNPRINTABLE for ch in case_id):
        bad = next(ch for ch in case_id if unicodedata.category(ch) in _UNPRINTABLE)
        why = f"holds the control character U+{ord(bad):04X}"
    if why:
        raise BadInput(f"{where}case id {case_id!r} {why}; a case id may not hold / or \\, '..' or control characters")
    return case_id


_DOC_SELECT = (
    "SELECT d.id, d.case_id, d.title, d.source_path, d.sha256, d.encoding, d.metadata, d.imported_at, "
    "length(d.text) AS length, d.version FROM documents d LEFT JOIN cases c ON c.id = d.case_id"
)


def _document(row: sqlite3.Row) -> Document:
    return Document(
        id=row["id"],
        case_id=row["case_id"],
        title=row["title"],
        source_path=row["source_path"],
        sha256=row["sha256"],
        encoding=row["encoding"],
        metadata=json.loads(row["metadata"]),
        imported_at=row["imported_at"],
        length=row["length"],
        version=row["version"],
    )


class DocumentService(TranscriptImport):
    """Cases, their attributes, documents and turns. A text changes only by a re-import, which clears the caches."""

    def __init__(self, store: Store, log: EventLog):
        self._store = store
        self._log = log
        self._documents: dict[int, Document] = {}
        self._texts: dict[int, str] = {}
        self._listeners: list[DocumentsChanged] = []
        self._replace_listeners = []
        self._before_reimport = []
        self._data_version = -1  # of the file when the caches were filled

    def _fresh(self) -> None:
        """Drop the caches when another process wrote to the file (it may have re-imported a document)."""
        version = self._conn.execute("PRAGMA data_version").fetchone()[0]
        if version != self._data_version:
            self._documents.clear()
            self._texts.clear()
            self._data_version = version

    @property
    def _conn(self) -> sqlite3.Connection:
        return self._store.conn

    def on_change(self, listener: DocumentsChanged) -> None:
        self._listeners.append(listener)

    def _changed(self, removed: list[int], added: list[int]) -> None:
        self._documents.clear()
        self._texts.clear()
        for listener in self._listeners:
            listener(removed, added)

    # -- cases -----------------------------------------------------------------------------------
    def cases(self) -> list[Case]:
        values: dict[str, dict[str, Any]] = {}
        for row in self._conn.execute(
            "SELECT v.case_id, v.attribute, v.value, a.type FROM case_values v "
            "JOIN attributes a ON a.name = v.attribute ORDER BY a.position"
        ):
            value = bool(row["value"]) if row["type"] == "boolean" and row["value"] is not None else row["value"]
            values.setdefault(row["case_id"], {})[row["attribute"]] = value
        return [
            Case(r["id"], r["name"], values.get(r["id"], {}))
            for r in self._conn.execute("SELECT id, name FROM cases ORDER BY position, id")
        ]

    def case(self, case_id: str) -> Case:
        for case in self.cases():
            if case.id == case_id:
                return case
        raise NotFound(f"unknown case {case_id!r}{self._known_cases(' (known: ')}")

    def has_case(self, case_id: str) -> bool:
        return self._conn.execute("SELECT 1 FROM cases WHERE id = ?", (case_id,)).fetchone() is not None

    def check_new_case(self, case_id: str, where: str = "") -> None:
        """Before an import writes anything: refuse the id of a case the project does not have yet unless it
        passes check_case_id (an existing case keeps the id it has)."""
        if not self.has_case(case_id):
            check_case_id(case_id, where)

    def check_cases(self, case_ids: Sequence[str]) -> None:
        """Refuse the first id that is not a case."""
        if not case_ids:
            return
        known = {r[0] for r in self._conn.execute("SELECT id FROM cases")}
        for case_id in case_ids:
            if case_id not in known:
                self.case(case_id)

    def attributes(self) -> list[tuple[str, str]]:
        """Declared case attributes as (name, type), in column order."""
        return [
            (r["name"], r["type"]) for r in self._conn.execute("SELECT name, type FROM attributes ORDER BY position")
        ]

    def ensure_case(self, case_id: str, name: str = "") -> None:
        """Create the case if it is new (a new case goes last; its id must pass check_case_id); an existing case
        is left as it is."""
        if self.has_case(case_id):
            return
        check_case_id(case_id)  # the one place every new case passes
        position = self._conn.execute("SELECT coalesce(max(position), 0) + 1 FROM cases").fetchone()[0]
        self._conn.execute(
            "INSERT OR IGNORE INTO cases (id, name, position) VALUES (?, ?, ?)", (case_id, name, position)
        )

    def declare_attribute(self, name: str, kind: str, *, retype: bool = True) -> None:
        """Declare a case attribute; an existing one takes the new type when `retype`."""
        if kind not in ATTRIBUTE_TYPES:
            raise BadInput(f"unknown attribute type {kind!r} (use {', '.join(ATTRIBUTE_TYPES)})")
        conflict = "DO UPDATE SET type = excluded.type" if retype else "DO NOTHING"
        self._conn.execute(
            "INSERT INTO attributes (name, type, position) "
            "VALUES (?, ?, (SELECT coalesce(max(position), 0) + 1 FROM attributes)) "
            f"ON CONFLICT(name) {conflict}",
            (name, kind),
        )

    def set_case(self, case_id: str, *, name: str | None = None, values: dict[str, Any] | None = None) -> None:
        """Create or update a case: its display name and attribute values (attributes must be declared)."""
        with self._store.transaction() as conn:
            self.ensure_case(case_id, name or "")
            if name is not None:
                conn.execute("UPDATE cases SET name = ? WHERE id = ?", (name, case_id))
            for attribute, value in (values or {}).items():
                conn.execute(
                    "INSERT INTO case_values (case_id, attribute, value) VALUES (?, ?, ?) "
                    "ON CONFLICT(case_id, attribute) DO UPDATE SET value = excluded.value",
                    (case_id, attribute, value),
                )

    def import_cases(self, path: Path | str, *, create: bool = False, coder: str = "") -> list[str]:
        """Set case names and typed attributes from a CSV; unknown cases are refused unless `create`."""
        path = Path(path)
        table = read_cases_csv(path)
        known = {r[0] for r in self._conn.execute("SELECT id FROM cases")}
        for row in table.rows:
            if row.id in known:
                continue
            if not create:
                raise NotFound(
                    f"{path}:{row.line}: unknown case {row.id!r} (known: {', '.join(sorted(known)) or 'none'}; "
                    "import its transcript first, or pass --create)"
                )
            self.check_new_case(row.id, f"{path}:{row.line}: ")
        with self._store.transaction():
            for name, kind in table.attributes:
                self.declare_attribute(name, kind)
            for row in table.rows:
                self.set_case(row.id, name=row.name, values=row.values)
            self._log.log(coder or "system", "cases.import", str(path), {"cases": [r.id for r in table.rows]})
        return [r.id for r in table.rows]

    def _known_cases(self, prefix: str) -> str:
        ids = [str(r[0]) for r in self._conn.execute("SELECT id FROM cases ORDER BY id")]
        if not ids:
            return ""
        return f"{prefix}{', '.join(ids)}" + (")" if prefix.startswith(" (") else "")

    # -- documents -------------------------------------------------------------------------------
    def documents(self, case_id: str | None = None) -> list[Document]:
        sql, params = _DOC_SELECT, tuple[str, ...]()
        if case_id is not None:
            sql, params = sql + " WHERE d.case_id = ?", (case_id,)
        return [_document(r) for r in self._conn.execute(sql + " ORDER BY c.position, d.case_id, d.id", params)]

    def document(self, ref: str | int) -> Document:
        """A document by id, by its case's id (when the case has one document) or by title."""
        ref_text = str(ref).strip()
        self._fresh()
        # isdecimal, not isdigit: int() refuses digits such as ² or ①; an id beyond SQLite's integers is no id
        number = int(ref_text) if ref_text.isdecimal() else None
        if number is not None and number in SQLITE_INTEGERS:
            cached = self._documents.get(number)
            if cached is not None:
                return cached
            row = self._conn.execute(_DOC_SELECT + " WHERE d.id = ?", (number,)).fetchone()
            if row:
                self._documents[number] = _document(row)
                return self._documents[number]
        rows = self._conn.execute(_DOC_SELECT + " WHERE d.case_id = ? ORDER BY d.id", (ref_text,)).fetchall()
        if len(rows) == 1:
            return _document(rows[0])
        if len(rows) > 1:
            ids = ", ".join(str(r["id"]) for r in rows)
            raise BadInput(f"case {ref_text!r} has {len(rows)} documents (ids {ids}); give a document id")
        rows = self._conn.execute(_DOC_SELECT + " WHERE d.title = ?", (ref_text,)).fetchall()
        if len(rows) == 1:
            return _document(rows[0])
        raise NotFound(f"unknown document {ref_text!r} (give a document id or a case id{self._known_cases(': ')})")

    def text(self, document_id: int) -> str:
        """The document's text, kept in memory: texts never change once coded, and a re-import clears this."""
        self._fresh()
        text = self._texts.get(document_id)
        if text is None:
            row = self._conn.execute("SELECT text FROM documents WHERE id = ?", (document_id,)).fetchone()
            if row is None:
                raise NotFound(f"no document with id {document_id}")
            if len(self._texts) > 64:
                self._texts.clear()
            text = self._texts[document_id] = row[0]
        return text

    def versions(self, document_id: int) -> list[tuple[int, str, str]]:
        """(version, imported at, source path) of every text the document has had, oldest first."""
        document = self.document(document_id)
        rows = self._conn.execute(
            "SELECT version, imported_at, source_path FROM document_versions WHERE document_id = ? ORDER BY version",
            (document.id,),
        ).fetchall()
        return [tuple(r) for r in rows] + [(document.version, document.imported_at, document.source_path)]

    def text_at(self, document_id: int, version: int) -> str:
        """The document's text as it was in a version (the current one included)."""
        document = self.document(document_id)
        if version == document.version:
            return self.text(document.id)
        row = None
        if version in SQLITE_INTEGERS:
            row = self._conn.execute(
                "SELECT text FROM document_versions WHERE document_id = ? AND version = ?", (document.id, version)
            ).fetchone()
        if row is None:
            raise NotFound(f"document {document.id} has no version {version} (versions 1 to {document.version})")
        return row[0]

    def turns(self, document_id: int) -> list[Turn]:
        cursor = self._conn.cursor()
        cursor.row_factory = None  # plain tuples: a long transcript has thousands of turns (Row lookups: 2x)
        rows = cursor.execute(
            'SELECT number, speaker, start, "end" FROM turns WHERE document_id = ? ORDER BY number', (document_id,)
        )
        return [Turn(document_id, number, speaker, start, end) for number, speaker, start, end in rows]

    def all_turns(self) -> dict[int, list[Turn]]:
        """Every document's turns, in one query (for work over the whole project)."""
        out: dict[int, list[Turn]] = {}
        for r in self._conn.execute(
            'SELECT document_id, number, speaker, start, "end" FROM turns ORDER BY document_id, number'
        ):
            out.setdefault(r[0], []).append(Turn(r[0], r[1], r[2], r[3], r[4]))
        return out

    def turn_spans(self, *, cases: Sequence[str] = (), speaker: str | None = None) -> list[tuple[int, int, int]]:
        """(document id, start, end) of every turn's utterance, optionally of some cases or one speaker only."""
        sql = 'SELECT t.document_id, t.start, t."end" FROM turns t JOIN documents d ON d.id = t.document_id'
        where: list[str] = []
        params: list[Any] = []
        if cases:
            where.append(f"d.case_id IN ({','.join('?' * len(cases))})")
            params.extend(cases)
        if speaker is not None:
            where.append("t.speaker = ?")
            params.append(speaker)
        if where:
            sql += " WHERE " + " AND ".join(where)
        cursor = self._conn.cursor()
        cursor.row_factory = None
        return cursor.execute(sql + " ORDER BY t.document_id, t.start", params).fetchall()

    def speakers(self) -> list[str]:
        return [r[0] for r in self._conn.execute("SELECT DISTINCT speaker FROM turns ORDER BY speaker")]

    def case_of(self) -> dict[int, str]:
        """Document id -> case id, for every document (cheap: no text is read)."""
        return dict(self._conn.execute("SELECT id, case_id FROM documents").fetchall())

    def turn(self, document_id: int, number: int) -> Turn:
        row = None
        if number in SQLITE_INTEGERS:
            row = self._conn.execute(
                'SELECT number, speaker, start, "end" FROM turns WHERE document_id = ? AND number = ?',
                (document_id, number),
            ).fetchone()
        if row is None:
            count = self._conn.execute("SELECT count(*) FROM turns WHERE document_id = ?", (document_id,)).fetchone()[0]
            raise NotFound(f"document {document_id} has no turn {number} (turns are numbered 1 to {count})")
        return Turn(document_id, row["number"], row["speaker"], row["start"], row["end"])

    # -- where things are in a document ----------------------------------------------------------
    def sentences(self, document_id: int, turn: int) -> list[tuple[int, int]]:
        """The sentences of a turn (ending at 。！？!? or a line end), as (start, end) offsets."""
        t = self.turn(document_id, turn)
        return sentences(self.text(document_id), t.start, t.end)

    def sentence_at(self, document_id: int, offset: int, turn: Turn | None = None) -> tuple[int, int] | None:
        """The sentence under a cursor at `offset`, within its turn (or the whole text outside turns)."""
        text = self.text(document_id)
        low, high = (turn.start, turn.end) if turn is not None else (0, len(text))
        return sentence_at(text, offset, low, high)

    def locate(
        self,
        document: Document,
        *,
        span: str | tuple[int, int] | None = None,
        quote: str | None = None,
        turn: int | None = None,
        sentence: int | None = None,
    ) -> tuple[int, int]:
        """The (start, end) given by exactly one of a span, a quote or a turn (optionally its Nth sentence)."""
        where = f"document {document.id} ({document.case_id})"
        if sentence is not None and turn is None:
            raise BadInput("--sentence N counts the sentences of a turn: give --turn too")
        given = [x is not None for x in (span, quote, turn)]
        if sum(given) != 1:
            raise BadInput("give exactly one of --span START:END, --quote TEXT or --turn N")
        if quote is not None:
            return find_quote(self.text(document.id), quote, where)
        if turn is not None:
            t = self.turn(document.id, turn)
            if sentence is None:
                return t.start, t.end
            found = self.sentences(document.id, turn)
            if not 1 <= sentence <= len(found):
                raise NotFound(f"turn {turn} of {where} has no sentence {sentence} (sentences 1 to {len(found)})")
            return found[sentence - 1]
        start, end = _parse_span(span)
        if not 0 <= start < end <= document.length:
            raise BadInput(
                f"span {start}:{end} is outside {where}, which has {document.length} characters "
                f"(offsets 0 to {document.length}, end-exclusive, start < end)"
            )
        return start, end


def _parse_span(span: str | tuple[int, int] | None) -> tuple[int, int]:
    if not isinstance(span, str):
        assert span is not None
        return span
    start_text, sep, end_text = span.partition(":")
    try:
        start, end = int(start_text), int(end_text)
    except ValueError:
        raise BadInput(f"bad span {span!r}: use START:END with whole numbers, e.g. 120:180") from None
    if not sep:
        raise BadInput(f"bad span {span!r}: use START:END, e.g. 120:180")
    return start, end
