"""The one catalogue of user-visible strings, in Traditional Chinese and English, for both UIs.

The strings are data: `tui.yaml` (the TUI's labels), `cli.yaml` (the command line's human output), each
`key: [zh, en]` with `{name}` placeholders, and `errors.yaml`, patterns that say the core's English errors in
Chinese. UI-neutral: the CLI and the TUI import it; the core never does (its messages stay English, and a UI
says them in the user's language through `say_error`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
LABELS_FILE = HERE / "tui.yaml"
CLI_FILE = HERE / "cli.yaml"
ERRORS_FILE = HERE / "errors.yaml"
LANGUAGES = ("zh", "en")


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML has it: each command reads these


def _read(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # a safe loader either way


def load(path: Path) -> dict[str, tuple[str, str]]:
    """A catalogue file: every key with its (zh, en) pair."""
    return {key: (zh, en) for key, (zh, en) in _read(path).items()}


LABELS: dict[str, tuple[str, str]] = load(LABELS_FILE)  # the TUI's
CLI_LABELS: dict[str, tuple[str, str]] = load(CLI_FILE)  # the command line's


def label(name: str, language: str, /, **values: object) -> str:
    """A TUI label in the language (zh, else English), its placeholders filled."""
    zh, en = LABELS[name]
    return (zh if language == "zh" else en).format(**values)


def say(name: str, language: str, /, **values: object) -> str:
    """A line of the command line's output in the language (zh, else English), its placeholders filled."""
    zh, en = CLI_LABELS[name]
    return (zh if language == "zh" else en).format(**values)


def describe_change(result: Any, language: str, names: dict[str, str], text_of: Callable[[int], str]) -> str:
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


@functools.cache
def errors() -> list[tuple[re.Pattern[str], str, str, dict[str, str]]]:
    """The patterns of errors.yaml as (regex, zh, zh for the command line, words), compiled on first use (only
    Chinese needs them)."""
    return [
        (re.compile(entry["en"]), entry["zh"], entry.get("cli", entry["zh"]), entry.get("words", {}))
        for entry in _read(ERRORS_FILE)
    ]


def say_error(message: str, language: str, *, ui: str = "tui") -> str:
    """A core error in the UI's language: in Chinese through the patterns of errors.yaml, else as written.

    A pattern's `cli` text, when it has one, is what the command line says (the TUI's may name a checkbox where
    the command line has an option). A named group called `said…` is itself a message, said in turn."""
    if language != "zh":
        return message
    for pattern, zh, cli, words in errors():
        found = pattern.fullmatch(message)
        if found:
            values = {
                k: say_error(v, language, ui=ui) if k.startswith("said") else words.get(v, v)
                for k, v in found.groupdict(default="").items()
            }
            return (cli if ui == "cli" else zh).format(**values)
    return message
