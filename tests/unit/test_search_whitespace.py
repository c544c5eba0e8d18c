"""Whitespace inside a turn never separates words: search, KWIC, codings and --quote ignore it, one folding."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qualcode.errors import BadInput
from qualcode.project import Project, bundled_path
from qualcode.quote import find_quote
from qualcode.zh.normalize import WHITESPACE, fold, fold_term, normalize

_counter = itertools.count()

TURNS = [
    "全國就業 e網的使用者",  # a space, as the PDF wrote it
    "就業 e 網很好用",  # two spaces
    "就業\ne網換行了",  # a line break inside the turn
    "就業\te網\u3000有定位",  # a tab and an ideographic space
    "就業ｅ網是全形",  # width, no space
    "只有就業沒有e網",  # both words, apart: not the term
    "𠮷野 家的 規畫與規劃",  # outside the BMP, and the variant pair
]


def _project(tmp_path, turns: list[str]) -> Project:
    project = Project.open(tmp_path / f"p{next(_counter)}.db", create=True)
    path = tmp_path / f"doc{next(_counter)}.txt"
    path.write_text("\n\n".join(("問：" if j % 2 == 0 else "答：") + t for j, t in enumerate(turns)) + "\n", "utf-8")
    project.documents.import_files([path], case_id="A")
    return project


@pytest.fixture
def spaced(tmp_path):
    project = _project(tmp_path, TURNS)
    yield project
    project.close()


def _turn_text(project, result) -> str:
    turn = project.documents.turn(result.document, result.turn)
    return project.documents.text(result.document)[turn.start : turn.end]


def test_whitespace_list_is_exactly_what_str_isspace_accepts():
    assert set(WHITESPACE) == {chr(cp) for cp in range(0x110000) if chr(cp).isspace()}


def test_fold_maps_back_to_the_original_offsets():
    folded = fold("就業 e\n網𠮷 臺")
    assert folded.text == "就业e网𠮷台"
    assert folded.offsets == [0, 1, 3, 5, 6, 8]
    assert folded.span(0, 4) == (0, 6)  # 就業 e\n網, the spaces inside included
    assert folded.span(4, 6) == (6, 9)
    assert fold_term("就業 Ｅ 網") == "就业e网"


@given(st.text(alphabet=list("就業e網 \t\n\u3000𠮷臺ＡaB"), max_size=30))
def test_fold_drops_exactly_the_whitespace_and_nothing_else(text):
    folded = fold(text)
    assert folded.text == "".join(ch for ch in normalize(text) if not ch.isspace())
    assert [text[i] for i in folded.offsets] == [ch for ch in text if not ch.isspace()]


def test_term_matches_across_spaces_tabs_and_line_breaks(spaced):
    found = spaced.search.find("就業e網", limit=None)
    texts = {r.text for r in found.results}
    assert texts == {"就業 e網", "就業 e 網", "就業\ne網", "就業\te網", "就業ｅ網"}
    assert found.total == 5  # not the turn holding 就業 and e網 apart
    for r in found.results:
        text = spaced.documents.text(r.document)
        assert text[r.start : r.end] == r.text and fold_term(r.text) == fold_term("就業e網")
        assert r.hits[0] == (r.start, r.end)
        [(a, b)] = r.snippet_hits
        assert r.snippet[a:b] == r.text.replace("\n", " ")


def test_spaces_in_the_query_still_separate_terms(spaced):
    both = {r.turn for r in spaced.search.find("就業 e網", limit=None).results}
    assert len(both) == 6  # the five spaced forms and the turn with the two words apart
    phrase = {r.turn for r in spaced.search.find('"就業 e網"', limit=None).results}
    assert len(phrase) == 5  # a quoted phrase is one term: its spaces are ignored like the text's


def test_a_coding_made_from_a_hit_covers_the_spaced_original(spaced):
    spaced.codebook.load(bundled_path("codebooks", "five-municipalities.yaml"))
    for r in spaced.search.find("就業e網", limit=None).results:
        coding = spaced.codings.apply(r.document, "site-content", "alice", span=(r.start, r.end))
        assert coding.text == r.text and fold_term(coding.text) == "就业e网"
    # searching inside those segments finds every one, the spaced ones included
    inside = spaced.search.find("就業e網", code="site-content", limit=None)
    assert inside.total == 5 and all(r.coding for r in inside.results)
    assert spaced.search.kwic("e網", code="site-content") and len(spaced.search.kwic("e網", code="site-content")) == 5


def test_kwic_hits_span_whitespace_as_written(spaced):
    lines = spaced.search.kwic("就業e網", width=4)
    # as written, a line break shown as a space (the turn with 就業\ne網 gives the second 就業 e網)
    assert sorted(line.match for line in lines) == sorted(
        ["就業 e網", "就業 e 網", "就業 e網", "就業\te網", "就業ｅ網"]
    )
    for line in lines:
        assert fold_term(spaced.documents.text(line.document)[line.start : line.end]) == "就业e网"


def test_outside_the_bmp_and_variants(spaced):
    [hit] = spaced.search.find("𠮷野家", limit=None).results
    assert hit.text == "𠮷野 家"
    plan = spaced.search.kwic("規劃")
    assert [line.match for line in plan] == ["規畫", "規劃"]


def test_quote_uses_the_search_folding():
    text = "他說：當然是以大臺北地區為主的一個人力銀行？\n就業 e網"
    assert find_quote(text, "當然是以大台北地區為主的一個人力銀行?", "doc") == (3, 22)
    assert find_quote(text, "当然是以大台北地区为主", "doc") == (3, 14)  # Simplified
    assert find_quote(text, "就業Ｅ網", "doc") == (23, 28)  # width, case and the space inside
    with pytest.raises(BadInput, match="does not occur"):
        find_quote(text, "不在這裡", "doc")
    with pytest.raises(BadInput, match="occurs 2 times"):
        find_quote("台北 臺北", "臺北", "doc")
    with pytest.raises(BadInput, match="empty"):
        find_quote(text, " \n ", "doc")


def test_coded_segments_filter_with_codings_that_start_or_end_on_whitespace(spaced):
    spaced.codebook.load(bundled_path("codebooks", "five-municipalities.yaml"))
    [r] = spaced.search.find("全國", limit=None).results
    text = spaced.documents.text(r.document)
    space = text.index(" ", r.start)  # 全國就業| e網的
    spaced.codings.apply(r.document, "budget", "alice", span=(space, space + 3))  # " e網": starts on the space
    spaced.codings.apply(r.document, "staffing", "alice", span=(r.start, space + 1))  # "全國就業 ": ends after it
    assert [x.text for x in spaced.search.find("e網", code="budget", limit=None).results] == ["e網"]
    assert spaced.search.find("就業e網", code="budget", limit=None).total == 0  # 就業 is outside the coding
    assert [x.text for x in spaced.search.find("國就業", code="staffing", limit=None).results] == ["國就業"]
    assert spaced.search.find("就業e", code="staffing", limit=None).total == 0


def test_an_index_built_with_another_folding_is_rebuilt(spaced):
    conn = spaced.store.conn
    conn.execute("UPDATE project SET value = 'old' WHERE key = 'search.fold'")
    conn.commit() if not conn.in_transaction else None
    assert not spaced.search.index.is_current()
    assert spaced.search.find("就業e網", limit=None).total == 5
    assert spaced.search.index.is_current()
