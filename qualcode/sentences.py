"""Sentences of a transcript: one splitter for the TUI's `s`, `code --sentence` and agreement.

A sentence ends after 。！？!? or at a line end; whitespace before a sentence is not part of it.
Offsets are code points into the stored text, end-exclusive.
"""

from __future__ import annotations

from collections.abc import Iterator

SENTENCE_END = frozenset("。！？!?")


def sentences(text: str, low: int = 0, high: int | None = None) -> list[tuple[int, int]]:
    """The (start, end) of every sentence of text[low:high], in order."""
    return list(_sentences(text, low, len(text) if high is None else high))


def _sentences(text: str, low: int, high: int) -> Iterator[tuple[int, int]]:
    at = low
    while at < high:
        while at < high and text[at].isspace():
            at += 1
        start = at
        while at < high and text[at] != "\n" and text[at] not in SENTENCE_END:
            at += 1
        if at < high and text[at] in SENTENCE_END:
            at += 1
        if at > start:
            yield start, at


def sentence_at(text: str, offset: int, low: int = 0, high: int | None = None) -> tuple[int, int] | None:
    """The sentence under a cursor at `offset` within text[low:high].

    The sentence holding the offset; at a line end, the sentence the line ends with; in the space after
    a sentence's closing mark, the next sentence. None when there is no such sentence.
    """
    high = len(text) if high is None else high
    # A sentence never crosses a line end, so scanning from the start of the cursor's line finds the same ones.
    line_start = max(low, text.rfind("\n", low, max(low, offset)) + 1)
    for start, end in _sentences(text, line_start, high):
        if start <= offset < end:
            return start, end
        if end == offset and text[end - 1] not in SENTENCE_END:
            return start, end
        if start >= offset:
            return start, end
    return None
