"""The bundled transcripts: rebuilt faithfully from the thesis extraction, and parsed into the right turns."""

from __future__ import annotations

import importlib.util
import re
import unicodedata
from pathlib import Path

import pytest

from qualcode.ingest.transcript import parse

ROOT = Path(__file__).resolve().parents[2]
RAW = ROOT / "tests" / "data" / "interviews-A-E-raw.txt"


def _script():
    spec = importlib.util.spec_from_file_location("rebuild", ROOT / "scripts" / "rebuild_transcripts.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _source_turns(code: str) -> tuple[int, int]:
    """Count 問/答 markers in the raw extraction for one interviewee, independently of the script."""
    raw = RAW.read_text(encoding="utf-8")
    parts = re.split(r"受訪者編號：", raw)[1:]
    part = next(p for p in parts if p.strip().startswith(code))
    questions = len(re.findall(r"^\s*問[︰：:]", part, flags=re.M))
    answers = len(re.findall(r"^\s*答[︰：:]", part, flags=re.M))
    return questions, answers


@pytest.mark.parametrize("code,expected", [("A", 67), ("B", 31), ("C", 37), ("D", 55), ("E", 55)])
def test_turn_counts_match_the_source(code, expected):
    text = (ROOT / "transcripts" / f"{code}.txt").read_text(encoding="utf-8")
    parsed = parse(text)
    questions, answers = _source_turns(code)
    assert len(parsed.turns) == questions + answers == expected
    assert [t.speaker for t in parsed.turns].count("問") == questions
    assert parsed.metadata["interviewee"] == code


def test_rebuild_reproduces_the_committed_files(tmp_path):
    script = _script()
    assert script.main(["rebuild", str(RAW), str(tmp_path)]) == 0
    for code in "ABCDE":
        assert (tmp_path / f"{code}.txt").read_bytes() == (ROOT / "transcripts" / f"{code}.txt").read_bytes()


def test_no_interview_character_is_lost_or_moved():
    """Every non-whitespace character of the source, in order, is in the transcripts (modulo NFC)."""
    raw = unicodedata.normalize("NFC", RAW.read_text(encoding="utf-8"))
    source = "".join(ch for ch in raw.replace("附錄九", "", 1) if not ch.isspace())
    agencies = _script().AGENCIES
    rebuilt = ""
    for code in "ABCDE":
        text = (ROOT / "transcripts" / f"{code}.txt").read_text(encoding="utf-8")
        rebuilt += text.replace(f"受訪單位：{agencies[code]}", "", 1)
    assert "".join(ch for ch in rebuilt if not ch.isspace()) == source


def test_transcripts_are_clean():
    for code in "ABCDE":
        text = (ROOT / "transcripts" / f"{code}.txt").read_text(encoding="utf-8")
        assert unicodedata.normalize("NFC", text) == text
        assert "\r" not in text and "\ufeff" not in text
        paragraphs = text.rstrip("\n").split("\n\n")
        # the header, then one paragraph per turn, each a single line (hard wraps joined)
        assert all("\n" not in p for p in paragraphs[1:])
        assert not any(line != line.strip() for p in paragraphs for line in p.split("\n"))
    assert "CALL OUT出去" in (ROOT / "transcripts" / "B.txt").read_text(encoding="utf-8")


def test_header_fields():
    parsed = parse((ROOT / "transcripts" / "E.txt").read_text(encoding="utf-8"))
    assert parsed.metadata == {
        "interviewee": "E",
        "agency": "高雄市政府勞工局訓練就業中心",
        "interview_time": "2012年 6月 5日上午 8時 30分至 8時 55分",
    }
