"""Merge another coder's copy of the project (or a .qdpx) into this one."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Optional

import typer

from qualcode.cli.app import CoderOption, JsonOption, app, err, open_project, out, print_json, settings
from qualcode.errors import BadInput

COLUMNS = ("added", "updated", "re-anchored", "skipped", "conflicts", "refused")


def parse_renames(pairs: list[str]) -> dict[str, str]:
    """`--rename-coder OLD=NEW` values as a mapping; a malformed pair or an old name given twice is refused."""
    renames: dict[str, str] = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        old, new = old.strip(), new.strip()
        if not sep or not old or not new:
            raise BadInput(f"--rename-coder {pair!r}: use OLD=NEW, e.g. --rename-coder bob=bob.chen")
        if old in renames:
            raise BadInput(f"--rename-coder: {old!r} is renamed twice")
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
                err.print(f"backed up {project.path} to {made}", markup=False)
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
    what = "a qualcode project" if report.format == "qualcode" else "a REFI-QDA .qdpx"
    if report.schema is not None:
        what += f", schema {report.schema}"
    verb = "would merge" if report.dry_run else "merged"
    header = f"{verb} {report.source} ({what}) into {target}"
    if report.renamed:
        header += "; coders renamed: " + ", ".join(f"{old} → {new}" for old, new in report.renamed.items())
    lines = [header, f"{'':<10}" + "".join(f"{c:>{len(c) + 2}}" for c in COLUMNS)]
    for kind, counts in report.counts.items():
        lines.append(f"{kind:<10}" + "".join(f"{counts[c]:>{len(c) + 2}}" for c in COLUMNS))
    refused_events: Counter[str] = Counter()
    for item in report.details:
        if item["kind"] == "events":
            refused_events[item.get("reason", "")] += 1
        else:
            lines.append(f"{item['outcome']}: {item['message']}")
    for reason, n in sorted(refused_events.items()):
        lines.append(f"refused: {n} undo-history event(s): {reason}")
    lines.extend(f"note: {note}" for note in report.notes)
    if report.dry_run:
        lines.append("dry run: nothing written")
    elif not report.changed:
        lines.append("nothing new: this project already holds everything merge could bring")
    return lines
