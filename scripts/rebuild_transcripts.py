"""Rebuild transcripts/A.txt … E.txt from the thesis appendix as extracted from the PDF.

Usage: python scripts/rebuild_transcripts.py [SEED_FILE] [OUT_DIR]

The extracted text is hard-wrapped, with a blank line after every line, a stray
space at the start of the first line of each PDF page, and a trailing space at
the end of every paragraph. The rebuild joins each speaker turn into one
paragraph and removes only those layout artefacts: a space that sits *inside* a
paragraph at a line end (``CALL`` ⏎ ``OUT``) is real text and is kept.
`verify()` proves that the interview text (every non-whitespace character, in
order) is unchanged up to Unicode canonical equivalence: the output is NFC, as
qualcode stores all text, which replaces the 18 CJK compatibility ideographs
the PDF extraction left (U+F965 便 ×17, U+F918 落 ×1) by their canonical forms.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SEED = ROOT.parent / "shared" / "seed" / "interviews-A-E-raw.txt"
DEFAULT_OUT = ROOT / "transcripts"

# Interviewee code -> the interviewed agency (thesis ch. 3, Table 5-8).
AGENCIES = {
    "A": "臺北市政府勞工局就業服務處",
    "B": "新北市政府就業服務中心",
    "C": "臺中市政府就業服務處",
    "D": "臺南市政府勞工局職訓就服中心",
    "E": "高雄市政府勞工局訓練就業中心",
}

HEADER_RE = re.compile(r"^受訪者編號[：:︰]\s*(?P<code>[A-Z])\s*$")
TIME_RE = re.compile(r"^訪談時間[：:︰]")
TURN_RE = re.compile(r"^(問|答)[︰：:]")


def split_interviews(raw: str) -> dict[str, list[str]]:
    """Cut the appendix into interviews, keyed by interviewee code; values are non-blank lines."""
    interviews: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in raw.split("\n"):
        if not line.strip():
            continue
        header = HEADER_RE.match(line.strip())
        if header:
            current = interviews.setdefault(header.group("code"), [])
        if current is not None:
            current.append(line)
    return interviews


def rebuild(lines: list[str]) -> str:
    """One interview's non-blank lines -> the clean transcript text."""
    code = HEADER_RE.match(lines[0].strip()).group("code")
    header = [f"受訪者編號：{code}", f"受訪單位：{AGENCIES[code]}"]
    paragraphs: list[list[str]] = []
    for line in lines[1:]:
        line = line.lstrip(" ")  # page-break artefact
        if TIME_RE.match(line):
            header.append(line.rstrip(" "))
        elif TURN_RE.match(line):
            paragraphs.append([line])
        else:
            if not paragraphs:
                raise ValueError(f"text before the first turn: {line!r}")
            paragraphs[-1].append(line)
    # A paragraph's last line carries an artefact trailing space; inner line ends keep theirs.
    turns = ["".join(p).rstrip(" ") for p in paragraphs]
    text = "\n".join(header) + "\n\n" + "\n\n".join(turns) + "\n"
    return unicodedata.normalize("NFC", text)


def visible(text: str) -> str:
    return "".join(ch for ch in text if not ch.isspace())


def verify(raw_lines: list[str], rebuilt: str, code: str) -> None:
    """Raise unless the rebuilt transcript holds exactly the source's interview text."""
    source = visible(unicodedata.normalize("NFC", "".join(raw_lines)))
    agency_line = f"受訪單位：{AGENCIES[code]}"
    target = visible(rebuilt.replace(agency_line, "", 1))
    if source != target:
        at = next(i for i, (a, b) in enumerate(zip(source + "\0", target + "\0", strict=False)) if a != b)
        raise AssertionError(
            f"{code}: text differs at visible character {at}: {source[at : at + 20]!r} vs {target[at : at + 20]!r}"
        )
    if unicodedata.normalize("NFC", rebuilt) != rebuilt:
        raise AssertionError(f"{code}: not NFC")


def main(argv: list[str]) -> int:
    seed = Path(argv[1]) if len(argv) > 1 else DEFAULT_SEED
    out = Path(argv[2]) if len(argv) > 2 else DEFAULT_OUT
    raw = seed.read_text(encoding="utf-8")
    out.mkdir(parents=True, exist_ok=True)
    for code, lines in split_interviews(raw).items():
        text = rebuild(lines)
        verify(lines, text, code)
        path = out / f"{code}.txt"
        path.write_text(text, encoding="utf-8", newline="\n")
        turns = sum(1 for p in text.split("\n\n") if TURN_RE.match(p))
        print(f"{path}: {turns} turns, {len(text)} characters")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
