"""Ratings: a coder's judgement of a factor's strength in a case, per facet, backed by evidence codings."""

from __future__ import annotations

import sqlite3

from qualcode.coding import find as find_coding
from qualcode.coding import log_event
from qualcode.errors import BadInput, NotFound
from qualcode.model import Rating
from qualcode.store import Store
from qualcode.timeutil import now


def resolve_step(store: Store, value: str) -> str:
    """A scale step id from its id, its label (強) or its English label (strong), case-insensitively for Latin."""
    rows = store.conn.execute("SELECT id, label, label_en FROM scale_steps ORDER BY position").fetchall()
    for row in rows:
        if value in (row["id"], row["label"]) or value.lower() in (row["id"].lower(), row["label_en"].lower()):
            return row["id"]
    known = ", ".join(f"{r['id']} ({r['label']})" for r in rows) or "none: load a codebook with a scale"
    raise BadInput(f"unknown rating value {value!r} (the scale: {known})")


def resolve_facet(store: Store, facet: str | None) -> str:
    rows = store.conn.execute("SELECT id, name, name_en FROM facets ORDER BY position").fetchall()
    if not rows:
        raise BadInput("the codebook declares no rating facets")
    if facet is None:
        return rows[0]["id"]
    for row in rows:
        if facet in (row["id"], row["name"]) or facet.lower() == row["name_en"].lower():
            return row["id"]
    raise NotFound(f"unknown facet {facet!r} (facets: {', '.join(r['id'] + ' ' + r['name'] for r in rows)})")


def _rating_id(conn: sqlite3.Connection, case_id: str, code_id: str, facet_id: str, coder: str) -> int | None:
    row = conn.execute(
        "SELECT id FROM ratings WHERE case_id = ? AND code_id = ? AND facet_id = ? AND coder = ?",
        (case_id, code_id, facet_id, coder),
    ).fetchone()
    return row[0] if row else None


def rate(store: Store, *, case_id: str, code_id: str, facet_id: str, coder: str, step_id: str,
         note: str | None = None, evidence: list[str] = ()) -> Rating:
    evidence_ids = []
    for ref in evidence:
        coding = find_coding(store, ref)
        if coding.case_id != case_id:
            raise BadInput(f"coding {coding.id} is from case {coding.case_id}, not {case_id}: evidence must come from the rated case")
        evidence_ids.append(coding.id)
    with store.transaction() as conn:
        existing = _rating_id(conn, case_id, code_id, facet_id, coder)
        if existing is None:
            existing = conn.execute(
                "INSERT INTO ratings (case_id, code_id, facet_id, coder, step_id, note, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (case_id, code_id, facet_id, coder, step_id, note or "", now()),
            ).lastrowid
        else:
            conn.execute(
                "UPDATE ratings SET step_id = ?, note = coalesce(?, note), updated_at = ? WHERE id = ?",
                (step_id, note, now(), existing),
            )
        conn.executemany("INSERT OR IGNORE INTO rating_evidence (rating_id, coding_id) VALUES (?, ?)",
                         [(existing, e) for e in evidence_ids])
        log_event(store, coder, "rate", f"{case_id}/{code_id}/{facet_id}",
                  {"step": step_id, "note": note, "evidence": evidence_ids})
    return get(store, case_id=case_id, code_id=code_id, facet_id=facet_id, coder=coder)


def set_note(store: Store, *, case_id: str, code_id: str, facet_id: str, coder: str, note: str) -> Rating:
    with store.transaction() as conn:
        rating_id = _rating_id(conn, case_id, code_id, facet_id, coder)
        if rating_id is None:
            raise NotFound(f"no rating of {code_id} for case {case_id} ({facet_id}) by {coder}: rate it first")
        conn.execute("UPDATE ratings SET note = ?, updated_at = ? WHERE id = ?", (note, now(), rating_id))
        log_event(store, coder, "rate.note", f"{case_id}/{code_id}/{facet_id}", {"note": note})
    return get(store, case_id=case_id, code_id=code_id, facet_id=facet_id, coder=coder)


def detach(store: Store, *, case_id: str, code_id: str, facet_id: str, coder: str, coding_id: str) -> Rating:
    coding = find_coding(store, coding_id)
    with store.transaction() as conn:
        rating_id = _rating_id(conn, case_id, code_id, facet_id, coder)
        if rating_id is None:
            raise NotFound(f"no rating of {code_id} for case {case_id} ({facet_id}) by {coder}")
        conn.execute("DELETE FROM rating_evidence WHERE rating_id = ? AND coding_id = ?", (rating_id, coding.id))
        log_event(store, coder, "rate.detach", f"{case_id}/{code_id}/{facet_id}", {"coding": coding.id})
    return get(store, case_id=case_id, code_id=code_id, facet_id=facet_id, coder=coder)


def clear(store: Store, *, case_id: str, code_id: str, facet_id: str, coder: str) -> bool:
    with store.transaction() as conn:
        rating_id = _rating_id(conn, case_id, code_id, facet_id, coder)
        if rating_id is None:
            return False
        conn.execute("DELETE FROM ratings WHERE id = ?", (rating_id,))
        log_event(store, coder, "rate.clear", f"{case_id}/{code_id}/{facet_id}", {})
    return True


def get(store: Store, *, case_id: str, code_id: str, facet_id: str, coder: str) -> Rating:
    found = select(store, case_id=case_id, code_id=code_id, facet_id=facet_id, coder=coder)
    if not found:
        raise NotFound(f"no rating of {code_id} for case {case_id} ({facet_id}) by {coder}")
    return found[0]


def select(store: Store, *, case_id: str | None = None, code_id: str | None = None, facet_id: str | None = None,
           coder: str | None = None) -> list[Rating]:
    where, params = [], []
    for column, value in (("r.case_id", case_id), ("r.code_id", code_id), ("r.facet_id", facet_id), ("r.coder", coder)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    sql = (
        "SELECT r.id, r.case_id, r.code_id, r.facet_id, r.coder, r.step_id, r.note, "
        "(SELECT json_group_array(e.coding_id) FROM (SELECT coding_id FROM rating_evidence WHERE rating_id = r.id ORDER BY coding_id) e) AS evidence "
        "FROM ratings r LEFT JOIN cases c ON c.id = r.case_id LEFT JOIN codes k ON k.id = r.code_id "
        "LEFT JOIN facets f ON f.id = r.facet_id"
    )
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY f.position, k.position, c.position, r.coder"
    import json

    return [
        Rating(r["case_id"], r["code_id"], r["facet_id"], r["coder"], r["step_id"], r["note"], tuple(json.loads(r["evidence"])))
        for r in store.conn.execute(sql, params)
    ]


def raters(store: Store) -> list[str]:
    return [r[0] for r in store.conn.execute("SELECT DISTINCT coder FROM ratings ORDER BY coder")]
