"""The language of the command line's human output and its catalogue lines (qualcode/i18n/cli.yaml).

No typer and no rich here (rich.cells only to pad text wider than ASCII): the fast path of `status` and
`search` (qualcode/cli/fast.py) says its lines with the same functions as the typer commands.
"""

from __future__ import annotations

import os
from typing import Any, Optional

from qualcode.config import config_path, load_config
from qualcode.errors import BadInput, QualcodeError
from qualcode.i18n import LANGUAGES, say_error
from qualcode.i18n import say as catalogue_say

# -- the language of the human output ---------------------------------------------------------------
# $QUALCODE_LANG (zh or en), else `language` in the config file, else English; JSON, ids, paths, code names and
# --help stay as they are. Resolved once per command (QualcodeGroup.main starts afresh) and kept here.
_language: Optional[str] = None


def reset() -> None:
    """Forget the language: the next command (or a function called outside one) resolves it afresh."""
    global _language
    _language = None


def resolve_language() -> str:
    """$QUALCODE_LANG, else `language` in the config file, else "en"; a bad value is refused (BadInput, in English:
    which language the user reads is what is not known).

    A config file that cannot be read says nothing about the language (English): the commands that need the
    file report it themselves."""
    value: Any = os.environ.get("QUALCODE_LANG")
    if value:
        if value not in LANGUAGES:
            raise BadInput(catalogue_say("language_env_bad", "en", value=repr(value)))
        return value
    try:
        value = load_config().get("language")
    except QualcodeError:
        return "en"
    if value is None:
        return "en"
    if value not in LANGUAGES:
        raise BadInput(catalogue_say("language_config_bad", "en", path=config_path(), value=repr(value)))
    return value


def language() -> str:
    """The language of this command's human output: "zh" or "en"."""
    global _language
    if _language is None:
        _language = resolve_language()
    return _language


def language_or_english() -> str:
    """language(), or English when it cannot be known (a bad $QUALCODE_LANG is being reported)."""
    try:
        return language()
    except QualcodeError:
        return "en"


def say(key: str, /, **values: object) -> str:
    """A line of human output from the catalogue (qualcode/i18n/cli.yaml) in this command's language."""
    return catalogue_say(key, language(), **values)


def say_core(message: str) -> str:
    """A message of the core (an error, a note) in this command's language (errors.yaml), else as written."""
    return say_error(message, language(), ui="cli")


def say_count(key: str, n: int, /, **values: object) -> str:
    """`key_one` for 1, `key_many` otherwise: "1 coding", "2 codings"."""
    return say(f"{key}_{'one' if n == 1 else 'many'}", n=n, **values)


def join(items) -> str:
    """Items as a list in this language: "a, b" or 「a、b」."""
    return say("list_separator").join(items)


def pad(text: str, width: int, align: str = "<") -> str:
    """Text padded with spaces to `width` terminal cells (a CJK character takes two), like f"{text:<width}"."""
    if text.isascii() and text.isprintable():
        cells = len(text)  # one cell each, as rich.cells counts them (not loaded for English)
    else:
        from rich.cells import cell_len

        cells = cell_len(text)
    room = " " * max(0, width - cells)
    return text + room if align == "<" else room + text


def error_line(message: str) -> str:
    """One line on stderr for a failure: the core's message said in this command's language."""
    lang = language_or_english()
    return catalogue_say("error", lang, message=say_error(message, lang, ui="cli"))


def is_utf8(text: str) -> bool:
    """False for an argument that was not UTF-8: Python hands its bytes over as lone surrogates."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
