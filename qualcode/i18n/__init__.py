"""The one catalogue of user-visible strings, in Traditional Chinese and English, for both UIs.

The strings are data: `tui.yaml` (the TUI's labels), `cli.yaml` (the command line's human output), each
`key: [zh, en]` with `{name}` placeholders, and `errors.yaml`, patterns that say the core's English errors in
Chinese. UI-neutral: the CLI and the TUI import it; the core never does (its messages stay English, and a UI
says them in the user's language through `say_error`).
"""

from __future__ import annotations

import functools
import marshal
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
LABELS_FILE = HERE / "tui.yaml"
CLI_FILE = HERE / "cli.yaml"
ERRORS_FILE = HERE / "errors.yaml"
LANGUAGES = ("zh", "en")


def _parse(text: str) -> Any:
    import yaml  # only when a catalogue is read afresh (~12 ms to import, ~9 ms to parse cli.yaml)

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # a safe loader either way


def _cache_file(path: Path) -> Path:
    """Where the parsed catalogue is kept, as Python keeps bytecode: `__pycache__` beside it, or under
    $PYTHONPYCACHEPREFIX (sys.pycache_prefix) when that is set."""
    name = f"{path.name}.{sys.implementation.cache_tag}.marshal"
    if sys.pycache_prefix:
        return Path(sys.pycache_prefix, *path.parent.parts[1:], name)
    return path.parent / "__pycache__" / name


def _read(path: Path) -> Any:
    """A catalogue file's data. Parsed once and kept as marshal data (like a .pyc, checked against the file's size
    and modification time), so that a command reads its catalogue without importing or running the YAML
    parser; not written where Python writes no bytecode ($PYTHONDONTWRITEBYTECODE), and any failure to read or
    write the copy only means the file is parsed."""
    stat = path.stat()
    key = (stat.st_mtime_ns, stat.st_size)
    cache = _cache_file(path)
    try:
        kept_key, data = marshal.loads(cache.read_bytes())
        if tuple(kept_key) == key:
            return data
    except Exception:  # missing, unreadable, another Python's or a torn copy: parse the file
        pass
    data = _parse(path.read_text(encoding="utf-8"))
    if not sys.dont_write_bytecode:
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            temporary = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
            temporary.write_bytes(marshal.dumps((key, data)))
            os.replace(temporary, cache)  # whole or not at all, for a command running beside this one
        except (OSError, ValueError):  # a read-only installation: parse each time, as before
            pass
    return data


def load(path: Path) -> dict[str, tuple[str, str]]:
    """A catalogue file: every key with its (zh, en) pair."""
    return {key: (zh, en) for key, (zh, en) in _read(path).items()}


class _Catalogue(Mapping[str, tuple[str, str]]):
    """A catalogue read on first use: the command line never reads the TUI's labels, nor the TUI the CLI's."""

    def __init__(self, path: Path):
        self.path = path

    @functools.cached_property
    def _entries(self) -> dict[str, tuple[str, str]]:
        return load(self.path)

    def __getitem__(self, key: str) -> tuple[str, str]:
        return self._entries[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __repr__(self) -> str:
        return f"<catalogue {self.path.name}: {len(self)} entries>"


LABELS: Mapping[str, tuple[str, str]] = _Catalogue(LABELS_FILE)  # the TUI's
CLI_LABELS: Mapping[str, tuple[str, str]] = _Catalogue(CLI_FILE)  # the command line's


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
