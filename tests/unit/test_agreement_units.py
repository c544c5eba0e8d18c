"""Units for agreement: interval arithmetic against a per-character (per-unit) oracle."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.agreement.units import char_patterns, merge, segment_patterns, unit_patterns

LENGTH = 60
span = st.tuples(st.integers(0, LENGTH - 1), st.integers(1, 20)).map(lambda t: (t[0], min(LENGTH, t[0] + t[1])))
spans = st.lists(span, max_size=6)


def _naive_char(regions, per_coder):
    """One decision per character of the regions: the oracle the interval arithmetic must equal."""
    inside = {i for s, e in regions for i in range(s, e)}
    counts: Counter = Counter()
    for i in sorted(inside):
        counts[tuple(any(s <= i < e for s, e in coder) for coder in per_coder)] += 1
    return counts


def _as_counter(patterns):
    return Counter({tuple(row.tolist()): int(w) for row, w in zip(patterns.rows, patterns.weights, strict=True)})


@settings(max_examples=300, deadline=None)
@given(regions=spans, a=spans, b=spans, c=spans)
def test_char_patterns_equal_a_per_character_count(regions, a, b, c):
    found = char_patterns({1: regions}, {1: [a, b, c]}, ["a", "b", "c"])
    assert _as_counter(found) == _naive_char(regions, [a, b, c])
    inside = {i for s, e in regions for i in range(s, e)}
    for _, start, end, votes in found.disagreements:
        assert len(set(votes)) == 2
        for i in range(start, end):
            assert i in inside
            assert tuple(any(s <= i < e for s, e in coder) for coder in (a, b, c)) == votes


@settings(max_examples=200, deadline=None)
@given(units=spans, a=spans, b=spans)
def test_unit_patterns_equal_a_per_unit_overlap_check(units, a, b):
    found = unit_patterns({1: units}, {1: [a, b]}, ["a", "b"])
    expected: Counter = Counter()
    for s, e in units:
        expected[tuple(any(x < e and y > s for x, y in coder) for coder in (a, b))] += 1
    assert _as_counter(found) == expected


def test_merge_joins_touching_and_overlapping_spans():
    starts, ends = merge([(5, 8), (0, 2), (2, 4), (7, 12)])
    assert list(zip(starts.tolist(), ends.tolist(), strict=True)) == [(0, 4), (5, 12)]


def test_character_unit_reference_figures():
    """A 1,000-character document, 50 characters coded by both, 100 only by A, 50 only by B."""
    found = char_patterns({1: [(0, 1000)]}, {1: [[(0, 150)], [(100, 200)]]}, ["a", "b"])
    assert _as_counter(found) == Counter({(True, True): 50, (True, False): 100, (False, True): 50,
                                          (False, False): 800})  # fmt: skip


def test_segment_unit_matches_by_overlap_of_the_union():
    found = segment_patterns({1: [[(0, 10), (50, 60)], [(2, 10), (55, 70)]]}, ["a", "b"], overlap=0.5)
    # (0,10)~(2,10): 8/10 = .8 matched both ways; (50,60)~(55,70): 5/20 = .25 not matched
    assert _as_counter(found) == Counter({(True, True): 2, (True, False): 1, (False, True): 1})
    assert sorted((s, e) for _, s, e, _ in found.disagreements) == [(50, 60), (55, 70)]
