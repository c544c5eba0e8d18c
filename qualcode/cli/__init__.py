"""The `qualcode` command line: thin typer commands over qualcode.project.Project, one module per group.

app.py holds the typer application and what commands share; each other module registers its commands
on it when imported (main: TUI, demo, init, status; documents; codebook; codes; coding; search; ratings; exports;
backups; serve: the TUI in a web browser).
"""

from qualcode.cli import (  # noqa: F401  (registers commands)
    backups,
    codebook,
    codes,
    coding,
    documents,
    exports,
    main,
    memos,
    merge,
    ratings,
    search,
    serve,
    suggest,
    team,
)
from qualcode.cli.app import app, run

__all__ = ["app", "run"]
