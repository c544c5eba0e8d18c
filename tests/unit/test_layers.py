"""The layers of docs/architecture.md and CONTRIBUTING.md, enforced.

Import contracts live in pyproject.toml ([tool.importlinter]); the rest are checks that imports cannot
express: who may run SQL, who may touch private names, who may touch Textual's private modules.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "qualcode"
# Only these run SQL: the store, the services, Project's own keys, the search index, and the Datasette views.
SQL_OWNERS = ("store/", "services/", "project.py", "search/index.py", "search/layout.py", "search/plain.py")
ADAPTER = "tui/widgets/textual_adapter.py"


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path.relative_to(PACKAGE).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def test_import_contracts_hold():
    lint = Path(sys.executable).parent / "lint-imports"
    proc = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout


def test_only_the_store_the_services_and_the_index_run_sql():
    offenders = []
    for relative, tree in _modules():
        if relative.startswith(SQL_OWNERS):
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("execute", "executemany", "executescript")
            ):
                offenders.append(f"{relative}:{node.lineno}")
    assert offenders == []


def test_only_the_tui_imports_textual():
    """textual and textual-serve (lazy imports included) are the TUI layer's: the CLI asks tui/ for a server."""
    offenders = []
    for relative, tree in _modules():
        if relative.startswith("tui/"):
            continue
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{relative}:{node.lineno} {n}" for n in names if n.split(".")[0] in ("textual", "textual_serve")
            ]
    assert offenders == []


def test_the_uis_touch_no_private_name_of_another_object():
    """cli/ and tui/ call public methods only: no `other._thing` (the Textual adapter is the one exception)."""
    offenders = []
    for relative, tree in _modules():
        if not relative.startswith(("cli/", "tui/")) or relative == ADAPTER:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
                owner = node.value
                if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
                    continue
                offenders.append(f"{relative}:{node.lineno} .{node.attr}")
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("qualcode"):
                offenders.extend(
                    f"{relative}:{node.lineno} imports {a.name}"
                    for a in node.names
                    if a.name.startswith("_") and not a.name.startswith("__")
                )
    assert offenders == []


# Textual-private names the adapter wraps; no other module may use them.
WRAPPED = {
    "_line_cache",
    "_set_document",
    "_rewrap_and_refresh_virtual_size",
    "_refresh_size",
    "_highlight_query",
    "_build_highlight_map",
    "_width",
    "_tab_width",
    "_wrap_offsets",
    "_offset_to_line_info",
    "_line_index_to_offsets",
    "_tab_width_cache",
    "_bindings",
    "_component_styles",
    "_disable_notifications",
    "_thread_id",
    "_get_screen",
    "_refresh_layout",
    "_option_render_cache",
    "_size_updated",
    "_check_refresh",
    "_on_update",
    "_repaint_required",
    "_layout_required",
    "_render_line",
    "_theme",
    "_highlights",
    "_matching_bracket_location",
    "_has_cursor",
    "_draw_cursor",
    "_tree_lines",
    "_updates",
    "_selected",
    "_hover",
    "_update_lines",
    "_layout_widgets",
    "_dirty_widgets",
}


def test_only_the_adapter_imports_private_textual_modules_or_uses_their_internals():
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative == ADAPTER:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            modules = []
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            for module in modules:
                parts = module.split(".")
                assert not (parts[0] == "textual" and any(p.startswith("_") for p in parts)), (relative, module)
            name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "name", None)
            if isinstance(node, (ast.Attribute, ast.FunctionDef)) and name in WRAPPED:
                raise AssertionError((relative, name, node.lineno))


def test_importing_the_core_loads_no_ui_and_no_heavy_nlp():
    code = (
        "import sys, qualcode.project, qualcode.cli; "
        "bad = [m for m in ('textual', 'jieba', 'spacy', 'opencc', 'sklearn') if m in sys.modules]; print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
