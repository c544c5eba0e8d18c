"""Safe file writes: an existing file is never clobbered without force, and is never left half-written.

- A new or (with force) existing regular file: a temporary file in the target's folder, then an atomic rename.
- A symlink: followed. Its target's content is replaced (the link itself stays a link); a dangling link
  creates the file it points to.
- A character device or a FIFO (/dev/null, a named pipe, a symlink to one): opened and written in place,
  never replaced by a rename. No force is needed: nothing is overwritten.
- A directory, a block device or a socket: refused.
- `-` means standard output (`is_stdout`, `write_stdout`): the caller decides, since only it knows stdout.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from qualcode.errors import BadInput

STDOUT = "-"
# os.link fails with these where a file system has no hard links; the write then falls back to a rename.
_NO_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.EXDEV, errno.ENOSYS}


def is_stdout(path: Path | str | None) -> bool:
    """Whether an -o value means standard output."""
    return path is not None and str(path) == STDOUT


def write_stdout(data: bytes) -> None:
    """Bytes to standard output as they are (a BOM, a zip, an SQLite file), not through a text encoding."""
    stream = sys.stdout.buffer
    stream.write(data)
    stream.flush()


def write_atomic(path: Path | str, data: bytes, *, force: bool = False) -> Path:
    """Write bytes to a file; refuses an existing regular file unless force (see the module's docstring)."""
    return write_with(path, lambda handle: handle.write(data), force=force)


def write_with(path: Path | str, fill: Callable[[BinaryIO], object], *, force: bool = False) -> Path:
    """Like write_atomic, with `fill(handle)` writing the content (to stream a large file); returns the path."""
    path = Path(path)
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    try:
        try:
            mode: int | None = target.stat().st_mode
        except FileNotFoundError:
            mode = None
        if mode is None:
            _replace(target, fill, keep_mode=None, exclusive=not force, shown=path)
        elif stat.S_ISDIR(mode):
            raise BadInput(f"{path}: is a directory")
        elif stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
            with open(target, "wb") as handle:  # in place: a device or a pipe is never renamed over
                fill(handle)
        elif not stat.S_ISREG(mode):
            raise BadInput(f"{path}: not a regular file, a character device or a FIFO; refusing to write there")
        elif not force:
            raise BadInput(f"{path}: already exists; pass --force to overwrite")
        else:
            _replace(target, fill, keep_mode=stat.S_IMODE(mode), exclusive=False, shown=path)
    except OSError as exc:
        raise BadInput(f"{path}: cannot write: {exc.strerror or exc}") from None
    return path


def _replace(target: Path, fill: Callable[[BinaryIO], object], *, keep_mode: int | None, exclusive: bool, shown: Path):
    """A temporary file beside the target, then a rename (or, when exclusive, a link that fails if it exists)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        if keep_mode is None:
            umask = os.umask(0)
            os.umask(umask)
            keep_mode = 0o666 & ~umask  # as an ordinary new file would be, not mkstemp's 0600
        os.chmod(tmp, keep_mode)
        with os.fdopen(fd, "wb") as handle:
            fill(handle)
            handle.flush()
            os.fsync(handle.fileno())
        if exclusive:
            _link(tmp, target, shown)
        else:
            os.replace(tmp, target)
        _sync_folder(target.parent)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _link(tmp: str, target: Path, shown: Path) -> None:
    """Publish a finished file under a name that must not exist yet (another process may have just made it)."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise BadInput(f"{shown}: already exists; pass --force to overwrite") from None
    except OSError as exc:
        if exc.errno not in _NO_LINKS:
            raise
        if target.exists():
            raise BadInput(f"{shown}: already exists; pass --force to overwrite") from None
        os.replace(tmp, target)


def _sync_folder(folder: Path) -> None:
    """Make the rename durable (best effort: some systems cannot open a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
