"""jieba tokenization (word splitting) with offsets into the original text, loaded lazily and once.

Tokenization runs on the search form of the text (Traditional folded to Simplified, which jieba's
dictionary is written in); since that form has the same length as the original, the word offsets
are offsets into the original text too.

`tagged` (for word statistics) also drops whitespace first, as search does (zh/normalize.py `fold`): the
transcripts came from a PDF and write 全國就業 e網 with a space, which is one word. The domain terms and
codebook keywords are added to jieba without whitespace and tagged `nz` (a proper noun), so they come out
whole wherever they occur, spaced or not; jieba.posseg gives every word its part of speech.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from pathlib import Path

from qualcode.zh.normalize import fold, fold_term, normalize

TERMS_FILE = Path(__file__).resolve().parents[2] / "codebooks" / "terms-zh-tw.txt"
USER_WORD_FREQ = 200000  # high enough that jieba keeps domain words whole

_lock = threading.Lock()
_tokenizers: dict[frozenset[str], object] = {}


def domain_terms(path: Path = TERMS_FILE) -> list[str]:
    """Words of the domain dictionary: one per line, `#` comments and blank lines ignored."""
    if not path.exists():
        return []
    words = []
    for line in path.read_text(encoding="utf-8").splitlines():
        word = line.split("#", 1)[0].strip().split(" ")[0]
        if word:
            words.append(word)
    return words


def tokenizer(extra_words: Iterable[str] = ()):
    """A jieba Tokenizer knowing the domain terms and `extra_words` (e.g. codebook keywords)."""
    key = frozenset(extra_words)
    with _lock:
        if key not in _tokenizers:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            tk = jieba.Tokenizer()
            tk.initialize()
            for word in [*domain_terms(), *key]:
                folded = fold_term(str(word))
                if folded:
                    tk.add_word(folded, USER_WORD_FREQ, tag=USER_TAG)
            _tokenizers[key] = tk
        return _tokenizers[key]


USER_TAG = "nz"  # the part of speech of domain terms and keywords
_taggers: dict[frozenset[str], object] = {}


def tagger(extra_words: Iterable[str] = ()):
    """A jieba.posseg tokenizer over `tokenizer(extra_words)`."""
    key = frozenset(extra_words)
    base = tokenizer(key)
    with _lock:
        if key not in _taggers:
            import jieba.posseg

            _taggers[key] = jieba.posseg.POSTokenizer(base)
        return _taggers[key]


def tagged(text: str, extra_words: Iterable[str] = ()) -> list[tuple[int, int, str, str]]:
    """(start, end, word, part of speech) of each jieba word of `text` with whitespace ignored: `word` is the
    search form (no whitespace), start/end are code points of the original covering it (spaces inside included)."""
    folded = fold(text)
    out = []
    at = 0
    for pair in tagger(extra_words).cut(folded.text):
        word, flag = pair.word, pair.flag
        if word:
            start, end = folded.span(at, at + len(word))
            out.append((start, end, word, flag))
        at += len(word)
    return out


def tokenize(text: str, extra_words: Iterable[str] = ()) -> list[tuple[int, int]]:
    """(start, end) of each jieba word of `text`, in code points of the original text."""
    folded = normalize(text)
    return [(start, end) for _, start, end in tokenizer(extra_words).tokenize(folded)]
