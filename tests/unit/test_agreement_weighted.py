"""Weighted yes/no patterns: the closed forms equal stats.agreement (and the krippendorff package)."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.agreement.units import Patterns
from qualcode.agreement.weighted import binary_agreement, closed_form

KEYS = ("units", "percent", "cohen_kappa", "fleiss_kappa", "krippendorff_alpha", "brennan_prediger", "gwet_ac1")


@st.composite
def patterns(draw):
    n = draw(st.integers(2, 4))
    rows = draw(st.lists(st.lists(st.booleans(), min_size=n, max_size=n), min_size=1, max_size=2**n, unique_by=tuple))
    weights = draw(st.lists(st.integers(1, 40), min_size=len(rows), max_size=len(rows)))
    return Patterns([f"c{i}" for i in range(n)], np.array(rows, dtype=bool), np.array(weights, dtype=np.int64))


def _close(a, b) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and math.isclose(a, b, abs_tol=1e-9))


@settings(max_examples=200, deadline=None)
@given(patterns())
def test_closed_forms_equal_the_expanded_computation(found):
    expanded, closed = binary_agreement(found).to_json(), closed_form(found).to_json()
    for key in KEYS:
        assert _close(expanded[key], closed[key]), (key, expanded[key], closed[key])
    assert expanded["holsti"]["pairs"].keys() == closed["holsti"]["pairs"].keys()
    for pair, value in expanded["holsti"]["pairs"].items():
        assert _close(value, closed["holsti"]["pairs"][pair])
    assert _close(expanded["holsti"]["composite"], closed["holsti"]["composite"])


def test_character_reference_figures_in_both_forms():
    """1,000 characters: 50 coded by both, 100 only by A, 50 only by B: agreement .85, kappa .318."""
    rows = np.array([[True, True], [True, False], [False, True], [False, False]])
    found = Patterns(["a", "b"], rows, np.array([50, 100, 50, 800]))
    for figures in (binary_agreement(found), closed_form(found)):
        assert round(figures.percent, 3) == 0.85 and round(figures.cohen_kappa, 3) == 0.318
    half = Patterns(["a", "b"], rows, np.array([25, 25, 25, 25]))  # A [0,50), B [25,75) of 100 characters
    for figures in (binary_agreement(half), closed_form(half)):
        assert figures.percent == 0.5 and abs(figures.cohen_kappa) < 1e-12
