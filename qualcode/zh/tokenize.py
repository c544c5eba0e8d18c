"""jieba tokenization (word splitting) with offsets into the original text, loaded lazily and once.

Tokenization runs on the search form of the text (Traditional folded to Simplified, which jieba's
dictionary is written in); since that form has the same length as the original, the word offsets
are offsets into the original text too.

`tagged` (for word statistics) also drops whitespace first, as search does (zh/normalize.py `fold`): the
transcripts came from a PDF and write 全國就業 e網 with a space, which is one word. The domain terms and
codebook keywords are added to jieba without whitespace and tagged `nz` (a proper noun), so they come out
whole wherever they occur, spaced or not; jieba.posseg gives every word its part of speech.

A short text (a search query split into words) does not need jieba's whole dictionary (~1 s to load, even from
jieba's own cache): jieba only ever looks up substrings of the text it splits, so `tokenize` gives such a text a
tokenizer holding just the dictionary entries that are its substrings, read from a copy of the dictionary kept
in the user's cache folder, its entries in buckets by first character so that only the text's buckets are read
(built once, from jieba's, on first use; keyed by jieba's version and dictionary file). Same words as the full tokenizer (tests/unit/test_tokenize_small.py); whenever the copy
cannot be built or read, the full tokenizer does the work, as before.
"""

from __future__ import annotations

import functools
import logging
import marshal
import os
import sys
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from qualcode.zh.normalize import fold, fold_term, normalize

TERMS_FILE = Path(__file__).resolve().parents[2] / "codebooks" / "terms-zh-tw.txt"
USER_WORD_FREQ = 200000  # high enough that jieba keeps domain words whole

_lock = threading.Lock()
_import_lock = threading.Lock()
_tokenizers: dict[frozenset[str], object] = {}


def _jieba() -> Any:
    """jieba, imported without pkg_resources: jieba/_compat.py imports it (~70 ms) only to open jieba's own files,
    which it opens by their path when it is missing."""
    if "jieba" in sys.modules:
        return sys.modules["jieba"]
    with _import_lock:
        blocked = "pkg_resources" not in sys.modules
        if blocked:
            sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # `import pkg_resources` fails
        try:
            import jieba
        finally:
            if blocked and sys.modules.get("pkg_resources", False) is None:
                del sys.modules["pkg_resources"]
    return jieba


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
            tk = tokenizer_without_terms()
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
    words = tuple(extra_words)
    small = _small_tokenizer(folded, words) if len(folded) <= SMALL_TEXT else None
    tk: Any = small if small is not None else tokenizer(words)
    return [(start, end) for _, start, end in tk.tokenize(folded)]


# -- a tokenizer for a short text, with only the dictionary entries it can use ----------------------------------
SMALL_TEXT = 200  # characters; a query is split with a small tokenizer up to this length
_BUCKETS = 4096  # of the dictionary's copy, by the code point of an entry's first character
_MAGIC = "qualcode jieba prefix dictionary 1"


def cache_dir() -> Path:
    """The user's cache folder for qualcode (platformdirs)."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("qualcode"))


def _dictionary_copy() -> Path | None:
    """The copy of jieba's prefix dictionary (built on first use), or None when it cannot be had."""
    jieba = _jieba()
    source = Path(jieba.__file__).resolve().parent / jieba.DEFAULT_DICT_NAME
    try:
        stat = source.stat()
        path = cache_dir() / f"jieba-{jieba.__version__}-{stat.st_size}-{stat.st_mtime_ns}.dict"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)  # before loading jieba's dictionary for nothing
            _build_copy(path, tokenizer_without_terms())
        return path
    except (OSError, ValueError):
        return None


def tokenizer_without_terms():
    """jieba's own tokenizer, its default dictionary alone (from jieba's cache)."""
    jieba = _jieba()
    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    tk.initialize()
    return tk


def _build_copy(path: Path, tk: Any) -> None:
    """Write the prefix dictionary of `tk` (every word and word prefix with its count) to `path`, whole or not at
    all (written beside it, then renamed): the length of a header, the header (a marker, jieba's total, the
    longest entry, where each bucket starts), then each bucket's entries as marshal data."""
    buckets: list[dict[str, int]] = [{} for _ in range(_BUCKETS)]
    for word, n in tk.FREQ.items():
        buckets[ord(word[0]) % _BUCKETS][word] = n
    blobs = [marshal.dumps(bucket) for bucket in buckets]
    offsets = [0]
    for blob in blobs:
        offsets.append(offsets[-1] + len(blob))
    header = marshal.dumps((_MAGIC, tk.total, max(map(len, tk.FREQ), default=1), offsets))
    temporary = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with temporary.open("wb") as f:
            f.write(len(header).to_bytes(8, "little"))
            f.write(header)
            f.writelines(blobs)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _read_copy(path: Path, text: str) -> tuple[dict[str, int], int]:
    """The entries of the copy at `path` that are substrings of `text` (reading only their buckets), and jieba's
    total."""
    with path.open("rb") as f:
        magic, total, longest, offsets = marshal.loads(f.read(int.from_bytes(f.read(8), "little")))
        if magic != _MAGIC:
            raise ValueError(f"{path}: not a copy of jieba's dictionary")
        base = f.tell()
        wanted = {text[i:j] for i in range(len(text)) for j in range(i + 1, min(len(text), i + longest) + 1)}
        freq: dict[str, int] = {}
        for bucket in sorted({ord(ch) % _BUCKETS for ch in text}):
            f.seek(base + offsets[bucket])
            entries = marshal.loads(f.read(offsets[bucket + 1] - offsets[bucket]))
            freq.update((word, entries[word]) for word in wanted if word in entries)
    return freq, total


@functools.cache
def _folded_terms() -> tuple[str, ...]:
    return tuple(folded for folded in (fold_term(word) for word in domain_terms()) if folded)


def _small_tokenizer(text: str, extra_words: tuple[str, ...]) -> Any:
    """A jieba Tokenizer that splits `text` as `tokenizer(extra_words)` does, holding only the dictionary entries
    that are substrings of `text` (jieba looks up nothing else); None when the dictionary copy is unavailable."""
    path = _dictionary_copy()
    if path is None:
        return None
    try:
        freq, total = _read_copy(path, text)
    except (OSError, ValueError, EOFError, TypeError, KeyError, IndexError):  # a damaged copy: the full tokenizer
        return None
    jieba = _jieba()
    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    tk.FREQ, tk.total, tk.initialized = freq, total, True
    for word in [*_folded_terms(), *(fold_term(str(word)) for word in frozenset(extra_words))]:
        if word:
            tk.add_word(word, USER_WORD_FREQ, tag=USER_TAG)
    return tk
