"""Search benchmark: import + index throughput, query latency against a plain substring scan, recall.

Usage: python benchmarks/search.py [--documents 1000] [--characters 20000000] [--queries 15] [--keep DIR]

Everything is measured in this one run on this machine: the baseline is a scan, in Python, of the
search form of every turn held in memory (str.find over the normalised text with its whitespace taken
out, zh/normalize.py `fold_term`), which is what a search without an index does and gives the same
answers. Ratios compare the two in the same run, so the machine's noise affects both alike.

Whitespace inside a turn is ignored by the index (就業e網 finds 就業 e網). To show that this keeps the
query latencies, the same queries are also timed on a copy of the project indexed as before, with the
whitespace kept (`KeptIndex`): the columns "ws kept". The kind "across a space" draws terms whose
occurrence in the text has a space or line break inside, searched without it: only the new index finds
them (its "kept recall" column says how many the old one finds).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.corpus import generate  # noqa: E402
from qualcode.project import Project, bundled_path  # noqa: E402
from qualcode.search.index import SearchIndex  # noqa: E402
from qualcode.zh.normalize import fold, fold_term  # noqa: E402

CODINGS = 5000


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


def build(workdir: Path, documents: int, characters: int) -> tuple[Project, float, int]:
    paths = generate(workdir / "corpus", documents, characters)
    project = Project.open(workdir / "bench.db", create=True)
    project.codebook.load(bundled_path("codebooks", "five-municipalities.yaml"))
    started = time.perf_counter()
    project.documents.import_files(paths)
    elapsed = time.perf_counter() - started
    total = project.store.conn.execute("SELECT sum(length(text)) FROM documents").fetchone()[0]
    return project, elapsed, total


def add_codings(project: Project, rng: random.Random) -> None:
    """Code whole turns at random, as an analyst's codings would spread, in one transaction."""
    from qualcode.timeutil import now

    rows = project.store.conn.execute("SELECT document_id, start, \"end\" FROM turns WHERE speaker = '答'").fetchall()
    chosen = rng.sample(rows, min(CODINGS, len(rows)))
    stamp = now()
    with project.store.transaction() as conn:
        conn.executemany(
            'INSERT INTO codings (id, document_id, code_id, coder, start, "end", memo, created_at, updated_at) '
            "VALUES (?, ?, 'budget', 'bench', ?, ?, '', ?, ?)",
            [(f"bench-{i}", d, s, e, stamp, stamp) for i, (d, s, e) in enumerate(chosen)],
        )
        project.log.log("bench", "bench.codings", "", {"count": len(chosen)})


class KeptIndex(SearchIndex):
    """The index as it was before whitespace was ignored: every character indexed, spaces included."""

    def signature(self) -> str:
        return "whitespace kept (benchmark)"

    def dropped(self, cps):
        import numpy as np

        return np.zeros(cps.size, dtype=bool)


def kept_copy(project: Project, workdir: Path) -> Project:
    """A copy of the project whose search uses a KeptIndex, rebuilt."""
    import sqlite3

    target = workdir / "bench-kept.db"
    with sqlite3.connect(target) as dst:
        project.store.conn.backup(dst)
    copy = Project.open(target)
    copy.search._index = KeptIndex(copy.store)  # benchmark only: swap the index implementation
    copy.search.reindex()
    return copy


class Scan:
    """The baseline: the search form of the turn texts in memory (whitespace out), searched with str.find."""

    def __init__(self, project: Project):
        self.turns = []
        self.texts = {}
        for document in project.documents.documents():
            text = self.texts[document.id] = project.documents.text(document.id)
            for turn in project.documents.turns(document.id):
                self.turns.append((document.id, turn.number, turn.start, fold_term(text[turn.start : turn.end])))
        self.turn_end = {
            (document.id, turn.number): turn.end
            for document in project.documents.documents()
            for turn in project.documents.turns(document.id)
        }
        self.codings = [
            (c[0], c[1], c[2], fold_term(project.documents.text(c[1])[c[2] : c[3]]))
            for c in project.codings.spans(code_ids=["budget"])
        ]

    def turns_matching(self, terms: list[str]) -> dict[tuple[int, int], int]:
        """The matching turns and, for each, where the first hit starts in the folded turn text."""
        needles = [fold_term(t) for t in terms]
        found = {}
        for document, number, _start, text in self.turns:
            if all(n in text for n in needles):
                found[(document, number)] = min(text.find(n) for n in needles)
        return found

    def document_offsets(self, found: dict[tuple[int, int], int]) -> dict[tuple[int, int], int]:
        """Folded positions in each turn mapped to document offsets (outside the timing: the engine maps
        only the results it returns)."""
        starts = {(d, n): s for d, n, s, _ in self.turns}
        mapped = {}
        for key, at in found.items():
            start = starts[key]
            mapped[key] = start + fold(self.texts[key[0]][start : self.turn_end[key]]).offsets[at]
        return mapped

    def coded_hits(self, term: str) -> set[str]:
        """The issue's baseline: scan all turns, then keep the codings that hold a hit."""
        needle = fold_term(term)
        hit_turns = {(document, start, start + len(text)) for document, _, start, text in self.turns if needle in text}
        by_document: dict[int, list[tuple[int, int]]] = {}
        for document, start, end in hit_turns:
            by_document.setdefault(document, []).append((start, end))
        return {
            cid
            for cid, document, start, text in self.codings
            if needle in text and any(s <= start < e for s, e in by_document.get(document, ()))
        }

    def codings_matching(self, term: str) -> set[str]:
        needle = fold_term(term)
        return {cid for cid, _, _, text in self.codings if needle in text}


def draw_spaced_terms(scan: Scan, rng: random.Random, count: int) -> list[str]:
    """Terms of 4–6 characters whose occurrence in a turn has whitespace inside, written without it."""
    places = []
    for document, number, start, _ in scan.turns:
        original = scan.texts[document][start : scan.turn_end[(document, number)]]
        places += [(original, i) for i, ch in enumerate(original) if ch.isspace() and 2 <= i < len(original) - 3]
    terms: list[str] = []
    while places and len(terms) < count:
        original, i = rng.choice(places)
        folded = fold(original[max(0, i - 3) : i + 4])
        term = "".join(original[j] for j in (max(0, i - 3) + k for k in folded.offsets))
        if len(term) >= 4 and '"' not in term and term not in terms:
            terms.append(term)
    return terms


def draw_terms(scan: Scan, rng: random.Random, length: int, count: int) -> list[str]:
    terms = []
    while len(terms) < count:
        _, _, _, text = rng.choice(scan.turns)
        if len(text) <= length:
            continue
        i = rng.randrange(0, len(text) - length)
        term = text[i : i + length]
        if term.strip() == term and " " not in term and '"' not in term:
            terms.append(term)
    return terms


def timed(fn, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--characters", type=int, default=20_000_000)
    parser.add_argument("--queries", type=int, default=15, help="queries per kind")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each indexed query")
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it")
    args = parser.parse_args()
    rng = random.Random(11)
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="qualcode-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)

    project, import_seconds, characters = build(workdir, args.documents, args.characters)
    text_bytes = project.store.conn.execute("SELECT sum(length(CAST(text AS BLOB))) FROM documents").fetchone()[0]
    index_bytes = project.store.conn.execute(
        "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'search_%' OR name LIKE 'sqlite_autoindex_search_%'"
    ).fetchone()[0]
    print(f"corpus: {args.documents} transcripts, {characters:,} characters ({text_bytes / 1e6:.1f} MB UTF-8)")
    print(
        f"import + index: {import_seconds:.1f} s = {characters / import_seconds / 1e6:.2f} M characters/s (target >= 1.00)"
    )
    started = time.perf_counter()
    project.search.reindex()
    reindex_seconds = time.perf_counter() - started
    print(f"reindex alone: {reindex_seconds:.1f} s = {characters / reindex_seconds / 1e6:.2f} M characters/s")
    print(
        f"index size: {index_bytes / 1e6:.1f} MB = {index_bytes / text_bytes:.2f} x the text's UTF-8 bytes (target <= 4)"
    )

    add_codings(project, rng)
    scan = Scan(project)
    started = time.perf_counter()
    project.search.find("經費", limit=20)
    print(f"first query (loads the turn table): {(time.perf_counter() - started) * 1000:.0f} ms")

    kinds: list[tuple[str, list[list[str]], dict]] = []
    for length in (1, 2, 4, 8):
        kinds.append((f"{length}-character term", [[t] for t in draw_terms(scan, rng, length, args.queries)], {}))
    kinds.append(("phrase", [[t] for t in draw_terms(scan, rng, 6, args.queries)], {"phrase": True}))
    three = []
    while len(three) < args.queries:  # three words of one turn, so the query has answers
        _, _, _, text = rng.choice(scan.turns)
        if len(text) < 40:
            continue
        words = [text[i : i + 2] for i in sorted(rng.sample(range(len(text) - 2), 3))]
        if all(w.strip() == w and " " not in w and '"' not in w for w in words):
            three.append(words)
    kinds.append(("three-word query", three, {}))
    kinds.append(("--code filtered", [[t] for t in draw_terms(scan, rng, 2, args.queries)], {"code": "budget"}))
    kinds.append(("across a space", [[t] for t in draw_spaced_terms(scan, rng, args.queries)], {}))

    started = time.perf_counter()
    kept = kept_copy(project, workdir)
    kept.search.find("經費", limit=20)
    print(f"(the whitespace-kept copy for comparison indexed in {time.perf_counter() - started:.1f} s)")

    print()
    header = (
        f"{'query kind':<20} {'index p50':>10} {'index p95':>10} {'ws kept p50':>12} {'ws kept p95':>12} "
        f"{'scan p50':>10} {'scan p95':>10} {'speed-up':>9} {'recall':>7} {'kept recall':>12} {'hits p50':>9}"
    )
    print(header)
    print("-" * len(header))
    worst_p95, worst_ratio, all_recall = 0.0, float("inf"), True
    worst_ratio_to_kept = float("inf")
    for name, queries, options in kinds:
        index_times, kept_times, scan_times, recalls, kept_recalls, hits = [], [], [], [], [], []
        for terms in queries:
            if options.get("phrase"):
                text = '"' + terms[0] + '"'
            else:
                text = " ".join('"' + t + '"' for t in terms)  # quoted: literal, as the scan is
            code = options.get("code")
            # alternate the two indexes, so the machine's drift affects both alike
            for _ in range(args.repeat):
                index_times += timed(lambda: project.search.find(text, code=code, limit=20), 1)
                kept_times += timed(lambda: kept.search.find(text, code=code, limit=20), 1)
            if code:
                scan_times += timed(lambda: scan.coded_hits(terms[0]), 1)
                expected = scan.codings_matching(terms[0])
                got = {r.coding for r in project.search.find(text, code=code, limit=None).results}
                got_kept = {r.coding for r in kept.search.find(text, code=code, limit=None).results}
            else:
                scan_times += timed(lambda: scan.turns_matching(terms), 1)
                expected = scan.turns_matching(terms)
                got = {(r.document, r.turn): r.start for r in project.search.find(text, limit=None).results}
                got_kept = {(r.document, r.turn) for r in kept.search.find(text, limit=None).results}
                if len(terms) == 1:
                    wanted = scan.document_offsets(expected)
                    assert all(got.get(k) == v for k, v in wanted.items()), "offset mismatch"
                got = set(got)
                expected = set(expected)
            kept_recalls.append(len(got_kept & set(expected)) / len(expected) if expected else 1.0)
            recalls.append(len(got & set(expected)) / len(expected) if expected else 1.0)
            hits.append(len(expected))
            if set(got) - set(expected):
                recalls[-1] = min(recalls[-1], 0.0)  # a false hit is as bad as a missed one
        p50, p95 = percentile(index_times, 0.5), percentile(index_times, 0.95)
        k50, k95 = percentile(kept_times, 0.5), percentile(kept_times, 0.95)
        s50, s95 = percentile(scan_times, 0.5), percentile(scan_times, 0.95)
        recall = min(recalls)
        worst_p95, worst_ratio = max(worst_p95, p95), min(worst_ratio, s50 / p50)
        if name != "across a space":  # the kept index finds nothing there: no like-for-like latency
            worst_ratio_to_kept = min(worst_ratio_to_kept, k50 / p50)
        all_recall &= recall == 1.0
        print(
            f"{name:<20} {p50:>8.2f}ms {p95:>8.2f}ms {k50:>10.2f}ms {k95:>10.2f}ms {s50:>8.1f}ms {s95:>8.1f}ms "
            f"{s50 / p50:>8.1f}x {recall:>6.0%} {min(kept_recalls):>11.0%} {statistics.median(hits):>9.0f}"
        )
    coded_only = [
        timed(lambda: scan.codings_matching(t[0]), 1)[0]
        for _, queries, options in kinds
        if options.get("code")
        for t in queries
    ]
    print(f"(for --code, a scan of only the coded segments' text takes p50 {percentile(coded_only, 0.5):.1f} ms)")
    print()
    print(
        f"worst index p95: {worst_p95:.2f} ms (target <= 20); smallest speed-up over the scan: {worst_ratio:.1f}x (target >= 10); "
        f"recall 100% for every query: {'yes' if all_recall else 'NO'}"
    )
    print(
        f"whitespace ignored vs kept (p50 ratio, kept / ignored, per kind): worst {worst_ratio_to_kept:.2f} "
        f"(1.00: the same latency; below 1: ignoring whitespace is slower)"
    )
    kept.close()
    project.close()
    if not args.keep:
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
