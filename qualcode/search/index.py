"""The search index: positions of every character and character pair of the folded turns.

Turns are indexed in their search form (zh/normalize.py `fold`): normalised, whitespace dropped, so
就業 e網 is indexed as 就业e网 and a query term 就業e網 finds it. Positions are positions in that folded
text; the whitespace taken out is kept per batch as the posting list of the reserved gram WS_GRAM (for
each removed character, the folded position of the character that followed it), which is all
`TurnTable` needs to map a folded position back to a document offset and a document offset to a
folded position.

A term of one character is looked up directly; a longer term intersects the positions of pairs that
cover it (shifted by their offset in the term), which finds every exact occurrence without reading
any text: recall equals a substring scan for every query length, unlike an FTS trigram index or
jieba tokens. Positions live in one global space (see store/schema.py) so a hit maps back to its
turn, and from there to a code-point offset in the original document text.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from qualcode.search import postings
from qualcode.search.layout import (
    BITMAP,
    DENSE,
    DENSE_SHARE,
    FOLD_KEY,
    KEY_SHIFT,
    PACK_COLUMNS,
    PACK_MAGIC,
    PACK_NAME,
    PAIR_SHIFT,
    POSTINGS_TAG,
    WS_GRAM,
    gram_rows,
    pack_layout,
    pair_grams,
    posting_key,
    readable,
)
from qualcode.store import Store
from qualcode.timeutil import now
from qualcode.zh.normalize import fold_signature, normalizer, whitespace_codepoints

SEPARATOR_GAP = 1
BLOCK_BITS = 5  # TurnTable.rows_of: a table of the row at every 32nd position (2.5 MB at 20 M characters)
ROWS_BY_TABLE = 1024  # positions looked up at once from which the table pays (it takes ~1 ms to build)
BATCH_CHARACTERS = 4_000_000  # bounds memory while indexing: about 40 bytes per character
MAX_BATCH = 1 << 20  # batch ids above need more than 63 bits: the index is rebuilt (renumbered) first
ENCODE_CHUNK = 1 << 18  # positions encoded at a time while indexing


class Mapped:
    """A column read through a lookup table only for the rows asked for (`lut[codes[rows]]`), so loading the
    turn table does not map every turn."""

    def __init__(self, lut: np.ndarray, codes: np.ndarray):
        self.lut, self.codes = lut, codes

    def __getitem__(self, rows):
        return self.lut[self.codes[rows]]

    def __len__(self) -> int:
        return len(self.codes)


@dataclass
class TurnTable:
    """Every indexed turn, in global position order, as parallel numpy arrays.

    The removed whitespace (`ws`, the WS_GRAM postings: of every indexed turn, removed ones included) is
    read on first use, and what is derived from it (`text_length`, `ws_keys`) is computed on first use, so
    a search that maps no positions back to document offsets does not pay for it."""

    gpos: np.ndarray
    length: np.ndarray
    document_id: np.ndarray
    number: np.ndarray
    start: np.ndarray  # offset of the turn in its document text
    case: Mapped  # index into `cases`, per row (turns.case[rows])
    speaker: Mapped  # index into `speakers`, per row
    cases: list[str]
    speakers: list[str]
    ws_source: Callable[[], np.ndarray] | None = None  # reads the removed whitespace (WS_GRAM)

    @cached_property
    def ws(self) -> np.ndarray:
        """Folded positions of the removed whitespace (sorted; some may lie in removed turns)."""
        return self.ws_source() if self.ws_source is not None else np.empty(0, dtype=np.int64)

    def _ws_from(self, rows: np.ndarray) -> np.ndarray:
        """Index in `ws` of the first removed character of each row's turn."""
        return np.searchsorted(self.ws, self.gpos[rows], side="left")

    def to_document(self, rows, positions) -> np.ndarray:
        """Document offsets of the characters at these folded positions, each inside its row's turn."""
        rows, positions = np.asarray(rows, dtype=np.int64), np.asarray(positions, dtype=np.int64)
        before = np.searchsorted(self.ws, positions, side="right") - self._ws_from(rows)
        return self.start[rows] + (positions - self.gpos[rows]) + before

    def spans_to_document(self, rows, starts, ends) -> tuple[list[int], list[int]]:
        """The document [start, end) of each folded [start, end) in its row: from its first character to just
        after its last, whitespace between them included."""
        if not len(starts):
            return [], []
        firsts = self.to_document(rows, starts)
        lasts = self.to_document(rows, np.asarray(ends, dtype=np.int64) - 1)
        return firsts.tolist(), (lasts + 1).tolist()

    @cached_property
    def ws_keys(self) -> np.ndarray:
        """(row << 32) | document offset of each removed character of a live turn, sorted."""
        ws = self.ws
        rows = np.searchsorted(self.gpos, ws, side="right") - 1
        rows_c = np.clip(rows, 0, max(self.gpos.size - 1, 0))
        if self.gpos.size:
            live = (rows >= 0) & (ws <= self.gpos[rows_c] + self.length[rows_c])
        else:
            live = np.zeros(ws.size, dtype=bool)
        index = np.flatnonzero(live)
        rows = rows_c[live]
        rank = index - self._ws_from(rows)
        doc = self.start[rows] + (ws[live] - self.gpos[rows]) + rank  # the document offset of each
        return (rows.astype(np.int64) << 32) | doc

    def from_document(self, rows, offsets) -> np.ndarray:
        """Folded positions of document offsets inside (or at the end of) their row's turn: an offset on
        removed whitespace goes to the next character kept."""
        rows, offsets = np.asarray(rows, dtype=np.int64), np.asarray(offsets, dtype=np.int64)
        keys = self.ws_keys
        before = np.searchsorted(keys, (rows << 32) | offsets, side="left") - np.searchsorted(
            keys, rows << 32, side="left"
        )
        return self.gpos[rows] + (offsets - self.start[rows]) - before

    def text_length_of(self, rows) -> np.ndarray:
        """Lengths of these rows' turns as written (whitespace included)."""
        rows = np.asarray(rows, dtype=np.int64)
        end = self.gpos[rows] + self.length[rows]
        return self.length[rows] + np.searchsorted(self.ws, end, side="right") - self._ws_from(rows)

    @cached_property
    def text_length(self) -> np.ndarray:
        return self.text_length_of(np.arange(self.gpos.size))

    @property
    def end_gpos(self) -> np.ndarray:
        return self.gpos + self.length.astype(np.int64)

    @cached_property
    def by_document(self) -> tuple[np.ndarray, np.ndarray]:
        """Rows ordered by (document, start), and their sort keys, to map document offsets to positions."""
        order = np.lexsort((self.start, self.document_id))
        return order, self.document_id[order].astype(np.int64) * (1 << 32) + self.start[order]

    def rows_of(self, positions: np.ndarray) -> np.ndarray:
        """The row of the turn at or before each global position (-1 before the first). Many positions are looked
        up in a table of the row at each block's start, then moved on past the turns that start later in their
        block (a few): 4-6x faster than a binary search each at 30,000-800,000 positions."""
        if positions.size < ROWS_BY_TABLE:
            return np.searchsorted(self.gpos, positions, side="right") - 1
        table, starts = self._block_rows
        rows = table[np.minimum(positions >> BLOCK_BITS, table.size - 1)].astype(np.int64)
        later = np.flatnonzero(starts[rows + 1] <= positions)  # a later turn starts before the position
        while later.size:
            rows[later] += 1
            later = later[starts[rows[later] + 1] <= positions[later]]
        return rows

    @cached_property
    def _block_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """The row of the turn at or before the start of every block of 2**BLOCK_BITS positions (-1 before the
        first), and the turn starts with a sentinel after them, so that the start of row r + 1 is at [r + 1]."""
        end = int(self.gpos[-1]) + int(self.length[-1]) + 1 if self.gpos.size else 1
        blocks = (end >> BLOCK_BITS) + 1
        # a turn starting inside block b is at or before the start of block b + 1 (and on b's start, of b)
        first_block = (self.gpos + (1 << BLOCK_BITS) - 1) >> BLOCK_BITS
        table = (np.cumsum(np.bincount(first_block, minlength=blocks + 1)[:blocks]) - 1).astype(np.int32)
        return table, np.append(self.gpos, np.iinfo(np.int64).max)

    def locate(self, positions: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
        """For global hit positions of a term `width` long: (turn row, valid mask)."""
        rows = self.rows_of(positions)
        valid = rows >= 0
        rows = np.where(valid, rows, 0)
        if self.gpos.size:
            valid &= positions + width <= self.gpos[rows] + self.length[rows]
        return rows, valid


# The packed turn table (layout.py): reading it is one blob and a few np.frombuffer calls, milliseconds at
# hundreds of thousands of turns.


def _narrow(values: np.ndarray) -> np.dtype:
    top = int(values.max()) if values.size else 0
    low = int(values.min()) if values.size else 0
    if low < 0:
        return np.dtype("<i8")
    for code in ("<u1", "<u2", "<u4"):
        if top <= np.iinfo(np.dtype(code)).max:
            return np.dtype(code)
    return np.dtype("<i8")


def pack_turns(columns: dict[str, np.ndarray], speakers: list[str]) -> bytes:
    """One blob of the turn table's columns (PACK_COLUMNS, equal lengths) and its speaker names."""
    parts, layout = [], []
    for name in PACK_COLUMNS:
        values = np.asarray(columns[name], dtype=np.int64)
        dtype = _narrow(values)
        data = values.astype(dtype).tobytes()
        parts.append(data + b"\0" * (-len(data) % 8))
        layout.append([name, dtype.str, int(values.size)])
    header = json.dumps({"columns": layout, "speakers": speakers}, ensure_ascii=False).encode()
    header += b" " * (-(len(header) + 12) % 8)
    return PACK_MAGIC + len(header).to_bytes(4, "little") + header + b"".join(parts)


def unpack_turns(blob: bytes) -> tuple[dict[str, np.ndarray], list[str]]:
    """The columns (read-only views of the blob, each in its stored width) and speaker names of a pack_turns
    blob. Converting them all to 64 bits took longer than reading the blob."""
    layout, speakers = pack_layout(blob)
    columns = {
        name: np.frombuffer(blob, dtype=np.dtype(dtype), count=count, offset=at) for name, dtype, count, at in layout
    }
    return columns, speakers


_WHITESPACE_LUT: np.ndarray | None = None


def _whitespace_lut() -> np.ndarray:
    """A boolean per code point: whether folding drops it."""
    global _WHITESPACE_LUT
    if _WHITESPACE_LUT is None:
        lut = np.zeros(0x110000, dtype=bool)
        lut[whitespace_codepoints()] = True
        _WHITESPACE_LUT = lut
    return _WHITESPACE_LUT


def term_codepoints(term: str) -> np.ndarray:
    """normalizer().codepoints of a query term. A short NFC one (any query) is folded as a string: the same
    code points, without sorting them through np.unique, which imports numpy.ma (~8 ms of a CLI search)."""
    if len(term) <= 256 and unicodedata.is_normalized("NFC", term):
        return np.array([ord(ch) for ch in normalizer()(term)], dtype=np.int64)
    return normalizer().codepoints(term)


def _dense_bitmaps(
    batch: int, grams: np.ndarray, starts: np.ndarray, ends: np.ndarray, where: np.ndarray, turn_starts: np.ndarray
) -> list[tuple[int, int, bytes]]:
    """The (key, count, blob) rows of the bitmaps of the grams (sorted, their positions where[starts:ends]) that
    occur at least DENSE_SHARE times as often as the batch has turns (layout.py DENSE)."""
    turns = turn_starts.size
    header = bytes([BITMAP]) + turns.to_bytes(4, "little")
    rows = []
    for at in np.flatnonzero(ends - starts >= max(DENSE_SHARE * turns, 1)).tolist():
        held = np.zeros(turns, dtype=bool)
        held[np.searchsorted(turn_starts, where[starts[at] : ends[at]], side="right") - 1] = True
        bits = np.packbits(held, bitorder="little")
        rows.append((posting_key(batch, int(grams[at]) | DENSE), int(np.count_nonzero(held)), header + bits.tobytes()))
    return rows


def gram_keys(codepoints: np.ndarray) -> np.ndarray:
    """Keys of the pairs (c[i], c[i+1]) of a code point array."""
    return (codepoints[:-1].astype(np.int64) << PAIR_SHIFT) | codepoints[1:].astype(np.int64)


def sorted_grams(cps: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The single characters, then the pairs, of a folded batch (code point 0 separates turns and is never
    part of one) as (gram keys, positions from 0) sorted by key, then position.

    Each code point is replaced by its rank among the batch's distinct code points (a few thousand), so
    the sorts are numpy's radix sorts of 16-bit ranks (a stable sort of the ranks of the second character,
    then of the first) instead of a comparison sort of 64-bit keys: about 5x faster, and no 64-bit key
    array of every pair is kept beside the order."""
    present = np.zeros(0x110000, dtype=bool)
    present[cps] = True
    present[0] = False
    distinct = np.flatnonzero(present)
    del present
    if distinct.size > 0xFFFF:  # not a transcript: sort 64-bit keys
        yield from _sorted_grams_wide(cps)
        return
    lut = np.zeros(0x110000, dtype=np.uint16)
    lut[distinct] = np.arange(distinct.size, dtype=np.uint16)
    rank = lut[cps]
    del lut
    # positions in 32 bits where they fit (a batch of a few million characters): half the memory
    width = np.int32 if cps.size < 1 << 31 else np.int64
    where = np.flatnonzero(cps != 0).astype(width)
    where = where[np.argsort(rank[where], kind="stable")]
    yield distinct[rank[where]], where
    del where
    where = np.flatnonzero((cps[:-1] != 0) & (cps[1:] != 0)).astype(width)
    where = where[np.argsort(rank[1:][where], kind="stable")]
    where = where[np.argsort(rank[where], kind="stable")]
    yield (distinct[rank[where]] << PAIR_SHIFT) | distinct[rank[1:][where]], where


def _sorted_grams_wide(cps: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    where = np.flatnonzero(cps != 0)
    keys = cps[where].astype(np.int64)
    order = np.argsort(keys, kind="stable")
    yield keys[order], where[order]
    where = np.flatnonzero((cps[:-1] != 0) & (cps[1:] != 0))
    keys = (cps[where].astype(np.int64) << PAIR_SHIFT) | cps[where + 1].astype(np.int64)
    order = np.argsort(keys, kind="stable")
    yield keys[order], where[order]


class SearchIndex:
    """Builds and reads the index tables of one project."""

    def __init__(self, store: Store):
        self.store = store
        self._turns: TurnTable | None = None
        self._turns_key: tuple | None = None
        self._current_key: tuple | None = None
        self._stale_key: tuple | None = None
        self.coded_units: dict = {}  # engine.coded_units' last result, keyed by filters and version()
        self._stale = False
        self._batch_span: dict[int, tuple[int, int]] = {}
        self._decoded: dict[int, np.ndarray] | None = None  # within one_query(): positions by gram
        self._batches_key: tuple | None = None

    # -- building --------------------------------------------------------------------------------
    def next_gpos(self) -> int:
        batch = self.store.conn.execute("SELECT max(end_gpos) FROM search_batches").fetchone()
        return (batch[0] or 0) + SEPARATOR_GAP

    def remove_documents(self, document_ids: list[int]) -> None:
        if not document_ids:
            return
        columns, speakers = self._columns()
        keep = ~np.isin(columns["document_id"], np.asarray(document_ids, dtype=np.int64))
        self._write_pack({name: values[keep] for name, values in columns.items()}, speakers)
        self._turns = None

    def add_documents(self, document_ids: list[int]) -> int:
        """Index these documents' turns in import batches of at most BATCH_CHARACTERS; returns characters indexed."""
        if not document_ids:
            return 0
        last = self.store.conn.execute("SELECT max(id) FROM search_batches").fetchone()[0] or 0
        if last + len(document_ids) >= MAX_BATCH:
            return self.rebuild()
        sizes = dict(
            self.store.conn.execute(
                f"SELECT id, length(text) FROM documents WHERE id IN ({','.join('?' * len(document_ids))})",
                document_ids,
            ).fetchall()
        )
        columns, speakers = self._columns()
        pieces = {name: [values] for name, values in columns.items()}
        total, batch_size = 0, 0
        batch: list[int] = []
        for document_id in document_ids:
            size = sizes.get(document_id, 0)
            if batch and batch_size + size > BATCH_CHARACTERS:  # only a document alone may be larger
                total += self._add_batch(batch, pieces, speakers)
                batch, batch_size = [], 0
            batch.append(document_id)
            batch_size += size
        if batch:
            total += self._add_batch(batch, pieces, speakers)
        self._write_pack({name: np.concatenate(parts) for name, parts in pieces.items()}, speakers)
        return total

    def _add_batch(self, document_ids: list[int], table: dict[str, list[np.ndarray]], speakers: list[str]) -> int:
        conn = self.store.conn
        base = self.next_gpos()
        pieces: list[str] = []
        rows = []
        marks = ",".join("?" * len(document_ids))
        texts = dict(conn.execute(f"SELECT id, text FROM documents WHERE id IN ({marks})", document_ids).fetchall())
        cursor = conn.execute(
            f'SELECT document_id, number, start, "end", speaker FROM turns WHERE document_id IN ({marks}) '
            f"ORDER BY document_id, number",
            document_ids,
        )
        spans = []
        for document_id, number, start, end, speaker in cursor:
            spans.append((document_id, number, start, end, speaker))
            pieces.append(texts[document_id][start:end])
        # One string for the whole batch: turn texts separated by NUL, which no turn contains after import.
        joined = "\0".join(pieces)
        cps = normalizer().codepoints(joined)
        white = self.dropped(cps)
        kept_before = np.concatenate([[0], np.cumsum(~white, dtype=np.int64)])  # kept characters before each
        lengths = np.array([len(p) for p in pieces], dtype=np.int64)
        piece_start = np.cumsum(lengths + 1) - (lengths + 1)  # offsets of the turns in `joined`
        folded_start = kept_before[piece_start]
        folded_length = kept_before[piece_start + lengths] - folded_start
        for (document_id, number, start, _end, speaker), at, length in zip(
            spans, folded_start.tolist(), folded_length.tolist(), strict=True
        ):
            rows.append((base + at, document_id, number, start, length, speaker))
        if rows:
            speaker_code = {name: i for i, name in enumerate(speakers)}
            for row in rows:
                if row[5] not in speaker_code:
                    speaker_code[row[5]] = len(speakers)
                    speakers.append(row[5])
            data = np.array([row[:5] for row in rows], dtype=np.int64)
            for i, name in enumerate(("gpos", "document_id", "number", "start", "length")):
                table[name].append(data[:, i])
            table["speaker"].append(np.array([speaker_code[row[5]] for row in rows], dtype=np.int64))
        folded = cps[~white]
        whitespace = base + kept_before[np.flatnonzero(white)]
        characters = int(folded.size) - max(len(pieces) - 1, 0)  # the NUL separators are not characters
        del texts, pieces, joined, cps, white, kept_before  # the batch's text, before its postings are built
        self._set_signature()  # (also marks an older index this batch joins as holding the newer encodings)
        batch = conn.execute(
            "INSERT INTO search_batches (first_gpos, end_gpos, characters, created_at) VALUES (?, ?, ?, ?)",
            (base, base + int(folded.size), characters, now()),
        ).lastrowid
        assert batch is not None
        self._write_postings(batch, base, folded, whitespace, folded_start)
        self._turns = None
        return characters

    def _set_signature(self) -> None:
        self.store.conn.execute(
            "INSERT INTO project (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (FOLD_KEY, self.signature() + POSTINGS_TAG),
        )

    def signature(self) -> str:
        """The folding this index is built with (zh/normalize.py `fold_signature`)."""
        return fold_signature()

    def dropped(self, cps: np.ndarray) -> np.ndarray:
        """Which code points of a folded text the index leaves out: whitespace (zh/normalize.py `fold`).
        (The search benchmark overrides it to time an index that keeps whitespace, as before.)"""
        return _whitespace_lut()[cps] if cps.size else np.zeros(0, dtype=bool)

    def _write_postings(
        self, batch: int, base: int, cps: np.ndarray, whitespace: np.ndarray, turn_starts: np.ndarray
    ) -> None:
        """The batch's posting lists (and the dense grams' turn bitmaps): `turn_starts`, its turns' first
        positions from 0."""
        if whitespace.size:
            [blob] = postings.encode_groups(whitespace, np.array([0]), np.array([whitespace.size]), base)
            self.store.conn.execute(
                "INSERT INTO search_postings (key, count, positions) VALUES (?, ?, ?)",
                (posting_key(batch, WS_GRAM), int(whitespace.size), blob),
            )
        if cps.size == 0:
            return
        bitmaps: list[tuple[int, int, bytes]] = []
        for keys, where in sorted_grams(cps):
            if not keys.size:
                continue
            bounds = np.flatnonzero(keys[1:] != keys[:-1]) + 1
            starts = np.concatenate([[0], bounds])
            ends = np.concatenate([bounds, [keys.size]])
            first_keys = ((batch << KEY_SHIFT) | (keys[starts] + 1)).tolist()
            bitmaps += _dense_bitmaps(batch, keys[starts], starts, ends, where, turn_starts)
            del keys, bounds
            # encoded ENCODE_CHUNK positions' lists at a time, so the encoder's temporaries stay small
            chunk_of = ends // ENCODE_CHUNK
            cuts = np.flatnonzero(np.diff(chunk_of)) + 1
            for lo, hi in zip([0, *cuts.tolist()], [*cuts.tolist(), starts.size], strict=True):
                first = int(starts[lo])
                blobs = postings.encode_groups(
                    where[first : ends[hi - 1]], starts[lo:hi] - first, ends[lo:hi] - first, 0
                )
                self.store.conn.executemany(
                    "INSERT INTO search_postings (key, count, positions) VALUES (?, ?, ?)",
                    zip(first_keys[lo:hi], (ends[lo:hi] - starts[lo:hi]).tolist(), blobs, strict=True),
                )
            del where
        # after every list: their keys (DENSE set) come after the batch's other keys, so the rows are still
        # appended in key order and the table's pages fill up (inserted between, they split pages: +11 MB)
        self.store.conn.executemany(
            "INSERT INTO search_postings (key, count, positions) VALUES (?, ?, ?)", sorted(bitmaps)
        )

    def gram_lists(self, gram: int) -> tuple[int, int]:
        """How many positions a gram has in all, and in how many batches (the lists' stored counts: no list is
        read)."""
        keys = [posting_key(batch, gram) for batch in self._batch_spans()]
        if not keys:
            return 0, 0
        query = (
            f"SELECT coalesce(sum(count), 0), count(*) FROM search_postings WHERE key IN ({','.join('?' * len(keys))})"
        )
        count, lists = self.store.conn.execute(query, keys).fetchone()
        return count, lists

    def turn_mask(self, gram: int, lists: int) -> np.ndarray | None:
        """Whether each live turn (by row) holds a gram with `lists` lists (gram_lists), read from its bitmaps
        (layout.py DENSE), or None where they cannot say: a batch where the gram is not dense, or removed
        documents still in the index."""
        spans = self._batch_spans()
        if not spans or self.has_stale():
            return None
        bitmaps = gram_rows(self.store.conn, spans, [gram | DENSE])[gram | DENSE]
        if not bitmaps or len(bitmaps) != lists:
            return None
        gpos = self.turns().gpos
        held = np.zeros(gpos.size, dtype=bool)
        for batch, _, blob in bitmaps:
            first, end = np.searchsorted(gpos, spans[batch]).tolist()  # the batch's rows
            count = int.from_bytes(blob[1:5], "little")
            if blob[0] != BITMAP or count != end - first:
                return None
            bits = np.frombuffer(blob, dtype=np.uint8, offset=5)
            held[first:end] = np.unpackbits(bits, count=count, bitorder="little").view(bool)
        return held

    def gram_positions_between(self, gram: int, lo: int, hi: int) -> np.ndarray:
        """A gram's positions in the batches overlapping [lo, hi] (all the positions there are in that range)."""
        batches = [batch for batch, (first, end) in self._batch_spans().items() if first <= hi and end >= lo]
        return self._decode(gram_rows(self.store.conn, batches, [gram])[gram])

    def rebuild(self) -> int:
        """Drop and rebuild the whole index, in import batches (also compacts removed documents away)."""
        conn = self.store.conn
        with self.store.transaction():
            conn.execute("DELETE FROM search_postings")
            conn.execute("DELETE FROM search_batches")
            conn.execute("DELETE FROM search_turns")
            conn.execute("DELETE FROM search_packed")
            ids = [r[0] for r in conn.execute("SELECT id FROM documents ORDER BY id")]
            self._set_signature()
            characters = self.add_documents(ids)
        self._turns = None
        return characters

    def has_stale(self) -> bool:
        """Whether postings of removed documents are still in the index (until the next reindex)."""
        key = self.version()
        if self._stale_key != key:
            conn = self.store.conn
            indexed = conn.execute("SELECT coalesce(sum(characters), 0) FROM search_batches").fetchone()[0]
            live = int(self.turns().length.sum())
            self._stale, self._stale_key = indexed != live, key
        return self._stale

    def is_current(self) -> bool:
        """Whether every document's turns are indexed (false for projects made before the index existed)
        with this folding. With a packed turn table it is: the index writes it with every change."""
        key = self.version()
        if self._current_key == key:
            return True
        conn = self.store.conn
        if self._has_pack():
            current = True
        else:
            indexed = conn.execute("SELECT count(*) FROM search_turns").fetchone()[0]
            turns = conn.execute("SELECT count(*) FROM turns").fetchone()[0]
            current = indexed == turns
        if current and conn.execute("SELECT 1 FROM search_batches LIMIT 1").fetchone():
            # built with another folding (before whitespace was dropped, or another variant table)
            row = conn.execute("SELECT value FROM project WHERE key = ?", (FOLD_KEY,)).fetchone()
            current = row is not None and readable(row[0])
        if current:
            self._current_key = key
        return current

    def _has_pack(self) -> bool:
        row = self.store.conn.execute("SELECT 1 FROM search_packed WHERE name = ?", (PACK_NAME,)).fetchone()
        return row is not None

    def ensure_packed(self) -> None:
        """Pack the turn table of an index that has none (one built before it was packed)."""
        if not self.store.read_only and not self._has_pack():
            with self.store.transaction():
                self._write_pack(*self._columns())
            self._turns = None

    def _write_pack(self, columns: dict[str, np.ndarray], speakers: list[str]) -> None:
        """The pack is the turn table (schema 10): rows an older version left in search_turns go."""
        self.store.conn.execute("DELETE FROM search_turns")
        self.store.conn.execute(
            "INSERT INTO search_packed (name, data) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET data = excluded.data",
            (PACK_NAME, pack_turns(columns, speakers)),
        )

    def _columns(self) -> tuple[dict[str, np.ndarray], list[str]]:
        """The turn table's own columns (PACK_COLUMNS) and speaker names: from the pack, else from the rows."""
        row = self.store.conn.execute("SELECT data FROM search_packed WHERE name = ?", (PACK_NAME,)).fetchone()
        if row is not None:
            return unpack_turns(row[0])
        cursor = self.store.conn.cursor()
        cursor.row_factory = None  # plain tuples: a large project has hundreds of thousands of turns
        rows = cursor.execute(
            "SELECT gpos, length, document_id, number, start, speaker FROM search_turns ORDER BY gpos"
        ).fetchall()
        speakers = sorted({row[5] for row in rows})
        speaker_code = {name: i for i, name in enumerate(speakers)}
        data = np.array([row[:5] for row in rows], dtype=np.int64).reshape(-1, 5)
        columns = {name: np.ascontiguousarray(data[:, i]) for i, name in enumerate(PACK_COLUMNS[:5])}
        columns["speaker"] = np.fromiter((speaker_code[row[5]] for row in rows), dtype=np.int64, count=len(rows))
        return columns, speakers

    # -- reading ---------------------------------------------------------------------------------
    def turns(self) -> TurnTable:
        key = self.version()
        if self._turns is None or self._turns_key != key:
            columns, speakers = self._columns()
            case_of = dict(self.store.conn.execute("SELECT id, case_id FROM documents").fetchall())
            cases = sorted(set(case_of.values()))
            case_index = {case_id: i for i, case_id in enumerate(cases)}
            by_document = np.zeros(max(case_of, default=0) + 1, dtype=np.int64)
            for document_id, case_id in case_of.items():
                by_document[document_id] = case_index[case_id]
            # speakers in name order, as filters and messages list them
            order = sorted(range(len(speakers)), key=speakers.__getitem__)
            recode = np.empty(len(speakers), dtype=np.int64)
            recode[order] = np.arange(len(speakers))
            # gpos and start in 64 bits (binary searches and offsets); the rest stay as stored
            gpos, start = columns["gpos"].astype(np.int64), columns["start"].astype(np.int64)
            self._turns = TurnTable(
                gpos, columns["length"], columns["document_id"], columns["number"], start,
                Mapped(by_document, columns["document_id"]), Mapped(recode, columns["speaker"]), cases,
                [speakers[i] for i in order],
                lambda: self._positions_of(WS_GRAM),
            )  # fmt: skip
            self._turns_key = key
        return self._turns

    def version(self) -> tuple:
        """Changes whenever this or another connection writes to the project."""
        conn = self.store.conn
        return (conn.execute("PRAGMA data_version").fetchone()[0], conn.total_changes)

    def _batches(self) -> dict[int, int]:
        """Each import batch's id and first position."""
        return {batch: first for batch, (first, _) in self._batch_spans().items()}

    def _batch_spans(self) -> dict[int, tuple[int, int]]:
        """Each import batch's id and [first, end) positions: read once per version of the project."""
        key = self.version()
        if self._batches_key != key:
            rows = self.store.conn.execute("SELECT id, first_gpos, end_gpos FROM search_batches").fetchall()
            self._batch_span = {batch: (first, end) for batch, first, end in rows}
            self._batches_key = key
        return self._batch_span

    def _gram_rows(self, grams: list[int]) -> dict[int, list[tuple[int, int, bytes]]]:
        return gram_rows(self.store.conn, self._batches(), grams)

    def _decode(self, rows: list[tuple[int, int, bytes]]) -> np.ndarray:
        """The positions of a gram's rows (in batch order) as one sorted array."""
        if not rows:
            return np.empty(0, dtype=np.int64)
        base = self._batches()
        return postings.decode_many([r[2] for r in rows], [base[r[0]] for r in rows], [r[1] for r in rows])

    @contextmanager
    def one_query(self) -> Iterator[None]:
        """Within it, a gram's positions are decoded once (a query's phrase check reads its words' pairs
        again); forgotten at its end, so no query is answered from another's work."""
        outer = self._decoded is not None
        if not outer:
            self._decoded = {}
        try:
            yield
        finally:
            if not outer:
                self._decoded = None

    def _positions_of(self, gram: int, rows: list[tuple[int, int, bytes]] | None = None) -> np.ndarray:
        """A gram's positions (rows: its rows if already read)."""
        memo = self._decoded
        if memo is not None and gram in memo:
            return memo[gram]
        found = self._decode(rows if rows is not None else self._gram_rows([gram])[gram])
        if memo is not None:
            memo[gram] = found
        return found

    def gram(self, term: str) -> int | None:
        """The one gram a term (already folded) is looked up as: its character, or its pair; None for longer."""
        if not 0 < len(term) <= 2:
            return None
        cps = term_codepoints(term)
        if cps.size == 1:
            return int(cps[0])
        return int(gram_keys(cps)[0]) if cps.size == 2 else None

    def positions(self, term: str) -> np.ndarray:
        """Global start positions of every exact occurrence of `term` (already folded: fold_term) in any turn."""
        cps = term_codepoints(term)
        if cps.size == 0:
            return np.empty(0, dtype=np.int64)
        if cps.size == 1:
            return self._positions_of(int(cps[0]))
        keys = gram_keys(cps)
        offsets = pair_grams(keys.size)
        grams = [int(keys[o]) for o in offsets]
        with self.one_query():  # a gram twice in the term (哈哈哈哈) is decoded once
            memo = self._decoded or {}
            rows = self._gram_rows(sorted(set(grams) - memo.keys()))
            counts = {gram: found.size for gram, found in memo.items()}
            counts.update((gram, sum(r[1] for r in found)) for gram, found in rows.items())
            counted = sorted((counts[gram], o, gram) for o, gram in zip(offsets, grams, strict=True))
            if counted[0][0] == 0:
                return np.empty(0, dtype=np.int64)
            _, first, gram = counted[0]
            hits = self._positions_of(gram, rows.get(gram)) - first
            for _, offset, gram in counted[1:]:
                if hits.size == 0:
                    break
                other = self._positions_of(gram, rows.get(gram))  # its positions, compared shifted by offset
                at = np.searchsorted(other, hits + offset)
                hits = hits[(at < other.size) & (other[np.minimum(at, other.size - 1)] == hits + offset)]
        return hits


def slices(lo: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The indices lo[i], lo[i] + 1, … (counts[i] of them) of every i, one after the other."""
    return np.repeat(lo - (np.cumsum(counts) - counts), counts) + np.arange(int(counts.sum()))
