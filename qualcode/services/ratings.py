"""Ratings: a coder's judgement of a factor's strength in a case, per facet, backed by evidence codings."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from qualcode.errors import BadInput, NotFound
from qualcode.model import Coding, Rating
from qualcode.services.codebook import CodebookService
from qualcode.services.codings import CodingService
from qualcode.services.documents import DocumentService
from qualcode.services.events import EventLog
from qualcode.store import Store
from qualcode.timeutil import now

_SELECT = (
    "SELECT r.id, r.case_id, r.code_id, r.facet_id, r.coder, r.step_id, r.note, "
    "(SELECT json_group_array(e.coding_id) FROM "
    "(SELECT coding_id FROM rating_evidence WHERE rating_id = r.id ORDER BY coding_id) e) AS evidence "
    "FROM ratings r LEFT JOIN cases c ON c.id = r.case_id LEFT JOIN codes k ON k.id = r.code_id "
    "LEFT JOIN facets f ON f.id = r.facet_id"
)


class RatingService:
    def __init__(
        self, store: Store, log: EventLog, documents: DocumentService, codebook: CodebookService, codings: CodingService
    ):
        self._store = store
        self._log = log
        self._documents = documents
        self._codebook = codebook
        self._codings = codings

    @property
    def _conn(self) -> sqlite3.Connection:
        return self._store.conn

    def _cell(self, case_id: str, code_id: str, facet: str | None) -> tuple[str, str, str]:
        """Check the case and code, resolve the facet: (case id, code id, facet id)."""
        self._documents.case(case_id)
        self._codebook.code(code_id)
        return case_id, code_id, self._codebook.facet_id(facet)

    def _rating_id(self, case_id: str, code_id: str, facet_id: str, coder: str) -> int | None:
        row = self._conn.execute(
            "SELECT id FROM ratings WHERE case_id = ? AND code_id = ? AND facet_id = ? AND coder = ?",
            (case_id, code_id, facet_id, coder),
        ).fetchone()
        return row[0] if row else None

    def _evidence(self, case_id: str, refs: Sequence[str]) -> list[str]:
        ids = []
        for ref in refs:
            coding = self._codings.get(ref)
            if coding.case_id != case_id:
                raise BadInput(
                    f"coding {coding.id} is from case {coding.case_id}, not {case_id}: "
                    "evidence must come from the rated case"
                )
            ids.append(coding.id)
        return ids

    # -- changing --------------------------------------------------------------------------------
    def rate(
        self,
        case_id: str,
        code_id: str,
        value: str,
        *,
        coder: str,
        facet: str | None = None,
        note: str | None = None,
        evidence: Sequence[str] = (),
    ) -> Rating:
        """Set a coder's rating of a code (a factor or a dimension) for a case on a facet, adding evidence."""
        case_id, code_id, facet_id = self._cell(case_id, code_id, facet)
        step_id = self._codebook.step_id(value)
        evidence_ids = self._evidence(case_id, evidence)
        with self._change("rate", case_id, code_id, facet_id, coder, {"step": step_id, "note": note}) as conn:
            existing = self._rating_id(case_id, code_id, facet_id, coder)
            if existing is None:
                existing = conn.execute(
                    "INSERT INTO ratings (case_id, code_id, facet_id, coder, step_id, note, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (case_id, code_id, facet_id, coder, step_id, note or "", now()),
                ).lastrowid
            else:
                conn.execute(
                    "UPDATE ratings SET step_id = ?, note = coalesce(?, note), updated_at = ? WHERE id = ?",
                    (step_id, note, now(), existing),
                )
            conn.executemany(
                "INSERT OR IGNORE INTO rating_evidence (rating_id, coding_id) VALUES (?, ?)",
                [(existing, e) for e in evidence_ids],
            )
        return self.get(case_id, code_id, facet_id, coder)

    def _existing(self, case_id: str, code_id: str, facet_id: str, coder: str, hint: str = "") -> int:
        rating_id = self._rating_id(case_id, code_id, facet_id, coder)
        if rating_id is None:
            raise NotFound(f"no rating of {code_id} for case {case_id} ({facet_id}) by {coder}{hint}")
        return rating_id

    def set_note(self, case_id: str, code_id: str, note: str, *, coder: str, facet: str | None = None) -> Rating:
        case_id, code_id, facet_id = self._cell(case_id, code_id, facet)
        rating_id = self._existing(case_id, code_id, facet_id, coder, ": rate it first")
        with self._change("rate.note", case_id, code_id, facet_id, coder, {"note": note}) as conn:
            conn.execute("UPDATE ratings SET note = ?, updated_at = ? WHERE id = ?", (note, now(), rating_id))
        return self.get(case_id, code_id, facet_id, coder)

    def attach(self, case_id: str, code_id: str, coding_id: str, *, coder: str, facet: str | None = None) -> Rating:
        """Attach a coding of the case as evidence to an existing rating (rate the cell first)."""
        case_id, code_id, facet_id = self._cell(case_id, code_id, facet)
        [evidence] = self._evidence(case_id, [coding_id])
        rating_id = self._existing(case_id, code_id, facet_id, coder, ": rate it before attaching evidence")
        with self._change("rate.attach", case_id, code_id, facet_id, coder, {"coding": evidence}) as conn:
            conn.execute(
                "INSERT OR IGNORE INTO rating_evidence (rating_id, coding_id) VALUES (?, ?)", (rating_id, evidence)
            )
        return self.get(case_id, code_id, facet_id, coder)

    def detach(self, case_id: str, code_id: str, coding_id: str, *, coder: str, facet: str | None = None) -> Rating:
        case_id, code_id, facet_id = self._cell(case_id, code_id, facet)
        coding = self._codings.get(coding_id)
        rating_id = self._existing(case_id, code_id, facet_id, coder)
        with self._change("rate.detach", case_id, code_id, facet_id, coder, {"coding": coding.id}) as conn:
            conn.execute("DELETE FROM rating_evidence WHERE rating_id = ? AND coding_id = ?", (rating_id, coding.id))
        return self.get(case_id, code_id, facet_id, coder)

    def clear(self, case_id: str, code_id: str, *, coder: str, facet: str | None = None) -> bool:
        """Delete a rating; False if there was none."""
        case_id, code_id, facet_id = self._cell(case_id, code_id, facet)
        rating_id = self._rating_id(case_id, code_id, facet_id, coder)
        if rating_id is None:
            return False
        with self._change("rate.clear", case_id, code_id, facet_id, coder, {}) as conn:
            conn.execute("DELETE FROM ratings WHERE id = ?", (rating_id,))
        return True

    # -- undo ------------------------------------------------------------------------------------
    @contextmanager
    def _change(self, action: str, case_id: str, code_id: str, facet_id: str, coder: str,
                extra: dict[str, Any]) -> Iterator[sqlite3.Connection]:  # fmt: skip
        """One transaction around a change of a rating cell, logged with the cell's state before and after."""
        with self._store.transaction() as conn:
            before = self._state(case_id, code_id, facet_id, coder)
            yield conn
            cell = {"case": case_id, "code": code_id, "facet": facet_id, "coder": coder}
            after = self._state(case_id, code_id, facet_id, coder)
            self._log.log(coder, action, f"{case_id}/{code_id}/{facet_id}",
                          {**extra, "cell": cell, "before": before, "after": after})  # fmt: skip

    def _state(self, case_id: str, code_id: str, facet_id: str, coder: str) -> dict[str, Any] | None:
        rating_id = self._rating_id(case_id, code_id, facet_id, coder)
        if rating_id is None:
            return None
        step, note = self._conn.execute("SELECT step_id, note FROM ratings WHERE id = ?", (rating_id,)).fetchone()
        evidence = [r[0] for r in self._conn.execute(
            "SELECT coding_id FROM rating_evidence WHERE rating_id = ? ORDER BY coding_id", (rating_id,))]  # fmt: skip
        return {"step": step, "note": note, "evidence": evidence}

    def _set_state(self, cell: dict[str, str], state: dict[str, Any] | None) -> None:
        """Make a rating cell what a recorded state says (None: no rating); evidence of removed codings is left out."""
        key = (cell["case"], cell["code"], cell["facet"], cell["coder"])
        rating_id = self._rating_id(*key)
        conn = self._conn
        if state is None:
            if rating_id is not None:
                conn.execute("DELETE FROM ratings WHERE id = ?", (rating_id,))
            return
        if rating_id is None:
            rating_id = conn.execute(
                "INSERT INTO ratings (case_id, code_id, facet_id, coder, step_id, note, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (*key, state["step"], state["note"], now()),
            ).lastrowid
        else:
            conn.execute("UPDATE ratings SET step_id = ?, note = ?, updated_at = ? WHERE id = ?",
                         (state["step"], state["note"], now(), rating_id))  # fmt: skip
        conn.execute("DELETE FROM rating_evidence WHERE rating_id = ?", (rating_id,))
        conn.executemany(
            "INSERT INTO rating_evidence (rating_id, coding_id) SELECT ?, id FROM codings WHERE id = ?",
            [(rating_id, coding_id) for coding_id in state["evidence"]],
        )

    def undo_handlers(self) -> dict[str, tuple[Callable[[dict], None], Callable[[dict], None]]]:
        """For services/history.py: each rating action is undone by restoring the cell's state before it."""

        def before(payload: dict) -> None:
            self._set_state(payload["cell"], payload["before"])

        def after(payload: dict) -> None:
            self._set_state(payload["cell"], payload["after"])

        return dict.fromkeys(("rate", "rate.note", "rate.attach", "rate.detach", "rate.clear"), (before, after))

    # -- reading ---------------------------------------------------------------------------------
    def get(self, case_id: str, code_id: str, facet_id: str, coder: str) -> Rating:
        found = self._select(case_id=case_id, code_id=code_id, facet_id=facet_id, coder=coder)
        if not found:
            raise NotFound(f"no rating of {code_id} for case {case_id} ({facet_id}) by {coder}")
        return found[0]

    def find(self, case_id: str, code_id: str, *, coder: str, facet: str | None = None) -> Rating | None:
        """The coder's rating of this cell, or None."""
        found = self._select(case_id=case_id, code_id=code_id, facet_id=self._codebook.facet_id(facet), coder=coder)
        return found[0] if found else None

    def select(
        self, *, facet: str | None = None, coder: str | None = None, case: str | None = None, code: str | None = None
    ) -> list[Rating]:
        """Ratings in table order (facet, code, case, coder), filtered by any of facet, coder, case, code."""
        facet_id = self._codebook.facet_id(facet) if facet is not None else None
        return self._select(case_id=case, code_id=code, facet_id=facet_id, coder=coder)

    def _select(
        self,
        *,
        case_id: str | None = None,
        code_id: str | None = None,
        facet_id: str | None = None,
        coder: str | None = None,
    ) -> list[Rating]:
        where, params = [], []
        for column, value in (
            ("r.case_id", case_id),
            ("r.code_id", code_id),
            ("r.facet_id", facet_id),
            ("r.coder", coder),
        ):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY f.position, k.position, c.position, r.coder"
        return [
            Rating(
                r["case_id"],
                r["code_id"],
                r["facet_id"],
                r["coder"],
                r["step_id"],
                r["note"],
                tuple(json.loads(r["evidence"])),
            )
            for r in self._conn.execute(sql, params)
        ]

    def candidates(self, case_id: str, code_id: str, *, coder: str, facet: str | None = None) -> list[Coding]:
        """Codings of the case under the code (or its descendants) not yet attached to the coder's rating."""
        rating = self.find(case_id, code_id, coder=coder, facet=facet)
        attached = set(rating.evidence) if rating else set()
        return [
            c
            for c in self._codings.select(code=code_id, case=case_id, include_descendants=True)
            if c.id not in attached
        ]

    def raters(self) -> list[str]:
        return [r[0] for r in self._conn.execute("SELECT DISTINCT coder FROM ratings ORDER BY coder")]
