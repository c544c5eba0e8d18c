"""The `qualcode` command line: thin typer commands over qualcode.project.Project, one module per group.

app.py holds the typer application and what commands share; each other module registers its commands
on it when imported (main: TUI, demo, init, status; documents; codebook; codes; coding; search; ratings; exports;
backups; serve: the TUI in a web browser); application.py imports them all.

Importing this package loads none of them: `run` (the console script) tries the fast path of `status` and
`search` first (fast.py, no typer), and `qualcode.cli.app` — the typer application, as it always was here —
is built on first use.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from qualcode.cli.fast import main as run

__all__ = ["app", "run"]


def __getattr__(name: str) -> Any:
    if name == "app":
        from qualcode.cli.application import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _Package(types.ModuleType):
    """Keeps `qualcode.cli.app` the typer application: importing the submodule cli/app.py would otherwise bind
    the module to that name (the import system sets it on the package)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "app" and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
