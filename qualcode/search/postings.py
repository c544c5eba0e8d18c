"""Encode sorted position lists compactly: deltas, either fixed-width or as variable-length integers.

Layout of a blob: one byte, then the deltas. The byte is the delta width in bytes (1, 2 or 4: the
deltas little-endian, each that wide), or 0: the deltas as LEB128 varints (7 bits a byte, the high bit
set on every byte but a value's last). Each list takes whichever is smaller, so a list with a few
large gaps among many small ones no longer pays the widest gap's width for every entry (this took the
index from about 2.4x to about 1.6x the text's UTF-8 bytes). The first delta is taken from the
batch's base position. Both encodings decode with a handful of numpy operations over the whole list.
(zlib on top saved about a quarter of the space but cost a third of the indexing time.)
"""

from __future__ import annotations

import numpy as np

_WIDTHS: dict[int, np.dtype] = {1: np.dtype("<u1"), 2: np.dtype("<u2"), 4: np.dtype("<u4")}
VARINT = 0
_MAX_VARINT_BYTES = 5  # a delta fits in 32 bits (a batch spans less than 2**32 positions)


def width_of(top: int) -> int:
    return 1 if top < 1 << 8 else 2 if top < 1 << 16 else 4


def _varint_sizes(deltas: np.ndarray) -> np.ndarray:
    sizes = np.ones(deltas.size, dtype=np.int64)
    for k in range(1, _MAX_VARINT_BYTES):
        sizes += deltas >= (1 << (7 * k))
    return sizes


def _varint_bytes(deltas: np.ndarray, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All deltas as one LEB128 byte array, and the byte offset of each delta."""
    offsets = np.cumsum(sizes) - sizes
    out = np.empty(int(sizes.sum()), dtype=np.uint8)
    for k in range(int(sizes.max(initial=0))):
        has = np.flatnonzero(sizes > k)
        byte = (deltas[has] >> (7 * k)) & 0x7F
        more = sizes[has] > k + 1
        out[offsets[has] + k] = byte | (more.astype(np.int64) << 7)
    return out, offsets


def encode_groups(positions: np.ndarray, starts: np.ndarray, ends: np.ndarray, base: int):
    """Encode many lists at once: positions[starts[i]:ends[i]] for each i, each sorted ascending."""
    deltas = np.diff(positions, prepend=np.int64(base))
    deltas[starts] = positions[starts] - base
    if not starts.size:
        return
    tops = np.maximum.reduceat(deltas, starts)
    widths = [width_of(t) for t in tops.tolist()]
    sizes = _varint_sizes(deltas)
    varint_total = np.add.reduceat(sizes, starts).tolist()
    varint, offsets = _varint_bytes(deltas, sizes)
    byte_end = np.append(offsets, varint.size)
    by_width = {w: deltas.astype(_WIDTHS[w]) for w in set(widths)}
    headers = {w: bytes([w]) for w in (*_WIDTHS, VARINT)}
    for start, end, width, total in zip(starts.tolist(), ends.tolist(), widths, varint_total, strict=True):
        if total < (end - start) * width:
            yield headers[VARINT] + varint[int(byte_end[start]) : int(byte_end[end])].tobytes()
        else:
            yield headers[width] + by_width[width][start:end].tobytes()


def decode(blob: bytes, base: int) -> np.ndarray:
    if blob[0] == VARINT:
        deltas = _decode_varints(np.frombuffer(blob, dtype=np.uint8, offset=1))
    else:
        deltas = np.frombuffer(blob, dtype=_WIDTHS[blob[0]], offset=1).astype(np.int64)
    deltas[0] += base
    return np.cumsum(deltas, out=deltas)


def _decode_varints(data: np.ndarray) -> np.ndarray:
    last = data < 0x80  # the last byte of each value
    ends = np.flatnonzero(last)
    firsts = np.empty(ends.size, dtype=np.int64)
    firsts[0] = 0
    firsts[1:] = ends[:-1] + 1
    values = (data[firsts] & 0x7F).astype(np.int64)
    lengths = ends - firsts + 1
    for k in range(1, int(lengths.max(initial=1))):
        long = np.flatnonzero(lengths > k)
        values[long] |= (data[firsts[long] + k] & 0x7F).astype(np.int64) << (7 * k)
    return values
