"""How long `qualcode status` and `qualcode search` take end to end, against a bare Python start (issue 14).

    .venv/bin/python benchmarks/cli_start.py [--runs 40] [--project PATH] [--query 經費] [--words 中央政府經費補助]

Each command runs as its own process (the console script `.venv/bin/qualcode`, output to a pipe), `--runs`
times, interleaved so that load on the machine hits every command alike; medians and ratios to
`python -c pass` are printed. The same commands through the typer application (cli/application.py, what
every command ran through before the fast path) are the baseline, checked to print the same output. Then the
import-time offenders of each fast command (`python -X importtime`, cumulative time per top-level package)
and the cost of a few libraries on their own. Target (issue 14): `status` ≤ 4× a bare Python start.
`search (words)` runs --words, a query that does not occur as written, which the search splits into words with
jieba (qualcode/zh/tokenize.py). Without --project the bundled demo project is built in a temporary folder (and
removed afterwards). Bytecode, the parsed catalogue and the copy of jieba's dictionary are cached (in that folder:
$PYTHONPYCACHEPREFIX, $XDG_CACHE_HOME), as on a user's machine, even where $PYTHONDONTWRITEBYTECODE is set.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

BIN = Path(sys.executable).parent
QUALCODE = BIN / "qualcode"
TYPER_PATH = "import sys; from qualcode.cli.application import run; sys.argv[0] = 'qualcode'; run()"
FAST_PATH = "import sys; from qualcode.cli import run; sys.argv[0] = 'qualcode'; run()"
LIBRARIES = [
    "typer",
    "rich.console",
    "pydantic",
    "numpy",
    "yaml",
    "jieba",
    "opencc",
    "sqlite_utils",
    "qualcode.project",
]


def timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, capture_output=True, env=env, check=True)
    return time.perf_counter() - started


def output(argv: list[str], env: dict[str, str]) -> str:
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, check=True)
    return proc.stdout + proc.stderr


def offenders(args: list[str], env: dict[str, str], top: int) -> list[tuple[str, float]]:
    """Import time per top-level package (the self time of all its modules), in ms."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", FAST_PATH, *args], capture_output=True, text=True, env=env
    )
    per: dict[str, float] = defaultdict(float)
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        own, _, name = line.split("|", 2)
        own = own.removeprefix("import time:").strip()
        if own.isdigit():
            per[name.strip().split(".")[0]] += int(own) / 1000
    return sorted(per.items(), key=lambda kv: -kv[1])[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--project", type=Path)
    parser.add_argument("--query", default="經費")
    parser.add_argument("--words", default="中央政府經費補助", help="a query the search splits into words")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="qualcode-cli-start-"))
    try:
        env = {**os.environ, "QUALCODE_CONFIG": str(folder / "none.toml"), "QUALCODE_LANG": "en"}
        env.pop("FORCE_COLOR", None)
        # Bytecode cached as on any user's machine (a -B environment would compile every module in each run),
        # in the temporary folder rather than beside the sources.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
        env["XDG_CACHE_HOME"] = str(folder / "cache")  # the user's cache folder on Linux (platformdirs)
        project = args.project
        if project is None:
            from qualcode.project import build_demo

            project = folder / "demo.db"
            build_demo(project, coder="bench").close()
        p = ["-p", str(project)]
        status, search, words = [*p, "status"], [*p, "search", args.query], [*p, "search", args.words]
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "import typer": [sys.executable, "-c", "import typer"],
            "status (typer)": [sys.executable, "-c", TYPER_PATH, *status],
            "status": [str(QUALCODE), *status],
            "status --json": [str(QUALCODE), *status, "--json"],
            "search (typer)": [sys.executable, "-c", TYPER_PATH, *search],
            "search": [str(QUALCODE), *search],
            "search (words)": [str(QUALCODE), *words],
        }
        same_words = output(commands["search (words)"], env) == output([sys.executable, "-c", TYPER_PATH, *words], env)
        assert same_words, "search (words): the fast path prints something else than typer"
        for fast, slow in (("status", "status (typer)"), ("search", "search (typer)")):
            same = output(commands[fast], env) == output(commands[slow], env)
            assert same, f"{fast}: the fast path prints something else than typer"
        for argv in commands.values():  # warm the caches (bytecode, the index) before timing
            timed(argv, env)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, argv in commands.items():
                times[name].append(timed(argv, env))
        bare = statistics.median(times["python -c pass"])
        print(f"CLI start, {args.runs} runs each, medians (project: {project.name}, query {args.query!r})")
        print(f"{'command':<18}{'median ms':>10}{'p90 ms':>9}{'× bare':>8}")
        for name, values in times.items():
            median = statistics.median(values)
            p90 = statistics.quantiles(values, n=10)[-1] if len(values) > 1 else median
            print(f"{name:<18}{median * 1000:>10.1f}{p90 * 1000:>9.1f}{median / bare:>8.2f}")
        ratio = statistics.median(times["status"]) / bare
        print(f"target: status ≤ 4× a bare Python start: {ratio:.2f}× {'(met)' if ratio <= 4 else '(NOT met)'}")
        for name, argv in (("status", status), ("search", search), ("search (words)", words)):
            worst = ", ".join(f"{package} {ms:.1f}" for package, ms in offenders(argv, env, 8))
            print(f"importtime of {name} (ms, per top-level package): {worst}")
        alone = []
        for library in LIBRARIES:
            values = [timed([sys.executable, "-c", f"import {library}"], env) for _ in range(max(5, args.runs // 4))]
            alone.append(f"{library} {(statistics.median(values) - bare) * 1000:.0f}")
        print("import on its own (ms over a bare start): " + ", ".join(alone))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
