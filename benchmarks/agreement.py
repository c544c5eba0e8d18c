"""Agreement benchmark: character-level agreement of 5 coders x 10,000 codings over a 20 M-character corpus.

Usage: python benchmarks/agreement.py [--characters 20000000] [--documents 1000] [--coders 5] [--codings 10000]
       [--repeat 3]

Prints the median time of `project.team.agreement(unit="char")` (every code, every statistic; target <= 1 s),
and beside it the baseline: a naive per-character computation (a Python loop over every character of a 1 M-
character slice, deciding each coder's yes/no per code), timed on that slice and checked to give the same counts
as the interval arithmetic on the same slice.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.corpus import generate  # noqa: E402
from qualcode.agreement.units import char_patterns  # noqa: E402
from qualcode.project import Project, bundled_path  # noqa: E402

CODES = ("budget", "staffing", "central-support", "leader-priority", "urbanization")


def build(folder: Path, args) -> Project:
    paths = generate(folder / "corpus", args.documents, args.characters)
    project = Project.open(folder / "bench.db", create=True)
    project.codebook.load(bundled_path("codebooks", "five-municipalities.yaml"))
    project.documents.import_files(paths)
    rng = random.Random(5)
    documents = [(d.id, d.length) for d in project.documents.documents()]
    with project.transaction():
        for c in range(args.coders):
            taken = set()
            while len(taken) < args.codings:
                document, length = rng.choice(documents)
                start = rng.randrange(length - 300)
                key = (document, CODES[len(taken) % len(CODES)], start)
                if key in taken:
                    continue
                taken.add(key)
                project.codings.add(document, key[1], f"coder{c}", start, start + rng.randrange(20, 300),
                                    undoable=False)  # fmt: skip
    return project


def naive(text_regions: dict[int, list[tuple[int, int]]], spans: dict[int, list[list[tuple[int, int]]]]) -> Counter:
    counts: Counter = Counter()
    for document, regions in text_regions.items():
        for start, end in regions:
            for i in range(start, end):
                counts[tuple(any(s <= i < e for s, e in coder) for coder in spans[document])] += 1
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--characters", type=int, default=20_000_000)
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--coders", type=int, default=5)
    parser.add_argument("--codings", type=int, default=10_000, help="per coder")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        project = build(Path(tmp), args)
        print(f"built {args.characters:,} characters, {args.coders} coders x {args.codings:,} codings "
              f"in {time.perf_counter() - started:.0f} s")  # fmt: skip
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            report = project.team.agreement(unit="char")
            times.append(time.perf_counter() - started)
        fast = statistics.median(times)
        print(f"character-level agreement, {len(report.per_code)} codes, {report.pooled.units:,} decisions: "
              f"p50 {fast:.2f} s (target <= 1 s)")  # fmt: skip
        # the baseline on a 1 M-character slice: the first documents, budget only
        coders = report.coders
        slice_regions: dict[int, list[tuple[int, int]]] = {}
        size = 0
        for document in project.documents.documents():
            if size >= 1_000_000:
                break
            turns = project.documents.turns(document.id)
            slice_regions[document.id] = [(t.start, t.end) for t in turns]
            size += sum(t.end - t.start for t in turns)
        spans = {d: [[] for _ in coders] for d in slice_regions}
        for _, document, start, end, coder in project.codings.spans_by_coder(code_ids=["budget"], coders=coders):
            if document in spans:
                spans[document][coders.index(coder)].append((start, end))
        started = time.perf_counter()
        expected = naive(slice_regions, spans)
        slow = time.perf_counter() - started
        started = time.perf_counter()
        found = char_patterns(slice_regions, spans, coders)
        quick = time.perf_counter() - started
        got = Counter({tuple(r.tolist()): int(w) for r, w in zip(found.rows, found.weights, strict=True)})
        assert got == expected, "interval arithmetic and the per-character loop disagree"
        print(f"one code over a {size:,}-character slice: per-character loop {slow:.2f} s, interval arithmetic "
              f"{quick * 1000:.1f} ms (same counts); ratio {slow / quick:.0f}x")  # fmt: skip
        project.close()
    return 0 if fast <= 1 else 1


if __name__ == "__main__":
    sys.exit(main())
