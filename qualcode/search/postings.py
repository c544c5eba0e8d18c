"""Encode sorted position lists compactly: deltas, fixed-width, patched or as variable-length integers.

Layout of a blob: one byte, the format, then the deltas (the first one taken from the batch's base position):
- 1, 2 or 4: every delta little-endian, that many bytes wide;
- 0: LEB128 varints (7 bits a byte, the high bit set on every byte but a value's last);
- 0x11, 0x14, 0x24 (patched, "PFOR"): the count of deltas (4 bytes), each delta in 1 (0x1_) or 2 (0x2_)
  bytes, where the widest value (255, 65535) is an escape, then, in order, the escaped deltas in 2 (0x_1)
  or 4 (0x_4) bytes each.
A list takes the smallest of these, except that varints (the slowest to decode: a pass per byte) are taken
for a list of VARINT_LIMIT deltas or more only when they are a tenth smaller (sparse lists: their deltas take
two bytes either way, but a third as escapes); a dense list (a frequent character's) is decoded with a width
conversion and one cumulative sum, plus a scan for the escape when it has exceptions: 4-7x faster than as
varints, in about the same space. At 20 M characters the lists take 67.5 MB (68.1 as varint-or-fixed).
(zlib on top saved about a quarter of the space but cost a third of the indexing time.)

`decode_many` decodes a gram's lists of every import batch in one go: one varint pass over all their
varint bytes, one cumulative sum over all the deltas, instead of a dozen numpy calls per batch.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from qualcode.search.layout import PATCHED as _PATCHED
from qualcode.search.layout import VARINT

_WIDTHS: dict[int, np.dtype] = {1: np.dtype("<u1"), 2: np.dtype("<u2"), 4: np.dtype("<u4")}
_MAX_VARINT_BYTES = 5  # a delta fits in 32 bits (a batch spans less than 2**32 positions)
VARINT_LIMIT = 4096  # longer lists are varints only where that saves a tenth: decoding costs a pass per byte


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
    out[offsets] = (deltas & 0x7F) | ((sizes > 1).astype(np.int64) << 7)  # every value's first byte
    has = np.flatnonzero(sizes > 1)  # then the few longer ones, byte by byte
    k = 1
    while has.size:
        more = sizes[has] > k + 1
        out[offsets[has] + k] = ((deltas[has] >> (7 * k)) & 0x7F) | (more.astype(np.int64) << 7)
        has = has[more]
        k += 1
    return out, offsets


def _patched(deltas: np.ndarray, fmt: int) -> bytes:
    width, exception_width = _PATCHED[fmt]
    escape = (1 << (8 * width)) - 1
    body = np.minimum(deltas, escape).astype(_WIDTHS[width])
    exceptions = deltas[deltas >= escape].astype(_WIDTHS[exception_width])
    return bytes([fmt]) + int(deltas.size).to_bytes(4, "little") + body.tobytes() + exceptions.tobytes()


def encode_groups(positions: np.ndarray, starts: np.ndarray, ends: np.ndarray, base: int) -> Iterator[bytes]:
    """Encode many lists at once: positions[starts[i]:ends[i]] for each i, each sorted ascending. What decides
    each list's format (its widest delta, how many deltas each format must patch, its varint size) is counted
    for all lists together, and varints are written only for the lists short enough to take them."""
    if not starts.size:
        return
    deltas = np.diff(positions, prepend=np.int64(base))
    deltas[starts] = positions[starts] - base
    counts = ends - starts
    tops = np.maximum.reduceat(deltas, starts)
    widths = np.where(tops < 1 << 8, 1, np.where(tops < 1 << 16, 2, 4))
    best = 1 + counts * widths
    fmt = widths.copy()
    # patched formats: worth it only where some deltas are narrower than the widest
    patchable = (counts >= 64) & (widths > 1)
    if patchable.any():
        over_u1 = np.add.reduceat((deltas >= 0xFF).astype(np.int64), starts)
        over_u2 = np.add.reduceat((deltas >= 0xFFFF).astype(np.int64), starts)
        candidates = (
            (0x11, patchable & (over_u1 < counts) & (tops < 1 << 16), 5 + counts + 2 * over_u1),
            (0x14, patchable & (over_u1 < counts), 5 + counts + 4 * over_u1),
            (0x24, patchable & (tops >= 1 << 16), 5 + 2 * counts + 4 * over_u2),
        )
        for code, allowed, size in candidates:
            better = allowed & (size < best)
            best = np.where(better, size, best)
            fmt = np.where(better, code, fmt)
    # varints: for a short list whenever they are smaller; for a long one only when they save a tenth
    sizes = _varint_sizes(deltas)
    totals = 1 + np.add.reduceat(sizes, starts)
    use = (totals < best) & ((counts < VARINT_LIMIT) | (10 * totals < 9 * best))
    varint_at = np.full(starts.size, -1, dtype=np.int64)
    if use.any():
        chosen = np.repeat(use, counts)
        varint_deltas, varint_sizes = deltas[chosen], sizes[chosen]
        del chosen, sizes
        varint, offsets = _varint_bytes(varint_deltas, varint_sizes)
        byte_end = np.append(offsets, varint.size)
        varint_at[use] = np.cumsum(counts[use]) - counts[use]
        fmt[use] = VARINT
        varint_bytes = varint.tobytes()
    by_width = {w: deltas.astype(_WIDTHS[w]).tobytes() for w in set(fmt.tolist()) & set(_WIDTHS)}
    varint_header = bytes([VARINT])
    headers = {w: bytes([w]) for w in _WIDTHS}
    for start, end, code, at in zip(starts.tolist(), ends.tolist(), fmt.tolist(), varint_at.tolist(), strict=True):
        if code == VARINT:
            yield varint_header + varint_bytes[int(byte_end[at]) : int(byte_end[at + end - start])]
        elif code in _PATCHED:
            yield _patched(deltas[start:end], code)
        else:
            yield headers[code] + by_width[code][start * code : end * code]


def count_of(blob: bytes) -> int:
    """How many positions a blob holds (a varint blob: its bytes below 0x80)."""
    fmt = blob[0]
    if fmt in _WIDTHS:
        return (len(blob) - 1) // _WIDTHS[fmt].itemsize
    if fmt in _PATCHED:
        return int.from_bytes(blob[1:5], "little")
    return int(np.count_nonzero(np.frombuffer(blob, dtype=np.uint8, offset=1) < 0x80))


def decode(blob: bytes, base: int) -> np.ndarray:
    return decode_many([blob], [base])


def _fill(out: np.ndarray, blob: bytes) -> None:
    """Write a fixed-width or patched blob's deltas into `out` (exactly its count long)."""
    fmt = blob[0]
    if fmt in _WIDTHS:
        out[:] = np.frombuffer(blob, dtype=_WIDTHS[fmt], count=out.size, offset=1)
        return
    width, exception_width = _PATCHED[fmt]
    body = np.frombuffer(blob, dtype=_WIDTHS[width], count=out.size, offset=5)
    out[:] = body
    exceptions = len(blob) - 5 - out.size * width
    if exceptions:
        at = np.flatnonzero(body == (1 << (8 * width)) - 1)
        out[at] = np.frombuffer(blob, dtype=_WIDTHS[exception_width], offset=5 + out.size * width)


def decode_many(blobs: Sequence[bytes], bases: Sequence[int], counts: Sequence[int] | None = None) -> np.ndarray:
    """The positions of several lists, one after the other: each list's positions must all come before the
    next one's (a gram's lists of successive import batches). `counts` (each list's length, as stored beside
    it) saves counting a varint list's bytes."""
    if counts is None:
        counts = [count_of(blob) for blob in blobs]
    counts = [int(c) for c in counts]
    total = sum(counts)
    deltas = np.empty(total, dtype=np.int64)
    varints: list[memoryview] = []
    varint_at: list[tuple[int, int]] = []
    at = 0
    for blob, n in zip(blobs, counts, strict=True):
        if blob[0] == VARINT:
            varints.append(memoryview(blob)[1:])
            varint_at.append((at, n))
        else:
            _fill(deltas[at : at + n], blob)
        at += n
    if varints:
        values = _decode_varints(np.frombuffer(b"".join(varints), dtype=np.uint8))
        if len(varints) == 1 and varint_at[0][1] == total:
            deltas = values
        else:
            done = 0
            for start, n in varint_at:
                deltas[start : start + n] = values[done : done + n]
                done += n
    if total == 0:
        return deltas
    if len(counts) > 1:
        # each list's first delta counts from its own base: turn it into the step from the previous list's
        # last position, so that one cumulative sum decodes them all
        sizes = np.array(counts, dtype=np.int64)
        starts = np.cumsum(sizes) - sizes
        nonempty = sizes > 0
        starts, base = starts[nonempty], np.asarray(bases, dtype=np.int64)[nonempty]
        sums = np.add.reduceat(deltas, starts)
        last = base + sums  # the last position of each list
        deltas[starts[1:]] += base[1:] - last[:-1]
        deltas[starts[0]] += base[0]
    else:
        deltas[0] += int(bases[0])
    return np.cumsum(deltas, out=deltas)


def _decode_varints(data: np.ndarray) -> np.ndarray:
    last = data < 0x80  # the last byte of each value
    ends = np.flatnonzero(last)
    if ends.size == data.size:  # every value one byte
        return data.astype(np.int64)
    firsts = np.empty(ends.size, dtype=np.int64)
    firsts[0] = 0
    firsts[1:] = ends[:-1] + 1
    values = (data[firsts] & 0x7F).astype(np.int64)
    lengths = ends - firsts + 1
    for k in range(1, int(lengths.max(initial=1))):
        long = np.flatnonzero(lengths > k)
        values[long] |= (data[firsts[long] + k] & 0x7F).astype(np.int64) << (7 * k)
    return values
