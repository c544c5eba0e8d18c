"""Project: the one core API that the CLI and the TUI use."""

from __future__ import annotations

import difflib
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qualcode import codebook as codebook_mod
from qualcode import coding as coding_mod
from qualcode.errors import BadInput, Conflict, NotFound
from qualcode.ingest.cases_csv import read_cases_csv
from qualcode.ingest.sources import read_transcript
from qualcode.ingest.transcript import parse
from qualcode.model import Case, Code, Coding, Document, Facet, ScaleStep, Turn
from qualcode.quote import find_quote
from qualcode.store import Store
from qualcode.timeutil import now


@dataclass(frozen=True)
class ImportResult:
    path: str
    status: str  # imported | unchanged | replaced
    document_id: int
    case_id: str
    encoding: str
    turns: int
    characters: int

    @property
    def message(self) -> str:
        if self.status == "unchanged":
            return f"{self.path}: unchanged since it was imported as document {self.document_id} ({self.case_id}); nothing to do"
        verb = "imported" if self.status == "imported" else "re-imported (changed, no codings)"
        return (f"{self.path}: {verb} as document {self.document_id}, case {self.case_id}: "
                f"{self.turns} turns, {self.characters} characters, encoding {self.encoding}")


class Project:
    """A qualcode project: one SQLite file holding documents, cases, the codebook, codings and ratings."""

    def __init__(self, store: Store):
        self.store = store
        self.path = store.path
        self._index = None

    @property
    def index(self):
        """The search index (qualcode.search.index.SearchIndex), created on first use."""
        if self._index is None:
            from qualcode.search.index import SearchIndex

            self._index = SearchIndex(self.store)
        return self._index

    # -- lifecycle -------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path | str, *, create: bool = False) -> "Project":
        return cls(Store(path, create=create))

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> "Project":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def conn(self) -> sqlite3.Connection:
        return self.store.conn

    # -- cases -----------------------------------------------------------------------------------
    def cases(self) -> list[Case]:
        values: dict[str, dict[str, Any]] = {}
        for row in self.conn.execute(
            "SELECT v.case_id, v.attribute, v.value, a.type FROM case_values v JOIN attributes a ON a.name = v.attribute ORDER BY a.position"
        ):
            value = bool(row["value"]) if row["type"] == "boolean" and row["value"] is not None else row["value"]
            values.setdefault(row["case_id"], {})[row["attribute"]] = value
        return [
            Case(r["id"], r["name"], values.get(r["id"], {}))
            for r in self.conn.execute("SELECT id, name FROM cases ORDER BY position, id")
        ]

    def case(self, case_id: str) -> Case:
        for case in self.cases():
            if case.id == case_id:
                return case
        raise NotFound(f"unknown case {case_id!r}{self._known('SELECT id FROM cases ORDER BY id')}")

    def attributes(self) -> list[tuple[str, str]]:
        return [(r["name"], r["type"]) for r in self.conn.execute("SELECT name, type FROM attributes ORDER BY position")]

    def _ensure_case(self, case_id: str, name: str = "") -> None:
        position = self.conn.execute("SELECT coalesce(max(position), 0) + 1 FROM cases").fetchone()[0]
        self.conn.execute("INSERT OR IGNORE INTO cases (id, name, position) VALUES (?, ?, ?)", (case_id, name, position))

    def import_cases(self, path: Path | str, *, create: bool = False, coder: str = "") -> list[str]:
        """Set case names and typed attributes from a CSV; unknown cases are refused unless `create`."""
        path = Path(path)
        table = read_cases_csv(path)
        known = {r[0] for r in self.conn.execute("SELECT id FROM cases")}
        if not create:
            for row in table.rows:
                if row.id not in known:
                    raise NotFound(
                        f"{path}:{row.line}: unknown case {row.id!r} (known: {', '.join(sorted(known)) or 'none'}; "
                        "import its transcript first, or pass --create)"
                    )
        with self.store.transaction() as conn:
            start = conn.execute("SELECT coalesce(max(position), 0) FROM attributes").fetchone()[0]
            for offset, (name, kind) in enumerate(table.attributes, 1):
                conn.execute(
                    "INSERT INTO attributes (name, type, position) VALUES (?, ?, ?) "
                    "ON CONFLICT(name) DO UPDATE SET type = excluded.type",
                    (name, kind, start + offset),
                )
            for row in table.rows:
                self._ensure_case(row.id, row.name)
                conn.execute("UPDATE cases SET name = ? WHERE id = ?", (row.name, row.id))
                for name, value in row.values.items():
                    conn.execute(
                        "INSERT INTO case_values (case_id, attribute, value) VALUES (?, ?, ?) "
                        "ON CONFLICT(case_id, attribute) DO UPDATE SET value = excluded.value",
                        (row.id, name, value),
                    )
            coding_mod.log_event(self.store, coder or "system", "cases.import", str(path), {"cases": [r.id for r in table.rows]})
        return [r.id for r in table.rows]

    # -- documents -------------------------------------------------------------------------------
    def _document(self, row: sqlite3.Row) -> Document:
        return Document(
            id=row["id"], case_id=row["case_id"], title=row["title"], source_path=row["source_path"],
            sha256=row["sha256"], encoding=row["encoding"], metadata=json.loads(row["metadata"]),
            imported_at=row["imported_at"], length=row["length"],
        )

    _DOC_SELECT = (
        "SELECT d.id, d.case_id, d.title, d.source_path, d.sha256, d.encoding, d.metadata, d.imported_at, "
        "length(d.text) AS length FROM documents d LEFT JOIN cases c ON c.id = d.case_id"
    )

    def documents(self, case_id: str | None = None) -> list[Document]:
        sql, params = self._DOC_SELECT, ()
        if case_id is not None:
            sql, params = sql + " WHERE d.case_id = ?", (case_id,)
        return [self._document(r) for r in self.conn.execute(sql + " ORDER BY c.position, d.case_id, d.id", params)]

    def document(self, ref: str | int) -> Document:
        """A document by id, by its case's id (when the case has one document) or by title."""
        ref_text = str(ref).strip()
        if ref_text.isdigit():
            cache = self.__dict__.setdefault("_documents", {})
            if int(ref_text) in cache:
                return cache[int(ref_text)]
            row = self.conn.execute(self._DOC_SELECT + " WHERE d.id = ?", (int(ref_text),)).fetchone()
            if row:
                cache[int(ref_text)] = self._document(row)
                return cache[int(ref_text)]
        rows = self.conn.execute(self._DOC_SELECT + " WHERE d.case_id = ? ORDER BY d.id", (ref_text,)).fetchall()
        if len(rows) == 1:
            return self._document(rows[0])
        if len(rows) > 1:
            ids = ", ".join(str(r["id"]) for r in rows)
            raise BadInput(f"case {ref_text!r} has {len(rows)} documents (ids {ids}); give a document id")
        rows = self.conn.execute(self._DOC_SELECT + " WHERE d.title = ?", (ref_text,)).fetchall()
        if len(rows) == 1:
            return self._document(rows[0])
        raise NotFound(f"unknown document {ref_text!r} (give a document id or a case id{self._known('SELECT id FROM cases ORDER BY id', ': ')})")

    def text(self, document_id: int) -> str:
        row = self.conn.execute("SELECT text FROM documents WHERE id = ?", (document_id,)).fetchone()
        if row is None:
            raise NotFound(f"no document with id {document_id}")
        return row[0]

    def turns(self, document_id: int) -> list[Turn]:
        return [
            Turn(document_id, r["number"], r["speaker"], r["start"], r["end"])
            for r in self.conn.execute(
                'SELECT number, speaker, start, "end" FROM turns WHERE document_id = ? ORDER BY number', (document_id,)
            )
        ]

    def turn(self, document_id: int, number: int) -> Turn:
        row = self.conn.execute(
            'SELECT number, speaker, start, "end" FROM turns WHERE document_id = ? AND number = ?', (document_id, number)
        ).fetchone()
        if row is None:
            count = self.conn.execute("SELECT count(*) FROM turns WHERE document_id = ?", (document_id,)).fetchone()[0]
            raise NotFound(f"document {document_id} has no turn {number} (turns are numbered 1 to {count})")
        return Turn(document_id, row["number"], row["speaker"], row["start"], row["end"])

    def import_files(self, paths: Sequence[Path | str], *, case_id: str | None = None, coder: str = "") -> list[ImportResult]:
        """Import transcripts: all of them or, if any is bad, none."""
        prepared = []
        seen: dict[tuple[str, str], Path] = {}
        for raw_path in paths:
            path = Path(raw_path)
            decoded = read_transcript(path)
            parsed = parse(decoded.text)
            if not parsed.turns:
                raise BadInput(f"{path}: no speaker turns found (expected lines starting 問：/答：, Q:/A: or Name:)")
            target_case = case_id or parsed.metadata.get("interviewee") or path.stem
            target_case = target_case.strip()
            title = path.stem
            key = (target_case, title)
            if key in seen:
                raise BadInput(f"{path}: same case and title as {seen[key]} in this import")
            seen[key] = path
            prepared.append((path, decoded, parsed, target_case, title))
        results = []
        with self.store.transaction() as conn:
            for path, decoded, parsed, target_case, title in prepared:
                results.append(self._import_one(conn, path, decoded, parsed, target_case, title, coder))
            changed = [r.document_id for r in results if r.status != "unchanged"]
            self.__dict__.pop("_texts", None)
            self.__dict__.pop("_documents", None)
            self.index.remove_documents([r.document_id for r in results if r.status == "replaced"])
            self.index.add_documents(changed)
        return results

    def _import_one(self, conn, path, decoded, parsed, case_id, title, coder) -> ImportResult:
        existing = conn.execute(
            "SELECT id, sha256 FROM documents WHERE case_id = ? AND title = ?", (case_id, title)
        ).fetchone()
        metadata = json.dumps(parsed.metadata, ensure_ascii=False)
        common = dict(path=str(path), case_id=case_id, encoding=decoded.encoding, turns=len(parsed.turns),
                      characters=len(decoded.text))
        if existing and existing["sha256"] == decoded.sha256:
            return ImportResult(status="unchanged", document_id=existing["id"], **common)
        if existing:
            codings = conn.execute("SELECT count(*) FROM codings WHERE document_id = ?", (existing["id"],)).fetchone()[0]
            if codings:
                raise Conflict(
                    f"{path}: changed since it was imported as document {existing['id']} ({case_id}), which has "
                    f"{codings} coding(s); re-importing would misplace them. Import the new version under another "
                    "file name, or remove its codings first"
                )
            conn.execute(
                "UPDATE documents SET source_path = ?, sha256 = ?, encoding = ?, text = ?, metadata = ?, imported_at = ? WHERE id = ?",
                (str(path), decoded.sha256, decoded.encoding, decoded.text, metadata, now(), existing["id"]),
            )
            conn.execute("DELETE FROM turns WHERE document_id = ?", (existing["id"],))
            document_id, status = existing["id"], "replaced"
        else:
            self._ensure_case(case_id)
            cur = conn.execute(
                "INSERT INTO documents (case_id, title, source_path, sha256, encoding, text, metadata, imported_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (case_id, title, str(path), decoded.sha256, decoded.encoding, decoded.text, metadata, now()),
            )
            document_id, status = cur.lastrowid, "imported"
        conn.executemany(
            'INSERT INTO turns (document_id, number, speaker, start, "end") VALUES (?, ?, ?, ?, ?)',
            [(document_id, i, t.speaker, t.start, t.end) for i, t in enumerate(parsed.turns, 1)],
        )
        coding_mod.log_event(self.store, coder or "system", "import", str(document_id),
                             {"path": str(path), "sha256": decoded.sha256, "status": status})
        return ImportResult(status=status, document_id=document_id, **common)

    # -- codebook --------------------------------------------------------------------------------
    def load_codebook(self, path: Path | str, *, coder: str = "") -> codebook_mod.Codebook:
        """Replace the project's codebook with a file's: validated first, then written all at once."""
        book = codebook_mod.load_file(path)
        return self.set_codebook(book, source=str(path), coder=coder)

    def set_codebook(self, book: codebook_mod.Codebook, *, source: str = "", coder: str = "") -> codebook_mod.Codebook:
        new_codes = {c.id for c in book.codes}
        in_use = [
            f"{r['code_id']} ({r['n']} codings)"
            for r in self.conn.execute("SELECT code_id, count(*) AS n FROM codings GROUP BY code_id ORDER BY code_id")
            if r["code_id"] not in new_codes
        ]
        if in_use:
            raise Conflict(f"{source or 'the codebook'} drops codes that have codings: {', '.join(in_use)}")
        rated = [
            r[0] for r in self.conn.execute("SELECT DISTINCT code_id FROM ratings") if r[0] not in new_codes
        ]
        if rated:
            raise Conflict(f"{source or 'the codebook'} drops codes that have ratings: {', '.join(rated)}")
        for table, key, ids in (("facet_id", "facets", {f.id for f in book.facets}),
                                ("step_id", "scale steps", {s.id for s in book.scale})):
            used = [r[0] for r in self.conn.execute(f"SELECT DISTINCT {table} FROM ratings") if r[0] not in ids]
            if used:
                raise Conflict(f"{source or 'the codebook'} drops {key} used by ratings: {', '.join(used)}")
        with self.store.transaction() as conn:
            conn.execute("PRAGMA defer_foreign_keys = ON")
            conn.execute("DELETE FROM codes WHERE id NOT IN (SELECT value FROM json_each(?))", (json.dumps(sorted(new_codes)),))
            for code in book.codes:
                conn.execute(
                    "INSERT INTO codes (id, parent_id, name, name_en, description, color, shortcut, keywords, position) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET parent_id = excluded.parent_id, "
                    "name = excluded.name, name_en = excluded.name_en, description = excluded.description, "
                    "color = excluded.color, shortcut = excluded.shortcut, keywords = excluded.keywords, position = excluded.position",
                    (code.id, code.parent_id, code.name, code.name_en, code.description, code.color, code.shortcut,
                     json.dumps(list(code.keywords), ensure_ascii=False), code.position),
                )
            conn.execute("DELETE FROM facets")
            conn.executemany("INSERT INTO facets (id, name, name_en, position) VALUES (?, ?, ?, ?)",
                             [(f.id, f.name, f.name_en, i) for i, f in enumerate(book.facets)])
            conn.execute("DELETE FROM scale_steps")
            conn.executemany("INSERT INTO scale_steps (id, label, label_en, value, color, position) VALUES (?, ?, ?, ?, ?, ?)",
                             [(s.id, s.label, s.label_en, s.value, s.color, i) for i, s in enumerate(book.scale)])
            for key, value in (("codebook.name", book.name), ("codebook.version", book.version),
                               ("codebook.description", book.description),
                               ("codebook.rated", json.dumps(list(book.rated), ensure_ascii=False))):
                conn.execute("INSERT INTO project (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                             (key, value))
            coding_mod.log_event(self.store, coder or "system", "codebook.load", source, {"codes": len(book.codes)})
        return self.codebook()

    def codebook(self) -> codebook_mod.Codebook:
        meta = {r["key"]: r["value"] for r in self.conn.execute("SELECT key, value FROM project WHERE key LIKE 'codebook.%'")}
        return codebook_mod.Codebook(
            name=meta.get("codebook.name", ""),
            version=meta.get("codebook.version", ""),
            description=meta.get("codebook.description", ""),
            scale=tuple(self.scale()),
            facets=tuple(self.facets()),
            codes=tuple(self.codes()),
            rated=tuple(json.loads(meta.get("codebook.rated", "[]"))),
        )

    def rated_codes(self) -> list[str]:
        """The rows of the factor-strength table: the codebook's `rated` list, else every second-level code."""
        book = self.codebook()
        known = {c.id for c in book.codes}
        if book.rated:
            return [c for c in book.rated if c in known]
        tops = {c.id for c in book.codes if c.parent_id is None}
        return [c.id for c in book.codes if c.parent_id in tops]

    def codes(self) -> list[Code]:
        """The code tree in codebook order (cached until the codebook changes)."""
        key = self.conn.total_changes, self.conn.execute("PRAGMA data_version").fetchone()[0]
        cached = self.__dict__.get("_codes")
        if cached is not None and cached[0] == key:
            return cached[1]
        codes = self._load_codes()
        self.__dict__["_codes"] = (key, codes)
        return codes

    def _load_codes(self) -> list[Code]:
        return [
            Code(id=r["id"], name=r["name"], parent_id=r["parent_id"], name_en=r["name_en"], description=r["description"],
                 color=r["color"], shortcut=r["shortcut"], keywords=tuple(json.loads(r["keywords"])), position=r["position"])
            for r in self.conn.execute("SELECT * FROM codes ORDER BY position, id")
        ]

    def code(self, code_id: str) -> Code:
        for code in self.codes():
            if code.id == code_id:
                return code
        ids = [c.id for c in self.codes()]
        guess = difflib.get_close_matches(code_id, ids, n=1)
        hint = f"; did you mean {guess[0]!r}?" if guess else (" (the project has no codebook; load one with `qualcode codebook load`)" if not ids else "")
        raise NotFound(f"unknown code {code_id!r}{hint}")

    def descendants(self, code_id: str) -> list[str]:
        """The code and every code below it in the tree."""
        self.code(code_id)
        children: dict[str | None, list[str]] = {}
        for code in self.codes():
            children.setdefault(code.parent_id, []).append(code.id)
        out, todo = [], [code_id]
        while todo:
            current = todo.pop()
            out.append(current)
            todo.extend(children.get(current, []))
        return out

    def facets(self) -> list[Facet]:
        return [Facet(r["id"], r["name"], r["name_en"]) for r in self.conn.execute("SELECT * FROM facets ORDER BY position")]

    def scale(self) -> list[ScaleStep]:
        return [ScaleStep(r["id"], r["label"], r["label_en"], r["value"], r["color"])
                for r in self.conn.execute("SELECT * FROM scale_steps ORDER BY position")]

    # -- coding ----------------------------------------------------------------------------------
    def resolve_span(self, document: Document, *, span: str | tuple[int, int] | None = None,
                     quote: str | None = None, turn: int | None = None) -> tuple[int, int]:
        given = [x is not None for x in (span, quote, turn)]
        if sum(given) != 1:
            raise BadInput("give exactly one of --span START:END, --quote TEXT or --turn N")
        where = f"document {document.id} ({document.case_id})"
        if quote is not None:
            return find_quote(self.text(document.id), quote, where)
        if turn is not None:
            t = self.turn(document.id, turn)
            return t.start, t.end
        if isinstance(span, str):
            start_text, sep, end_text = span.partition(":")
            try:
                start, end = int(start_text), int(end_text)
            except ValueError:
                raise BadInput(f"bad span {span!r}: use START:END with whole numbers, e.g. 120:180") from None
            if not sep:
                raise BadInput(f"bad span {span!r}: use START:END, e.g. 120:180")
        else:
            start, end = span
        if not 0 <= start < end <= document.length:
            raise BadInput(
                f"span {start}:{end} is outside {where}, which has {document.length} characters (offsets 0 to {document.length}, end-exclusive, start < end)"
            )
        return start, end

    def code_span(self, document_ref: str | int, code_id: str, coder: str, *, span: str | tuple[int, int] | None = None,
                  quote: str | None = None, turn: int | None = None, memo: str = "") -> Coding:
        document = self.document(document_ref)
        self.code(code_id)
        start, end = self.resolve_span(document, span=span, quote=quote, turn=turn)
        return coding_mod.apply(self.store, document_id=document.id, code_id=code_id, coder=coder, start=start, end=end,
                                memo=memo, case_id=document.case_id, text=self.text_cached(document.id))

    def uncode(self, coding_id: str, coder: str) -> Coding:
        return coding_mod.remove(self.store, coding_id, coder)

    def set_memo(self, coding_id: str, memo: str, coder: str) -> Coding:
        return coding_mod.set_memo(self.store, coding_id, memo, coder)

    def coding(self, coding_id: str) -> Coding:
        return coding_mod.find(self.store, coding_id)

    def codings(self, *, document: str | int | None = None, code: str | None = None, coder: str | None = None,
                case: str | None = None, include_descendants: bool = False) -> list[Coding]:
        document_id = self.document(document).id if document is not None else None
        code_ids = None
        if code is not None:
            code_ids = self.descendants(code) if include_descendants else [self.code(code).id]
        if case is not None:
            self.case(case)
        texts = {document_id: self.text_cached(document_id)} if document_id is not None else None
        return coding_mod.select(self.store, document_id=document_id, code_ids=code_ids, coder=coder, case_id=case,
                                 texts=texts)

    def undo(self, coder: str) -> coding_mod.UndoResult:
        return coding_mod.undo(self.store, coder)

    def redo(self, coder: str) -> coding_mod.UndoResult:
        return coding_mod.redo(self.store, coder)

    def code_counts(self, coder: str | None = None) -> dict[str, int]:
        sql, params = "SELECT code_id, count(*) FROM codings", ()
        if coder is not None:
            sql, params = sql + " WHERE coder = ?", (coder,)
        return {r[0]: r[1] for r in self.conn.execute(sql + " GROUP BY code_id", params)}

    def coders(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT DISTINCT coder FROM codings ORDER BY coder")]

    # -- ratings ---------------------------------------------------------------------------------
    def rate(self, case_id: str, code_id: str, value: str, *, coder: str, facet: str | None = None,
             note: str | None = None, evidence: Sequence[str] = ()):
        """Set a coder's rating of a code (a factor or sub-factor) for a case on a facet."""
        from qualcode.analysis import ratings

        self.case(case_id)
        self.code(code_id)
        facet_id = ratings.resolve_facet(self.store, facet)
        step_id = ratings.resolve_step(self.store, value)
        return ratings.rate(self.store, case_id=case_id, code_id=code_id, facet_id=facet_id, coder=coder,
                            step_id=step_id, note=note, evidence=list(evidence))

    def rating_note(self, case_id: str, code_id: str, note: str, *, coder: str, facet: str | None = None):
        from qualcode.analysis import ratings

        return ratings.set_note(self.store, case_id=case_id, code_id=code_id,
                                facet_id=ratings.resolve_facet(self.store, facet), coder=coder, note=note)

    def detach_evidence(self, case_id: str, code_id: str, coding_id: str, *, coder: str, facet: str | None = None):
        from qualcode.analysis import ratings

        return ratings.detach(self.store, case_id=case_id, code_id=code_id,
                              facet_id=ratings.resolve_facet(self.store, facet), coder=coder, coding_id=coding_id)

    def clear_rating(self, case_id: str, code_id: str, *, coder: str, facet: str | None = None) -> bool:
        from qualcode.analysis import ratings

        self.case(case_id)
        self.code(code_id)
        return ratings.clear(self.store, case_id=case_id, code_id=code_id,
                             facet_id=ratings.resolve_facet(self.store, facet), coder=coder)

    def ratings(self, *, facet: str | None = None, coder: str | None = None, case: str | None = None,
                code: str | None = None):
        from qualcode.analysis import ratings

        facet_id = ratings.resolve_facet(self.store, facet) if facet is not None else None
        return ratings.select(self.store, facet_id=facet_id, coder=coder, case_id=case, code_id=code)

    def raters(self) -> list[str]:
        from qualcode.analysis import ratings

        return ratings.raters(self.store)

    # -- codebook edits from the TUI -------------------------------------------------------------
    def create_code(self, code_id: str, name: str, *, parent: str | None = None, color: str = "",
                    name_en: str = "", coder: str = "") -> Code:
        """Add one code to the project's codebook (dump it to keep the YAML in step)."""
        from qualcode.codebook import COLOR_RE, ID_RE

        if not ID_RE.match(code_id):
            raise BadInput(f"bad code id {code_id!r}: use letters, digits, '-', '_' or '.'")
        if not name.strip():
            raise BadInput("a new code needs a name")
        if color and not COLOR_RE.match(color):
            raise BadInput(f"bad colour {color!r}: use #RRGGBB")
        if any(c.id == code_id for c in self.codes()):
            raise Conflict(f"code {code_id!r} already exists")
        if parent is not None:
            self.code(parent)
        with self.store.transaction() as conn:
            position = conn.execute("SELECT coalesce(max(position), -1) + 1 FROM codes").fetchone()[0]
            conn.execute(
                "INSERT INTO codes (id, parent_id, name, name_en, color, position) VALUES (?, ?, ?, ?, ?, ?)",
                (code_id, parent, name.strip(), name_en, color, position),
            )
            coding_mod.log_event(self.store, coder or "system", "code.create", code_id,
                                 {"name": name, "parent": parent, "color": color})
        return self.code(code_id)

    # -- where each coder left off ---------------------------------------------------------------
    def save_place(self, coder: str, document_id: int, offset: int) -> None:
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO project (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (f"place.{coder}", json.dumps({"document": document_id, "offset": offset})),
            )

    def place(self, coder: str) -> tuple[int, int] | None:
        row = self.conn.execute("SELECT value FROM project WHERE key = ?", (f"place.{coder}",)).fetchone()
        if row is None:
            return None
        data = json.loads(row[0])
        if not self.conn.execute("SELECT 1 FROM documents WHERE id = ?", (data["document"],)).fetchone():
            return None
        return data["document"], data["offset"]

    # -- search ----------------------------------------------------------------------------------
    def ensure_index(self):
        """The search index, rebuilt first if documents are missing from it (e.g. an older project)."""
        if not self.index.is_current():
            self.index.rebuild()
        return self.index

    def reindex(self) -> int:
        return self.index.rebuild()

    def search(self, query: str, *, cases: Sequence[str] = (), code: str | None = None, coder: str | None = None,
               speaker: str | None = None, coded_only: bool = False, limit: int | None = 50):
        """Search turns (or coded segments when code, coder or coded_only is given); see search/engine.py."""
        from qualcode.search.engine import search

        return search(self, query, self._filters(cases, code, coder, speaker, coded_only), limit=limit)

    def kwic(self, term: str, *, cases: Sequence[str] = (), code: str | None = None, coder: str | None = None,
             speaker: str | None = None, coded_only: bool = False, width: int = 20, sort: str = "position",
             limit: int | None = None):
        """Every occurrence of a term with its left and right context; see search/kwic.py."""
        from qualcode.search.kwic import kwic

        return kwic(self, term, self._filters(cases, code, coder, speaker, coded_only), width=width, sort=sort, limit=limit)

    def _filters(self, cases: Sequence[str], code: str | None, coder: str | None, speaker: str | None, coded_only: bool):
        """Search filters with every case and code checked, the code expanded to its descendants."""
        from qualcode.search.engine import Filters

        for case_id in cases:
            self.case(case_id)
        code_ids = tuple(self.descendants(code)) if code is not None else None
        return Filters(cases=tuple(cases), code_ids=code_ids, coder=coder, speaker=speaker, coded_only=coded_only)

    def codings_for_search(self, *, code_ids=None, coder=None, cases=()) -> list[tuple[str, int, int, int]]:
        where, params = [], []
        if code_ids is not None:
            where.append(f"c.code_id IN ({','.join('?' * len(code_ids))})")
            params.extend(code_ids)
        if coder is not None:
            where.append("c.coder = ?")
            params.append(coder)
        if cases:
            where.append(f"d.case_id IN ({','.join('?' * len(cases))})")
            params.extend(cases)
        sql = 'SELECT c.id, c.document_id, c.start, c."end" FROM codings c JOIN documents d ON d.id = c.document_id'
        if where:
            sql += " WHERE " + " AND ".join(where)
        return [tuple(r) for r in self.conn.execute(sql + ' ORDER BY c.document_id, c.start, c."end", c.id', params)]

    def text_cached(self, document_id: int) -> str:
        """Document text, kept in memory: texts never change once coded, and a re-import clears this."""
        cache = self.__dict__.setdefault("_texts", {})
        if document_id not in cache:
            if len(cache) > 64:
                cache.clear()
            cache[document_id] = self.text(document_id)
        return cache[document_id]

    def codes_in_span(self, document_id: int, start: int, end: int) -> list[str]:
        rows = self.conn.execute(
            'SELECT DISTINCT c.code_id FROM codings c JOIN codes k ON k.id = c.code_id '
            'WHERE c.document_id = ? AND c.start < ? AND c."end" > ? ORDER BY k.position',
            (document_id, end, start),
        )
        return [r[0] for r in rows]

    def keywords(self) -> list[str]:
        return sorted({k for code in self.codes() for k in code.keywords})

    # -- overview --------------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        count = lambda table: self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: E731
        return {
            "documents": count("documents"),
            "turns": count("turns"),
            "cases": count("cases"),
            "codes": count("codes"),
            "codings": count("codings"),
            "coders": self.coders(),
        }

    def events(self, limit: int = 50) -> list[dict[str, Any]]:
        return [dict(r) for r in self.conn.execute("SELECT * FROM events ORDER BY id DESC LIMIT ?", (limit,))]

    def _known(self, sql: str, prefix: str = " (known: ") -> str:
        ids = [str(r[0]) for r in self.conn.execute(sql)]
        if not ids:
            return ""
        return f"{prefix}{', '.join(ids)}" + (")" if prefix.startswith(" (") else "")


def bundled_path(*parts: str) -> Path:
    """A file that ships with qualcode (transcripts/, codebooks/), found beside the package."""
    return Path(__file__).resolve().parent.parent.joinpath(*parts)


def build_demo(path: Path | str, *, coder: str = "") -> Project:
    """Create a project from the bundled A–E transcripts, cases.csv and the default codebook."""
    project = Project.open(path, create=True)
    try:
        project.load_codebook(bundled_path("codebooks", "five-municipalities.yaml"), coder=coder)
        transcripts = sorted(bundled_path("transcripts").glob("[A-E].txt"))
        project.import_files(transcripts, coder=coder)
        project.import_cases(bundled_path("transcripts", "cases.csv"), coder=coder)
    except Exception:
        project.close()
        raise
    return project
