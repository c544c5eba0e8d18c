"""The `qualcode` command line: a thin layer over qualcode.project.Project."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from qualcode.config import default_coder, default_project
from qualcode.errors import QualcodeError

app = typer.Typer(
    name="qualcode",
    help="Qualitative coding of interview transcripts: import, code, search, rate, export.",
    no_args_is_help=False,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
cases_app = typer.Typer(help="Cases (interviewees) and their attributes.", no_args_is_help=True)
codebook_app = typer.Typer(help="The codebook: codes, rating facets and scale, kept as YAML.", no_args_is_help=True)
app.add_typer(cases_app, name="cases")
app.add_typer(codebook_app, name="codebook")

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


@dataclass
class Settings:
    project: Path
    coder: Optional[str]

    def coder_for(self, override: Optional[str]) -> str:
        return default_coder(override or self.coder)


def _settings(ctx: typer.Context) -> Settings:
    return ctx.find_root().obj


def _open(ctx: typer.Context):
    from qualcode.project import Project

    return Project.open(_settings(ctx).project)


def _json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


CoderOption = typer.Option(None, "--coder", help="Who is coding (default: global --coder, $QUALCODE_CODER, config, OS user).")
JsonOption = typer.Option(False, "--json", help="Print JSON for scripts.")


@app.callback(invoke_without_command=True)
def main(
    ctx: typer.Context,
    project: Optional[Path] = typer.Option(None, "--project", "-p", help="Project file (default ./qualcode.db or $QUALCODE_PROJECT)."),
    coder: Optional[str] = typer.Option(None, "--coder", help="Coder name (default $QUALCODE_CODER, the config file, then the OS user)."),
    version: bool = typer.Option(False, "--version", help="Print the version and exit."),
) -> None:
    """Open the TUI on the project when no command is given."""
    if version:
        from qualcode import __version__

        out.print(f"qualcode {__version__}")
        raise typer.Exit()
    ctx.obj = Settings(project=default_project(project), coder=coder)
    if ctx.invoked_subcommand is None:
        _run_tui(ctx.obj, None)


def _run_tui(settings: Settings, coder: Optional[str]) -> None:
    from qualcode.project import Project

    project = Project.open(settings.project)
    from qualcode.tui.app import QualcodeApp

    QualcodeApp(project, coder=settings.coder_for(coder)).run()
    project.close()


@app.command()
def tui(ctx: typer.Context, coder: Optional[str] = CoderOption) -> None:
    """Open the terminal UI on the project."""
    _run_tui(_settings(ctx), coder)


@app.command()
def demo(
    ctx: typer.Context,
    reset: bool = typer.Option(False, "--reset", help="Delete and rebuild the project from the bundled files."),
    no_tui: bool = typer.Option(False, "--no-tui", help="Build the project but do not open the TUI."),
    coder: Optional[str] = CoderOption,
) -> None:
    """Build the project from the bundled A–E transcripts, cases.csv and codebook if missing, then open the TUI."""
    from qualcode.project import build_demo

    settings = _settings(ctx)
    path = settings.project
    if reset:
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    if not path.exists():
        build_demo(path, coder=settings.coder_for(coder)).close()
        err.print(f"built {path} from the bundled A–E transcripts")
    if not no_tui:
        _run_tui(settings, coder)


@app.command()
def init(ctx: typer.Context) -> None:
    """Create an empty project file."""
    from qualcode.project import Project

    path = _settings(ctx).project
    if path.exists():
        raise QualcodeError(f"{path}: already exists")
    Project.open(path, create=True).close()
    out.print(f"created {path}")


@app.command("import")
def import_(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(..., help="Transcripts: .txt, .md or .docx."),
    case: Optional[str] = typer.Option(None, "--case", help="Case id (default: the header's 受訪者編號, else the file name)."),
    json_: bool = JsonOption,
) -> None:
    """Import transcripts; an unchanged file is skipped, a changed file with codings is refused."""
    with _open(ctx) as project:
        results = project.import_files(files, case_id=case, coder=_settings(ctx).coder_for(None))
    if json_:
        _json([r.__dict__ for r in results])
        return
    for result in results:
        out.print(result.message)


@cases_app.command("import")
def cases_import(
    ctx: typer.Context,
    csv_file: Path = typer.Argument(..., metavar="CSV"),
    create: bool = typer.Option(False, "--create", help="Create cases the project does not have yet."),
) -> None:
    """Set case names and typed attributes from a CSV (header cells may declare `name:integer` etc.)."""
    with _open(ctx) as project:
        ids = project.import_cases(csv_file, create=create, coder=_settings(ctx).coder_for(None))
    out.print(f"{csv_file}: attributes set for {len(ids)} case(s): {', '.join(ids)}")


@cases_app.command("list")
def cases_list(ctx: typer.Context, json_: bool = JsonOption) -> None:
    """List cases with their attributes."""
    with _open(ctx) as project:
        cases = project.cases()
        attributes = [name for name, _ in project.attributes()]
    if json_:
        _json([{"id": c.id, "name": c.name, **c.attributes} for c in cases])
        return
    table = Table("id", "name", *attributes)
    for c in cases:
        table.add_row(c.id, c.name, *[_cell(c.attributes.get(a)) for a in attributes])
    out.print(table)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


@codebook_app.command("load")
def codebook_load(ctx: typer.Context, yaml_file: Path = typer.Argument(..., metavar="YAML")) -> None:
    """Replace the project's codebook with a YAML file (all or nothing)."""
    with _open(ctx) as project:
        book = project.load_codebook(yaml_file, coder=_settings(ctx).coder_for(None))
    out.print(f"{yaml_file}: loaded {len(book.codes)} codes, {len(book.facets)} facets, {len(book.scale)} scale steps")


@codebook_app.command("check")
def codebook_check(yaml_file: Path = typer.Argument(..., metavar="YAML")) -> None:
    """Report every problem in a codebook file with file, line and reason."""
    from qualcode.codebook import check_file

    problems = check_file(yaml_file)
    for problem in problems:
        err.print(problem)
    if problems:
        raise typer.Exit(2)
    out.print(f"{yaml_file}: ok")


@codebook_app.command("dump")
def codebook_dump(ctx: typer.Context, output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write here instead of stdout.")) -> None:
    """Write the project's codebook as YAML that loads back identically."""
    from qualcode.codebook import dumps

    with _open(ctx) as project:
        text = dumps(project.codebook())
    if output is None:
        sys.stdout.write(text)
    else:
        from qualcode.fileio import write_atomic

        write_atomic(output, text.encode("utf-8"), force=True)
        out.print(f"wrote {output}")


@codebook_app.command("show")
def codebook_show(ctx: typer.Context, json_: bool = JsonOption) -> None:
    """Show the code tree with shortcuts and coding counts."""
    with _open(ctx) as project:
        codes = project.codes()
        counts = project.code_counts()
    if json_:
        _json([{"id": c.id, "parent": c.parent_id, "name": c.name, "name_en": c.name_en, "color": c.color,
                "shortcut": c.shortcut, "keywords": list(c.keywords), "codings": counts.get(c.id, 0)} for c in codes])
        return
    depth: dict[str, int] = {}
    table = Table("key", "id", "name", "name_en", "codings")
    for code in codes:
        depth[code.id] = depth.get(code.parent_id, -1) + 1 if code.parent_id else 0
        label = "  " * depth[code.id] + code.name
        swatch = f"[on {code.color}]  [/] " if code.color else ""
        table.add_row(code.shortcut, code.id, swatch + label, code.name_en, str(counts.get(code.id, 0)))
    out.print(table)


@app.command()
def status(ctx: typer.Context, json_: bool = JsonOption) -> None:
    """Counts of documents, turns, cases, codes and codings, and who coded."""
    with _open(ctx) as project:
        data = project.status()
    if json_:
        _json(data)
        return
    for key, value in data.items():
        out.print(f"{key:>9}: {', '.join(value) if isinstance(value, list) else value}")


@app.command()
def documents(ctx: typer.Context, json_: bool = JsonOption) -> None:
    """List documents with their case, turns and size."""
    with _open(ctx) as project:
        docs = [(d, len(project.turns(d.id))) for d in project.documents()]
    if json_:
        _json([{"id": d.id, "case": d.case_id, "title": d.title, "turns": n, "characters": d.length,
                "encoding": d.encoding, "source": d.source_path, "metadata": d.metadata} for d, n in docs])
        return
    table = Table("id", "case", "title", "turns", "characters", "source")
    for d, n in docs:
        table.add_row(str(d.id), d.case_id, d.title, str(n), str(d.length), d.source_path)
    out.print(table)


@app.command()
def show(
    ctx: typer.Context,
    document: str = typer.Argument(..., metavar="DOC", help="Document id or case id."),
    turn: Optional[int] = typer.Option(None, "--turn", help="Show only this turn."),
) -> None:
    """Print a transcript with turn numbers and offsets (the numbers `code --turn/--span` take)."""
    with _open(ctx) as project:
        doc = project.document(document)
        text = project.text(doc.id)
        turns = project.turns(doc.id) if turn is None else [project.turn(doc.id, turn)]
    for t in turns:
        out.print(f"[bold]{t.number:>3} {t.speaker}[/] [dim]{t.start}:{t.end}[/]")
        out.print(text[t.start:t.end], markup=False)


@app.command()
def code(
    ctx: typer.Context,
    document: str = typer.Argument(..., metavar="DOC", help="Document id, or a case id with one document."),
    code_id: str = typer.Argument(..., metavar="CODE"),
    span: Optional[str] = typer.Option(None, "--span", help="START:END in code points, end-exclusive."),
    quote: Optional[str] = typer.Option(None, "--quote", help="Text to find in the document (whitespace ignored)."),
    turn: Optional[int] = typer.Option(None, "--turn", help="Turn number (from 1)."),
    memo: str = typer.Option("", "--memo"),
    coder: Optional[str] = CoderOption,
    json_: bool = JsonOption,
) -> None:
    """Code a span of a document, given by --span, --quote or --turn."""
    with _open(ctx) as project:
        coding = project.code_span(document, code_id, _settings(ctx).coder_for(coder), span=span, quote=quote, turn=turn, memo=memo)
    if json_:
        _json(_coding_json(coding))
        return
    out.print(f"coded {coding.case_id} {coding.start}:{coding.end} as {coding.code_id} (coding {coding.id})")


@app.command()
def uncode(ctx: typer.Context, coding_id: str = typer.Argument(..., metavar="CODING_ID"), coder: Optional[str] = CoderOption) -> None:
    """Remove a coding (its id or a unique prefix of 6+ characters)."""
    with _open(ctx) as project:
        coding = project.uncode(coding_id, _settings(ctx).coder_for(coder))
    out.print(f"removed coding {coding.id} ({coding.code_id} on {coding.case_id} {coding.start}:{coding.end})")


@app.command()
def memo(ctx: typer.Context, coding_id: str = typer.Argument(..., metavar="CODING_ID"), text: str = typer.Argument(...),
         coder: Optional[str] = CoderOption) -> None:
    """Set the memo of a coding (empty text clears it)."""
    with _open(ctx) as project:
        coding = project.set_memo(coding_id, text, _settings(ctx).coder_for(coder))
    out.print(f"memo of coding {coding.id} set")


def _coding_json(c) -> dict[str, Any]:
    return {"id": c.id, "document": c.document_id, "case": c.case_id, "code": c.code_id, "coder": c.coder,
            "start": c.start, "end": c.end, "text": c.text, "memo": c.memo}


@app.command()
def codings(
    ctx: typer.Context,
    document: Optional[str] = typer.Option(None, "--doc", help="Document id or case id."),
    code_id: Optional[str] = typer.Option(None, "--code", help="Only this code (and, with --tree, its descendants)."),
    coder: Optional[str] = typer.Option(None, "--coder", help="Only this coder's codings."),
    case: Optional[str] = typer.Option(None, "--case"),
    tree: bool = typer.Option(False, "--tree", help="Include codings of the code's descendants."),
    json_: bool = JsonOption,
) -> None:
    """List codings in document order."""
    with _open(ctx) as project:
        rows = project.codings(document=document, code=code_id, coder=coder, case=case, include_descendants=tree)
    if json_:
        _json([_coding_json(c) for c in rows])
        return
    table = Table("id", "case", "doc", "span", "code", "coder", "text")
    for c in rows:
        snippet = c.text if len(c.text) <= 40 else c.text[:39] + "…"
        table.add_row(c.id[:8], c.case_id, str(c.document_id), f"{c.start}:{c.end}", c.code_id, c.coder, snippet)
    out.print(table)


@app.command()
def undo(ctx: typer.Context, coder: Optional[str] = CoderOption) -> None:
    """Undo the coder's last coding action (survives restarts)."""
    with _open(ctx) as project:
        result = project.undo(_settings(ctx).coder_for(coder))
    out.print(result.description)


@app.command()
def redo(ctx: typer.Context, coder: Optional[str] = CoderOption) -> None:
    """Redo the coder's last undone action."""
    with _open(ctx) as project:
        result = project.redo(_settings(ctx).coder_for(coder))
    out.print(result.description)


def run() -> None:
    """Console-script entry point: one clear line and exit 2 for bad input, 1 for other failures."""
    try:
        app(standalone_mode=True)
    except QualcodeError as exc:
        err.print(f"qualcode: error: {exc}", markup=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
