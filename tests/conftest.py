"""Shared fixtures: a fresh demo project per test, and a CLI runner that reports exit status and stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def isolate_env(monkeypatch, folder: Path) -> None:
    """No user config file, coder or project from the environment."""
    monkeypatch.setenv("QUALCODE_CONFIG", str(folder / "no-config.toml"))
    monkeypatch.delenv("QUALCODE_CODER", raising=False)
    monkeypatch.delenv("QUALCODE_LANG", raising=False)
    monkeypatch.delenv("QUALCODE_PROJECT", raising=False)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path):
    isolate_env(monkeypatch, tmp_path)


def copy_project(source: Path, target: Path) -> Path:
    """Copy a project file with SQLite's backup API (consistent even with a WAL beside it)."""
    import sqlite3

    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return target


@pytest.fixture(scope="session")
def copy_db():
    """copy_project, for tests that build a project once per session and hand each test a private copy."""
    return copy_project


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    from qualcode.project import build_demo

    path = tmp_path_factory.mktemp("template") / "demo.db"
    build_demo(path, coder="setup").close()
    return path


@pytest.fixture
def demo_db(demo_template, tmp_path) -> Path:
    """A private copy of the demo project (building it once per session keeps the suite fast)."""
    return copy_project(demo_template, tmp_path / "qualcode.db")


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
            [sys.executable, "-m", "qualcode", *args],
            cwd=self.cwd,
            capture_output=True,
            text=True,
            env=full_env,
            timeout=120,
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
            raise AssertionError(
                f"qualcode {' '.join(args)} failed ({result.exit_code}): {result.stderr} {result.exception!r}"
            )
        return result


@pytest.fixture
def cli(tmp_path) -> CLI:
    return CLI(tmp_path)


class _IsolatedCLI(CLI):
    """A CLI whose every command runs in the isolated environment the per-test fixture gives (for session fixtures,
    which run outside any test)."""

    def __call__(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        with pytest.MonkeyPatch.context() as monkeypatch:
            isolate_env(monkeypatch, self.cwd)
            return super().__call__(*args, **kwargs)

    def fast(self, *args: str, ok: bool = True):
        with pytest.MonkeyPatch.context() as monkeypatch:
            isolate_env(monkeypatch, self.cwd)
            return super().fast(*args, ok=ok)


@pytest.fixture(scope="session")
def session_cli(tmp_path_factory) -> tuple[CLI, Path]:
    """For session fixtures that build a project through the CLI once: (a CLI, a folder for the files)."""
    folder = tmp_path_factory.mktemp("session-cli")
    return _IsolatedCLI(folder), folder
