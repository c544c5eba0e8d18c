"""Units of analysis for agreement over codings: characters, sentences, turns or coded segments.

Everything is interval arithmetic on code-point offsets with numpy; no Python loop runs per character. A
code's decisions are returned as *patterns*: for each distinct combination of the coders' yes/no, how many
units have it (a character unit of 20 M characters has at most 2^coders patterns). The statistics take
patterns with weights, which is exact: every statistic here is a sum over units.

- char: every character of the selected turns' utterances (speaker labels and headers excluded, whitespace
  included) is a unit, coded yes by a coder when one of their codings of the code covers it (NVivo's unit).
- sentence / turn: a unit is coded yes by a coder when one of their codings of the code overlaps it.
- segment: MAXQDA's unit: every coded segment of every coder is a unit; another coder agrees on it when one
  of their segments of the code overlaps it by at least `overlap` of the two segments' union.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

Span = tuple[int, int]
UNITS = ("char", "sentence", "turn", "segment")


@dataclass
class Patterns:
    """Weighted decisions of one code: rows of yes/no per coder, each standing for `weights[i]` units."""

    coders: list[str]
    rows: np.ndarray  # (patterns, coders) bool
    weights: np.ndarray  # (patterns,) int64
    disagreements: list[tuple[int, int, int, tuple[bool, ...]]] = field(default_factory=list)  # doc, start, end, votes

    @property
    def units(self) -> int:
        return int(self.weights.sum())


def merge(spans: Sequence[Span]) -> tuple[np.ndarray, np.ndarray]:
    """Union of spans as sorted, disjoint (starts, ends) arrays (touching spans join)."""
    if not spans:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    array = np.array(sorted(spans), dtype=np.int64)
    starts, ends = array[:, 0], np.maximum.accumulate(array[:, 1])
    new = np.empty(len(array), dtype=bool)
    new[0] = True
    new[1:] = starts[1:] > ends[:-1]
    group = np.cumsum(new) - 1
    out_starts = starts[new]
    out_ends = np.zeros(out_starts.size, dtype=np.int64)
    np.maximum.at(out_ends, group, ends)
    return out_starts, out_ends


def covered(points: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Whether each point lies inside one of the disjoint intervals [starts, ends)."""
    if starts.size == 0:
        return np.zeros(points.size, dtype=bool)
    i = np.searchsorted(starts, points, side="right") - 1
    ok = i >= 0
    return ok & (points < ends[np.clip(i, 0, None)])


def overlaps(unit_starts: np.ndarray, unit_ends: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Whether each unit [s, e) overlaps one of the disjoint intervals [starts, ends)."""
    if starts.size == 0:
        return np.zeros(unit_starts.size, dtype=bool)
    # the first interval that ends after the unit starts; it overlaps if it starts before the unit ends
    i = np.searchsorted(ends, unit_starts, side="right")
    inside = i < starts.size
    return inside & (starts[np.clip(i, 0, starts.size - 1)] < unit_ends)


def weigh(rows: np.ndarray, weights: np.ndarray, coders: list[str]) -> Patterns:
    """Sum the weights of identical rows."""
    if rows.size == 0:
        return Patterns(coders, np.zeros((0, len(coders)), dtype=bool), np.zeros(0, dtype=np.int64))
    keys = rows.astype(np.int64) @ (1 << np.arange(len(coders), dtype=np.int64))
    unique, inverse = np.unique(keys, return_inverse=True)
    totals = np.bincount(inverse, weights=weights, minlength=unique.size).astype(np.int64)
    patterns = ((unique[:, None] >> np.arange(len(coders))) & 1).astype(bool)
    keep = totals > 0
    return Patterns(coders, patterns[keep], totals[keep])


def char_patterns(
    regions: dict[int, list[Span]], spans: dict[int, list[list[Span]]], coders: list[str], *, listing: bool = True
) -> Patterns:
    """Character units: `regions` per document (the selected utterances), `spans[doc][i]` coder i's codings."""
    region_rows = [(d, s, e) for d, pieces in regions.items() for s, e in pieces]
    span_rows = [(d, s, e, i) for d, per in spans.items() for i, pieces in enumerate(per) for s, e in pieces]
    r = np.array(region_rows, dtype=np.int64).reshape(-1, 3)
    c = np.array(span_rows, dtype=np.int64).reshape(-1, 4)
    return char_patterns_arrays(Regions(r[:, 0], r[:, 1], r[:, 2]), Codings(c[:, 0], c[:, 1], c[:, 2], c[:, 3]),
                                coders, listing=listing)  # fmt: skip


@dataclass
class Regions:
    """The selected utterances as parallel arrays."""

    document: np.ndarray
    start: np.ndarray
    end: np.ndarray


@dataclass
class Codings:
    """Codings as parallel arrays; `coder` indexes the coders list."""

    document: np.ndarray
    start: np.ndarray
    end: np.ndarray
    coder: np.ndarray


def char_patterns_arrays(regions: Regions, codings: Codings, coders: list[str], *, listing: bool = True) -> Patterns:
    """Character units over arrays. All documents are laid end to end in one position space (a gap of one
    between them, so nothing joins across documents); the partition is made by the codings' edges only, and
    the characters of each piece that lie in the selected utterances are counted with a prefix sum, so the cost
    follows the number of codings, not of characters or turns."""
    documents = np.unique(np.concatenate([regions.document, codings.document]))
    if regions.start.size == 0:
        return weigh(np.zeros((0, len(coders)), dtype=bool), np.zeros(0, dtype=np.int64), coders)
    longest = np.zeros(documents.size, dtype=np.int64)
    np.maximum.at(longest, np.searchsorted(documents, regions.document), regions.end)
    np.maximum.at(longest, np.searchsorted(documents, codings.document), codings.end)
    bases = np.concatenate([[0], np.cumsum(longest + 1)[:-1]])
    shift = bases[np.searchsorted(documents, regions.document)]
    region_starts, region_ends = _merge_arrays(regions.start + shift, regions.end + shift)
    covered_before = np.concatenate([[0], np.cumsum(region_ends - region_starts)])
    total = int(covered_before[-1])
    shift = bases[np.searchsorted(documents, codings.document)]
    coder_sets = [_merge_arrays(codings.start[codings.coder == i] + shift[codings.coder == i],
                                codings.end[codings.coder == i] + shift[codings.coder == i])
                  for i in range(len(coders))]  # fmt: skip
    edges = [a for pair in coder_sets for a in pair]
    bounds = np.unique(np.concatenate(edges)) if edges and any(e.size for e in edges) else np.zeros(0, np.int64)
    if bounds.size < 2:
        return weigh(np.zeros((1, len(coders)), dtype=bool), np.array([total]), coders)
    points = bounds[:-1]
    lengths = _inside(bounds[1:], region_starts, region_ends, covered_before) - _inside(
        points, region_starts, region_ends, covered_before
    )
    rows = np.stack([covered(points, s, e) for s, e in coder_sets], axis=1)
    nobody = total - int(lengths.sum())  # characters outside every coding's edges: no coder coded them
    all_rows = np.concatenate([rows, np.zeros((1, len(coders)), dtype=bool)])
    patterns = weigh(all_rows, np.concatenate([lengths, [nobody]]), coders)
    if listing:
        patterns.disagreements = _runs(documents, bases, bounds, rows, region_starts, region_ends)
    return patterns


def _merge_arrays(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if starts.size == 0:
        return starts.astype(np.int64), ends.astype(np.int64)
    order = np.lexsort((ends, starts))
    starts, ends = starts[order], np.maximum.accumulate(ends[order])
    new = np.empty(starts.size, dtype=bool)
    new[0] = True
    new[1:] = starts[1:] > ends[:-1]
    group = np.cumsum(new) - 1
    out_ends = np.zeros(int(new.sum()), dtype=np.int64)
    np.maximum.at(out_ends, group, ends)
    return starts[new], out_ends


def _inside(x: np.ndarray, starts: np.ndarray, ends: np.ndarray, before: np.ndarray) -> np.ndarray:
    """How many characters of the disjoint regions lie before each position x."""
    i = np.searchsorted(starts, x, side="right") - 1
    safe = np.clip(i, 0, None)
    partial = np.clip(x - starts[safe], 0, ends[safe] - starts[safe])
    return np.where(i >= 0, before[safe] + partial, 0)


def _runs(documents: np.ndarray, bases: np.ndarray, bounds: np.ndarray, rows: np.ndarray, region_starts: np.ndarray,
          region_ends: np.ndarray) -> list[tuple[int, int, int, tuple[bool, ...]]]:  # fmt: skip
    """Maximal stretches of the selected utterances where the coders disagree, with each coder's vote."""
    mixed = np.flatnonzero(rows.any(axis=1) & ~rows.all(axis=1))
    if mixed.size == 0:
        return []
    a, b, votes = bounds[mixed], bounds[mixed + 1], rows[mixed]
    # cut each piece to the regions it overlaps
    first = np.searchsorted(region_ends, a, side="right")
    last = np.searchsorted(region_starts, b, side="left")
    count = np.maximum(last - first, 0)
    piece = np.repeat(np.arange(mixed.size), count)
    region = (
        np.concatenate([np.arange(f, f + n) for f, n in zip(first.tolist(), count.tolist(), strict=True)])
        if piece.size
        else np.zeros(0, np.int64)
    )
    starts = np.maximum(a[piece], region_starts[region])
    ends = np.minimum(b[piece], region_ends[region])
    votes = votes[piece]
    joins = (starts[1:] == ends[:-1]) & (votes[1:] == votes[:-1]).all(axis=1)
    head = np.concatenate([[True], ~joins]) if starts.size else np.zeros(0, bool)
    group = np.cumsum(head) - 1
    run_starts = starts[head]
    run_ends = np.zeros(run_starts.size, dtype=np.int64)
    np.maximum.at(run_ends, group, ends)
    which = np.searchsorted(bases, run_starts, side="right") - 1
    return [
        (int(documents[w]), int(s - bases[w]), int(e - bases[w]), tuple(v))
        for w, s, e, v in zip(which.tolist(), run_starts.tolist(), run_ends.tolist(), votes[head].tolist(), strict=True)
    ]


def unit_patterns(units: dict[int, list[Span]], spans: dict[int, list[list[Span]]], coders: list[str]) -> Patterns:
    """Sentence or turn units: yes when one of the coder's codings overlaps the unit."""
    all_rows: list[np.ndarray] = []
    disagreements: list[tuple[int, int, int, tuple[bool, ...]]] = []
    for document, doc_units in units.items():
        if not doc_units:
            continue
        array = np.array(doc_units, dtype=np.int64)
        coder_sets = [merge(s) for s in spans.get(document, [[] for _ in coders])]
        rows = np.stack([overlaps(array[:, 0], array[:, 1], s, e) for s, e in coder_sets], axis=1)
        all_rows.append(rows)
        mixed = rows.any(axis=1) & ~rows.all(axis=1)
        disagreements.extend((document, int(array[i, 0]), int(array[i, 1]), tuple(rows[i].tolist()))
                             for i in np.flatnonzero(mixed).tolist())  # fmt: skip
    if not all_rows:
        return weigh(np.zeros((0, len(coders)), dtype=bool), np.zeros(0, dtype=np.int64), coders)
    rows = np.concatenate(all_rows)
    patterns = weigh(rows, np.ones(len(rows), dtype=np.int64), coders)
    patterns.disagreements = disagreements
    return patterns


def segment_patterns(spans: dict[int, list[list[Span]]], coders: list[str], overlap: float = 0.5) -> Patterns:
    """Coded segments as units (MAXQDA): a segment of one coder; another agrees when one of their segments of
    the code overlaps it by at least `overlap` of the union of the two. Unmatched segments are disagreements."""
    rows, disagreements = [], []
    for document, per_coder in spans.items():
        for owner, segments in enumerate(per_coder):
            for start, end in sorted(set(segments)):
                votes = [
                    other == owner or any(_iou((start, end), s) >= overlap for s in per_coder[other])
                    for other in range(len(coders))
                ]
                rows.append(votes)
                if not all(votes):
                    disagreements.append((document, start, end, tuple(votes)))
    array = np.array(rows, dtype=bool).reshape(-1, len(coders))
    patterns = weigh(array, np.ones(len(array), dtype=np.int64), coders)
    patterns.disagreements = disagreements
    return patterns


def _iou(a: Span, b: Span) -> float:
    inter = min(a[1], b[1]) - max(a[0], b[0])
    if inter <= 0:
        return 0.0
    return inter / (max(a[1], b[1]) - min(a[0], b[0]))
