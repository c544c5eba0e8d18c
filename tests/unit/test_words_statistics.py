"""Word statistics (search/words.py, zh/tokenize.py): parts of speech, stop list, spaced and variant forms, G² with
its p-value, --min-count, and jieba keeping the domain terms whole."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.search import words
from qualcode.zh.normalize import fold, fold_term
from qualcode.zh.tokenize import domain_terms, tagger

# Fillers and jieba fragments the issue found at the top of `words --keyness` (and others like them).
FILLERS = {"東西", "一種", "慢慢", "樣子", "假設", "大臺", "高高", "將來", "放在", "辦法", "包含", "做得好", "服臺",
           "就是", "然後", "那個", "這個", "其實", "比較", "覺得", "知道", "一樣", "部分", "方式", "事情"}  # fmt: skip


@pytest.mark.slow  # loads jieba (~3 s the first time)
def test_spaced_and_variant_forms_are_one_word_shown_as_most_often_written():
    units = [("A", "全國就業 e網"), ("A", "全國就業e網"), ("A", "全國就業e網與規畫"), ("A", "規劃，規畫")]
    counts = {w.word: w.count for w in words.frequencies(units, top=10)}
    assert counts == {"全國就業e網": 3, "規畫": 3}


@pytest.mark.slow  # loads jieba (~3 s the first time)
def test_function_words_and_fillers_are_dropped_by_part_of_speech_and_stop_list():
    assert words.frequencies([("A", "我們覺得其實慢慢地就是這樣，那個東西假設一種樣子")], top=10) == []


@pytest.mark.slow  # loads jieba (~3 s the first time)
def test_min_count_cuts_rare_words():
    units = [("A", "預算預算人力"), ("B", "預算")]
    assert {(w.group, w.word) for w in words.frequencies(units, min_count=2)} == {("A", "預算")}
    assert {w.word for w in words.frequencies(units, grouped=False, min_count=3)} == {"預算"}


@settings(deadline=None)  # the first example imports scipy
@given(st.floats(min_value=0, max_value=200))
def test_p_value_is_the_chi_square_tail_with_one_degree_of_freedom(g2):
    from scipy.stats import chi2

    assert math.isclose(words.p_value(g2), chi2.sf(g2, 1), rel_tol=1e-9, abs_tol=1e-300)


@pytest.mark.slow  # loads jieba (~3 s the first time)
def test_keyness_reports_g2_and_its_p_value():
    units = [("A", "預算 預算 預算 預算 人力"), ("B", "人力 人力 人力 人力 預算")]
    rows = words.keyness(units, min_count=3)
    assert {(r.case, r.word) for r in rows} == {("A", "預算"), ("B", "人力")}
    for r in rows:
        assert math.isclose(r.log_likelihood, words.log_likelihood(4, 1, 5, 5))
        assert r.to_json()["p_value"] == float(f"{words.p_value(r.log_likelihood):.3g}") and r.p_value < 0.2


@pytest.mark.slow  # jieba's part-of-speech tagging of every answer (~3 s)
def test_at_most_two_of_each_cases_top_20_keyness_words_are_fillers_or_fragments(project):
    rows = project.search.keyness(speaker="答", top=20)
    by_case = defaultdict(list)
    for r in rows:
        by_case[r.case].append(r.word)
    assert set(by_case) == {"A", "B", "C", "D", "E"}
    for case, top in by_case.items():
        assert len(top) == 20
        assert len(FILLERS & set(top)) <= 2, (case, FILLERS & set(top))
        assert not any(w in FILLERS for w in top[:5]), (case, top[:5])


@pytest.mark.slow
def test_jieba_keeps_the_domain_terms_whole_where_they_occur(project):
    """Each occurrence of a term of codebooks/terms-zh-tw.txt (spaced or not) lies inside one jieba word."""
    cut = tagger(project.codebook.keywords())
    terms = {fold_term(t) for t in domain_terms()}
    whole = total = 0
    for document in project.documents.documents():
        text = fold(project.documents.text(document.id)).text
        bounds, at = [], 0
        for pair in cut.cut(text):
            bounds.append((at, at + len(pair.word)))
            at += len(pair.word)
        starts = [s for s, _ in bounds]
        for term in terms:
            found = text.find(term)
            while found != -1:
                total += 1
                s, e = bounds[bisect_right(starts, found) - 1]
                whole += s <= found and found + len(term) <= e
                found = text.find(term, found + 1)
    assert total > 300
    assert whole / total >= 0.95, (whole, total)
