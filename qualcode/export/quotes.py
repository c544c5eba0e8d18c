"""Quote reports: per code in codebook order, every coded quote grouped by case, cited 「…」(A).

Memos are part of the report: the project's at the top; each case's, and those of the case's documents, under
the case in a 個案備忘 section before the codes; each code's under the code's heading (a code with a memo and no
quotes keeps its heading). A coding's memo follows its quote. `coder` keeps one coder's codings and memos.

How quotes read (`Style`): `cite="case"` gives 「…」(A), `cite="case-turn"` 「…」(A, 第 34 輪), the turn whose
utterance holds the coding's start (as the `quotes` view numbers it; a case with several documents names the
document too); `coder=False` leaves out who coded and who wrote each memo; `memos=False` leaves out every memo.
The report is in Traditional Chinese (its headings and labels), so the citation is too.
"""

from __future__ import annotations

import io
from bisect import bisect_right
from dataclasses import dataclass, field

from qualcode.errors import BadInput
from qualcode.export.pseudonyms import Pseudonyms
from qualcode.model import Turn

FORMATS = ("md", "docx")
CITES = ("case", "case-turn")
CJK_FONT = "PMingLiU"
CASE_MEMOS = "個案備忘"


@dataclass(frozen=True)
class Style:
    cite: str = "case"  # case | case-turn
    coder: bool = True  # name the coder of each quote and the author of each memo
    memos: bool = True  # coding memos and the project's, documents', cases' and codes' memos


@dataclass(frozen=True)
class Quote:
    case_id: str
    text: str
    coder: str
    memo: str
    turn: int | None = None  # the turn holding the coding's start (None before the first turn or on a label)
    document: str = ""  # the document's title, when its case has several documents


@dataclass(frozen=True)
class Note:
    """A memo as the report shows it."""

    author: str
    text: str
    document: str = ""  # a document memo: the document's title


@dataclass(frozen=True)
class Section:
    code_id: str
    name: str
    name_en: str
    depth: int
    cases: list[tuple[str, str, list[Quote]]]  # (case id, case name, quotes)
    memos: list[Note] = field(default_factory=list)


@dataclass(frozen=True)
class Report:
    sections: list[Section]
    project_memos: list[Note] = field(default_factory=list)
    case_memos: list[tuple[str, str, list[Note]]] = field(default_factory=list)  # (case id, case name, memos)
    style: Style = Style()


def collect(
    project,
    *,
    code: str | None = None,
    coder: str | None = None,
    pseudonyms: Pseudonyms = Pseudonyms(),
    style: Style = Style(),
) -> Report:
    if style.cite not in CITES:
        raise BadInput(f"unknown citation {style.cite!r} (use {' or '.join(CITES)})")
    codes = project.codebook.codes()
    wanted = set(project.codebook.descendants(code)) if code else {c.id for c in codes}
    by_id = {c.id: c for c in codes}
    cases = project.documents.cases()
    case_names = {c.id: c.name for c in cases}
    case_order = {c.id: i for i, c in enumerate(cases)}
    documents = project.documents.documents()
    per_case: dict[str, int] = {}
    for d in documents:
        per_case[d.case_id] = per_case.get(d.case_id, 0) + 1
    titles = {d.id: d.title for d in documents if per_case[d.case_id] > 1}
    turns = _TurnFinder(project.documents.all_turns()) if style.cite == "case-turn" else None
    memos = _Memos(project, coder, pseudonyms) if style.memos else None
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
            turn = turns.at(coding.document_id, coding.start) if turns is not None else None
            memo = pseudonyms.apply(coding.memo) if style.memos else ""
            grouped.setdefault(coding.case_id, []).append(
                Quote(coding.case_id, quote, coding.coder, memo, turn, titles.get(coding.document_id, ""))
            )
        quoted = [
            (cid, case_names.get(cid, cid), grouped[cid])
            for cid in sorted(grouped, key=lambda k: case_order.get(k, 99))
        ]
        sections.append(Section(c.id, c.name, c.name_en, depth, quoted, memos.of("code", c.id) if memos else []))
    # keep a code when it or a code below it has quotes or memos, so headings give structure without empty leaves
    filled = {s.code_id for s in sections if s.cases or s.memos}
    keep = set()
    for code_id in filled:
        current = by_id.get(code_id)
        while current is not None:
            keep.add(current.id)
            current = by_id.get(current.parent_id) if current.parent_id else None
    if memos is None:
        return Report([s for s in sections if s.code_id in keep], style=style)
    case_memos = []
    for case in cases:
        notes = memos.of("case", case.id)
        for d in documents:
            if d.case_id == case.id:
                notes += [Note(n.author, n.text, d.title) for n in memos.of("document", str(d.id))]
        if notes:
            case_memos.append((case.id, case.name, notes))
    return Report([s for s in sections if s.code_id in keep], memos.of("project", ""), case_memos, style)


class _Memos:
    """The project's memos by target, the coder's only when one is given, pseudonymised."""

    def __init__(self, project, coder: str | None, pseudonyms: Pseudonyms):
        self._by_target: dict[tuple[str, str], list[Note]] = {}
        for memo in project.memos.list(author=coder):
            note = Note(memo.author, pseudonyms.apply(memo.text))
            self._by_target.setdefault((memo.target_type, memo.target_id), []).append(note)

    def of(self, target_type: str, target_id: str) -> list[Note]:
        return list(self._by_target.get((target_type, target_id), []))


class _TurnFinder:
    """The turn whose utterance holds an offset, as the `quotes` view finds it (the last turn starting at or
    before it, if the offset is before that turn's end)."""

    def __init__(self, turns: dict[int, list[Turn]]):
        self._turns = {doc: sorted(ts, key=lambda t: (t.start, t.end)) for doc, ts in turns.items()}
        self._starts = {doc: [t.start for t in ts] for doc, ts in self._turns.items()}

    def at(self, document_id: int, offset: int) -> int | None:
        i = bisect_right(self._starts.get(document_id, []), offset) - 1
        if i < 0:
            return None
        turn = self._turns[document_id][i]
        return turn.number if offset < turn.end else None


def cite(quote: Quote, how: str = "case") -> str:
    """「…」(A), or with `case-turn` 「…」(A, 第 34 輪) (and the document's title when its case has several)."""
    where = [quote.case_id]
    if how == "case-turn":
        if quote.document:
            where.append(quote.document)
        if quote.turn is not None:
            where.append(f"第 {quote.turn} 輪")
    return f"「{quote.text}」({', '.join(where)})"


def _quote_detail(quote: Quote, style: Style) -> str:
    """What follows a quote: — tsai；備忘：…"""
    parts = ([quote.coder] if style.coder else []) + ([f"備忘：{quote.memo}"] if quote.memo else [])
    return f" — {'；'.join(parts)}" if parts else ""


def _memo_label(note: Note, style: Style, kind: str = "備忘") -> str:
    """專案備忘（tsai）： / 〈A〉備忘： …"""
    about = f"〈{note.document}〉" if note.document else ""
    author = f"（{note.author}）" if style.coder else ""
    return f"{about}{kind}{author}："


def _blockquote(text: str) -> list[str]:
    return [f"> {line}" if line.strip() else ">" for line in text.split("\n")]


def markdown(report: Report, title: str) -> str:
    style = report.style
    out = [f"# {title}", ""]
    for note in report.project_memos:
        out += [*_blockquote(_memo_label(note, style, "專案備忘") + note.text), ""]
    if report.case_memos:
        out += [f"## {CASE_MEMOS}", ""]
        for case_id, case_name, notes in report.case_memos:
            out += [f"**{case_name or case_id}（{case_id}）**", ""]
            for note in notes:
                out += [*_blockquote(_memo_label(note, style) + note.text), ""]
    for section in report.sections:
        heading = "#" * min(6, section.depth + 2)
        out.append(f"{heading} {section.name}（{section.name_en or section.code_id}）")
        out.append("")
        for note in section.memos:
            out += [*_blockquote(_memo_label(note, style) + note.text), ""]
        for case_id, case_name, quotes in section.cases:
            out.append(f"**{case_name}（{case_id}）**")
            out.append("")
            for quote in quotes:
                out.append(f"- {cite(quote, style.cite)}{_quote_detail(quote, style)}")
            out.append("")
    return "\n".join(out)


def docx_bytes(report: Report, title: str) -> bytes:
    import docx
    from docx.oxml.ns import qn
    from docx.shared import Pt

    style = report.style
    document = docx.Document()
    for style_name in ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3", "Heading 4", "List Bullet", "Quote"):
        doc_style = document.styles[style_name]
        doc_style.font.name = CJK_FONT
        rpr = doc_style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(fonts)
        fonts.set(qn("w:eastAsia"), CJK_FONT)
    document.styles["Normal"].font.size = Pt(11)
    document.core_properties.title = title
    document.add_heading(title, level=0)

    def memo(note: Note, kind: str = "備忘") -> None:
        paragraph = document.add_paragraph(style="Quote")
        paragraph.add_run(_memo_label(note, style, kind)).bold = True
        paragraph.add_run(note.text)

    for note in report.project_memos:
        memo(note, "專案備忘")
    if report.case_memos:
        document.add_heading(CASE_MEMOS, level=1)
        for case_id, case_name, notes in report.case_memos:
            document.add_heading(f"{case_name or case_id}（{case_id}）", level=2)
            for note in notes:
                memo(note)
    for section in report.sections:
        document.add_heading(f"{section.name}（{section.name_en or section.code_id}）", level=min(section.depth + 1, 3))
        for note in section.memos:
            memo(note)
        for case_id, case_name, quotes in section.cases:
            document.add_heading(f"{case_name}（{case_id}）", level=min(section.depth + 2, 4))
            for quote in quotes:
                paragraph = document.add_paragraph(style="List Bullet")
                paragraph.add_run(cite(quote, style.cite))
                detail = _quote_detail(quote, style)
                if detail:
                    paragraph.add_run(detail).italic = True
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def render(
    project,
    fmt: str,
    *,
    title: str,
    code: str | None = None,
    coder: str | None = None,
    pseudonyms: Pseudonyms = Pseudonyms(),
    style: Style = Style(),
) -> bytes:
    """The report as the bytes of a file (md or docx)."""
    if fmt not in FORMATS:
        raise BadInput(f"quotes cannot be exported as {fmt!r} (use {', '.join(FORMATS)})")
    report = collect(project, code=code, coder=coder, pseudonyms=pseudonyms, style=style)
    return markdown(report, title).encode("utf-8") if fmt == "md" else docx_bytes(report, title)
