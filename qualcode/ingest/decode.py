"""Turn a transcript file's bytes into NFC text with LF line ends, saying which encoding was used."""

from __future__ import annotations

import codecs
import hashlib
import stat
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
    """A file's bytes (a transcript, a cases.csv): refused if missing, not a regular file, empty or too large."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file") from None
    except OSError as exc:
        raise BadInput(f"{path}: cannot read it: {exc.strerror or exc}") from None
    if stat.S_ISDIR(mode):
        raise BadInput(f"{path}: is a directory, not a file")
    if not stat.S_ISREG(mode):  # reading a device or a pipe may never end
        raise BadInput(f"{path}: not a regular file (a device, a pipe or a socket)")
    size = path.stat().st_size
    if size == 0:
        raise BadInput(f"{path}: the file is empty")
    if size > MAX_BYTES:
        raise BadInput(f"{path}: the file is {size} bytes; files over {MAX_BYTES} bytes are refused")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise BadInput(f"{path}: cannot read it: {exc.strerror or exc}") from None


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
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):  # before UTF-16: FF FE starts both
        return _strict(data, "utf-32", path), "utf-32"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16", path), "utf-16"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if "\x00" not in text:
            return text, "utf-8"
    found = _utf16_without_bom(data)
    if found is not None:
        return found
    if b"\x00" in data:
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


# Where the characters of a transcript live: ASCII, Latin-1 letters, general punctuation (— … “”), CJK
# punctuation, Bopomofo, CJK ideographs (Extension A, the main block, compatibility ideographs, and the
# supplementary planes), CJK compatibility forms (︰) and full-width forms.
_TRANSCRIPT_RANGES = (
    (0x20, 0x7E), (0xC0, 0xFF), (0x2000, 0x206F), (0x3000, 0x303F), (0x3100, 0x312F), (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF), (0x20000, 0x3FFFF),
)  # fmt: skip
_TRANSCRIPT_CHARACTERS = 0.95  # at least this share of a UTF-16 reading must fall in those ranges


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """Text in UTF-16 without a BOM, little- or big-endian, or None.

    Chinese in UTF-16 has few NUL bytes (only ASCII has them), so NULs do not tell it from binary; what does
    is that one byte order reads as transcript characters (CJK, punctuation, ASCII, line ends) nearly
    throughout, while the other order, binary data and legacy encodings read as unpaired surrogates, control
    characters, Hangul, Yi or unassigned code points.
    """
    if len(data) % 2:
        return None
    best: tuple[float, str, str] | None = None
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:  # an unpaired surrogate
            continue
        if len(data) < 32 and "\n" not in text:
            continue  # a few bytes of anything read as a few CJK characters
        score = _transcript_share(text)
        if best is None or score > best[0]:
            best = (score, text, encoding)
    if best is None or best[0] < _TRANSCRIPT_CHARACTERS:
        return None
    return best[1], best[2]


def _transcript_share(text: str, sample: int = 20000) -> float:
    """The share of the first characters that a transcript would hold (line ends and tabs count)."""
    head = text[:sample]
    if not head:
        return 0.0
    inside = 0
    for ch in head:
        point = ord(ch)
        if ch in "\n\r\t" or any(low <= point <= high for low, high in _TRANSCRIPT_RANGES):
            inside += 1
    return inside / len(head)


def _control_ratio(text: str) -> float:
    bad = sum(1 for ch in text[:20000] if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
    return bad / max(1, min(len(text), 20000))
