"""The factor-strength table as data: rows grouped by dimension, one column per case, one table per facet."""

from __future__ import annotations

from dataclasses import dataclass

from qualcode.model import Case, Code, Facet, ScaleStep


@dataclass(frozen=True)
class FactorRow:
    dimension: Code  # the top-level code the factor belongs to (the factor itself for a dimension row)
    factor: Code

    @property
    def is_dimension(self) -> bool:
        return self.dimension.id == self.factor.id


@dataclass(frozen=True)
class Cell:
    step: ScaleStep | None
    evidence: int  # attached evidence codings
    codings: int  # codings of the factor (and its descendants) in the case
    note: str = ""
    by_rater: tuple[tuple[str, ScaleStep | None], ...] = ()  # side by side (export table --raters): each one's step

    @property
    def differs(self) -> bool:
        """Raters side by side who gave the cell different steps (a missing rating counts as different)."""
        return len({step.id if step else None for _, step in self.by_rater}) > 1


@dataclass(frozen=True)
class FactorTable:
    facet: Facet
    cases: list[Case]
    rows: list[FactorRow]
    cells: dict[tuple[str, str], Cell]  # (code id, case id) -> cell

    def cell(self, code_id: str, case_id: str) -> Cell:
        return self.cells.get((code_id, case_id), Cell(None, 0, 0))

    def groups(self) -> list[tuple[Code, list[FactorRow]]]:
        out: list[tuple[Code, list[FactorRow]]] = []
        for row in self.rows:
            if out and out[-1][0].id == row.dimension.id:
                out[-1][1].append(row)
            else:
                out.append((row.dimension, [row]))
        return out


def top_ancestor(code: Code, by_id: dict[str, Code]) -> Code:
    while code.parent_id and code.parent_id in by_id:
        code = by_id[code.parent_id]
    return code


def factor_rows(project) -> list[FactorRow]:
    """Rated codes grouped by their dimension, dimensions and factors in codebook order."""
    codes = project.codebook.codes()
    by_id = {c.id: c for c in codes}
    rated = set(project.codebook.rated_codes())
    rows = [FactorRow(top_ancestor(c, by_id), c) for c in codes if c.id in rated]
    order = {c.id: i for i, c in enumerate(codes)}
    rows.sort(key=lambda r: (order[r.dimension.id], order[r.factor.id]))
    return rows


def coding_counts(project) -> dict[tuple[str, str], int]:
    """Codings per (code, case), each code counting its descendants' codings too."""
    counts: dict[tuple[str, str], int] = {}
    by_id = {c.id: c for c in project.codebook.codes()}
    for (code_id, case_id), n in project.codings.counts_by_case().items():
        code = by_id.get(code_id)
        while code is not None:
            counts[(code.id, case_id)] = counts.get((code.id, case_id), 0) + n
            code = by_id.get(code.parent_id) if code.parent_id else None
    return counts


def build(project, facet_id: str, coder: str | None) -> FactorTable:
    """The table of one facet; `coder` picks whose ratings (None: the only rater, if there is just one)."""
    facets = {f.id: f for f in project.codebook.facets()}
    steps = {s.id: s for s in project.codebook.scale()}
    cases = project.documents.cases()
    ratings = project.ratings.select(facet=facet_id, coder=coder) if facet_id in facets else []
    counts = coding_counts(project)
    cells: dict[tuple[str, str], Cell] = {}
    for rating in ratings:
        cells[(rating.code_id, rating.case_id)] = Cell(
            steps.get(rating.step_id),
            len(rating.evidence),
            counts.get((rating.code_id, rating.case_id), 0),
            rating.note,
        )
    rows = factor_rows(project)
    for row in rows:
        for case in cases:
            key = (row.factor.id, case.id)
            if key not in cells:
                cells[key] = Cell(None, 0, counts.get(key, 0))
    return FactorTable(facets[facet_id], cases, rows, cells)
