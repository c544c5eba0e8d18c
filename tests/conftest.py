"""Shared fixtures: a fresh demo project per test, and a CLI runner that reports exit status and stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path):
    monkeypatch.setenv("QUALCODE_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.delenv("QUALCODE_CODER", raising=False)
    monkeypatch.delenv("QUALCODE_PROJECT", raising=False)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    from qualcode.project import build_demo

    path = tmp_path_factory.mktemp("template") / "demo.db"
    build_demo(path, coder="setup").close()
    return path


@pytest.fixture
def demo_db(demo_template, tmp_path) -> Path:
    """A private copy of the demo project (building it once per session keeps the suite fast)."""
    import sqlite3

    target = tmp_path / "qualcode.db"
    src = sqlite3.connect(demo_template)
    dst = sqlite3.connect(target)
    src.backup(dst)
    src.close()
    dst.close()
    return target


def sql_dump(path: Path) -> list[str]:
    """Every row of a project file as SQL, to prove a failed command changed nothing."""
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


@pytest.fixture
def dump():
    return sql_dump


@pytest.fixture
def project(demo_db):
    from qualcode.project import Project

    with Project.open(demo_db) as p:
        yield p


class CLI:
    def __init__(self, cwd: Path):
        self.cwd = cwd

    def __call__(self, *args: str, ok: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
        full_env = {**os.environ, **(env or {}), "COLUMNS": "200", "NO_COLOR": "1"}
        proc = subprocess.run(
            [sys.executable, "-m", "qualcode", *args], cwd=self.cwd, capture_output=True, text=True,
            env=full_env, timeout=120,
        )
        if ok and proc.returncode != 0:
            raise AssertionError(f"qualcode {' '.join(args)} failed ({proc.returncode}): {proc.stderr}")
        return proc

    def json(self, *args: str):
        return json.loads(self(*args, "--json").stdout)

    def fast(self, *args: str, ok: bool = True):
        """The same command in this process (typer's CliRunner): for tests that run many commands."""
        from typer.testing import CliRunner

        from qualcode.cli import app

        result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200", "NO_COLOR": "1"})
        if ok and result.exit_code != 0:
            raise AssertionError(f"qualcode {' '.join(args)} failed ({result.exit_code}): {result.stderr} {result.exception!r}")
        return result


@pytest.fixture
def cli(tmp_path) -> CLI:
    return CLI(tmp_path)
