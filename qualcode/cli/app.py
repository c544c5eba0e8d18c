"""The typer application, its command groups, and what every command shares: settings, output, errors."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, Optional

import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from qualcode.config import default_coder
from qualcode.errors import QualcodeError

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
    "code", "uncode", "memo", "memos", "codings", "reattach", "confirm", "undo", "redo", "search", "kwic", "words", "reindex",
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
        args = sys.argv[1:] if args is None else list(args)
        for position, arg in enumerate(args, 1):
            if not _is_utf8(arg):
                shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
                err.print(
                    f"qualcode: error: argument {position} ({shown}) is not valid UTF-8; qualcode takes UTF-8 text "
                    "(rename a file whose name is in another encoding)",
                    markup=False,
                )
                sys.exit(2)
        return super().main(args, *rest, **kwargs)

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except CommandLineError as exc:
            _usage_error(exc)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except QualcodeError as exc:
            err.print(f"qualcode: error: {exc}", markup=False)
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
    message = exc.format_message().strip().rstrip(".")
    option = getattr(exc, "option_name", None)  # NoSuchOption
    if option and not re.fullmatch(r"--?[A-Za-z][\w-]*", option):
        message += (
            " (a value that starts with '-', such as a search for -word, goes after `--`: qualcode search -- -word)"
        )
    ctx = getattr(exc, "ctx", None)
    where = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
    err.print(f"qualcode: error: {message}{where}", markup=False)
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
        return "yes" if value else "no"
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
