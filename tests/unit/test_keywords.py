"""Keyword spotting (services/keywords.py): every codebook keyword, whitespace and variants ignored, offsets exact."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.services.keywords import KeywordSpotter, fold_keyword
from qualcode.zh.normalize import normalize

KEYWORDS = {"就業e網": ("central-support",), "經費": ("budget",), "臺北": ("urbanization",), "𠮷野": ("x",),
            "中央": ("central-support", "positioning-central"), "app": ("digitalization",)}  # fmt: skip
SPOTTER = KeywordSpotter(KEYWORDS)


def oracle(text: str, keywords) -> list[tuple[int, int, str]]:
    """Scan the whitespace-stripped search form for each keyword and map the hit back to the original."""
    kept = [i for i, ch in enumerate(text) if not ch.isspace()]
    stripped = "".join(normalize(text)[i] for i in kept)
    found = set()
    for keyword in keywords:
        folded = fold_keyword(keyword)
        at = stripped.find(folded)
        while at != -1:
            found.add((kept[at], kept[at + len(folded) - 1] + 1, folded))
            at = stripped.find(folded, at + 1)
    return sorted(found)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="就業eE網ｅ經费費臺台北中央𠮷野a pP \n\t　，。", max_size=60))
def test_spotting_finds_what_a_scan_of_the_stripped_text_finds(text):
    assert SPOTTER.spot(text) == oracle(text, KEYWORDS)


def test_spaced_and_variant_forms_are_found_with_offsets_into_the_original():
    text = "我們用全國就業 e 網，台北的經费；𠮷野 APP"
    hits = SPOTTER.spot(text)
    assert [(text[s:e], k) for s, e, k in hits] == [
        ("就業 e 網", "就业e网"),
        ("台北", "台北"),
        ("經费", "经费"),
        ("𠮷野", "𠮷野"),
        ("APP", "app"),
    ]


def test_the_project_service_names_keywords_and_codes(project):
    spans = project.keywords.spans(project.documents.document("A").id)
    text = project.documents.text(project.documents.document("A").id)
    assert spans == sorted(spans)
    assert len(set(spans)) == len(spans)
    assert any(k == "全國就業e網" and " " in text[s:e] for s, e, k, _ in spans)  # the PDF's spaced form
    codes = {c.id: c for c in project.codebook.codes()}
    for start, end, keyword, code_ids in spans:
        assert fold_keyword(text[start:end]) == fold_keyword(keyword)
        assert code_ids and all(keyword in map(str, codes[c].keywords) for c in code_ids)


def test_idf_is_smoothed_over_turns_and_rarer_keywords_weigh_more(project):
    weights = project.keywords.idf()
    turns = sum(len(project.documents.turns(d.id)) for d in project.documents.documents())
    holding = 0
    for document in project.documents.documents():
        text = project.documents.text(document.id)
        holding += sum(
            normalize("網站") in normalize(text[t.start : t.end]) for t in project.documents.turns(document.id)
        )
    assert math.isclose(weights["網站"], math.log((1 + turns) / (1 + holding)) + 1)
    assert weights["二備金"] > weights["網站"]


def test_a_changed_codebook_rebuilds_the_matcher(project):
    document = project.documents.document("E").id
    assert not any(k == "高雄" for _, _, k, _ in project.keywords.spans(document))
    project.codebook.update("urbanization", keywords=["高雄"], coder="alice")
    found = [s for s in project.keywords.spans(document) if s[2] == "高雄"]
    assert found and all(s[3] == ("urbanization",) for s in found)
