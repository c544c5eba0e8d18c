"""The codebook as YAML: load it, check a file, dump it, show the code tree."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from qualcode.cli.app import JsonOption, codebook_app, err, open_project, out, print_json, say, say_core, settings
from qualcode.cli.output import Table


@codebook_app.command("load")
def codebook_load(ctx: typer.Context, yaml_file: Path = typer.Argument(..., metavar="YAML")) -> None:
    """Replace the project's codebook with a YAML file (all or nothing; backed up first if it changes)."""
    coder = settings(ctx).coder_for(None)
    with open_project(ctx) as project:
        made = project.backups.before_codebook_load(yaml_file, coder=coder)
        if made:
            err.print(say("backed_up", path=project.path, target=made), markup=False)
        book = project.codebook.load(yaml_file, coder=coder)
    out.print(
        say("codebook_loaded", file=yaml_file, codes=len(book.codes), facets=len(book.facets), steps=len(book.scale)),
        markup=False,
    )


@codebook_app.command("check")
def codebook_check(yaml_file: Path = typer.Argument(..., metavar="YAML")) -> None:
    """Report every problem in a codebook file with file, line and reason."""
    from qualcode.codebook import check_file

    problems = check_file(yaml_file)
    for problem in problems:
        err.print(say_core(problem), markup=False)
    if problems:
        raise typer.Exit(2)
    out.print(say("codebook_ok", file=yaml_file), markup=False)


@codebook_app.command("dump")
def codebook_dump(
    ctx: typer.Context,
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write here instead of stdout (`-`: stdout)."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Write the project's codebook as YAML that loads back identically."""
    from qualcode.codebook import dumps
    from qualcode.fileio import is_stdout, write_atomic, write_stdout

    with open_project(ctx) as project:
        data = dumps(project.codebook.get()).encode("utf-8")
    if output is None or is_stdout(output):
        write_stdout(data)
    else:
        write_atomic(output, data, force=force)
        out.print(say("wrote", path=output), markup=False)


@codebook_app.command("show")
def codebook_show(ctx: typer.Context, json_: bool = JsonOption) -> None:
    """Show the code tree with shortcuts and coding counts."""
    with open_project(ctx) as project:
        codes = project.codebook.codes()
        counts = project.codings.counts()
    if json_:
        print_json(
            [
                {
                    "id": c.id,
                    "parent": c.parent_id,
                    "name": c.name,
                    "name_en": c.name_en,
                    "color": c.color,
                    "shortcut": c.shortcut,
                    "keywords": list(c.keywords),
                    "codings": counts.get(c.id, 0),
                }
                for c in codes
            ]
        )
        return
    depth: dict[str, int] = {}
    table = Table(*(say(f"column_{c}") for c in ("key", "id", "name", "name_en", "codings")))
    for code in codes:
        depth[code.id] = depth.get(code.parent_id or "", -1) + 1 if code.parent_id else 0
        label = "  " * depth[code.id] + code.name
        swatch = f"[on {code.color}]  [/] " if code.color else ""
        table.add_row(code.shortcut, code.id, swatch + label, code.name_en, str(counts.get(code.id, 0)))
    out.print(table)
