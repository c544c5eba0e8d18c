"""Keyword spotting: every codebook keyword in the transcripts, with the codes it belongs to and a weight.

A spaCy `PhraseMatcher` on `spacy.blank("zh")`, whose tokens are single characters, runs over the search form of
the text (zh/normalize.py: Traditional folded to Simplified, 台/臺 and the other variants, width, Latin case) with
whitespace taken out, and the keywords are folded the same way: 就業 e網 and 就業e網 are one keyword, and a
keyword is found wherever its characters stand, never lost to a jieba word that straddles it (jieba tokens lose
about a quarter of the hits). Matches map back to code points of the stored text, end-exclusive, covering the
spaced original.

For speed, the matcher does not see every character: a character that occurs in no keyword can never be part of
a match, so each run of such characters is handed to the matcher as one placeholder token (the match cannot
cross it). On the bundled transcripts that leaves about 60 % of the tokens.

Each keyword is weighted by how specific it is: its inverse document frequency over the project's turns,
idf = ln((1 + turns) / (1 + turns holding it)) + 1 (scikit-learn's smoothed form), so 中央 weighs less than
二備金. spaCy loads on first use only.
"""

from __future__ import annotations

import math
import threading
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from qualcode.services.codebook import CodebookService
from qualcode.services.documents import DocumentService
from qualcode.zh.normalize import fold_term, normalizer, whitespace_codepoints

_GAP = "\x00"  # the placeholder token for a run of characters no keyword holds


def fold_keyword(keyword: str) -> str:
    """A keyword's search form without whitespace: what the matcher looks for."""
    return fold_term(str(keyword))


@dataclass(frozen=True)
class Hit:
    start: int  # code points into the text, end-exclusive
    end: int
    keyword: str  # as the codebook writes it (the first code's spelling, when codes share a folded keyword)
    codes: tuple[str, ...]  # the codes that list this keyword, in codebook order

    def to_json(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "keyword": self.keyword, "codes": list(self.codes)}


class KeywordSpotter:
    """Finds a fixed set of keywords in texts; keywords are given as {keyword: codes} in codebook spelling."""

    def __init__(self, keywords: Mapping[str, Sequence[str]]):
        import spacy
        from spacy.matcher import PhraseMatcher

        self._nlp = spacy.blank("zh")  # the character segmenter: one token per character
        self._vocab = self._nlp.vocab
        self._matcher = PhraseMatcher(self._vocab)
        self.keywords: dict[str, str] = {}  # folded -> spelling
        self.codes: dict[str, tuple[str, ...]] = {}  # folded -> codes
        for keyword, codes in keywords.items():
            folded = fold_keyword(keyword)
            if not folded:
                continue
            self.keywords.setdefault(folded, str(keyword))
            self.codes[folded] = tuple(dict.fromkeys((*self.codes.get(folded, ()), *codes)))
        self._labels: dict[int, str] = {}
        for folded in self.keywords:
            key = self._vocab.strings.add(folded)
            self._labels[key] = folded
            self._matcher.add(folded, [self._doc(list(folded))])
        import numpy as np

        chars = sorted({ord(ch) for folded in self.keywords for ch in folded})
        self._wanted = np.zeros(0x110000, dtype=bool)
        self._wanted[chars] = True
        self._space = np.zeros(0x110000, dtype=bool)
        self._space[whitespace_codepoints()] = True  # the whitespace search ignores (zh/normalize.py)

    def _doc(self, words: list[str]):
        from spacy.tokens import Doc

        return Doc(self._vocab, words=words, spaces=[False] * len(words))

    def spot(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, folded keyword) of every keyword occurrence in text (overlapping ones too), in order."""
        import numpy as np

        if not self.keywords or not text:
            return []
        folded = normalizer().codepoints(text)
        wanted = self._wanted[folded]
        keep = ~self._space[folded]
        # Keep every keyword character, and the first of each run of other (non-space) characters as a gap.
        other = keep & ~wanted
        positions = np.flatnonzero(keep)
        if not positions.size:
            return []
        other_kept = other[positions]
        first_of_run = other_kept.copy()
        first_of_run[1:] &= ~other_kept[:-1]
        selected = wanted[positions] | first_of_run
        positions = positions[selected]
        codepoints = folded[positions].copy()
        codepoints[other[positions]] = ord(_GAP)
        words = list(codepoints.astype("<u4").tobytes().decode("utf-32-le"))
        out = []
        for match_id, s, e in self._matcher(self._doc(words)):
            out.append((int(positions[s]), int(positions[e - 1]) + 1, self._labels[match_id]))
        out.sort()
        return out


class KeywordService:
    """The codebook's keywords spotted in the project's documents, cached per document version and codebook."""

    def __init__(self, documents: DocumentService, codebook: CodebookService):
        self._documents = documents
        self._codebook = codebook
        self._lock = threading.Lock()
        self._spotter: tuple[tuple, KeywordSpotter] | None = None
        self._cache: dict[tuple, list[tuple[int, int, str]]] = {}
        self._idf: tuple[tuple, dict[str, float]] | None = None

    def keyword_codes(self) -> dict[str, tuple[str, ...]]:
        """Every keyword as the codebook writes it, with the codes that list it (codebook order)."""
        table: dict[str, list[str]] = {}
        for code in self._codebook.codes():
            for keyword in code.keywords:
                table.setdefault(str(keyword), []).append(code.id)
        return {k: tuple(v) for k, v in table.items()}

    def spotter(self) -> KeywordSpotter:
        """The matcher for the codebook as it is now (rebuilt when the keywords change)."""
        table = self.keyword_codes()
        key = tuple(sorted(table.items()))
        with self._lock:
            if self._spotter is None or self._spotter[0] != key:
                self._spotter = (key, KeywordSpotter(table))
                self._cache.clear()
                self._idf = None
            return self._spotter[1]

    def _spotted(self, document_id: int) -> list[tuple[int, int, str]]:
        spotter = self.spotter()
        document = self._documents.document(document_id)
        key = (document.id, document.version, len(self._documents.text(document.id)))
        if key not in self._cache:
            self._cache[key] = spotter.spot(self._documents.text(document.id))
        return self._cache[key]

    def hits(self, document_id: int, start: int = 0, end: int | None = None) -> list[Hit]:
        """The keyword occurrences of a document (or inside [start, end) of it), in text order."""
        spotter = self.spotter()
        found = []
        for s, e, folded in self._spotted(document_id):
            if s >= start and (end is None or e <= end):
                found.append(Hit(s, e, spotter.keywords[folded], spotter.codes[folded]))
        return found

    def spans(self, document_id: int) -> list[tuple[int, int, str, tuple[str, ...]]]:
        """(start, end, keyword, code ids) of every keyword in a document: what the TUI underlines."""
        return [(h.start, h.end, h.keyword, h.codes) for h in self.hits(document_id)]

    def idf(self) -> dict[str, float]:
        """Each keyword's weight (codebook spelling): ln((1 + turns) / (1 + turns holding it)) + 1."""
        spotter = self.spotter()
        key = tuple((d.id, d.version) for d in self._documents.documents())
        if self._idf is not None and self._idf[0] == key:
            return self._idf[1]
        turns = 0
        held: dict[str, int] = dict.fromkeys(spotter.keywords, 0)
        for document in self._documents.documents():
            bounds = [(t.start, t.end) for t in self._documents.turns(document.id)]
            turns += len(bounds)
            starts = [b[0] for b in bounds]
            seen: set[tuple[int, str]] = set()
            for s, e, folded in self._spotted(document.id):
                i = bisect_right(starts, s) - 1
                if i >= 0 and e <= bounds[i][1]:
                    seen.add((i, folded))
            for _, folded in seen:
                held[folded] += 1
        weights = {spotter.keywords[k]: math.log((1 + turns) / (1 + n)) + 1 for k, n in held.items()}
        self._idf = (key, weights)
        return weights

    def scores(self, hits: Iterable[Hit]) -> dict[str, tuple[float, list[str]]]:
        """Per code, the summed IDF of the distinct keywords of `hits` it lists, and those keywords."""
        weights = self.idf()
        out: dict[str, tuple[float, list[str]]] = {}
        seen: set[str] = set()
        for hit in hits:
            if hit.keyword in seen:
                continue
            seen.add(hit.keyword)
            for code in hit.codes:
                score, words = out.get(code, (0.0, []))
                out[code] = (score + weights.get(hit.keyword, 1.0), [*words, hit.keyword])
        return out
