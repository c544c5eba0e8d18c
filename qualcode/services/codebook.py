"""The project's codebook: the code tree, rating facets, the rating scale and the rated rows."""

from __future__ import annotations

import difflib
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

from qualcode import codebook as yaml_codebook
from qualcode.codebook import COLOR_RE, ID_RE, Codebook
from qualcode.errors import BadInput, Conflict, NotFound
from qualcode.model import Code, Facet, ScaleStep
from qualcode.services.events import EventLog
from qualcode.store import Store


class CodebookService:
    """Reads and changes the codebook; the code list is cached until any connection writes to the file."""

    def __init__(self, store: Store, log: EventLog):
        self._store = store
        self._log = log
        self._codes: tuple[tuple[int, int], list[Code]] | None = None

    @property
    def _conn(self) -> sqlite3.Connection:
        return self._store.conn

    # -- the whole codebook ----------------------------------------------------------------------
    def load(self, path: Path | str, *, coder: str = "") -> Codebook:
        """Replace the project's codebook with a file's: validated first, then written all at once."""
        book = yaml_codebook.load_file(path)
        return self.replace(book, source=str(path), coder=coder)

    def replace(self, book: Codebook, *, source: str = "", coder: str = "") -> Codebook:
        """Replace codes, facets, scale and rated rows; refused if it drops anything codings or ratings use."""
        self._check_drops(book, source or "the codebook")
        new_codes = sorted(c.id for c in book.codes)
        with self._store.transaction() as conn:
            conn.execute("PRAGMA defer_foreign_keys = ON")
            conn.execute("DELETE FROM codes WHERE id NOT IN (SELECT value FROM json_each(?))", (json.dumps(new_codes),))
            for code in book.codes:
                conn.execute(
                    "INSERT INTO codes (id, parent_id, name, name_en, description, color, shortcut, keywords, position) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET parent_id = excluded.parent_id, "
                    "name = excluded.name, name_en = excluded.name_en, description = excluded.description, "
                    "color = excluded.color, shortcut = excluded.shortcut, keywords = excluded.keywords, "
                    "position = excluded.position",
                    (
                        code.id,
                        code.parent_id,
                        code.name,
                        code.name_en,
                        code.description,
                        code.color,
                        code.shortcut,
                        json.dumps(list(code.keywords), ensure_ascii=False),
                        code.position,
                    ),
                )
            conn.execute("DELETE FROM facets")
            conn.executemany(
                "INSERT INTO facets (id, name, name_en, position) VALUES (?, ?, ?, ?)",
                [(f.id, f.name, f.name_en, i) for i, f in enumerate(book.facets)],
            )
            conn.execute("DELETE FROM scale_steps")
            conn.executemany(
                "INSERT INTO scale_steps (id, label, label_en, value, color, position) VALUES (?, ?, ?, ?, ?, ?)",
                [(s.id, s.label, s.label_en, s.value, s.color, i) for i, s in enumerate(book.scale)],
            )
            for key, value in (
                ("codebook.name", book.name),
                ("codebook.version", book.version),
                ("codebook.description", book.description),
                ("codebook.rated", json.dumps(list(book.rated), ensure_ascii=False)),
            ):
                conn.execute(
                    "INSERT INTO project (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (key, value),
                )
            self._log.log(coder or "system", "codebook.load", source, {"codes": len(book.codes)})
        return self.get()

    def _check_drops(self, book: Codebook, source: str) -> None:
        new_codes = {c.id for c in book.codes}
        in_use = [
            f"{r['code_id']} ({r['n']} codings)"
            for r in self._conn.execute("SELECT code_id, count(*) AS n FROM codings GROUP BY code_id ORDER BY code_id")
            if r["code_id"] not in new_codes
        ]
        if in_use:
            raise Conflict(f"{source} drops codes that have codings: {', '.join(in_use)}")
        rated = [r[0] for r in self._conn.execute("SELECT DISTINCT code_id FROM ratings") if r[0] not in new_codes]
        if rated:
            raise Conflict(f"{source} drops codes that have ratings: {', '.join(rated)}")
        for column, what, ids in (
            ("facet_id", "facets", {f.id for f in book.facets}),
            ("step_id", "scale steps", {s.id for s in book.scale}),
        ):
            used = [r[0] for r in self._conn.execute(f"SELECT DISTINCT {column} FROM ratings") if r[0] not in ids]
            if used:
                raise Conflict(f"{source} drops {what} used by ratings: {', '.join(used)}")

    def get(self) -> Codebook:
        """The whole codebook as it is now (what `codebook dump` writes)."""
        meta = {
            r["key"]: r["value"]
            for r in self._conn.execute("SELECT key, value FROM project WHERE key LIKE 'codebook.%'")
        }
        return Codebook(
            name=meta.get("codebook.name", ""),
            version=meta.get("codebook.version", ""),
            description=meta.get("codebook.description", ""),
            scale=tuple(self.scale()),
            facets=tuple(self.facets()),
            codes=tuple(self.codes()),
            rated=tuple(json.loads(meta.get("codebook.rated", "[]"))),
        )

    # -- codes -----------------------------------------------------------------------------------
    def codes(self) -> list[Code]:
        """The code tree in codebook order (cached until the project file changes)."""
        key = self._conn.total_changes, self._conn.execute("PRAGMA data_version").fetchone()[0]
        if self._codes is not None and self._codes[0] == key:
            return self._codes[1]
        codes = [
            Code(
                id=r["id"],
                name=r["name"],
                parent_id=r["parent_id"],
                name_en=r["name_en"],
                description=r["description"],
                color=r["color"],
                shortcut=r["shortcut"],
                keywords=tuple(json.loads(r["keywords"])),
                position=r["position"],
            )
            for r in self._conn.execute("SELECT * FROM codes ORDER BY position, id")
        ]
        self._codes = (key, codes)
        return codes

    def code(self, code_id: str) -> Code:
        for code in self.codes():
            if code.id == code_id:
                return code
        ids = [c.id for c in self.codes()]
        guess = difflib.get_close_matches(code_id, ids, n=1)
        if guess:
            hint = f"; did you mean {guess[0]!r}?"
        else:
            hint = "" if ids else " (the project has no codebook; load one with `qualcode codebook load`)"
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

    def keywords(self) -> list[str]:
        """Every code's keywords (jieba learns them as words)."""
        return sorted({k for code in self.codes() for k in code.keywords})

    def rated_codes(self) -> list[str]:
        """The rows of the factor-strength table: the codebook's `rated` list, else every second-level code."""
        book = self.get()
        known = {c.id for c in book.codes}
        if book.rated:
            return [c for c in book.rated if c in known]
        tops = {c.id for c in book.codes if c.parent_id is None}
        return [c.id for c in book.codes if c.parent_id in tops]

    def create_code(
        self,
        code_id: str,
        name: str,
        *,
        parent: str | None = None,
        color: str = "",
        name_en: str = "",
        description: str = "",
        coder: str = "",
        undoable: bool = True,
    ) -> Code:
        """Add one code to the project's codebook (dump it to keep the YAML in step)."""
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
        with self._store.transaction() as conn:
            position = conn.execute("SELECT coalesce(max(position), -1) + 1 FROM codes").fetchone()[0]
            conn.execute(
                "INSERT INTO codes (id, parent_id, name, name_en, description, color, position) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (code_id, parent, name.strip(), name_en, description, color, position),
            )
            payload: dict[str, object] = {"name": name, "parent": parent, "color": color}
            if undoable:  # an import creates codes as part of one import event, not one by one in the coder's history
                payload["row"] = dict(conn.execute("SELECT * FROM codes WHERE id = ?", (code_id,)).fetchone())
            self._log.log(coder or "system", "code.create", code_id, payload)
        return self.code(code_id)

    def undo_handlers(self) -> dict[str, tuple[Callable[[dict], None], Callable[[dict], None]]]:
        """For services/history.py: creating a code is undone by deleting it while nothing uses it."""

        def delete(payload: dict) -> None:
            code_id = payload["row"]["id"]
            used = self._conn.execute(
                "SELECT (SELECT count(*) FROM codings WHERE code_id = :id) + (SELECT count(*) FROM ratings WHERE code_id = :id) "
                "+ (SELECT count(*) FROM codes WHERE parent_id = :id)",
                {"id": code_id},
            ).fetchone()[0]
            if used:
                raise Conflict(f"cannot undo creating code {code_id!r}: codings, ratings or codes below it use it; "
                               "remove them first")  # fmt: skip
            self._conn.execute("DELETE FROM codes WHERE id = ?", (code_id,))

        def insert(payload: dict) -> None:
            row = payload["row"]
            if self._conn.execute("SELECT 1 FROM codes WHERE id = ?", (row["id"],)).fetchone():
                raise Conflict(f"cannot redo creating code {row['id']!r}: a code with that id exists")
            columns = ", ".join(row)
            self._conn.execute(f"INSERT INTO codes ({columns}) VALUES ({', '.join(':' + c for c in row)})", row)

        return {"code.create": (delete, insert)}

    # -- rating facets and scale -----------------------------------------------------------------
    def facets(self) -> list[Facet]:
        return [
            Facet(r["id"], r["name"], r["name_en"])
            for r in self._conn.execute("SELECT * FROM facets ORDER BY position")
        ]

    def scale(self) -> list[ScaleStep]:
        return [
            ScaleStep(r["id"], r["label"], r["label_en"], r["value"], r["color"])
            for r in self._conn.execute("SELECT * FROM scale_steps ORDER BY position")
        ]

    def facet_id(self, facet: str | None) -> str:
        """A facet's id from its id, name or English name; None gives the codebook's first facet."""
        facets = self.facets()
        if not facets:
            raise BadInput("the codebook declares no rating facets")
        if facet is None:
            return facets[0].id
        for f in facets:
            if facet in (f.id, f.name) or facet.lower() == f.name_en.lower():
                return f.id
        raise NotFound(f"unknown facet {facet!r} (facets: {', '.join(f.id + ' ' + f.name for f in facets)})")

    def step_id(self, value: str) -> str:
        """A scale step's id from its id, its label (強) or its English label (strong), Latin case-insensitively."""
        steps = self.scale()
        for step in steps:
            if value in (step.id, step.label) or value.lower() in (step.id.lower(), step.label_en.lower()):
                return step.id
        known = ", ".join(f"{s.id} ({s.label})" for s in steps) or "none: load a codebook with a scale"
        raise BadInput(f"unknown rating value {value!r} (the scale: {known})")
