"""jieba tokenization (word splitting) with offsets into the original text, loaded lazily and once.

Tokenization runs on the search form of the text (Traditional folded to Simplified, which jieba's
dictionary is written in); since that form has the same length as the original, the word offsets
are offsets into the original text too.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from pathlib import Path

from qualcode.zh.normalize import normalize

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
                folded = normalize(word)
                if folded.strip():
                    tk.add_word(folded, USER_WORD_FREQ)
            _tokenizers[key] = tk
        return _tokenizers[key]


def tokenize(text: str, extra_words: Iterable[str] = ()) -> list[tuple[int, int]]:
    """(start, end) of each jieba word of `text`, in code points of the original text."""
    folded = normalize(text)
    return [(start, end) for _, start, end in tokenizer(extra_words).tokenize(folded)]
