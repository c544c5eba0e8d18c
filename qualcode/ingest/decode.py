"""Turn a transcript file's bytes into NFC text with LF line ends, saying which encoding was used."""

from __future__ import annotations

import codecs
import hashlib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from qualcode.errors import BadInput

# Tried after UTF-8 fails, in this order; charset-normalizer chooses among them.
LEGACY_ENCODINGS = ["cp950", "big5", "big5hkscs", "gb18030", "utf_16"]
MAX_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    sha256: str


def read_source(path: Path) -> bytes:
    if not path.exists():
        raise BadInput(f"{path}: no such file")
    if path.is_dir():
        raise BadInput(f"{path}: is a directory, not a transcript")
    size = path.stat().st_size
    if size == 0:
        raise BadInput(f"{path}: the file is empty")
    if size > MAX_BYTES:
        raise BadInput(f"{path}: the file is {size} bytes; transcripts over {MAX_BYTES} bytes are refused")
    return path.read_bytes()


def normalise(text: str) -> str:
    """NFC and LF: the form every stored text has, so offsets mean the same everywhere."""
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


def decode_bytes(data: bytes, path: Path) -> Decoded:
    sha = hashlib.sha256(data).hexdigest()
    text, encoding = _decode(data, path)
    text = normalise(text)
    if "\x00" in text:
        raise BadInput(f"{path}: binary file (it contains NUL characters), not a transcript")
    if not text.strip():
        raise BadInput(f"{path}: the file holds no text")
    return Decoded(text=text, encoding=encoding, sha256=sha)


def _decode(data: bytes, path: Path) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[3:], "utf-8", path), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16", path), "utf-16"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if "\x00" in text:
            raise BadInput(f"{path}: binary file (it contains NUL bytes), not a transcript")
        return text, "utf-8"
    if b"\x00" in data and not _looks_utf16(data):
        raise BadInput(f"{path}: binary file (it contains NUL bytes), not a transcript")
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=LEGACY_ENCODINGS).best()
    if best is None:
        raise BadInput(f"{path}: cannot tell the encoding (tried UTF-8, UTF-16, Big5/CP950, GB18030); save it as UTF-8")
    encoding = best.encoding
    text = str(best)
    if _control_ratio(text) > 0.01:
        raise BadInput(f"{path}: binary file, not a transcript")
    return text, encoding


def _strict(data: bytes, encoding: str, path: Path) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise BadInput(f"{path}: not valid {encoding} at byte {exc.start}") from None


def _looks_utf16(data: bytes) -> bool:
    """Text in UTF-16 without a BOM has NULs in every other byte for ASCII."""
    sample = data[:4096]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    return max(even, odd) > len(sample) // 8 and min(even, odd) == 0


def _control_ratio(text: str) -> float:
    bad = sum(1 for ch in text[:20000] if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
    return bad / max(1, min(len(text), 20000))
