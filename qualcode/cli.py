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
from typer.core import TyperGroup

from qualcode.config import default_coder, default_project
from qualcode.errors import QualcodeError

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class QualcodeGroup(TyperGroup):
    """Turns the core's errors into one line on stderr and the exit status they carry."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except QualcodeError as exc:
            err.print(f"qualcode: error: {exc}", markup=False)
            raise typer.Exit(exc.exit_code) from None


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
app.add_typer(export_app, name="export")



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

    from qualcode.config import load_config

    config = load_config()
    keys = config.get("keys", {})
    if not isinstance(keys, dict) or not all(isinstance(v, str) for v in keys.values()):
        raise QualcodeError("the [keys] table of the config file must map binding ids to key strings")
    project = Project.open(settings.project)
    from qualcode.tui.app import QualcodeApp

    try:
        QualcodeApp(project, coder=settings.coder_for(coder), language=config.get("language"), keys=keys).run()
    finally:
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


def _search_args(case: list[str] | None, code_id, coder, speaker, coded) -> dict:
    return dict(cases=tuple(case or ()), code=code_id, coder=coder, speaker=speaker, coded_only=coded)


CaseFilter = typer.Option(None, "--case", help="Only this case (repeatable).")
CodeFilter = typer.Option(None, "--code", help="Only inside segments coded with this code or its descendants.")
CoderFilter = typer.Option(None, "--coder", help="Only inside segments coded by this coder.")
SpeakerFilter = typer.Option(None, "--speaker", help="Only turns of this speaker (e.g. 答).")
CodedFilter = typer.Option(False, "--coded", help="Only inside coded segments (any code).")


def _highlight(text: str, spans: list[tuple[int, int]]):
    from rich.text import Text

    rich_text = Text(text)
    for start, end in spans:
        rich_text.stylize("bold black on yellow", start, end)
    return rich_text


@app.command()
def search(
    ctx: typer.Context,
    query: str = typer.Argument(..., help='Words (all must occur), "exact phrase", a OR b, -exclude.'),
    case: Optional[list[str]] = CaseFilter,
    code_id: Optional[str] = CodeFilter,
    coder: Optional[str] = CoderFilter,
    speaker: Optional[str] = SpeakerFilter,
    coded: bool = CodedFilter,
    limit: int = typer.Option(20, "--limit", min=1, help="How many results to show."),
    json_: bool = JsonOption,
) -> None:
    """Search transcripts (台/臺, Traditional/Simplified, full/half width fold together)."""
    with _open(ctx) as project:
        found = project.search(query, limit=limit, **_search_args(case, code_id, coder, speaker, coded))
    if json_:
        _json([r.to_json() for r in found.results])
        return
    for notice in found.notices:
        err.print(f"note: {notice}", markup=False)
    unit = "segment" if found.results and found.results[0].coding else "turn"
    out.print(f"{found.total} {unit}(s) match; showing {len(found.results)}", style="dim")
    for r in found.results:
        header = f"({r.case}) doc {r.document} turn {r.turn} {r.speaker} {r.start}:{r.end}"
        codes = f"  [{', '.join(r.codes)}]" if r.codes else ""
        out.print(f"[bold]{header}[/][dim]{codes}[/]")
        out.print(_highlight(r.snippet, r.snippet_hits))


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
    with _open(ctx) as project:
        lines = project.kwic(term, width=width, sort=sort, limit=limit, **_search_args(case, code_id, coder, speaker, coded))
    if json_:
        _json([line.to_json() for line in lines])
        return
    from rich.cells import cell_len

    for line in lines:
        pad = " " * max(0, width * 2 - cell_len(line.left))
        out.print(f"[dim]({line.case}) {line.turn:>3}[/] {pad}", end="")
        out.print(line.left, markup=False, end="")
        out.print(f" [bold black on yellow]{line.match}[/] ", end="")
        out.print(line.right, markup=False)
    err.print(f"{len(lines)} occurrence(s)", style="dim")


@app.command()
def words(
    ctx: typer.Context,
    case: Optional[list[str]] = CaseFilter,
    code_id: Optional[str] = typer.Option(None, "--code", help="Words of the segments coded with this code (and descendants)."),
    by: str = typer.Option("case", "--by", help="Group by case or by code."),
    speaker: Optional[str] = SpeakerFilter,
    top: int = typer.Option(20, "--top", min=1),
    min_length: int = typer.Option(2, "--min-length", min=1, help="Shortest word counted (in characters)."),
    keyness: bool = typer.Option(False, "--keyness", help="Each case's most distinctive words (log-likelihood G²)."),
    json_: bool = JsonOption,
) -> None:
    """Word frequencies from jieba tokens, per case or per code; --keyness for distinctive words."""
    from qualcode.search import words as word_stats

    if by not in ("case", "code"):
        raise typer.BadParameter("use --by case or --by code")
    with _open(ctx) as project:
        for case_id in case or ():
            project.case(case_id)
        if code_id:
            project.code(code_id)
        if keyness:
            rows = word_stats.keyness(project, cases=tuple(case or ()), speaker=speaker, top=top, min_length=min_length)
        else:
            rows = word_stats.frequencies(project, by=by, cases=tuple(case or ()), code=code_id, speaker=speaker,
                                          top=top, min_length=min_length)
    group = "code" if by == "code" or code_id else "case"
    if json_:
        _json([r.to_json() if keyness else r.to_json(group) for r in rows])
        return
    if keyness:
        table = Table("case", "word", "count", "rest", "log-likelihood G²", title="Distinctive words (G² vs. the other cases)")
        for r in rows:
            table.add_row(r.case, r.word, str(r.count), str(r.rest), f"{r.log_likelihood:.1f}")
    else:
        table = Table(group, "word", "count")
        for r in rows:
            table.add_row(r.group or "", r.word, str(r.count))
    out.print(table)


@app.command()
def reindex(ctx: typer.Context) -> None:
    """Rebuild the search index from the stored documents."""
    import time

    with _open(ctx) as project:
        started = time.perf_counter()
        characters = project.reindex()
        elapsed = time.perf_counter() - started
    out.print(f"indexed {characters:,} characters in {elapsed:.2f} s")


@app.command()
def rate(
    ctx: typer.Context,
    case: str = typer.Argument(..., metavar="CASE"),
    code_id: str = typer.Argument(..., metavar="CODE", help="A factor or a dimension (e.g. leader-attention)."),
    value: str = typer.Argument(..., metavar="VALUE", help="A scale step id or label: strong / 強."),
    facet: Optional[str] = typer.Option(None, "--facet", help="Facet id or name (default: the codebook's first)."),
    note: Optional[str] = typer.Option(None, "--note"),
    evidence: Optional[list[str]] = typer.Option(None, "--evidence", help="A coding id to attach as evidence (repeatable)."),
    coder: Optional[str] = CoderOption,
) -> None:
    """Rate a factor's strength in a case on a facet, with evidence codings."""
    with _open(ctx) as project:
        rating = project.rate(case, code_id, value, coder=_settings(ctx).coder_for(coder), facet=facet, note=note,
                              evidence=evidence or [])
        label = next(s.label for s in project.scale() if s.id == rating.step_id)
    out.print(f"{rating.case_id} {rating.code_id} ({rating.facet_id}): {label} by {rating.coder}, {len(rating.evidence)} evidence coding(s)")


@app.command()
def unrate(
    ctx: typer.Context,
    case: str = typer.Argument(..., metavar="CASE"),
    code_id: str = typer.Argument(..., metavar="CODE"),
    facet: Optional[str] = typer.Option(None, "--facet"),
    coder: Optional[str] = CoderOption,
) -> None:
    """Clear a rating."""
    with _open(ctx) as project:
        cleared = project.clear_rating(case, code_id, coder=_settings(ctx).coder_for(coder), facet=facet)
    out.print("cleared" if cleared else "there was no such rating")


@app.command()
def ratings(
    ctx: typer.Context,
    facet: Optional[str] = typer.Option(None, "--facet"),
    coder: Optional[str] = typer.Option(None, "--coder", help="Only this coder's ratings."),
    json_: bool = JsonOption,
) -> None:
    """List ratings."""
    with _open(ctx) as project:
        rows = project.ratings(facet=facet, coder=coder)
        labels = {s.id: s.label for s in project.scale()}
    if json_:
        _json([{"case": r.case_id, "code": r.code_id, "facet": r.facet_id, "coder": r.coder, "value": r.step_id,
                "label": labels.get(r.step_id, ""), "note": r.note, "evidence": list(r.evidence)} for r in rows])
        return
    table = Table("facet", "case", "code", "value", "coder", "evidence", "note")
    for r in rows:
        table.add_row(r.facet_id, r.case_id, r.code_id, labels.get(r.step_id, r.step_id), r.coder, str(len(r.evidence)), r.note)
    out.print(table)


OutputOption = typer.Option(None, "-o", "--output", help="Where to write (default: exports/<name>).")
ForceOption = typer.Option(False, "--force", help="Overwrite an existing file.")
PseudonymOption = typer.Option(None, "--pseudonyms", help="A map file of `name -> replacement` lines.")


@export_app.command("table")
def export_table(
    ctx: typer.Context,
    facet: Optional[str] = typer.Option(None, "--facet", help="One facet (default: one table per facet)."),
    fmt: str = typer.Option("md", "--format", help="md, csv, xlsx, html, svg or png (a heatmap), or term (coloured, here)."),
    counts: bool = typer.Option(False, "--counts", help="Show the number of evidence quotes: 強 (3)."),
    all_cases: bool = typer.Option(False, "--all-cases", help="Keep cases that have no rating in a facet."),
    coder: Optional[str] = typer.Option(None, "--coder", help="Whose ratings (needed when several coders rated)."),
    output: Optional[Path] = OutputOption,
    force: bool = ForceOption,
) -> None:
    """The factor-strength table: rows grouped by dimension, one column per case, one table per facet."""
    from qualcode.export import run as exports

    options = exports.Options(facet=facet, coder=coder, counts=counts, all_cases=all_cases)
    with _open(ctx) as project:
        if fmt == "term":
            from qualcode.export.tables import collect

            _term_table(collect(project, facet=facet, coder=coder, all_cases=all_cases), counts)
            return
        _export(project, "table", fmt, output, options, force)


def _export(project, what: str, fmt: str, output: Optional[Path], options, force: bool) -> None:
    """Markdown without -o goes to stdout; everything else to a file (exports/<name> by default)."""
    from qualcode.export import run as exports

    if output is None and fmt == "md":
        sys.stdout.write(exports.render(project, what, fmt, options).decode("utf-8"))
        return
    target = exports.write(project, what, fmt, output, options, force=force)
    err.print(f"wrote {target}")


def _term_table(tables, counts: bool) -> None:
    from qualcode.export.tables import cell_text

    for table in tables:
        grid = Table(title=table.facet.name, show_lines=False)
        grid.add_column("影響因素", style="bold")
        grid.add_column("因素")
        for case in table.cases:
            grid.add_column(case.name or case.id, justify="center")
        for dimension, rows in table.groups():
            for i, row in enumerate(rows):
                cells = []
                for case in table.cases:
                    cell = table.cell(row.factor.id, case.id)
                    color = cell.step.color if cell.step else None
                    text = cell_text(cell, counts) or "·"
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

    with _open(ctx) as project:
        _export(project, "matrix", fmt, output, exports.Options(coder=coder, kind=kind, cooccurrence=mode), force)


@export_app.command("quotes")
def export_quotes(
    ctx: typer.Context,
    code_id: Optional[str] = typer.Option(None, "--code", help="Only this code and its descendants."),
    fmt: str = typer.Option("md", "--format", help="md or docx."),
    coder: Optional[str] = typer.Option(None, "--coder", help="Only this coder's codings."),
    pseudonyms: Optional[Path] = PseudonymOption,
    output: Optional[Path] = OutputOption,
    force: bool = ForceOption,
) -> None:
    """Every coded quote per code, grouped by case, cited 「…」(A), with coder and memo."""
    from qualcode.export import run as exports
    from qualcode.export.pseudonyms import Pseudonyms

    options = exports.Options(code=code_id, coder=coder, pseudonyms=Pseudonyms.load(pseudonyms))
    with _open(ctx) as project:
        _export(project, "quotes", fmt, output, options, force)


@export_app.command("qdpx")
def export_qdpx(
    ctx: typer.Context,
    output: Path = typer.Option(..., "-o", "--output", help="The .qdpx file to write."),
    pseudonyms: Optional[Path] = PseudonymOption,
    force: bool = ForceOption,
) -> None:
    """A REFI-QDA 1.5 project (NVivo, ATLAS.ti, MAXQDA, QualCoder open it)."""
    from qualcode.export import run as exports
    from qualcode.export.pseudonyms import Pseudonyms

    with _open(ctx) as project:
        _export(project, "qdpx", "qdpx", output, exports.Options(pseudonyms=Pseudonyms.load(pseudonyms)), force)


@export_app.command("qdc")
def export_qdc(
    ctx: typer.Context,
    output: Path = typer.Option(..., "-o", "--output", help="The .qdc file to write."),
    force: bool = ForceOption,
) -> None:
    """The codebook as a REFI-QDA .qdc file."""
    from qualcode.export import run as exports

    with _open(ctx) as project:
        _export(project, "qdc", "qdc", output, exports.Options(), force)


@app.command("import-qdpx")
def import_qdpx(
    ctx: typer.Context,
    file: Path = typer.Argument(..., metavar="FILE", help="A .qdpx project or a .qdc codebook."),
) -> None:
    """Import a REFI-QDA project (sources, codes, codings, cases, notes) or codebook; all or nothing."""
    from qualcode.export.refi import import_file

    with _open(ctx) as project:
        counts = import_file(project, file, coder=_settings(ctx).coder_for(None))
    out.print(f"{file}: imported {counts['codes']} codes, {counts['documents']} documents, {counts['codings']} codings")


def run() -> None:
    """Console-script entry point: one clear line and exit 2 for bad input, 1 for other failures."""
    try:
        app(standalone_mode=True)
    except KeyboardInterrupt:
        sys.exit(130)
