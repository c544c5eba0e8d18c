"""Team coding: agreement between coders (over codings, ratings or a content-analysis sheet)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from qualcode.cli.app import JsonOption, app, err, join, open_project, out, print_json, say
from qualcode.cli.output import Table


def _split(values: Optional[list[str]]) -> list[str]:
    return [v.strip() for value in values or () for v in value.split(",") if v.strip()]


@app.command()
def agree(
    ctx: typer.Context,
    coders: Optional[list[str]] = typer.Option(
        None, "--coders", help="Coders to compare, a,b[,c…] (default: every coder with codings)."
    ),
    code_ids: Optional[list[str]] = typer.Option(
        None, "--code", help="A code with its subtree (repeatable; default: every code applied)."
    ),
    leaves: bool = typer.Option(False, "--leaves", help="Each code of the --code subtrees on its own."),
    case: Optional[list[str]] = typer.Option(None, "--case", help="Only this case (repeatable)."),
    speaker: Optional[str] = typer.Option(None, "--speaker", help="Only turns of this speaker (e.g. 答)."),
    unit: str = typer.Option("char", "--unit", help="char, sentence, turn or segment."),
    overlap: float = typer.Option(
        0.5, "--overlap", help="segment unit: the least overlap, of the two segments' union."
    ),
    threshold: float = typer.Option(0.85, "--threshold", help="Composite reliability needed to pass."),
    table_file: Optional[Path] = typer.Option(
        None, "--table", help="A content-analysis sheet: CSV unit,item,coder,value."
    ),
    level: str = typer.Option("nominal", "--level", help="--table: nominal, ordinal, interval or ratio."),
    ratings: bool = typer.Option(False, "--ratings", help="Agreement of the raters over the factor-strength table."),
    facet: Optional[str] = typer.Option(None, "--facet", help="--ratings: the facet (default: the first)."),
    fmt: Optional[str] = typer.Option(None, "--format", help="md, csv or xlsx (with -o; md and csv also to stdout)."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write the table here (`-` for stdout)."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
    json_: bool = JsonOption,
) -> None:
    """How well coders agree: percent, Cohen's, Fleiss', Krippendorff's, Brennan–Prediger, Gwet's AC1, Holsti."""
    if table_file is not None:
        from qualcode.services.team import TeamService

        report = TeamService.sheet_agreement(table_file, level=level, threshold=threshold)
    else:
        with open_project(ctx) as project:
            if ratings:
                report = project.team.rating_agreement(facet=facet, raters=_split(coders) or None, threshold=threshold)
            else:
                report = project.team.agreement(coders=_split(coders) or None, codes=_split(code_ids), leaves=leaves,
                                                cases=tuple(case or ()), speaker=speaker, unit=unit, overlap=overlap,
                                                threshold=threshold)  # fmt: skip
    data = report.to_json()
    if json_:
        print_json(data)
        return
    if fmt is not None or output is not None:
        _write(data, fmt or (output.suffix.lstrip(".") if output else "md"), output, force)
        return
    _print(data)


def _write(data: dict, fmt: str, output: Optional[Path], force: bool) -> None:
    from qualcode.errors import BadInput
    from qualcode.export.agreement import render
    from qualcode.fileio import is_stdout, write_atomic, write_stdout

    rendered = render(data, fmt)
    if output is None or is_stdout(output):
        import sys

        if fmt == "xlsx" and sys.stdout.isatty():
            raise BadInput(say("binary_not_to_terminal", format="xlsx"))
        write_stdout(rendered)
        return
    target = write_atomic(output, rendered, force=force)
    err.print(say("wrote", path=target), markup=False)


# The agreement table's columns, in the order of qualcode.export.agreement.COLUMNS: (short heading, what it is).
STATISTICS = ("units", "percent", "cohen_kappa", "fleiss_kappa", "krippendorff_alpha", "brennan_prediger", "gwet_ac1",
              "holsti_mean", "composite", "passes")  # fmt: skip


def caption(data: dict) -> str:
    """The table's title: who, which unit, which level, the threshold; what "undefined" means."""
    unit, level = data["unit"], data.get("level", "nominal")
    return say("agree_caption", coders=join(data["coders"]),
               unit=say(f"agree_unit_{unit}") if unit in UNITS else unit,
               level=say(f"agree_level_{level}") if level in LEVELS else level,
               threshold=data["holsti"]["threshold"])  # fmt: skip


UNITS = ("char", "sentence", "turn", "segment", "rating", "sheet")
LEVELS = ("nominal", "ordinal", "interval", "ratio")


def cell(value) -> str:
    """A figure as the table shows it: three decimals, yes/no, or undefined (the statistic has no value)."""
    if value is None:
        return say("agree_undefined")
    if isinstance(value, bool):
        return say("yes" if value else "no")
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _print(data: dict) -> None:
    from qualcode.export.agreement import rows

    table = Table(title=caption(data), title_justify="left")
    table.add_column(say("column_item" if data["unit"] == "sheet" else "column_code"), no_wrap=True, min_width=8)
    for statistic in STATISTICS:
        table.add_column(say(f"agree_short_{statistic}"), justify="right", no_wrap=True)
    found = rows(data)
    for i, (name, figures) in enumerate(found, 1):
        if i == len(found):  # the last row is the pooled one: "(pooled)", or "(all)" alone
            name = say("agree_pooled" if name == "(pooled)" else "agree_all")
        table.add_row(name, *[cell(v) for v in figures])
    out.print(table)
    legend = [(say(f"agree_short_{s}"), say(f"agree_long_{s}")) for s in STATISTICS]
    out.print(say("clause_separator").join(say("agree_legend", short=short, long=long) for short, long in legend
                                           if short != long), style="dim", markup=False)  # fmt: skip
    pairs = data["holsti"]["pairs"]
    if pairs:
        out.print(say("agree_holsti_pairs", pairs=join(f"{p} {v:.3f}" for p, v in pairs.items())), markup=False)
    if data["disagreements"]:
        out.print(say("agree_disagreements", n=len(data["disagreements"])), style="dim")
