"""The project's codebook: the code tree, rating facets, the rating scale and the rated rows."""

from __future__ import annotations

import difflib
import json
import re
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qualcode import codebook as yaml_codebook
from qualcode.codebook import COLOR_RE, ID_RE, SHORTCUTS, Codebook
from qualcode.errors import BadInput, Conflict, NotFound
from qualcode.model import Code, Facet, ScaleStep
from qualcode.services.events import EventLog
from qualcode.store import Store
from qualcode.timeutil import now


class CodebookService:
    """Reads and changes the codebook; the code list is cached until any connection writes to the file."""

    def __init__(self, store: Store, log: EventLog):
        self._store = store
        self._log = log
        self._codes: tuple[tuple[int, int, bool], list[Code]] | None = None

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
        # In a transaction the key says so: a rollback undoes changes total_changes still counts.
        key = (self._conn.total_changes, self._conn.execute("PRAGMA data_version").fetchone()[0],
               self._conn.in_transaction)  # fmt: skip
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
        named = [
            c
            for c in self.codes()
            if code_id.strip() and code_id.strip().lower() in (c.name.lower(), c.name_en.lower())
        ]
        guess = difflib.get_close_matches(code_id, ids, n=1)
        if named:
            hint = f" (that is the name of code {named[0].id!r}: give its id)"
        elif guess:
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

    def undo_handlers(
        self, restore: Callable[[dict, str | None], dict] | None = None
    ) -> dict[str, tuple[Callable[[dict], None], Callable[[dict], None]]]:
        """For services/history.py: (reverse, forward) of each codebook action, given the event's payload.

        Creating a code is undone by deleting it while nothing uses it. Renames, moves and updates are undone
        by setting what the event recorded before, merges and deletes by putting back every row they changed;
        each is refused (one line, nothing changed) if the code was changed since by someone else. `restore(row,
        text)` puts a recorded coding back (history.py's, which carries it to a re-imported text).
        """
        restore_coding = restore or self._restore_row

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

        def fields(have: str, want: str, verb: str) -> Callable[[dict], None]:
            def apply(payload: dict) -> None:
                code_id = payload["code"]
                current = self._conn.execute("SELECT * FROM codes WHERE id = ?", (code_id,)).fetchone()
                if current is None:
                    raise Conflict(f"cannot {verb} of code {code_id!r}: the code is gone; nothing changed")
                if any(current[column] != value for column, value in payload[have].items()):
                    raise Conflict(f"cannot {verb} of code {code_id!r}: it was changed since; nothing changed")
                key = payload[want].get("shortcut")
                if key:
                    holder = self._conn.execute(
                        "SELECT id FROM codes WHERE shortcut = ? AND id != ?", (key, code_id)
                    ).fetchone()
                    if holder:
                        raise Conflict(f"cannot {verb} of code {code_id!r}: key {key} now belongs to code "
                                       f"{holder[0]!r}; nothing changed")  # fmt: skip
                _set_columns(self._conn, code_id, payload[want])

            return apply

        def move(have: str, want: str, verb: str) -> Callable[[dict], None]:
            def apply(payload: dict) -> None:
                code_id, parent = payload["code"], payload[want]["parent"]
                current = self._conn.execute("SELECT parent_id FROM codes WHERE id = ?", (code_id,)).fetchone()
                if current is None or current[0] != payload[have]["parent"]:
                    raise Conflict(f"cannot {verb} of code {code_id!r}: it is gone or was moved since; nothing changed")
                if parent is not None:
                    self._codes = None
                    try:
                        self._check_parent(code_id, parent)
                    except BadInput as exc:
                        raise Conflict(f"cannot {verb} of code {code_id!r}: {exc}; nothing changed") from None
                self._conn.execute("UPDATE codes SET parent_id = ? WHERE id = ?", (parent, code_id))
                _set_positions(self._conn, payload[want]["positions"])

            return apply

        def guarded(handler: Callable[[dict], None], what: str) -> Callable[[dict], None]:
            def run(payload: dict) -> None:
                try:
                    handler(payload)
                except sqlite3.IntegrityError as exc:
                    raise Conflict(f"cannot {what}: {exc}; nothing changed") from None
                finally:
                    self._codes = None

            return run

        handlers: dict[str, tuple[Callable[[dict], None], Callable[[dict], None]]] = {
            "code.create": (delete, insert),
            "code.rename": (
                fields("after", "before", "undo the renaming"),
                fields("before", "after", "redo the renaming"),
            ),
            "code.update": (fields("after", "before", "undo the change"), fields("before", "after", "redo the change")),
            "code.move": (move("after", "before", "undo the move"), move("before", "after", "redo the move")),
            "code.merge": (lambda p: self._merge_reverse(p, restore_coding), self._merge_forward),
            "code.delete": (lambda p: self._delete_reverse(p, restore_coding), self._delete_forward),
        }
        return {
            action: (guarded(reverse, f"undo {action}"), guarded(forward, f"redo {action}"))
            for action, (reverse, forward) in handlers.items()
        }

    # -- managing codes: rename, move, merge, delete, update ------------------------------------------
    #
    # Each change runs in one transaction and logs one event whose payload holds what undo needs to put the
    # project back exactly (rows, parents, positions, the rated list) and what redo needs to do it again.
    # The codings and ratings tables are changed here directly (like `_check_drops`): CodingService and
    # RatingService sit above this service and cannot be called from it.

    def usage(self, code_id: str) -> CodeUsage:
        """What uses a code: its codings (anchored and orphaned, every coder's), ratings and child codes."""
        self.code(code_id)
        codings, orphaned, ratings = self._conn.execute(
            "SELECT (SELECT count(*) FROM codings WHERE code_id = :id), "
            "(SELECT count(*) FROM codings WHERE code_id = :id AND orphaned = 1), "
            "(SELECT count(*) FROM ratings WHERE code_id = :id)",
            {"id": code_id},
        ).fetchone()
        children = tuple(c.id for c in self.codes() if c.parent_id == code_id)
        return CodeUsage(codings, orphaned, ratings, children)

    def tree(self) -> list[tuple[Code, int]]:
        """Every code in tree order (a parent, then its children by position, depth first) with its depth (0: top)."""
        codes = self.codes()
        by_id = {c.id: c for c in codes}
        depth: dict[str, int] = {}
        out = []
        for code_id in _preorder(codes, {c.id: c.parent_id for c in codes}):
            code = by_id[code_id]
            depth[code_id] = depth[code.parent_id] + 1 if code.parent_id in depth else 0
            out.append((code, depth[code_id]))
        return out

    def move_targets(self, code_id: str) -> list[Code]:
        """The codes a code may be moved under (not itself, nor a code below it), in codebook order."""
        below = set(self.descendants(code_id))
        return [c for c in self.codes() if c.id not in below]

    def rename(self, code_id: str, *, name: str | None = None, name_en: str | None = None, coder: str) -> Code:
        """Give a code a new (Chinese) name and/or English name; its id, codings and ratings stay."""
        if name is None and name_en is None:
            raise BadInput(f"give a new name or English name for code {code_id!r}")
        with self._writing() as conn:
            code = self.code(code_id)
            after = {"name": code.name if name is None else _clean_name(name, "name"),
                     "name_en": code.name_en if name_en is None else _clean_name(name_en, "English name", empty=True)}  # fmt: skip
            before = {"name": code.name, "name_en": code.name_en}
            if after != before:
                _set_columns(conn, code_id, after)
                self._log.log(
                    coder or "system", "code.rename", code_id, {"code": code_id, "before": before, "after": after}
                )
        return self.code(code_id)

    def update(
        self,
        code_id: str,
        *,
        color: str | None = None,
        key: str | None = None,
        definition: str | None = None,
        keywords: Sequence[str] | None = None,
        coder: str,
    ) -> Code:
        """Change a code's colour (#RRGGBB), shortcut key (one digit 0-9, unique among codes), definition or
        keywords; None leaves a field as it is, "" (or no keywords) clears it."""
        if color is None and key is None and definition is None and keywords is None:
            raise BadInput(f"give something to change for code {code_id!r}: a colour, a key, a definition or keywords")
        with self._writing() as conn:
            code = self.code(code_id)
            after: dict[str, str] = {}
            if color is not None:
                color = color.strip()
                if color and not COLOR_RE.match(color):
                    raise BadInput(
                        f"bad colour {color!r} for code {code_id!r}: use #RRGGBB (e.g. #1f77b4), or '' for none"
                    )
                after["color"] = color
            if key is not None:
                key = key.strip()
                if key and key not in SHORTCUTS:
                    raise BadInput(f"bad key {key!r} for code {code_id!r}: use one digit 0-9, or '' for none")
                holder = next((c for c in self.codes() if key and c.shortcut == key and c.id != code_id), None)
                if holder is not None:
                    raise Conflict(f"key {key} already belongs to code {holder.id!r} ({holder.name}); "
                                   "clear it there first")  # fmt: skip
                after["shortcut"] = key
            if definition is not None:
                after["description"] = definition.strip()
            if keywords is not None:
                words = [w.strip() for w in keywords if w.strip()]
                bad = next((w for w in words if _CONTROL.search(w)), None)
                if bad is not None:
                    raise BadInput(f"keyword {bad!r} holds a control character")
                after["keywords"] = json.dumps(words, ensure_ascii=False)
            current = dict(self._conn.execute("SELECT * FROM codes WHERE id = ?", (code_id,)).fetchone())
            before = {column: current[column] for column in after}
            changed = {column: value for column, value in after.items() if before[column] != value}
            if changed:
                _set_columns(conn, code.id, changed)
                self._log.log(coder or "system", "code.update", code.id,
                              {"code": code.id, "before": {c: before[c] for c in changed}, "after": changed})  # fmt: skip
        return self.code(code_id)

    def move(self, code_id: str, *, parent: str | None, coder: str) -> Code:
        """Put a code (with the codes below it) under another code, last among its children; None: top level.

        Refused for an unknown parent and for a cycle (under itself, or under a code below it). Positions are
        renumbered so the codebook stays in tree order (a parent before its children), as the TUI and the
        dumped YAML list it.
        """
        with self._writing() as conn:
            code = self.code(code_id)
            if parent is not None:
                self._check_parent(code_id, parent)
            if code.parent_id == parent:
                return code
            positions = self._positions_after({code_id: parent}, last={code_id})
            before: dict[str, Any] = {"parent": code.parent_id, "positions": {i: p for i, (p, _) in positions.items()}}
            after: dict[str, Any] = {"parent": parent, "positions": {i: p for i, (_, p) in positions.items()}}
            conn.execute("UPDATE codes SET parent_id = ? WHERE id = ?", (parent, code_id))
            _set_positions(conn, after["positions"])
            self._log.log(coder or "system", "code.move", code_id, {"code": code_id, "before": before, "after": after})
        return self.code(code_id)

    def _check_parent(self, code_id: str, parent: str) -> None:
        try:
            self.code(parent)
        except NotFound as exc:
            raise NotFound(f"unknown parent: {exc}") from None
        if parent == code_id:
            raise Conflict(f"cannot move code {code_id!r} under itself")
        if parent in self.descendants(code_id):
            raise Conflict(f"cannot move code {code_id!r} under {parent!r}: {parent!r} is below {code_id!r} "
                           "(a code cannot sit under itself or under a code below it)")  # fmt: skip

    def merge(
        self, source_id: str, into_id: str, *, coder: str, before_write: Callable[[], object] | None = None
    ) -> MergeResult:
        """Merge one code into another: the source's codings, ratings and child codes go to the target, and the
        source code is deleted. One transaction, one undoable `code.merge` event.

        - Codings move to the target. A source coding on the same document and span by the same coder as a
          target coding is a duplicate: it collapses into the target's coding (the source coding is removed;
          the rating evidence it was goes to the target's coding). Memos are kept: an empty target memo takes
          the source's; when both have one and they differ, the target's becomes `target memo` + a line break
          + `source memo`. Orphaned codings just move.
        - Ratings move to the target when the target has no rating in the same cell (case, facet, coder);
          when both have one, the merge is refused, naming the cells (clear one of them first).
        - Child codes move under the target, after its own children. In the codebook's `rated` list the
          source's place goes to the target (dropped if the target is listed already).
        - Memos on the source code (services/memos.py) move to the target; an author's memo on both becomes one,
          the target's text + a line break + the source's (when they differ).
        - The source's name, definition, keywords, colour and key go with it.

        Refused: merging a code into itself or into a code below it. `before_write` (e.g. an automatic
        backup) is called once the merge has been checked, outside any transaction, before anything is written.
        """
        self._check_merge(source_id, into_id)
        if before_write is not None:
            before_write()
        with self._writing() as conn:
            self._check_merge(source_id, into_id)
            source = dict(conn.execute("SELECT * FROM codes WHERE id = ?", (source_id,)).fetchone())
            plan: dict[str, Any] = {"source": source, "into": into_id, "moved": [], "collapsed": [], "coding_memos": [],
                                    "evidence": []}  # fmt: skip
            for row in self._coding_rows(source_id):
                twin = None
                if not row["orphaned"]:
                    twin = conn.execute(
                        "SELECT id, memo, updated_at FROM codings WHERE document_id = ? AND code_id = ? AND coder = ? "
                        'AND start = ? AND "end" = ? AND orphaned = 0',
                        (row["document_id"], into_id, row["coder"], row["start"], row["end"]),
                    ).fetchone()
                if twin is None:
                    plan["moved"].append(row["id"])
                    continue
                cells = self._evidence_cells(row["id"])
                plan["collapsed"].append({"coding": row, "into": twin["id"], "evidence": cells})
                mine = {tuple(c) for c in self._evidence_cells(twin["id"])}
                plan["evidence"].extend([*cell, twin["id"]] for cell in cells if tuple(cell) not in mine)
                if row["memo"] and row["memo"] != twin["memo"]:
                    joined = f"{twin['memo']}\n{row['memo']}" if twin["memo"] else row["memo"]
                    plan["coding_memos"].append({"coding": twin["id"], "before": twin["memo"], "after": joined,
                                                 "updated_before": twin["updated_at"], "updated_after": now()})  # fmt: skip
            plan["code_memos"] = []
            for memo in conn.execute(
                "SELECT * FROM memos WHERE target_type = 'code' AND target_id = ? ORDER BY id", (source_id,)
            ).fetchall():
                twin = conn.execute(
                    "SELECT * FROM memos WHERE target_type = 'code' AND target_id = ? AND author = ? ORDER BY id LIMIT 1",
                    (into_id, memo["author"]),
                ).fetchone()
                entry: dict[str, Any] = {"row": dict(memo), "twin": dict(twin) if twin else None}
                if twin is not None:
                    same = memo["text"] == twin["text"]
                    entry["after"] = twin["text"] if same else f"{twin['text']}\n{memo['text']}"
                    entry["updated_after"] = twin["updated_at"] if same else now()
                plan["code_memos"].append(entry)
            plan["ratings"] = [
                list(r) for r in conn.execute(
                    "SELECT case_id, facet_id, coder FROM ratings WHERE code_id = ? ORDER BY case_id, facet_id, coder",
                    (source_id,))
            ]  # fmt: skip
            children = [c.id for c in self.codes() if c.parent_id == source_id]
            plan["children"] = children
            rated = self._rated()
            new_rated = [into_id if c == source_id else c for c in rated]
            if into_id in rated:
                new_rated = [c for c in rated if c != source_id]
            plan["rated"] = {"before": rated, "after": new_rated}
            positions = self._positions_after(dict.fromkeys(children, into_id), last=set(children), drop={source_id})
            plan["positions"] = {"before": {i: p for i, (p, _) in positions.items()},
                                 "after": {i: p for i, (_, p) in positions.items()}}  # fmt: skip
            self._merge_forward(plan)
            self._log.log(coder or "system", "code.merge", source_id, plan)
        return MergeResult(source_id, into_id, moved=len(plan["moved"]), collapsed=len(plan["collapsed"]),
                           memos_joined=sum(1 for m in plan["coding_memos"] if m["before"]), ratings=len(plan["ratings"]),
                           code_memos=len(plan["code_memos"]),
                           children=tuple(children))  # fmt: skip

    def _check_merge(self, source_id: str, into_id: str) -> None:
        self.code(source_id)
        self.code(into_id)
        if source_id == into_id:
            raise BadInput(f"cannot merge code {source_id!r} into itself")
        if into_id in self.descendants(source_id):
            raise Conflict(f"cannot merge code {source_id!r} into {into_id!r}: {into_id!r} is below {source_id!r}; "
                           "move it out first, or merge the other way")  # fmt: skip
        clashes = self._conn.execute(
            "SELECT s.case_id, s.facet_id, s.coder FROM ratings s JOIN ratings t ON t.case_id = s.case_id "
            "AND t.facet_id = s.facet_id AND t.coder = s.coder AND t.code_id = ? WHERE s.code_id = ? "
            "ORDER BY s.case_id, s.facet_id, s.coder",
            (into_id, source_id),
        ).fetchall()
        if clashes:
            cells = ", ".join(f"case {r[0]} {r[1]} by {r[2]}" for r in clashes)
            raise Conflict(f"cannot merge code {source_id!r} into {into_id!r}: both are rated in the same cell "
                           f"({cells}); clear one of the two ratings first (`qualcode unrate`)")  # fmt: skip

    def delete(
        self, code_id: str, *, force: bool = False, coder: str, before_write: Callable[[], object] | None = None
    ) -> DeleteResult:
        """Delete a code. One that has codings, ratings or codes below it is refused unless `force`; with force its
        codings (every coder's, orphaned ones too) and its ratings are deleted with it, evidence links to its
        codings go, and the codes below it move up to its parent. It leaves the codebook's `rated` list. Memos on
        the code stay, as after a `codebook load` that drops a code (they name it; undo brings the code back).
        One transaction, one undoable `code.delete` event: undo restores all of it. `before_write` (e.g. an
        automatic backup) is called once the delete has been checked, outside any transaction."""
        self._check_delete(code_id, force)
        if before_write is not None:
            before_write()
        with self._writing() as conn:
            self._check_delete(code_id, force)
            row = dict(conn.execute("SELECT * FROM codes WHERE id = ?", (code_id,)).fetchone())
            codings = [{"coding": r, "evidence": [c for c in self._evidence_cells(r["id"]) if c[1] != code_id]}
                       for r in self._coding_rows(code_id)]  # fmt: skip
            ratings = []
            for r in conn.execute("SELECT * FROM ratings WHERE code_id = ? ORDER BY id", (code_id,)).fetchall():
                evidence = [e[0] for e in conn.execute(
                    "SELECT coding_id FROM rating_evidence WHERE rating_id = ? ORDER BY coding_id", (r["id"],))]  # fmt: skip
                ratings.append({"row": dict(r), "evidence": evidence})
            rated = self._rated()
            plan = {"code": row, "codings": codings, "ratings": ratings,
                    "children": [c.id for c in self.codes() if c.parent_id == code_id],
                    "rated": {"before": rated, "after": [c for c in rated if c != code_id]}}  # fmt: skip
            self._delete_forward(plan)
            self._log.log(coder or "system", "code.delete", code_id, plan)
        return DeleteResult(code_id, codings=len(codings), ratings=len(ratings),
                            evidence=sum(len(c["evidence"]) for c in codings), children=tuple(plan["children"]))  # fmt: skip

    def _check_delete(self, code_id: str, force: bool) -> None:
        usage = self.usage(code_id)
        if usage.in_use and not force:
            raise Conflict(f"code {code_id!r} has {usage.describe()}; delete it with force (--force) to delete its "
                           "codings and ratings too (the codes below it move up to its parent)")  # fmt: skip

    # -- helpers of the changes above ------------------------------------------------------------
    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One transaction; the code cache is dropped afterwards whatever happened (a rollback included)."""
        try:
            with self._store.transaction() as conn:
                self._codes = None
                yield conn
        finally:
            self._codes = None

    def _coding_rows(self, code_id: str) -> list[dict[str, Any]]:
        """A code's codings as stored (with their document's version): what restoring them needs."""
        columns = ", ".join(f"c.{c}" if c != "end" else 'c."end"' for c in _CODING_COLUMNS)
        rows = self._conn.execute(
            f"SELECT {columns}, d.version FROM codings c JOIN documents d ON d.id = c.document_id "
            'WHERE c.code_id = ? ORDER BY c.document_id, c.start, c."end", c.id',
            (code_id,),
        )
        return [dict(zip((*_CODING_COLUMNS, "version"), tuple(r), strict=True)) for r in rows]

    def _evidence_cells(self, coding_id: str) -> list[list[str]]:
        """The rating cells (case, code, facet, coder) a coding is evidence for."""
        rows = self._conn.execute(
            "SELECT r.case_id, r.code_id, r.facet_id, r.coder FROM rating_evidence e JOIN ratings r ON r.id = e.rating_id "
            "WHERE e.coding_id = ? ORDER BY 1, 2, 3, 4",
            (coding_id,),
        )
        return [list(r) for r in rows]

    def _link(self, cell: Sequence[str], coding_id: str) -> None:
        self._conn.execute(
            "INSERT OR IGNORE INTO rating_evidence (rating_id, coding_id) SELECT r.id, c.id FROM ratings r, codings c "
            "WHERE r.case_id = ? AND r.code_id = ? AND r.facet_id = ? AND r.coder = ? AND c.id = ?",
            (*cell, coding_id),
        )

    def _unlink(self, cell: Sequence[str], coding_id: str) -> None:
        self._conn.execute(
            "DELETE FROM rating_evidence WHERE coding_id = ? AND rating_id = (SELECT id FROM ratings "
            "WHERE case_id = ? AND code_id = ? AND facet_id = ? AND coder = ?)",
            (coding_id, *cell),
        )

    def _rated(self) -> list[str]:
        row = self._conn.execute("SELECT value FROM project WHERE key = 'codebook.rated'").fetchone()
        return list(json.loads(row[0])) if row else []

    def _set_rated(self, rated: list[str]) -> None:
        if rated == self._rated():
            return
        self._conn.execute(
            "INSERT INTO project (key, value) VALUES ('codebook.rated', ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (json.dumps(rated, ensure_ascii=False),),
        )

    def _positions_after(
        self,
        parents: dict[str, str | None],
        *,
        last: set[str],
        drop: set[str] = frozenset(),  # type: ignore[assignment]
    ) -> dict[str, tuple[int, int]]:
        """(before, after) positions of the codes whose position changes when `parents` take effect, the codes in
        `last` go after their new siblings and `drop` leaves: tree order, reusing the positions in use."""
        codes = [c for c in self.codes() if c.id not in drop]
        parent_of = {c.id: parents.get(c.id, c.parent_id) for c in codes}
        order = _preorder(codes, parent_of, last=last)
        values = sorted(c.position for c in codes)
        if len(set(values)) < len(values):
            values = list(range(len(values)))
        now_at = {c.id: c.position for c in codes}
        return {i: (now_at[i], v) for i, v in zip(order, values, strict=True) if now_at[i] != v}

    def _refuse_references(self, code_id: str, what: str) -> None:
        """Before deleting a code row: nothing may point to it any more (someone else's work since, at a redo)."""
        used = self._conn.execute(
            "SELECT (SELECT count(*) FROM codings WHERE code_id = :id), (SELECT count(*) FROM ratings WHERE code_id = :id), "
            "(SELECT count(*) FROM codes WHERE parent_id = :id)",
            {"id": code_id},
        ).fetchone()
        if any(used):
            raise Conflict(f"cannot {what}: code {code_id!r} has codings, ratings or codes below it that were added "
                           "since; nothing changed")  # fmt: skip

    def _insert_code(self, row: dict[str, Any], what: str) -> None:
        if self._conn.execute("SELECT 1 FROM codes WHERE id = ?", (row["id"],)).fetchone():
            raise Conflict(f"cannot {what}: a code {row['id']!r} exists again; nothing changed")
        if row["shortcut"]:
            holder = self._conn.execute(
                "SELECT id FROM codes WHERE shortcut = ? AND id != ?", (row["shortcut"], row["id"])
            ).fetchone()
            if holder:
                raise Conflict(f"cannot {what}: its key {row['shortcut']} now belongs to code {holder[0]!r}; "
                               "nothing changed")  # fmt: skip
        parent = row["parent_id"]
        if parent is not None and not self._conn.execute("SELECT 1 FROM codes WHERE id = ?", (parent,)).fetchone():
            raise Conflict(f"cannot {what}: its parent {parent!r} is gone; nothing changed")
        columns = ", ".join(row)
        self._conn.execute(f"INSERT INTO codes ({columns}) VALUES ({', '.join(':' + c for c in row)})", row)

    def _merge_forward(self, plan: dict[str, Any]) -> None:
        """Do a merge as planned (the first time, and at a redo)."""
        source, into = plan["source"]["id"], plan["into"]
        conn = self._conn
        what = f"merge code {source!r} into {into!r}"
        if not conn.execute("SELECT 1 FROM codes WHERE id = ?", (into,)).fetchone():
            raise Conflict(f"cannot {what}: code {into!r} is gone; nothing changed")
        for memo in plan["coding_memos"]:
            conn.execute("UPDATE codings SET memo = ?, updated_at = ? WHERE id = ?",
                         (memo["after"], memo["updated_after"], memo["coding"]))  # fmt: skip
        for *cell, coding_id in plan["evidence"]:
            self._link(cell, coding_id)
        conn.executemany("DELETE FROM codings WHERE id = ?", [(c["coding"]["id"],) for c in plan["collapsed"]])
        conn.executemany("UPDATE codings SET code_id = ? WHERE id = ? AND code_id = ?",
                         [(into, coding_id, source) for coding_id in plan["moved"]])  # fmt: skip
        conn.executemany("UPDATE ratings SET code_id = ? WHERE code_id = ? AND case_id = ? AND facet_id = ? AND coder = ?",
                         [(into, source, *cell) for cell in plan["ratings"]])  # fmt: skip
        for memo in plan.get("code_memos", []):
            if memo["twin"] is None:
                conn.execute("UPDATE memos SET target_id = ? WHERE id = ? AND target_type = 'code' AND target_id = ?",
                             (into, memo["row"]["id"], source))  # fmt: skip
            else:
                conn.execute("UPDATE memos SET text = ?, updated_at = ? WHERE id = ?",
                             (memo["after"], memo["updated_after"], memo["twin"]["id"]))  # fmt: skip
                conn.execute("DELETE FROM memos WHERE id = ?", (memo["row"]["id"],))
        conn.executemany("UPDATE codes SET parent_id = ? WHERE id = ? AND parent_id = ?",
                         [(into, child, source) for child in plan["children"]])  # fmt: skip
        self._set_rated(plan["rated"]["after"])
        _set_positions(conn, plan["positions"]["after"])
        self._refuse_references(source, what)
        conn.execute("DELETE FROM codes WHERE id = ?", (source,))

    def _merge_reverse(self, plan: dict[str, Any], restore: Callable[[dict, str | None], dict]) -> None:
        source, into = plan["source"]["id"], plan["into"]
        conn = self._conn
        what = f"undo merging code {source!r} into {into!r}"
        self._insert_code(plan["source"], what)
        conn.executemany("UPDATE codes SET parent_id = ? WHERE id = ? AND parent_id = ?",
                         [(source, child, into) for child in plan["children"]])  # fmt: skip
        _set_positions(conn, plan["positions"]["before"])
        self._set_rated(plan["rated"]["before"])
        conn.executemany("UPDATE ratings SET code_id = ? WHERE code_id = ? AND case_id = ? AND facet_id = ? AND coder = ?",
                         [(source, into, *cell) for cell in plan["ratings"]])  # fmt: skip
        conn.executemany("UPDATE codings SET code_id = ? WHERE id = ? AND code_id = ?",
                         [(source, coding_id, into) for coding_id in plan["moved"]])  # fmt: skip
        for memo in reversed(plan.get("code_memos", [])):
            if memo["twin"] is None:
                conn.execute("UPDATE memos SET target_id = ? WHERE id = ? AND target_type = 'code' AND target_id = ?",
                             (source, memo["row"]["id"], into))  # fmt: skip
                continue
            values = dict(memo["row"])
            if conn.execute("SELECT 1 FROM memos WHERE id = ?", (values["id"],)).fetchone():
                del values["id"]
            conn.execute(f"INSERT INTO memos ({', '.join(values)}) VALUES ({', '.join(':' + c for c in values)})",
                         values)  # fmt: skip
            conn.execute("UPDATE memos SET text = ?, updated_at = ? WHERE id = ?",
                         (memo["twin"]["text"], memo["twin"]["updated_at"], memo["twin"]["id"]))  # fmt: skip
        for collapsed in plan["collapsed"]:
            row = restore(collapsed["coding"], None)
            for cell in collapsed["evidence"]:
                self._link(cell, row["id"])
        for *cell, coding_id in plan["evidence"]:
            self._unlink(cell, coding_id)
        for memo in plan["coding_memos"]:
            conn.execute("UPDATE codings SET memo = ?, updated_at = ? WHERE id = ?",
                         (memo["before"], memo["updated_before"], memo["coding"]))  # fmt: skip

    def _delete_forward(self, plan: dict[str, Any]) -> None:
        """Do a delete as planned (the first time, and at a redo)."""
        row = plan["code"]
        code_id = row["id"]
        conn = self._conn
        if not conn.execute("SELECT 1 FROM codes WHERE id = ?", (code_id,)).fetchone():
            raise Conflict(f"cannot delete code {code_id!r}: it is gone; nothing changed")
        conn.executemany("DELETE FROM ratings WHERE code_id = ? AND case_id = ? AND facet_id = ? AND coder = ?",
                         [(code_id, r["row"]["case_id"], r["row"]["facet_id"], r["row"]["coder"])
                          for r in plan["ratings"]])  # fmt: skip
        conn.executemany("DELETE FROM codings WHERE id = ? AND code_id = ?",
                         [(c["coding"]["id"], code_id) for c in plan["codings"]])  # fmt: skip
        conn.executemany("UPDATE codes SET parent_id = ? WHERE id = ? AND parent_id = ?",
                         [(row["parent_id"], child, code_id) for child in plan["children"]])  # fmt: skip
        self._set_rated(plan["rated"]["after"])
        self._refuse_references(code_id, f"delete code {code_id!r}")
        conn.execute("DELETE FROM codes WHERE id = ?", (code_id,))

    def _delete_reverse(self, plan: dict[str, Any], restore: Callable[[dict, str | None], dict]) -> None:
        row = plan["code"]
        code_id = row["id"]
        conn = self._conn
        self._insert_code(row, f"undo deleting code {code_id!r}")
        conn.executemany("UPDATE codes SET parent_id = ? WHERE id = ? AND parent_id IS ?",
                         [(code_id, child, row["parent_id"]) for child in plan["children"]])  # fmt: skip
        self._set_rated(plan["rated"]["before"])
        for rating in plan["ratings"]:
            values = dict(rating["row"])
            if conn.execute("SELECT 1 FROM ratings WHERE id = ?", (values["id"],)).fetchone():
                del values["id"]  # its id was taken meanwhile: events name rating cells, not ids
            conn.execute(f"INSERT INTO ratings ({', '.join(values)}) VALUES ({', '.join(':' + c for c in values)})",
                         values)  # fmt: skip
        for coding in plan["codings"]:
            restored = restore(coding["coding"], None)
            for cell in coding["evidence"]:
                self._link(cell, restored["id"])
        for rating in plan["ratings"]:
            r = rating["row"]
            for coding_id in rating["evidence"]:
                self._link((r["case_id"], r["code_id"], r["facet_id"], r["coder"]), coding_id)

    def _restore_row(self, row: dict[str, Any], text: str | None) -> dict[str, Any]:
        """Put a recorded coding back as it was, refused if its document changed since (without history.py's
        alignment; history.py passes its own `restore`, which carries the coding to a re-imported text)."""
        if self._conn.execute("SELECT 1 FROM codings WHERE id = ?", (row["id"],)).fetchone():
            return row
        version = self._conn.execute("SELECT version FROM documents WHERE id = ?", (row["document_id"],)).fetchone()
        if version is None or (not row.get("orphaned") and row.get("version") not in (None, version[0])):
            raise Conflict(f"cannot restore coding {row['id']}: its document is gone or was re-imported since; "
                           "nothing changed")  # fmt: skip
        values = {c: row.get(c) for c in _CODING_COLUMNS}
        self._conn.execute(
            f"INSERT INTO codings ({', '.join(_quote(c) for c in _CODING_COLUMNS)}) "
            f"VALUES ({', '.join(':' + c for c in _CODING_COLUMNS)})",
            values,
        )
        return row

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


# -- managing codes: results and helpers -------------------------------------------------------------
_CODING_COLUMNS = ("id", "document_id", "code_id", "coder", "start", "end", "memo", "created_at", "updated_at",
                   "review", "orphaned", "orphan_text", "orphan_version")  # fmt: skip
_CODE_COLUMNS = {"name", "name_en", "description", "color", "shortcut", "keywords"}  # what rename and update set
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class CodeUsage:
    """What uses a code (see `CodebookService.usage`): a delete without force is refused while any is non-zero."""

    codings: int  # every coder's, orphaned ones included
    orphaned: int  # of those, how many are orphaned
    ratings: int
    children: tuple[str, ...]  # the codes directly below it

    @property
    def in_use(self) -> bool:
        return bool(self.codings or self.ratings or self.children)

    def describe(self) -> str:
        """'3 codings (1 orphaned), 1 rating and 2 codes below it', or 'nothing'."""
        parts = []
        if self.codings:
            parts.append(_plural(self.codings, "coding") + (f" ({self.orphaned} orphaned)" if self.orphaned else ""))
        if self.ratings:
            parts.append(_plural(self.ratings, "rating"))
        if self.children:
            parts.append(_plural(len(self.children), "code") + " below it")
        if not parts:
            return "nothing"
        return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]


@dataclass(frozen=True)
class MergeResult:
    source: str
    into: str
    moved: int  # codings moved to the target
    collapsed: int  # source codings that duplicated a target coding and were folded into it
    memos_joined: int  # target codings whose memo now also holds a collapsed coding's memo
    code_memos: int  # memos on the source code, moved to the target (joined with the same author's memo there)
    ratings: int  # rating cells moved to the target
    children: tuple[str, ...]  # codes moved under the target


@dataclass(frozen=True)
class DeleteResult:
    code: str
    codings: int  # codings deleted with it
    ratings: int  # ratings deleted with it
    evidence: int  # evidence links from other ratings to its codings, gone with them
    children: tuple[str, ...]  # codes moved up to its parent


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _clean_name(value: str, what: str, *, empty: bool = False) -> str:
    """A name as the YAML keeps it (surrounding whitespace dropped); one line, no control characters."""
    value = value.strip()
    if not value and not empty:
        raise BadInput(f"a code's {what} cannot be empty")
    if _CONTROL.search(value):
        raise BadInput(f"a code's {what} must be one line without control characters: {value!r}")
    return value


def _quote(column: str) -> str:
    return '"end"' if column == "end" else column


def _set_columns(conn: sqlite3.Connection, code_id: str, values: dict[str, Any]) -> None:
    columns = [c for c in values if c in _CODE_COLUMNS]
    if columns:
        conn.execute(f"UPDATE codes SET {', '.join(f'{c} = :{c}' for c in columns)} WHERE id = :__id",
                     {**{c: values[c] for c in columns}, "__id": code_id})  # fmt: skip


def _set_positions(conn: sqlite3.Connection, positions: dict[str, int]) -> None:
    conn.executemany("UPDATE codes SET position = ? WHERE id = ?", [(p, i) for i, p in positions.items()])


def _preorder(codes: Sequence[Code], parent_of: dict[str, str | None], *, last: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    """Code ids in tree order: each parent before its children, siblings in their current order (those in `last`
    after the others). A code whose parent is missing (or that sits in a cycle) comes at the end, in order."""
    children: dict[str | None, list[str]] = {}
    for code in codes:
        parent = parent_of[code.id]
        children.setdefault(parent if parent in parent_of else None, []).append(code.id)
    rank = {c.id: i for i, c in enumerate(codes)}
    for ids in children.values():
        ids.sort(key=lambda i: (i in last, rank[i]))
    order: list[str] = []
    seen: set[str] = set()
    todo = list(reversed(children.get(None, [])))
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        order.append(current)
        todo.extend(reversed(children.get(current, [])))
    order.extend(c.id for c in codes if c.id not in seen)
    return order
