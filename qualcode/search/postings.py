"""Encode sorted position lists compactly: deltas in the narrowest integer width, then zlib."""

from __future__ import annotations

import zlib

import numpy as np

_WIDTHS = {1: np.uint8, 2: np.uint16, 4: np.uint32}


def encode(positions: np.ndarray, base: int) -> bytes:
    """`positions` sorted ascending, all >= base; the first delta is taken from `base`."""
    deltas = np.diff(positions, prepend=np.int64(base))
    top = int(deltas.max()) if deltas.size else 0
    width = 1 if top < 1 << 8 else 2 if top < 1 << 16 else 4
    return bytes([width]) + zlib.compress(deltas.astype(_WIDTHS[width]).tobytes(), 1)


def decode(blob: bytes, base: int) -> np.ndarray:
    width = blob[0]
    deltas = np.frombuffer(zlib.decompress(blob[1:]), dtype=_WIDTHS[width]).astype(np.int64)
    deltas[0] += base
    return np.cumsum(deltas, out=deltas)
