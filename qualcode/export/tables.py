"""Factor-strength tables (the layout of Tables 5-9 and 5-10) as Markdown, CSV, XLSX and HTML."""

from __future__ import annotations

import csv
import html
import io
import unicodedata

from qualcode.analysis.table import Cell, FactorTable
from qualcode.model import Case

FORMATS = ("md", "csv", "xlsx", "html")


DIFFER_MARK = "≠"


def cell_text(cell: Cell, counts: bool) -> str:
    if cell.by_rater:
        if not any(step for _, step in cell.by_rater):
            return ""
        text = " / ".join(f"{rater}:{step.label if step else '·'}" for rater, step in cell.by_rater)
        return f"{text} {DIFFER_MARK}" if cell.differs else text
    if cell.step is None:
        return ""
    return f"{cell.step.label} ({cell.evidence})" if counts else cell.step.label


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _headers(table: FactorTable) -> list[str]:
    return ["影響因素", "因素", *[c.name or c.id for c in table.cases]]


def markdown(tables: list[FactorTable], counts: bool, title: str = "") -> str:
    out = [f"# {title}\n"] if title else []
    for table in tables:
        out.append(f"## {table.facet.name}（{table.facet.name_en or table.facet.id}）\n")
        out.append("| " + " | ".join(_headers(table)) + " |")
        out.append("|" + "---|" * len(_headers(table)))
        for dimension, rows in table.groups():
            for i, row in enumerate(rows):
                cells = [cell_text(table.cell(row.factor.id, c.id), counts) for c in table.cases]
                factor = "" if row.is_dimension else row.factor.name
                out.append("| " + " | ".join([dimension.name if i == 0 else "", factor, *cells]) + " |")
        out.append("")
    return "\n".join(out)


def csv_bytes(tables: list[FactorTable], counts: bool) -> bytes:
    """UTF-8 with a BOM (so Excel reads Chinese right); one row per factor, the facet and dimension in columns.

    One header for every facet: a column per case of the project, and each facet's values placed by case id,
    so a value always sits under its own case whichever cases were rated (an unrated cell is empty)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    cases = _all_cases(tables)
    writer.writerow(["facet", "dimension", "factor", "code", *[c.name or c.id for c in cases]])
    for table in tables:
        own = {c.id for c in table.cases}
        for row in table.rows:
            writer.writerow(
                [
                    table.facet.name,
                    row.dimension.name,
                    row.factor.name,
                    row.factor.id,
                    *[cell_text(table.cell(row.factor.id, c.id), counts) if c.id in own else "" for c in cases],
                ]
            )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _all_cases(tables: list[FactorTable]) -> list[Case]:
    """Every case of the tables, each once, in the order they first appear."""
    seen: dict[str, Case] = {}
    for table in tables:
        for case in table.cases:
            seen.setdefault(case.id, case)
    return list(seen.values())


def xlsx_bytes(tables: list[FactorTable], counts: bool) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    cjk_font = "Microsoft JhengHei"
    for table in tables:
        sheet = workbook.create_sheet(title=table.facet.name[:31])
        headers = _headers(table)
        sheet.append(headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True, name=cjk_font)
            cell.fill = PatternFill("solid", fgColor="DDDDDD")
            cell.alignment = Alignment(horizontal="center", vertical="center")
            cell.border = border
        row_number = 2
        for dimension, rows in table.groups():
            first = row_number
            for row in rows:
                values = ["", "" if row.is_dimension else row.factor.name]
                sheet.append(values + [cell_text(table.cell(row.factor.id, c.id), counts) for c in table.cases])
                for column, case in enumerate(table.cases, start=3):
                    target = sheet.cell(row=row_number, column=column)
                    step = table.cell(row.factor.id, case.id).step
                    if step is not None and step.color:
                        target.fill = PatternFill("solid", fgColor=step.color.lstrip("#").upper())
                        target.font = Font(name=cjk_font, color="FFFFFF" if _dark(step.color) else "000000")
                    else:
                        target.font = Font(name=cjk_font)
                    target.alignment = Alignment(horizontal="center", vertical="center")
                for column in range(1, len(headers) + 1):
                    sheet.cell(row=row_number, column=column).border = border
                row_number += 1
            top = sheet.cell(row=first, column=1)
            top.value = dimension.name
            top.font = Font(bold=True, name=cjk_font)
            top.alignment = Alignment(vertical="center", wrap_text=True)
            if row_number - 1 > first:
                sheet.merge_cells(start_row=first, start_column=1, end_row=row_number - 1, end_column=1)
            if len(rows) == 1 and rows[0].is_dimension:
                sheet.merge_cells(start_row=first, start_column=1, end_row=first, end_column=2)
        sheet.freeze_panes = "C2"
        for column in range(1, len(headers) + 1):
            values = [str(c.value or "") for c in sheet[get_column_letter(column)]]
            sheet.column_dimensions[get_column_letter(column)].width = max(8, max(map(display_width, values)) + 3)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _dark(color: str) -> bool:
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return 0.299 * r + 0.587 * g + 0.114 * b < 140


def html_page(tables: list[FactorTable], counts: bool, title: str) -> str:
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-Hant">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{e(title)}</title>",
        "<style>body{font-family:'Noto Sans TC','Microsoft JhengHei','PingFang TC',sans-serif;margin:2em}"
        "table{border-collapse:collapse;margin-bottom:2em}th,td{border:1px solid #999;padding:.3em .8em;text-align:center}"
        "th{background:#ddd}td.dim{font-weight:bold;text-align:left}td.factor{text-align:left}</style>",
        "</head>",
        "<body>",
        f"<h1>{e(title)}</h1>",
    ]
    for table in tables:
        parts.append(f"<h2>{e(table.facet.name)}</h2>")
        parts.append("<table>")
        parts.append("<tr>" + "".join(f"<th>{e(h)}</th>" for h in _headers(table)) + "</tr>")
        for dimension, rows in table.groups():
            for i, row in enumerate(rows):
                cells = []
                if i == 0:
                    span = 2 if (len(rows) == 1 and row.is_dimension) else 1
                    cells.append(f'<td class="dim" rowspan="{len(rows)}" colspan="{span}">{e(dimension.name)}</td>')
                if not (len(rows) == 1 and row.is_dimension):
                    cells.append(f'<td class="factor">{e("" if row.is_dimension else row.factor.name)}</td>')
                for case in table.cases:
                    cell = table.cell(row.factor.id, case.id)
                    style = ""
                    if cell.step is not None and cell.step.color:
                        fg = "#fff" if _dark(cell.step.color) else "#000"
                        style = f' style="background:{cell.step.color};color:{fg}"'
                    cells.append(f"<td{style}>{e(cell_text(cell, counts))}</td>")
                parts.append("<tr>" + "".join(cells) + "</tr>")
        parts.append("</table>")
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


def collect(
    project,
    *,
    facet: str | None = None,
    coder: str | None = None,
    all_cases: bool = False,
    raters: tuple[str, ...] = (),
) -> list[FactorTable]:
    """One table per facet (or the one asked for), with a column for every case of the project, rated or not
    (an unrated cell is empty), so the table keeps its shape while the ratings are entered. Facets nobody rated
    are left out when another facet has ratings. With `raters`, each cell shows every rater's step side by side,
    marked ≠ where they differ. `all_cases` is accepted for older callers: every case is always a column."""
    from qualcode.analysis.table import build
    from qualcode.errors import BadInput

    if raters:
        return _side_by_side(project, facet, raters)
    raters = tuple(project.ratings.raters())
    if coder is None:
        if len(raters) > 1:
            raise BadInput(f"several coders rated ({', '.join(raters)}): choose one with --coder")
        coder = raters[0] if raters else None
    elif raters and coder not in raters:
        raise BadInput(f"coder {coder!r} has no ratings (raters: {', '.join(raters)})")
    facet_ids = [project.codebook.facet_id(facet)] if facet is not None else [f.id for f in project.codebook.facets()]
    tables = []
    for facet_id in facet_ids:
        table = build(project, facet_id, coder)
        tables.append((table, any(cell.step is not None for cell in table.cells.values())))
    if facet is None and any(has for _, has in tables):
        return [table for table, has in tables if has]  # facets nobody rated are left out
    return [table for table, _ in tables]


def _side_by_side(project, facet: str | None, raters: tuple[str, ...]) -> list[FactorTable]:
    from dataclasses import replace

    from qualcode.analysis.table import Cell, build
    from qualcode.errors import BadInput

    known = project.ratings.raters()
    unknown = [r for r in raters if r not in known]
    if unknown:
        raise BadInput(f"coder {unknown[0]!r} has no ratings (raters: {', '.join(known) or 'none'})")
    if len(raters) < 2:
        raise BadInput("--raters needs two raters or more, e.g. --raters alice,bob")
    facet_ids = [project.codebook.facet_id(facet)] if facet is not None else [f.id for f in project.codebook.facets()]
    out = []
    for facet_id in facet_ids:
        tables = [build(project, facet_id, rater) for rater in raters]
        first = tables[0]
        cells = {}
        for key, cell in first.cells.items():
            steps = tuple((rater, table.cell(*key).step) for rater, table in zip(raters, tables, strict=True))
            cells[key] = Cell(None, 0, cell.codings, by_rater=steps)
        if any(step for cell in cells.values() for _, step in cell.by_rater):
            out.append(replace(first, cells=cells))
    return out
