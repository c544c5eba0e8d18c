"""KWIC lines and word statistics."""

from __future__ import annotations

import math

import pytest

from qualcode.search import words
from qualcode.zh.normalize import fold_term


def test_kwic_lines_align_on_the_match(project):
    lines = project.search.kwic("經費", width=6)
    assert len(lines) == sum(
        project.documents.text(d.id).count("經費") for d in project.documents.documents()
    ) - _outside_turns(project, "經費")
    for line in lines:
        text = project.documents.text(line.document)
        assert text[line.start : line.end] == line.match
        assert line.left == text[line.start - len(line.left) : line.start].replace("\n", " ")
        assert len(line.left) <= 6 and len(line.right) <= 6


def _outside_turns(project, word):
    count = 0
    for d in project.documents.documents():
        text = project.documents.text(d.id)
        spans = [(t.start, t.end) for t in project.documents.turns(d.id)]
        at = text.find(word)
        while at != -1:
            if not any(s <= at and at + len(word) <= e for s, e in spans):
                count += 1
            at = text.find(word, at + 1)
    return count


def test_kwic_sorts_and_filters(project):
    right = project.search.kwic("中央", sort="right")
    # sorted by the search form of the context: whitespace ignored, as everywhere in search
    assert [fold_term(line.right) for line in right] == sorted(fold_term(line.right) for line in right)
    left = project.search.kwic("中央", sort="left")
    assert [fold_term(line.left)[::-1] for line in left] == sorted(fold_term(line.left)[::-1] for line in left)
    assert {line.case for line in project.search.kwic("中央", cases=("B",))} == {"B"}
    assert project.search.kwic("台北")[0].match in ("台北", "臺北")


@pytest.mark.slow
def test_word_frequencies_use_jieba_and_stop_words(project):
    rows = project.search.words(cases=("A",), top=10)
    found = {r.word for r in rows}
    assert "台北人力銀行" in found  # a domain term kept whole
    assert not found & {"我們", "的", "就是"}
    assert all(r.group == "A" for r in rows)
    counts = [r.count for r in rows]
    assert counts == sorted(counts, reverse=True)


def test_words_per_code(project):
    project.codings.apply("A", "budget", "alice", turn=6)
    rows = project.search.words(code="budget", top=5)
    assert rows and all(r.group == "budget" for r in rows)
    assert any(r.word in ("經費", "業務費") for r in rows)


def test_keyness_is_log_likelihood_and_finds_each_case_own_site(project):
    rows = project.search.keyness(top=5)
    top_words = {(r.case, r.word) for r in rows}
    assert ("A", "台北人力銀行") in top_words
    assert ("B", "人力網") in top_words
    for r in rows:
        assert r.log_likelihood > 0
    # G² for a word seen 10 times in 100 tokens vs 0 in 100: 2 * 10 * ln(10 / 5)
    assert math.isclose(words.log_likelihood(10, 0, 100, 100), 20 * math.log(2))


def test_numbers_and_punctuation_are_not_words(tmp_path):
    from qualcode.codebook import Codebook
    from qualcode.project import Project

    path = tmp_path / "N.txt"
    path.write_text("問：預算多少？\n\n答：預算大概一百萬，2012年預算兩百萬。預算很重要！\n", encoding="utf-8")
    with Project.open(tmp_path / "p.db", create=True) as project:
        project.codebook.replace(Codebook())
        project.documents.import_files([path])
        found = {r.word: r.count for r in project.search.words(top=50, min_length=1)}
    assert found.get("預算") == 4
    assert not set(found) & {"一百萬", "2012", "2012年", "兩百萬", "，", "。", "！", "？", "很"}
