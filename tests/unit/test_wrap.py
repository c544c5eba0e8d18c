"""Soft wrap (widgets/wrap.py and the FastWrappedDocument of widgets/textual_adapter.py), tested directly.

Generated text mixes CJK, ASCII letters, digits and spaces, full-width punctuation, characters outside
the BMP (𠮷 U+20BB7, 😀 U+1F600), a combining mark (U+0301, width 0) and newlines. It leaves out the
zero-width joiner and variation selector 16: wrap.py measures each code point on its own, while
rich.cells.cell_len joins them with their neighbours, so with them a row's cell_len is not the width the
wrap measured. Tabs are left to Textual's own wrap; they have example tests of their own.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from textual.geometry import Offset

from qualcode.tui.widgets.textual_adapter import Document, FastWrappedDocument, WrappedDocument
from qualcode.tui.widgets.wrap import cell_widths, cumulative_widths, row_maps, wrap_line, wrap_lines

CJK = "中文字訪談者受我覺得工作"
PUNCT = "，。「」、？"
ASTRAL = "𠮷😀"
WORD = "abcXYZ0129"
COMBINING = "\u0301"

wide = st.text(alphabet=CJK + PUNCT + ASTRAL, min_size=1, max_size=30)
words = st.text(alphabet=WORD, min_size=1, max_size=14)
pieces = st.one_of(wide, words, st.sampled_from([" ", "  ", "\n", COMBINING, "中" + COMBINING, "e" + COMBINING]))
texts = st.lists(pieces, max_size=40).map("".join)
widths = st.integers(min_value=1, max_value=40)

FAST = settings(max_examples=300, deadline=None)


def is_word(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def rows(line: str, breaks: list[int]) -> list[str]:
    bounds = [0, *breaks, len(line)]
    return [line[a:b] for a, b in zip(bounds, bounds[1:])]


def word_runs(line: str) -> list[tuple[int, int]]:
    return [m.span() for m in re.finditer(r"[A-Za-z0-9]+", line)]


# -- wrap.py: the pure wrap ---------------------------------------------------------------------


@FAST
@given(texts)
def test_cumulative_widths_are_the_cell_lengths_of_prefixes(text):
    cumulative = cumulative_widths(text)
    assert len(cumulative) == len(text) + 1
    assert cumulative[0] == 0
    assert cumulative[-1] == cell_len(text)
    assert all(w in (0, 1, 2) for w in cell_widths(text).tolist())


@FAST
@given(texts, widths)
def test_wrapping_keeps_every_character_in_order(text, width):
    lines = text.split("\n")
    offsets = wrap_lines(lines, width)
    assert len(offsets) == len(lines)
    for line, breaks in zip(lines, offsets):
        assert all(0 < b < len(line) for b in breaks)
        assert all(a < b for a, b in zip(breaks, breaks[1:]))
        assert "".join(rows(line, breaks)) == line


@FAST
@given(texts, widths)
def test_no_row_is_wider_than_the_width_except_a_single_wide_character(text, width):
    for line, breaks in zip(text.split("\n"), wrap_lines(text.split("\n"), width)):
        for row in rows(line, breaks):
            # a row wider than the width is one code point: a double-width character at width 1
            assert cell_len(row) <= width or len(row) == 1, (row, width)


@FAST
@given(texts, widths)
def test_rows_are_filled_greedily(text, width):
    """A row ends where the next character would not fit, or where a run of ASCII letters/digits starts."""
    for line, breaks in zip(text.split("\n"), wrap_lines(text.split("\n"), width)):
        for start, end in zip([0, *breaks], breaks):
            starts_word = is_word(line[end]) and not is_word(line[end - 1])
            assert cell_len(line[start : end + 1]) > width or starts_word, (line, width, start, end)


@FAST
@given(texts, widths)
def test_a_run_of_ascii_letters_and_digits_that_fits_on_a_row_is_not_broken(text, width):
    for line, breaks in zip(text.split("\n"), wrap_lines(text.split("\n"), width)):
        for start, end in word_runs(line):
            if end - start <= width:
                assert not [b for b in breaks if start < b < end], (line, width, breaks)


@FAST
@given(texts, widths)
def test_a_line_that_fits_is_not_wrapped_and_width_zero_wraps_nothing(text, width):
    lines = text.split("\n")
    for line, breaks in zip(lines, wrap_lines(lines, width)):
        if cell_len(line) <= width:
            assert breaks == []
    assert wrap_lines(lines, 0) == [[] for _ in lines]


@FAST
@given(texts, widths)
def test_wrap_line_reads_the_cumulative_widths_of_the_whole_text(text, width):
    """wrap_line on a line inside the document gives what it gives on the line alone."""
    lines = text.split("\n")
    cumulative = cumulative_widths(text)
    start = 0
    for line in lines:
        alone = cumulative_widths(line)
        if cell_len(line) > width:
            assert wrap_line(line, cumulative, start, width) == wrap_line(line, alone, 0, width)
        start += len(line) + 1
    assert wrap_lines(lines, width, cumulative) == wrap_lines(lines, width)


def test_examples():
    assert wrap_line("中文字中文字", cumulative_widths("中文字中文字"), 0, 5) == [2, 4]
    assert wrap_lines(["abc defg hi"], 6) == [[4, 9]]  # words move to the next row whole
    assert wrap_lines(["abcdefghij"], 4) == [[4, 8]]  # a word longer than the row is broken
    assert wrap_lines(["中文abc"], 5) == [[2]]
    assert wrap_lines(["中" + COMBINING + "文"], 1) == [[1, 2]]  # a wide character alone on a row at width 1
    assert wrap_lines(["", "中文字"], 4) == [[], [2]]


def test_lines_with_tabs_need_the_textual_wrap():
    with pytest.raises(ValueError):
        wrap_lines(["a\tb"], 2)
    assert wrap_lines(["a\tb", "中文字"], 4, wrap_tabbed=lambda line: [99]) == [[99], [2]]
    assert wrap_lines(["a\tb"], 0) == [[]]


@FAST
@given(st.lists(st.lists(st.integers(0, 5), max_size=4).map(lambda xs: sorted({x + 1 for x in xs})), max_size=30))
def test_row_maps(wrap_offsets):
    line_rows, info = row_maps(wrap_offsets)
    assert len(line_rows) == len(wrap_offsets)
    assert len(info) == sum(len(o) + 1 for o in wrap_offsets)
    assert [y for ys in line_rows for y in ys] == list(range(len(info)))
    for line, ys in enumerate(line_rows):
        assert len(ys) == len(wrap_offsets[line]) + 1
        for section, y in enumerate(ys):
            assert info[y] == (line, section)


# -- FastWrappedDocument (textual_adapter.py) -----------------------------------------------------


def check_consistent(wrapped: FastWrappedDocument, lines: list[str]) -> None:
    """Height, rows of each line, (line, section) of each row, and Textual's own offset <-> location."""
    offsets = [wrapped.get_offsets(i) for i in range(len(lines))]
    assert wrapped.height == sum(len(o) + 1 for o in offsets)
    y = 0
    for line_index, line in enumerate(lines):
        sections = wrapped.get_sections(line_index)
        assert "".join(sections) == line
        assert len(sections) == len(offsets[line_index]) + 1
        assert wrapped.rows_of_line(line_index) == list(range(y, y + len(sections)))
        for section, start in enumerate([0, *offsets[line_index]]):
            assert wrapped.row_info(y) == (line_index, section)
            assert wrapped.location_to_offset((line_index, start)) == Offset(0, y)
            # Textual puts x = 0 after any zero-width characters that start the row
            row_line, column = wrapped.offset_to_location(Offset(0, y))
            assert row_line == line_index and start <= column <= start + len(sections[section])
            y += 1
    assert wrapped.row_info(y) is None
    assert wrapped.row_info(-1) is None
    assert wrapped.rows_of_line(len(lines)) == []


@settings(max_examples=150, deadline=None)
@given(texts, widths)
def test_fast_wrapped_document_is_consistent(text, width):
    wrapped = FastWrappedDocument(Document(text), width=0)
    lines = text.split("\n")
    assert wrapped.height == len(lines)
    wrapped.wrap(width)
    assert wrapped.width == width and wrapped.is_wrapped_at(width) and not wrapped.is_wrapped_at(width + 1)
    assert [wrapped.get_offsets(i) for i in range(len(lines))] == wrap_lines(lines, width)
    check_consistent(wrapped, lines)


# Where Textual's wrap and ours must agree: lines without spaces that are all ASCII letters and digits
# (one word, folded at the width by both) or hold no two adjacent ones (Textual folds an unspaced run
# per character, as ours does outside words). With spaces, or words inside CJK, they differ on purpose.
agreeing_lines = st.one_of(
    st.text(alphabet=WORD, max_size=60),
    st.lists(st.tuples(wide, st.sampled_from([*WORD, "", COMBINING])).map("".join), max_size=8).map("".join),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(agreeing_lines, min_size=1, max_size=6), widths)
def test_agrees_with_textual_where_both_fold_the_same(lines, width):
    document = Document("\n".join(lines))
    ours, textual = FastWrappedDocument(document, width=width), WrappedDocument(document, width=width)
    assert ours.height == textual.height
    for i in range(len(lines)):
        assert ours.get_offsets(i) == textual.get_offsets(i)
        assert ours.get_tab_widths(i) == textual.get_tab_widths(i)
    for y in range(textual.height):
        assert ours.offset_to_location(Offset(0, y)) == textual.offset_to_location(Offset(0, y))


def test_differs_from_textual_on_purpose():
    """Textual keeps an unspaced CJK run together after a space; ours breaks CJK anywhere."""
    document = Document("ab 中文字中文字")
    assert FastWrappedDocument(document, width=8).get_offsets(0) == [5]
    assert WrappedDocument(document, width=8).get_offsets(0) == [3, 7]


def test_lines_with_tabs_wrap_as_textual_wraps_them():
    text = "a\tbc\td 中文\tabc defg\n中文字中文字中文字\n\t\t中文字\tx\n\nplain line with words"
    document = Document(text)
    lines = text.split("\n")
    for width in (1, 2, 3, 4, 7, 10, 40):
        for tab_width in (2, 4, 8):
            ours = FastWrappedDocument(document, width=width, tab_width=tab_width)
            textual = WrappedDocument(document, width=width, tab_width=tab_width)
            for i, line in enumerate(lines):
                if "\t" in line:
                    assert ours.get_offsets(i) == textual.get_offsets(i), (width, tab_width, line)
                assert ours.get_tab_widths(i) == textual.get_tab_widths(i)
            if width > 1:  # at width 1 Textual's own wrap of a tab line repeats a break (an empty row)
                check_consistent(ours, lines)


def test_rewrap_after_an_edit_measures_the_new_text():
    document = Document("中文字中文字\nabc")
    wrapped = FastWrappedDocument(document, width=4)
    result = document.replace_range((1, 0), (1, 3), "中文字中文字中文字")
    wrapped.wrap_range((1, 0), (1, 3), result.end_location)
    wrapped.wrap(4)
    assert [wrapped.get_offsets(i) for i in range(2)] == [[2, 4], [2, 4, 6, 8]]
    check_consistent(wrapped, document.lines)
