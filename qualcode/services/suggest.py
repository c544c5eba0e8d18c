"""Code suggestions learned from the project's own codings, and how well they would have done.

The model (analysis/suggestions.py) is trained on the anchored codings of one coder, or everyone's, with every
code seeded by its name, keywords and definition; keyword hits (services/keywords.py) add a minor signal. It is
kept until the codings or the codebook change, and retraining takes well under a second. Suggestions are never
applied: the CLI lists them, and the TUI offers them for the coder to accept (a normal coding, logged with
provenance "suggested") or dismiss.

Units are sentences (sentences.py, within a turn) or turns. `evaluate` is leave-one-case-out over one coder's
codings: for each case, a model trained on that coder's codings of the other cases ranks codes for the unit
holding the start of each of the coder's codings in the case; a suggestion is right when it is one of the codes
the coder gave that unit, or a code below one of them.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qualcode.errors import BadInput
from qualcode.sentences import sentences
from qualcode.services.codebook import CodebookService
from qualcode.services.codings import CodingService
from qualcode.services.documents import DocumentService
from qualcode.services.keywords import KeywordService

if TYPE_CHECKING:  # scikit-learn loads only when a model is trained
    from qualcode.analysis.suggestions import Ranked, SuggestionModel

UNITS = ("sentence", "turn")


@dataclass(frozen=True)
class Suggestion:
    code: str
    score: float
    keywords: tuple[str, ...] = ()  # the code's keywords found in the unit
    example: str | None = None  # the id of the code's nearest coded example
    example_text: str = ""
    similarity: float = 0.0  # the unit's cosine with that example

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "score": round(self.score, 4),
            "keywords": list(self.keywords),
            "example": None
            if self.example is None
            else {"coding": self.example, "text": self.example_text, "similarity": round(self.similarity, 4)},
        }


@dataclass(frozen=True)
class Unit:
    document: int
    case: str
    turn: int
    start: int
    end: int
    text: str
    suggestions: tuple[Suggestion, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "document": self.document,
            "case": self.case,
            "turn": self.turn,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "suggestions": [s.to_json() for s in self.suggestions],
        }


@dataclass(frozen=True)
class Evaluation:
    units: int
    top1: float
    top3: float
    per_code: dict[str, dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return {"units": self.units, "top1": self.top1, "top3": self.top3, "per_code": self.per_code}


class SuggestService:
    def __init__(
        self, documents: DocumentService, codebook: CodebookService, codings: CodingService, keywords: KeywordService
    ):
        self._documents = documents
        self._codebook = codebook
        self._codings = codings
        self._keywords = keywords
        self._models: dict[Any, SuggestionModel] = {}

    # -- training --------------------------------------------------------------------------------
    def train(self, coder: str | None = None, *, exclude_cases: Sequence[str] = ()) -> SuggestionModel:
        """The model on the anchored codings of `coder` (everyone's when None), leaving out some cases' codings;
        kept until the codings or the codebook change."""
        from qualcode.analysis.suggestions import Example, SuggestionModel, seed_text

        codes = self._codebook.codes()
        examples = [
            Example(c.id, c.code_id, c.text)
            for c in self._codings.select(coder=coder)
            if c.case_id not in exclude_cases and c.text.strip()
        ]
        key = (
            coder,
            tuple(sorted(exclude_cases)),
            tuple((c.id, c.name, c.keywords, c.description) for c in codes),
            tuple((e.ref, e.code, e.text) for e in examples),
        )
        model = self._models.get(key)
        self._keywords.spotter()  # the keyword matcher is part of the model: built (or kept) with it
        if model is None:
            seeds = {c.id: seed_text(c.name, c.keywords, c.description) for c in codes}
            model = SuggestionModel([c.id for c in codes], seeds, examples)
            if len(self._models) > 8:
                self._models.clear()
            self._models[key] = model
        return model

    def forget(self) -> None:
        """Drop the trained models (the next call trains afresh)."""
        self._models.clear()

    # -- units -----------------------------------------------------------------------------------
    def units(self, document: str | int, unit: str = "sentence", speaker: str | None = None) -> list[Unit]:
        """The document's sentences (within turns) or turns, without suggestions."""
        if unit not in UNITS:
            raise BadInput(f"unknown unit {unit!r}: use sentence or turn")
        doc = self._documents.document(document)
        text = self._documents.text(doc.id)
        out = []
        for turn in self._documents.turns(doc.id):
            if speaker is not None and turn.speaker != speaker:
                continue
            spans = [(turn.start, turn.end)] if unit == "turn" else sentences(text, turn.start, turn.end)
            for start, end in spans:
                if text[start:end].strip():
                    out.append(Unit(doc.id, doc.case_id, turn.number, start, end, text[start:end]))
        return out

    def _rank(self, model: SuggestionModel, document_id: int, spans: Sequence[tuple[int, int]], top: int):
        text = self._documents.text(document_id)
        hits = self._keywords.hits(document_id)
        starts = [h.start for h in hits]
        keyword_scores = []
        for start, end in spans:
            inside = [h for h in hits[bisect_right(starts, start - 1) :] if h.start < end]
            keyword_scores.append(self._keywords.scores(h for h in inside if h.end <= end))
        return model.rank([text[s:e] for s, e in spans], keyword_scores, top=top)

    @staticmethod
    def _suggestions(ranked: list[Ranked]) -> tuple[Suggestion, ...]:
        return tuple(
            Suggestion(
                r.code,
                r.score,
                tuple(r.keywords),
                r.example.ref if r.example else None,
                r.example.text if r.example else "",
                r.similarity,
            )
            for r in ranked
        )

    # -- suggesting ------------------------------------------------------------------------------
    def for_span(
        self, document_id: int, start: int, end: int, top: int = 3, coder: str | None = None
    ) -> list[Suggestion]:
        """The `top` codes for one span of a document (e.g. the sentence under the TUI's cursor), best first."""
        doc = self._documents.document(document_id)
        start, end = self._documents.locate(doc, span=(start, end))
        model = self.train(coder)
        return list(self._suggestions(self._rank(model, doc.id, [(start, end)], top)[0]))

    def suggest(
        self,
        *,
        document: str | int | None = None,
        case: str | None = None,
        unit: str = "sentence",
        top: int = 3,
        coder: str | None = None,
        speaker: str | None = None,
    ) -> list[Unit]:
        """Every unit of a document (or of a case's documents, or of all) with its `top` codes; units with no
        suggestion are left out."""
        if top < 1:
            raise BadInput(f"--top must be at least 1, not {top}")
        if document is not None:
            documents = [self._documents.document(document)]
        else:
            if case is not None:
                self._documents.case(case)
            documents = self._documents.documents(case)
        model = self.train(coder)
        out = []
        for doc in documents:
            units = self.units(doc.id, unit, speaker)
            ranked = self._rank(model, doc.id, [(u.start, u.end) for u in units], top)
            for u, r in zip(units, ranked, strict=True):
                if r:
                    out.append(Unit(u.document, u.case, u.turn, u.start, u.end, u.text, self._suggestions(r)))
        return out

    # -- how well it does ------------------------------------------------------------------------
    def evaluate(self, coder: str, unit: str = "sentence") -> Evaluation:
        """Leave-one-case-out top-1 and top-3 accuracy over the coder's codings, overall and per code."""
        if unit not in UNITS:
            raise BadInput(f"unknown unit {unit!r}: use sentence or turn")
        codings = self._codings.select(coder=coder)
        if not codings:
            known = ", ".join(self._codings.coders()) or "none"
            raise BadInput(f"coder {coder!r} has no codings to evaluate (coders with codings: {known})")
        below = {c.id: set(self._codebook.descendants(c.id)) for c in self._codebook.codes()}
        by_case: dict[str, list] = defaultdict(list)
        for coding in codings:
            by_case[coding.case_id].append(coding)
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        overall = [0, 0, 0]
        for case_id, held_out in by_case.items():
            model = self.train(coder, exclude_cases=[case_id])
            by_document: dict[int, list] = defaultdict(list)
            for coding in held_out:
                by_document[coding.document_id].append(coding)
            for document_id, items in by_document.items():
                spans = [(u.start, u.end) for u in self.units(document_id, unit)]
                starts = [s for s, _ in spans]
                unit_of = {}
                for coding in items:
                    at = bisect_right(starts, coding.start) - 1
                    if at < 0 or coding.start >= spans[at][1]:  # outside every unit: the coding itself
                        unit_of[coding.id] = (coding.start, coding.end)
                    else:
                        unit_of[coding.id] = spans[at]
                gold: dict[tuple[int, int], set[str]] = defaultdict(set)
                for coding in items:
                    gold[unit_of[coding.id]].add(coding.code_id)
                distinct = sorted(gold)
                ranked = dict(zip(distinct, self._rank(model, document_id, distinct, 3), strict=True))
                for coding in items:
                    right = set().union(*(below[c] for c in gold[unit_of[coding.id]]))
                    codes = [r.code for r in ranked[unit_of[coding.id]]]
                    hit1 = int(bool(codes[:1]) and codes[0] in right)
                    hit3 = int(any(c in right for c in codes[:3]))
                    for tally in (overall, totals[coding.code_id]):
                        tally[0] += 1
                        tally[1] += hit1
                        tally[2] += hit3
        order = {c.id: i for i, c in enumerate(self._codebook.codes())}
        per_code = {
            code: {"units": n, "top1": round(h1 / n, 4), "top3": round(h3 / n, 4)}
            for code, (n, h1, h3) in sorted(totals.items(), key=lambda item: order.get(item[0], len(order)))
        }
        n, h1, h3 = overall
        return Evaluation(n, round(h1 / n, 4), round(h3 / n, 4), per_code)
