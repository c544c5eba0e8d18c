"""Inter-coder agreement statistics over reliability data: numbers in, numbers out.

Reliability data is a coders x units matrix (one row per coder, one column per unit of analysis) of values:
hashable categories (strings, numbers, booleans) or, for the interval and ratio levels, real numbers. `None`
(or a float NaN) means the coder recorded nothing for that unit.

Conventions (Gwet 2014, *Handbook of Inter-Rater Reliability*, 4th ed., as his irrCAC R package computes them):

- r_i is the number of coders who recorded unit i, r_ik how many recorded category k for it; q is the number of
  categories: the `categories` given, else the distinct values recorded.
- percent agreement pa = mean over the units with r_i >= 2 of sum_k r_ik (r_ik - 1) / (r_i (r_i - 1)).
- pi_k = mean over the units with r_i >= 1 of r_ik / r_i (a unit only one coder recorded counts here).
- Fleiss' kappa: pe = sum_k pi_k^2.  Gwet's AC1: pe = sum_k pi_k (1 - pi_k) / (q - 1).
  Brennan-Prediger: pe = 1 / q.  Each is (pa - pe) / (1 - pe).
- Cohen's kappa: for two coders over the units both recorded, pe = SUM over k of the product of the two
  coders' proportions of k; for more coders, the mean of the pairwise kappas (Light's kappa).
- Krippendorff's alpha: the `krippendorff` package, at the level given (the only statistic that uses it; the
  others compare values as categories, unweighted, whatever the level).
- Holsti: per pair 2M / (N1 + N2), N1 and N2 the units each coder recorded, M the units both recorded with the
  same value; composite reliability n m / (1 + (n - 1) m) over n coders and the mean m of the pairs.

Everything but alpha is computed exactly (integer counts, then fractions), then turned into a float once, so
permuting the units or renaming the categories cannot change a figure.

A statistic that is undefined is None, never a made-up number:

- fewer than two coders, or no unit that two coders recorded: every statistic but Holsti's (whose pairs may
  still be 0: two coders who recorded disjoint units).
- one category only (everyone recorded the same value, and no `categories` declare more): Fleiss, Cohen and
  Brennan-Prediger (pe = 1, 0/0), AC1 (q - 1 = 0) and alpha (no disagreement is possible).  Percent agreement
  and Holsti stay defined (1.0).  With `categories` declaring q >= 2, AC1 and Brennan-Prediger are defined
  (irrCAC's `categ.labels`): they are then pa - pe over 1 - pe with pe < 1.
- Cohen for a pair: no unit both recorded, or both used one and the same category only (pe = 1).  With more
  than two coders the mean is None when any pair's kappa is None (it would otherwise leave a pair out).
- alpha: also None when the expected disagreement is 0 (every pairable value the same, though some unit only
  one coder recorded has another).
- Holsti for a pair: neither coder recorded anything (0/0); the pair is then left out of `pairs`, and the mean,
  the composite and `passes` are None.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from numbers import Real
from typing import Any, Literal, TypeGuard, cast

import krippendorff
import numpy as np

Level = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: tuple[Level, ...] = ("nominal", "ordinal", "interval", "ratio")
NUMERIC_LEVELS = ("interval", "ratio")
DEFAULT_THRESHOLD = 0.85

Value = Hashable  # a category, or a real number at the interval and ratio levels; None or NaN: missing
Matrix = Sequence[Sequence[Value]]


@dataclass(frozen=True)
class Holsti:
    """Holsti's pairwise agreement; `pairs` is keyed "a|b" in the coders' order."""

    pairs: dict[str, float]
    mean: float | None
    composite: float | None
    threshold: float
    passes: bool | None

    def to_json(self) -> dict[str, Any]:
        return {
            "pairs": dict(self.pairs),
            "mean": self.mean,
            "composite": self.composite,
            "threshold": self.threshold,
            "passes": self.passes,
        }


@dataclass(frozen=True)
class Agreement:
    """Every statistic for one set of reliability data; None where it is undefined (see the module)."""

    units: int  # units at least two coders recorded (pairable)
    percent: float | None
    cohen_kappa: float | None
    fleiss_kappa: float | None
    krippendorff_alpha: float | None
    brennan_prediger: float | None
    gwet_ac1: float | None
    holsti: Holsti

    def to_json(self) -> dict[str, Any]:
        return {
            "units": self.units,
            "percent": self.percent,
            "cohen_kappa": self.cohen_kappa,
            "fleiss_kappa": self.fleiss_kappa,
            "krippendorff_alpha": self.krippendorff_alpha,
            "brennan_prediger": self.brennan_prediger,
            "gwet_ac1": self.gwet_ac1,
            "holsti": self.holsti.to_json(),
        }


def agreement(
    matrix: Matrix,
    coders: Sequence[str],
    level: str = "nominal",
    *,
    categories: Sequence[Value] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> Agreement:
    """All the statistics for a coders x units matrix; `coders` names its rows.

    `categories`: every possible value, in order (the ordinal level's order; q for AC1 and Brennan-Prediger);
    by default the values recorded, sorted.  Raises ValueError for malformed input (rows of different lengths,
    a value outside `categories`, a non-number at the interval or ratio level, an unknown level).
    """
    coded = _encode(matrix, level, categories)
    if len(coders) != coded.coders:
        raise ValueError(f"{len(coders)} coder names for {coded.coders} rows")
    if len(set(coders)) != len(coders):
        raise ValueError("coder names must be unique")
    pa = coded.percent()
    return Agreement(
        units=coded.pairable,
        percent=_float(pa),
        cohen_kappa=_float(coded.cohen()),
        fleiss_kappa=_float(coded.fleiss(pa)),
        krippendorff_alpha=coded.alpha(),
        brennan_prediger=_float(coded.brennan_prediger(pa)),
        gwet_ac1=_float(coded.gwet_ac1(pa)),
        holsti=coded.holsti(coders, threshold),
    )


def percent_agreement(matrix: Matrix) -> float | None:
    """Gwet's percent agreement over the units at least two coders recorded."""
    return _float(_encode(matrix, "nominal", None).percent())


def cohen_kappa(matrix: Matrix) -> float | None:
    """Cohen's kappa for two coders; for more, the mean over the pairs (each over the units both recorded)."""
    return _float(_encode(matrix, "nominal", None).cohen())


def fleiss_kappa(matrix: Matrix) -> float | None:
    """Fleiss' kappa, with missing values (irrCAC's `fleiss.kappa.raw`, unweighted)."""
    coded = _encode(matrix, "nominal", None)
    return _float(coded.fleiss(coded.percent()))


def gwet_ac1(matrix: Matrix, categories: Sequence[Value] | None = None) -> float | None:
    """Gwet's AC1 (irrCAC's `gwet.ac1.raw`, unweighted)."""
    coded = _encode(matrix, "nominal", categories)
    return _float(coded.gwet_ac1(coded.percent()))


def brennan_prediger(matrix: Matrix, categories: Sequence[Value] | None = None) -> float | None:
    """Brennan and Prediger's kappa, pe = 1/q (irrCAC's `bp.coeff.raw`, unweighted)."""
    coded = _encode(matrix, "nominal", categories)
    return _float(coded.brennan_prediger(coded.percent()))


def krippendorff_alpha(
    matrix: Matrix, level: str = "nominal", categories: Sequence[Value] | None = None
) -> float | None:
    """Krippendorff's alpha at a level of measurement (the `krippendorff` package)."""
    return _encode(matrix, level, categories).alpha()


def holsti(matrix: Matrix, coders: Sequence[str], threshold: float = DEFAULT_THRESHOLD) -> Holsti:
    """Holsti's pairwise agreement, its mean over the pairs and the composite reliability."""
    coded = _encode(matrix, "nominal", None)
    if len(coders) != coded.coders:
        raise ValueError(f"{len(coders)} coder names for {coded.coders} rows")
    return coded.holsti(coders, threshold)


def pool(matrices: Iterable[Matrix]) -> list[list[Value]]:
    """Several matrices over the same coders (e.g. one yes/no matrix per code) as one: their units side by side,
    so that every (unit, code) pair is one decision.  Pass a dict's `.values()`."""
    pooled: list[list[Value]] | None = None
    for matrix in matrices:
        rows = _rows(matrix)
        if pooled is None:
            pooled = rows
        elif len(rows) != len(pooled):
            raise ValueError(f"cannot pool a matrix of {len(rows)} coders with one of {len(pooled)}")
        else:
            for into, row in zip(pooled, rows, strict=True):
                into.extend(row)
    if pooled is None:
        raise ValueError("nothing to pool")
    return pooled


def is_missing(value: object) -> bool:
    """None or a float NaN: the coder recorded nothing."""
    return value is None or (isinstance(value, float | np.floating) and math.isnan(value))


def _rows(matrix: Matrix) -> list[list[Value]]:
    rows = [list(row) for row in matrix]
    if len({len(row) for row in rows}) > 1:
        raise ValueError("every coder's row must have one value per unit (rows of different lengths)")
    return rows


def _float(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


def _categories(values: list[Value], level: str, declared: Sequence[Value] | None) -> list[Value]:
    if declared is not None:
        out = list(declared)
        if any(is_missing(v) for v in out):
            raise ValueError("categories cannot include a missing value (None or NaN)")
        if len(set(out)) != len(out):
            raise ValueError("categories must be distinct")
        known = set(out)
        for value in values:
            if value not in known:
                raise ValueError(f"value {value!r} is not one of the categories")
    elif level == "nominal":
        try:
            out = sorted(values)  # type: ignore[type-var]
        except TypeError:  # mixed types: any one-to-one mapping will do
            out = values
    else:  # the numbers' order; text has no order to guess (強 < 弱 < 中 by code point)
        for value in values:
            if not _number(value):
                hint = ", unless the categories give their order" if level == "ordinal" else ""
                raise ValueError(f"{level} values must be finite numbers, not {value!r}{hint}")
        out = sorted(values)  # type: ignore[type-var]
    if level in NUMERIC_LEVELS:
        for value in out:
            if not _number(value):
                raise ValueError(f"{level} values must be finite numbers, not {value!r}")
            if level == "ratio" and value < 0:
                raise ValueError(f"ratio values cannot be negative ({value!r})")
    return out


def _number(value: object) -> TypeGuard[Real]:
    return isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)


def _encode(matrix: Matrix, level: str, declared: Sequence[Value] | None) -> _Coded:
    if level not in LEVELS:
        raise ValueError(f"unknown level of measurement {level!r} (use one of {', '.join(LEVELS)})")
    rows = _rows(matrix)
    seen: dict[Value, None] = {}
    for row in rows:
        for value in row:
            if not is_missing(value):
                seen.setdefault(value, None)
    categories = _categories(list(seen), level, declared)
    index = {value: i for i, value in enumerate(categories)}
    units = len(rows[0]) if rows else 0
    codes = np.array(
        [[-1 if is_missing(value) else index[value] for value in row] for row in rows], dtype=np.int64
    ).reshape(len(rows), units)
    return _Coded(codes, categories, level)


class _Coded:
    """The matrix as category indices (-1: missing) with per-unit counts; every statistic is computed here."""

    def __init__(self, codes: np.ndarray, categories: list[Value], level: str):
        self.codes = codes
        self.categories = categories
        self.level = level
        self.coders, units = codes.shape
        self.q = len(categories)
        counts = np.zeros((units, self.q), dtype=np.int64)  # r_ik
        every = np.arange(units)
        for row in codes:
            recorded = row >= 0
            counts[every[recorded], row[recorded]] += 1
        self.counts = counts
        self.per_unit = counts.sum(axis=1)  # r_i
        self.pairable = int((self.per_unit >= 2).sum())

    def _by_raters(self, minimum: int) -> Iterable[tuple[int, np.ndarray]]:
        """(r, the counts of the units r coders recorded), for every r >= minimum that occurs."""
        for raters in np.unique(self.per_unit[self.per_unit >= minimum]).tolist():
            yield raters, self.counts[self.per_unit == raters]

    def percent(self) -> Fraction | None:
        if self.pairable == 0:
            return None
        total = Fraction(0)
        for raters, counts in self._by_raters(2):
            total += Fraction(int((counts * (counts - 1)).sum()), raters * (raters - 1))
        return total / self.pairable

    def _pi(self) -> list[Fraction]:
        """pi_k: the mean over the units anyone recorded of the share of their coders who chose k."""
        rated = int((self.per_unit >= 1).sum())
        pi = [Fraction(0)] * self.q
        for raters, counts in self._by_raters(1):
            for k, total in enumerate(counts.sum(axis=0).tolist()):
                pi[k] += Fraction(total, raters)
        return [p / rated for p in pi]

    def fleiss(self, pa: Fraction | None) -> Fraction | None:
        if pa is None:
            return None
        pe = sum((p * p for p in self._pi()), Fraction(0))
        return None if pe == 1 else (pa - pe) / (1 - pe)

    def gwet_ac1(self, pa: Fraction | None) -> Fraction | None:
        if pa is None or self.q < 2:
            return None
        pe = sum((p * (1 - p) for p in self._pi()), Fraction(0)) / (self.q - 1)
        return (pa - pe) / (1 - pe)

    def brennan_prediger(self, pa: Fraction | None) -> Fraction | None:
        if pa is None or self.q < 2:
            return None
        pe = Fraction(1, self.q)
        return (pa - pe) / (1 - pe)

    def _pair_kappa(self, a: np.ndarray, b: np.ndarray) -> Fraction | None:
        both = (a >= 0) & (b >= 0)
        n = int(both.sum())
        if n == 0:
            return None
        table = np.bincount(a[both] * self.q + b[both], minlength=self.q * self.q).reshape(self.q, self.q)
        agreed = int(np.trace(table))
        # n^2 pe: the SUM over categories of the product of the two coders' counts
        expected = sum(int(x) * int(y) for x, y in zip(table.sum(axis=1), table.sum(axis=0), strict=True))
        if expected == n * n:
            return None
        return Fraction(n * agreed - expected, n * n - expected)

    def cohen(self) -> Fraction | None:
        kappas = [self._pair_kappa(self.codes[i], self.codes[j]) for i, j in _pairs(self.coders)]
        if not kappas or any(k is None for k in kappas):
            return None
        return sum((k for k in kappas if k is not None), Fraction(0)) / len(kappas)

    def alpha(self) -> float | None:
        recorded = self.codes[self.codes >= 0]
        if self.pairable == 0 or np.unique(recorded).size < 2:
            return None  # the package raises here: no pairable unit, or one value only
        if self.level in NUMERIC_LEVELS:
            values = np.array([float(v) for v in self.categories], dtype=np.float64)  # type: ignore[arg-type]
        else:  # nominal: any one-to-one mapping; ordinal: the rank in the categories' order
            values = np.arange(self.q, dtype=np.float64)
        data = np.where(self.codes >= 0, values[np.clip(self.codes, 0, None)], np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            result = float(krippendorff.alpha(reliability_data=data, level_of_measurement=cast(Level, self.level)))
        return result if math.isfinite(result) else None  # 0/0: no expected disagreement

    def holsti(self, coders: Sequence[str], threshold: float) -> Holsti:
        if not 0 <= threshold <= 1:
            raise ValueError(f"the Holsti threshold must be between 0 and 1, not {threshold}")
        pairs: dict[str, Fraction] = {}
        complete = True
        for i, j in _pairs(self.coders):
            a, b = self.codes[i], self.codes[j]
            recorded = int((a >= 0).sum() + (b >= 0).sum())
            if recorded == 0:
                complete = False
                continue
            matched = int(((a >= 0) & (a == b)).sum())
            pairs[f"{coders[i]}|{coders[j]}"] = Fraction(2 * matched, recorded)
        mean = composite = None
        passes = None
        if pairs and complete:
            mean = sum(pairs.values(), Fraction(0)) / len(pairs)
            n = self.coders
            composite = n * mean / (1 + (n - 1) * mean)
            passes = composite >= Fraction(repr(float(threshold)))  # .85 means 17/20, not the nearest double
        return Holsti(
            pairs={key: float(value) for key, value in pairs.items()},
            mean=_float(mean),
            composite=_float(composite),
            threshold=float(threshold),
            passes=passes,
        )


def _pairs(n: int) -> list[tuple[int, int]]:
    return [(i, j) for i in range(n) for j in range(i + 1, n)]
