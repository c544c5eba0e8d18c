"""The fast path of `qualcode status` and `qualcode search`: the same commands without typer.

Importing typer and building the command line costs ~0.1 s before a command starts (typer ≥ 0.2x checks every
option through pydantic), several times what `status` itself takes. `run()` (the console script) hands the
arguments here first; when they are in the plain form below, the command runs with the same code the typer
command calls (`print_status`, `print_search`, qualcode/cli/lang.py, qualcode/cli/output.py) and prints the
same bytes. Anything else — another command, `--help`, `--`, an option written another way, a value that
starts with `-`, a repeated option, an argument that is not UTF-8 — and any failure (a missing project, a bad
query, a bad $QUALCODE_LANG) goes to typer, which says it in its one line exactly as before (the fast path has
printed nothing by then: a failed command writes nothing here).

    [-p PATH | --project PATH | --project=PATH] [--coder NAME | --coder=NAME] status [--json]
    [...the same...] search QUERY [--case C]... [--code X] [--coder C] [--speaker S] [--coded] [--limit N] [--json]

No typer, no rich (unless printing to a terminal), no numpy for `status`: tests/unit/test_cli_imports.py holds it.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from qualcode.cli import lang
from qualcode.cli.output import err, out, plain, print_json

_GLOBAL = {"-p": "project", "--project": "project", "--coder": "coder"}
_SEARCH_VALUES = {"--case": "case", "--code": "code_id", "--coder": "coder", "--speaker": "speaker", "--limit": "limit"}
_SEARCH_FLAGS = {"--coded": "coded", "--json": "json_"}
_LIMIT = re.compile(r"[1-9][0-9]{0,8}")


def _options(args: list[str], values: dict[str, str], flags: dict[str, str], positional: bool):
    """(options, positionals, rest) of args in the plain form, or None. Without `positional` the first word that
    is not an option ends the options (the command's name); else every word that is not an option is one."""
    found: dict[str, Any] = {}
    words: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        name, eq, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if name in values:
            if not eq:
                if i + 1 >= len(args):
                    return None
                i += 1
                value = args[i]
            key = values[name]
            if not value or value.startswith("-") or (key in found and key != "case"):
                return None  # typer's way with these is for typer to say
            if key == "case":
                found.setdefault("case", []).append(value)
            else:
                found[key] = value
        elif name in flags and not eq:
            if flags[name] in found:
                return None
            found[flags[name]] = True
        elif arg.startswith("-") or (not positional and words):
            return None
        elif positional:
            words.append(arg)
        else:
            return found, [], args[i:]
        i += 1
    return found, words, []


def parse(args: list[str]) -> tuple[str, dict[str, Any]] | None:
    """("status" | "search", options) for arguments in the plain form, else None (typer takes them)."""
    if not all(lang.is_utf8(arg) for arg in args):
        return None
    head = _options(args, _GLOBAL, {}, positional=False)
    if head is None or not head[2]:
        return None
    options, _, rest = head
    command, rest = rest[0], rest[1:]
    if command == "status":
        tail = _options(rest, {}, {"--json": "json_"}, positional=True)
        if tail is None or tail[1]:
            return None
        return "status", {"project": options.get("project"), **tail[0]}
    if command == "search":
        tail = _options(rest, _SEARCH_VALUES, _SEARCH_FLAGS, positional=True)
        if tail is None or len(tail[1]) != 1:
            return None
        found = tail[0]
        if "limit" in found:
            if not _LIMIT.fullmatch(found["limit"]):
                return None
            found["limit"] = int(found["limit"])
        return "search", {"project": options.get("project"), "query": tail[1][0], **found}
    return None


def run(args: list[str]) -> int | None:
    """Run `status` or `search` when `args` are in the plain form: the exit status, else None (typer's turn)."""
    parsed = parse(args)
    if parsed is None:
        return None
    from qualcode.config import default_project

    command, options = parsed
    lang.reset()
    try:
        lang.language()  # a bad $QUALCODE_LANG or `language` is typer's to report
        path = default_project(Path(options["project"]) if options["project"] is not None else None)
        from qualcode.project import Project

        with Project.open(path) as project:
            if command == "status":
                result: Any = project.status()
            else:
                result = project.search.find(
                    options["query"],
                    limit=options.get("limit", 20),
                    cases=tuple(options.get("case", ())),
                    code=options.get("code_id"),
                    coder=options.get("coder"),
                    speaker=options.get("speaker"),
                    coded_only=options.get("coded", False),
                    one_off=True,
                )
    except Exception:  # a QualcodeError, or anything else: typer runs the same code, fails the same way and says it
        lang.reset()
        return None
    try:
        if command == "status":
            print_status(result, options.get("json_", False))
        else:
            print_search(result, options.get("json_", False))
    finally:
        lang.reset()
    return 0


# -- the output, shared with the typer commands (cli/main.py `status`, cli/search.py `search`) ----------------
def print_status(data: dict[str, Any], json_: bool) -> None:
    if json_:
        print_json(data)
        return
    for key, value in data.items():
        name = lang.pad(lang.say(f"status_{key}"), 9, ">")  # right-aligned in 9 cells
        if isinstance(value, list):
            value = lang.join(value) if value else "-"  # no coders yet: a dash, not a bare label
        out.print(lang.say("status_line", name=name, value=value))


def styled(*parts: tuple[str, str]) -> Any:
    """Text in styles (rich Text); off a terminal the plain string when rich would print it unchanged."""
    text = "".join(part for part, _ in parts)
    if not out.is_terminal and plain((text,), {"markup": False}) is not None:
        return text
    from rich.text import Text

    return Text.assemble(*parts)


def highlighted(text: str, spans: list[tuple[int, int]]) -> Any:
    """The text with its hits highlighted (rich Text); off a terminal the plain string when rich would print it
    unchanged."""
    if not out.is_terminal and plain((text,), {"markup": False}) is not None:
        return text
    from rich.text import Text

    rich_text = Text(text)
    for start, end in spans:
        rich_text.stylize("bold black on yellow", start, end)
    return rich_text


def print_search(found: Any, json_: bool) -> None:
    """Results as lines: turns, or coded segments (a search restricted to codings), each with its coding's id (two
    codings of one passage are two results)."""
    if json_:
        print_json([r.to_json() for r in found.results])
        return
    for notice in found.notices:
        err.print(lang.say("note", note=lang.say_core(notice)), markup=False)
    unit = "segment" if found.segments else "turn"
    out.print(lang.say(f"search_total_{unit}", total=found.total, shown=len(found.results)), style="dim")
    for r in found.results:
        header = lang.say("search_hit", case=r.case, document=r.document, turn=r.turn, speaker=r.speaker,
                          start=r.start, end=r.end)  # fmt: skip
        codes = f"  [{', '.join(r.codes)}]" if r.codes else ""
        coding = f"  #{r.coding[:8]}" if r.coding else ""
        out.print(styled((header, "bold"), (codes, "dim"), (coding, "dim")), markup=False)
        out.print(highlighted(r.snippet, r.snippet_hits), markup=False)
        for concept, keywords in _matched(r.matched).items():
            out.print(lang.say("search_matched", concept=concept, keywords=keywords), style="dim", markup=False)


def _matched(matched: list[dict]) -> dict[str, str]:
    """Per concept term, the keywords a result holds: `經費 (budget), 預算 (budget)`."""
    by_concept: dict[str, list[str]] = {}
    for m in matched:
        by_concept.setdefault(m["concept"], []).append(f"{m['keyword']} ({m['code']})")
    return {concept: ", ".join(words) for concept, words in by_concept.items()}


def main() -> None:
    """The console script: the fast path when it applies, else the typer application.

    A reader that stops reading (`qualcode search … | head`) ends the command quietly, as it ends `rg`: no
    traceback, status 0, and standard output pointed at /dev/null so Python's final flush cannot complain."""
    try:
        _main()
    except BrokenPipeError:
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)


def _main() -> None:
    status = None
    try:
        status = run(sys.argv[1:])
    except KeyboardInterrupt:
        sys.exit(130)
    if status is not None:
        sys.exit(status)
    from qualcode.cli import application

    application.run()
