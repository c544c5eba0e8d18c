"""Agreement statistics against published figures, hand-worked examples and a per-unit oracle."""

from __future__ import annotations

import ast
import math
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.agreement import stats
from qualcode.agreement.stats import (
    agreement,
    brennan_prediger,
    cohen_kappa,
    fleiss_kappa,
    gwet_ac1,
    holsti,
    krippendorff_alpha,
    percent_agreement,
    pool,
)

_ = None
# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", 4 coders x 12 units, `_` missing.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
    [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
]
KEYS = {
    "units",
    "percent",
    "cohen_kappa",
    "fleiss_kappa",
    "krippendorff_alpha",
    "brennan_prediger",
    "gwet_ac1",
    "holsti",
}


def _decisions(*runs: tuple[int, int, int]) -> list[list[int]]:
    """Two coders' yes/no vectors from (count, a, b) runs."""
    a: list[int] = []
    b: list[int] = []
    for count, x, y in runs:
        a += [x] * count
        b += [y] * count
    return [a, b]


@pytest.mark.parametrize(
    ("level", "expected"), [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)]
)
def test_krippendorff_2011_alpha_at_every_level(level, expected):
    assert round(agreement(KRIPPENDORFF_2011, list("ABCD"), level).krippendorff_alpha, 3) == expected


def test_krippendorff_2011_data_with_irrcac_conventions():
    result = agreement(KRIPPENDORFF_2011, list("ABCD"))
    assert result.units == 11  # unit 12 has one value only
    assert round(result.percent, 3) == 0.818  # 9/11
    assert round(result.fleiss_kappa, 3) == 0.761
    assert round(result.gwet_ac1, 3) == 0.775
    assert round(result.brennan_prediger, 3) == 0.773  # (9/11 - 1/5) / (4/5)
    assert result.to_json().keys() == KEYS
    assert result.to_json()["holsti"].keys() == {"pairs", "mean", "composite", "threshold", "passes"}


def test_ordinal_alpha_respects_the_declared_order_of_text_values():
    names = {1: "very low", 2: "low", 3: "mid", 4: "high", 5: "very high"}
    text = [[None if v is None else names[v] for v in row] for row in KRIPPENDORFF_2011]
    alpha = krippendorff_alpha(text, "ordinal", categories=list(names.values()))
    assert alpha == pytest.approx(krippendorff_alpha(KRIPPENDORFF_2011, "ordinal"), abs=1e-12)
    assert round(alpha, 3) == 0.815
    with pytest.raises(ValueError, match="unless the categories give their order"):
        krippendorff_alpha(text, "ordinal")  # no order is guessed for text


def test_cohen_adds_the_products_of_the_marginals():
    # yes/yes 20, A-yes/B-no 5, A-no/B-yes 10, no/no 15: po = .70, pe = .5 x .6 + .5 x .4 = .50
    matrix = _decisions((20, 1, 1), (5, 1, 0), (10, 0, 1), (15, 0, 0))
    assert cohen_kappa(matrix) == 0.4
    assert agreement(matrix, ["A", "B"]).cohen_kappa == 0.4


def test_two_coders_over_ten_units():
    matrix = [[int(c) for c in "1100000000"], [int(c) for c in "0110010100"]]
    result = agreement(matrix, ["A", "B"])
    assert round(result.percent, 3) == 0.6
    assert round(result.cohen_kappa, 3) == 0.091  # pe = .2 x .4 + .8 x .6 = .56
    assert round(result.krippendorff_alpha, 3) == 0.095
    assert round(result.brennan_prediger, 3) == 0.2


def test_character_level_style_figures():
    # 1,000 characters: 50 coded by both, 100 by A only, 50 by B only, 800 by neither
    matrix = _decisions((50, 1, 1), (100, 1, 0), (50, 0, 1), (800, 0, 0))
    result = agreement(matrix, ["A", "B"])
    assert round(result.percent, 3) == 0.85
    assert round(result.cohen_kappa, 3) == 0.318  # pe = .15 x .10 + .85 x .90 = .78
    # 100 units, A codes [0, 50), B codes [25, 75)
    a = [int(i < 50) for i in range(100)]
    b = [int(25 <= i < 75) for i in range(100)]
    result = agreement([a, b], ["A", "B"])
    assert result.percent == 0.5
    assert result.cohen_kappa == 0.0


def test_holsti_three_coders_by_hand():
    matrix = [
        ["x", "x", "y", "y", _],  # a records 4 units
        ["x", "y", "y", _, "x"],  # b records 4
        ["x", "x", "y", "y", "y"],  # c records 5
    ]
    # a|b: same on units 1 and 3: 2x2 / (4 + 4) = 1/2
    # a|c: same on units 1-4:     2x4 / (4 + 5) = 8/9
    # b|c: same on units 1 and 3: 2x2 / (4 + 5) = 4/9
    # mean m = (1/2 + 8/9 + 4/9) / 3 = 11/18; composite = 3m / (1 + 2m) = (33/18) / (40/18) = 33/40 = .825
    result = holsti(matrix, ["a", "b", "c"])
    assert result.pairs == {"a|b": 0.5, "a|c": 8 / 9, "b|c": 4 / 9}
    assert result.mean == 11 / 18
    assert result.composite == 0.825
    assert result.threshold == 0.85
    assert result.passes is False
    assert holsti(matrix, ["a", "b", "c"], threshold=0.825).passes is True  # .825 read as 33/40, not a double
    assert agreement(matrix, ["a", "b", "c"], threshold=0.8).holsti.passes is True


def test_one_category_only_is_undefined_not_a_number():
    result = agreement([["yes"] * 5, ["yes"] * 4 + [None], ["yes"] * 5], ["a", "b", "c"])
    assert result.units == 5
    assert result.percent == 1.0
    assert result.cohen_kappa is None  # pe = 1
    assert result.fleiss_kappa is None  # pe = 1
    assert result.brennan_prediger is None  # q = 1: pe = 1
    assert result.gwet_ac1 is None  # q - 1 = 0
    assert result.krippendorff_alpha is None  # the package refuses one value
    # Holsti stays defined; b's missing unit counts against b's pairs (2 x 4 / (5 + 4))
    assert result.holsti.pairs == {"a|b": 8 / 9, "a|c": 1.0, "b|c": 8 / 9}
    # a declared scale of two values makes AC1 and Brennan-Prediger defined (irrCAC's categ.labels)
    declared = agreement([[0] * 5, [0] * 5], ["a", "b"], categories=[0, 1])
    assert declared.gwet_ac1 == 1.0  # pe = pi (1 - pi) / 1 = 0
    assert declared.brennan_prediger == 1.0  # pe = 1/2
    assert declared.fleiss_kappa is declared.cohen_kappa is declared.krippendorff_alpha is None


def test_fewer_than_two_coders_or_no_pairable_unit():
    for matrix, coders in (([[1, 2, 1]], ["a"]), ([], [])):
        result = agreement(matrix, coders)
        assert result.units == 0
        assert {k: v for k, v in result.to_json().items() if k not in ("units", "holsti")} == dict.fromkeys(
            KEYS - {"units", "holsti"}
        )
        assert result.holsti.pairs == {}
        assert result.holsti.mean is result.holsti.composite is result.holsti.passes is None
    # two coders who recorded disjoint units: nothing pairable, but Holsti's pair is a defined 0
    result = agreement([[1, 2, _, _], [_, _, 1, 2]], ["a", "b"])
    assert result.units == 0
    assert result.percent is result.cohen_kappa is result.fleiss_kappa is result.krippendorff_alpha is None
    assert result.gwet_ac1 is result.brennan_prediger is None
    assert result.holsti.pairs == {"a|b": 0.0}


def test_undefined_pairs_make_the_means_undefined():
    # c and d recorded nothing: their pair has neither a kappa nor a Holsti figure
    matrix = [[1, 2, 1, 2], [1, 2, 2, 2], [_, _, _, _], [_, _, _, _]]
    result = agreement(matrix, list("abcd"))
    assert result.cohen_kappa is None
    assert "c|d" not in result.holsti.pairs
    assert result.holsti.mean is None and result.holsti.passes is None
    assert result.percent == 0.75


def test_alpha_without_expected_disagreement_is_none():
    # the pairable values are all 1; the 2 only one coder recorded
    result = agreement([[1, 1, _], [1, 1, 2]], ["a", "b"], "interval")
    assert result.krippendorff_alpha is None
    assert result.fleiss_kappa == 1.0  # pi includes the single-coder unit: pe = 5/9 < 1


def test_nan_is_missing_and_numbers_are_checked_at_numeric_levels():
    assert percent_agreement([[1, float("nan"), 2], [1, 2, 2]]) == 1.0
    with pytest.raises(ValueError, match="finite numbers"):
        agreement([["a", "b"], ["a", "a"]], ["x", "y"], "interval")
    with pytest.raises(ValueError, match="negative"):
        agreement([[-1, 2], [1, 2]], ["x", "y"], "ratio")
    with pytest.raises(ValueError, match="not one of the categories"):
        gwet_ac1([[1, 2], [1, 3]], categories=[1, 2])
    with pytest.raises(ValueError, match="different lengths"):
        fleiss_kappa([[1, 2], [1]])
    with pytest.raises(ValueError, match="unknown level"):
        agreement([[1], [1]], ["a", "b"], "cardinal")
    with pytest.raises(ValueError, match="coder names"):
        agreement([[1], [1]], ["a"])
    with pytest.raises(ValueError, match="unique"):
        agreement([[1], [1]], ["a", "a"])
    with pytest.raises(ValueError, match="threshold"):
        holsti([[1], [1]], ["a", "b"], threshold=85)


def test_pool_puts_every_codes_units_side_by_side():
    budget = [[1, 0, 1], [1, 1, 1]]
    staff = [[0, 0], [0, 1]]
    pooled = pool({"budget": budget, "staff": staff}.values())
    assert pooled == [[1, 0, 1, 0, 0], [1, 1, 1, 0, 1]]
    assert agreement(pooled, ["a", "b"]).units == 5
    assert percent_agreement(pooled) == 0.6
    with pytest.raises(ValueError, match="cannot pool"):
        pool([budget, [[1]]])
    with pytest.raises(ValueError, match="nothing to pool"):
        pool([])


def test_the_agreement_package_imports_no_ui_project_or_services():
    forbidden = ("textual", "rich", "typer", "qualcode.cli", "qualcode.tui", "qualcode.project", "qualcode.services")
    package = Path(stats.__file__).parent
    offenders = []
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in forbidden or n.startswith(forbidden)]
    assert offenders == []


# --- properties -------------------------------------------------------------------------------------------------

cell = st.one_of(st.none(), st.integers(0, 3))


@st.composite
def matrices(draw, min_coders=2):
    coders = draw(st.integers(min_coders, 4))
    units = draw(st.integers(0, 12))
    return [draw(st.lists(cell, min_size=units, max_size=units)) for _ in range(coders)]


def _figures(result):
    data = result.to_json()
    return {k: v for k, v in data.items() if k != "holsti"} | {f"holsti.{k}": v for k, v in data["holsti"].items()}


def _same(a, b):
    assert a.keys() == b.keys()
    for key in a:
        if isinstance(a[key], float) and isinstance(b[key], float):
            assert a[key] == pytest.approx(b[key], abs=1e-12), key
        else:
            assert a[key] == b[key], key


@settings(max_examples=200, deadline=None)
@given(matrix=matrices(), data=st.data())
def test_permuting_units_and_renaming_categories_change_nothing(matrix, data):
    coders = [f"c{i}" for i in range(len(matrix))]
    before = _figures(agreement(matrix, coders))
    order = data.draw(st.permutations(range(len(matrix[0]))))
    names = data.draw(st.permutations(["p", "q", "r", "s"]))
    renamed = [[None if row[i] is None else names[row[i]] for i in order] for row in matrix]
    _same(_figures(agreement(renamed, coders)), before)
    # at the ordinal level, an order-keeping renaming (with the order declared) changes nothing either
    declared = [names[i] for i in range(4)]
    ordinal = agreement([[None if v is None else names[v] for v in row] for row in matrix], coders, "ordinal",
                        categories=declared)  # fmt: skip
    assert ordinal.krippendorff_alpha == pytest.approx(
        agreement(matrix, coders, "ordinal", categories=[0, 1, 2, 3]).krippendorff_alpha, abs=1e-12
    )


@settings(max_examples=100, deadline=None)
@given(row=st.lists(cell, min_size=1, max_size=15), copies=st.integers(2, 4))
def test_identical_coders_agree_perfectly(row, copies):
    result = agreement([row] * copies, [f"c{i}" for i in range(copies)])
    if result.units == 0:
        assert result.percent is None
        return
    assert result.percent == 1.0
    for kappa in (result.cohen_kappa, result.fleiss_kappa, result.krippendorff_alpha, result.gwet_ac1):
        assert kappa is None or kappa == pytest.approx(1.0)
    distinct = {v for v in row if v is not None}
    if len(distinct) >= 2:  # defined, so exactly 1
        assert result.cohen_kappa == result.fleiss_kappa == result.gwet_ac1 == result.brennan_prediger == 1.0
        assert result.krippendorff_alpha == pytest.approx(1.0)


def _oracle(matrix):
    """Gwet's formulas unit by unit, in fractions: pa, Fleiss, AC1, Brennan-Prediger, mean pairwise Cohen."""
    units = list(zip(*matrix, strict=True))
    values = sorted({v for unit in units for v in unit if v is not None})
    q = len(values)
    rated = [[v for v in unit if v is not None] for unit in units]
    pairable = [u for u in rated if len(u) >= 2]
    if not pairable:
        return None
    pa = sum(Fraction(sum(u.count(k) * (u.count(k) - 1) for k in values), len(u) * (len(u) - 1)) for u in pairable)
    pa /= len(pairable)
    some = [u for u in rated if u]
    pi = [sum(Fraction(u.count(k), len(u)) for u in some) / len(some) for k in values]
    fleiss_pe = sum(p * p for p in pi)
    out = {"percent": pa, "fleiss_kappa": None if fleiss_pe == 1 else (pa - fleiss_pe) / (1 - fleiss_pe)}
    out["gwet_ac1"] = out["brennan_prediger"] = None
    if q >= 2:
        ac1_pe = sum(p * (1 - p) for p in pi) / (q - 1)
        out["gwet_ac1"] = (pa - ac1_pe) / (1 - ac1_pe)
        out["brennan_prediger"] = (pa - Fraction(1, q)) / (1 - Fraction(1, q))
    kappas = []
    for i in range(len(matrix)):
        for j in range(i + 1, len(matrix)):
            both = [(a, b) for a, b in zip(matrix[i], matrix[j], strict=True) if a is not None and b is not None]
            n = len(both)
            if not n:
                kappas.append(None)
                continue
            po = Fraction(sum(a == b for a, b in both), n)
            pe = sum(Fraction(sum(x == k for x, _y in both) * sum(y == k for _x, y in both), n * n) for k in values)
            kappas.append(None if pe == 1 else (po - pe) / (1 - pe))
    out["cohen_kappa"] = None if None in kappas else sum(kappas) / len(kappas)
    return {k: None if v is None else float(v) for k, v in out.items()}


@settings(max_examples=300, deadline=None)
@given(matrix=matrices())
def test_statistics_equal_a_unit_by_unit_oracle(matrix):
    expected = _oracle(matrix)
    result = agreement(matrix, [f"c{i}" for i in range(len(matrix))])
    if expected is None:
        assert result.units == 0 and result.percent is None
        return
    assert {k: getattr(result, k) for k in expected} == expected
    assert brennan_prediger(matrix) == expected["brennan_prediger"]
    alpha = result.krippendorff_alpha
    assert alpha is None or (math.isfinite(alpha) and alpha <= 1 + 1e-12)
