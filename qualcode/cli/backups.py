"""Backups of the project file: make one, list them, restore one."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from qualcode.cli.app import CoderOption, JsonOption, app, err, open_project, out, pad, print_json, say, settings
from qualcode.errors import BadInput


@app.command()
def backup(
    ctx: typer.Context,
    output: Optional[Path] = typer.Option(
        None, "-o", "--output", help="Write the copy here (`-` for stdout) instead of backups/ beside the project."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file given with -o."),
    coder: Optional[str] = CoderOption,
) -> None:
    """Copy the project file (consistent even while the TUI writes); manual backups are never pruned."""
    from qualcode.fileio import is_stdout

    coder = settings(ctx).coder_for(coder)
    with open_project(ctx) as project:
        if is_stdout(output):
            if sys.stdout.isatty():
                raise BadInput(say("backup_not_to_terminal"))
            size = project.backups.write_to(sys.stdout.buffer, coder=coder)
            err.print(say("backed_up_to_stdout", path=project.path, size=size), markup=False)
            return
        target = project.backups.create("manual", output, coder=coder, force=force)
    out.print(say("backed_up", path=project.path, target=target), markup=False)


@app.command("backups")
def backups_list(ctx: typer.Context, json_: bool = JsonOption) -> None:
    """The project's backups in backups/ beside it, newest first."""
    with open_project(ctx) as project:
        found = project.backups.list()
    if json_:
        print_json(
            [
                {
                    "path": str(b.path),
                    "created": b.created.isoformat(timespec="microseconds"),
                    "reason": b.reason,
                    "size": b.size,
                    "automatic": b.automatic,
                }
                for b in found
            ]
        )
        return
    if not found:
        out.print(say("no_backups", folder=project.backups.folder), markup=False)
        return
    for b in found:
        kind = pad(say("backup_automatic" if b.automatic else "backup_kept"), 9)
        created = b.created.strftime("%Y-%m-%d %H:%M:%S")
        out.print(say("backup_row", created=created, kind=kind, size=f"{_size(b.size):>8}", reason=f"{b.reason:<24}",
                      path=b.path), markup=False)  # fmt: skip


@app.command()
def restore(
    ctx: typer.Context,
    file: Path = typer.Argument(..., metavar="FILE", help="A backup (see `qualcode backups`)."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask (needed when not on a terminal)."),
    coder: Optional[str] = CoderOption,
) -> None:
    """Replace the project's content with a backup's; the current state is backed up first (before-restore)."""
    coder = settings(ctx).coder_for(coder)
    with open_project(ctx) as project:
        project.backups.check(file)
        if not yes:
            if not sys.stdin.isatty():
                raise BadInput(say("restore_needs_yes", file=file, path=project.path))
            if not typer.confirm(say("restore_confirm", path=project.path, file=file)):
                err.print(say("restore_declined"), markup=False)
                raise typer.Exit(1)
        before = project.backups.restore(file, coder)
    out.print(say("restored", path=project.path, file=file, before=before), markup=False)


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    value = float(size)
    for unit in ("KB", "MB", "GB"):
        value /= 1024
        if value < 1024 or unit == "GB":
            break
    return f"{value:.1f} {unit}"
