"""Blind coding: the project as a coder coding blind sees it on the search, ratings and review screens.

The main screen filters its own codings (`only_mine`, locked on); the other screens receive this proxy instead of
the project, so their listings, counts, coder choices and evidence candidates hold the coder's codings only.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from qualcode.model import Coding
from qualcode.project import Project


class BlindProject:
    """The project as a coder coding blind sees it on the search, ratings and review screens: their own codings
    only (listings, counts, the search's coder filter and the codes beside a hit, evidence candidates); every
    other attribute is the project's own."""

    def __init__(self, project: Project, coder: str):
        self.project, self.coder = project, coder
        self.codings = _OwnCodings(project.codings, coder)
        self.search = _OwnSearch(project, coder)
        self.ratings = _OwnRatings(project.ratings, coder)

    def __getattr__(self, name: str):
        return getattr(self.project, name)


class _OwnCodings:
    def __init__(self, codings, coder: str):
        self.codings, self.coder = codings, coder

    def __getattr__(self, name: str):
        return getattr(self.codings, name)

    def coders(self) -> list[str]:
        return [c for c in self.codings.coders() if c == self.coder]

    def select(self, **filters) -> list[Coding]:
        return self.codings.select(**{**filters, "coder": self.coder})

    def counts(self, coder: str | None = None) -> dict[str, int]:
        return self.codings.counts(self.coder)

    def counts_by_case(self) -> dict[tuple[str, str], int]:
        return dict(Counter((c.code_id, c.case_id) for c in self.select()))


class _OwnRatings:
    def __init__(self, ratings, coder: str):
        self.ratings, self.coder = ratings, coder

    def __getattr__(self, name: str):
        return getattr(self.ratings, name)

    def candidates(self, case_id: str, code_id: str, **kwargs) -> list[Coding]:
        return [c for c in self.ratings.candidates(case_id, code_id, **kwargs) if c.coder == self.coder]


class _OwnSearch:
    """Searches every turn, but a search among codings (a code, a coder or coded only) is among mine, and the
    codes shown beside a hit are those I applied in its turn."""

    def __init__(self, project: Project, coder: str):
        self.project, self.coder = project, coder

    def __getattr__(self, name: str):
        return getattr(self.project.search, name)

    def find(self, query: str, *, code=None, coder=None, coded_only: bool = False, **filters):
        among_codings = code is not None or coder is not None or coded_only
        found = self.project.search.find(
            query, code=code, coder=self.coder if among_codings else None, coded_only=coded_only, **filters
        )
        order = {c.id: i for i, c in enumerate(self.project.codebook.codes())}
        mine: dict[int, list[Coding]] = {}
        results = []
        for hit in found.results:
            if hit.document not in mine:
                mine[hit.document] = self.project.codings.select(document=hit.document, coder=self.coder)
            turn = self.project.documents.turn(hit.document, hit.turn)
            codes = {c.code_id for c in mine[hit.document] if c.start < turn.end and c.end > turn.start}
            results.append(replace(hit, codes=sorted(codes, key=lambda c: order.get(c, len(order)))))
        return replace(found, results=results)
