"""Parse a transcript's text into header fields and speaker turns with code-point offsets."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Header keys recognised before the first turn, mapped to metadata names.
HEADER_KEYS = {
    "受訪者編號": "interviewee",
    "受訪者代號": "interviewee",
    "受訪單位": "agency",
    "受訪機關": "agency",
    "訪談時間": "interview_time",
    "訪談日期": "interview_date",
    "訪談地點": "place",
    "case": "interviewee",
    "agency": "agency",
    "date": "interview_date",
    "time": "interview_time",
    "place": "place",
}
COLON = "[:：︰]"
# 問/答 (any colon), Q/A, or a short name label such as 陳局長： or Interviewer:; optional markdown bold.
SPEAKER_RE = re.compile(
    rf"^[ \t\u3000]*(?P<mark>\*\*)?(?P<speaker>問|答|Q|A|[^\s:：︰，。,.!?！？「」()（）*#]{{1,12}}?)(?P=mark)?[ \t]*{COLON}(?:\*\*)?[ \t\u3000]*"
)
HEADER_RE = re.compile(
    rf"^[ \t\u3000]*(?P<key>[^:：︰\n]{{1,12}}?)[ \t]*{COLON}[ \t\u3000]*(?P<value>.*?)[ \t\u3000]*$"
)
TITLE_RE = re.compile(r"^#{1,6}[ \t]+(?P<title>.+?)[ \t]*$")


@dataclass(frozen=True)
class ParsedTurn:
    speaker: str
    start: int  # first code point of what was said (after the label)
    end: int  # end-exclusive, trailing whitespace excluded


@dataclass
class ParsedTranscript:
    metadata: dict[str, str] = field(default_factory=dict)
    turns: list[ParsedTurn] = field(default_factory=list)


def _paragraphs(text: str):
    """Yield (start, end) of each paragraph: runs of non-blank lines."""
    pos = 0
    start = None
    for line in text.split("\n"):
        line_end = pos + len(line)
        if line.strip():
            if start is None:
                start = pos
            end = line_end
        elif start is not None:
            yield start, end
            start = None
        pos = line_end + 1
    if start is not None:
        yield start, end


def _is_header_key(key: str) -> bool:
    return key.strip().lower() in HEADER_KEYS


def parse(text: str) -> ParsedTranscript:
    """Header lines (`受訪者編號：A` …) come before the first turn; each turn starts with a speaker label.

    A line that starts with a label begins a new turn, even inside a paragraph; other lines continue
    the current turn. Text before the first turn that is not a header line is kept as `preamble`.
    """
    result = ParsedTranscript()
    allowed = _label_style(text)
    preamble: list[str] = []
    current: list[int] | None = None  # [speaker, start, end] of the open turn
    speaker = ""
    for p_start, p_end in _paragraphs(text):
        pos = p_start
        for line in text[p_start:p_end].split("\n"):
            line_start, line_end = pos, pos + len(line)
            pos = line_end + 1
            if not line.strip():
                continue
            if not result.turns and current is None:
                title = TITLE_RE.match(line)
                header = HEADER_RE.match(line)
                if title and "title" not in result.metadata:
                    result.metadata["title"] = title.group("title")
                    continue
                if header and _is_header_key(header.group("key")):
                    result.metadata[HEADER_KEYS[header.group("key").strip().lower()]] = header.group("value")
                    continue
            label = SPEAKER_RE.match(line)
            if label and _accepts(allowed, label.group("speaker")):
                if current is not None:
                    result.turns.append(ParsedTurn(speaker, current[0], current[1]))
                speaker = label.group("speaker")
                start = line_start + label.end()
                current = [start, _rstrip_end(text, start, line_end)]
            elif current is not None:
                current[1] = _rstrip_end(text, line_start, line_end)
            else:
                preamble.append(line.strip())
        if current is not None:
            result.turns.append(ParsedTurn(speaker, current[0], current[1]))
            current = None
    if preamble:
        result.metadata["preamble"] = "\n".join(preamble)
    return result


def _label_style(text: str) -> frozenset[str] | None:
    """Which labels start turns: 問/答 if the text uses them, else Q/A, else any name label (None)."""
    labels = {m.group("speaker") for m in map(SPEAKER_RE.match, text.split("\n")) if m}
    if labels & {"問", "答"}:
        return frozenset({"問", "答"})
    if labels & {"Q", "A"}:
        return frozenset({"Q", "A"})
    return None


def _accepts(allowed: frozenset[str] | None, label: str) -> bool:
    if allowed is not None:
        return label in allowed
    if _is_header_key(label):
        return False
    # A name label is short, not a clause: 陳局長： yes, 我覺得這就是說： no.
    return len(label) <= 6 or label.replace(" ", "").isascii()


def _rstrip_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] in " \t\u3000":
        end -= 1
    return end
