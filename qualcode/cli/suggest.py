"""Code suggestions learned from the project's codings, and how well they would have done (--evaluate)."""

from __future__ import annotations

from typing import Optional

import typer

from qualcode.cli.app import JsonOption, app, err, open_project, out, print_json, say, settings
from qualcode.cli.output import Table
from qualcode.errors import BadInput


@app.command()
def suggest(
    ctx: typer.Context,
    document: Optional[str] = typer.Argument(None, help="A document: its id, its case id or its title."),
    case: Optional[str] = typer.Option(None, "--case", help="The documents of this case."),
    unit: str = typer.Option("sentence", "--unit", help="sentence (default) or turn."),
    top: int = typer.Option(3, "--top", min=1, help="How many codes per unit."),
    coder: Optional[str] = typer.Option(
        None, "--coder", help="Learn from this coder's codings (default: everyone's); with --evaluate, whose to test."
    ),
    speaker: Optional[str] = typer.Option(None, "--speaker", help="Only turns of this speaker (e.g. 答)."),
    evaluate: bool = typer.Option(
        False, "--evaluate", help="Leave-one-case-out top-1/top-3 accuracy over the coder's codings."
    ),
    json_: bool = JsonOption,
) -> None:
    """Rank codes for each sentence (or turn) from the project's own codings; never applied on their own."""
    if evaluate:
        if document is not None or case is not None:
            raise BadInput(say("suggest_evaluate_alone"))
        with open_project(ctx) as project:
            result = project.suggest.evaluate(coder or settings(ctx).coder_for(None), unit)
        if json_:
            print_json(result.to_json())
            return
        table = Table(say("column_code"), say("column_units"), "top-1", "top-3", title=say("suggest_evaluate_title"))
        for code, row in result.per_code.items():
            table.add_row(code, str(row["units"]), f"{row['top1']:.1%}", f"{row['top3']:.1%}")
        table.add_row(say("agree_all"), str(result.units), f"{result.top1:.1%}", f"{result.top3:.1%}")
        out.print(table)
        return
    if document is not None and case is not None:
        raise BadInput(say("suggest_document_or_case"))
    with open_project(ctx) as project:
        units = project.suggest.suggest(document=document, case=case, unit=unit, top=top, coder=coder, speaker=speaker)
    if json_:
        print_json([u.to_json() for u in units])
        return
    for u in units:
        out.print(say("suggest_unit", case=u.case, turn=u.turn, start=u.start, end=u.end), style="dim", end=" ")
        out.print(u.text, markup=False)
        for rank, s in enumerate(u.suggestions, 1):
            reasons = []
            if s.keywords:
                reasons.append(say("suggest_keywords", words=say("list_separator").join(s.keywords)))
            if s.example is not None:
                shown = s.example_text if len(s.example_text) <= 30 else s.example_text[:30] + "…"
                reasons.append(say("suggest_example", text=shown, similarity=f"{s.similarity:.2f}"))
            line = f"  {rank}. {s.code}  {s.score:.3f}"
            out.print(line + ("  " + "; ".join(reasons) if reasons else ""), markup=False)
    err.print(say("suggest_total", n=len(units)), style="dim")
