"""The typer application, its command groups, and what every command shares: settings, output, errors."""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, Optional

import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from qualcode.config import config_path, default_coder, load_config
from qualcode.errors import BadInput, QualcodeError
from qualcode.i18n import LANGUAGES, say_error
from qualcode.i18n import say as catalogue_say

try:  # typer >= 0.22 carries its own copy of click; its errors derive from TyperException
    from typer import TyperException as CommandLineError
except ImportError:  # pragma: no cover - an older typer, on click
    from click import ClickException as CommandLineError


class Output(Console):
    """Standard output. On a terminal a table fits the window (rich shortens or folds values to fit); anywhere
    else (a pipe, a file, `| cat`) every table is printed at its full width: each value whole, never cut to `…`,
    whatever $COLUMNS says. One rule for every command that prints a table."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        tables = [o for o in objects if isinstance(o, Table)]
        if not tables or self.is_terminal or kwargs.get("width") is not None:
            super().print(*objects, **kwargs)
            return
        from rich.measure import Measurement

        wide = Console(file=self.file, width=WHOLE_WIDTH, highlight=False, soft_wrap=True, no_color=self.no_color)
        width = max(Measurement.get(wide, wide.options, table).maximum for table in tables)
        wide.print(*objects, width=width, **kwargs)


WHOLE_WIDTH = 1_000_000  # the room a table gets when not on a terminal: as wide as its widest values need
out = Output(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


# The order `qualcode --help` lists the commands in: the way a study proceeds.
COMMAND_ORDER = (
    "demo", "tui", "serve", "init", "status", "import", "documents", "show", "cases", "codebook", "codes",
    "code", "uncode", "memo", "memos", "codings", "reattach", "confirm", "undo", "redo", "search", "kwic", "words", "suggest", "reindex",
    "rate", "unrate", "ratings", "agree", "export", "import-qdpx", "merge", "backup", "backups", "restore", "browse",
)  # fmt: skip


# -- the language of the human output ---------------------------------------------------------------
# $QUALCODE_LANG (zh or en), else `language` in the config file, else English; JSON, ids, paths, code names and
# --help stay as they are. Resolved once per command (QualcodeGroup.main starts afresh) and kept here.
_language: Optional[str] = None


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


def _language_or_english() -> str:
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
    from rich.cells import cell_len

    room = " " * max(0, width - cell_len(text))
    return text + room if align == "<" else room + text


def error_line(message: str) -> str:
    """One line on stderr for a failure: the core's message said in this command's language."""
    lang = _language_or_english()
    return catalogue_say("error", lang, message=say_error(message, lang, ui="cli"))


class QualcodeGroup(TyperGroup):
    """Turns the core's errors, and mistakes in the command line itself, into one line on stderr and the exit
    status they carry (2 for bad input)."""

    def list_commands(self, ctx):
        names = super().list_commands(ctx)
        rank = {name: i for i, name in enumerate(COMMAND_ORDER)}
        return sorted(names, key=lambda name: (rank.get(name, len(rank)), name))

    def main(self, args=None, *rest, **kwargs):
        global _language
        _language = None  # each command resolves it afresh (tests run several in one process)
        args = sys.argv[1:] if args is None else list(args)
        for position, arg in enumerate(args, 1):
            if not _is_utf8(arg):
                shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
                lang = _language_or_english()
                message = catalogue_say("argument_not_utf8", lang, position=position, shown=shown)
                err.print(catalogue_say("error", lang, message=message), markup=False)
                sys.exit(2)
        try:
            return super().main(args, *rest, **kwargs)
        finally:
            _language = None  # a function called outside a command later resolves it afresh

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except CommandLineError as exc:
            _usage_error(exc)

    def invoke(self, ctx):
        try:
            if "--help" not in ctx.args:  # a bad $QUALCODE_LANG or `language` is refused before anything runs
                language()
            return super().invoke(ctx)
        except QualcodeError as exc:
            err.print(error_line(str(exc)), markup=False)
            raise typer.Exit(exc.exit_code) from None
        except CommandLineError as exc:
            _usage_error(exc)


def _is_utf8(text: str) -> bool:
    """False for an argument that was not UTF-8: Python hands its bytes over as lone surrogates."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _usage_error(exc) -> NoReturn:
    """A mistake in the command line as one line (click prints usage, a hint and the error on four)."""
    if type(exc).__name__ == "NoArgsIsHelpError":
        raise exc  # `qualcode export` alone: the help is the answer
    lang = _language_or_english()
    message = say_error(exc.format_message().strip().rstrip("."), lang, ui="cli")
    option = getattr(exc, "option_name", None)  # NoSuchOption
    if option and not re.fullmatch(r"--?[A-Za-z][\w-]*", option):
        message += catalogue_say("dash_value_hint", lang)
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        message += catalogue_say("see_help", lang, command=ctx.command_path)
    err.print(catalogue_say("error", lang, message=message), markup=False)
    raise typer.Exit(exc.exit_code)


app = typer.Typer(
    cls=QualcodeGroup,
    name="qualcode",
    help="Qualitative coding of interview transcripts: import, code, search, rate, export.",
    no_args_is_help=False,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
cases_app = typer.Typer(help="Cases (interviewees) and their attributes.", no_args_is_help=True)
codebook_app = typer.Typer(help="The codebook: codes, rating facets and scale, kept as YAML.", no_args_is_help=True)
export_app = typer.Typer(help="Export tables, matrices, quote reports and REFI-QDA files.", no_args_is_help=True)
app.add_typer(cases_app, name="cases")
app.add_typer(codebook_app, name="codebook")
codes_app = typer.Typer(
    help="Manage codes: list, rename, move, merge, delete, set colour/key/definition (each undoable).",
    no_args_is_help=True,
)
app.add_typer(codes_app, name="codes")
app.add_typer(export_app, name="export")


@dataclass
class Settings:
    project: Path
    coder: Optional[str]

    def coder_for(self, override: Optional[str]) -> str:
        return default_coder(override or self.coder)


def settings(ctx: typer.Context) -> Settings:
    return ctx.find_root().obj


def open_project(ctx: typer.Context):
    from qualcode.project import Project

    return Project.open(settings(ctx).project)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def cell(value: Any) -> str:
    """A value as a table cell: booleans as yes/no, None as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return say("yes" if value else "no")
    return str(value)


def coding_json(c) -> dict[str, Any]:
    return {
        "id": c.id,
        "document": c.document_id,
        "case": c.case_id,
        "code": c.code_id,
        "coder": c.coder,
        "start": c.start,
        "end": c.end,
        "text": c.text,
        "memo": c.memo,
        "review": c.review,
        "orphaned": c.orphaned,
    }


CoderOption = typer.Option(
    None, "--coder", help="Who is coding (default: global --coder, $QUALCODE_CODER, config, OS user)."
)
JsonOption = typer.Option(False, "--json", help="Print JSON for scripts.")


def run() -> None:
    """Console-script entry point: one clear line and exit 2 for bad input, 1 for other failures."""
    try:
        app(standalone_mode=True)
    except KeyboardInterrupt:
        sys.exit(130)
