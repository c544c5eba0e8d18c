"""Coding from the command line: code a span, a quote, a turn or a sentence; uncode, memo, list, undo, redo."""

from __future__ import annotations

from typing import Optional

import typer

from qualcode.cli.app import (
    CoderOption,
    JsonOption,
    app,
    coding_json,
    language,
    open_project,
    out,
    print_json,
    say,
    settings,
)
from qualcode.cli.output import Table


@app.command()
def code(
    ctx: typer.Context,
    document: str = typer.Argument(..., metavar="DOC", help="Document id, or a case id with one document."),
    code_id: str = typer.Argument(..., metavar="CODE"),
    span: Optional[str] = typer.Option(None, "--span", help="START:END in code points, end-exclusive."),
    quote: Optional[str] = typer.Option(None, "--quote", help="Text to find in the document (whitespace ignored)."),
    turn: Optional[int] = typer.Option(None, "--turn", help="Turn number (from 1)."),
    sentence: Optional[int] = typer.Option(
        None,
        "--sentence",
        help="With --turn: the turn's Nth sentence (from 1; `show DOC --turn N --sentences` numbers them).",
    ),
    memo: str = typer.Option("", "--memo"),
    coder: Optional[str] = CoderOption,
    json_: bool = JsonOption,
) -> None:
    """Code a span of a document, given by --span, --quote, --turn or --turn with --sentence."""
    with open_project(ctx) as project:
        coding = project.codings.apply(
            document,
            code_id,
            settings(ctx).coder_for(coder),
            span=span,
            quote=quote,
            turn=turn,
            sentence=sentence,
            memo=memo,
        )
    if json_:
        print_json(coding_json(coding))
        return
    out.print(
        say("coded", case=coding.case_id, start=coding.start, end=coding.end, code=coding.code_id, id=coding.id),
        markup=False,
    )


@app.command()
def uncode(
    ctx: typer.Context, coding_id: str = typer.Argument(..., metavar="CODING_ID"), coder: Optional[str] = CoderOption
) -> None:
    """Remove a coding (its id or a unique prefix of 6+ characters)."""
    with open_project(ctx) as project:
        coding = project.codings.remove(coding_id, settings(ctx).coder_for(coder))
    out.print(
        say("uncoded", id=coding.id, code=coding.code_id, case=coding.case_id, start=coding.start, end=coding.end),
        markup=False,
    )


@app.command()
def memo(
    ctx: typer.Context,
    coding_id: str = typer.Argument(..., metavar="CODING_ID"),
    text: str = typer.Argument(...),
    coder: Optional[str] = CoderOption,
) -> None:
    """Set the memo of a coding (empty text clears it)."""
    with open_project(ctx) as project:
        coding = project.codings.set_memo(coding_id, text, settings(ctx).coder_for(coder))
    out.print(say("coding_memo_set", id=coding.id), markup=False)


@app.command()
def codings(
    ctx: typer.Context,
    document: Optional[str] = typer.Option(None, "--doc", help="Document id or case id."),
    code_id: Optional[str] = typer.Option(None, "--code", help="Only this code (and, with --tree, its descendants)."),
    coder: Optional[str] = typer.Option(None, "--coder", help="Only this coder's codings."),
    case: Optional[str] = typer.Option(None, "--case"),
    tree: bool = typer.Option(False, "--tree", help="Include codings of the code's descendants."),
    orphaned: bool = typer.Option(False, "--orphaned", help="Only orphaned codings: a re-import removed their text."),
    review: bool = typer.Option(False, "--review", help="Only codings a re-import re-anchored, marked for review."),
    json_: bool = JsonOption,
) -> None:
    """List codings in document order (orphaned ones only with --orphaned; their text is the old text)."""
    with open_project(ctx) as project:
        rows = project.codings.select(document=document, code=code_id, coder=coder, case=case,
                                      include_descendants=tree, orphaned=orphaned, review=True if review else None)  # fmt: skip
    if json_:
        print_json([coding_json(c) for c in rows])
        return
    table = Table(*(say(f"column_{c}") for c in ("id", "case", "doc", "span", "code", "coder", "text")))
    whole = not out.is_terminal  # piped: every value whole (on a terminal the text is cut to fit)
    for c in rows:
        snippet = c.text if whole or len(c.text) <= 40 else c.text[:39] + "…"
        mark = say("mark_orphaned") if c.orphaned else say("mark_review") if c.review else ""
        table.add_row(c.id[:8], c.case_id, str(c.document_id), f"{c.start}:{c.end}{mark}", c.code_id, c.coder, snippet)
    out.print(table)


@app.command()
def reattach(
    ctx: typer.Context,
    coding_id: str = typer.Argument(..., metavar="CODING_ID"),
    span: Optional[str] = typer.Option(None, "--span", help="START:END in the document's current text."),
    quote: Optional[str] = typer.Option(None, "--quote", help="Text to find in the document (whitespace ignored)."),
    turn: Optional[int] = typer.Option(None, "--turn", help="Turn number (from 1)."),
    coder: Optional[str] = CoderOption,
) -> None:
    """Put an orphaned or re-anchored coding on a passage of its document's current text (clears review)."""
    with open_project(ctx) as project:
        current = project.codings.get(coding_id)
        document = project.documents.document(current.document_id)
        start, end = project.documents.locate(document, span=span, quote=quote, turn=turn)
        coding = project.codings.reattach(current.id, start, end, settings(ctx).coder_for(coder))
    out.print(say("reattached", id=coding.id, case=coding.case_id, start=coding.start, end=coding.end), markup=False)


@app.command()
def confirm(ctx: typer.Context, coding_id: str = typer.Argument(..., metavar="CODING_ID"),
            coder: Optional[str] = CoderOption) -> None:  # fmt: skip
    """Clear a re-anchored coding's review mark: you checked it sits on the right words."""
    with open_project(ctx) as project:
        coding = project.codings.confirm(coding_id, settings(ctx).coder_for(coder))
    out.print(say("confirmed", id=coding.id, code=coding.code_id, case=coding.case_id, start=coding.start,
                  end=coding.end), markup=False)  # fmt: skip


@app.command()
def undo(ctx: typer.Context, coder: Optional[str] = CoderOption) -> None:
    """Undo the coder's last change: a coding, memo, rating, note, evidence or new code (survives restarts)."""
    with open_project(ctx) as project:
        result = project.history.undo(settings(ctx).coder_for(coder))
        out.print(_said(project, result, "undid"), markup=False)


@app.command()
def redo(ctx: typer.Context, coder: Optional[str] = CoderOption) -> None:
    """Redo the coder's last undone action."""
    with open_project(ctx) as project:
        result = project.history.redo(settings(ctx).coder_for(coder))
        out.print(_said(project, result, "redid"), markup=False)


def _said(project, result, key: str) -> str:
    """What was undone or redone: the core's own words in English; in Chinese, the code's name and the quoted
    words, as the TUI says it (the change_* labels of the shared catalogue)."""
    if language() == "en":
        return result.description
    from qualcode.i18n import describe_change

    names = {c.id: c.name for c in project.codebook.codes()}
    return say(key, what=describe_change(result, language(), names, project.documents.text))
