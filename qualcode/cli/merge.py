"""Merge another coder's copy of the project (or a .qdpx) into this one."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Optional

import typer

from qualcode.cli.app import (
    CoderOption,
    JsonOption,
    app,
    err,
    join,
    open_project,
    out,
    pad,
    print_json,
    say,
    say_core,
    settings,
)
from qualcode.errors import BadInput

COLUMNS = ("added", "updated", "re-anchored", "skipped", "conflicts", "refused")


def parse_renames(pairs: list[str]) -> dict[str, str]:
    """`--rename-coder OLD=NEW` values as a mapping; a malformed pair or an old name given twice is refused."""
    renames: dict[str, str] = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        old, new = old.strip(), new.strip()
        if not sep or not old or not new:
            raise BadInput(say("rename_coder_form", pair=repr(pair)))
        if old in renames:
            raise BadInput(say("rename_coder_twice", old=repr(old)))
        renames[old] = new
    return renames


@app.command()
def merge(
    ctx: typer.Context,
    other: Path = typer.Argument(..., metavar="OTHER", help="Another coder's copy of the project, or a .qdpx."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Report what the merge would do; write nothing."),
    rename_coder: Optional[list[str]] = typer.Option(
        None, "--rename-coder", metavar="OLD=NEW", help="Bring OTHER's coder OLD in as NEW (repeatable)."
    ),
    coder: Optional[str] = CoderOption,
    json_: bool = JsonOption,
) -> None:
    """Bring another coder's codings, memos, ratings and undo history into this project (backed up first).

    Documents match by their text, then by case and title (a changed text: the codings are re-anchored); codes
    by GUID, then id (missing ones are created); codings by id, then by document, code, coder and span. Merging
    the same file again adds nothing; conflicts keep this project's value and are reported.
    """
    renames = parse_renames(rename_coder or [])
    coder = settings(ctx).coder_for(coder)
    with open_project(ctx) as project:

        def back_up():  # once OTHER has been read and checked, before anything is written
            made = project.backups.auto("before-merge", coder=coder)
            if made:
                err.print(say("backed_up", path=project.path, target=made), markup=False)
            return made

        report = project.merge.merge(other, coder=coder, renames=renames, dry_run=dry_run, before_write=back_up)
        target = project.path
    if json_:
        print_json(report.as_json())
        return
    for line in report_lines(report, target):
        out.print(line, markup=False)


def report_lines(report, target: Path) -> list[str]:
    """The report as text: a header, a table of counts, one line per notable item, notes."""
    what = say("merge_from_qualcode" if report.format == "qualcode" else "merge_from_qdpx")
    if report.schema is not None:
        what += say("merge_schema", schema=report.schema)
    header = say("merge_would" if report.dry_run else "merge_done", source=report.source, what=what, target=target)
    if report.renamed:
        header += say("merge_renamed", renames=join(f"{old} → {new}" for old, new in report.renamed.items()))
    # columns as wide as their heading and two spaces: padded in terminal cells, so Chinese headings line up too
    heads = [say(f"merge_column_{c.replace('-', '_')}") for c in COLUMNS]
    widths = [cell_width(h) + 2 for h in heads]
    kinds = {kind: say(f"merge_kind_{kind}") for kind in report.counts}
    first = max([10, *(cell_width(k) + 1 for k in kinds.values())])
    lines = [header, pad("", first) + "".join(pad(h, w, ">") for h, w in zip(heads, widths, strict=True))]
    for kind, counts in report.counts.items():
        lines.append(pad(kinds[kind], first) + "".join(pad(str(counts[c]), w, ">") for c, w in zip(COLUMNS, widths,
                                                                                                 strict=True)))  # fmt: skip
    refused_events: Counter[str] = Counter()
    for item in report.details:
        if item["kind"] == "events":
            refused_events[item.get("reason", "")] += 1
        else:
            outcome = say(f"merge_column_{item['outcome'].replace('-', '_')}")
            lines.append(say("merge_detail", outcome=outcome, message=say_core(item["message"])))
    for reason, n in sorted(refused_events.items()):
        lines.append(say("merge_refused_events", n=n, reason=say_core(reason)))
    lines.extend(say("note", note=say_core(note)) for note in report.notes)
    if report.dry_run:
        lines.append(say("dry_run_nothing_written"))
    elif not report.changed:
        lines.append(say("merge_nothing_new"))
    return lines


def cell_width(text: str) -> int:
    from rich.cells import cell_len

    return cell_len(text)
