"""scripts/crashtest.py: SIGKILL the CLI, an in-process writer and the TUI mid-write, then check the project.

A few runs of each kind: the script must exit 0 with kills that landed and checks that looked at acknowledged
codings (a run that checked nothing fails here), and must exit 1 when a coding is lost behind its back.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "crashtest.py"


def crashtest(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, dict]:
    summary = tmp_path / "summary.json"
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--json", str(summary), *args], capture_output=True, text=True, timeout=240
    )
    return proc, json.loads(summary.read_text()) if summary.exists() else {}


def assert_checked(proc: subprocess.CompletedProcess, summary: dict, kinds: list[str], runs: int) -> None:
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert summary["failures"] == []
    for kind in kinds:
        tally = summary[kind]
        assert tally["runs"] == tally["checks"] == runs, tally
        # every check after the first round looked at the codings acknowledged before it
        assert tally["verified"] >= 1, tally
    assert sum(summary[k]["killed"] for k in kinds) >= len(kinds)
    assert sum(summary[k]["acknowledged_codings"] for k in kinds) >= 1
    assert sum(summary[k]["undo_redo"] for k in kinds) >= 1
    assert "crashtest: ok" in proc.stdout


@pytest.mark.slow
def test_crashtest_cli_and_in_process_writer(tmp_path):
    proc, summary = crashtest(tmp_path, "--runs", "3", "--seed", "5", "--kinds", "cli,inproc")
    assert_checked(proc, summary, ["cli", "inproc"], 3)
    assert summary["inproc"]["acknowledged"] >= 1


@pytest.mark.slow
@pytest.mark.tmux
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (.ci/run installs it)")
def test_crashtest_all_kinds_with_the_tui_in_tmux(tmp_path):
    proc, summary = crashtest(tmp_path, "--runs", "3", "--seed", "5")
    assert_checked(proc, summary, ["cli", "inproc", "tui"], 3)
    assert summary["tui"]["killed"] == 3


@pytest.mark.slow
def test_crashtest_fails_when_a_coding_is_lost_or_appears_from_nowhere(tmp_path):
    proc, _ = crashtest(tmp_path, "--runs", "3", "--seed", "5", "--kinds", "inproc", "--sabotage")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    failures = [line for line in proc.stdout.splitlines() if line.startswith("FAIL ")]
    assert any("is gone" in line for line in failures), proc.stdout
    assert any("never requested" in line for line in failures), proc.stdout
    assert any("event log" in line for line in failures), proc.stdout
