"""Encode sorted position lists compactly: deltas in the narrowest integer width that holds them.

Layout of a blob: one byte (the delta width in bytes: 1, 2 or 4), then the deltas, little-endian.
The first delta is taken from the batch's base position. (zlib on top saved about a quarter of the
space but cost a third of the indexing time, and the index is well within 4x the text without it.)
"""

from __future__ import annotations

import numpy as np

_WIDTHS: dict[int, np.dtype] = {1: np.dtype("<u1"), 2: np.dtype("<u2"), 4: np.dtype("<u4")}


def width_of(top: int) -> int:
    return 1 if top < 1 << 8 else 2 if top < 1 << 16 else 4


def encode_groups(positions: np.ndarray, starts: np.ndarray, ends: np.ndarray, base: int):
    """Encode many lists at once: positions[starts[i]:ends[i]] for each i, each sorted ascending."""
    deltas = np.diff(positions, prepend=np.int64(base))
    deltas[starts] = positions[starts] - base
    tops = np.maximum.reduceat(deltas, starts) if starts.size else np.empty(0, dtype=np.int64)
    widths = [width_of(t) for t in tops.tolist()]
    by_width = {w: deltas.astype(_WIDTHS[w]) for w in set(widths)}
    headers = {w: bytes([w]) for w in _WIDTHS}
    for start, end, width in zip(starts.tolist(), ends.tolist(), widths, strict=True):
        yield headers[width] + by_width[width][start:end].tobytes()


def decode(blob: bytes, base: int) -> np.ndarray:
    deltas = np.frombuffer(blob, dtype=_WIDTHS[blob[0]], offset=1).astype(np.int64)
    deltas[0] += base
    return np.cumsum(deltas, out=deltas)
