"""CJK typesetting in the TUI, measured on what is drawn: line breaking (kinsoku) and display-width alignment.

Columns are measured with rich.cells.cell_len on the rendered lines (a CJK character is two cells), never
by counting characters; the rules of line breaking are those of widgets/wrap.py (its own tests check them
on generated text; these check that the screens use them).
"""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.content import Content
from textual.geometry import Region

from qualcode.tui.app import QualcodeApp
from qualcode.tui.keymap import ADJUDICATE_KEYS, APP_KEYS, describe
from qualcode.tui.screens.help import EXTRA, shown_keys
from qualcode.tui.widgets.panels import SegmentsList
from qualcode.tui.widgets.wrap import CLOSING, OPENING, wrap_lines

SIZE = (150, 45)


def _lines(widget) -> list[str]:
    """The widget's rendered lines (its border included), as text."""
    width, height = widget.outer_size
    return [strip.text for strip in widget.render_lines(Region(0, 0, width, height))]


def _meaning_columns(lines: list[str], rows: list[tuple[str, str, str]]) -> dict[str, int]:
    """For each help row, the display column where its meaning starts on the line that lists its keys."""
    columns, at = {}, 0
    for _, keys, meaning in rows:
        shown = shown_keys(keys)
        while not (lines[at].startswith(shown + " ") and meaning in lines[at][len(shown) :]):
            at += 1  # rows are drawn in order; IndexError if one is missing
        line = lines[at]
        columns[f"{shown} {meaning}"] = cell_len(line[: line.index(meaning, len(shown))])
    return columns


async def test_help_meanings_start_at_one_display_column_in_zh_and_en(project):
    for language in ("zh", "en"):
        app = QualcodeApp(project, coder="alice", language=language)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("question_mark")
            await pilot.pause()
            screen = app.screen
            assert screen.__class__.__name__ == "HelpScreen"
            lines = _lines(screen.query_one("Static"))
            rows = describe(APP_KEYS, language, screen.keymap) + EXTRA[language]
            adjudicate = describe(ADJUDICATE_KEYS, language, screen.keymap)
            columns = _meaning_columns(lines, rows + adjudicate)
            assert len(columns) == len(rows) + len(adjudicate)
            assert len(set(columns.values())) == 1, (language, columns)
            if language == "zh":
                # the rows that were misaligned: keys with CJK in them (each character two cells wide)
                wide_keys = [keys for _, keys, _ in rows if cell_len(keys) > len(keys)]
                assert len(wide_keys) >= 2, wide_keys


def _column_offsets(table) -> list[int]:
    """Display column where each column's header starts on the table's rendered header line."""
    header = table.render_line(0).text
    offsets = []
    for column in table.columns.values():
        label = column.label.plain
        offsets.append(cell_len(header[: header.index(label)]))
    return offsets


@pytest.mark.slow
async def test_ratings_columns_stay_put_when_values_appear(project):
    project.codings.apply("A", "central-support", "alice", quote="中央根本就是希望我們關掉")
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await pilot.pause()
        screen = app.screen
        table = screen.query_one("DataTable")
        before = _column_offsets(table)
        assert len(before) == 2 + len(screen.cases) and before == sorted(before)
        row = [r.factor.id for r in screen.rows].index("central-support")
        await pilot.press(*["down"] * row)
        await pilot.press("3")  # 強: a step label, the evidence count and the codings count appear
        await pilot.pause()
        table = screen.query_one("DataTable")
        cell = str(table.get_cell_at(table.cursor_coordinate))
        assert "強" in cell and "(0)" in cell and "·1" in cell
        assert _column_offsets(table) == before
        await pilot.press("n")
        await pilot.press(*"中央要我們關掉", "enter")  # a note mark too
        await pilot.pause()
        await pilot.press("right", "1")  # and a second rated cell (弱) in case B
        await pilot.pause()
        table = screen.query_one("DataTable")
        assert _column_offsets(table) == before
        drawn = table.render_line(1 + row).text  # the header is line 0
        assert "強" in drawn and "✎" in drawn and "弱" in drawn  # nothing cut off


class SegmentsApp(App):
    """The segments panel alone, at a width the test sets."""

    CSS = "SegmentsList { width: 30; height: 1fr; }"

    def compose(self) -> ComposeResult:
        yield SegmentsList(id="segments")


def _panel_rows(segments: SegmentsList) -> list[str]:
    """The text rows of the panel as drawn: after its left border and padding and the option's padding,
    before its right border (one cell each side here), trailing blanks dropped."""
    left = segments.scrollable_content_region.x - segments.region.x
    left += segments.get_component_styles("option-list--option").padding.left
    return [line[left:-1].rstrip() for line in _lines(segments)[1:-1]]


async def test_segments_panel_breaks_quotes_by_the_rules_and_keeps_the_citation_with_the_quote(project):
    text = project.documents.text(project.documents.document("E").id)
    question, comma = text.index("？"), text.index("，", 200)
    text_a = project.documents.text(project.documents.document("A").id)
    spaced = text_a.index("96年 8月")
    codings = [
        # quotes ending in a question mark and in a comma (…？」(E), …，」(E)), one with commas inside,
        # and one with spaces (96年 8月 1號)
        project.codings.apply("E", "budget", "alice", span=(question - 25, question + 1)),
        project.codings.apply("E", "budget", "alice", span=(comma - 17, comma + 1)),
        project.codings.apply("E", "staffing", "alice", span=(comma - 30, comma + 30)),
        project.codings.apply("A", "staffing", "alice", span=(spaced - 12, spaced + 20)),
    ]
    app = SegmentsApp()
    textual_folds_badly = set()
    async with app.run_test(size=(80, 60)) as pilot:
        segments = app.query_one(SegmentsList)
        segments.show(codings, {"budget": "預算", "staffing": "人力"}, {}, title="t", empty="-", quotes=True)
        await pilot.pause()
        for width in range(16, 41):
            segments.styles.width = width
            await pilot.pause()
            rows = _panel_rows(segments)
            padding = segments.get_component_styles("option-list--option").padding
            inner = segments.scrollable_content_region.width - padding.width  # what an option's text gets
            prompts = [segments.get_option_at_index(i).prompt for i in range(segments.option_count)]
            # the rows drawn are wrap.py's rows (no hanging marks; a space past the width not drawn)
            expected = []
            for prompt in prompts:
                (breaks,) = wrap_lines([prompt.plain], inner, hang=0, glue=prompt.glue)
                bounds = [0, *breaks, len(prompt.plain)]
                expected += [prompt.plain[a:b].rstrip() for a, b in zip(bounds, bounds[1:])]
            assert rows[: len(expected)] == expected and not any(rows[len(expected) :]), (width, rows)
            shown = "".join(rows)
            for coding in codings:
                # every character kept, in order (spaces at row ends aside)
                quote = "「" + coding.text.replace("\n", " ") + f"」({coding.case_id}) {coding.coder}"
                assert quote.replace(" ", "") in shown.replace(" ", ""), (width, rows)
            for row in filter(None, rows):
                assert cell_len(row) <= inner, (width, row)
                assert row[0] not in CLOSING and not row[0].isspace(), (width, row)  # not ，？」) or a space
                assert row[-1] not in OPENING, (width, row)  # nor ends with 「 or (
                assert not row.startswith(("(E)", "(A)")), (width, row)  # the citation stays with its quote
            # what Textual's own fold makes of the same prompts at this width
            for prompt in prompts:
                for line in Content(prompt.plain).wrap(inner):
                    if line.plain[:1] in CLOSING or line.plain.startswith(("(E)", "(A)")):
                        textual_folds_badly.add(width)
    # the widths tried include many where the plain fold breaks the rules
    assert len(textual_folds_badly) > 5, textual_folds_badly


async def test_a_hanging_mark_is_drawn_in_the_transcript_not_cut_off(project):
    app = QualcodeApp(project, coder="alice")
    parities = set()
    async with app.run_test(size=SIZE) as pilot:
        for columns in (SIZE[0], SIZE[0] + 1):
            await pilot.resize_terminal(columns, SIZE[1])
            await pilot.pause()
            view = app.view
            width = view.wrap_width
            parities.add(width % 2)
            # a row that fills the width, then a closing mark: it hangs in the cell TextArea keeps past the
            # width (a full-width mark when the CJK row leaves a cell free, else a half-width one)
            mark = "，" if width % 2 else ","
            line = "中" * (width // 2) + mark + "文字" * width
            view.show_document(line, [], [])
            await pilot.pause()
            assert view.wrapped_document.get_offsets(0)[0] == width // 2 + 1
            first, second = (view.render_line(y).text[view.gutter_width :] for y in (0, 1))
            assert first.rstrip() == "中" * (width // 2) + mark
            assert cell_len(first.rstrip()) == width + 1
            assert view.render_line(0).cell_length <= view.scrollable_content_region.width  # nothing cropped
            assert second.startswith("文字")
            # the offsets under the hanging mark are exact: select it, read it back
            view.select_span(width // 2, width // 2 + 1)
            assert view.selected_span == (width // 2, width // 2 + 1)
    assert parities == {0, 1}
