"""Team coding: how well coders agree (over codings, ratings or a content-analysis sheet), and adjudication
of their disagreements into a consensus coder.

Agreement over codings: the units are characters, sentences, turns or coded segments of the selected turns
(qualcode/agreement/units.py); each code is one set of yes/no decisions per coder, and the pooled figures
treat every (unit, code) pair as one decision. The statistics are qualcode/agreement/stats.py (exact, with the
krippendorff package for alpha) or, for millions of character units, the same figures in closed form over the
pattern counts (agreement/weighted.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.errors import BadInput
from qualcode.sentences import sentences
from qualcode.services.codebook import CodebookService
from qualcode.services.codings import CodingService
from qualcode.services.documents import DocumentService
from qualcode.services.history import History
from qualcode.services.ratings import RatingService

if TYPE_CHECKING:  # numpy, krippendorff and the agreement package load when agreement is computed, not at start
    import numpy as np

    from qualcode.agreement.stats import Agreement
    from qualcode.agreement.units import Patterns

FORMULAS = {
    "percent": "percent agreement (irrCAC: mean pairwise agreement per unit)",
    "cohen_kappa": "Cohen's kappa (two coders; mean of the pairs for more: Light's kappa)",
    "fleiss_kappa": "Fleiss' kappa",
    "krippendorff_alpha": "Krippendorff's alpha",
    "brennan_prediger": "Brennan-Prediger kappa (pe = 1/q)",
    "gwet_ac1": "Gwet's AC1",
    "holsti": "Holsti 2M/(N1+N2) per pair; composite reliability n·m/(1+(n−1)·m)",
}


@dataclass
class Report:
    """Agreement as `qualcode agree --json` prints it."""

    unit: str
    coders: list[str]
    pooled: Agreement
    per_code: dict[str, Agreement] = field(default_factory=dict)
    raw_disagreements: list[tuple[str, int, int, int, tuple[bool, ...]]] = field(default_factory=list)
    case_of: dict[int, str] = field(default_factory=dict)
    per_item: dict[str, Agreement] | None = None
    level: str = "nominal"

    @property
    def disagreements(self) -> list[dict[str, Any]]:
        """Where the coders disagree: code, document, case, start, end and each coder's vote."""
        return [{"code": code, "document": document, "case": self.case_of.get(document, ""), "start": start,
                 "end": end, "coders": dict(zip(self.coders, votes, strict=True))}
                for code, document, start, end, votes in self.raw_disagreements]  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"unit": self.unit, "coders": list(self.coders), "level": self.level,
                                **self.pooled.to_json()}  # fmt: skip
        data["per_code"] = {code: figures.to_json() for code, figures in self.per_code.items()}
        data["disagreements"] = self.disagreements
        if self.per_item is not None:
            data["per_item"] = {item: figures.to_json() for item, figures in self.per_item.items()}
        return data


@dataclass
class Disagreement:
    """One unit where the coders disagree on a code, with each coder's codings of it there."""

    code: str
    document: int
    case: str
    start: int
    end: int
    votes: dict[str, bool]
    spans: dict[str, list[tuple[int, int]]]  # each coder's codings of the code that overlap the unit
    reviewed: bool  # the consensus coder decided it (and that decision is not undone)

    @property
    def key(self) -> dict[str, Any]:
        return {"code": self.code, "document": self.document, "start": self.start, "end": self.end}


DECISIONS = ("union", "intersection", "drop")  # and "keep:<coder>"


class TeamService:
    def __init__(self, documents: DocumentService, codebook: CodebookService, codings: CodingService,
                 ratings: RatingService, history: History):  # fmt: skip
        self._documents = documents
        self._codebook = codebook
        self._codings = codings
        self._ratings = ratings
        self._history = history

    # -- over codings ----------------------------------------------------------------------------
    def agreement(self, *, coders: Sequence[str] | None = None, codes: Sequence[str] = (), leaves: bool = False,
                  cases: Sequence[str] = (), speaker: str | None = None, unit: str = "char", overlap: float = 0.5,
                  threshold: float | None = None) -> Report:  # fmt: skip
        """Agreement of the coders over the selected turns, per code and pooled (`threshold` None: the default
        of qualcode/agreement/stats.py).

        Codes: each of `codes` with its subtree (a unit is coded with C when a coding of C or below covers it);
        with `leaves`, every code of those subtrees on its own; by default every code someone applied, on its
        own. Coders: by default every coder with codings.
        """
        import numpy as np

        from qualcode.agreement.stats import DEFAULT_THRESHOLD
        from qualcode.agreement.units import UNITS, Patterns
        from qualcode.agreement.weighted import binary_agreement

        threshold = DEFAULT_THRESHOLD if threshold is None else threshold
        if unit not in UNITS:
            raise BadInput(f"unknown unit {unit!r} (use {', '.join(UNITS)})")
        if not 0 < overlap <= 1:
            raise BadInput(f"--overlap must be above 0 and at most 1, not {overlap}")
        coders = self._coders(coders)
        groups = self._code_groups(codes, leaves, coders)
        regions = self._regions(cases, speaker)
        per_code: dict[str, Agreement] = {}
        case_of = self._documents.case_of()
        pooled_rows: list[np.ndarray] = []
        pooled_weights: list[np.ndarray] = []
        disagreements: list[tuple[str, int, int, int, tuple[bool, ...]]] = []
        for code_id, members in groups.items():
            patterns = self._patterns(unit, regions, members, coders, overlap)
            per_code[code_id] = binary_agreement(patterns, threshold)
            pooled_rows.append(patterns.rows)
            pooled_weights.append(patterns.weights)
            disagreements.extend((code_id, *d) for d in patterns.disagreements)
        pooled = Patterns(coders, np.concatenate(pooled_rows) if pooled_rows else np.zeros((0, len(coders)), bool),
                          np.concatenate(pooled_weights) if pooled_weights else np.zeros(0, np.int64))  # fmt: skip
        return Report(unit, coders, binary_agreement(_merged(pooled), threshold), per_code, disagreements, case_of)

    def _coders(self, coders: Sequence[str] | None) -> list[str]:
        known = self._codings.coders()
        chosen = list(coders) if coders else known
        if len(chosen) < 2:
            raise BadInput(f"agreement needs two coders or more (coders with codings: {', '.join(known) or 'none'})")
        if len(set(chosen)) != len(chosen):
            raise BadInput("a coder is named twice")
        unknown = [c for c in chosen if c not in known]
        if unknown:
            raise BadInput(f"coder {unknown[0]!r} has no codings (coders with codings: {', '.join(known) or 'none'})")
        return chosen

    def _code_groups(self, codes: Sequence[str], leaves: bool, coders: list[str]) -> dict[str, list[str]]:
        """code id -> the code ids whose codings count as it."""
        if codes:
            groups: dict[str, list[str]] = {}
            for code in codes:
                subtree = self._codebook.descendants(code)
                if leaves:
                    groups.update({member: [member] for member in subtree})
                else:
                    groups[code] = subtree
            return groups
        used = set()
        for coder in coders:
            used |= {code for code, n in self._codings.counts(coder).items() if n}
        return {c.id: [c.id] for c in self._codebook.codes() if c.id in used}

    def _regions(self, cases: Sequence[str], speaker: str | None) -> np.ndarray:
        """(document, start, end) rows of the selected utterances."""
        import numpy as np

        self._documents.check_cases(cases)
        if speaker is not None and speaker not in self._documents.speakers():
            raise BadInput(f"no turns by speaker {speaker!r} (speakers: {', '.join(self._documents.speakers())})")
        rows = self._documents.turn_spans(cases=cases, speaker=speaker)
        array = np.array(rows, dtype=np.int64).reshape(-1, 3)
        return array[array[:, 2] > array[:, 1]]

    def _patterns(self, unit: str, regions: np.ndarray, code_ids: list[str], coders: list[str],
                  overlap: float) -> Patterns:  # fmt: skip
        import numpy as np

        from qualcode.agreement.units import Codings, Regions, char_patterns_arrays, segment_patterns, unit_patterns

        found = self._codings.spans_by_coder(code_ids=code_ids, coders=coders)
        index = {c: i for i, c in enumerate(coders)}
        codings = np.array([(d, s, e, index[c]) for _, d, s, e, c in found], dtype=np.int64).reshape(-1, 4)
        if unit == "char":
            return char_patterns_arrays(Regions(regions[:, 0], regions[:, 1], regions[:, 2]),
                                        Codings(codings[:, 0], codings[:, 1], codings[:, 2], codings[:, 3]), coders)  # fmt: skip
        by_document: dict[int, list[tuple[int, int]]] = {}
        for document, start, end in regions.tolist():
            by_document.setdefault(document, []).append((start, end))
        spans: dict[int, list[list[tuple[int, int]]]] = {d: [[] for _ in coders] for d in by_document}
        for document, start, end, coder in codings.tolist():
            if document in spans:
                spans[document][coder].append((start, end))
        if unit == "segment":
            inside = {d: [[s for s in per if _touches(s, by_document[d])] for per in coder_spans]
                      for d, coder_spans in spans.items()}  # fmt: skip
            return segment_patterns(inside, coders, overlap)
        units: dict[int, list[tuple[int, int]]] = {}
        for document, doc_regions in by_document.items():
            if unit == "turn":
                units[document] = doc_regions
            else:
                text = self._documents.text(document)
                units[document] = [span for s, e in doc_regions for span in sentences(text, s, e)]
        return unit_patterns(units, spans, coders)

    # -- adjudication ----------------------------------------------------------------------------
    def to_adjudicate(self, *, coders: Sequence[str] | None = None, codes: Sequence[str] = (), unit: str = "segment",
                      cases: Sequence[str] = (), speaker: str | None = None, overlap: float = 0.5,
                      consensus: str = "consensus") -> list[Disagreement]:  # fmt: skip
        """The units where the coders (not the consensus coder) disagree, each with whether it was decided."""
        chosen = list(self._coders_for_adjudication(coders, consensus))
        report = self.agreement(coders=chosen, codes=codes, cases=cases, speaker=speaker, unit=unit, overlap=overlap)
        groups = self._code_groups(codes, False, chosen)
        decided = {(k["code"], k["document"], k["start"], k["end"])
                   for k in (p["unit"] for p in self._history.active(consensus, "adjudicate"))}  # fmt: skip
        out = []
        for code, document, start, end, votes in report.raw_disagreements:
            spans: dict[str, list[tuple[int, int]]] = {coder: [] for coder in chosen}
            for _, doc, s, e, coder in self._codings.spans_by_coder(code_ids=groups[code], coders=chosen):
                if doc == document and s < end and e > start:
                    spans[coder].append((s, e))
            out.append(Disagreement(code, document, report.case_of.get(document, ""), start, end,
                                    dict(zip(chosen, votes, strict=True)), spans,
                                    (code, document, start, end) in decided))  # fmt: skip
        return out

    def _coders_for_adjudication(self, coders: Sequence[str] | None, consensus: str) -> list[str]:
        if coders:
            return list(coders)
        return [c for c in self._codings.coders() if c != consensus]

    def adjudicate(self, item: Disagreement, decision: str, *, consensus: str = "consensus") -> list:
        """Decide a disagreement: keep one coder's codings (`keep:<coder>`), the union, the intersection, or drop
        them; the result is written as codings of the consensus coder (one undoable event of that coder)."""
        if consensus in item.spans:
            raise BadInput(f"the consensus coder {consensus!r} is one of the coders compared; choose another name")
        if decision.startswith("keep:"):
            coder = decision.split(":", 1)[1]
            if coder not in item.spans:
                raise BadInput(f"unknown coder {coder!r} (coders: {', '.join(item.spans)})")
            spans = item.spans[coder]
        elif decision == "union":
            from qualcode.agreement.units import merge

            starts, ends = merge([s for per in item.spans.values() for s in per])
            spans = list(zip(starts.tolist(), ends.tolist(), strict=True))
        elif decision == "intersection":
            spans = _intersection(list(item.spans.values()))
        elif decision == "drop":
            spans = []
        else:
            raise BadInput(f"unknown decision {decision!r} (use keep:<coder>, {', '.join(DECISIONS)})")
        return self._codings.adjudicate(item.key, sorted(set(spans)), consensus, decision)

    # -- over ratings ----------------------------------------------------------------------------
    def rating_agreement(self, *, facet: str | None = None, raters: Sequence[str] | None = None,
                         threshold: float | None = None) -> Report:  # fmt: skip
        """Ordinal agreement of the raters over the cells (case, code) of the factor-strength table of a facet."""
        from qualcode.agreement.stats import DEFAULT_THRESHOLD, agreement

        threshold = DEFAULT_THRESHOLD if threshold is None else threshold
        facet_id = self._codebook.facet_id(facet)
        known = self._ratings.raters()
        chosen = list(raters) if raters else known
        if len(chosen) < 2:
            raise BadInput(f"rating agreement needs two raters or more (raters: {', '.join(known) or 'none'})")
        values = {s.id: s.value for s in self._codebook.scale()}
        cells: dict[tuple[str, str], dict[str, int]] = {}
        for rating in self._ratings.select(facet=facet_id):
            if rating.coder in chosen:
                cells.setdefault((rating.case_id, rating.code_id), {})[rating.coder] = values[rating.step_id]
        order = sorted(cells)
        matrix = [[cells[cell].get(rater) for cell in order] for rater in chosen]
        figures = agreement(matrix, chosen, "ordinal", categories=sorted(set(values.values())), threshold=threshold)
        return Report("rating", chosen, figures, level="ordinal")

    # -- over a content-analysis sheet -----------------------------------------------------------
    @staticmethod
    def sheet_agreement(path: Path | str, *, level: str = "nominal", threshold: float | None = None) -> Report:
        """Agreement over a long-format sheet (unit,item,coder,value), whole and per item."""
        from qualcode.agreement.sheet import read_sheet
        from qualcode.agreement.stats import DEFAULT_THRESHOLD, agreement

        threshold = DEFAULT_THRESHOLD if threshold is None else threshold

        sheet = read_sheet(path, level)
        if len(sheet.coders) < 2:
            raise BadInput(f"{path}: agreement needs two coders or more; the sheet names {len(sheet.coders)}")
        pooled = agreement(sheet.matrix, sheet.coders, level, threshold=threshold)
        per_item = {item: agreement(m.matrix, sheet.coders, level, threshold=threshold)
                    for item, m in sheet.per_item.items()}  # fmt: skip
        return Report("sheet", sheet.coders, pooled, per_item=per_item, level=level)


def _intersection(per_coder: list[list[tuple[int, int]]]) -> list[tuple[int, int]]:
    """Where every coder's codings overlap."""
    from qualcode.agreement.units import merge

    current = per_coder[0] if per_coder else []
    for other in per_coder[1:]:
        a, b = merge(current), merge(other)
        out = []
        for s1, e1 in zip(a[0].tolist(), a[1].tolist(), strict=True):
            for s2, e2 in zip(b[0].tolist(), b[1].tolist(), strict=True):
                if max(s1, s2) < min(e1, e2):
                    out.append((max(s1, s2), min(e1, e2)))
        current = out
    return current


def _touches(span: tuple[int, int], regions: list[tuple[int, int]]) -> bool:
    return any(span[0] < e and span[1] > s for s, e in regions)


def _merged(patterns: Patterns) -> Patterns:
    """Identical rows of pooled patterns joined (fewer rows to expand or sum)."""
    from qualcode.agreement.units import weigh

    return weigh(patterns.rows, patterns.weights, patterns.coders)
