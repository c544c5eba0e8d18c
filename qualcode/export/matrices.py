"""Write case x code (or code x code) matrices as CSV, XLSX or Markdown."""

from __future__ import annotations

import csv
import io

from qualcode.analysis.matrix import Matrix

FORMATS = ("csv", "xlsx", "md")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


def _header(matrix: Matrix) -> list[str]:
    return ["code", "name", "dimension", *[label for _, label in matrix.columns]]


def _lines(matrix: Matrix) -> list[list[str]]:
    return [
        [code_id, name, dimension, *[_number(matrix.value(code_id, c)) for c, _ in matrix.columns]]
        for code_id, name, dimension in matrix.rows
    ]


def csv_bytes(matrix: Matrix) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(_header(matrix))
    writer.writerows(_lines(matrix))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def markdown(matrix: Matrix) -> str:
    header = _header(matrix)
    out = [f"<!-- {matrix.kind}: {matrix.note} -->", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(line) + " |" for line in _lines(matrix)]
    return "\n".join(out) + "\n"


def xlsx_bytes(matrix: Matrix) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from qualcode.export.tables import display_width

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = matrix.kind[:31]
    sheet.append(_header(matrix))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for code_id, name, dimension in matrix.rows:
        sheet.append([code_id, name, dimension, *[matrix.value(code_id, c) for c, _ in matrix.columns]])
    sheet.freeze_panes = "D2"
    notes = workbook.create_sheet("notes")
    notes.append(["kind", matrix.kind])
    notes.append(["meaning", matrix.note])
    for column in sheet.columns:
        width = max(display_width(str(c.value or "")) for c in column)
        sheet.column_dimensions[column[0].column_letter].width = max(8, width + 2)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
