"""Interface labels in Traditional Chinese and English; the catalogue is data (tui/labels.yaml)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

LABELS_FILE = Path(__file__).resolve().parent / "labels.yaml"


def _load(path: Path = LABELS_FILE) -> dict[str, tuple[str, str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {key: (zh, en) for key, (zh, en) in data.items()}


LABELS: dict[str, tuple[str, str]] = _load()


def label(name: str, language: str, /, **values: object) -> str:
    zh, en = LABELS[name]
    return (zh if language == "zh" else en).format(**values)


def describe_change(result, language: str, names: dict[str, str], text_of) -> str:
    """What an undo or redo was about, in the UI's language: the code's name and the quoted words for a coding
    (`text_of(document_id)` gives a document's text), the target otherwise."""
    action = result.action.replace(".", "_")
    coding = result.payload.get("coding") if isinstance(result.payload, dict) else None
    if isinstance(coding, dict) and {"code_id", "document_id", "start", "end"} <= coding.keys():
        try:
            words = " ".join(text_of(coding["document_id"])[coding["start"] : coding["end"]].split())
        except Exception:  # the document is gone: say it by offsets
            words = f"{coding['start']}:{coding['end']}"
        words = words if len(words) <= 24 else words[:23] + "…"
        name = names.get(coding["code_id"], coding["code_id"])
        return label(f"change_{action}", language, code=name, text=words, target=result.target)
    target = result.target
    if result.action == "adjudicate":  # code/document/start:end
        try:
            code, document, span = target.rsplit("/", 2)
            start, end = (int(x) for x in span.split(":"))
            words = " ".join(text_of(int(document))[start:end].split())
        except Exception:
            return label("change_adjudicate", language, code=target, text="", target=target)
        words = words if len(words) <= 24 else words[:23] + "…"
        return label("change_adjudicate", language, code=names.get(code, code), text=words, target=target)
    if result.action.startswith("code."):
        target = names.get(target, target)
    return label(f"change_{action}", language, code=target, text="", target=target)


ERRORS_FILE = Path(__file__).resolve().parent / "errors.yaml"
_ERRORS = [
    (re.compile(entry["en"]), entry["zh"], entry.get("words", {}))
    for entry in yaml.safe_load(ERRORS_FILE.read_text(encoding="utf-8"))
]


def say_error(message: str, language: str) -> str:
    """A core error in the UI's language: in Chinese through the patterns of errors.yaml, else as written."""
    if language != "zh":
        return message
    for pattern, zh, words in _ERRORS:
        found = pattern.fullmatch(message)
        if found:
            return zh.format(**{k: words.get(v, v) for k, v in found.groupdict().items()})
    return message
