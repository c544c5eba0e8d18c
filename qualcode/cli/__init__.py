"""The `qualcode` command line: thin typer commands over qualcode.project.Project, one module per group.

app.py holds the typer application and what commands share; each other module registers its commands
on it when imported (main: TUI, demo, init, status; documents; codebook; coding; search; ratings; exports;
backups).
"""

from qualcode.cli import backups, codebook, coding, documents, exports, main, merge, ratings, search, team  # noqa: F401  (registers commands)
from qualcode.cli.app import app, run

__all__ = ["app", "run"]
