"""Safe file writes: a temporary file in the target folder, then an atomic rename."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from qualcode.errors import BadInput


def write_atomic(path: Path | str, data: bytes, *, force: bool = False) -> Path:
    path = Path(path)
    if path.exists() and not force:
        raise BadInput(f"{path}: already exists; pass --force to overwrite")
    if path.is_dir():
        raise BadInput(f"{path}: is a directory")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp, 0o666 & ~umask)  # as an ordinary new file would be, not mkstemp's 0600
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
