"""Search, keyword in context, word statistics and the index."""

from __future__ import annotations

from typing import Optional

import typer

from qualcode.cli.app import JsonOption, app, err, open_project, out, print_json, say
from qualcode.cli.fast import print_search
from qualcode.cli.output import Table


def _filters(case: Optional[list[str]], code_id, coder, speaker, coded) -> dict:
    return {"cases": tuple(case or ()), "code": code_id, "coder": coder, "speaker": speaker, "coded_only": coded}


CaseFilter = typer.Option(None, "--case", help="Only this case (repeatable).")
CodeFilter = typer.Option(None, "--code", help="Only inside segments coded with this code or its descendants.")
CoderFilter = typer.Option(None, "--coder", help="Only inside segments coded by this coder.")
SpeakerFilter = typer.Option(None, "--speaker", help="Only turns of this speaker (e.g. 答).")
CodedFilter = typer.Option(False, "--coded", help="Only inside coded segments (any code).")


@app.command()
def search(
    ctx: typer.Context,
    query: str = typer.Argument(
        ...,
        help='Words (all must occur), "exact phrase", a OR b, -exclude, @code (its names and keywords; @code/ with the codes below).',
    ),
    case: Optional[list[str]] = CaseFilter,
    code_id: Optional[str] = CodeFilter,
    coder: Optional[str] = CoderFilter,
    speaker: Optional[str] = SpeakerFilter,
    coded: bool = CodedFilter,
    limit: int = typer.Option(20, "--limit", min=1, help="How many results to show."),
    json_: bool = JsonOption,
) -> None:
    """Search transcripts (台/臺, Traditional/Simplified, full/half width fold together; spaces and line breaks inside the text are ignored)."""
    with open_project(ctx) as project:
        found = project.search.find(query, limit=limit, one_off=True, **_filters(case, code_id, coder, speaker, coded))
    print_search(found, json_)


@app.command()
def kwic(
    ctx: typer.Context,
    term: str = typer.Argument(..., metavar="TERM"),
    width: int = typer.Option(20, "--width", min=1, max=200, help="Characters of context on each side."),
    sort: str = typer.Option("position", "--sort", help="position, left (by the words before) or right (after)."),
    case: Optional[list[str]] = CaseFilter,
    code_id: Optional[str] = CodeFilter,
    coder: Optional[str] = CoderFilter,
    speaker: Optional[str] = SpeakerFilter,
    coded: bool = CodedFilter,
    limit: Optional[int] = typer.Option(None, "--limit", min=1),
    json_: bool = JsonOption,
) -> None:
    """Keyword in context: every occurrence of TERM with aligned left and right context."""
    with open_project(ctx) as project:
        lines = project.search.kwic(
            term, width=width, sort=sort, limit=limit, **_filters(case, code_id, coder, speaker, coded)
        )
    if json_:
        print_json([line.to_json() for line in lines])
        return
    from rich.cells import cell_len

    for line in lines:
        pad = " " * max(0, width * 2 - cell_len(line.left))
        out.print(f"[dim]({line.case}) {line.turn:>3}[/] {pad}", end="")
        out.print(line.left, markup=False, end="")
        out.print(" ", end="")
        out.print(line.match, style="bold black on yellow", markup=False, end="")
        out.print(" ", end="")
        out.print(line.right, markup=False)
    err.print(say("kwic_total", n=len(lines)), style="dim")


@app.command()
def words(
    ctx: typer.Context,
    case: Optional[list[str]] = CaseFilter,
    code_id: Optional[str] = typer.Option(
        None, "--code", help="Words of the segments coded with this code (and descendants)."
    ),
    by: str = typer.Option("case", "--by", help="Group by case or by code."),
    speaker: Optional[str] = SpeakerFilter,
    top: int = typer.Option(20, "--top", min=1),
    min_length: int = typer.Option(2, "--min-length", min=1, help="Shortest word counted (in characters)."),
    keyness: bool = typer.Option(False, "--keyness", help="Each case's most distinctive words (log-likelihood G²)."),
    min_count: Optional[int] = typer.Option(
        None, "--min-count", min=1, help="Leave out words seen fewer times (default 1; with --keyness, 3 in the case)."
    ),
    json_: bool = JsonOption,
) -> None:
    """Word frequencies from jieba tokens, per case or per code; --keyness for distinctive words."""
    with open_project(ctx) as project:
        if keyness:
            rows = project.search.keyness(
                cases=tuple(case or ()), speaker=speaker, top=top, min_length=min_length, min_count=min_count or 3
            )
        else:
            rows = project.search.words(
                by=by, cases=tuple(case or ()), code=code_id, speaker=speaker, top=top, min_length=min_length,
                min_count=min_count or 1,
            )  # fmt: skip
    group = "code" if by == "code" or code_id else "case"
    if json_:
        print_json([r.to_json() if keyness else r.to_json(group) for r in rows])
        return
    if keyness:
        table = Table(
            *(say(f"column_{c}") for c in ("case", "word", "count", "rest", "log_likelihood", "p_value")),
            title=say("keyness_title"),
        )
        for r in rows:
            table.add_row(r.case, r.word, str(r.count), str(r.rest), f"{r.log_likelihood:.1f}", f"{r.p_value:.2g}")
    else:
        table = Table(say(f"column_{group}"), say("column_word"), say("column_count"))
        for r in rows:
            table.add_row(r.group or "", r.word, str(r.count))
    out.print(table)


@app.command()
def reindex(ctx: typer.Context) -> None:
    """Rebuild the search index from the stored documents."""
    import time

    with open_project(ctx) as project:
        started = time.perf_counter()
        characters = project.search.reindex()
        elapsed = time.perf_counter() - started
    out.print(say("reindexed", characters=f"{characters:,}", seconds=f"{elapsed:.2f}"))
