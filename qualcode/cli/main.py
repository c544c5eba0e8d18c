"""Opening the TUI, building the demo project, creating a project, and the project's status."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from qualcode.cli.app import CoderOption, JsonOption, Settings, app, err, out, say, settings
from qualcode.config import default_project
from qualcode.errors import Conflict, QualcodeError


@app.callback(invoke_without_command=True)
def main(
    ctx: typer.Context,
    project: Optional[Path] = typer.Option(
        None, "--project", "-p", help="Project file (default ./qualcode.db or $QUALCODE_PROJECT)."
    ),
    coder: Optional[str] = typer.Option(
        None, "--coder", help="Coder name (default $QUALCODE_CODER, the config file, then the OS user)."
    ),
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


def tui_config(blind: Optional[bool]) -> tuple[dict, dict[str, str], bool, str]:
    """The config file as the TUI takes it (config, [keys], blind, consensus coder); what it would refuse is
    refused here. `blind` None means `blind` in the config file (default off)."""
    from qualcode.config import blind_coding, consensus_coder, load_config

    config = load_config()
    keys = config.get("keys", {})
    if not isinstance(keys, dict) or not all(isinstance(v, str) for v in keys.values()):
        raise QualcodeError(say("config_keys_table"))
    return config, keys, blind_coding(config) if blind is None else blind, consensus_coder(config)


def _run_tui(config_settings: Settings, coder: Optional[str], blind: Optional[bool] = None) -> None:
    """Open the TUI; `blind` None means `blind` in the config file (default off)."""
    from qualcode.config import configured_coder
    from qualcode.project import Project

    config, keys, blind, consensus = tui_config(blind)
    project = Project.open(config_settings.project)
    from qualcode.tui.app import QualcodeApp

    try:
        QualcodeApp(
            project,
            coder=config_settings.coder_for(coder),
            ask_coder=configured_coder(coder or config_settings.coder) is None,
            language=config.get("language"),
            keys=keys,
            blind=blind,
            consensus=consensus,
        ).run()
    finally:
        project.close()


@app.command()
def tui(
    ctx: typer.Context,
    coder: Optional[str] = CoderOption,
    blind: Optional[bool] = typer.Option(
        None,
        "--blind/--no-blind",
        help="Blind coding: show only your own codings, and do not let `o` show the others' "
        "(default: `blind` in the config file, else off).",
    ),
) -> None:
    """Open the terminal UI on the project."""
    _run_tui(settings(ctx), coder, blind)


@app.command()
def demo(
    ctx: typer.Context,
    reset: bool = typer.Option(
        False, "--reset", help="Back the project up, delete it and rebuild it from the bundled files."
    ),
    force: bool = typer.Option(False, "--force", help="With --reset: rebuild even a project with codings or ratings."),
    no_tui: bool = typer.Option(False, "--no-tui", help="Build the project but do not open the TUI."),
    coder: Optional[str] = CoderOption,
) -> None:
    """Build the project from the bundled A–E transcripts, cases.csv and codebook if missing, then open the TUI."""
    from qualcode.project import build_demo

    current = settings(ctx)
    path = current.project
    if reset and path.exists():
        _back_up_before_reset(path, force=force, coder=current.coder_for(coder))
    if reset:
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    if not path.exists():
        build_demo(path, coder=current.coder_for(coder)).close()
        err.print(say("demo_built", path=path))
    if not no_tui:
        _run_tui(current, coder)


def _back_up_before_reset(path: Path, *, force: bool, coder: str) -> None:
    """Refuse to reset a project with codings or ratings unless forced; back it up before any reset.

    Opening it first also refuses a file that is not a qualcode project, which --reset must not delete.
    """
    from qualcode.project import Project

    with Project.open(path) as project:
        work = project.backups.work_at_risk()
        if any(work.values()) and not force:
            raise Conflict(say("demo_reset_has_work", path=path, codings=work["codings"], ratings=work["ratings"]))
        made = project.backups.auto("before-demo-reset", coder=coder)
    if made:
        err.print(say("backed_up", path=path, target=made), markup=False)
    else:
        err.print(say("not_backed_up", path=path), markup=False)


@app.command()
def init(ctx: typer.Context) -> None:
    """Create an empty project file."""
    from qualcode.project import Project

    path = settings(ctx).project
    if path.exists():
        raise Conflict(say("init_exists", path=path))
    Project.open(path, create=True).close()
    out.print(say("init_created", path=path))


@app.command()
def status(ctx: typer.Context, json_: bool = JsonOption) -> None:
    """Counts of documents, turns, cases, codes and codings, and who coded."""
    from qualcode.cli.app import open_project
    from qualcode.cli.fast import print_status

    with open_project(ctx) as project:
        data = project.status()
    print_status(data, json_)


@app.command()
def browse(
    ctx: typer.Context,
    port: int = typer.Option(8001, "--port", min=1, max=65535, help="The port on 127.0.0.1."),
    open_browser: bool = typer.Option(False, "--open", help="Open the page in a web browser."),
) -> None:
    """Open the project read-only in Datasette on 127.0.0.1 (needs: pip install 'qualcode[browse]')."""
    from qualcode import browse as datasette

    path = settings(ctx).project
    err.print(say("browse_serving", path=path, url=datasette.url(path, port)), markup=False)
    raise typer.Exit(datasette.serve(path, port=port, open_browser=open_browser))
