"""A short text (a search query) is split by a tokenizer holding only the dictionary entries that are its
substrings, read from an SQLite copy of jieba's dictionary in the cache folder (qualcode/zh/tokenize.py): it must
give exactly the words of the full tokenizer (jieba loading its whole dictionary), the oracle here."""

from __future__ import annotations

import logging
from pathlib import Path

import jieba
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.zh import tokenize as tz
from qualcode.zh.normalize import normalize

# A small dictionary (so that building both tokenizers takes milliseconds): words sharing characters and
# prefixes, where jieba's choices depend on the counts.
WORDS = {"中央": 3000, "中央政府": 800, "政府": 5000, "府": 40, "经费": 900, "经": 300, "费": 200, "补助": 700,
         "补": 90, "助": 80, "社会": 4000, "社会住宅": 60, "住宅": 900, "的": 90000, "长照": 30, "服务": 3000,
         "服": 10, "务": 15, "推动": 1200, "政策": 2500, "策": 5, "会": 7000}  # fmt: skip
ALPHABET = "中央政府經费經費補助补社會会住宅的長照服務务推動策 2.0a"


@pytest.fixture
def small_dictionary(tmp_path, monkeypatch) -> jieba.Tokenizer:
    """The full tokenizer over WORDS (jieba's dictionary swapped for them), with the copy in tmp_path."""
    source = tmp_path / "dict.txt"
    source.write_text("".join(f"{w} {n}\n" for w, n in WORDS.items()), encoding="utf-8")
    jieba.setLogLevel(logging.WARNING)
    base = jieba.Tokenizer(str(source))
    base.tmp_dir = str(tmp_path)
    base.initialize()
    monkeypatch.setattr(tz, "cache_dir", lambda: tmp_path / "cache")
    monkeypatch.setattr(tz, "tokenizer_without_terms", lambda: base)
    return base


def full(dictionary: Path, text: str, extra: tuple[str, ...]) -> list[tuple[str, int, int]]:
    """The oracle: jieba with the whole (small) dictionary, the domain terms and the extra words added."""
    tk = jieba.Tokenizer(str(dictionary))
    tk.tmp_dir = str(dictionary.parent)
    tk.initialize()
    for word in [*tz.domain_terms(), *frozenset(extra)]:
        folded = tz.fold_term(word)
        if folded:
            tk.add_word(folded, tz.USER_WORD_FREQ, tag=tz.USER_TAG)
    return list(tk.tokenize(text))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])  # read only
@given(
    text=st.text(st.sampled_from(ALPHABET), max_size=30),
    extra=st.lists(st.sampled_from(["補助款", "住宅政策", "長照2.0"]), max_size=2),
)
def test_the_small_tokenizer_splits_as_the_full_one(small_dictionary, text, extra):
    folded = normalize(text)
    small = tz._small_tokenizer(folded, tuple(extra))
    assert small is not None
    added = tz._small_tokenizer("", tuple(extra)).FREQ.keys()  # the domain terms and extra words, prefixes too
    assert all(word in folded for word in small.FREQ.keys() - added)  # of the dictionary, only the text's
    assert list(small.tokenize(folded)) == full(Path(small_dictionary.dictionary), folded, tuple(extra))


def test_the_copy_is_built_once_and_holds_the_dictionary(small_dictionary, tmp_path):
    path = tz._dictionary_copy()
    assert path is not None and path.parent == tmp_path / "cache"
    made = path.stat().st_mtime_ns
    assert tz._dictionary_copy() == path and path.stat().st_mtime_ns == made
    for word, n in small_dictionary.FREQ.items():
        assert tz._read_copy(path, word) == ({word: n} | tz._read_copy(path, word)[0], small_dictionary.total)
    freq, total = tz._read_copy(path, "中央政府的经费")
    assert total == small_dictionary.total
    assert freq == {w: n for w, n in small_dictionary.FREQ.items() if w in "中央政府的经费"}
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left


def test_without_a_copy_the_full_tokenizer_does_the_work(tmp_path, monkeypatch):
    (tmp_path / "cache").write_text("a file where the folder should be")
    monkeypatch.setattr(tz, "cache_dir", lambda: tmp_path / "cache")
    assert tz._dictionary_copy() is None
    calls = []
    monkeypatch.setattr(tz, "tokenizer", lambda words: calls.append(words) or _Stub())
    assert tz.tokenize("中央政府") == [(0, 4)]
    assert calls == [()]


def test_a_damaged_copy_means_the_full_tokenizer(small_dictionary, monkeypatch):
    path = tz._dictionary_copy()
    whole = path.read_bytes()
    for damage in (b"", b"\x00" * 9, whole[:40], b"\x10" + whole[1:]):
        path.write_bytes(damage)
        assert tz._small_tokenizer("中央政府", ()) is None
    calls = []
    monkeypatch.setattr(tz, "tokenizer", lambda words: calls.append(words) or _Stub())
    assert tz.tokenize("中央政府") == [(0, 4)] and calls == [()]


class _Stub:
    def tokenize(self, text):
        return [(text, 0, len(text))]


def test_a_long_text_uses_the_full_tokenizer(small_dictionary, monkeypatch):
    calls = []
    monkeypatch.setattr(tz, "tokenizer", lambda words: calls.append(words) or _Stub())
    text = "中央" * (tz.SMALL_TEXT // 2 + 1)
    assert tz.tokenize(text) == [(0, len(text))]
    assert calls == [()]
    assert tz.tokenize("中央政府的經費") == [(0, 4), (4, 5), (5, 7)]  # short: the small one
    assert calls == [()]


@pytest.mark.slow
def test_with_jiebas_own_dictionary(tmp_path, monkeypatch):
    monkeypatch.setattr(tz, "cache_dir", lambda: tmp_path)
    queries = [
        "中央政府的經費補助",
        "社會住宅政策推動",
        "長照2.0 服務",
        "地方政府財政困難沒有辦法",
        "我們這邊的預算很少",
    ]
    for query in queries:
        folded = normalize(query)
        assert tz.tokenize(query) == [(s, e) for _, s, e in tz.tokenizer(()).tokenize(folded)]
        assert tz.tokenize(query, ["預算很少"]) == [(s, e) for _, s, e in tz.tokenizer(["預算很少"]).tokenize(folded)]
