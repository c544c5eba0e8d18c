"""The model behind code suggestions: character n-gram TF-IDF, one profile per code, the nearest coded example.

Texts are compared in their search form (zh/normalize.py) without whitespace, punctuation standing between words,
as character 1–3-grams (scikit-learn's TfidfVectorizer, analyzer "char_wb", sublinear tf, L2-normalised rows).
Each code is represented by

- its examples: the coded passages it was given (one coder's or everyone's), and
- a seed: its name, its keywords and the Chinese terms of its definition, so a code nobody has used yet can
  still be suggested, and a code with few examples is not judged on them alone.

A unit's score for a code is
    0.5 · cosine(unit, centroid of the code's examples and seed)
  + 0.5 · cosine(unit, the code's nearest example or seed)
  + KEYWORD_WEIGHT · (1 − e^(−Σ idf / 5))        (Σ over the code's keywords found in the unit)
The centroid is a mean, so a code with 300 examples weighs the same as one with 3 (class balance: the commonest
code does not swallow the rest); the nearest example rewards a passage close to one the analyst already coded;
the keyword term is a minor signal (at most KEYWORD_WEIGHT = 0.1) from services/keywords.py.
Nothing here reads the project; services/suggest.py hands the model its texts.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from qualcode.zh.normalize import normalize

KEYWORD_WEIGHT = 0.1  # the keyword signal's largest contribution to a score
KEYWORD_SCALE = 5.0  # Σ idf at which the keyword signal reaches 1 − 1/e of KEYWORD_WEIGHT
CENTROID_WEIGHT = 0.5
NEAREST_WEIGHT = 0.5

_BETWEEN_WORDS = re.compile(r"[\W_]+")
_CITATION = re.compile(r"[\u3400-\u9fff]{2,4}(?:及[\u3400-\u9fff]{2,4})?\s*\d{4}")


def prepare(text: str) -> str:
    """The form the vectorizer reads: search form, whitespace removed, runs of punctuation one space."""
    folded = "".join(normalize(text).split())
    return _BETWEEN_WORDS.sub(" ", folded).strip()


def definition_terms(definition: str) -> list[str]:
    """The Chinese terms of a definition (runs of two or more CJK characters), without cited authors (陳昭靜 2005)."""
    text = _CITATION.sub(" ", definition)
    return re.findall(r"[\u3400-\u9fff\U00020000-\U0003134f]{2,}", text)


def seed_text(name: str, keywords: Sequence[Any], definition: str) -> str:
    """A code's seed document: its name, keywords and the Chinese terms of its definition, as separate words."""
    return " ".join([name, *(str(k) for k in keywords), *definition_terms(definition)])


@dataclass(frozen=True)
class Example:
    ref: str  # a coding id
    code: str
    text: str


@dataclass
class Ranked:
    code: str
    score: float
    keywords: list[str] = field(default_factory=list)
    example: Example | None = None  # the code's nearest coded example
    similarity: float = 0.0  # the unit's cosine with that example


class SuggestionModel:
    """Trained once on examples and seeds; ranks codes for any number of unit texts."""

    def __init__(self, codes: Sequence[str], seeds: Mapping[str, str], examples: Sequence[Example]):
        import numpy as np
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.codes = list(codes)
        self.examples = list(examples)
        index = {code: i for i, code in enumerate(self.codes)}
        self.examples = [e for e in self.examples if e.code in index]
        seed_docs = [prepare(seeds.get(code, "")) for code in self.codes]
        example_docs = [prepare(e.text) for e in self.examples]
        self.vectorizer = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, lowercase=False, dtype=np.float32
        )
        matrix = self.vectorizer.fit_transform(seed_docs + example_docs)
        self._seeds = matrix[: len(seed_docs)]
        self._examples = matrix[len(seed_docs) :].tocsr()
        # Centroid of each code: the mean of its seed and examples (each row L2-normalised), normalised again.
        from scipy import sparse

        rows = list(range(len(self.codes))) + [index[e.code] for e in self.examples]
        counts = np.bincount(rows, minlength=len(self.codes)).astype(np.float32)
        membership = sparse.csr_matrix(
            (1.0 / counts[rows], (rows, range(len(rows)))), shape=(len(self.codes), len(rows)), dtype=np.float32
        )
        centroids = membership @ matrix
        norms = np.sqrt(np.asarray(centroids.multiply(centroids).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        self._centroids = sparse.diags(1.0 / norms) @ centroids
        self._example_code = np.array([index[e.code] for e in self.examples], dtype=np.int64)
        self._seed_has_text = np.array([bool(d.strip()) for d in seed_docs])

    def rank(
        self,
        texts: Sequence[str],
        keyword_scores: Sequence[Mapping[str, tuple[float, list[str]]]] | None = None,
        top: int = 3,
    ) -> list[list[Ranked]]:
        """The `top` codes for each text, best first; codes with no signal at all are left out."""
        import numpy as np

        if not texts:
            return []
        units = self.vectorizer.transform([prepare(t) for t in texts])
        centroid = (units @ self._centroids.T).toarray()
        seed = (units @ self._seeds.T).toarray()
        nearest = seed.copy()
        best_example = np.full(nearest.shape, -1, dtype=np.int64)
        best_similarity = np.zeros(nearest.shape, dtype=np.float32)
        if self.examples:
            similarity = (units @ self._examples.T).toarray()
            for code in np.unique(self._example_code):
                columns = np.flatnonzero(self._example_code == code)
                block = similarity[:, columns]
                arg = block.argmax(axis=1)
                value = block[np.arange(len(texts)), arg]
                best_example[:, code] = columns[arg]
                best_similarity[:, code] = value
                nearest[:, code] = np.maximum(nearest[:, code], value)
        scores = CENTROID_WEIGHT * centroid + NEAREST_WEIGHT * nearest
        words: list[dict[int, list[str]]] = [{} for _ in texts]
        if keyword_scores is not None:
            index = {code: i for i, code in enumerate(self.codes)}
            for row, found in enumerate(keyword_scores):
                for code, (idf, matched) in found.items():
                    if code in index:
                        scores[row, index[code]] += KEYWORD_WEIGHT * (1 - math.exp(-idf / KEYWORD_SCALE))
                        words[row][index[code]] = matched
        out = []
        for row in range(len(texts)):
            order = np.argsort(-scores[row], kind="stable")[:top]
            ranked = []
            for column in order:
                score = float(scores[row, column])
                if score <= 0:
                    break
                example_at = int(best_example[row, column])
                example = self.examples[example_at] if example_at >= 0 else None
                ranked.append(
                    Ranked(
                        self.codes[column],
                        score,
                        words[row].get(int(column), []),
                        example,
                        float(best_similarity[row, column]) if example else 0.0,
                    )
                )
            out.append(ranked)
        return out
