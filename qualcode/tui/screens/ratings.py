"""The ratings screen: cases as columns, factors as rows grouped by dimension, one tab per facet."""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Label, TabbedContent, TabPane

from qualcode.analysis.table import Cell, build
from qualcode.errors import QualcodeError
from qualcode.tui import keymap
from qualcode.tui.i18n import label, say_error
from qualcode.tui.screens.dialogs import ChooseScreen, LineScreen
from qualcode.tui.widgets.footer import Footer
from qualcode.tui.widgets.transcript import readable_on

FIRST_CASE_COLUMN = 2


@dataclass(frozen=True)
class JumpTo:
    document: int
    start: int
    end: int


class RatingsScreen(Screen[JumpTo | None]):
    KEYS = keymap.RATINGS_KEYS
    BINDINGS = keymap.bindings(keymap.RATINGS_KEYS)
    DEFAULT_CSS = """
    RatingsScreen { layout: vertical; }
    RatingsScreen #ratings-title { height: 1; padding: 0 1; text-style: bold; }
    RatingsScreen #ratings-help { height: auto; width: 100%; color: $text-muted; padding: 0 1; }
    RatingsScreen TabbedContent { height: 1fr; }
    RatingsScreen TabPane { height: 1fr; padding: 0; }
    RatingsScreen DataTable { height: 1fr; }
    """

    def __init__(self, project, coder: str, language: str):
        super().__init__()
        self.project, self.coder, self.language = project, coder, language
        self.facets = project.codebook.facets()
        self.steps = project.codebook.scale()

    def compose(self) -> ComposeResult:
        yield Label(label("ratings_title", self.language) + f" · {self.coder}", id="ratings-title")
        yield Label(label("ratings_help", self.language), id="ratings-help")
        with TabbedContent(id="facets"):
            for facet in self.facets:
                title = facet.name if self.language == "zh" else (facet.name_en or facet.name)
                with TabPane(title, id=f"facet-{facet.id}"):
                    yield DataTable(id=f"table-{facet.id}", cursor_type="cell", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        for facet in self.facets:
            self._fill(facet.id)
        if self.facets:
            table = self._table(self.facets[0].id)
            table.focus()
            table.move_cursor(row=0, column=FIRST_CASE_COLUMN)

    # -- data ------------------------------------------------------------------------------------
    def _table(self, facet_id: str) -> DataTable:
        return self.query_one(f"#table-{facet_id}", DataTable)

    @property
    def facet_id(self) -> str:
        active = self.query_one(TabbedContent).active or f"facet-{self.facets[0].id}"
        return active.removeprefix("facet-")

    def _fill(self, facet_id: str) -> None:
        table = self._table(facet_id)
        cursor = table.cursor_coordinate
        table.clear(columns=True)
        data = build(self.project, facet_id, self.coder)
        self.rows = data.rows
        self.cases = data.cases
        zh = self.language == "zh"
        # Fixed widths in display cells (CJK counts two), from the widest value a column can show, so
        # that rating a cell, attaching evidence or adding a note never shifts the columns.
        dimension_header, factor_header = ("構面", "因素") if zh else ("Dimension", "Factor")

        def name(code) -> str:
            return code.name if zh or not code.name_en else code.name_en

        dimensions = [name(row.dimension) for row in data.rows]
        factors = [name(row.factor) if not row.is_dimension else "—" for row in data.rows]
        table.add_column(dimension_header, key="dimension", width=_widest([dimension_header, *dimensions]))
        table.add_column(factor_header, key="factor", width=_widest([factor_header, *factors]))
        headers = [f"{case.name or case.id} ({case.id})" for case in data.cases]
        counts = [n for cell in data.cells.values() for n in (cell.codings, cell.evidence)]
        case_width = max([self.widest_cell(max(counts, default=0)), *map(cell_len, headers)])
        for case, header in zip(data.cases, headers, strict=True):
            table.add_column(header, key=case.id, width=case_width)
        previous = None
        for row, factor in zip(data.rows, factors, strict=True):
            dimension = name(row.dimension) if previous != row.dimension.id else ""
            previous = row.dimension.id
            cells = [self._cell_text(data.cell(row.factor.id, case.id)) for case in data.cases]
            table.add_row(Text(dimension, style="bold"), factor, *cells, key=row.factor.id)
        if table.row_count:
            table.move_cursor(row=min(cursor.row, table.row_count - 1), column=max(cursor.column, FIRST_CASE_COLUMN))

    def widest_cell(self, largest_count: int) -> int:
        """Display cells of the widest cell text: the widest scale step, counts as wide as the largest
        there is (at least one digit), and a note mark."""
        count = 10 ** len(str(max(largest_count, 9))) - 1
        steps = self.steps or [None]
        return max(cell_len(self._cell_text(Cell(step, count, count, "✎")).plain) for step in steps)

    def _cell_text(self, cell) -> Text:
        text = Text()
        if cell.step is not None:
            color = cell.step.color or "#888888"
            text.append(f" {cell.step.label} ", style=f"bold {readable_on(color)} on {color}")
            text.append(f" ({cell.evidence})")
        else:
            text.append(" · ", style="dim")
        if cell.codings:
            text.append(f" ·{cell.codings}", style="dim")
        if cell.note:
            text.append(" ✎", style="italic")
        return text

    def _current(self) -> tuple[str, str] | None:
        table = self._table(self.facet_id)
        coordinate = table.cursor_coordinate
        if coordinate.column < FIRST_CASE_COLUMN or not self.rows:
            self.notify("← → 選擇個案欄" if self.language == "zh" else "Move to a case column", severity="warning")
            return None
        return self.rows[coordinate.row].factor.id, self.cases[coordinate.column - FIRST_CASE_COLUMN].id

    def _refresh(self) -> None:
        self._fill(self.facet_id)

    # -- actions ---------------------------------------------------------------------------------
    def action_set_step(self, index: int) -> None:
        current = self._current()
        if current is None or index >= len(self.steps):
            return
        code_id, case_id = current
        try:
            self.project.ratings.rate(case_id, code_id, self.steps[index].id, coder=self.coder, facet=self.facet_id)
        except QualcodeError as exc:
            self.notify(say_error(str(exc), self.language), severity="error")
            return
        self._refresh()

    def action_clear(self) -> None:
        current = self._current()
        if current is not None:
            self.project.ratings.clear(current[1], current[0], coder=self.coder, facet=self.facet_id)
            self._refresh()

    def action_note(self) -> None:
        current = self._current()
        if current is None:
            return
        code_id, case_id = current
        existing = self.project.ratings.find(case_id, code_id, coder=self.coder, facet=self.facet_id)
        if existing is None:
            self.notify(
                "先評定強度再加註記" if self.language == "zh" else "Rate the cell before adding a note",
                severity="warning",
            )
            return

        def save(note: str | None) -> None:
            if note is not None:
                self.project.ratings.set_note(case_id, code_id, note, coder=self.coder, facet=self.facet_id)
                self._refresh()

        self.app.push_screen(LineScreen(label("note", self.language), existing.note), save)

    def _evidence(self, case_id: str, code_id: str) -> tuple[str, ...]:
        found = self.project.ratings.find(case_id, code_id, coder=self.coder, facet=self.facet_id)
        return found.evidence if found else ()

    def _quote_prompt(self, coding) -> Text:
        text = Text()
        text.append(f"({coding.case_id}) ", style="bold")
        text.append(f"{coding.code_id} ", style="dim")
        quote = coding.text.replace("\n", " ")
        text.append("「" + (quote if len(quote) <= 70 else quote[:69] + "…") + "」")
        return text

    def action_attach(self) -> None:
        current = self._current()
        if current is None:
            return
        code_id, case_id = current
        if self.project.ratings.find(case_id, code_id, coder=self.coder, facet=self.facet_id) is None:
            # say so before the coder picks a quote, not after
            self.notify(
                "先評定強度再加證據" if self.language == "zh" else "Rate the cell before attaching evidence",
                severity="warning",
            )
            return
        candidates = self.project.ratings.candidates(case_id, code_id, coder=self.coder, facet=self.facet_id)
        if not candidates:
            self.notify(label("no_candidates", self.language), severity="warning")
            return

        def chosen(coding_id: str | None) -> None:
            if coding_id is not None:
                self.project.ratings.attach(case_id, code_id, coding_id, coder=self.coder, facet=self.facet_id)
                self._refresh()

        self.app.push_screen(
            ChooseScreen(label("attach", self.language), [(c.id, self._quote_prompt(c)) for c in candidates]), chosen
        )

    def action_detach(self) -> None:
        current = self._current()
        if current is None:
            return
        code_id, case_id = current
        attached = [self.project.codings.get(e) for e in self._evidence(case_id, code_id)]
        if not attached:
            self.notify(label("no_evidence", self.language), severity="warning")
            return

        def chosen(coding_id: str | None) -> None:
            if coding_id is not None:
                self.project.ratings.detach(case_id, code_id, coding_id, coder=self.coder, facet=self.facet_id)
                self._refresh()

        self.app.push_screen(
            ChooseScreen(label("detach", self.language), [(c.id, self._quote_prompt(c)) for c in attached]), chosen
        )

    def action_open_quotes(self) -> None:
        current = self._current()
        if current is None:
            return
        code_id, case_id = current
        evidence = set(self._evidence(case_id, code_id))
        codings = self.project.codings.select(code=code_id, case=case_id, include_descendants=True)
        codings.sort(key=lambda c: (c.id not in evidence, c.document_id, c.start))
        if not codings:
            self.notify(label("no_candidates", self.language), severity="warning")
            return
        options = []
        for c in codings:
            prompt = self._quote_prompt(c)
            if c.id in evidence:
                prompt = Text("★ ") + prompt
            options.append((c.id, prompt))
        by_id = {c.id: c for c in codings}

        def chosen(coding_id: str | None) -> None:
            if coding_id is not None:
                c = by_id[coding_id]
                self.dismiss(JumpTo(c.document_id, c.start, c.end))

        self.app.push_screen(ChooseScreen(label("evidence", self.language), options), chosen)

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        self.action_open_quotes()

    def action_next_facet(self) -> None:
        tabs = self.query_one(TabbedContent)
        ids = [f"facet-{f.id}" for f in self.facets]
        if ids:
            tabs.active = ids[(ids.index(tabs.active) + 1) % len(ids)] if tabs.active in ids else ids[0]
            self._table(self.facet_id).focus()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self._fill(self.facet_id)

    def action_close(self) -> None:
        self.dismiss(None)


def _widest(texts: list[str]) -> int:
    return max(map(cell_len, texts))
