"""Case x code matrices: counts of coded segments, coverage of answer text, presence, co-occurrence.

A parent code aggregates its descendants without double counting: within each document the spans
of the code's whole subtree are merged first, so two overlapping codings make one segment.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

KINDS = ("count", "coverage", "presence", "cooccurrence")
COOCCURRENCE = ("overlap", "turn")


def merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Union of spans as sorted, disjoint spans (touching spans stay separate segments)."""
    out: list[list[int]] = []
    for start, end in sorted(spans):
        if out and start < out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(s, e) for s, e in out]


def _overlap_length(spans: list[tuple[int, int]], regions: list[tuple[int, int]]) -> int:
    total, j = 0, 0
    for start, end in spans:
        while j < len(regions) and regions[j][1] <= start:
            j += 1
        k = j
        while k < len(regions) and regions[k][0] < end:
            total += max(0, min(end, regions[k][1]) - max(start, regions[k][0]))
            k += 1
    return total


@dataclass(frozen=True)
class Matrix:
    kind: str
    rows: list[tuple[str, str, str]]  # (code id, code name, dimension name)
    columns: list[tuple[str, str]]  # (id, label): cases, or codes for co-occurrence
    values: dict[tuple[str, str], float]
    note: str

    def value(self, row: str, column: str) -> float:
        return self.values.get((row, column), 0)


def _subtrees(codes) -> dict[str, set[str]]:
    children: dict[str | None, list[str]] = defaultdict(list)
    for code in codes:
        children[code.parent_id].append(code.id)
    trees = {}
    for code in codes:
        todo, seen = [code.id], set()
        while todo:
            current = todo.pop()
            seen.add(current)
            todo.extend(children.get(current, []))
        trees[code.id] = seen
    return trees


def _rows(project):
    codes = project.codebook.codes()
    by_id = {c.id: c for c in codes}
    rows = []
    for code in codes:
        top = code
        while top.parent_id and top.parent_id in by_id:
            top = by_id[top.parent_id]
        rows.append((code.id, code.name, top.name))
    return codes, rows


def case_by_code(project, kind: str = "count", coder: str | None = None, speaker: str = "答") -> Matrix:
    """Codes as rows (with their dimension), cases as columns."""
    codes, rows = _rows(project)
    trees = _subtrees(codes)
    cases = project.documents.cases()
    documents = project.documents.documents()
    spans_by_doc: dict[int, dict[str, list[tuple[int, int]]]] = defaultdict(lambda: defaultdict(list))
    for coding in project.codings.select(coder=coder):
        spans_by_doc[coding.document_id][coding.code_id].append((coding.start, coding.end))
    answer_regions = {
        d.id: [(t.start, t.end) for t in project.documents.turns(d.id) if t.speaker == speaker] for d in documents
    }
    answer_total: defaultdict[str, int] = defaultdict(int)
    for d in documents:
        answer_total[d.case_id] += sum(e - s for s, e in answer_regions[d.id])
    values: dict[tuple[str, str], float] = {}
    for code in codes:
        for d in documents:
            spans = [span for member in trees[code.id] for span in spans_by_doc[d.id].get(member, [])]
            if not spans:
                continue
            merged = merge(spans)
            key = (code.id, d.case_id)
            if kind in ("count", "presence"):
                values[key] = values.get(key, 0) + len(merged)
            elif kind == "coverage":
                values[key] = values.get(key, 0) + _overlap_length(merged, answer_regions[d.id])
    if kind == "presence":
        values = {k: 1 for k, v in values.items() if v}
    if kind == "coverage":
        values = {k: round(100 * v / answer_total[k[1]], 2) if answer_total[k[1]] else 0.0 for k, v in values.items()}
    notes = {
        "count": "coded segments; a code counts its descendants' codings, overlapping spans merged into one segment",
        "coverage": f"% of the case's answer text ({speaker} turns) covered by the code or its descendants",
        "presence": "1 if the case has at least one coded segment of the code or its descendants, else 0",
    }
    return Matrix(kind, rows, [(c.id, c.name or c.id) for c in cases], values, notes[kind])


def cooccurrence(project, mode: str = "overlap", coder: str | None = None) -> Matrix:
    """Codes x codes: how often segments of two codes overlap, or how many turns hold both."""
    codes, rows = _rows(project)
    trees = _subtrees(codes)
    documents = project.documents.documents()
    by_doc: dict[int, dict[str, list[tuple[int, int]]]] = defaultdict(lambda: defaultdict(list))
    for coding in project.codings.select(coder=coder):
        by_doc[coding.document_id][coding.code_id].append((coding.start, coding.end))
    values: dict[tuple[str, str], float] = {}
    for d in documents:
        merged = {c.id: merge([s for m in trees[c.id] for s in by_doc[d.id].get(m, [])]) for c in codes}
        if mode == "turn":
            turns = project.documents.turns(d.id)
            present = {
                cid: {t.number for t in turns for s, e in spans if s < t.end and e > t.start}
                for cid, spans in merged.items()
                if spans
            }
            for a in present:
                for b in present:
                    n = len(present[a] & present[b])
                    if n:
                        values[(a, b)] = values.get((a, b), 0) + n
        else:
            active = {cid: spans for cid, spans in merged.items() if spans}
            for a, spans_a in active.items():
                for b, spans_b in active.items():
                    n = sum(1 for s1, e1 in spans_a if any(s2 < e1 and e2 > s1 for s2, e2 in spans_b))
                    if n:
                        values[(a, b)] = values.get((a, b), 0) + n
    note = (
        "segments of the row code that overlap a segment of the column code (diagonal: segments of the code)"
        if mode == "overlap"
        else "turns coded with both codes (diagonal: turns coded with the code)"
    )
    return Matrix(f"cooccurrence-{mode}", rows, [(c.id, c.name) for c in codes], values, note)
