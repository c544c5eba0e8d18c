"""`qualcode browse`: Datasette serves the project read-only on 127.0.0.1, with descriptions of every table."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from qualcode import browse
from qualcode.errors import BadInput, QualcodeError
from qualcode.store import Store


def test_metadata_describes_every_table_view_and_column(tmp_path):
    store = Store(tmp_path / "p.db", create=True)
    db = store.db  # sqlite-utils' introspection
    described = browse.metadata("p")["databases"]["p"]["tables"]
    assert set(described) == set(db.table_names()) | set(db.view_names())
    for name in db.table_names() + db.view_names():
        assert described[name]["description"], name
        columns = [c.name for c in db[name].columns]
        assert list(described[name]["columns"]) == columns, name
        assert all(described[name]["columns"].values()), name
    assert set(db.view_names()) == set(browse.VIEWS)
    store.close()


def test_command_serves_the_project_read_only_on_loopback(tmp_path, demo_db):
    argv = browse.command(demo_db, 8123, metadata_file=tmp_path / "m.json")
    assert argv[1:4] == ["-m", "datasette", "serve"]
    assert str(demo_db.resolve()) in argv and "-i" not in argv and "--immutable" not in argv
    assert argv[argv.index("--host") + 1] == "127.0.0.1" and argv[argv.index("--port") + 1] == "8123"
    assert "--open" not in argv and "--open" in browse.command(
        demo_db, 8123, open_browser=True, metadata_file=tmp_path / "m.json"
    )
    assert json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))["databases"]["qualcode"]["tables"]["quotes"]
    assert browse.url(demo_db, 8123) == "http://127.0.0.1:8123/qualcode"
    assert browse.url(tmp_path / "訪談 A.db") == "http://127.0.0.1:8001/~E8~A8~AA~E8~AB~87+A"


def test_without_datasette_the_error_says_how_to_install_it(monkeypatch, demo_db):
    monkeypatch.setattr(browse, "available", lambda: False)
    for call in (lambda: browse.command(demo_db, 8001), lambda: browse.serve(demo_db, 8001)):
        with pytest.raises(QualcodeError, match=r"pip install 'qualcode\[browse\]'") as caught:
            call()
        assert "\n" not in str(caught.value)


def test_serve_refuses_a_file_that_is_not_a_project_and_a_busy_port(tmp_path, demo_db):
    pytest.importorskip("datasette")
    with pytest.raises(BadInput, match="no such project"):
        browse.serve(tmp_path / "missing.db")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        with pytest.raises(BadInput, match="choose another port"):
            browse.serve(demo_db, busy.getsockname()[1])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _insert_coding(conn: sqlite3.Connection, coding_id: str, case: str, turn: int, coder: str) -> tuple[str, int]:
    document_id, text = conn.execute("SELECT id, text FROM documents WHERE case_id = ?", (case,)).fetchone()
    start, end = conn.execute(
        'SELECT start, "end" FROM turns WHERE document_id = ? AND number = ?', (document_id, turn)
    ).fetchone()
    conn.execute(
        'INSERT INTO codings (id, document_id, code_id, coder, start, "end", memo, created_at, updated_at) '
        "VALUES (?, ?, 'budget', ?, ?, ?, '經費規模', 'now', 'now')",
        (coding_id, document_id, coder, start, end),
    )
    conn.commit()
    return text[start:end], start


@pytest.mark.slow
def test_datasette_serves_the_quotes_view_and_refuses_writes(tmp_path, demo_db):
    pytest.importorskip("datasette")
    conn = sqlite3.connect(demo_db)
    quote, start = _insert_coding(conn, "coding-1", "A", 6, "alice")
    conn.close()
    port = _free_port()
    argv = [sys.executable, "-m", "qualcode", "--project", str(demo_db), "browse", "--port", str(port)]
    base = f"http://127.0.0.1:{port}/{browse.database_name(demo_db)}"
    log = (tmp_path / "datasette.log").open("wb")
    server = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if _get(f"http://127.0.0.1:{port}/-/versions.json")[0] == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Datasette did not answer: {(tmp_path / 'datasette.log').read_text(errors='replace')}")
            time.sleep(0.2)

        status, body = _get(f"{base}/quotes.json?_shape=array")
        assert status == 200
        [row] = json.loads(body)
        assert row == {
            "id": "coding-1",
            "case": "A",
            "document": "A",
            "turn": 6,
            "code": "budget",
            "code_name": "預算",
            "coder": "alice",
            "start": start,
            "end": start + len(quote),
            "text": quote,
            "memo": "經費規模",
            "review": 0,
            "orphaned": 0,
        }
        assert "經費" in row["text"]

        status, body = _get(f"http://127.0.0.1:{port}/-/metadata.json")
        assert status == 200
        tables = json.loads(body)["databases"]["qualcode"]["tables"]
        assert tables["quotes"]["columns"]["text"] == "the coded passage"

        # Datasette accepts only SELECT; a write dressed as one reaches SQLite on a read-only connection.
        for sql in ("DELETE FROM codings", "WITH x AS (SELECT 1) DELETE FROM codings"):
            status, body = _get(f"{base}.json?" + urllib.parse.urlencode({"sql": sql}))
            assert status >= 400 or json.loads(body).get("ok") is False, body
            assert b"readonly" in body or b"must be a SELECT" in body, body

        # Live: a coding written while the server runs (in the WAL, not checkpointed) shows at once.
        writer = sqlite3.connect(demo_db)
        writer.execute("PRAGMA wal_autocheckpoint = 0")
        _insert_coding(writer, "coding-2", "E", 2, "bob")
        status, body = _get(f"{base}/quotes.json?_shape=array")
        assert [r["id"] for r in json.loads(body)] == ["coding-1", "coding-2"]
        writer.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
    assert server.returncode is not None
    with pytest.raises(OSError):  # `qualcode browse` stopped Datasette too: nothing answers on the port
        _get(f"http://127.0.0.1:{port}/-/versions.json")
    check = sqlite3.connect(demo_db)
    assert check.execute("SELECT count(*) FROM codings").fetchone()[0] == 2
    check.close()
