"""Standard output and standard error of the command line, with rich loaded only when it has work to do.

`out` and `err` behave as rich Consoles (`out.print(...)`, `out.is_terminal`), but a plain line printed where
no terminal is (a pipe, a file, the tests' runner) is written as it is, without importing rich (~40 ms of
every command's start): only when rich would write exactly the same characters, that is when the text holds
no markup (`[`), no emoji code (`:name:`), no tab and no control character rich strips, and nothing but
`style`, `markup`, `highlight` and `end` is asked for (with no colours, a style changes nothing). Anything
else — a table, rich text, a terminal — goes through rich, as before.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable
from typing import Any

WHOLE_WIDTH = 1_000_000  # the room a table gets when not on a terminal: as wide as its widest values need

# What rich would change or interpret in a plain string: markup, emoji codes, tabs (expanded) and the
# control characters it strips (bell, backspace, vertical tab, form feed, carriage return).
_NOT_PLAIN = re.compile(r"[\t\x07\x08\x0b\x0c\r]|:\S*?:")
_PLAIN_KEYWORDS = frozenset({"style", "markup", "highlight", "end"})


def _is_terminal(stream: Any) -> bool:
    """Whether rich would treat the stream as a terminal (its own rules: TTY_COMPATIBLE, FORCE_COLOR, isatty);
    True whenever in doubt, which only means rich does the printing."""
    tty_compatible = os.environ.get("TTY_COMPATIBLE", "")
    if tty_compatible == "0":
        return False
    if tty_compatible == "1" or os.environ.get("FORCE_COLOR") is not None:
        return True
    isatty = getattr(stream, "isatty", None)
    try:
        return True if isatty is None else bool(isatty())
    except ValueError:  # a closed stream: rich says False, and prints nothing either way
        return False


def plain(objects: tuple[Any, ...], kwargs: dict[str, Any]) -> str | None:
    """The text of a print call when it is plain strings rich would write unchanged, else None."""
    if not objects or not kwargs.keys() <= _PLAIN_KEYWORDS or not all(type(o) is str for o in objects):
        return None
    text = " ".join(objects)
    if _NOT_PLAIN.search(text) or (kwargs.get("markup", True) is not False and "[" in text):
        return None
    end = kwargs.get("end", "\n")
    return None if type(end) is not str or _NOT_PLAIN.search(end) else text + end


def _output_console():
    from rich.console import Console
    from rich.table import Table

    class Output(Console):
        """Standard output. On a terminal a table fits the window (rich shortens or folds values to fit);
        anywhere else (a pipe, a file, `| cat`) every table is printed at its full width: each value whole,
        never cut to `…`, whatever $COLUMNS says. One rule for every command that prints a table."""

        def print(self, *objects: Any, **kwargs: Any) -> None:
            tables = [o for o in objects if isinstance(o, Table)]
            if not tables or self.is_terminal or kwargs.get("width") is not None:
                super().print(*objects, **kwargs)
                return
            from rich.measure import Measurement

            wide = Console(file=self.file, width=WHOLE_WIDTH, highlight=False, soft_wrap=True, no_color=self.no_color)
            width = max(Measurement.get(wide, wide.options, table).maximum for table in tables)
            wide.print(*objects, width=width, **kwargs)

    return Output(highlight=False, soft_wrap=True)


def _error_console():
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


class LazyConsole:
    """A rich Console made on first real use; plain lines off a terminal never make it."""

    def __init__(self, stream: Callable[[], Any], make: Callable[[], Any]):
        self._stream = stream  # the stream at the time of printing (the tests' runner swaps sys.stdout)
        self._make = make
        self._console: Any = None

    @property
    def console(self) -> Any:
        if self._console is None:
            self._console = self._make()
        return self._console

    def print(self, *objects: Any, **kwargs: Any) -> None:
        stream = self._stream()
        if not _is_terminal(stream):
            text = plain(objects, kwargs)
            if text is not None:
                stream.write(text)
                stream.flush()  # as rich does after each print
                return
        self.console.print(*objects, **kwargs)

    @property
    def is_terminal(self) -> bool:
        return _is_terminal(self._stream()) if self._console is None else self._console.is_terminal

    def __getattr__(self, name: str) -> Any:
        return getattr(self.console, name)


out = LazyConsole(lambda: sys.stdout, _output_console)
err = LazyConsole(lambda: sys.stderr, _error_console)


def Table(*args: Any, **kwargs: Any) -> Any:
    """A rich Table, rich loaded only by the commands that make one."""
    from rich.table import Table as RichTable

    return RichTable(*args, **kwargs)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
