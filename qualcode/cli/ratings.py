"""Factor-strength ratings: rate a factor in a case, clear a rating, list ratings."""

from __future__ import annotations

from typing import Optional

import typer

from qualcode.cli.app import CoderOption, JsonOption, app, open_project, out, print_json, say, settings
from qualcode.cli.output import Table


@app.command()
def rate(
    ctx: typer.Context,
    case: str = typer.Argument(..., metavar="CASE"),
    code_id: str = typer.Argument(..., metavar="CODE", help="A factor or a dimension (e.g. leader-attention)."),
    value: str = typer.Argument(..., metavar="VALUE", help="A scale step id or label: strong / 強."),
    facet: Optional[str] = typer.Option(None, "--facet", help="Facet id or name (default: the codebook's first)."),
    note: Optional[str] = typer.Option(None, "--note"),
    evidence: Optional[list[str]] = typer.Option(
        None, "--evidence", help="A coding id to attach as evidence (repeatable)."
    ),
    coder: Optional[str] = CoderOption,
) -> None:
    """Rate a factor's strength in a case on a facet, with evidence codings."""
    with open_project(ctx) as project:
        rating = project.ratings.rate(
            case, code_id, value, coder=settings(ctx).coder_for(coder), facet=facet, note=note, evidence=evidence or []
        )
        label = next(s.label for s in project.codebook.scale() if s.id == rating.step_id)
    out.print(
        say("rated", case=rating.case_id, code=rating.code_id, facet=rating.facet_id, label=label, coder=rating.coder,
            n=len(rating.evidence)),
        markup=False,
    )  # fmt: skip


@app.command()
def unrate(
    ctx: typer.Context,
    case: str = typer.Argument(..., metavar="CASE"),
    code_id: str = typer.Argument(..., metavar="CODE"),
    facet: Optional[str] = typer.Option(None, "--facet"),
    coder: Optional[str] = CoderOption,
) -> None:
    """Clear a rating."""
    with open_project(ctx) as project:
        cleared = project.ratings.clear(case, code_id, coder=settings(ctx).coder_for(coder), facet=facet)
    out.print(say("rating_cleared" if cleared else "rating_none"))


@app.command()
def ratings(
    ctx: typer.Context,
    facet: Optional[str] = typer.Option(None, "--facet"),
    coder: Optional[str] = typer.Option(None, "--coder", help="Only this coder's ratings."),
    json_: bool = JsonOption,
) -> None:
    """List ratings."""
    with open_project(ctx) as project:
        rows = project.ratings.select(facet=facet, coder=coder)
        labels = {s.id: s.label for s in project.codebook.scale()}
    if json_:
        print_json(
            [
                {
                    "case": r.case_id,
                    "code": r.code_id,
                    "facet": r.facet_id,
                    "coder": r.coder,
                    "value": r.step_id,
                    "label": labels.get(r.step_id, ""),
                    "note": r.note,
                    "evidence": list(r.evidence),
                }
                for r in rows
            ]
        )
        return
    table = Table(*(say(f"column_{c}") for c in ("facet", "case", "code", "value", "coder", "evidence", "note")))
    for r in rows:
        table.add_row(
            r.facet_id, r.case_id, r.code_id, labels.get(r.step_id, r.step_id), r.coder, str(len(r.evidence)), r.note
        )
    out.print(table)
