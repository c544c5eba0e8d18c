"""Transcripts and cases: import them, list them, show a transcript with turn numbers and offsets."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from qualcode.cli.app import JsonOption, app, cases_app, cell, join, open_project, out, print_json, say, settings
from qualcode.cli.output import Table


def import_message(result) -> str:
    if result.status == "unchanged":
        return say("import_unchanged", path=result.path, document=result.document_id, case=result.case_id)
    would = "_dry" if result.dry_run else ""
    if result.status == "imported":
        verb = say(f"import_imported{would}", document=result.document_id)
    else:
        verb = say(f"import_reimported{would}", version=result.version, document=result.document_id)
    line = say("import_line", path=result.path, verb=verb, case=result.case_id, turns=result.turns,
               characters=result.characters, encoding=result.encoding)  # fmt: skip
    if result.codings:
        c = result.codings
        line += say("import_codings", kept=c["kept"], moved=c["moved"], reanchored=c["re-anchored"],
                    orphaned=c["orphaned"])  # fmt: skip
    return line + (say("import_dry_run") if result.dry_run else "")


@app.command("import")
def import_(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(..., help="Transcripts: .txt, .md or .docx."),
    case: Optional[str] = typer.Option(
        None, "--case", help="Case id (default: the header's 受訪者編號, else the file name)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Report what the import would do; write nothing."),
    json_: bool = JsonOption,
) -> None:
    """Import transcripts. An unchanged file is skipped; a changed one becomes the document's next version and its
    codings follow the text: kept, moved, re-anchored for review, or orphaned (never put on other words)."""
    with open_project(ctx) as project:
        coder = settings(ctx).coder_for(None)
        results = project.documents.import_files(files, case_id=case, coder=coder, dry_run=dry_run)
    if json_:
        print_json([r.__dict__ for r in results])
        return
    for result in results:
        out.print(import_message(result), markup=False)


@cases_app.command("import")
def cases_import(
    ctx: typer.Context,
    csv_file: Path = typer.Argument(..., metavar="CSV"),
    create: bool = typer.Option(False, "--create", help="Create cases the project does not have yet."),
) -> None:
    """Set case names and typed attributes from a CSV (header cells may declare `name:integer` etc.)."""
    with open_project(ctx) as project:
        ids = project.documents.import_cases(csv_file, create=create, coder=settings(ctx).coder_for(None))
    out.print(say("cases_imported", file=csv_file, n=len(ids), ids=join(ids)), markup=False)


@cases_app.command("list")
def cases_list(ctx: typer.Context, json_: bool = JsonOption) -> None:
    """List cases with their attributes."""
    with open_project(ctx) as project:
        cases = project.documents.cases()
        attributes = [name for name, _ in project.documents.attributes()]
    if json_:
        print_json([{"id": c.id, "name": c.name, **c.attributes} for c in cases])
        return
    table = Table(say("column_id"), say("column_name"), *attributes)
    for c in cases:
        table.add_row(c.id, c.name, *[cell(c.attributes.get(a)) for a in attributes])
    out.print(table)


@app.command()
def documents(ctx: typer.Context, json_: bool = JsonOption) -> None:
    """List documents with their case, turns and size."""
    with open_project(ctx) as project:
        docs = [(d, len(project.documents.turns(d.id))) for d in project.documents.documents()]
    if json_:
        print_json(
            [
                {
                    "id": d.id,
                    "case": d.case_id,
                    "title": d.title,
                    "turns": n,
                    "characters": d.length,
                    "encoding": d.encoding,
                    "source": d.source_path,
                    "metadata": d.metadata,
                }
                for d, n in docs
            ]
        )
        return
    table = Table(*(say(f"column_{c}") for c in ("id", "case", "title", "turns", "characters", "source")))
    for d, n in docs:
        table.add_row(str(d.id), d.case_id, d.title, str(n), str(d.length), d.source_path)
    out.print(table)


@app.command()
def show(
    ctx: typer.Context,
    document: str = typer.Argument(..., metavar="DOC", help="Document id or case id."),
    turn: Optional[int] = typer.Option(None, "--turn", help="Show only this turn."),
    sentences: bool = typer.Option(
        False, "--sentences", help="Number each turn's sentences (what `code --sentence` takes)."
    ),
    version: Optional[int] = typer.Option(None, "--version", min=1, help="An earlier text of a re-imported document."),
    json_: bool = JsonOption,
) -> None:
    """Print a transcript with turn numbers and offsets (the numbers `code --turn/--span/--sentence` take)."""
    from qualcode.sentences import sentences as split

    with open_project(ctx) as project:
        doc = project.documents.document(document)
        shown = doc.version if version is None else version
        if shown != doc.version:
            text, turns = _turns_at(project, doc, shown, turn)
        else:
            text = project.documents.text(doc.id)
            current = project.documents.turns(doc.id) if turn is None else [project.documents.turn(doc.id, turn)]
            turns = [(t.number, t.speaker, t.start, t.end) for t in current]
    parts = {n: split(text, start, end) for n, _, start, end in turns} if sentences else {}
    if json_:
        rows = []
        for n, speaker, start, end in turns:
            row = {"n": n, "speaker": speaker, "start": start, "end": end, "text": text[start:end]}
            if sentences:
                row["sentences"] = [
                    {"n": i, "start": a, "end": b, "text": text[a:b]} for i, (a, b) in enumerate(parts[n], 1)
                ]
            rows.append(row)
        print_json({"document": doc.id, "case": doc.case_id, "title": doc.title, "version": shown, "turns": rows})
        return
    from rich.markup import escape

    if shown != doc.version:
        line = say("show_version", document=doc.id, case=escape(doc.case_id), shown=shown, version=doc.version)
        out.print(f"[dim]{line}[/]")
    for n, speaker, start, end in turns:
        out.print(f"[bold]{n:>3} {escape(speaker)}[/] [dim]{start}:{end}[/]")
        if not sentences:
            out.print(text[start:end], markup=False)
            continue
        for i, (a, b) in enumerate(parts[n], 1):
            out.print(f"  [dim]{i:>2} {a}:{b}[/] ", end="")
            out.print(text[a:b], markup=False)


def _turns_at(project, doc, version: int, turn: Optional[int]) -> tuple[str, list[tuple[int, str, int, int]]]:
    """An earlier text, with its turns as they were (parsed from that text): (number, speaker, start, end)."""
    from qualcode.errors import NotFound
    from qualcode.ingest.transcript import parse

    text = project.documents.text_at(doc.id, version)
    turns = [(n, t.speaker, t.start, t.end) for n, t in enumerate(parse(text).turns, 1)]
    if turn is not None:
        turns = [t for t in turns if t[0] == turn]
        if not turns:
            raise NotFound(say("version_has_no_turn", version=version, document=doc.id, turn=turn))
    return text, turns
