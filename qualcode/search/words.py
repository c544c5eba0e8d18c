"""Word frequencies from jieba tokens per case or per code, and each case's most distinctive words.

jieba finds the words (with the domain dictionary, whitespace ignored: zh/tokenize.py `tagged`) and tags
their part of speech (jieba.posseg); function words and fillers are left out by their tag (pronouns,
adverbs, conjunctions, prepositions, particles, numerals, measure words, time and place words, modal
particles, interjections, onomatopoeia, punctuation: DROPPED_TAGS) and by the Traditional Chinese stop list
`zh/stopwords-zh-tw.txt` (spoken fillers such as 東西, 一種, 樣子, 假設); spaCy's Chinese vocabulary
leaves out punctuation, numbers (2012, 一百, 兩三百萬) and its stop words. Words are counted by their search
form, so variants (規畫/規劃, 台/臺, Traditional/Simplified) are one word, shown as most often written.

Distinctiveness is Dunning's log-likelihood (G²) of a word's frequency in one case against all the
other cases (Rayson & Garside 2000), reported only for words the case uses more than the rest, with its
p-value (χ² with one degree of freedom).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from qualcode.zh.normalize import normalize

STOPWORDS_FILE = Path(__file__).resolve().parents[1] / "zh" / "stopwords-zh-tw.txt"


@dataclass(frozen=True)
class WordCount:
    word: str
    count: int
    group: str | None = None  # case or code id

    def to_json(self, key: str = "case") -> dict:
        data = {"word": self.word, "count": self.count}
        if self.group is not None:
            data[key] = self.group
        return data


@dataclass(frozen=True)
class Keyness:
    case: str
    word: str
    count: int  # in the case
    rest: int  # in the other cases
    log_likelihood: float

    @property
    def p_value(self) -> float:
        """The chance of a G² this large if the case used the word as often as the rest (χ², 1 df)."""
        return p_value(self.log_likelihood)

    def to_json(self) -> dict:
        return {
            "case": self.case,
            "word": self.word,
            "count": self.count,
            "rest": self.rest,
            "log_likelihood": round(self.log_likelihood, 3),
            "p_value": float(f"{self.p_value:.3g}"),
        }


def p_value(g2: float) -> float:
    """The upper tail of χ² with one degree of freedom at g2: erfc(√(g2/2))."""
    return math.erfc(math.sqrt(max(g2, 0.0) / 2))


# jieba's part-of-speech tags (ICTCLAS) of words that carry no content: r pronouns, d adverbs, c conjunctions,
# p prepositions, u particles, m numerals, q measure words, t time words, f direction words, y modal particles,
# e interjections, o onomatopoeia, x/w punctuation and unknown symbols, z status words (慢慢), b/s/k/h
# attributive, place-relative and affixes. A tag is dropped when its first letter is here (uj, ul, rz, mq …).
DROPPED_TAGS = frozenset("rdcpumqtfyeoxwzh")


def stopwords() -> set[str]:
    words = set()
    for line in STOPWORDS_FILE.read_text(encoding="utf-8").splitlines():
        word = line.split("#", 1)[0].strip()
        if word:
            words.add(normalize(word))
    return words


NUMERALS = set("0123456789零〇一二三四五六七八九十百千万亿两兩萬億壹贰貳叁參肆伍陆陸柒捌玖拾佰仟几幾多")


def _numeric(word: str) -> bool:
    """Amounts spaCy's like_num misses, such as 一百万 or 两三百万 (numerals with counting units)."""
    return all(ch in NUMERALS for ch in word) and any(ch not in "几幾多" for ch in word)


def vocabulary():
    """spaCy's Chinese vocabulary (lexical attributes only: no model is loaded or needed)."""
    import spacy

    return spacy.blank("zh").vocab


class _Tally:
    """Counts words by their search form, remembering the most common way each was written."""

    def __init__(self, min_length: int):
        self.stop = stopwords()
        self.min_length = min_length
        self.vocab = vocabulary()
        self.counts: dict[str, Counter] = defaultdict(Counter)
        self.forms: dict[str, Counter] = defaultdict(Counter)

    def add(self, group: str, text: str, extra_words) -> None:
        from spacy.tokens import Doc

        from qualcode.zh.tokenize import USER_TAG, tagged

        words = [w for w in tagged(text, extra_words) if w[3] == USER_TAG or w[3][:1] not in DROPPED_TAGS]
        if not words:
            return
        doc = Doc(self.vocab, words=[w[2] for w in words], spaces=[False] * len(words))
        for token, (start, end, _, _) in zip(doc, words, strict=True):
            key = token.text
            if (
                len(key) < self.min_length
                or token.is_punct
                or token.like_num
                or _numeric(key)
                or token.is_stop
                or key in self.stop
                or not any(ch.isalpha() for ch in key)
            ):
                continue
            self.counts[group][key] += 1
            self.forms[key][text[start:end]] += 1

    def form(self, key: str) -> str:
        return self.forms[key].most_common(1)[0][0]


def frequencies(
    units: Iterable[tuple[str, str]],
    extra_words: Iterable[str] = (),
    *,
    top: int = 20,
    min_length: int = 2,
    grouped: bool = True,
    min_count: int = 1,
) -> list[WordCount]:
    """The `top` words of each group of (group, text) units, or of all of them together; words seen fewer than
    `min_count` times are left out."""
    tally = _tally(units, extra_words, min_length)
    if not grouped:
        total: Counter = Counter()
        for counter in tally.counts.values():
            total.update(counter)
        return [WordCount(tally.form(k), n) for k, n in total.most_common(top) if n >= min_count]
    return [
        WordCount(tally.form(k), n, group)
        for group, counter in tally.counts.items()
        for k, n in counter.most_common(top)
        if n >= min_count
    ]


def _tally(units: Iterable[tuple[str, str]], extra_words: Iterable[str], min_length: int) -> _Tally:
    tally = _Tally(min_length)
    extra = list(extra_words)
    for group, text in units:
        tally.add(group, text, extra)
    return tally


def log_likelihood(a: int, b: int, c: int, d: int) -> float:
    """G² for a word seen a times in c tokens against b times in d tokens."""
    e1 = c * (a + b) / (c + d)
    e2 = d * (a + b) / (c + d)
    g2 = 0.0
    if a:
        g2 += a * math.log(a / e1)
    if b:
        g2 += b * math.log(b / e2)
    return 2 * g2


def keyness(
    units: Iterable[tuple[str, str]],
    extra_words: Iterable[str] = (),
    *,
    cases: Sequence[str] = (),
    top: int = 10,
    min_length: int = 2,
    min_count: int = 3,
) -> list[Keyness]:
    """Each case's most distinctive words against all the other cases; `units` are (case, text) of every case."""
    tally = _tally(units, extra_words, min_length)
    totals = {case: sum(counter.values()) for case, counter in tally.counts.items()}
    everything: Counter = Counter()
    for counter in tally.counts.values():
        everything.update(counter)
    grand = sum(totals.values())
    out = []
    for case, counter in tally.counts.items():
        if cases and case not in cases:
            continue
        c, d = totals[case], grand - totals[case]
        if not c or not d:
            continue
        scored = []
        for key, a in counter.items():
            if a < min_count:
                continue
            b = everything[key] - a
            if a / c <= b / d:
                continue
            scored.append(Keyness(case, tally.form(key), a, b, log_likelihood(a, b, c, d)))
        scored.sort(key=lambda k: (-k.log_likelihood, k.word))
        out.extend(scored[:top])
    return out
