"""Quote reports: per code in codebook order, every coded quote grouped by case, cited 「…」(A)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from qualcode.export.pseudonyms import Pseudonyms

FORMATS = ("md", "docx")
CJK_FONT = "PMingLiU"


@dataclass(frozen=True)
class Quote:
    case_id: str
    text: str
    coder: str
    memo: str


@dataclass(frozen=True)
class Section:
    code_id: str
    name: str
    name_en: str
    depth: int
    cases: list[tuple[str, str, list[Quote]]]  # (case id, case name, quotes)


def collect(
    project, *, code: str | None = None, coder: str | None = None, pseudonyms: Pseudonyms = Pseudonyms()
) -> list[Section]:
    codes = project.codebook.codes()
    wanted = set(project.codebook.descendants(code)) if code else {c.id for c in codes}
    by_id = {c.id: c for c in codes}
    cases = project.documents.cases()
    case_names = {c.id: c.name for c in cases}
    case_order = {c.id: i for i, c in enumerate(cases)}
    sections = []
    for c in codes:
        if c.id not in wanted:
            continue
        depth, parent = 0, c.parent_id
        while parent and parent in by_id:
            depth, parent = depth + 1, by_id[parent].parent_id
        grouped: dict[str, list[Quote]] = {}
        for coding in project.codings.select(code=c.id, coder=coder):
            quote = " ".join(pseudonyms.apply(coding.text).split())
            grouped.setdefault(coding.case_id, []).append(
                Quote(coding.case_id, quote, coding.coder, pseudonyms.apply(coding.memo))
            )
        cases = [
            (cid, case_names.get(cid, cid), grouped[cid])
            for cid in sorted(grouped, key=lambda k: case_order.get(k, 99))
        ]
        sections.append(Section(c.id, c.name, c.name_en, depth, cases))
    # keep a code when it or a code below it has quotes, so headings give structure without empty leaves
    quoted = {s.code_id for s in sections if s.cases}
    keep = set()
    for code_id in quoted:
        current = by_id.get(code_id)
        while current is not None:
            keep.add(current.id)
            current = by_id.get(current.parent_id) if current.parent_id else None
    return [s for s in sections if s.code_id in keep]


def cite(quote: Quote) -> str:
    return f"「{quote.text}」({quote.case_id})"


def markdown(sections: list[Section], title: str) -> str:
    out = [f"# {title}", ""]
    for section in sections:
        heading = "#" * min(6, section.depth + 2)
        out.append(f"{heading} {section.name}（{section.name_en or section.code_id}）")
        out.append("")
        for case_id, case_name, quotes in section.cases:
            out.append(f"**{case_name}（{case_id}）**")
            out.append("")
            for quote in quotes:
                memo = f"；備忘：{quote.memo}" if quote.memo else ""
                out.append(f"- {cite(quote)} — {quote.coder}{memo}")
            out.append("")
    return "\n".join(out)


def docx_bytes(sections: list[Section], title: str) -> bytes:
    import docx
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = docx.Document()
    for style_name in ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3", "Heading 4", "List Bullet"):
        style = document.styles[style_name]
        style.font.name = CJK_FONT
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(fonts)
        fonts.set(qn("w:eastAsia"), CJK_FONT)
    document.styles["Normal"].font.size = Pt(11)
    document.core_properties.title = title
    document.add_heading(title, level=0)
    for section in sections:
        document.add_heading(f"{section.name}（{section.name_en or section.code_id}）", level=min(section.depth + 1, 3))
        for case_id, case_name, quotes in section.cases:
            document.add_heading(f"{case_name}（{case_id}）", level=min(section.depth + 2, 4))
            for quote in quotes:
                paragraph = document.add_paragraph(style="List Bullet")
                paragraph.add_run(cite(quote))
                detail = f" — {quote.coder}" + (f"；備忘：{quote.memo}" if quote.memo else "")
                paragraph.add_run(detail).italic = True
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
