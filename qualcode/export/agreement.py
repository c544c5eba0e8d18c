"""Agreement reports as Markdown, CSV (UTF-8 with a BOM) and XLSX: one row per code (or item) and the pooled
row, every figure labelled with its unit and formula."""

from __future__ import annotations

import csv
import io
from typing import Any

from qualcode.errors import BadInput

FORMATS = ("md", "csv", "xlsx")
COLUMNS = (
    ("units", "units"),
    ("percent", "percent agreement"),
    ("cohen_kappa", "Cohen's κ"),
    ("fleiss_kappa", "Fleiss' κ"),
    ("krippendorff_alpha", "Krippendorff's α"),
    ("brennan_prediger", "Brennan–Prediger κ"),
    ("gwet_ac1", "Gwet's AC1"),
    ("holsti_mean", "Holsti (mean of pairs)"),
    ("composite", "composite reliability"),
    ("passes", "passes"),
)
SHORT = ("units", "% agree", "Cohen κ", "Fleiss κ", "Kripp. α", "B–P κ", "AC1", "Holsti", "composite", "passes")
UNIT_NAMES = {
    "char": "character",
    "sentence": "sentence",
    "turn": "turn",
    "segment": "coded segment (MAXQDA-style)",
    "rating": "rating cell (case × code)",
    "sheet": "sheet unit (unit × item)",
}


def rows(report: dict[str, Any]) -> list[tuple[str, list[Any]]]:
    """(label, figures in COLUMNS order) per code or item, then the pooled row."""
    out = []
    groups: dict[str, Any] = report.get("per_item") or report.get("per_code") or {}
    for name, figures in groups.items():
        out.append((name, _figures(figures)))
    out.append(("(pooled)" if groups else "(all)", _figures(report)))
    return out


def _figures(figures: dict[str, Any]) -> list[Any]:
    holsti = figures["holsti"]
    return [figures["units"], figures["percent"], figures["cohen_kappa"], figures["fleiss_kappa"],
            figures["krippendorff_alpha"], figures["brennan_prediger"], figures["gwet_ac1"], holsti["mean"],
            holsti["composite"], holsti["passes"]]  # fmt: skip


def cell(value: Any) -> str:
    if value is None:
        return "undefined"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def caption(report: dict[str, Any]) -> str:
    threshold = report["holsti"]["threshold"]
    return (f"Agreement of {', '.join(report['coders'])}; unit: {UNIT_NAMES.get(report['unit'], report['unit'])}; "
            f"level: {report.get('level', 'nominal')}; composite reliability threshold {threshold}. "
            "undefined: the statistic has no value for these data (e.g. one category only).")  # fmt: skip


def render(report: dict[str, Any], fmt: str) -> bytes:
    if fmt not in FORMATS:
        raise BadInput(f"unknown format {fmt!r} (use {', '.join(FORMATS)})")
    header = ["code" if report["unit"] not in ("sheet",) else "item", *[label for _, label in COLUMNS]]
    body = [[name, *[cell(v) for v in figures]] for name, figures in rows(report)]
    if fmt == "md":
        lines = [f"# {caption(report)}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(row) + " |" for row in body]
        return ("\n".join(lines) + "\n").encode("utf-8")
    if fmt == "csv":
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([f"# {caption(report)}"])
        writer.writerow(header)
        writer.writerows(body)
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "agreement"
    sheet.append([caption(report)])
    sheet.append(header)
    for cell_ in sheet[2]:
        cell_.font = Font(bold=True)
    for name, figures in rows(report):
        sheet.append([name, *[round(v, 6) if isinstance(v, float) else cell(v) for v in figures]])
    binary = io.BytesIO()
    workbook.save(binary)
    return binary.getvalue()
