"""Safe writes (qualcode/fileio.py): never clobber without force, never half-written, devices and FIFOs in place."""

from __future__ import annotations

import os
import socket
import stat
import threading
from pathlib import Path

import pytest

from qualcode.errors import BadInput
from qualcode.fileio import is_stdout, write_atomic, write_with


def _no_temporaries(folder: Path) -> None:
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []


class FifoReader:
    """Reads a FIFO to its end in a thread, as `cat fifo` would."""

    def __init__(self, path: Path):
        self.data = b""
        self.thread = threading.Thread(target=self._read, args=(path,), daemon=True)
        self.thread.start()

    def _read(self, path: Path) -> None:
        with open(path, "rb") as handle:
            self.data = handle.read()

    def result(self) -> bytes:
        self.thread.join(timeout=10)
        assert not self.thread.is_alive(), "the FIFO was never written and closed"
        return self.data


def test_a_new_file_is_written_whole_with_ordinary_permissions(tmp_path):
    target = tmp_path / "sub" / "out.csv"
    assert write_atomic(target, b"\xef\xbb\xbfa,b\n") == target
    assert target.read_bytes() == b"\xef\xbb\xbfa,b\n"
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
    _no_temporaries(target.parent)


def test_an_existing_file_is_refused_without_force_and_replaced_with_it(tmp_path):
    target = tmp_path / "out.txt"
    target.write_bytes(b"precious")
    target.chmod(0o600)
    with pytest.raises(BadInput, match=r"out\.txt: already exists; pass --force to overwrite"):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"precious"
    write_atomic(target, b"new", force=True)
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600  # the file keeps its permissions
    _no_temporaries(tmp_path)


def test_a_file_that_appears_while_writing_is_not_clobbered(tmp_path):
    """The check and the write are not one step: the final link refuses a file another process made meanwhile."""
    target = tmp_path / "race.txt"

    def fill(handle):
        target.write_bytes(b"the other process")
        handle.write(b"mine")

    with pytest.raises(BadInput, match="already exists"):
        write_with(target, fill)
    assert target.read_bytes() == b"the other process"
    _no_temporaries(tmp_path)


def test_directories_sockets_and_block_devices_are_refused(tmp_path):
    folder = tmp_path / "folder"
    folder.mkdir()
    for force in (False, True):
        with pytest.raises(BadInput, match="folder: is a directory"):
            write_atomic(folder, b"x", force=force)
    (tmp_path / "to-folder").symlink_to(folder)
    with pytest.raises(BadInput, match="to-folder: is a directory"):
        write_atomic(tmp_path / "to-folder", b"x", force=True)
    sock_path = tmp_path / "s.sock"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(sock_path))
        with pytest.raises(BadInput, match=r"s\.sock: not a regular file"):
            write_atomic(sock_path, b"x", force=True)
    finally:
        server.close()
    assert stat.S_ISSOCK(sock_path.stat().st_mode)


def test_dev_null_is_written_in_place_never_replaced():
    before = os.stat("/dev/null")
    write_atomic("/dev/null", b"discarded")  # no --force needed: nothing is overwritten
    write_atomic("/dev/null", b"discarded", force=True)
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


def test_a_fifo_and_a_symlink_to_one_are_written_in_place(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "to-pipe"
    link.symlink_to(fifo)
    for target in (fifo, link):
        reader = FifoReader(fifo)
        write_atomic(target, b"PK\x03\x04 zip bytes")
        assert reader.result() == b"PK\x03\x04 zip bytes"
        assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert link.is_symlink() and os.readlink(link) == str(fifo)
    _no_temporaries(tmp_path)


def test_a_symlink_to_a_file_replaces_the_files_content_and_stays_a_link(tmp_path):
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    real = real_dir / "report.md"
    real.write_bytes(b"old")
    link = tmp_path / "report.md"
    link.symlink_to(real)
    with pytest.raises(BadInput, match=r"report\.md: already exists"):
        write_atomic(link, b"new")
    assert real.read_bytes() == b"old"
    assert write_atomic(link, b"new", force=True) == link
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert real.read_bytes() == b"new"
    _no_temporaries(tmp_path)
    _no_temporaries(real_dir)


def test_a_dangling_symlink_creates_the_file_it_points_to(tmp_path):
    link = tmp_path / "link.csv"
    link.symlink_to(tmp_path / "made.csv")
    write_atomic(link, b"a,b\n")
    assert link.is_symlink() and (tmp_path / "made.csv").read_bytes() == b"a,b\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_an_unwritable_folder_is_one_clear_error(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(BadInput, match=r"locked/out\.txt: cannot write: Permission denied"):
            write_atomic(folder / "out.txt", b"x")
    finally:
        folder.chmod(0o700)


def test_a_path_below_a_file_is_one_clear_error(tmp_path):
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(BadInput, match=r"file/out\.txt: cannot write"):
        write_atomic(tmp_path / "file" / "out.txt", b"x")


def test_dash_means_standard_output():
    assert is_stdout("-") and is_stdout(Path("-"))
    assert not is_stdout(None) and not is_stdout("./-") and not is_stdout("out.csv")
