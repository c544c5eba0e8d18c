"""The catalogues (qualcode/i18n): each read on first use, and kept parsed (as marshal data, like bytecode) so that
a command does not run the YAML parser; the kept copy is always what the YAML file says."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import yaml

from qualcode import i18n


@pytest.fixture
def prefix(tmp_path, monkeypatch) -> Path:
    """Copies kept under tmp_path (as with $PYTHONPYCACHEPREFIX), written even where the tests write no bytecode."""
    monkeypatch.setattr(sys, "pycache_prefix", str(tmp_path / "pycache"))
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    return tmp_path / "pycache"


def parsed(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", [i18n.CLI_FILE, i18n.LABELS_FILE, i18n.ERRORS_FILE], ids=lambda p: p.name)
def test_a_kept_copy_is_what_the_file_says(prefix, path):
    assert i18n._read(path) == parsed(path)  # parsed, and kept
    copy = i18n._cache_file(path)
    assert copy.is_relative_to(prefix) and copy.exists()
    assert i18n._read(path) == parsed(path)  # from the copy
    assert [p.name for p in copy.parent.iterdir()] == [copy.name]  # no temporary file left


def test_a_changed_file_is_read_again(prefix, tmp_path):
    path = tmp_path / "cli.yaml"
    path.write_text("a: [甲, A]\n", encoding="utf-8")
    assert i18n.load(path) == {"a": ("甲", "A")}
    path.write_text("a: [甲, A]\nb: [乙, B]\n", encoding="utf-8")
    assert i18n.load(path) == {"a": ("甲", "A"), "b": ("乙", "B")}
    stat = path.stat()
    path.write_text("a: [丙, C]\nb: [乙, B]\n", encoding="utf-8")  # the same size…
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # …a later time
    assert i18n.load(path) == {"a": ("丙", "C"), "b": ("乙", "B")}


def test_a_damaged_copy_is_ignored_and_replaced(prefix, tmp_path):
    path = tmp_path / "cli.yaml"
    path.write_text("a: [甲, A]\n", encoding="utf-8")
    i18n.load(path)
    copy = i18n._cache_file(path)
    for damage in (b"", b"\x00garbage", copy.read_bytes()[:7]):
        copy.write_bytes(damage)
        assert i18n.load(path) == {"a": ("甲", "A")}
    assert i18n.load(path) == {"a": ("甲", "A")}


def test_no_copy_where_no_bytecode_is_written(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "pycache_prefix", str(tmp_path / "pycache"))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    path = tmp_path / "cli.yaml"
    path.write_text("a: [甲, A]\n", encoding="utf-8")
    assert i18n.load(path) == {"a": ("甲", "A")}
    assert not (tmp_path / "pycache").exists()


def test_an_unwritable_place_only_means_parsing(tmp_path, monkeypatch):
    (tmp_path / "pycache").write_text("a file where the folder should be")
    monkeypatch.setattr(sys, "pycache_prefix", str(tmp_path / "pycache"))
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    path = tmp_path / "cli.yaml"
    path.write_text("a: [甲, A]\n", encoding="utf-8")
    assert i18n.load(path) == {"a": ("甲", "A")}


def test_the_catalogues_are_read_on_first_use():
    catalogue = i18n._Catalogue(i18n.LABELS_FILE)
    assert "_entries" not in vars(catalogue)
    assert catalogue["cases"] == i18n.LABELS["cases"] and "cases" in catalogue
    assert dict(catalogue) == {k: tuple(v) for k, v in parsed(i18n.LABELS_FILE).items()}
    assert len(i18n.CLI_LABELS) == len(parsed(i18n.CLI_FILE)) and i18n.load(i18n.CLI_FILE) == i18n.CLI_LABELS
    assert i18n.label("cases", "en") == parsed(i18n.LABELS_FILE)["cases"][1]
