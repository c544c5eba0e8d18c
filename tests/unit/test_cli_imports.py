"""Fast CLI start (issue 14): `status` and `search` load only what they use, and their fast path (cli/fast.py,
no typer) prints exactly what the typer commands print.

Which modules a command loaded is read from `sys.modules` as the process exits (an atexit hook of a real
`qualcode` process), not from timings: no timed tests here (benchmarks/cli_start.py prints the times).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

# Libraries neither fast command needs; `search` alone needs numpy (the index) and OpenCC (folding the query).
HEAVY = ("typer", "click", "pydantic", "rich", "textual", "sqlite_utils", "numpy", "openpyxl", "docx", "matplotlib",
         "jieba", "spacy", "opencc", "sklearn", "scipy", "krippendorff", "rapidfuzz", "charset_normalizer",
         "defusedxml", "tomlkit", "pandas")  # fmt: skip
SEARCH_NEEDS = {"numpy", "opencc"}

PROBE = """
import atexit, sys
report = sys.argv[1]
def _report():
    with open(report, "w") as f:
        f.write("\\n".join(sorted(sys.modules)))
atexit.register(_report)
args = sys.argv[2:]
sys.argv = ["qualcode", *args]
from qualcode.cli import run
run()
"""


def modules_of(
    tmp_path: Path, *args: str, env: dict | None = None, full: bool = False
) -> tuple[set[str], subprocess.CompletedProcess]:
    """The top-level packages (every module, with `full`) a `qualcode ARGS` process had loaded when it exited,
    and the process."""
    report = tmp_path / "modules.txt"
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(report), *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, **(env or {})},
        timeout=120,
    )
    names = report.read_text().split()
    return (set(names) if full else {name.split(".")[0] for name in names}), proc


def test_status_loads_no_heavy_library(demo_db, tmp_path):
    loaded, proc = modules_of(tmp_path, "-p", str(demo_db), "status")
    assert proc.returncode == 0, proc.stderr
    assert "documents: 5" in proc.stdout
    assert sorted(loaded & set(HEAVY)) == []
    loaded, proc = modules_of(tmp_path, "-p", str(demo_db), "status", "--json")
    assert json.loads(proc.stdout)["turns"] == 245
    assert sorted(loaded & set(HEAVY)) == []


def test_status_reads_its_catalogue_without_the_yaml_parser(demo_db, tmp_path):
    # As on a user's machine: bytecode and the parsed catalogue kept (here under a prefix in tmp_path).
    env = {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": str(tmp_path / "pycache"), "QUALCODE_LANG": "zh"}
    first, proc = modules_of(tmp_path, "-p", str(demo_db), "status", env=env)
    assert proc.returncode == 0 and "文件" in proc.stdout, proc.stderr
    loaded, again = modules_of(tmp_path, "-p", str(demo_db), "status", env=env)
    assert again.stdout == proc.stdout
    assert "yaml" in first and "yaml" not in loaded and "tomllib" not in loaded


def test_a_query_split_into_words_loads_jieba_without_pkg_resources(demo_db, tmp_path):
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}  # where the dictionary's copy is made (platformdirs)
    loaded, proc = modules_of(tmp_path, "-p", str(demo_db), "search", "中央政府經費補助", "--limit", "1", env=env)
    assert proc.returncode == 0 and "searched for its words 中央政府 / 經費 / 補助" in proc.stderr, proc.stderr
    assert "jieba" in loaded and "pkg_resources" not in loaded
    assert sorted(loaded & set(HEAVY) - SEARCH_NEEDS - {"jieba"}) == []


def test_search_loads_only_what_a_query_needs(demo_db, tmp_path):
    loaded, proc = modules_of(tmp_path, "-p", str(demo_db), "search", "經費", "--limit", "3")
    assert proc.returncode == 0, proc.stderr
    assert "turn(s) match; showing 3" in proc.stdout
    assert sorted(loaded & set(HEAVY) - SEARCH_NEEDS) == []
    loaded, proc = modules_of(tmp_path, "-p", str(demo_db), "search", "經費", "--case", "A", "--json")
    assert {r["case"] for r in json.loads(proc.stdout)} == {"A"}
    assert sorted(loaded & set(HEAVY) - SEARCH_NEEDS) == []


def test_a_plain_search_imports_no_other_service(demo_db, tmp_path):
    """The search service gets the documents, codebook and codings services as functions: a query without
    --case, --code or @code imports none of them, nor the codebook's YAML module."""
    loaded, proc = modules_of(tmp_path, "-p", str(demo_db), "search", "經費 中央", "--limit", "3", full=True)
    assert proc.returncode == 0 and "showing 3" in proc.stdout, proc.stderr
    services = {"qualcode.services.documents", "qualcode.services.codebook", "qualcode.services.codings"}
    assert sorted(loaded & (services | {"qualcode.codebook", "qualcode.search.concepts"})) == []
    loaded, proc = modules_of(tmp_path, "-p", str(demo_db), "search", "經費", "--code", "budget", full=True)
    assert proc.returncode == 0, proc.stderr
    assert services <= loaded  # built when asked for


def test_other_commands_and_help_still_go_through_typer(demo_db, tmp_path):
    loaded, proc = modules_of(tmp_path, "-p", str(demo_db), "status", "--help")
    assert proc.returncode == 0 and "--json" in proc.stdout
    assert "typer" in loaded
    loaded, proc = modules_of(tmp_path, "-p", str(tmp_path / "missing.db"), "status")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "no such project" in proc.stderr
    loaded, proc = modules_of(tmp_path, "-p", str(demo_db), "cases", "list")
    assert proc.returncode == 0 and "numpy" not in loaded  # listing cases needs no numpy either


def test_importing_the_cli_package_loads_no_command():
    code = "import sys, qualcode.cli; print(sorted(m for m in sys.modules if m.startswith(('typer', 'rich'))))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "[]", proc.stderr


def test_cli_app_is_the_typer_application_after_the_submodule_is_imported():
    import qualcode.cli.app as _  # noqa: F401  (binds the submodule on the package, were it not kept out)
    from qualcode.cli import app

    assert type(app).__name__ == "Typer"


# -- the fast path prints what typer prints -------------------------------------------------------------
def _fast(args: list[str], capsys) -> tuple[int | None, str, str]:
    from qualcode.cli import fast

    capsys.readouterr()
    code = fast.run(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _typer(args: list[str]) -> tuple[int, str, str]:
    from typer.testing import CliRunner

    from qualcode.cli import app

    result = CliRunner().invoke(app, args)
    return result.exit_code, result.stdout, result.stderr


SAME = [
    ["status"],
    ["status", "--json"],
    ["--coder", "x", "status"],
    ["search", "經費"],
    ["search", "經費 預算", "--limit", "50"],
    ["search", "中央", "--case", "A", "--case", "E", "--speaker", "答"],
    ["search", "--json", "中央", "--limit=2"],
    ["search", "經費", "--coded"],
    ["search", '"中央 政府" OR 經費', "--json"],
    ["search", "@budget", "--limit", "5"],
    ["search", "[bold]:smile:"],
]


@pytest.mark.parametrize("args", SAME, ids=[" ".join(a) for a in SAME])
@pytest.mark.parametrize("language", ["en", "zh"])
def test_fast_path_prints_what_typer_prints(demo_db, args, language, capsys, monkeypatch):
    monkeypatch.setenv("QUALCODE_LANG", language)
    full = ["-p", str(demo_db), *args]
    code, out, err = _fast(full, capsys)
    assert code == 0
    assert (0, out, err) == _typer(full)


DECLINED = [
    ["status", "--help"],
    ["--help"],
    ["status", "extra"],
    ["search"],
    ["search", "a", "b"],
    ["search", "--", "-經費"],
    ["search", "經費", "--limit", "0"],
    ["search", "經費", "--limit", "05"],
    ["search", "經費", "--limit", "x"],
    ["search", "經費", "--code", "a", "--code", "b"],
    ["search", "經費", "--case"],
    ["search", "經費", "--json=1"],
    ["search", "經費", "--unknown"],
    ["cases", "list"],
    ["-v", "status"],
    ["--project", "-x", "status"],
    ["status\udcff"],
]


@pytest.mark.parametrize("args", DECLINED, ids=[repr(a) for a in DECLINED])
def test_fast_path_leaves_everything_else_to_typer(args):
    from qualcode.cli import fast

    assert fast.parse(args) is None


def test_fast_path_leaves_failures_to_typer(demo_db, tmp_path, capsys, monkeypatch):
    assert _fast(["-p", str(tmp_path / "none.db"), "status"], capsys) == (None, "", "")
    assert _fast(["-p", str(demo_db), "search", "經費", "--case", "Z"], capsys) == (None, "", "")
    monkeypatch.setenv("QUALCODE_LANG", "fr")
    assert _fast(["-p", str(demo_db), "status"], capsys) == (None, "", "")


# -- plain output is what rich would have written ------------------------------------------------------
texts = st.text(st.sampled_from("ab 中文[]:/\\\t\r\x07\x0b\x1b\n…「」😀 \u3000e\u0301"), max_size=12)


def _rich(objects, kwargs) -> str:
    from rich.console import Console

    stream = io.StringIO()
    Console(file=stream, highlight=False, soft_wrap=True).print(*objects, **kwargs)
    return stream.getvalue()


@settings(max_examples=300, deadline=None)
@given(
    objects=st.lists(texts, min_size=1, max_size=3),
    markup=st.sampled_from([None, True, False]),
    style=st.sampled_from([None, "dim", "bold black on yellow"]),
    end=st.sampled_from([None, "\n", "", " ", "\t"]),
)
def test_plain_output_is_what_rich_writes(objects, markup, style, end):
    from qualcode.cli.output import plain

    kwargs = {k: v for k, v in (("markup", markup), ("style", style), ("end", end)) if v is not None}
    text = plain(tuple(objects), kwargs)
    if text is not None:
        assert text == _rich(objects, kwargs)


@settings(max_examples=200, deadline=None)
@given(header=texts, codes=texts, hits=st.lists(st.tuples(st.integers(0, 12), st.integers(0, 12)), max_size=3))
def test_plain_search_lines_are_what_rich_text_writes(header, codes, hits):
    from rich.text import Text

    from qualcode.cli import fast

    styled = fast.styled((header, "bold"), (codes, "dim"))
    if isinstance(styled, str):
        assert styled + "\n" == _rich([Text.assemble((header, "bold"), (codes, "dim"))], {"markup": False})
    spans = [(min(a, b), max(a, b)) for a, b in hits]
    shown = fast.highlighted(header, spans)
    if isinstance(shown, str):
        assert shown + "\n" == _rich([Text(header)], {"markup": False})


def test_a_reader_that_stops_reading_ends_the_command_quietly(tmp_path):
    """`qualcode search … | head -1`: no traceback when the pipe closes, as with rg."""
    import shutil

    qualcode = shutil.which("qualcode") or str(Path(sys.executable).parent / "qualcode")
    db = tmp_path / "p.db"
    subprocess.run([qualcode, "--project", str(db), "demo", "--no-tui"], check=True, capture_output=True)
    # every hit of 的, line by line (the fast path; it printed a BrokenPipeError traceback before), and typer's
    for args in (["search", "的", "--limit", "100000"], ["kwic", "的"], ["show", "A"]):
        run = subprocess.run(
            f"{qualcode} --project {db} {' '.join(args)} | head -c 10",
            shell=True,
            capture_output=True,
        )
        errors = run.stderr.decode("utf-8", "replace")  # head -c cuts a character in half: bytes
        assert "Traceback" not in errors and "BrokenPipe" not in errors, (args, errors)
