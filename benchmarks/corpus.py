"""Seeded generator of a large project: transcripts recombined from the A–E turns.

Usage: python benchmarks/corpus.py OUT_DIR [--documents 1000] [--characters 20000000] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qualcode.ingest.transcript import parse  # noqa: E402


def source_pairs() -> list[tuple[str, str]]:
    """(question, answer) turn pairs of the bundled transcripts, with labels as written."""
    pairs = []
    for path in sorted((ROOT / "transcripts").glob("[A-E].txt")):
        text = path.read_text(encoding="utf-8")
        turns = parse(text).turns
        for q, a in zip(turns[0::2], turns[1::2], strict=False):
            if q.speaker == "問" and a.speaker == "答":
                pairs.append((text[q.start : q.end], text[a.start : a.end]))
    return pairs


def generate(out: Path, documents: int = 1000, characters: int = 20_000_000, seed: int = 7) -> list[Path]:
    rng = random.Random(seed)
    pairs = source_pairs()
    per_document = characters // documents
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(documents):
        case = f"X{i % 100:03d}"
        body, size = [f"受訪者編號：{case}", f"受訪單位：合成機關 {i}", "訪談時間：2012年", ""], 0
        while size < per_document:
            question, answer = rng.choice(pairs)
            body.append(f"問：{question}\n\n答：{answer}\n")
            size += len(question) + len(answer) + 6
        path = out / f"T{i:04d}.txt"
        path.write_text("\n".join(body), encoding="utf-8")
        paths.append(path)
    return paths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--characters", type=int, default=20_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    paths = generate(args.out, args.documents, args.characters, args.seed)
    total = sum(len(p.read_text(encoding="utf-8")) for p in paths)
    print(f"wrote {len(paths)} transcripts, {total:,} characters, to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
