"""Concept search: `@code` in a query stands for any of that code's names and keywords.

`@budget`, `@預算`, `@Budget` or `@预算` name the code `budget` (by its id, its Chinese or English name,
compared in the search form of zh/normalize.py, so Simplified and width do not matter); `@budget/`
takes in the codes below it too. The search engine receives the codebook as plain `ConceptCode`s
(the search service builds them), never Project: see the import-linter contracts in pyproject.toml.

`Concepts.complete(prefix)` lists the codes a partly typed `@…` may mean, for completion in the TUI.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from qualcode.errors import BadInput
from qualcode.zh.normalize import fold_term


@dataclass(frozen=True)
class ConceptCode:
    """What concept search needs of a code."""

    id: str
    name: str
    name_en: str = ""
    keywords: tuple[str, ...] = ()
    parent: str | None = None

    @classmethod
    def of(cls, code) -> ConceptCode:
        """From a model.Code (anything with id, name, name_en, keywords and parent_id)."""
        return cls(code.id, code.name, code.name_en, tuple(code.keywords), code.parent_id)


@dataclass(frozen=True)
class ConceptTerm:
    """One word a concept stands for: a name or a keyword of one of its codes."""

    code: str
    keyword: str  # as written in the codebook


@dataclass(frozen=True)
class Completion:
    """A code a partly typed `@…` may mean; `text` is what to put in the query (`@budget`)."""

    code: str
    name: str
    name_en: str
    matched: str  # "id", "name" or "name_en": what the prefix matched
    text: str


class Concepts:
    """The codebook as concept search sees it."""

    def __init__(self, codes: Iterable[ConceptCode]):
        self.codes: list[ConceptCode] = list(codes)
        self._by_id = {c.id: c for c in self.codes}
        self._children: dict[str | None, list[str]] = {}
        for code in self.codes:
            self._children.setdefault(code.parent, []).append(code.id)

    def code(self, reference: str) -> ConceptCode:
        """The code an `@` reference names (without the `@` and a trailing `/`); one clear error if none."""
        if reference in self._by_id:
            return self._by_id[reference]
        wanted = fold_term(reference)
        for code in self.codes:
            if wanted and wanted in (fold_term(code.id), fold_term(code.name), fold_term(code.name_en)):
                return code
        names = [c.id for c in self.codes] + [c.name for c in self.codes]
        guess = difflib.get_close_matches(reference, names, n=1)
        hint = f"; did you mean @{guess[0]}?" if guess else ""
        if not self.codes:
            hint = " (the project has no codebook; load one with `qualcode codebook load`)"
        raise BadInput(f"unknown code '@{reference}' in the query: write @ and a code's id or name{hint}")

    def subtree(self, code_id: str) -> list[str]:
        """The code and every code below it, in codebook order."""
        out, todo = [], [code_id]
        while todo:
            current = todo.pop(0)
            out.append(current)
            todo[:0] = self._children.get(current, [])
        return out

    def terms(self, reference: str) -> list[ConceptTerm]:
        """The words `@reference` stands for: the names and keywords of the code (and, with a trailing
        `/`, of every code below it), each once in its search form, empty ones left out."""
        subtree = reference.endswith("/") and len(reference) > 1
        code = self.code(reference[:-1] if subtree else reference)
        ids = self.subtree(code.id) if subtree else [code.id]
        seen: set[str] = set()
        terms = []
        for code_id in ids:
            c = self._by_id[code_id]
            for word in (c.name, c.name_en, *c.keywords):
                folded = fold_term(word)
                if folded and folded not in seen:
                    seen.add(folded)
                    terms.append(ConceptTerm(code_id, word))
        return terms

    def complete(self, prefix: str, limit: int | None = 20) -> list[Completion]:
        """Codes whose id, Chinese or English name starts with `prefix` (an optional leading `@` is
        ignored; compared in the search form), then those that contain it; in codebook order within each."""
        wanted = fold_term(prefix.removeprefix("@").removesuffix("/"))
        starts: list[Completion] = []
        inside: list[Completion] = []
        for code in self.codes:
            fields = [(f, fold_term(v)) for f, v in (("id", code.id), ("name", code.name), ("name_en", code.name_en))]
            first = next((f for f, v in fields if v and v.startswith(wanted)), None)
            part = first or next((f for f, v in fields if v and wanted in v), None)
            if part is not None:
                (starts if first else inside).append(Completion(code.id, code.name, code.name_en, part, f"@{code.id}"))
        found = starts + inside
        return found if limit is None else found[:limit]


def complete_codes(codes: Sequence[ConceptCode], prefix: str, limit: int | None = 20) -> list[Completion]:
    """The codes a partly typed `@prefix` may mean (see Concepts.complete)."""
    return Concepts(codes).complete(prefix, limit)
