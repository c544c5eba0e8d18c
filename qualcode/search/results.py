"""What a search returns: its result rows (turns or coded segments) and their total (search/engine.py and
search/plain.py build them alike)."""

from __future__ import annotations

from dataclasses import dataclass, field

from qualcode.search.query import Query

SNIPPET_RADIUS = 30  # characters of context either side of a result's first hit


@dataclass(frozen=True)
class SearchResult:
    case: str
    document: int
    turn: int
    speaker: str
    start: int  # first hit, code points into the document text
    end: int
    text: str  # the first hit as written in the document
    snippet: str
    snippet_hits: list[tuple[int, int]]  # hit ranges inside `snippet`
    hits: list[tuple[int, int]]  # every hit in the unit, document offsets
    codes: list[str]
    unit_start: int  # the turn (or coded segment) in document offsets
    unit_end: int
    coding: str | None = None
    matched: list[dict] = field(default_factory=list)  # concept terms: {"concept", "code", "keyword"} found

    def to_json(self) -> dict:
        return {
            "case": self.case,
            "document": self.document,
            "turn": self.turn,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "snippet": self.snippet,
            "codes": self.codes,
            "speaker": self.speaker,
            "hits": [list(h) for h in self.hits],
            "coding": self.coding,
            "matched": self.matched,
        }


@dataclass
class SearchResults:
    query: Query
    results: list[SearchResult]
    total: int
    notices: list[str] = field(default_factory=list)
    segments: bool = False  # the units are coded segments (a search restricted to codings), not turns


def snippet_window(hits: list[tuple[int, int]], turn_start: int, turn_end: int) -> tuple[int, int]:
    """The [start, end) of a result's snippet in its document: SNIPPET_RADIUS characters either side of its first
    hit (the turn's start when it has none), inside its turn."""
    start, end = hits[0] if hits else (turn_start, turn_start)
    return max(turn_start, start - SNIPPET_RADIUS), min(turn_end, end + SNIPPET_RADIUS)


def result_row(
    *,
    case: str,
    document: int,
    turn: int,
    speaker: str,
    hits: list[tuple[int, int]],
    turn_span: tuple[int, int],
    window: tuple[int, int],
    passage: str,
    codes: list[str],
    unit: tuple[int, int],
    coding: str | None = None,
    matched: list[dict] | None = None,
) -> SearchResult:
    """A result row: its hits (document offsets, sorted), the first one's text, and the snippet (`passage`, the
    document's text over `window`: snippet_window) with an ellipsis where it cuts its turn (`turn_span`)."""
    (turn_start, turn_end), (snippet_start, snippet_end) = turn_span, window
    start, end = hits[0] if hits else (turn_start, turn_start)
    prefix = "…" if snippet_start > turn_start else ""
    suffix = "…" if snippet_end < turn_end else ""
    shift = snippet_start - len(prefix)
    return SearchResult(
        case=case,
        document=document,
        turn=turn,
        speaker=speaker,
        start=start,
        end=end,
        text=passage[start - snippet_start : end - snippet_start],
        snippet=prefix + passage.replace("\n", " ") + suffix,
        snippet_hits=[
            (max(s, snippet_start) - shift, min(e, snippet_end) - shift)
            for s, e in hits
            if s < snippet_end and e > snippet_start
        ],
        hits=hits,
        codes=codes,
        unit_start=unit[0],
        unit_end=unit[1],
        coding=coding,
        matched=matched if matched is not None else [],
    )
