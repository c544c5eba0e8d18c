"""Soft wrap (widgets/wrap.py and the FastWrappedDocument of widgets/textual_adapter.py), tested directly.

Generated text mixes CJK, ASCII letters, digits and spaces, full-width and ASCII punctuation (opening
and closing marks, the separators of numbers such as 3.14), dashes, characters outside the BMP
(𠮷 U+20BB7, 😀 U+1F600), a combining mark (U+0301, width 0) and newlines. It leaves out the
zero-width joiner and variation selector 16: wrap.py measures each code point on its own, while
rich.cells.cell_len joins them with their neighbours, so with them a row's cell_len is not the width the
wrap measured. Tabs are left to Textual's own wrap; they have example tests of their own.

The line-breaking rules (kinsoku) are checked against an oracle written here from the rules as stated
(the brief's lists of closing and opening marks, a regular expression for words and numbers), not from
wrap.py's tables; `test_the_rule_tables_hold_the_stated_marks` ties the two together.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from textual.geometry import Offset

import qualcode.tui.widgets.wrap as wrap_module
from qualcode.tui.textmap import TextMap
from qualcode.tui.widgets.textual_adapter import Document, FastWrappedDocument, WrappedDocument
from qualcode.tui.widgets.wrap import (
    CLOSING,
    OPENING,
    cell_widths,
    cumulative_widths,
    row_maps,
    wrap_line,
    wrap_lines,
)

CJK = "中文字訪談者受我覺得工作"
PUNCT = "，。「」、？"
ASTRAL = "𠮷😀"
WORD = "abcXYZ0129"
COMBINING = "\u0301"
# The rules as stated: no row starts with these (nor with a space or a zero-width mark) ...
CLOSE = "，。、；：？！」』）》〉】〕…‥,.;:?!)]}｡｣､"
# ... and no row ends with these.
OPEN = "「『（《〈【〔([{"

wide = st.text(alphabet=CJK + PUNCT + ASTRAL, min_size=1, max_size=30)
words = st.text(alphabet=WORD, min_size=1, max_size=14)
marks = st.text(alphabet=CLOSE + OPEN + "—", min_size=1, max_size=3)
numbers = st.builds(
    lambda a, sep, b: a + sep + b,
    st.text("0129", min_size=1, max_size=4),
    st.sampled_from(".,:"),
    st.text("0129", min_size=1, max_size=4),
)
pieces = st.one_of(
    wide, words, marks, numbers, st.sampled_from([" ", "  ", "\n", COMBINING, "中" + COMBINING, "e" + COMBINING, "——"])
)
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


# -- the oracle: the kinsoku rules as stated --------------------------------------------------------

# A unit is never split when it fits on a row: a Latin word or number (digits joined by . , : as in
# 3.14, 1,000, 12:30) or a dash of two or more em dashes.
UNITS = re.compile(r"[A-Za-z0-9]+(?:(?<=[0-9])[.,:](?=[0-9])[A-Za-z0-9]+)*|—{2,}")


def units(line: str) -> list[tuple[int, int]]:
    return [m.span() for m in UNITS.finditer(line)]


def no_start(ch: str) -> bool:
    return ch in CLOSE or ch.isspace() or cell_len(ch) == 0


def inside_unit(line: str, b: int) -> bool:
    return any(s < b < e for s, e in units(line))


def splits_fitting_unit(line: str, b: int, width: int) -> bool:
    return any(s < b < e and cell_len(line[s:e]) <= width for s, e in units(line))


def allowed(line: str, b: int) -> bool:
    """A break before line[b] keeps every rule."""
    return not no_start(line[b]) and line[b - 1] not in OPEN and not inside_unit(line, b)


def fits(row: str, width: int, hang: int = 1) -> bool:
    """At most `width` cells, or one closing mark (and its zero-width marks) hanging at most `hang` cells
    past, or one space hanging at most max(hang, 1)."""
    if cell_len(row) <= width:
        return True
    visible = row
    while visible and cell_len(visible[-1]) == 0:
        visible = visible[:-1]
    if not visible or cell_len(visible[:-1]) > width:
        return False
    last = visible[-1]
    overhang = max(hang, 1) if last.isspace() else hang if last in CLOSE else 0
    return cell_len(row) <= width + overhang


def row_bounds(line: str, breaks: list[int]) -> list[tuple[int, int]]:
    bounds = [0, *breaks, len(line)]
    return list(zip(bounds, bounds[1:]))


def fitting_ends(line: str, start: int, width: int, hang: int = 1) -> list[int]:
    """Every end of a row from `start` that fits."""
    return [end for end in range(start + 1, len(line) + 1) if fits(line[start:end], width, hang)]


hangs = st.sampled_from([1, 1, 0, 2])  # 1: the transcript; 0: the segments panel


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
@given(texts, widths, hangs)
def test_no_row_is_wider_than_the_width_but_for_one_hanging_mark_or_a_single_wide_character(text, width, hang):
    for line, breaks in zip(text.split("\n"), wrap_lines(text.split("\n"), width, hang=hang)):
        for row in rows(line, breaks):
            assert cell_len(row) <= width + max(hang, 1), (row, width)
            # wider than the width: one closing mark or space hangs, or the row is one double-width
            # character at width 1 (with the zero-width marks that follow it)
            single = len(row.rstrip(COMBINING)) == 1
            assert fits(row, width, hang) or single, (row, width)
            if hang == 1:
                assert cell_len(row) <= width + 1


@FAST
@given(texts, widths, hangs)
def test_each_row_ends_at_the_last_break_that_keeps_the_rules_and_fits(text, width, hang):
    """The greedy rule with kinsoku: fill the row, then end it at the last allowed break that fits
    (the end of the line counts as one); hanging one mark past the width counts as fitting."""
    for line, breaks in zip(text.split("\n"), wrap_lines(text.split("\n"), width, hang=hang)):
        for start, end in row_bounds(line, breaks):
            good = [e for e in fitting_ends(line, start, width, hang) if e == len(line) or allowed(line, e)]
            if good:
                assert end == max(good), (line, width, start, end, good)


@FAST
@given(texts, widths, hangs)
def test_a_rule_is_broken_only_where_no_break_that_keeps_them_fits(text, width, hang):
    """The exceptions: when no allowed break fits (a width of 1-2 cells, a run of closing marks or spaces
    wider than a row, a word longer than a row, a word that fills the row before a closing mark), the row
    still fits, and starts with a closing mark or a space only if every break that fits would, or would
    split a word or number that fits on a row (that rule comes first)."""
    for line, breaks in zip(text.split("\n"), wrap_lines(text.split("\n"), width, hang=hang)):
        for start, end in row_bounds(line, breaks):
            if end == len(line) or allowed(line, end):
                continue
            candidates = [e for e in fitting_ends(line, start, width, hang) if e < len(line)]
            assert not [e for e in candidates if allowed(line, e)], (line, width, start, end)
            forced = start + 1 + len(line[start + 1 :]) - len(line[start + 1 :].lstrip(COMBINING))
            assert end in candidates or (not candidates and end == forced), (line, width, start, end)
            if no_start(line[end]):
                keeping_units = [e for e in candidates if not splits_fitting_unit(line, e, width)]
                assert all(no_start(line[e]) for e in keeping_units), (line, width, start, end)


@FAST
@given(texts, widths)
def test_a_word_or_number_that_fits_on_a_row_is_not_broken(text, width):
    for line, breaks in zip(text.split("\n"), wrap_lines(text.split("\n"), width)):
        for start, end in units(line):
            if cell_len(line[start:end]) <= width:
                assert not [b for b in breaks if start < b < end], (line, width, breaks)
        for start, end in word_runs(line):  # the rule as it was before kinsoku, for plain words
            if end - start <= width and not inside_unit(line, start) and not inside_unit(line, end):
                assert not [b for b in breaks if start < b < end], (line, width, breaks)


# Text as transcripts have it: CJK with single punctuation marks, short Latin words and numbers, spaces.
sentences = st.lists(
    st.one_of(
        st.text(alphabet=CJK + ASTRAL, min_size=1, max_size=12),
        st.sampled_from(list(CLOSE) + list(OPEN) + ["」，", "。」", "……", "——", "？」"]),
        st.sampled_from(["AI", "e網", "OK", "2019", "3.14", "1,000", "12:30", " ", "(E)", "「好」"]),
    ),
    max_size=40,
).map("".join)


@FAST
@given(sentences, st.integers(min_value=6, max_value=40), hangs)
def test_kinsoku_holds_on_every_row_when_every_unbreakable_stretch_fits(text, width, hang):
    """Where every stretch between allowed breaks fits on a row, no row starts with a closing mark or a
    space, none ends with an opening mark, and no word or number is split."""
    line = text.replace("\n", "")
    cuts = [0, *[b for b in range(1, len(line)) if allowed(line, b)], len(line)]
    assume(all(fits(line[a:b], width, hang) for a, b in zip(cuts, cuts[1:])))
    (breaks,) = wrap_lines([line], width, hang=hang)
    for b in breaks:
        assert not no_start(line[b]) and line[b - 1] not in OPEN and not inside_unit(line, b), (line, width, b)


def test_the_rule_tables_hold_the_stated_marks():
    assert set(CLOSE) <= CLOSING
    assert set(OPEN) <= OPENING
    assert not CLOSING & OPENING


def test_kinsoku_examples():
    quote = "我們覺得中央根本就是希望我們關掉，那人事費的部分我們也沒辦法？"
    # width 16: 掉 and ， are pushed out together (the row has no cell to hang a full-width mark in)
    assert rows(quote, wrap_lines([quote], 16)[0]) == [
        "我們覺得中央根本",
        "就是希望我們關",
        "掉，那人事費的部",
        "分我們也沒辦法？",
    ]
    # width 17: the comma hangs in the spare cell (18 cells)
    assert rows(quote, wrap_lines([quote], 17)[0])[1] == "就是希望我們關掉，"
    # a lone question mark never makes a row
    assert rows("好不好？", wrap_lines(["好不好？"], 6)[0]) == ["好不", "好？"]
    assert rows("好不好？", wrap_lines(["好不好？"], 7)[0]) == ["好不好？"]  # 8 cells: hangs
    assert wrap_lines(["他說「我們」"], 7) == [[2]]  # 「 does not end a row: 他說 | 「我們」 (8 cells: 」 hangs)
    assert wrap_lines(["他說「我們」"], 6) == [[2, 4]]  # no cell to hang 」 in: 們 goes down with it
    assert wrap_lines(["abcdef gh"], 6) == [[7]]  # the space hangs rather than start the next row
    assert wrap_lines(["經費1,000萬，"], 8) == [[2]]  # the number is one unit
    assert wrap_lines(["這是——破折號"], 5) == [[2, 5]]  # a dash of two is not split: 這是 | ——破 | 折號
    assert wrap_lines(["，，，，，，"], 4) == [[2, 4]]  # only closing marks: the exception, rows still fit
    assert wrap_lines(["中中中，"], 7) == [[]]  # 8 cells: the comma hangs
    assert wrap_lines(["中中中，"], 7, hang=0) == [[2]]  # no hanging: 中 is carried down with the mark
    assert wrap_lines(["中中中中"], 4) == [[2]]
    assert wrap_lines(["ab", "中中中中"], 4, glue={3 + 2}) == [[], [1, 3]]  # glue: offsets in the joined text


@FAST
@given(texts, widths)
def test_offsets_survive_the_wrap_textmap_and_back(text, width):
    """Every offset of the text: TextMap location -> wrapped (x, y) -> location -> TextMap offset."""
    text = text.replace(COMBINING, "")  # Textual's x for a zero-width mark is its base character's
    textmap = TextMap(text)
    wrapped = FastWrappedDocument(Document(text), width=width)
    for offset in range(len(text) + 1):
        location = textmap.location(offset)
        xy = wrapped.location_to_offset(location)
        assert textmap.offset(wrapped.offset_to_location(xy)) == offset, (text, width, offset, xy)


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
    # a wide character alone on a row at width 1, with its combining mark (which never starts a row)
    assert wrap_lines(["中" + COMBINING + "文"], 1) == [[2]]
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


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.one_of(texts, st.sampled_from(["\r\n", "\r", "\u2028", "\x85", "\x0c", "\n", "\n\n"])), max_size=6).map(
        "".join
    ),
    widths,
)
def test_the_whole_text_given_wraps_as_the_lines_do(text, width):
    """The text area hands the wrap its whole text (joining the lines again cost 6 ms a million characters):
    the rows are the same as from the document's lines, whatever line breaks the text holds."""
    given_text = FastWrappedDocument(Document(text), width=width, text=text)
    from_lines = FastWrappedDocument(Document(text), width=width)
    lines = Document(text).lines
    assert [given_text.get_offsets(i) for i in range(len(lines))] == [
        from_lines.get_offsets(i) for i in range(len(lines))
    ]


# Where Textual's wrap and ours must agree: lines without spaces that are all ASCII letters and digits
# (one word, folded at the width by both) or hold no two adjacent ones (Textual folds an unspaced run
# per character, as ours does outside words). With spaces, or words inside CJK, they differ on purpose.
# Punctuation is left out: Textual knows no kinsoku. So are combining marks at width 1, where Textual
# puts the mark alone on a row and ours keeps it with its character.
cjk_only = st.text(alphabet=CJK + ASTRAL, min_size=1, max_size=30)
agreeing_lines = st.one_of(
    st.text(alphabet=WORD, max_size=60),
    st.lists(st.tuples(cjk_only, st.sampled_from([*WORD, "", COMBINING])).map("".join), max_size=8).map("".join),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(agreeing_lines, min_size=1, max_size=6), widths)
def test_agrees_with_textual_where_both_fold_the_same(lines, width):
    assume(width > 1 or COMBINING not in "".join(lines))
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


@FAST
@given(
    st.text(alphabet=CJK + PUNCT + ASTRAL + WORD + " \n\u0301\u200d", max_size=60),
    st.lists(st.lists(st.integers(0, 5), max_size=4).map(lambda xs: sorted({x + 1 for x in xs})), max_size=20),
)
def test_the_numpy_and_the_plain_python_paths_agree(text, wrap_offsets):
    """Long texts go through numpy, short ones through plain Python (the TUI starts without numpy): same answers."""
    plain_widths, plain_rows = cumulative_widths(text), row_maps(wrap_offsets)
    saved = wrap_module.NUMPY_FROM
    wrap_module.NUMPY_FROM = 0  # everything through numpy
    try:
        assert list(cumulative_widths(text)) == plain_widths
        assert row_maps(wrap_offsets) == plain_rows
    finally:
        wrap_module.NUMPY_FROM = saved
    assert plain_widths[-1] == sum(cell_widths(text).tolist())
