"""The README runs as written: every `qualcode …` line of its ```sh and ```console blocks, in order, in a shell,
on a scratch copy of the demo project (cwd a temporary folder holding it, the bundled transcripts and codebooks).

The README's examples name things a reader has (a coding id, a teammate's copy, a backup). Those are filled in
from qualcode's own output at the time, or made beforehand, by the two small tables below; the few lines that
cannot run unattended (a UI, a server, a prompt) are skipped by name, with the reason. A line's comment may say
the exit status it expects (`# … exit status 2`); every other line must exit 0.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
COMMAND = re.compile(r"^(?:\$ )?(qualcode(?: .*)?)$")
EXPECTED_EXIT = re.compile(r"#.*\bexit(?: status| code)? (\d+)\b")

# Lines that cannot run unattended, by the command's start: the reason they are not run.
SKIP = {
    "qualcode browse": "serves the project in Datasette until stopped",
    "qualcode serve": "a server: runs until stopped",
    "qualcode tui": "opens the terminal UI",
    "qualcode restore": "asks first (a prompt); the backups tests restore with --yes",
}

# Placeholders: (the line's start, the text the README shows, what stands in for it). The stand-ins ask the
# project through the CLI, as a reader would look the id up.
FILL = [
    ("qualcode uncode ", "3f2a9c", lambda run: run("codings")[-1]["id"][:6]),  # a unique prefix of the newest
    ("qualcode rate A central-support ", "3f2a9c",
     lambda run: next(c["id"] for c in run("codings", "--case", "A", "--code", "central-support"))),
    ("qualcode reattach ", "3f2a9c", lambda run: run("codings", "--orphaned")[0]["id"]),
    ("qualcode confirm ", "8c9be4", lambda run: run("codings", "--review")[0]["id"]),
]  # fmt: skip


def _adjudicate(folder: Path) -> None:
    """What the TUI's adjudication screen (`d`) does: decide alice's and bob's disagreements (here: their union),
    written as codings of the consensus coder."""
    from qualcode.project import Project

    with Project.open(folder / "qualcode.db") as project:
        for item in project.team.to_adjudicate(coders=["alice", "bob"]):
            project.team.adjudicate(item, "union")


# Work the reader does elsewhere (in the TUI) before a line: (the line's start, why, what does it here).
BEFORE = [("qualcode agree --coders alice,consensus", "adjudication happens in the TUI", _adjudicate)]


def readme_commands(text: str) -> list[str]:
    """The lines of ```sh and ```console blocks that start with `qualcode ` or `$ qualcode `, in order."""
    commands, language = [], None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("```"):
            language = stripped[3:].strip() if language is None else None
            continue
        if language in ("sh", "console"):
            match = COMMAND.match(stripped)
            if match:
                commands.append(match.group(1))
    return commands


def test_readme_commands_are_found():
    sample = "\n".join(
        [
            "qualcode outside a block",
            "```sh",
            "make run",
            "qualcode status --json     # counts",
            "```",
            "```toml",
            'qualcode = "not a command"',
            "```",
            "```console",
            "$ qualcode merge bob.db",
            "merged bob.db into qualcode.db",
            "qualcode: error: not a command either",
            "```",
        ]
    )
    assert readme_commands(sample) == ["qualcode status --json     # counts", "qualcode merge bob.db"]
    found = readme_commands(README.read_text(encoding="utf-8"))
    assert "qualcode -p study.db init                   # an empty project" in found
    assert "qualcode import A.txt --dry-run" in found


def _prepare(folder: Path, demo_db: Path, copy_db) -> None:
    """What a reader of the README already has: the clone's transcripts and codebooks, the demo project, and
    the files its examples name (a teammate's copies, a pseudonym map, an agreement sheet, a changed transcript)."""
    from qualcode.export import run as exports
    from qualcode.project import Project

    shutil.copytree(ROOT / "transcripts", folder / "transcripts")
    shutil.copytree(ROOT / "codebooks", folder / "codebooks")
    copy_db(demo_db, folder / "qualcode.db")
    shutil.copy(ROOT / "codebooks" / "five-municipalities.yaml", folder / "my-codebook.yaml")
    (folder / "names.txt").write_text("蘇局長 -> 局長甲\n", encoding="utf-8")
    sheet = [
        ("A", "a", "yes"),
        ("A", "b", "yes"),
        ("B", "a", "no"),
        ("B", "b", "yes"),
        ("C", "a", "no"),
        ("C", "b", "no"),
    ]
    rows = "".join(f"{unit},site,{coder},{value}\n" for unit, coder, value in sheet)
    (folder / "sites.csv").write_text("unit,item,coder,value\n" + rows, encoding="utf-8")
    with Project.open(copy_db(demo_db, folder / "bob.db")) as bob:  # bob coded and rated his own copy
        bob.codings.apply("A", "budget", "bob", turn=6)
        bob.codings.apply("A", "staffing", "bob", quote="人事經費的話大概也有個一千萬左右吧")
        bob.codings.apply("E", "budget", "bob", turn=4)
        for case, step in zip("ABCDE", ["強", "中", "強", "強", "中"], strict=True):
            bob.ratings.rate(case, "central-support", step, coder="bob", facet="establishment")
    with Project.open(copy_db(demo_db, folder / "carol.db")) as carol:  # a teammate who exports REFI-QDA
        carol.codings.apply("B", "budget", "林", turn=4)
        (folder / "carol.qdpx").write_bytes(exports.render(carol, "qdpx", "qdpx"))
    # Another study's project from another program: a sixth interview, coded with the same codebook.
    (folder / "F.txt").write_text("受訪者編號：F\n\n問：經費夠嗎？\n\n答：𠮷安區的經費一直不夠。\n", encoding="utf-8")
    with Project.open(folder / "other.db", create=True) as other:
        other.codebook.load(ROOT / "codebooks" / "five-municipalities.yaml", coder="林")
        other.documents.import_files([folder / "F.txt"], case_id=None, coder="林", dry_run=False)
        other.codings.apply("F", "budget", "林", turn=2)
        (folder / "other.qdpx").write_bytes(exports.render(other, "qdpx", "qdpx"))
    # A changed A.txt (same case, same file name): a coded quote deleted, a coded sentence edited a little.
    text = (ROOT / "transcripts" / "A.txt").read_text(encoding="utf-8")
    assert "中央根本就是希望我們關掉，" in text and "還是差得很遠。" in text
    (folder / "A.txt").write_text(
        text.replace("中央根本就是希望我們關掉，", "").replace("還是差得很遠。", "還是差得很多。"), encoding="utf-8"
    )


@pytest.mark.slow
def test_every_readme_command_runs(demo_db, copy_db, tmp_path):
    folder = tmp_path / "reader"
    folder.mkdir()
    _prepare(folder, demo_db, copy_db)
    bin_dir = Path(sys.executable).parent
    assert (bin_dir / "qualcode").exists(), "the qualcode script beside this Python (pip install -e .)"
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "QUALCODE_CONFIG": str(tmp_path / "config.toml"),
        "QUALCODE_CODER": "alice",
        "NO_COLOR": "1",
    }
    env.pop("QUALCODE_PROJECT", None)
    (tmp_path / "config.toml").write_text("", encoding="utf-8")

    def shell(line: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["bash", "-c", line],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            stdin=subprocess.DEVNULL,
        )

    def run(*args: str):
        proc = subprocess.run(["qualcode", *args, "--json"], cwd=folder, env=env, capture_output=True, text=True,
                              timeout=120, check=True)  # fmt: skip
        return json.loads(proc.stdout)

    ran, skipped, failures = [], [], []
    for line in readme_commands(README.read_text(encoding="utf-8")):
        reason = next((why for start, why in SKIP.items() if line == start or line.startswith(start + " ")), None)
        if line.split("#")[0].strip() == "qualcode":
            reason = "opens the terminal UI"
        if reason is None and line.startswith("qualcode demo") and "--no-tui" not in line:
            reason = "opens the terminal UI after building the project"
        if reason is not None:
            skipped.append((line, reason))
            continue
        for start, _, prepare in BEFORE:
            if line.startswith(start):
                prepare(folder)
        command = line
        for start, placeholder, value in FILL:
            if command.startswith(start) and placeholder in command:
                command = command.replace(placeholder, value(run))
        expected = EXPECTED_EXIT.search(command)
        proc = shell(command)
        ran.append(command)
        if proc.returncode != (int(expected.group(1)) if expected else 0):
            failures.append(f"{command}\n    exit {proc.returncode}: {(proc.stderr or proc.stdout).strip()[-400:]}")
    assert not failures, f"{len(failures)} README line(s) failed:\n" + "\n".join(failures)
    assert len(ran) >= 40, ran
    assert {line.split()[1] for line, _ in skipped} <= {"browse", "serve", "tui", "restore", "demo"}, skipped
