"""Read a transcript file of any supported kind into normalised text."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

from qualcode.errors import BadInput
from qualcode.ingest.decode import Decoded, decode_bytes, normalise, read_source

SUFFIXES = {".txt", ".md", ".markdown", ".text", ".docx"}
DOCX_MAX_TOTAL = 512 << 20  # uncompressed bytes of all a .docx's parts
DOCX_MAX_RATIO = 200  # uncompressed / compressed, per part larger than 1 MiB (Word's XML compresses about 10:1)


def read_transcript(path: Path) -> Decoded:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES and not path.is_dir():  # a folder is refused as one (read_source), not by its suffix
        raise BadInput(f"{path}: unsupported file type {suffix or '(none)'}; use .txt, .md or .docx")
    data = read_source(path)
    if suffix == ".docx":
        return _read_docx(data, path)
    return decode_bytes(data, path)


def _read_docx(data: bytes, path: Path) -> Decoded:
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise BadInput(f"{path}: not a valid .docx file (not a zip archive)")
    _check_sizes(data, path)
    import docx  # python-docx; imported here so the CLI starts fast

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several unrelated types for broken files
        raise BadInput(f"{path}: not a valid .docx file ({exc.__class__.__name__}: {exc})") from None
    paragraphs = [p.text for p in document.paragraphs if p.text.strip()]
    text = normalise("\n\n".join(paragraphs))
    if not text.strip():
        raise BadInput(f"{path}: the document holds no text")
    return Decoded(text=text, encoding="docx", sha256=hashlib.sha256(data).hexdigest())


def _check_sizes(data: bytes, path: Path) -> None:
    """Refuse a .docx whose parts would expand past what a transcript needs (a zip bomb) before reading one.

    Reading a part never yields more than its declared size (zipfile stops there and checks the CRC), so the
    declared sizes bound what python-docx can be made to hold in memory.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise BadInput(f"{path}: not a valid .docx file ({exc})") from None
    total = 0
    for info in members:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if total > DOCX_MAX_TOTAL or (info.file_size > 1 << 20 and ratio > DOCX_MAX_RATIO):
            raise BadInput(
                f"{path}: part {info.filename!r} expands to {info.file_size} bytes ({ratio:.0f}:1); "
                "refused as a possible zip bomb"
            )
