"""Killing qualcode in the middle of a write leaves the project whole: the write happened entirely or not at all."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from qualcode.search.index import unpack_turns


@pytest.mark.slow
def test_kill_during_a_large_import(demo_db, tmp_path):
    files = []
    text = "問：請問經費來源？\n\n答：" + "經費多數來自中央，就業安定基金補助。" * 4000 + "\n"
    for i in range(40):
        path = tmp_path / f"K{i:02d}.txt"
        path.write_text(text + f"問：第 {i} 份？\n", encoding="utf-8")
        files.append(str(path))
    for delay in (0.3, 0.8, 1.5):
        proc = subprocess.Popen(
            [sys.executable, "-m", "qualcode", "--project", str(demo_db), "import", *files],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        conn = sqlite3.connect(demo_db)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            imported = conn.execute("SELECT count(*) FROM documents WHERE title LIKE 'K%'").fetchone()[0]
            k_ids = {r[0] for r in conn.execute("SELECT id FROM documents WHERE title LIKE 'K%'")}
            pack = conn.execute("SELECT data FROM search_packed WHERE name = 'turns'").fetchone()
            packed = set(unpack_turns(pack[0])[0]["document_id"].tolist()) if pack else set()
            indexed = len(k_ids & packed)
        finally:
            conn.close()
        assert imported in (0, 40) and indexed == imported  # all or nothing, index in step
        if imported:
            break
