"""Ratings: attaching evidence checks the coding and the cell; candidates leave out what is attached."""

from __future__ import annotations

import pytest

from qualcode.errors import BadInput, NotFound


@pytest.fixture
def coded(project):
    """Codings of A and B under `resources` (budget, staffing) and one elsewhere."""
    a_budget = project.codings.apply("A", "budget", "alice", turn=6)
    a_quote = project.codings.apply("A", "budget", "alice", quote="但是這個跟民間比較起來還是差得很遠")
    a_staffing = project.codings.apply("A", "staffing", "bob", turn=8)
    b_budget = project.codings.apply("B", "budget", "alice", turn=2)
    a_other = project.codings.apply("A", "central-support", "alice", quote="中央根本就是希望我們關掉")
    return project, a_budget, a_quote, a_staffing, b_budget, a_other


def test_attach_refuses_a_coding_of_another_case_and_changes_nothing(coded):
    project, a_budget, _, _, b_budget, _ = coded
    project.ratings.rate("A", "budget", "強", coder="alice", evidence=[a_budget.id])
    with pytest.raises(BadInput, match=f"coding {b_budget.id} is from case B, not A"):
        project.ratings.attach("A", "budget", b_budget.id, coder="alice")
    assert project.ratings.find("A", "budget", coder="alice").evidence == (a_budget.id,)


def test_attach_refuses_an_unrated_cell(coded):
    project, a_budget, *_ = coded
    with pytest.raises(
        NotFound, match=r"no rating of budget for case A \(establishment\) by alice: rate it before attaching"
    ):
        project.ratings.attach("A", "budget", a_budget.id, coder="alice")
    project.ratings.rate("A", "budget", "強", coder="bob")  # another coder's rating is not alice's cell
    with pytest.raises(NotFound, match="by alice"):
        project.ratings.attach("A", "budget", a_budget.id, coder="alice")
    with pytest.raises(NotFound):  # nor is another facet of the same cell
        project.ratings.attach("A", "budget", a_budget.id, coder="bob", facet="content")
    assert project.ratings.find("A", "budget", coder="alice") is None
    assert project.ratings.find("A", "budget", coder="bob").evidence == ()


def test_attach_refuses_unknown_codings_and_cells(coded):
    project, a_budget, *_ = coded
    project.ratings.rate("A", "budget", "強", coder="alice")
    with pytest.raises(NotFound, match="no coding with id 'nope'"):
        project.ratings.attach("A", "budget", "nope", coder="alice")
    with pytest.raises(NotFound, match="unknown case 'Z'"):
        project.ratings.attach("Z", "budget", a_budget.id, coder="alice")
    with pytest.raises(NotFound, match="unknown code 'budgett'"):
        project.ratings.attach("A", "budgett", a_budget.id, coder="alice")
    assert project.ratings.find("A", "budget", coder="alice").evidence == ()


def test_candidates_are_the_cases_codings_under_the_code_not_yet_attached(coded):
    project, a_budget, a_quote, a_staffing, b_budget, a_other = coded
    ids = lambda codings: {c.id for c in codings}  # noqa: E731
    assert ids(project.ratings.candidates("A", "budget", coder="alice")) == {a_budget.id, a_quote.id}
    # a parent code: its descendants' codings, any coder's, only of the case
    assert ids(project.ratings.candidates("A", "resources", coder="alice")) == {a_budget.id, a_quote.id, a_staffing.id}
    project.ratings.rate("A", "budget", "強", coder="alice")
    project.ratings.attach("A", "budget", a_quote.id, coder="alice")
    assert ids(project.ratings.candidates("A", "budget", coder="alice")) == {a_budget.id}
    project.ratings.attach("A", "budget", a_budget.id, coder="alice")
    assert project.ratings.candidates("A", "budget", coder="alice") == []
    # attached to alice's rating on this facet only: still candidates for bob, and on another facet
    assert ids(project.ratings.candidates("A", "budget", coder="bob")) == {a_budget.id, a_quote.id}
    assert ids(project.ratings.candidates("A", "budget", coder="alice", facet="content")) == {a_budget.id, a_quote.id}
    # detaching makes it a candidate again
    project.ratings.detach("A", "budget", a_quote.id, coder="alice")
    assert ids(project.ratings.candidates("A", "budget", coder="alice")) == {a_quote.id}
    assert b_budget.id not in ids(project.ratings.candidates("A", "budget", coder="bob"))
    assert a_other.id not in ids(project.ratings.candidates("A", "resources", coder="bob"))
