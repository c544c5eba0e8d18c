"""`qualcode browse`: the project file, read-only, in Datasette on 127.0.0.1.

Datasette is an optional extra (`pip install 'qualcode[browse]'`); this module only checks that it is
installed (without importing it) and runs it as `python -m datasette serve` in a child process, with
metadata describing every table, view and column. The CLI command calls serve(); nothing here imports
a UI library.

Read-only, and live: Datasette opens a file it serves as mutable with `?mode=ro`, so SQLite itself
refuses writes on its query connections, arbitrary SQL must be a SELECT, and without canned write
queries (the metadata declares none) nor a --root actor nothing writes. That mode also reads the WAL,
so codings made in the TUI while the browser is open show on the next page load. Immutable mode (`-i`)
is not used: it ignores the WAL, so it shows whatever was last checkpointed into the main file, and
assumes a file that never changes while it is read.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from qualcode.errors import BadInput, QualcodeError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8001  # Datasette's own default
INSTALL_HINT = "`qualcode browse` needs Datasette, an optional extra: pip install 'qualcode[browse]'"

TABLES_FILE = Path(__file__).resolve().parent / "data" / "browse-tables.yaml"


def described_tables() -> dict[str, tuple[str, dict[str, str]]]:
    """table or view -> (description, {column: description}), from data/browse-tables.yaml. Views first."""
    import yaml

    data = yaml.safe_load(TABLES_FILE.read_text(encoding="utf-8"))
    return {name: (entry["description"], dict(entry["columns"])) for name, entry in data.items()}


VIEWS = ("quotes", "ratings_table")
HIDDEN = ("search_turns", "search_batches", "search_postings", "schema_version")  # listed under "hidden tables"
LABEL_COLUMNS = {"cases": "name", "codes": "name", "facets": "name", "scale_steps": "label", "documents": "title"}


def available() -> bool:
    """Whether Datasette is installed (found without importing it: that takes a second)."""
    return importlib.util.find_spec("datasette") is not None


def require_datasette() -> None:
    if not available():
        raise QualcodeError(INSTALL_HINT)


def database_name(project_path: Path | str) -> str:
    """The name Datasette gives the project's database (and its URL path): the file name's stem."""
    return Path(project_path).stem


def url(project_path: Path | str, port: int = DEFAULT_PORT, host: str = DEFAULT_HOST) -> str:
    """Where the project's database page is served (Datasette tilde-encodes the name in URLs)."""
    name = "".join(
        chr(b) if chr(b).isascii() and (chr(b).isalnum() or chr(b) in "_-") else "+" if b == 32 else f"~{b:02X}"
        for b in database_name(project_path).encode("utf-8")
    )
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/{name}"


def metadata(database: str = "qualcode") -> dict[str, Any]:
    """Datasette metadata: a title, and a description of every table, view and column of a project."""
    tables: dict[str, Any] = {}
    for table, (description, columns) in described_tables().items():
        entry: dict[str, Any] = {"description": description, "columns": dict(columns)}
        if table in HIDDEN:
            entry["hidden"] = True
        if table in LABEL_COLUMNS:
            entry["label_column"] = LABEL_COLUMNS[table]
        if table == "events":
            entry["sort_desc"] = "id"
        tables[table] = entry
    return {
        "title": "qualcode project",
        "description": (
            "A qualcode project, read-only. Start with the quotes view (every coded passage with its text) "
            "and ratings_table (every rating by label). Offsets are code points, end-exclusive."
        ),
        "databases": {
            database: {
                "description": "Interview transcripts, their turns, the codebook, codings, ratings and the change log.",
                "tables": tables,
            }
        },
    }


def write_metadata(path: Path | str, database: str = "qualcode") -> Path:
    path = Path(path)
    path.write_text(json.dumps(metadata(database), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def command(
    project_path: Path | str,
    port: int = DEFAULT_PORT,
    host: str = DEFAULT_HOST,
    open_browser: bool = False,
    *,
    metadata_file: Path | str | None = None,
) -> list[str]:
    """The command line that serves the project read-only: `python -m datasette serve …`.

    The metadata goes to `metadata_file`, or when none is given to a new temporary file that the caller
    removes (serve() does). Raises QualcodeError when Datasette is not installed.
    """
    require_datasette()
    project_path = Path(project_path).resolve()
    if metadata_file is None:
        handle, name = tempfile.mkstemp(prefix="qualcode-browse-", suffix=".json")
        os.close(handle)
        metadata_file = name
    write_metadata(metadata_file, database_name(project_path))
    argv = [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        str(project_path),
        "--host",
        host,
        "--port",
        str(port),
        "--metadata",
        str(metadata_file),
    ]
    if open_browser:
        argv.append("--open")
    return argv


def check_port(port: int, host: str = DEFAULT_HOST) -> None:
    """Raise BadInput when something already listens on host:port (Datasette would fail less clearly)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise BadInput(
                f"cannot serve on {host}:{port} ({exc.strerror or exc}); choose another port with --port"
            ) from None


def prepare(project_path: Path | str) -> Path:
    """Check that the file is a qualcode project and bring its schema up to date (the views come with
    version 6, and Datasette only reads). Returns the resolved path."""
    from qualcode.store import Store

    path = Path(project_path)
    Store(path).close()  # BadInput for a missing or foreign file; migrates an older project
    return path.resolve()


def serve(
    project_path: Path | str, port: int = DEFAULT_PORT, host: str = DEFAULT_HOST, open_browser: bool = False
) -> int:
    """Serve the project read-only in Datasette until interrupted (Ctrl+C); returns Datasette's exit status."""
    require_datasette()
    path = prepare(project_path)
    check_port(port, host)
    with tempfile.TemporaryDirectory(prefix="qualcode-browse-") as folder:
        argv = command(path, port, host, open_browser, metadata_file=Path(folder) / "metadata.json")
        process = subprocess.Popen(argv)
        # Stopped by SIGTERM (a service manager, a test), stop Datasette too rather than orphan it.
        previous = signal.signal(signal.SIGTERM, lambda signum, frame: process.terminate())
        try:
            return process.wait()
        except KeyboardInterrupt:
            # The terminal sent the interrupt to Datasette too; give it a moment to stop cleanly.
            try:
                return process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.terminate()
                try:
                    return process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    return process.wait()
        finally:
            signal.signal(signal.SIGTERM, previous)
