"""Exports (factor-strength tables, matrices, quote reports, REFI-QDA) and REFI-QDA import."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from qualcode.cli.app import JsonOption, app, err, export_app, open_project, out, print_json, say, settings
from qualcode.cli.output import Table
from qualcode.errors import BadInput

OutputOption = typer.Option(None, "-o", "--output", help="Where to write (default: exports/<name>; `-`: stdout).")
BINARY = {"xlsx", "png", "docx", "qdpx"}  # `-o -` refuses to print these on a terminal
ForceOption = typer.Option(False, "--force", help="Overwrite an existing file.")
PseudonymOption = typer.Option(None, "--pseudonyms", help="A map file of `name -> replacement` lines.")


@export_app.command("table")
def export_table(
    ctx: typer.Context,
    facet: Optional[str] = typer.Option(None, "--facet", help="One facet (default: one table per facet)."),
    fmt: str = typer.Option(
        "md", "--format", help="md, csv, xlsx, html, svg or png (a heatmap), or term (coloured, here)."
    ),
    counts: bool = typer.Option(False, "--counts", help="Show the number of evidence quotes: 強 (3)."),
    all_cases: bool = typer.Option(
        False, "--all-cases", hidden=True, help="Accepted for older scripts: every case is a column already."
    ),
    coder: Optional[str] = typer.Option(None, "--coder", help="Whose ratings (needed when several coders rated)."),
    raters: Optional[str] = typer.Option(
        None, "--raters", help="Raters side by side, a,b[,c]: cells where they differ are marked ≠."
    ),
    output: Optional[Path] = OutputOption,
    force: bool = ForceOption,
) -> None:
    """The factor-strength table: rows grouped by dimension, a column for every case (unrated cells empty), one
    table per facet."""
    from qualcode.export import run as exports

    side = tuple(r.strip() for r in (raters or "").split(",") if r.strip())
    options = exports.Options(facet=facet, coder=coder, counts=counts, all_cases=all_cases, raters=side)
    with open_project(ctx) as project:
        if fmt == "term":
            from qualcode.export.tables import collect
            from qualcode.fileio import is_stdout

            if output is not None and not is_stdout(output):
                raise BadInput(say("term_not_to_file", path=output))

            _term_table(collect(project, facet=facet, coder=coder, all_cases=all_cases, raters=side), counts)
            return
        _export(project, "table", fmt, output, options, force)


def _export(project, what: str, fmt: str, output: Optional[Path], options, force: bool) -> None:
    """`-o -` and Markdown without -o go to stdout (as bytes); everything else to a file (exports/<name> by default)."""
    from qualcode.export import run as exports
    from qualcode.fileio import is_stdout, write_stdout

    if is_stdout(output) or (output is None and fmt == "md"):
        if fmt in BINARY and sys.stdout.isatty():
            raise BadInput(say("binary_not_to_terminal", format=fmt))
        write_stdout(exports.render(project, what, fmt, options))
        return
    target = exports.write(project, what, fmt, output, options, force=force)
    err.print(say("wrote", path=target))


def _term_table(tables, counts: bool) -> None:
    from qualcode.export.tables import cell_text

    for table in tables:
        grid = Table(title=table.facet.name, show_lines=False)
        grid.add_column(say("column_dimension"), style="bold")
        grid.add_column(say("column_factor"))
        for case in table.cases:
            grid.add_column(case.name or case.id, justify="center")
        for dimension, rows in table.groups():
            for i, row in enumerate(rows):
                cells = []
                for case in table.cases:
                    cell = table.cell(row.factor.id, case.id)
                    color = cell.step.color if cell.step else None
                    text = cell_text(cell, counts)
                    cells.append(f"[on {color}] {text} [/]" if color else text)
                grid.add_row(dimension.name if i == 0 else "", "" if row.is_dimension else row.factor.name, *cells)
        out.print(grid)


@export_app.command("matrix")
def export_matrix(
    ctx: typer.Context,
    kind: str = typer.Option("count", "--kind", help="count, coverage, presence or cooccurrence."),
    mode: str = typer.Option("overlap", "--cooccurrence", help="For --kind cooccurrence: overlap or turn."),
    fmt: str = typer.Option("csv", "--format", help="csv, xlsx, md, or svg / png (a heatmap)."),
    coder: Optional[str] = typer.Option(None, "--coder", help="Only this coder's codings."),
    output: Optional[Path] = OutputOption,
    force: bool = ForceOption,
) -> None:
    """Case x code matrices (codes as rows with their dimension, cases as columns), or code co-occurrence."""
    from qualcode.export import run as exports

    with open_project(ctx) as project:
        _export(project, "matrix", fmt, output, exports.Options(coder=coder, kind=kind, cooccurrence=mode), force)


@export_app.command("quotes")
def export_quotes(
    ctx: typer.Context,
    code_id: Optional[str] = typer.Option(None, "--code", help="Only this code and its descendants."),
    fmt: str = typer.Option("md", "--format", help="md or docx."),
    coder: Optional[str] = typer.Option(None, "--coder", help="Only this coder's codings and memos."),
    cite: str = typer.Option("case", "--cite", help="case: 「…」(A); case-turn: 「…」(A, 第 34 輪)."),
    no_coder: bool = typer.Option(False, "--no-coder", help="Leave out who coded each quote and wrote each memo."),
    no_memo: bool = typer.Option(
        False, "--no-memo", help="Leave out coding memos and the project's, documents', cases' and codes' memos."
    ),
    pseudonyms: Optional[Path] = PseudonymOption,
    output: Optional[Path] = OutputOption,
    force: bool = ForceOption,
) -> None:
    """Every coded quote per code, grouped by case, cited 「…」(A), with coder and memo; the project memo at the top,
    case and document memos under their case, code memos under their code."""
    from qualcode.export import quotes
    from qualcode.export import run as exports
    from qualcode.export.pseudonyms import Pseudonyms
    from qualcode.fileio import is_stdout, write_atomic, write_stdout

    style = quotes.Style(cite=cite, coder=not no_coder, memos=not no_memo)
    names = Pseudonyms.load(pseudonyms)
    with open_project(ctx) as project:
        data = quotes.render(project, fmt, title=exports.QUOTES_TITLE, code=code_id, coder=coder, pseudonyms=names,
                             style=style)  # fmt: skip
    if is_stdout(output) or (output is None and fmt == "md"):
        if fmt in BINARY and sys.stdout.isatty():
            raise BadInput(say("binary_not_to_terminal", format=fmt))
        write_stdout(data)
        return
    err.print(say("wrote", path=write_atomic(output or Path("exports") / f"quotes.{fmt}", data, force=force)))


@export_app.command("qdpx")
def export_qdpx(
    ctx: typer.Context,
    output: Path = typer.Option(..., "-o", "--output", help="The .qdpx file to write (`-`: stdout)."),
    pseudonyms: Optional[Path] = PseudonymOption,
    force: bool = ForceOption,
) -> None:
    """A REFI-QDA 1.5 project (NVivo, ATLAS.ti, MAXQDA, QualCoder open it)."""
    from qualcode.export import run as exports
    from qualcode.export.pseudonyms import Pseudonyms

    with open_project(ctx) as project:
        _export(project, "qdpx", "qdpx", output, exports.Options(pseudonyms=Pseudonyms.load(pseudonyms)), force)


@export_app.command("qdc")
def export_qdc(
    ctx: typer.Context,
    output: Path = typer.Option(..., "-o", "--output", help="The .qdc file to write (`-`: stdout)."),
    force: bool = ForceOption,
) -> None:
    """The codebook as a REFI-QDA .qdc file."""
    from qualcode.export import run as exports

    with open_project(ctx) as project:
        _export(project, "qdc", "qdc", output, exports.Options(), force)


@app.command("import-qdpx")
def import_qdpx(
    ctx: typer.Context,
    file: Path = typer.Argument(..., metavar="FILE", help="A .qdpx project or a .qdc codebook."),
    as_json: bool = JsonOption,
) -> None:
    """Import a REFI-QDA project (sources, codes, codings, cases, notes) or codebook; all or nothing; backed up first.
    What the file holds that qualcode does not take is reported, one count per element (`skipped: 1 PDFSource`)."""
    from qualcode.export.refi import import_file

    coder = settings(ctx).coder_for(None)
    with open_project(ctx) as project:

        def back_up() -> None:  # once the file has been read and checked, before anything is written
            made = project.backups.auto(f"before-import-{file.suffix.lstrip('.').lower() or 'qdpx'}", coder=coder)
            if made:
                err.print(say("backed_up", path=project.path, target=made), markup=False)

        counts = import_file(project, file, coder=coder, before_write=back_up)
    if as_json:
        print_json({"file": str(file), **counts})
        return
    out.print(say("qdpx_imported", file=file, codes=counts["codes"], documents=counts["documents"],
                  codings=counts["codings"]), markup=False)  # fmt: skip
    if any(counts.get(k) for k in ("memos", "annotations", "ratings")):
        out.print(say("qdpx_imported_more", memos=counts.get("memos", 0), annotations=counts.get("annotations", 0),
                      ratings=counts.get("ratings", 0)), markup=False)  # fmt: skip
    if counts.get("normalised"):
        out.print(say("qdpx_normalised", n=counts["normalised"]), markup=False)
    if counts["skipped"]:
        elements = ", ".join(f"{n} {element}" for element, n in counts["skipped"].items())
        out.print(say("qdpx_skipped", elements=elements), markup=False)
