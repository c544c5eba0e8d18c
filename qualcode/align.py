"""Align two versions of a text and carry spans (codings) from the old one to the new one.

The alignment works top down, so a long transcript with scattered edits costs little: an LCS (rapidfuzz,
bit-parallel C++) of the lines (paragraphs: turns), then of the sentences inside a changed run of lines,
then of the characters inside a changed run of sentences. The result is the list of equal
runs (old start, new start, length), from which any old offset maps to the new text.

A span is then
- kept: its text is unchanged at the same offsets;
- moved: its text is unchanged, at other offsets (text was inserted or deleted before it);
- re-anchored: its text changed a little, or it is found whole elsewhere; it is placed on the most
  similar passage of the new text when the similarity reaches a threshold, and marked for review;
- orphaned: otherwise. It is never placed on other words.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

SIMILARITY = 0.8  # the least similarity (Indel: 1 - edits / total length) to re-anchor a changed span
CHARACTER_BLOCK = 4_000  # a changed run longer than this on both sides keeps only its common prefix and suffix
_SENTENCES = re.compile(r"[^。！？!?\n]*(?:[。！？!?]+|\n|$)")

KEPT, MOVED, REANCHORED, ORPHANED = "kept", "moved", "re-anchored", "orphaned"


@dataclass(frozen=True)
class Placement:
    status: str  # kept | moved | re-anchored | orphaned
    start: int  # in the new text (the old offsets when orphaned)
    end: int
    similarity: float = 1.0


class Alignment:
    """Equal runs between an old and a new text, and what becomes of a span of the old text."""

    def __init__(self, old: str, new: str):
        self.old, self.new = old, new
        runs = _align(old, new)
        self._old_starts = [a for a, _, _ in runs]
        self._runs = runs

    @property
    def runs(self) -> list[tuple[int, int, int]]:
        """(old start, new start, length) of every equal run, in order."""
        return self._runs

    def map_offset(self, offset: int) -> int | None:
        """Where the character at `offset` of the old text is in the new text; None if it was changed."""
        i = bisect_right(self._old_starts, offset) - 1
        if i >= 0:
            a, b, n = self._runs[i]
            if offset < a + n:
                return b + offset - a
        return None

    def map_start(self, offset: int) -> int:
        """A span's start carried to the new text: through the equal run it lies in, else to where the change
        it falls in begins in the new text."""
        i = bisect_right(self._old_starts, offset) - 1
        if i < 0:
            return 0
        a, b, n = self._runs[i]
        return b + offset - a if offset < a + n else b + n

    def map_end(self, offset: int) -> int:
        """A span's (exclusive) end carried to the new text: through the equal run it closes, else to where the
        change it falls in ends in the new text."""
        i = bisect_right(self._old_starts, offset - 1) - 1
        if i >= 0:
            a, b, n = self._runs[i]
            if offset <= a + n:
                return b + offset - a
        return self._runs[i + 1][1] if i + 1 < len(self._runs) else len(self.new)

    def place(self, start: int, end: int, *, threshold: float = SIMILARITY) -> Placement:
        """What becomes of the old span [start, end)."""
        text = self.old[start:end]
        first, last = self.map_offset(start), self.map_offset(end - 1)
        if (
            first is not None
            and last is not None
            and last - first == end - start - 1
            and self.new[first : last + 1] == text
        ):
            return Placement(KEPT if first == start else MOVED, first, last + 1)
        lo, hi = self.map_start(start), max(self.map_start(start), self.map_end(end))
        # The same words right where the span was carried (an edit only split its equal run): moved, not changed.
        left, right = max(0, lo - len(text)), min(len(self.new), hi + len(text))
        near = self.new.find(text, left, right)
        if near != -1 and self.new.find(text, near + 1, right) == -1:
            return Placement(KEPT if near == start else MOVED, near, near + len(text))
        # Words that occur once in each version are the same passage, wherever the alignment put them.
        once = _unique_occurrence(self.new, text, shortest=1)
        if once is not None and self.old.find(text) == self.old.rfind(text):
            return Placement(KEPT if once == start else MOVED, once, once + len(text))
        candidate = _best_window(text, self.new, lo, hi)
        if candidate is not None and candidate[2] >= threshold:
            return Placement(REANCHORED, candidate[0], candidate[1], candidate[2])
        elsewhere = _unique_occurrence(self.new, text)
        if elsewhere is not None:
            return Placement(REANCHORED, elsewhere, elsewhere + len(text), 1.0)
        return Placement(ORPHANED, start, end, candidate[2] if candidate else 0.0)


def similarity(a: str, b: str) -> float:
    from rapidfuzz.distance import Indel

    return float(Indel.normalized_similarity(a, b))


def _best_window(text: str, new: str, lo: int, hi: int) -> tuple[int, int, float] | None:
    """The passage of the new text most like `text`: the span's own carried bounds [lo, hi), or the best
    window rapidfuzz finds around them; trimmed of surrounding whitespace."""
    if not text.strip():
        return None
    from rapidfuzz import fuzz

    candidates = {(lo, hi)}
    margin = len(text)
    left, right = max(0, lo - margin), min(len(new), hi + margin)
    if right > left:
        found = fuzz.partial_ratio_alignment(text, new[left:right])
        if found is not None and found.dest_end > found.dest_start:
            s, e = left + found.dest_start, left + found.dest_end
            candidates |= {(s, e), (min(s, lo), max(e, hi)), (s, max(s + 1, hi)), (lo, max(lo + 1, e))}
    best: tuple[int, int, float] | None = None
    for s, e in candidates:
        s, e = max(0, min(s, len(new))), max(0, min(e, len(new)))
        while s < e and new[s].isspace():
            s += 1
        while e > s and new[e - 1].isspace():
            e -= 1
        if e > s:
            score = similarity(text, new[s:e])
            if best is None or score > best[2]:
                best = (s, e, score)
    return best


def _unique_occurrence(text: str, needle: str, shortest: int = 2) -> int | None:
    if len(needle.strip()) < shortest:
        return None
    first = text.find(needle)
    if first == -1 or text.find(needle, first + 1) != -1:
        return None
    return first


# -- the alignment itself --------------------------------------------------------------------------------


def _pieces(text: str, start: int, end: int, pattern: re.Pattern | None) -> list[tuple[int, int]]:
    """(start, end) of the lines (pattern None) or sentences of text[start:end], covering it exactly."""
    out = []
    if pattern is None:
        at = start
        while at < end:
            nl = text.find("\n", at, end)
            stop = end if nl == -1 else nl + 1
            out.append((at, stop))
            at = stop
        return out
    for match in pattern.finditer(text, start, end):
        if match.end() > match.start():
            out.append((match.start(), match.end()))
    return out


def _align(old: str, new: str) -> list[tuple[int, int, int]]:
    runs: list[tuple[int, int, int]] = []
    _align_pieces(old, new, 0, len(old), 0, len(new), 0, runs)
    return _merge(runs)


def _align_pieces(
    old: str, new: str, a0: int, a1: int, b0: int, b1: int, level: int, runs: list[tuple[int, int, int]]
) -> None:
    """Equal runs between old[a0:a1] and new[b0:b1]: by lines (level 0), sentences (1), characters (2)."""
    if a0 == a1 or b0 == b1:
        return
    if level == 2:
        _align_characters(old, new, a0, a1, b0, b1, runs)
        return
    from rapidfuzz.distance import Indel

    pattern = None if level == 0 else _SENTENCES
    pa, pb = _pieces(old, a0, a1, pattern), _pieces(new, b0, b1, pattern)
    # LCS of the pieces (rapidfuzz, bit-parallel): exact and fast even when pieces repeat, as blank lines and
    # short answers (答：對。) do; difflib's SequenceMatcher is quadratic on repeated elements.
    ops = Indel.opcodes([old[s:e] for s, e in pa], [new[s:e] for s, e in pb])
    changed: list[int] = []  # the piece ranges of the current run of changes: i1, i2, j1, j2
    for op in ops:
        if op.tag == "equal":
            _flush(old, new, pa, pb, changed, level, runs, a1, b1)
            for k in range(op.src_end - op.src_start):
                (s, e), (t, _) = pa[op.src_start + k], pb[op.dest_start + k]
                runs.append((s, t, e - s))
        elif changed:
            changed[1], changed[3] = op.src_end, op.dest_end
        else:
            changed[:] = [op.src_start, op.src_end, op.dest_start, op.dest_end]
    _flush(old, new, pa, pb, changed, level, runs, a1, b1)


def _flush(
    old: str,
    new: str,
    pa: list[tuple[int, int]],
    pb: list[tuple[int, int]],
    changed: list[int],
    level: int,
    runs: list[tuple[int, int, int]],
    a1: int,
    b1: int,
) -> None:
    """Align a run of changed pieces one level finer (deleted or inserted pieces alone hold no equal run)."""
    if not changed:
        return
    i1, i2, j1, j2 = changed
    changed.clear()
    if i2 > i1 and j2 > j1:
        _align_pieces(old, new, pa[i1][0], pa[i2 - 1][1], pb[j1][0], pb[j2 - 1][1], level + 1, runs)


def _align_characters(old: str, new: str, a0: int, a1: int, b0: int, b1: int, runs: list[tuple[int, int, int]]) -> None:
    """Characters: an LCS when the changed run is short; else only its common prefix and suffix."""
    if (a1 - a0) <= CHARACTER_BLOCK or (b1 - b0) <= CHARACTER_BLOCK:
        from rapidfuzz.distance import Indel

        for op in Indel.opcodes(old[a0:a1], new[b0:b1]):
            if op.tag == "equal":
                runs.append((a0 + op.src_start, b0 + op.dest_start, op.src_end - op.src_start))
        return
    prefix = 0
    while a0 + prefix < a1 and b0 + prefix < b1 and old[a0 + prefix] == new[b0 + prefix]:
        prefix += 1
    suffix = 0
    while a1 - suffix > a0 + prefix and b1 - suffix > b0 + prefix and old[a1 - suffix - 1] == new[b1 - suffix - 1]:
        suffix += 1
    runs.extend([(a0, b0, prefix), (a1 - suffix, b1 - suffix, suffix)])


def _merge(runs: Sequence[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Sorted, with runs that continue one another joined."""
    out: list[tuple[int, int, int]] = []
    for a, b, n in sorted(runs):
        if n <= 0:
            continue
        if out and out[-1][0] + out[-1][2] == a and out[-1][1] + out[-1][2] == b:
            pa, pb, pn = out[-1]
            out[-1] = (pa, pb, pn + n)
        else:
            out.append((a, b, n))
    return out
