"""Speaker turns and headers in the transcript formats analysts use."""

from __future__ import annotations

from qualcode.ingest.transcript import parse


def _turns(text):
    return [(t.speaker, text[t.start : t.end]) for t in parse(text).turns]


def test_question_answer_with_any_colon():
    text = "問︰第一題？\n\n答：回答一\n\n問:第二題\n答: 回答二"
    assert _turns(text) == [("問", "第一題？"), ("答", "回答一"), ("問", "第二題"), ("答", "回答二")]


def test_hard_wrapped_turn_continues_until_next_label():
    text = "問：為什麼\n要建置網站？\n\n答：第一：大勢所趨\n第二：便民"
    assert _turns(text) == [("問", "為什麼\n要建置網站？"), ("答", "第一：大勢所趨\n第二：便民")]


def test_latin_q_and_a():
    text = "Q: Why?\nA: Because.\nStill the answer."
    assert _turns(text) == [("Q", "Why?"), ("A", "Because.\nStill the answer.")]


def test_named_speakers_and_header():
    text = "# 訪談紀錄\n受訪者編號：Z\n訪談時間：2020年\n\n訪談者：您好\n陳局長：我們很重視\n訪談者：謝謝"
    parsed = parse(text)
    assert parsed.metadata == {"title": "訪談紀錄", "interviewee": "Z", "interview_time": "2020年"}
    assert [(t.speaker, text[t.start : t.end]) for t in parsed.turns] == [
        ("訪談者", "您好"),
        ("陳局長", "我們很重視"),
        ("訪談者", "謝謝"),
    ]


def test_offsets_with_characters_outside_the_bmp():
    text = "問：𠀋𡈽是什麼？\n\n答：𩸽魚的𠮷字"
    turns = parse(text).turns
    assert text[turns[1].start : turns[1].end] == "𩸽魚的𠮷字"
    assert turns[1].start == text.index("𩸽")


def test_trailing_spaces_are_not_part_of_a_turn():
    text = "問：題目   \n\n答：答案\u3000"
    assert _turns(text) == [("問", "題目"), ("答", "答案")]
