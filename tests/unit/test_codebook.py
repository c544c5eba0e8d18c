"""The YAML codebook: the default framework, validation with lines, atomic load, and a lossless dump."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode import codebook
from qualcode.errors import CodebookInvalid, Conflict

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "codebooks" / "five-municipalities.yaml"

FIXED = {
    "region-traits": ["urbanization", "public-demand", "digitalization"],
    "resources": ["organization", "staffing", "budget"],
    "local-policy": ["central-support", "legislature", "internal-consensus"],
    "leader-attention": ["leader-priority", "leader-support"],
}


def test_default_codebook_has_the_fixed_framework():
    book = codebook.load_file(DEFAULT)
    by_id = {c.id: c for c in book.codes}
    for dimension, children in FIXED.items():
        assert by_id[dimension].parent_id is None
        assert [c.id for c in book.codes if c.parent_id == dimension] == children
    assert by_id["leader-attention"].name == "主管重視程度"
    assert by_id["central-support"].name == "中央政府對於地方政府支持程度"
    for extra in (
        "site-establishment",
        "site-content",
        "site-outcomes",
        "site-marketing",
        "future-plans",
        "positioning-central",
        "positioning-private",
        "difficulties",
    ):
        assert by_id[extra].description and by_id[extra].keywords
    assert all(c.color and c.description and c.keywords for c in book.codes)
    assert [s.label for s in book.scale] == ["弱", "中", "強"]
    assert [f.id for f in book.facets] == ["establishment", "content", "outcome"]
    shortcuts = [c.shortcut for c in book.codes if c.shortcut]
    assert sorted(shortcuts) == list("0123456789")


def test_dump_loads_back_identically():
    book = codebook.load_file(DEFAULT)
    assert codebook.loads(codebook.dumps(book)) == book


def _problems(text: str, tmp_path) -> list[str]:
    path = tmp_path / "cb.yaml"
    path.write_text(text, encoding="utf-8")
    return codebook.check_file(path)


def test_every_problem_is_reported_with_file_and_line(tmp_path):
    text = """codes:
- id: a
  name: 甲
  color: '#12345'
- id: a
  name: 乙
- id: b
  parent: nowhere
  name: 丙
- id: c
  shortcut: '1'
- id: d
  name: 丁
  shortcut: '1'
  colour: '#FFFFFF'
- id: bad id
  name: 戊
"""
    problems = _problems(text, tmp_path)
    joined = "\n".join(problems)
    assert f"{tmp_path / 'cb.yaml'}:4: bad colour '#12345'" in joined
    assert "cb.yaml:5: duplicate id 'a' (first defined on line 2)" in joined
    assert "cb.yaml:8: unknown parent 'nowhere' of code 'b'" in joined
    assert "cb.yaml:10: code 'c' has no name" in joined
    assert "cb.yaml:14: shortcut '1' already belongs to code 'c'" in joined
    assert "cb.yaml:15: unknown field 'colour' in a code; did you mean 'color'?" in joined
    assert "cb.yaml:16: bad id 'bad id'" in joined
    assert len(problems) == 7


def test_parent_cycle_is_found(tmp_path):
    problems = _problems("codes:\n- {id: a, name: A, parent: b}\n- {id: b, name: B, parent: a}\n", tmp_path)
    assert any("its own ancestor" in p for p in problems)


def test_yaml_syntax_error_names_line_and_column(tmp_path):
    problems = _problems("codes:\n- id: a\n  name: [unclosed\n", tmp_path)
    assert len(problems) == 1 and "cb.yaml:3:9: YAML syntax error" in problems[0]


def test_load_is_all_or_nothing(project, tmp_path):
    before = list(project.store.conn.iterdump())
    bad = tmp_path / "bad.yaml"
    bad.write_text(DEFAULT.read_text(encoding="utf-8").replace("color: '#3A6EA5'", "color: blue"), encoding="utf-8")
    with pytest.raises(CodebookInvalid, match=r"bad\.yaml:.*bad colour 'blue'"):
        project.codebook.load(bad)
    assert list(project.store.conn.iterdump()) == before


def test_load_refuses_to_drop_codes_that_have_codings(project, tmp_path):
    project.codings.apply("A", "budget", "alice", turn=6)
    smaller = tmp_path / "smaller.yaml"
    book = codebook.load_file(DEFAULT)
    trimmed = codebook.Codebook(
        book.name,
        book.version,
        book.description,
        book.scale,
        book.facets,
        tuple(c for c in book.codes if c.id != "budget"),
    )
    smaller.write_text(codebook.dumps(trimmed), encoding="utf-8")
    before = list(project.store.conn.iterdump())
    with pytest.raises(Conflict, match=r"drops codes that have codings: budget \(1 codings\)"):
        project.codebook.load(smaller)
    assert list(project.store.conn.iterdump()) == before


def test_project_codebook_round_trips_through_dump(project):
    assert project.codebook.get() == codebook.load_file(DEFAULT)
