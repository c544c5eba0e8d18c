"""How the index is laid out in the project file: the keys of its posting lists, their encodings' format bytes,
the packed turn table's header, and the record of the folding it was built with; and reading those rows.

Plain Python (no numpy): the index's writer and reader (index.py, postings.py) and the search that needs no
numpy (plain.py) read the same tables through these names.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence

from qualcode.zh.normalize import fold_signature

WS_GRAM = -1  # the posting list of removed whitespace (no code point or pair key is negative)
FOLD_KEY = "search.fold"  # the project table's record of the folding the index was built with
# Recorded after the folding's signature once the index holds a list in the patched encodings (postings.py):
# a version that does not know them sees another signature and rebuilds the index in its own encodings,
# instead of failing on the first list it cannot read. This version reads either.
POSTINGS_TAG = ";postings2"
PAIR_SHIFT = 21  # code points need 21 bits
# search_postings.key (schema 10) = batch << KEY_SHIFT | (gram + 1): a batch's lists are appended in key
# order, so the table's pages fill up (the (gram, batch) key of schema 2 split pages on every batch, and
# its blobs overflowed with half-empty pages): 107 -> 80 MB at 20 M characters.
KEY_SHIFT = 43  # gram + 1 < 2**43 (pair keys need 42 bits; WS_GRAM is -1)

# A dense gram's turns: beside its positions, a batch where a gram occurs at least DENSE_SHARE times as often as
# there are turns keeps a bitmap of the batch's turns that hold it (key: the gram | DENSE; format BITMAP, then the
# batch's number of turns in 4 bytes, then the bits, little-endian bit order), so that the turns holding a
# frequent character are read, not found (index.py `turn_mask`).
DENSE = 1 << 42  # no gram has this bit (pair keys take 42 bits: 0x10FFFF << 21 | 0x10FFFF < DENSE - 1)
DENSE_SHARE = 0.75
BITMAP = 0x80

# A posting list's first byte, its format (postings.py): 1, 2 or 4 fixed-width deltas; VARINT; or patched.
FIXED_WIDTHS = (1, 2, 4)
VARINT = 0
PATCHED: dict[int, tuple[int, int]] = {0x11: (1, 2), 0x14: (1, 4), 0x24: (2, 4)}  # (delta, exception) widths

# The packed turn table (search_packed, name "turns"): a header, then each column as raw little-endian
# integers in the narrowest width that holds it, 8-byte aligned.
PACK_NAME = "turns"
PACK_COLUMNS = ("gpos", "length", "document_id", "number", "start", "speaker")
PACK_MAGIC = b"QCTT1\0\0\0"


def posting_key(batch: int, gram: int) -> int:
    return (batch << KEY_SHIFT) | (gram + 1)


def pair_key(first: int, second: int) -> int:
    """The gram of two adjacent code points."""
    return (first << PAIR_SHIFT) | second


def pair_grams(count: int) -> list[int]:
    """Which of a term's `count` pairs are read to find it: those at offsets 0, 2, 4, … and the last, which
    cover every character of the term."""
    return sorted(set(range(0, count, 2)) | {count - 1})


def pack_layout(blob: bytes) -> tuple[list[tuple[str, str, int, int]], list[str]]:
    """The columns of a packed turn table, (name, numpy dtype string, count, byte offset) each, and its speaker
    names. Raises ValueError for a blob that is not one."""
    if blob[:8] != PACK_MAGIC:
        raise ValueError("not a packed turn table")
    size = int.from_bytes(blob[8:12], "little")
    header = json.loads(blob[12 : 12 + size])
    offset, columns = 12 + size, []
    for name, dtype, count in header["columns"]:
        columns.append((name, dtype, count, offset))
        offset += count * int(dtype[2:])
        offset += -offset % 8
    return columns, header["speakers"]


def readable(recorded: str) -> bool:
    """Whether an index recorded (FOLD_KEY) with this signature is one this version reads: built with this
    folding, in the patched posting encodings or the older ones (postings.py reads both)."""
    return recorded in (fold_signature(), fold_signature() + POSTINGS_TAG)


def gram_rows(
    conn: sqlite3.Connection, batches: Iterable[int], grams: Sequence[int]
) -> dict[int, list[tuple[int, int, bytes]]]:
    """Per gram, its (batch, count, positions) rows of search_postings in batch order: one query for all the
    grams (500 keys a query), one seek per batch and gram."""
    ordered = sorted(batches)
    keys = [posting_key(batch, gram) for gram in grams for batch in ordered]
    found: dict[int, list[tuple[int, int, bytes]]] = {gram: [] for gram in grams}
    mask = (1 << KEY_SHIFT) - 1
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        for key, count, blob in conn.execute(
            f"SELECT key, count, positions FROM search_postings WHERE key IN ({','.join('?' * len(chunk))}) "
            "ORDER BY key",
            chunk,
        ):
            found[(key & mask) - 1].append((key >> KEY_SHIFT, count, blob))
    return found
