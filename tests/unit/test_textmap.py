"""TextMap (tui/textmap.py): code-point offsets <-> TextArea (row, column) locations, tested directly."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.tui.textmap import TextMap

# CJK, ASCII, full-width punctuation, characters outside the BMP, a combining mark, newlines and tabs:
# columns are code points, so none of them is special here.
ALPHABET = "中文字訪談ab1 ，。「」𠮷😀\u0301\t\n"
texts = st.one_of(
    st.text(alphabet=ALPHABET, max_size=200),
    st.lists(st.sampled_from(["\n", "\n\n", "中文", "abc", "𠮷😀", "，。", "\r\n"]), max_size=30).map("".join),
)

FAST = settings(max_examples=300, deadline=None)


@FAST
@given(texts)
def test_offset_to_location_and_back(text):
    textmap = TextMap(text)
    for offset in range(len(text) + 1):
        assert textmap.offset(textmap.location(offset)) == offset


@FAST
@given(texts)
def test_a_location_points_at_its_character(text):
    textmap = TextMap(text)
    lines = text.split("\n")
    for offset in range(len(text) + 1):
        row, column = textmap.location(offset)
        assert 0 <= row < len(lines) and 0 <= column <= len(lines[row])
        if offset < len(text) and text[offset] != "\n":
            assert lines[row][column] == text[offset]
        elif offset < len(text):  # the newline ends its row
            assert column == len(lines[row])
        else:
            assert (row, column) == (len(lines) - 1, len(lines[-1]))


@FAST
@given(texts)
def test_line_spans_agree_with_split(text):
    textmap = TextMap(text)
    lines = text.split("\n")
    assert len(textmap.starts) == len(lines)
    for row, line in enumerate(lines):
        start, end = textmap.line_span(row)
        assert text[start:end] == line
        assert textmap.location(start) == (row, 0)
        assert textmap.offset((row, len(line))) == end


@FAST
@given(texts, st.integers(-5, 5))
def test_out_of_range_offsets_and_rows_are_clamped(text, extra):
    textmap = TextMap(text)
    lines = text.split("\n")
    assert textmap.location(-1 - abs(extra)) == (0, 0)
    assert textmap.location(len(text) + 1 + abs(extra)) == (len(lines) - 1, len(lines[-1]))
    assert textmap.offset((len(lines) + abs(extra), 0)) == textmap.line_span(len(lines) - 1)[0]
    assert textmap.offset((-1 - abs(extra), 0)) == 0


def test_examples():
    textmap = TextMap("問：中文\n答：𠮷😀ok\n")
    assert textmap.location(0) == (0, 0)
    assert textmap.location(5) == (1, 0)
    assert textmap.location(7) == (1, 2)  # 𠮷 is one code point, one column
    assert textmap.offset((1, 4)) == 9
    assert textmap.line_span(1) == (5, 11)
    assert textmap.line_span(2) == (12, 12)
    assert TextMap("").location(0) == (0, 0) and TextMap("").line_span(0) == (0, 0)
