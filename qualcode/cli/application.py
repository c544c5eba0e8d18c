"""The whole typer application: every command module registered on `app` (cli/app.py).

Imported by the console script only when the fast path (cli/fast.py) does not take the arguments, and by
`from qualcode.cli import app` (the tests' runner).
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
