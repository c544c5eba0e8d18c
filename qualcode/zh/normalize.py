"""The one folding of the project: what search, KWIC, `code --quote` and word statistics compare.

Two steps, used together everywhere through `fold` (a text, with a map back to its offsets) and
`fold_term` (a query term, a quote or a word):

1. `normalize`: NFC, then per code point full-width ASCII → ASCII, A–Z → a–z, OpenCC t2s (Traditional →
   Simplified) and the variant table (zh/variants.txt: 台/臺 via t2s, 着/著, 規畫/規劃 …). Every step maps
   one code point to one, so a normalised text has the same length as its original. Conversion is per
   character, never by phrase: phrase rules make the conversion of a substring depend on its neighbours
   (乾 → 干 but 乾隆 → 乾隆), which would make a search miss text that a plain substring scan finds.
2. Whitespace (`WHITESPACE`: spaces, tabs, line breaks, every character `str.isspace` accepts) is dropped:
   inside a turn it never separates words (PDF extraction writes 就業 e網 for 就業e網), one rule for all
   scripts. `Folded.span` maps a range of the folded text back to the original, spaces inside included.
"""

from __future__ import annotations

import hashlib
import threading
import unicodedata
from dataclasses import dataclass
from typing import Any

from qualcode.zh.variants import VARIANTS

# Every code point for which str.isspace() is true (a unit test checks the list against all of Unicode).
WHITESPACE = (
    "\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + ("\u2028\u2029\u202f\u205f\u3000")
)
_DROP_WHITESPACE = dict.fromkeys(map(ord, WHITESPACE))

_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}  # ！…～ → !…~
_FULLWIDTH[0x3000] = 0x20  # ideographic space


class Normalizer:
    """Maps text to its search form; builds its translation table lazily, one character at a time."""

    def __init__(self) -> None:
        self._table: dict[int, int] = {}
        self._seen: set[int] = set()
        self._converter: Any = None
        self._lock = threading.Lock()
        self._lut: Any = None  # numpy code point -> folded code point, filled as characters are met
        self._lut_seen: Any = None

    def _opencc(self):
        if self._converter is None:
            import opencc  # loaded on first use only: start-up stays fast

            self._converter = opencc.OpenCC("t2s")
        return self._converter

    def _fold_char(self, ch: str) -> str:
        cp = ord(ch)
        if cp in _FULLWIDTH:
            ch = chr(_FULLWIDTH[cp])
        if "A" <= ch <= "Z":
            return ch.lower()
        if cp < 0x2E80:  # below the CJK blocks nothing converts; skip OpenCC
            return ch
        converted = self._opencc().convert(ch)
        if len(converted) != 1:  # t2s must preserve length; keep the original if it ever would not
            converted = ch
        return VARIANTS.get(converted, converted)

    def _extend(self, text: str) -> None:
        new = set(map(ord, set(text))) - self._seen
        if self._lut_seen is not None:
            new = {cp for cp in new if not self._lut_seen[cp]}
        if not new:
            return
        with self._lock:
            for cp in new:
                folded = self._fold_char(chr(cp))
                if folded != chr(cp):
                    self._table[cp] = ord(folded)
                if self._lut is not None:
                    self._lut[cp] = ord(folded)
                    self._lut_seen[cp] = True
            self._seen.update(new)

    def codepoints(self, text: str):
        """The search form of `text` as a numpy array of code points (the index's input)."""
        import numpy as np

        raw = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        if raw.size:
            present: Any
            if raw.size < 65536:  # counting every code point costs more than sorting a short text
                present = np.unique(raw)
            else:
                present = np.flatnonzero(np.bincount(raw, minlength=0x110000))
            if self._lut is None:
                self._lut = np.arange(0x110000, dtype=np.uint32)
                self._lut_seen = np.zeros(0x110000, dtype=bool)
            new = present[~self._lut_seen[present]]
            if new.size:
                with self._lock:
                    for cp in new.tolist():
                        folded = ord(self._fold_char(chr(cp)))
                        self._lut[cp] = folded
                        if folded != cp:
                            self._table[cp] = folded
                    self._seen.update(new.tolist())
                    self._lut_seen[new] = True
        return self._lut[raw] if raw.size else raw

    def __call__(self, text: str) -> str:
        """The search form of `text`: same length, offsets unchanged."""
        text = unicodedata.normalize("NFC", text) if not unicodedata.is_normalized("NFC", text) else text
        self._extend(text)
        folded = text.translate(self._table)
        assert len(folded) == len(text)
        return folded


_default: Normalizer | None = None


def normalizer() -> Normalizer:
    global _default
    if _default is None:
        _default = Normalizer()
    return _default


def normalize(text: str) -> str:
    return normalizer()(text)


def whitespace_codepoints():
    """A numpy array of the code points of WHITESPACE (for the index's vectorised folding)."""
    import numpy as np

    return np.array(sorted(map(ord, WHITESPACE)), dtype=np.uint32)


def fold_signature() -> str:
    """Changes whenever the folding does (a new rule, or an edit of the variant table): the index is
    rebuilt when the signature it was built with differs."""
    table = "".join(f"{k}{v}" for k, v in sorted(VARIANTS.items()))
    return "2:whitespace:" + hashlib.sha1(table.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class Folded:
    """A text in its search form (normalised, whitespace dropped) and, for each of its characters, the
    offset of that character in the original text."""

    text: str
    offsets: list[int]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original [start, end) covered by folded characters [start, end): from the first to just
        after the last, whitespace between them included (end > start)."""
        return self.offsets[start], self.offsets[end - 1] + 1

    def find_all(self, needle: str, limit: int | None = None) -> list[int]:
        """Folded start positions of every (overlapping) occurrence of a folded needle."""
        found: list[int] = []
        if not needle:
            return found
        at = self.text.find(needle)
        while at != -1 and (limit is None or len(found) < limit):
            found.append(at)
            at = self.text.find(needle, at + 1)
        return found


def fold(text: str) -> Folded:
    """The search form of `text` with offsets back into it. `text` must be NFC (stored texts are) for
    the offsets to point into it; the folding every search, KWIC, quote and word count shares."""
    folded = normalize(text)
    offsets = [i for i, ch in enumerate(folded) if ch not in _WHITESPACE_SET]
    return Folded(folded.translate(_DROP_WHITESPACE), offsets)


def fold_term(term: str) -> str:
    """The search form of a query term, a quote or a word: normalised, whitespace dropped."""
    return normalize(term).translate(_DROP_WHITESPACE)


_WHITESPACE_SET = frozenset(WHITESPACE)
