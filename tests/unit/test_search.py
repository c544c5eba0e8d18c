"""Search: recall equals a substring scan, variant folding, offsets into the original text, filters."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.errors import BadInput, NotFound
from qualcode.project import Project
from qualcode.zh.normalize import fold_term, normalize

ALPHABET = list("台臺北市就業服務處中央經費的希望網ｅeE𠮷𩸽着著a1１ \t\n\u3000")
_counter = itertools.count()


def _project(tmp_path, transcripts: list[list[str]]) -> Project:
    project = Project.open(tmp_path / f"p{next(_counter)}.db", create=True)
    paths = []
    for i, turns in enumerate(transcripts):
        path = tmp_path / f"doc{next(_counter)}-{i}.txt"
        body = "\n\n".join(("問：" if j % 2 == 0 else "答：") + t for j, t in enumerate(turns))
        path.write_text(body + "\n", encoding="utf-8")
        paths.append(path)
    project.documents.import_files(paths, case_id=None)
    return project


def _stripped(text: str) -> tuple[str, list[int]]:
    """The oracle's own folding: normalise, then drop every whitespace character (str.isspace), keeping
    the offset of each character left."""
    kept = [(ch, i) for i, ch in enumerate(normalize(text)) if not ch.isspace()]
    return "".join(ch for ch, _ in kept), [i for _, i in kept]


def _scan(project: Project, query: str, with_end: bool = False) -> dict:
    """The reference: every turn whose whitespace-stripped normalised text contains the whitespace-stripped
    normalised query, with the first hit (and its end) as offsets into the original text."""
    needle, _ = _stripped(query)
    found: dict = {}
    for document in project.documents.documents():
        text = project.documents.text(document.id)
        for turn in project.documents.turns(document.id):
            haystack, offsets = _stripped(text[turn.start : turn.end])
            at = haystack.find(needle)
            if at != -1:
                start = turn.start + offsets[at]
                end = turn.start + offsets[at + len(needle) - 1] + 1
                found[(document.id, turn.number)] = (start, end) if with_end else start
    return found


def _engine(project: Project, query: str, with_end: bool = False) -> dict:
    quoted = '"' + query + '"'  # literal: no word splitting
    return {
        (r.document, r.turn): (r.start, r.end) if with_end else r.start
        for r in project.search.find(quoted, limit=None).results
    }


turn_text = st.text(alphabet=ALPHABET, min_size=1, max_size=40).map(str.strip).filter(bool)
corpus = st.lists(st.lists(turn_text, min_size=1, max_size=6), min_size=1, max_size=3)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(corpus=corpus, data=st.data())
def test_recall_equals_a_substring_scan(tmp_path, corpus, data):
    project = _project(tmp_path, corpus)
    try:
        turns = [t for doc in corpus for t in doc]
        source = data.draw(st.sampled_from(turns))
        i = data.draw(st.integers(0, len(source) - 1))
        j = data.draw(st.integers(i + 1, min(len(source), i + 8)))
        unspaced = "".join(source.split())  # the passage without the spaces and line breaks inside it
        k = data.draw(st.integers(0, max(len(unspaced) - 1, 0)))
        queries = [
            source[i:j],
            unspaced[k : k + data.draw(st.integers(1, 8))],
            data.draw(st.text(alphabet=ALPHABET, min_size=1, max_size=3)),
        ]
        for query in queries:
            if not query.strip() or '"' in query:
                continue
            query = query.strip()
            assert _engine(project, query, with_end=True) == _scan(project, query, with_end=True), query
    finally:
        project.close()


def test_one_character_queries_and_characters_outside_the_bmp(tmp_path):
    project = _project(tmp_path, [["𠮷野家的就業服務", "台北𩸽魚"], ["就業服務處在臺北"]])
    for query in ("的", "𠮷", "𩸽", "北", "就業服務", "業服"):
        assert _engine(project, query) == _scan(project, query) != {}
    [hit] = project.search.find("𩸽魚").results
    assert project.documents.text(hit.document)[hit.start : hit.end] == "𩸽魚"
    project.close()


def test_variants_fold_together(project):
    taipei = project.search.find("台北", limit=None)
    assert any(r.text == "臺北" for r in taipei.results) and any(r.text == "台北" for r in taipei.results)
    assert {(r.document, r.turn) for r in taipei.results} == {
        (r.document, r.turn) for r in project.search.find("臺北", limit=None).results
    }
    eweb = project.search.find("就業e網", limit=None)
    assert {r.text for r in eweb.results} >= {"就業ｅ網", "就業 e網"} or {r.text for r in eweb.results} >= {"就業ｅ網"}
    assert (
        project.search.find("就業Ｅ網", limit=None).total
        == eweb.total
        == project.search.find("就业E网", limit=None).total
    )


def test_offsets_point_at_the_hit_in_the_original_text(project):
    for query in ("台北人力銀行", "中央", "經費", "e網"):
        for result in project.search.find(query, limit=None).results:
            text = project.documents.text(result.document)
            assert fold_term(text[result.start : result.end]) == fold_term(query)
            for start, end in result.hits:
                assert fold_term(text[start:end]) == fold_term(query)
            turn = project.documents.turn(result.document, result.turn)
            assert turn.start <= result.start < result.end <= turn.end


def test_jieba_substring_trap_is_avoided(project):
    # jieba would keep 就業服務處 as one token; a substring search must still find 就業服務 inside it
    assert any(
        "就業服務處" in project.documents.text(r.document)[r.start : r.start + 6]
        for r in project.search.find("就業服務", limit=None).results
    )


def test_long_unspaced_phrase_is_split_by_jieba_and_says_so(project):
    found = project.search.find("主管重視程度")
    assert found.notices and "主管 / 重視 / 程度" in found.notices[0]
    assert found.total > 0
    assert all(any(w in r.text for w in ("重視", "程度", "主管")) for r in found.results)
    assert project.search.find('"主管重視程度"').total == 0  # a quoted phrase is never split


def test_a_split_phrases_common_words_only_rank(project):
    """中央政府的補助 occurs nowhere: its words are 中央政府 / 的 / 補助, and 的, in most turns, makes no turn match by
    itself: the turns holding 中央政府 or 補助 match, those holding all three first."""
    found = project.search.find("中央政府的補助", limit=None)
    assert found.notices and "中央政府 / 的 / 補助" in found.notices[0]
    holding = {(r.document, r.turn) for w in ("中央政府", "補助") for r in project.search.find(w, limit=None).results}
    assert {(r.document, r.turn) for r in found.results} == holding and found.total == len(holding)
    assert found.total < project.search.find("的").total / 10
    top = found.results[0]
    turn = project.documents.turn(top.document, top.turn)
    assert all(w in project.documents.text(top.document)[turn.start : turn.end] for w in ("中央政府", "的", "補助"))


def test_boolean_syntax(project):
    both = {(r.document, r.turn) for r in project.search.find("中央 經費", limit=None).results}
    central = {(r.document, r.turn) for r in project.search.find("中央", limit=None).results}
    budget = {(r.document, r.turn) for r in project.search.find("經費", limit=None).results}
    assert both == central & budget
    either = {(r.document, r.turn) for r in project.search.find("中央 OR 經費", limit=None).results}
    assert either == central | budget
    without = {(r.document, r.turn) for r in project.search.find("中央 -經費", limit=None).results}
    assert without == central - budget


def test_ranking_puts_exact_phrase_first_then_closeness(project):
    results = project.search.find("中央 經費", limit=None).results
    texts = [
        project.documents.text(r.document)[
            project.documents.turn(r.document, r.turn).start : project.documents.turn(r.document, r.turn).end
        ]
        for r in results
    ]
    phrase = [("中央經費" in normalize(t)) for t in texts]
    assert phrase == sorted(phrase, reverse=True)


def test_filters_case_speaker_and_code(project):
    assert {r.case for r in project.search.find("經費", cases=("E",), limit=None).results} == {"E"}
    assert {r.speaker for r in project.search.find("經費", speaker="答", limit=None).results} == {"答"}
    coding = project.codings.apply("A", "central-support", "alice", quote="中央根本就是希望我們關掉")
    project.codings.apply("B", "budget", "bob", turn=2)
    within = project.search.find("希望", code="local-policy", limit=None)  # descendants included
    assert within.total == 1
    [hit] = within.results
    assert hit.coding == coding.id and coding.start <= hit.start and hit.end <= coding.end
    assert project.search.find("希望", code="central-support", coder="bob", limit=None).total == 0
    everywhere = project.search.find("希望", limit=None).total
    assert everywhere > 1
    assert all(r.coding for r in project.search.find("經費", coded_only=True, limit=None).results)


@pytest.mark.parametrize("query", ["", "   ", '"unbalanced', "-", "OR", "a OR", "-經費", "x" * 300])
def test_bad_queries_are_clear_errors(project, query):
    with pytest.raises(BadInput) as info:
        project.search.find(query)
    assert "\n" not in str(info.value) and "sqlite" not in str(info.value).lower()


# Turns holding FTS/glob/regex syntax literally, each next to a decoy that the syntax, if it were
# interpreted, would match instead: a*b / axb, ^經費 / 經費 at a turn's start, col:經費 / col and 經費 apart …
LITERAL_TURNS = [
    "公式寫成 a*b 就好",
    "不是 ab，也不是 axxb",
    "^經費 是一個符號",
    "經費不夠",
    "欄位 col:經費 的值",
    "col 和經費分開寫",
    "他寫了 NEAR(中央 經費) 這個式子",
    "中央給的經費不多",
    "中央* 是什麼意思",
    "中央政府",
    "AND 和 NOT 是運算子",
    "and then, not now",
    "Android 手機",
    "附件 [第三條] 與 (草案) {備註}",
    "第三條草案備註",
    "時間 c:d 與 e-f",
    "cd 與 ef",
]


@pytest.fixture(scope="module")
def literal_project(tmp_path_factory):
    from qualcode.codebook import Codebook

    folder = tmp_path_factory.mktemp("literal")
    path = folder / "L.txt"
    path.write_text(
        "".join(("問：" if i % 2 == 0 else "答：") + t + "\n\n" for i, t in enumerate(LITERAL_TURNS)), encoding="utf-8"
    )
    project = Project.open(folder / "literal.db", create=True)
    project.codebook.replace(Codebook())
    project.documents.import_files([path])
    yield project
    project.close()


@pytest.mark.parametrize(
    "query",
    [
        "a*b",
        "^經費",
        "NEAR(中央 經費)",
        "col:經費",
        "中央*",
        "AND",
        "NOT",
        "AND NOT",
        "[第三條]",
        "(草案)",
        "{備註}",
        "c:d",
        "e-f",
        "a*b OR c:d",
    ],
)
def test_fts_syntax_is_searched_literally(literal_project, query):
    project = literal_project
    [document] = project.documents.documents()
    text = project.documents.text(document.id)
    turns = project.documents.turns(document.id)
    assert [text[t.start : t.end] for t in turns] == LITERAL_TURNS
    # the reference: a plain substring scan for every whitespace-separated term (case folded); OR is an OR
    alternatives = [alt.split() for alt in query.split(" OR ")]
    expected = {
        t.number
        for t in turns
        if any(all(normalize(term) in normalize(text[t.start : t.end]) for term in alt) for alt in alternatives)
    }
    found = project.search.find(query, limit=None)
    assert {r.turn for r in found.results} == expected
    assert expected and len(expected) < len(turns)  # found something, and not everything
    assert not found.notices  # searched as written, not split into words
    for r in found.results:
        assert any(normalize(text[r.start : r.end]) == normalize(term) for alt in alternatives for term in alt)


def test_unknown_filters_are_refused(project):
    with pytest.raises(NotFound, match="unknown code"):
        project.search.find("經費", code="nope")
    with pytest.raises(NotFound, match="unknown case"):
        project.search.find("經費", cases=("Z",))
    with pytest.raises(BadInput, match="no turns by speaker"):
        project.search.find("經費", speaker="記者")


def test_index_follows_imports_and_reindex(tmp_path, project):
    before = project.search.find('"獨一無二的詞"', limit=None).total
    path = tmp_path / "F.txt"
    path.write_text("問：有沒有獨一無二的詞？\n\n答：有，獨一無二的詞。\n", encoding="utf-8")
    project.documents.import_files([path])
    assert project.search.find('"獨一無二的詞"', limit=None).total == before + 2
    path.write_text("問：改過了，沒有那個詞。\n", encoding="utf-8")
    project.documents.import_files([path])  # replaced: no codings yet
    assert project.search.find('"獨一無二的詞"', limit=None).total == before
    assert project.search.find("改過了", limit=None).total == 1
    project.search.reindex()
    assert project.search.find("改過了", limit=None).total == 1
    assert project.search.find("經費", limit=None).total == _scan_total(project, "經費")


def _scan_total(project, query):
    return len(_scan(project, query))
