"""Write REFI-QDA 1.5 files: a .qdpx project (a zip of project.qde and the source texts) and a .qdc codebook.

Selections are Unicode code points, start inclusive and end exclusive, as qualcode stores them. GUIDs
come from project.exchange (what an import brought, else derived from the thing's identity) and zip
members carry a fixed date, so exporting the same project twice gives the same file.

Memos are `<Note>`s: a coding's is referred to by its selection's `<NoteRef>`, the project's by the project's,
a document's by its TextSource's and a code's by its Code's. The schema gives a Case no NoteRef, so a case
memo is a Note with a `<Link>` from the note to the case (reader.py reads all of them back as memos). For
QualCoder, which reads memos only from `<Description>`s, the same texts go into the selection's, the case's, the
source's and the project's `<Description>` too (an import takes a text said both ways once).
Each document of a named case also gets a nameless `<Case>` with its one SourceRef and the variable
`qualcode case` (QualCoder reads the cases' sources only so). qualcode's own data (the codebook with ids,
English names, keywords, keys, facets and scale; case ids; ratings with notes and evidence) rides in a Note
named `qualcode data` (JSON), and each rating also as a case variable `rating: CODE / FACET (CODER)` holding the
step's value. With pseudonyms, every text of the archive goes through the map.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET

from qualcode.export.pseudonyms import Pseudonyms
from qualcode.export.refi import (
    CODEBOOK_NS,
    LINK_VARIABLE,
    PROJECT_NS,
    QUALCODE_DATA,
    QUALCODE_FORMAT,
    VALUE_TAGS,
    VARIABLE_TYPES,
)
from qualcode.model import Coding, Memo
from qualcode.services.exchange import guid_key
from qualcode.services.memos import exchange_key

if TYPE_CHECKING:
    from qualcode.project import Project


def _element(parent: ET.Element | None, tag: str, ns: str, **attributes: str | None) -> ET.Element:
    attrs = {k.rstrip("_"): v for k, v in attributes.items() if v not in (None, "")}
    if parent is None:
        return ET.Element(f"{{{ns}}}{tag}", attrs)
    return ET.SubElement(parent, f"{{{ns}}}{tag}", attrs)


def _text_element(parent: ET.Element, tag: str, ns: str, text: str) -> ET.Element:
    element = _element(parent, tag, ns)
    element.text = text
    return element


def _serialise(root: ET.Element, ns: str) -> bytes:
    ET.register_namespace("", ns)
    ET.indent(root, space="  ")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8") + b"\n"


def _codes_tree(
    project: Project,
    parent: ET.Element,
    ns: str,
    coded: set[str],
    notes: dict[str, list[str]] | None = None,
    skip: set[str] | None = None,
) -> None:
    """The code tree; a parent code nobody applied directly is exported as not codable, unless an import said
    otherwise. `notes`: the GUIDs of each code's memo notes (a .qdc has none); `skip`: codes left out."""
    children: dict[str | None, list] = {}
    for code in project.codebook.codes():
        if code.id not in (skip or set()):
            children.setdefault(code.parent_id, []).append(code)
    imported = project.exchange.fact("codable") or {}  # isCodable as an import said it

    def add(holder: ET.Element, code) -> None:
        has_children = bool(children.get(code.id))
        codable = imported.get(code.id, not has_children) or code.id in coded
        element = _element(
            holder,
            "Code",
            ns,
            guid=project.exchange.guid("code", code.id),
            name=code.name,
            isCodable="true" if codable else "false",
            color=code.color or None,
        )
        if code.description:
            _text_element(element, "Description", ns, code.description)
        for note_guid in (notes or {}).get(code.id, []):
            _element(element, "NoteRef", ns, targetGUID=note_guid)
        for child in children.get(code.id, []):
            add(element, child)

    for code in children.get(None, []):
        add(parent, code)


def export_qdc(project: Project) -> bytes:
    root = _element(None, "CodeBook", CODEBOOK_NS, origin=project.exchange.fact("origin") or "qualcode")
    _codes_tree(project, _element(root, "Codes", CODEBOOK_NS), CODEBOOK_NS, set(project.codings.counts()))
    return _serialise(root, CODEBOOK_NS)


@dataclass
class _Export:
    """What export_qdpx gathers while it walks the project."""

    project: Project
    pseudonyms: Pseudonyms
    user_guid: dict[str, str]
    files: dict[str, bytes] = field(default_factory=dict)
    notes: list[tuple[str, str, str, str, str]] = field(
        default_factory=list
    )  # guid, text, author guid, created, modified
    memo_notes: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (type, id) -> its memos' note GUIDs
    memo_texts: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (type, id) -> its memos' texts
    annotation: str = ""  # the code whose codings are annotations (selections with a text and no coding)


def export_qdpx(project: Project, pseudonyms: Pseudonyms = Pseudonyms()) -> bytes:
    ns = PROJECT_NS
    exchange = project.exchange
    root = _element(None, "Project", ns, name=project.name, origin=exchange.fact("origin") or "qualcode")
    codings = project.codings.select()
    memos = [m for m in project.memos.list() if project.memos.exists(m.target_type, m.target_id)]
    ratings = project.ratings.select()
    coders = sorted(
        {c.coder for c in codings} | {m.author for m in memos} | {name for name, _ in exchange.known("user")}
    )
    state = _Export(project, pseudonyms, {coder: exchange.guid("user", coder) for coder in coders})
    annotation = exchange.fact("annotation_code") or ""
    codes = project.codebook.codes()
    if (
        annotation
        and all(c.memo for c in codings if c.code_id == annotation)
        and not any(c.parent_id == annotation for c in codes)
    ):
        state.annotation = annotation
    if coders:
        users = _element(root, "Users", ns)
        for coder in coders:
            _element(users, "User", ns, guid=state.user_guid[coder], name=coder)
    _memo_notes(state, memos)
    if [c for c in codes if c.id != state.annotation]:
        code_notes = {target_id: guids for (kind, target_id), guids in state.memo_notes.items() if kind == "code"}
        _codes_tree(project, _element(_element(root, "CodeBook", ns), "Codes", ns), ns, {c.code_id for c in codings},
                    code_notes, {state.annotation} - {""})  # fmt: skip
    _variables_and_cases(state, root, ratings)
    documents = project.documents.documents()
    if documents:
        by_document: dict[int, list[Coding]] = {}
        for coding in codings:
            by_document.setdefault(coding.document_id, []).append(coding)
        sources = _element(root, "Sources", ns)
        for document in documents:
            _source(state, sources, document, by_document.get(document.id, []))
    holder = _element(root, "Notes", ns)
    for guid, text, author, created, modified in state.notes:
        note = _element(holder, "Note", ns, guid=guid, name=_selection_name(text), creatingUser=author,
                        creationDateTime=created, modifiedDateTime=modified)  # fmt: skip
        _text_element(note, "PlainTextContent", ns, text)
    _case_links(state, root)
    said = state.memo_texts.get(("project", ""), [])
    if said:
        _text_element(root, "Description", ns, "\n\n".join(said))
    for note_guid in state.memo_notes.get(("project", ""), []):
        _element(root, "NoteRef", ns, targetGUID=note_guid)
    _pseudonymise(root, pseudonyms)
    data = _element(None, "Note", ns, guid=exchange.guid("qualcode-data", "project"), name=QUALCODE_DATA)
    _text_element(data, "PlainTextContent", ns, _qualcode_data(state, ratings))
    holder.append(data)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        _write_member(archive, "project.qde", _serialise(root, ns))
        for path in sorted(state.files):
            _write_member(archive, path, state.files[path])
    return buffer.getvalue()


# attributes that hold no words: GUIDs, positions, times, colours, types, paths
_NOT_TEXT = {"guid", "targetGUID", "originGUID", "creatingUser", "modifyingUser", "creatingUserGUID",
             "modifyingUserGUID", "startPosition", "endPosition", "creationDateTime", "modifiedDateTime", "color",
             "isCodable", "typeOfVariable", "plainTextPath", "richTextPath", "direction", "origin"}  # fmt: skip


def _pseudonymise(root: ET.Element, pseudonyms: Pseudonyms) -> None:
    """Every text of the project through the map, once: names, descriptions, notes, values."""
    if not pseudonyms.pairs:
        return
    for element in root.iter():
        if element.text and element.text.strip():
            element.text = pseudonyms.apply(element.text)
        for attribute, value in element.attrib.items():
            if attribute not in _NOT_TEXT:
                element.set(attribute, pseudonyms.apply(value))


def _qualcode_data(state: _Export, ratings) -> str:
    """qualcode's own data as JSON: what a qualcode import into a fresh project needs to keep it all."""
    from dataclasses import replace

    from qualcode import codebook as yaml_codebook

    project, apply = state.project, state.pseudonyms.apply
    guid = project.exchange.guid
    book = project.codebook.get()
    book = replace(
        book,
        description=apply(book.description),
        codes=tuple(
            replace(
                c,
                name=apply(c.name),
                name_en=apply(c.name_en),
                description=apply(c.description),
                keywords=tuple(apply(k) for k in c.keywords),
            )
            for c in book.codes
        ),
    )
    cases = {}
    for case in project.documents.cases():
        cases[guid("case", case.id)] = [apply(case.id), apply(case.name or case.id)]
    data = {
        "format": QUALCODE_FORMAT,
        "codebook": yaml_codebook.dumps(book),
        "codes": {guid("code", c.id): c.id for c in book.codes},
        "cases": cases,
        "ratings": [
            {
                "case": guid("case", r.case_id),
                "code": guid("code", r.code_id),
                "facet": r.facet_id,
                "coder": apply(r.coder),
                "step": r.step_id,
                "note": apply(r.note),
                "evidence": [guid("selection", e) for e in r.evidence],
            }
            for r in ratings
        ],
        "rating_variables": sorted({guid("variable", _rating_variable(r)) for r in ratings}),
    }
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)


def _rating_variable(rating) -> str:
    return f"rating: {rating.code_id} / {rating.facet_id} ({rating.coder})"


def _memo_key(memo: Memo) -> str:
    return exchange_key(memo.target_type, memo.target_id, memo.author)


def _memo_notes(state: _Export, memos: list[Memo]) -> None:
    """Each memo as a note (in `state.notes`, before the codings' notes, which _source adds), listed by target."""
    guid = state.project.exchange.guid
    # by target, then note GUID: an import keeps GUIDs but not local ids, so the file comes back the same
    ordered = sorted(memos, key=lambda m: (m.target_type, guid(m.target_type, m.target_id), guid("memo", _memo_key(m))))
    for memo in ordered:
        note_guid = guid("memo", _memo_key(memo))
        state.memo_notes.setdefault((memo.target_type, memo.target_id), []).append(note_guid)
        state.memo_texts.setdefault((memo.target_type, memo.target_id), []).append(memo.text.strip())
        state.notes.append((note_guid, memo.text, state.user_guid[memo.author], memo.created_at,
                            memo.updated_at))  # fmt: skip


def _case_links(state: _Export, root: ET.Element) -> None:
    """A Link from each case memo's note to its case (a Case has no NoteRef in the schema)."""
    guid = state.project.exchange.guid
    links = [(kind_id[1], note_guid) for kind_id, notes in state.memo_notes.items() if kind_id[0] == "case"
             for note_guid in notes]  # fmt: skip
    if not links:
        return
    holder = _element(root, "Links", PROJECT_NS)
    for case_id, note_guid in links:
        # derived from the note's GUID, which an import keeps: the link comes back the same too
        _element(holder, "Link", PROJECT_NS, guid=guid("memo-link", guid_key(note_guid)), name="memo",
                 direction="OneWay", originGUID=note_guid, targetGUID=guid("case", case_id))  # fmt: skip


def _variables_and_cases(state: _Export, root: ET.Element, ratings) -> None:
    ns = PROJECT_NS
    project = state.project
    guid = project.exchange.guid
    attributes = project.documents.attributes()
    cases = project.documents.cases()
    documents = project.documents.documents()
    nameless = set(project.exchange.fact("nameless_cases") or [])
    invented = set(project.exchange.fact("invented_cases") or [])
    # a case an import made for a source in none is left out again, unless it has gained values or memos since
    written = [c for c in cases if c.id not in invented or c.attributes or ("case", c.id) in state.memo_notes]
    linked = [d for d in documents if d.case_id in {c.id for c in written} - nameless]
    steps = {s.id: s for s in project.codebook.scale()}
    scale = ", ".join(f"{s.value} {s.label}" + (f" {s.label_en}" if s.label_en else "") for s in steps.values())
    rated = sorted({_rating_variable(r) for r in ratings})
    if attributes or linked or rated:
        variables = _element(root, "Variables", ns)
        for attribute, kind in attributes:
            _element(variables, "Variable", ns, guid=guid("variable", attribute), name=attribute,
                     typeOfVariable=VARIABLE_TYPES[kind])  # fmt: skip
        if linked:
            _element(variables, "Variable", ns, guid=guid("qualcode-variable", LINK_VARIABLE), name=LINK_VARIABLE,
                     typeOfVariable="Text")  # fmt: skip
        for name in rated:
            variable = _element(variables, "Variable", ns, guid=guid("variable", name), name=name,
                                typeOfVariable="Integer")  # fmt: skip
            _text_element(variable, "Description", ns, f"qualcode rating: {scale}")
    if not written and not linked:
        return
    holder = _element(root, "Cases", ns)
    by_case: dict[str, dict[str, int]] = {}
    for rating in ratings:
        if rating.step_id in steps:
            by_case.setdefault(rating.case_id, {})[_rating_variable(rating)] = steps[rating.step_id].value
    for case in written:
        element = _element(holder, "Case", ns, guid=guid("case", case.id),
                           name=None if case.id in nameless else case.name or case.id)  # fmt: skip
        said = state.memo_texts.get(("case", case.id), [])
        if said:
            _text_element(element, "Description", ns, "\n\n".join(said))
        for attribute, kind in attributes:
            value = case.attributes.get(attribute)
            if value is None or value == "":
                continue
            holder_value = _element(element, "VariableValue", ns)
            _element(holder_value, "VariableRef", ns, targetGUID=guid("variable", attribute))
            text = ("true" if value else "false") if kind == "boolean" else str(value)
            _text_element(holder_value, VALUE_TAGS[kind], ns, text)
        for name, value in sorted(by_case.get(case.id, {}).items()):
            holder_value = _element(element, "VariableValue", ns)
            _element(holder_value, "VariableRef", ns, targetGUID=guid("variable", name))
            _text_element(holder_value, "IntegerValue", ns, str(value))
        for document in documents:
            if document.case_id == case.id:
                _element(element, "SourceRef", ns, targetGUID=guid("document", str(document.id)))
    labels = {c.id: c.id if c.name in ("", c.id) else f"{c.id} {c.name}" for c in cases}
    for document in linked:  # QualCoder reads the sources of nameless cases only
        source_guid = guid("document", str(document.id))
        element = _element(holder, "Case", ns, guid=guid("case-link", guid_key(source_guid)))
        holder_value = _element(element, "VariableValue", ns)
        _element(holder_value, "VariableRef", ns, targetGUID=guid("qualcode-variable", LINK_VARIABLE))
        _text_element(holder_value, "TextValue", ns, labels[document.case_id])
        _element(element, "SourceRef", ns, targetGUID=source_guid)


def _source(state: _Export, sources: ET.Element, document, codings: list[Coding]) -> None:
    """One TextSource with its text file and a PlainTextSelection per coding (an annotation: one with its text and
    no coding)."""
    ns = PROJECT_NS
    project, pseudonyms = state.project, state.pseudonyms
    guid = project.exchange.guid
    source_guid = guid("document", str(document.id))
    text, mapped = pseudonyms.apply_with_map(project.documents.text(document.id))
    filename = f"{source_guid}.txt"
    state.files[f"sources/{filename}"] = text.encode("utf-8")
    element = _element(
        sources,
        "TextSource",
        ns,
        guid=source_guid,
        name=document.title,
        plainTextPath=f"internal://{filename}",
        creationDateTime=document.imported_at,
    )
    said = state.memo_texts.get(("document", str(document.id)), [])
    if said:
        _text_element(element, "Description", ns, "\n\n".join(said))
    # order by GUID, not local id: a re-imported project has other ids but the same GUIDs
    for coding in sorted(codings, key=lambda c: (c.start, c.end, guid("selection", c.id))):
        user = state.user_guid[coding.coder]
        selection = _element(
            element,
            "PlainTextSelection",
            ns,
            guid=guid("selection", coding.id),
            name=_selection_name(coding.text),
            startPosition=str(mapped(coding.start)),
            endPosition=str(mapped(coding.end)),
            creatingUser=user,
            creationDateTime=coding.created_at,
        )
        if coding.memo:
            _text_element(selection, "Description", ns, coding.memo)
        if coding.code_id != state.annotation:
            coded = _element(
                selection,
                "Coding",
                ns,
                guid=guid("coding", coding.id),
                creatingUser=user,
                creationDateTime=coding.created_at,
            )
            _element(coded, "CodeRef", ns, targetGUID=guid("code", coding.code_id))
        if coding.memo:
            note_guid = guid("note", coding.id)
            state.notes.append((note_guid, coding.memo, user, coding.created_at, ""))
            _element(selection, "NoteRef", ns, targetGUID=note_guid)
    for note_guid in state.memo_notes.get(("document", str(document.id)), []):
        _element(element, "NoteRef", ns, targetGUID=note_guid)


def _write_member(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))  # fixed: the same project gives the same file
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def _selection_name(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= 40 else flat[:39] + "…"
