"""The core's exception types; the CLI and TUI turn them into one clear line."""

from __future__ import annotations


class QualcodeError(Exception):
    """Any failure the user should see as one line; exit status 1."""

    exit_code = 1


class BadInput(QualcodeError):
    """The user's input (a file, a value, an id) is wrong; exit status 2."""

    exit_code = 2


class NotFound(BadInput):
    """A case, document, code or coding that does not exist."""


class Conflict(BadInput):
    """The request contradicts what the project holds (e.g. a changed file that is already coded)."""


class CodebookInvalid(BadInput):
    """A codebook file has problems; `problems` lists every one (file:line: reason)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        first = problems[0] if problems else "invalid codebook"
        more = f" (and {len(problems) - 1} more problem(s); run `qualcode codebook check`)" if len(problems) > 1 else ""
        super().__init__(first + more)
