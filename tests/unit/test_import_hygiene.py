"""The core never imports textual; only the TUI and the CLI import rich (design.md)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "qualcode"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_textual_only_in_tui_and_rich_only_in_tui_and_cli():
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE).as_posix()
        imported = _imports(path)
        if not relative.startswith("tui/"):
            assert "textual" not in imported, relative
            if relative != "cli.py":
                assert "rich" not in imported, relative


def test_importing_the_core_loads_no_ui_and_no_heavy_nlp():
    code = (
        "import sys, qualcode.project, qualcode.cli; "
        "bad = [m for m in ('textual', 'jieba', 'spacy', 'opencc') if m in sys.modules]; print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
