"""The sentence splitter (qualcode/sentences.py) behind the TUI's `s`, `code --sentence` and `show --sentences`.

A sentence ends after 。！？!? or at a line end; whitespace before a sentence is not part of it. `sentence_at`
must agree with the algorithm the TUI used before the splitter was shared (ORACLE below), at every offset.
"""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from qualcode.sentences import SENTENCE_END, sentence_at, sentences

END = "。！？!?"


def oracle(text, offset, low, high):
    """The TUI's select-sentence algorithm before the refactor, verbatim."""
    start = offset
    while start > low and text[start - 1] not in END and text[start - 1] != "\n":
        start -= 1
    while start < high and text[start].isspace():
        start += 1
    end = max(offset, start)
    while end < high and text[end] != "\n" and text[end] not in END:
        end += 1
    if end < high and text[end] in END:
        end += 1
    return (start, end) if end > start else None


_chars = st.one_of(
    st.sampled_from(list(END)),
    st.sampled_from([" ", "\n", "\t", "\u3000", "\r"]),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.sampled_from(list("ab，、𠮷")),
)
texts = st.text(alphabet=_chars, max_size=30)


@st.composite
def texts_with_bounds(draw):
    """A text and a (low, high) window in it, as a turn is a window of its document."""
    text = draw(texts)
    low = draw(st.integers(0, len(text)))
    high = draw(st.integers(low, len(text)))
    return text, low, high


def test_sentence_end_marks():
    assert frozenset(END) == SENTENCE_END


@settings(max_examples=1000, deadline=None)
@given(case=texts_with_bounds())
@example(case=("你好。 再見！\n\n  第三句", 0, 14))
@example(case=("問：好嗎?答：好!!", 0, 10))
def test_sentences_are_ordered_disjoint_and_cover_every_visible_character(case):
    text, low, high = case
    spans = sentences(text, low, high)
    previous_end = low
    for start, end in spans:
        assert previous_end <= start < end <= high  # ordered, non-overlapping, non-empty, inside the window
        assert not text[start].isspace()  # no leading whitespace
        assert "\n" not in text[start:end]  # never across a line end
        assert not any(ch in END for ch in text[start : end - 1])  # a closing mark only at the end
        ends_at_mark = text[end - 1] in END
        assert ends_at_mark or end == high or text[end] == "\n"
        previous_end = end
    covered = {i for start, end in spans for i in range(start, end)}
    visible = {i for i in range(low, high) if not text[i].isspace()}
    assert visible <= covered
    assert (spans == []) == (visible == set())


@settings(max_examples=1500, deadline=None)
@given(case=texts_with_bounds())
@example(case=("一。 二", 0, 4))  # in the space after a closing mark: the next sentence
@example(case=("一\n二", 0, 3))  # at a line end: the sentence the line ends with
@example(case=("一。\n", 0, 3))
def test_sentence_at_agrees_with_the_old_tui_algorithm_at_every_offset(case):
    text, low, high = case
    for offset in range(low, high + 1):
        assert sentence_at(text, offset, low, high) == oracle(text, offset, low, high), offset


@settings(max_examples=200, deadline=None)
@given(text=texts)
def test_sentence_at_inside_a_sentence_finds_that_sentence(text):
    for start, end in sentences(text):
        for offset in range(start, end):
            assert sentence_at(text, offset) == (start, end)


def test_examples():
    text = "其實經費有限。但是差得很遠！\n  好嗎?是 "
    assert [text[s:e] for s, e in sentences(text)] == ["其實經費有限。", "但是差得很遠！", "好嗎?", "是 "]
    assert sentence_at(text, text.index("差")) == (7, 14)
    assert sentence_at(text, 7) == (7, 14)  # right after 。: the next sentence
    assert sentence_at(text, text.index("\n")) == (17, 20)  # after a closed sentence at a line end: the next one
    assert sentence_at("是這樣\n對", 3) == (0, 3)  # at the end of an unclosed line: the sentence the line ends with
    assert sentences("   \n\n ") == [] and sentence_at("   ", 1) is None
