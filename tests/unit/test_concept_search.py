"""Concept search: @code stands for any of the code's names and keywords (with / its subtree's too)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qualcode.errors import BadInput
from qualcode.search.concepts import ConceptCode, Concepts, complete_codes
from qualcode.search.query import parse_query
from qualcode.zh.normalize import fold_term

BOOK = [
    ConceptCode("resources", "現有資源", "Resources", ("資源",)),
    ConceptCode("budget", "預算", "Budget", ("經費", "預算", "就安基金"), "resources"),
    ConceptCode("staffing", "人力", "Staffing", ("人力", "約聘"), "resources"),
    ConceptCode("leader", "主管重視程度", "Leader attention", ("局長", "長官"), None),
]


def _turns(project, query: str) -> set[tuple[int, int]]:
    return {(r.document, r.turn) for r in project.search.find(query, limit=None).results}


def _any_of(project, words: list[str]) -> set[tuple[int, int]]:
    """The oracle: the turns holding any of the words, each searched alone as a phrase."""
    return set().union(*(_turns(project, f'"{w}"') for w in words))


def test_query_syntax_marks_concepts_only_when_unquoted():
    query = parse_query('@budget "@budget" -@staffing @ 經費 OR @預算/')
    assert [(t.text, t.concept) for t in query.positive_terms] == [
        ("@budget", True), ("@budget", False), ("@", False), ("經費", False), ("@預算/", True)
    ]  # fmt: skip
    assert query.excluded[0].concept and query.excluded[0].reference == "staffing"


def test_a_code_is_named_by_id_or_either_name_in_any_script():
    concepts = Concepts(BOOK)
    for reference in ("budget", "預算", "预算", "Budget", "ＢＵＤＧＥＴ"):
        assert concepts.code(reference).id == "budget"
    assert [t.keyword for t in concepts.terms("budget")] == ["預算", "Budget", "經費", "就安基金"]
    subtree = concepts.terms("resources/")
    assert {t.code for t in subtree} == {"resources", "budget", "staffing"}
    assert len({fold_term(t.keyword) for t in subtree}) == len(subtree)  # each word once


def test_an_unknown_code_is_one_clear_error():
    with pytest.raises(BadInput, match=r"unknown code '@budgte' in the query: .*did you mean @budget\?"):
        Concepts(BOOK).terms("budgte")
    with pytest.raises(BadInput, match="no codebook"):
        Concepts([]).terms("budget")


def test_completion_lists_codes_by_prefix_then_by_part():
    assert [c.code for c in complete_codes(BOOK, "@b")] == ["budget"]
    assert [c.code for c in complete_codes(BOOK, "人")] == ["staffing"]
    assert [c.text for c in complete_codes(BOOK, "资")] == ["@resources"]  # Simplified finds 資
    assert [c.code for c in complete_codes(BOOK, "重視")] == ["leader"]  # inside the name
    assert [c.matched for c in complete_codes(BOOK, "Leader att")] == ["name_en"]
    assert len(complete_codes(BOOK, "", limit=None)) == len(BOOK)


@given(st.text(alphabet=list("b預人資重@/ "), max_size=4))
def test_completion_never_fails_and_only_offers_codes_that_hold_the_prefix(prefix):
    wanted = fold_term(prefix.removeprefix("@").removesuffix("/"))
    for c in complete_codes(BOOK, prefix):
        assert any(wanted in fold_term(v) for v in (c.code, c.name, c.name_en))


def test_concept_search_equals_the_or_of_its_words(project):
    terms = project.search.concepts().terms("budget")
    words = [t.keyword for t in terms]
    found = project.search.find("@budget", limit=None)
    assert found.total > 0
    assert {(r.document, r.turn) for r in found.results} == _any_of(project, words)
    assert _turns(project, "@預算") == _turns(project, "@budget") == _turns(project, "@Budget")
    for r in found.results:
        assert r.matched and all(m["concept"] == "@budget" and m["code"] == "budget" for m in r.matched)
        text = project.documents.text(r.document)
        turn = project.documents.turn(r.document, r.turn)
        folded_turn = fold_term(text[turn.start : turn.end])
        assert {m["keyword"] for m in r.matched} == {w for w in words if fold_term(w) in folded_turn}


def test_subtree_and_combinations(project):
    concepts = project.search.concepts()
    subtree_words = [t.keyword for t in concepts.terms("resources/")]
    assert _turns(project, "@resources/") == _any_of(project, subtree_words)
    assert _turns(project, "@resources/") >= _turns(project, "@budget") | _turns(project, "@staffing")
    assert _turns(project, "@budget 中央") == _turns(project, "@budget") & _turns(project, "中央")
    assert _turns(project, "中央 -@budget") == _turns(project, "中央") - _turns(project, "@budget")
    assert _turns(project, "@budget OR 局長") == _turns(project, "@budget") | _turns(project, "局長")
    with pytest.raises(BadInput, match="unknown code '@nosuch'"):
        project.search.find("@nosuch 經費")


def test_a_passage_two_terms_hit_is_one_hit(project):
    """重視 is a keyword of a code below leader-attention and typed too: each passage is listed once."""
    found = project.search.find("@leader-attention/ 重視", limit=None)
    assert found.results
    for result in found.results:
        assert len(result.hits) == len(set(result.hits)) and result.hits == sorted(result.hits), result.hits


def test_completion_through_the_service(project):
    [first, *_] = project.search.complete_concept("@bud")
    assert first.code == "budget" and first.text == "@budget"
    assert [c.code for c in project.search.complete_concept("預")] == ["budget"]
