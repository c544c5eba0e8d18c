"""Import benchmark: throughput, peak memory (RSS) and the project file's size against the text.

Usage: python benchmarks/import_memory.py [--documents 1000] [--characters 20000000] [--keep DIR]

The import runs in a child process (`--child`), so its peak resident set size (getrusage's ru_maxrss
of the child) is the import's alone, the interpreter and the modules it loads included. The sizes are
SQLite's own accounting (the dbstat table): the whole file, the documents' text, and the search index
(every table whose name starts with search_), each against the UTF-8 bytes of the text.
Targets (issue 14): >= 2 M characters/s, peak RSS <= 300 MB, the database <= 2.5x the text.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def child(db: Path, corpus: Path) -> None:
    from qualcode.project import Project

    paths = sorted(corpus.glob("*.txt"))
    project = Project.open(db, create=True)
    started = time.perf_counter()
    project.documents.import_files(paths)
    elapsed = time.perf_counter() - started
    project.close()
    print(json.dumps({"seconds": elapsed}))


def sizes(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        rows = conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall()
        text = conn.execute("SELECT sum(length(CAST(text AS BLOB))), sum(length(text)) FROM documents").fetchone()
    by_name = dict(rows)
    index = sum(v for k, v in by_name.items() if k.startswith(("search_", "sqlite_autoindex_search_")))
    return {
        "file": db.stat().st_size,
        "pages": sum(by_name.values()),
        "index": index,
        "documents": by_name.get("documents", 0),
        "text_bytes": text[0],
        "characters": text[1],
        **{f"table {k}": v for k, v in sorted(by_name.items(), key=lambda kv: -kv[1])[:8]},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--characters", type=int, default=20_000_000)
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it")
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0
    from benchmarks.corpus import generate

    workdir = args.keep or Path(tempfile.mkdtemp(prefix="qualcode-import-"))
    workdir.mkdir(parents=True, exist_ok=True)
    corpus = workdir / "corpus"
    if not corpus.exists():
        generate(corpus, args.documents, args.characters)
    db = workdir / "import.db"
    for leftover in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        leftover.unlink(missing_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(db), str(corpus)], check=True, capture_output=True, text=True
    ).stdout
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    seconds = json.loads(out.strip().splitlines()[-1])["seconds"]
    s = sizes(db)
    text = s["text_bytes"]
    print(f"corpus: {args.documents} transcripts, {s['characters']:,} characters ({text / 1e6:.1f} MB UTF-8)")
    print(
        f"import: {seconds:.1f} s = {s['characters'] / seconds / 1e6:.2f} M characters/s (target >= 2.00); "
        f"peak RSS {peak_kb / 1024:.0f} MB (target <= 300)" + (" (an earlier child ran)" if before else "")
    )
    print(
        f"database: {s['file'] / 1e6:.1f} MB = {s['file'] / text:.2f}x the text (target <= 2.5); "
        f"index {s['index'] / 1e6:.1f} MB = {s['index'] / text:.2f}x; documents {s['documents'] / 1e6:.1f} MB"
    )
    for key, value in s.items():
        if key.startswith("table "):
            print(f"  {key[6:]:<32} {value / 1e6:8.1f} MB")
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
