"""Search normalisation: NFC, per-character OpenCC t2s, variant folding, width and case folding.

Every step maps one code point to one code point, so a normalised text has the same length as its
original and offsets carry over unchanged. Conversion is per character, never by phrase: phrase rules
make the conversion of a substring depend on its neighbours (乾 → 干 but 乾隆 → 乾隆), which would make
a search miss text that a plain substring scan finds.
"""

from __future__ import annotations

import threading
import unicodedata
from typing import Any

from qualcode.zh.variants import VARIANTS

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
