"""Read a transcript file of any supported kind into normalised text."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

from qualcode.errors import BadInput
from qualcode.ingest.decode import Decoded, decode_bytes, normalise, read_source

SUFFIXES = {".txt", ".md", ".markdown", ".text", ".docx"}


def read_transcript(path: Path) -> Decoded:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise BadInput(f"{path}: unsupported file type {suffix or '(none)'}; use .txt, .md or .docx")
    data = read_source(path)
    if suffix == ".docx":
        return _read_docx(data, path)
    return decode_bytes(data, path)


def _read_docx(data: bytes, path: Path) -> Decoded:
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise BadInput(f"{path}: not a valid .docx file (not a zip archive)")
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
