"""Load the hand-coded test set (tests/data/suggest-testset.yaml) into a scratch copy of the bundled A–E project
and print what `qualcode suggest --evaluate` reports on it, at sentence and at turn level.

Usage: python scripts/suggest_testset.py [--keep PROJECT.db] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TESTSET = ROOT / "tests" / "data" / "suggest-testset.yaml"


def load_testset(project, path: Path = TESTSET) -> str:
    """Code every (case, code, quote) of the test set as its coder, in one transaction; returns the coder."""
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    coder = data["coder"]
    with project.transaction():
        for case, entries in data["codings"].items():
            for code, quote in entries:
                project.codings.apply(case, code, coder, quote=str(quote))
    return coder


def main() -> int:
    from qualcode.project import build_demo

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="build the project here (and keep it) instead of a scratch folder")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        path = args.keep or Path(scratch) / "testset.db"
        with build_demo(path) as project:
            coder = load_testset(project)
            results = {unit: project.suggest.evaluate(coder, unit).to_json() for unit in ("sentence", "turn")}
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return 0
    for unit, result in results.items():
        print(f"{unit}: {result['units']} units, top-1 {result['top1']:.1%}, top-3 {result['top3']:.1%}")
        for code, row in result["per_code"].items():
            print(f"  {code:<22} {row['units']:>3}  top-1 {row['top1']:>6.1%}  top-3 {row['top3']:>6.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
