"""The typer application, its command groups, and what every command shares: settings, output, errors."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, Optional

import typer
from typer.core import TyperGroup

# rich is loaded only when a command prints a table, rich text or to a terminal (qualcode/cli/output.py); the
# language and its catalogue lines live in qualcode/cli/lang.py (no typer, no rich: the fast path of `status` and
# `search`, qualcode/cli/fast.py, uses them too). Both are re-exported here for the command modules.
from qualcode.cli import lang as _lang
from qualcode.cli.lang import (  # noqa: F401
    error_line,
    join,
    language,
    language_or_english,
    pad,
    resolve_language,
    say,
    say_core,
    say_count,
)
from qualcode.cli.output import WHOLE_WIDTH, Table, err, out, print_json  # noqa: F401
from qualcode.config import default_coder
from qualcode.errors import QualcodeError
from qualcode.i18n import say as catalogue_say
from qualcode.i18n import say_error

try:  # typer >= 0.22 carries its own copy of click; its errors derive from TyperException
    from typer import TyperException as CommandLineError
except ImportError:  # pragma: no cover - an older typer, on click
    from click import ClickException as CommandLineError


# The order `qualcode --help` lists the commands in: the way a study proceeds.
COMMAND_ORDER = (
    "demo", "tui", "serve", "init", "status", "import", "documents", "show", "cases", "codebook", "codes",
    "code", "uncode", "memo", "memos", "codings", "reattach", "confirm", "undo", "redo", "search", "kwic", "words", "suggest", "reindex",
    "rate", "unrate", "ratings", "agree", "export", "import-qdpx", "merge", "backup", "backups", "restore", "browse",
)  # fmt: skip


class QualcodeGroup(TyperGroup):
    """Turns the core's errors, and mistakes in the command line itself, into one line on stderr and the exit
    status they carry (2 for bad input)."""

    def list_commands(self, ctx):
        names = super().list_commands(ctx)
        rank = {name: i for i, name in enumerate(COMMAND_ORDER)}
        return sorted(names, key=lambda name: (rank.get(name, len(rank)), name))

    def main(self, args=None, *rest, **kwargs):
        _lang.reset()  # each command resolves it afresh (tests run several in one process)
        args = sys.argv[1:] if args is None else list(args)
        for position, arg in enumerate(args, 1):
            if not _lang.is_utf8(arg):
                shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
                lang = language_or_english()
                message = catalogue_say("argument_not_utf8", lang, position=position, shown=shown)
                err.print(catalogue_say("error", lang, message=message), markup=False)
                sys.exit(2)
        try:
            return super().main(args, *rest, **kwargs)
        finally:
            _lang.reset()  # a function called outside a command later resolves it afresh

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


def _usage_error(exc) -> NoReturn:
    """A mistake in the command line as one line (click prints usage, a hint and the error on four)."""
    if type(exc).__name__ == "NoArgsIsHelpError":
        raise exc  # `qualcode export` alone: the help is the answer
    lang = language_or_english()
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
