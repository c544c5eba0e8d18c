"""Keyword spotting and code suggestions: speed against the issue's targets, each checked against a plain baseline.

- keyword spotting over the 20 M-character corpus (benchmarks/corpus.py), characters per second (target >= 2 M/s),
  against a scan of each keyword with str.find over the whitespace-stripped search form (on the first 1 M characters,
  where both must give the same hits);
- training on 1,000 codings (target <= 1 s);
- suggestions for every sentence of one 10,000-character transcript after training (target <= 300 ms), against
  asking for each sentence on its own (for_span), which must give the same codes.

Usage: python benchmarks/suggest.py [--characters 20000000] [--documents 1000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.corpus import generate  # noqa: E402
from qualcode.project import build_demo  # noqa: E402
from qualcode.services.keywords import KeywordSpotter  # noqa: E402
from qualcode.zh.normalize import normalize  # noqa: E402


def scan(text: str, keywords) -> list[tuple[int, int, str]]:
    """The baseline: str.find of every keyword over the whitespace-stripped search form, mapped back."""
    kept = [i for i, ch in enumerate(text) if not ch.isspace()]
    folded = normalize(text)
    stripped = "".join(folded[i] for i in kept)
    found = []
    for keyword in keywords:
        at = stripped.find(keyword)
        while at != -1:
            found.append((kept[at], kept[at + len(keyword) - 1] + 1, keyword))
            at = stripped.find(keyword, at + 1)
    return sorted(found)


def timed(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return times


def spotting(workdir: Path, project, documents: int, characters: int) -> None:
    texts = [p.read_text(encoding="utf-8") for p in generate(workdir / "corpus", documents, characters)]
    total = sum(map(len, texts))
    spotter = KeywordSpotter(project.keywords.keyword_codes())
    spotter.spot(texts[0])  # spaCy and the fold table warm up outside the timing
    rates = []
    hits = 0
    for _ in range(2):
        started = time.perf_counter()
        hits = sum(len(spotter.spot(t)) for t in texts)
        rates.append(total / (time.perf_counter() - started))
    sample, size = [], 0
    for t in texts:
        if size >= 1_000_000:
            break
        sample.append(t)
        size += len(t)
    keywords = list(spotter.keywords)
    started = time.perf_counter()
    expected = [scan(t, keywords) for t in sample]
    scan_rate = size / (time.perf_counter() - started)
    same = all(spotter.spot(t) == e for t, e in zip(sample, expected, strict=True))
    print(f"keyword spotting: {len(texts)} transcripts, {total:,} characters, {len(keywords)} keywords, {hits:,} hits")
    print(f"  PhraseMatcher: {statistics.median(rates) / 1e6:.2f} M characters/s (target >= 2)")
    print(
        f"  str.find scan of each keyword: {scan_rate / 1e6:.2f} M characters/s; same hits on {size:,} characters: {same}"
    )


def suggestions(workdir: Path, project, repeat: int) -> None:
    codes = [c.id for c in project.codebook.codes()]
    spans = []
    for document in project.documents.documents():
        for unit in project.suggest.units(document.id, speaker="答"):
            spans.append((document.id, unit.start, unit.end))
    with project.transaction():
        for i in range(1000):
            document, start, end = spans[i % len(spans)]
            project.codings.add(document, codes[i % len(codes)], f"coder{i // len(spans)}", start, end)
    print(f"training: 1,000 codings ({len(spans)} sentences of the A–E answers, codes round robin)")
    project.suggest.train()  # scikit-learn loads outside the timing
    train_times = []
    for _ in range(repeat):
        project.suggest.forget()
        train_times += timed(lambda: project.suggest.train(), 1)
    print(f"  train: median {statistics.median(train_times) * 1000:.0f} ms, max {max(train_times) * 1000:.0f} ms "
          "(target <= 1000)")  # fmt: skip
    path = generate(workdir / "one", 1, 10_000)[0]
    project.documents.import_files([path], case_id="Z")
    document = project.documents.document("Z")
    length = len(project.documents.text(document.id))
    project.suggest.train()
    cold = timed(lambda: project.suggest.suggest(document=document.id), 1)[0]
    warm = timed(lambda: project.suggest.suggest(document=document.id), repeat)
    units = project.suggest.suggest(document=document.id)
    started = time.perf_counter()
    one_by_one = [project.suggest.for_span(document.id, u.start, u.end) for u in units]
    baseline = time.perf_counter() - started
    same = [[s.code for s in u.suggestions] for u in units] == [[s.code for s in r] for r in one_by_one]
    print(f"suggestions: one transcript of {length:,} characters, {len(project.suggest.units(document.id))} sentences")
    print(f"  first call (keywords spotted): {cold * 1000:.0f} ms; then median {statistics.median(warm) * 1000:.0f} ms "
          f"(target <= 300); sentence by sentence: {baseline * 1000:.0f} ms; same codes: {same}")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--characters", type=int, default=20_000_000)
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(scratch)
        with build_demo(workdir / "bench.db") as project:
            suggestions(workdir, project, args.repeat)
            spotting(workdir, project, args.documents, args.characters)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
