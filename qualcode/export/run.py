"""One entry point for every export, shared by the CLI and the TUI: what, in which format, as bytes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from qualcode.errors import BadInput
from qualcode.export import heatmap
from qualcode.export.pseudonyms import Pseudonyms

FORMATS = {
    "table": ("md", "csv", "xlsx", "html", "svg", "png"),
    "matrix": ("csv", "xlsx", "md", "svg", "png"),
    "quotes": ("md", "docx"),
    "qdpx": ("qdpx",),
    "qdc": ("qdc",),
}
TABLE_TITLE = "影響因素影響程度分析"
QUOTES_TITLE = "編碼引文報告"


@dataclass(frozen=True)
class Options:
    facet: str | None = None
    coder: str | None = None
    counts: bool = False
    all_cases: bool = False
    kind: str = "count"
    cooccurrence: str = "overlap"
    code: str | None = None
    pseudonyms: Pseudonyms = field(default_factory=Pseudonyms)
    raters: tuple[str, ...] = ()  # the table: each rater's step side by side


def default_name(what: str, fmt: str, options: Options = Options()) -> str:
    if what == "table":
        return f"factor-strength.{fmt}"
    if what == "matrix":
        kind = f"cooccurrence-{options.cooccurrence}" if options.kind == "cooccurrence" else options.kind
        return f"matrix-{kind}.{fmt}"
    if what == "quotes":
        return f"quotes.{fmt}"
    return "project.qdpx" if what == "qdpx" else "codebook.qdc"


def render(project, what: str, fmt: str, options: Options = Options()) -> bytes:
    if what not in FORMATS:
        raise BadInput(f"unknown export {what!r} (use {', '.join(FORMATS)})")
    if fmt not in FORMATS[what]:
        raise BadInput(f"{what} cannot be exported as {fmt!r} (use {', '.join(FORMATS[what])})")
    if what == "table":
        from qualcode.export import tables

        found = tables.collect(
            project, facet=options.facet, coder=options.coder, all_cases=options.all_cases, raters=options.raters
        )
        return {
            "md": lambda: tables.markdown(found, options.counts, TABLE_TITLE).encode("utf-8"),
            "csv": lambda: tables.csv_bytes(found, options.counts),
            "xlsx": lambda: tables.xlsx_bytes(found, options.counts),
            "html": lambda: tables.html_page(found, options.counts, TABLE_TITLE).encode("utf-8"),
            "svg": lambda: heatmap.table_heatmap(found, "svg"),
            "png": lambda: heatmap.table_heatmap(found, "png"),
        }[fmt]()
    if what == "matrix":
        from qualcode.analysis import matrix as m
        from qualcode.export import matrices

        if options.kind not in m.KINDS:
            raise BadInput(f"unknown matrix kind {options.kind!r} (use {', '.join(m.KINDS)})")
        if options.cooccurrence not in m.COOCCURRENCE:
            raise BadInput(f"unknown co-occurrence {options.cooccurrence!r} (use {', '.join(m.COOCCURRENCE)})")
        matrix = (
            m.cooccurrence(project, options.cooccurrence, options.coder)
            if options.kind == "cooccurrence"
            else m.case_by_code(project, options.kind, options.coder)
        )
        return {
            "csv": lambda: matrices.csv_bytes(matrix),
            "xlsx": lambda: matrices.xlsx_bytes(matrix),
            "md": lambda: matrices.markdown(matrix).encode("utf-8"),
            "svg": lambda: heatmap.matrix_heatmap(matrix, "svg"),
            "png": lambda: heatmap.matrix_heatmap(matrix, "png"),
        }[fmt]()
    if what == "quotes":
        from qualcode.export import quotes

        if options.code:
            project.codebook.code(options.code)
        sections = quotes.collect(project, code=options.code, coder=options.coder, pseudonyms=options.pseudonyms)
        return (
            quotes.markdown(sections, QUOTES_TITLE).encode("utf-8")
            if fmt == "md"
            else quotes.docx_bytes(sections, QUOTES_TITLE)
        )
    from qualcode.export import refi

    return refi.export_qdpx(project, options.pseudonyms) if what == "qdpx" else refi.export_qdc(project)


def write(
    project, what: str, fmt: str, path: Path | None, options: Options = Options(), *, force: bool = False
) -> Path:
    from qualcode.fileio import write_atomic

    target = Path(path) if path else Path("exports") / default_name(what, fmt, options)
    return write_atomic(target, render(project, what, fmt, options), force=force)
