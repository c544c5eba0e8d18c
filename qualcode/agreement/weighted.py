"""The statistics of stats.py for yes/no decisions given as weighted patterns (units.Patterns).

Every coder decides every unit (a coding either covers it or not), so the figures are closed forms over the
pattern counts and cost nothing per unit: this is what makes character-level agreement over a 20 M-character
corpus take milliseconds. Small data goes through stats.agreement (and the krippendorff package for alpha) on
the expanded matrix instead; tests/unit/test_agreement_weighted.py checks both give the same figures.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from qualcode.agreement.stats import DEFAULT_THRESHOLD, Agreement, Holsti, agreement
from qualcode.agreement.units import Patterns

EXPAND_AT_MOST = 50_000  # units: up to this many, the matrix is expanded and stats.agreement computes everything


def binary_agreement(patterns: Patterns, threshold: float = DEFAULT_THRESHOLD) -> Agreement:
    """All the statistics for weighted yes/no patterns (categories: yes and no, both possible)."""
    coders = patterns.coders
    if patterns.units <= EXPAND_AT_MOST:
        matrix = np.repeat(patterns.rows, patterns.weights, axis=0).T.tolist()
        return agreement(matrix, coders, "nominal", categories=[False, True], threshold=threshold)
    return closed_form(patterns, threshold)


def _ratio(top: float, bottom: float) -> float | None:
    return None if bottom == 0 else top / bottom


def closed_form(patterns: Patterns, threshold: float = DEFAULT_THRESHOLD) -> Agreement:
    """The same conventions as stats.py, computed from the pattern counts."""
    coders, rows, w = patterns.coders, patterns.rows, patterns.weights.astype(np.float64)
    n, total = len(coders), float(w.sum())
    if n < 2 or total == 0:
        return Agreement(0, None, None, None, None, None, None, _holsti(patterns, threshold))
    k = rows.sum(axis=1).astype(np.float64)  # coders saying yes, per pattern
    pa = float((w * (k * (k - 1) + (n - k) * (n - k - 1))).sum() / (n * (n - 1)) / total)
    yes = float((w * k).sum() / n / total)
    no = 1.0 - yes

    def kappa(pe: float) -> float | None:
        return None if pe >= 1 else (pa - pe) / (1 - pe)

    fleiss = kappa(yes * yes + no * no)
    ac1 = kappa(2 * yes * no)
    bp = kappa(0.5)
    # Krippendorff's alpha (nominal): coincidences of each pattern's values, m = n values per unit
    disagree = float((w * k * (n - k)).sum()) * 2 / (n - 1)  # o_yes,no + o_no,yes
    n_yes, n_no = float((w * k).sum()), float((w * (n - k)).sum())
    pairs_total = n_yes + n_no
    expected = 2 * n_yes * n_no / (pairs_total - 1) if pairs_total > 1 else 0.0
    alpha = None if expected == 0 else 1 - disagree / expected
    return Agreement(int(total), pa, _cohen(patterns), fleiss, alpha, bp, ac1, _holsti(patterns, threshold))


def _pair_counts(patterns: Patterns, i: int, j: int) -> tuple[float, float, float, float]:
    a, b, w = patterns.rows[:, i], patterns.rows[:, j], patterns.weights.astype(np.float64)
    return (float(w[a & b].sum()), float(w[a & ~b].sum()), float(w[~a & b].sum()), float(w[~a & ~b].sum()))


def _cohen(patterns: Patterns) -> float | None:
    kappas = []
    for i, j in combinations(range(len(patterns.coders)), 2):
        both, only_i, only_j, neither = _pair_counts(patterns, i, j)
        total = both + only_i + only_j + neither
        po = (both + neither) / total
        yi, yj = (both + only_i) / total, (both + only_j) / total
        pe = yi * yj + (1 - yi) * (1 - yj)
        if pe >= 1:
            return None
        kappas.append((po - pe) / (1 - pe))
    return sum(kappas) / len(kappas) if kappas else None


def _holsti(patterns: Patterns, threshold: float) -> Holsti:
    pairs: dict[str, float] = {}
    coders = patterns.coders
    for i, j in combinations(range(len(coders)), 2):
        both, only_i, only_j, neither = _pair_counts(patterns, i, j)
        total = both + only_i + only_j + neither
        if total:
            pairs[f"{coders[i]}|{coders[j]}"] = 2 * (both + neither) / (2 * total)
    n = len(coders)
    if not pairs or len(pairs) < n * (n - 1) // 2:
        return Holsti(pairs, None, None, threshold, None)
    mean = sum(pairs.values()) / len(pairs)
    composite = _ratio(n * mean, 1 + (n - 1) * mean)
    return Holsti(pairs, mean, composite, threshold, None if composite is None else composite >= threshold)
