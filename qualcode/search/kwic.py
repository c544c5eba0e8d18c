"""Keyword in context: every occurrence of a term with aligned left and right context."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qualcode.errors import BadInput
from qualcode.search.engine import Filters, SearchSource, coded_units, term_hits, turn_filter
from qualcode.search.index import SearchIndex
from qualcode.search.query import check_text
from qualcode.zh.normalize import fold_term

SORTS = ("position", "left", "right")


@dataclass(frozen=True)
class KwicLine:
    case: str
    document: int
    turn: int
    start: int
    end: int
    left: str
    match: str
    right: str

    def to_json(self) -> dict:
        return {
            "case": self.case,
            "document": self.document,
            "turn": self.turn,
            "start": self.start,
            "end": self.end,
            "left": self.left,
            "match": self.match,
            "right": self.right,
        }


def kwic(
    index: SearchIndex,
    source: SearchSource,
    term: str,
    filters: Filters = Filters(),
    *,
    width: int = 20,
    sort: str = "position",
    limit: int | None = None,
) -> list[KwicLine]:
    """Occurrences in document order, or sorted by the words to their left (read leftwards) or right.

    Matching is the search's (zh/normalize.py `fold`: whitespace inside the text is ignored, so a hit may
    span a line break or a space, shown as written). Context stays inside the hit's turn, with line
    breaks shown as spaces.
    """
    if sort not in SORTS:
        raise BadInput(f"unknown sort {sort!r} (use {', '.join(SORTS)})")
    if not term.strip():
        raise BadInput("empty term: give a word to look for")
    check_text(term, "term")
    turns = index.turns()
    hits = term_hits(index, turns, term.strip(), turn_filter(turns, filters))
    positions = hits.positions
    if filters.segments:
        units = coded_units(index, source, turns, filters)
        inside = np.zeros(positions.size, dtype=bool)
        for lo, hi in zip(units.start.tolist(), units.end.tolist(), strict=True):
            a = np.searchsorted(positions, lo, side="left")
            b = np.searchsorted(positions, hi - hits.length, side="right")
            inside[a:b] = True
        positions = positions[inside]
    rows, _ = turns.locate(positions, hits.length)
    starts, ends = turns.spans_to_document(rows, positions, positions + hits.length)
    turn_ends = (turns.start[rows] + turns.text_length_of(rows)).tolist() if positions.size else []
    lines = []
    for row, start, end, turn_end in zip(rows.tolist(), starts, ends, turn_ends, strict=True):
        document = int(turns.document_id[row])
        text = source.text(document)
        turn_start = int(turns.start[row])
        lines.append(
            KwicLine(
                case=turns.cases[int(turns.case[row])],
                document=document,
                turn=int(turns.number[row]),
                start=start,
                end=end,
                left=text[max(turn_start, start - width) : start].replace("\n", " "),
                match=text[start:end].replace("\n", " "),
                right=text[end : min(turn_end, end + width)].replace("\n", " "),
            )
        )
    if sort == "left":
        lines.sort(key=lambda line: fold_term(line.left)[::-1])
    elif sort == "right":
        lines.sort(key=lambda line: fold_term(line.right))
    return lines if limit is None else lines[:limit]
