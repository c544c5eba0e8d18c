"""A search that needs no numpy: one term (a word or a phrase), no filters, read from the index's tables.

A command-line search runs in a new process, and importing numpy alone took 2–7× as long as `rg` over the whole
corpus (benchmarks/search.py): the engine (engine.py) decodes and intersects posting lists as numpy arrays. For
the commonest query, one term without filters, this module answers from the same tables with the standard
library: the term's pair lists decoded (layout.py formats) with `array` and `itertools.accumulate`, intersected
as sets, the hits' turns found by binary search over the packed turn table's starts, and a page of results built
from those turns' own text. It returns exactly what the engine returns (tests/unit/test_search_plain.py), or
None wherever the engine must answer: another kind of query, an index to rebuild or holding removed documents,
a term found nowhere that the engine would split into words (jieba), or lists too long to decode without numpy.
"""

from __future__ import annotations

import sys
import unicodedata
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from itertools import accumulate
from typing import TYPE_CHECKING

from qualcode.search.layout import (
    FIXED_WIDTHS,
    FOLD_KEY,
    PACK_NAME,
    PATCHED,
    VARINT,
    gram_rows,
    pack_layout,
    pair_grams,
    pair_key,
    readable,
)
from qualcode.search.query import parse_query, splittable
from qualcode.search.results import SearchResult, SearchResults, result_row, snippet_window
from qualcode.zh.normalize import WHITESPACE, fold_term, normalizer

if TYPE_CHECKING:
    import sqlite3

    from qualcode.search.engine import SearchSource

# Positions decoded at most (all the term's lists together), and hits mapped to turns at most. Measured at 20 M
# characters: decoding costs ~0.25 µs a position here (numpy: ~0.01) and finding the turns ~0.9 µs a matching
# turn, against ~100 ms for importing numpy and the engine: within these bounds this path is the faster one.
MAX_POSITIONS = 150_000
MAX_HITS = 50_000
_ARRAY_CODES = {1: "B", 2: "H", 4: "I", 8: "q"}
_WHITESPACE = frozenset(WHITESPACE)


def find(conn: sqlite3.Connection, source: SearchSource, query_text: str, limit: int | None) -> SearchResults | None:
    """The engine's SearchResults for a one-term query without filters, or None where the engine must answer."""
    query = parse_query(query_text)
    if len(query.groups) != 1 or len(query.groups[0]) != 1 or query.excluded:
        return None
    term = query.groups[0][0]
    if term.concept or not _current(conn):
        return None
    table = _TurnTable.read(conn)
    if table is None or table.stale(conn):
        return None
    folded = fold_term(term.text)
    hits = _positions(conn, folded)
    if hits is None:
        return None
    if not hits:
        if not term.phrase and splittable(term.text):
            return None  # the engine searches for its words
        return SearchResults(query=query, results=[], total=0)
    if len(hits) > MAX_HITS:
        return None
    rows = table.rows_of(hits, len(folded))
    results = _results(source, table, rows if limit is None else rows[:limit], hits, len(folded))
    return None if results is None else SearchResults(query=query, results=results, total=len(rows))


def _current(conn: sqlite3.Connection) -> bool:
    """SearchIndex.is_current for an index with a packed turn table: built with this folding, in encodings this
    version reads (anything else, the engine's service rebuilds or packs first)."""
    if conn.execute("SELECT 1 FROM search_packed WHERE name = ?", (PACK_NAME,)).fetchone() is None:
        return False
    if conn.execute("SELECT 1 FROM search_batches LIMIT 1").fetchone() is None:
        return False
    row = conn.execute("SELECT value FROM project WHERE key = ?", (FOLD_KEY,)).fetchone()
    return row is not None and readable(row[0])


class _TurnTable:
    """The packed turn table's columns as arrays, and each document's case."""

    def __init__(self, columns: dict[str, array], speakers: list[str], cases: dict[int, str]):
        self.gpos, self.length = columns["gpos"], columns["length"]
        self.document_id, self.number = columns["document_id"], columns["number"]
        self.start, self.speaker = columns["start"], columns["speaker"]
        self.speakers, self.cases = speakers, cases

    @classmethod
    def read(cls, conn: sqlite3.Connection) -> _TurnTable | None:
        blob = conn.execute("SELECT data FROM search_packed WHERE name = ?", (PACK_NAME,)).fetchone()[0]
        try:
            layout, speakers = pack_layout(blob)
        except ValueError:
            return None
        columns = {}
        view = memoryview(blob)
        for name, dtype, count, at in layout:
            width = int(dtype[2:])
            values = array("q" if dtype[1] == "i" else _ARRAY_CODES[width])
            if values.itemsize != width or sys.byteorder != "little":  # the columns are little-endian: the engine
                return None  # reads them on a platform whose C types or byte order differ
            values.frombytes(view[at : at + count * width])
            columns[name] = values
        cases = dict(conn.execute("SELECT id, case_id FROM documents").fetchall())
        return cls(columns, speakers, cases)

    def stale(self, conn: sqlite3.Connection) -> bool:
        """SearchIndex.has_stale: postings of removed documents are still in the index."""
        indexed = conn.execute("SELECT coalesce(sum(characters), 0) FROM search_batches").fetchone()[0]
        return indexed != sum(self.length)

    def rows_of(self, hits: list[int], width: int) -> list[int]:
        """The rows of the turns holding the hits, in order: a binary search per turn, not per hit (every hit
        of an index without removed documents lies inside a live turn)."""
        rows: list[int] = []
        gpos, length = self.gpos, self.length
        i = 0
        while i < len(hits):
            row = bisect_right(gpos, hits[i]) - 1
            rows.append(row)
            i = bisect_left(hits, gpos[row] + length[row] - width + 1, i + 1)
        return rows


def _positions(conn: sqlite3.Connection, folded: str) -> list[int] | None:
    """SearchIndex.positions of a folded term, or None when the term or its lists need numpy."""
    if not folded or len(folded) > 256 or not unicodedata.is_normalized("NFC", folded):
        return None if folded else []
    cps = [ord(ch) for ch in normalizer()(folded)]
    if len(cps) == 1:
        grams, offsets = cps, [0]
    else:
        offsets = pair_grams(len(cps) - 1)
        grams = [pair_key(cps[o], cps[o + 1]) for o in offsets]
    bases = dict(conn.execute("SELECT id, first_gpos FROM search_batches").fetchall())
    lists = {
        gram: [(bases[batch], count, blob) for batch, count, blob in rows]
        for gram, rows in gram_rows(conn, bases, sorted(set(grams))).items()
    }
    counts = {gram: sum(r[1] for r in rows) for gram, rows in lists.items()}
    if sum(counts.values()) > MAX_POSITIONS:
        return None
    ordered = sorted((counts[gram], offset, gram) for offset, gram in zip(offsets, grams, strict=True))
    if ordered[0][0] == 0:
        return []
    decoded: dict[int, list[int]] = {}

    def positions(gram: int) -> list[int]:
        if gram not in decoded:
            decoded[gram] = [p for base, count, blob in lists[gram] for p in _decode(blob, base, count)]
        return decoded[gram]

    _, first, gram = ordered[0]
    hits = [p - first for p in positions(gram)]
    for _, offset, gram in ordered[1:]:
        if not hits:
            break
        present = set(positions(gram))
        hits = [h for h in hits if h + offset in present]
    return hits


def _decode(blob: bytes, base: int, count: int) -> list[int]:
    """The positions of one posting list (postings.py's encodings: layout.py)."""
    fmt = blob[0]
    deltas: Sequence[int]
    if fmt in FIXED_WIDTHS:
        deltas = array(_ARRAY_CODES[fmt])
        deltas.frombytes(blob[1 : 1 + count * fmt])
    elif fmt in PATCHED:
        width, exception_width = PATCHED[fmt]
        body = array(_ARRAY_CODES[width])
        body.frombytes(blob[5 : 5 + count * width])
        exceptions = array(_ARRAY_CODES[exception_width])
        exceptions.frombytes(blob[5 + count * width :])
        if exceptions:
            escape = (1 << (8 * width)) - 1
            deltas = array("q", body)
            at = -1
            for value in exceptions:
                at = body.index(escape, at + 1)
                deltas[at] = value
        else:
            deltas = body
    elif fmt == VARINT:
        deltas = _varints(blob)
    else:
        raise ValueError(f"unknown posting list format {fmt}")
    return list(accumulate(deltas, initial=base))[1:]


def _varints(blob: bytes) -> list[int]:
    values, value, shift = [], 0, 0
    for byte in blob[1:]:
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            values.append(value)
            value, shift = 0, 0
        else:
            shift += 7
    return values


def _results(
    source: SearchSource,
    table: _TurnTable,
    rows: list[int],
    hits: list[int],
    width: int,
) -> list[SearchResult] | None:
    """The result rows of these turns, as the engine builds them (engine._results for one term's turns): every
    hit in the turn, the first one's text and a snippet around it, the codes of the turn. None if a turn's text
    is not what was indexed (the engine's answer stands then)."""
    if not rows:
        return []
    texts = source.turn_texts([(table.document_id[row], table.number[row]) for row in rows])
    codes = source.codes_in_spans([(table.document_id[row], *texts[i][:2]) for i, row in enumerate(rows)])
    results = []
    for i, row in enumerate(rows):
        turn_start, turn_end, text = texts[i]
        kept = [k for k, ch in enumerate(text) if ch not in _WHITESPACE]  # offset of each folded character
        if len(kept) != table.length[row]:
            return None
        lo = table.gpos[row]
        found = hits[bisect_left(hits, lo) : bisect_right(hits, lo + table.length[row] - width)]
        spans_of = [(turn_start + kept[p - lo], turn_start + kept[p - lo + width - 1] + 1) for p in found]
        window = snippet_window(spans_of, turn_start, turn_end)
        results.append(
            result_row(
                case=table.cases[table.document_id[row]],
                document=table.document_id[row],
                turn=table.number[row],
                speaker=table.speakers[table.speaker[row]],
                hits=spans_of,
                turn_span=(turn_start, turn_end),
                window=window,
                passage=text[window[0] - turn_start : window[1] - turn_start],
                codes=codes[i],
                unit=(turn_start, turn_end),
            )
        )
    return results
