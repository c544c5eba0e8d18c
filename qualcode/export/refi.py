"""REFI-QDA 1.5 exchange: write .qdpx projects and .qdc codebooks, and read them back hardened.

Selections are Unicode code points, start inclusive and end exclusive, as qualcode stores them.
GUIDs are stable: a thing keeps the GUID it was imported with, else one derived from its identity.
"""

from __future__ import annotations

import hashlib
import io
import json
import posixpath
import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

from qualcode.coding import log_event
from qualcode.errors import BadInput, Conflict
from qualcode.export.pseudonyms import Pseudonyms
from qualcode.ingest.transcript import parse
from qualcode.timeutil import now

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
NAMESPACE = uuid.UUID("6f1d6a55-6d0a-4c2e-9a55-716c61636f64")  # qualcode's own
VARIABLE_TYPES = {"text": "Text", "integer": "Integer", "number": "Float", "boolean": "Boolean", "date": "Date"}
MAX_MEMBERS = 10_000
MAX_TOTAL = 1 << 30  # uncompressed bytes
MAX_RATIO = 200  # uncompressed / compressed, per member


def _guid(project, kind: str, local_id: str) -> str:
    row = project.conn.execute("SELECT guid FROM exchange_guids WHERE kind = ? AND local_id = ?", (kind, local_id)).fetchone()
    return row[0] if row else str(uuid.uuid5(NAMESPACE, f"{kind}:{local_id}"))


def _element(parent: ET.Element | None, tag: str, ns: str, **attributes: str) -> ET.Element:
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


def _codes_tree(project, parent: ET.Element, ns: str, coded: set[str], with_notes: bool = False) -> None:
    codes = project.codes()
    children: dict[str | None, list] = {}
    for code in codes:
        children.setdefault(code.parent_id, []).append(code)

    def add(holder: ET.Element, code) -> None:
        has_children = bool(children.get(code.id))
        element = _element(holder, "Code", ns, guid=_guid(project, "code", code.id), name=code.name,
                           isCodable="false" if has_children and code.id not in coded else "true",
                           color=code.color or None)
        if code.description:
            _text_element(element, "Description", ns, code.description)
        for child in children.get(code.id, []):
            add(element, child)

    for code in children.get(None, []):
        add(parent, code)


def export_qdc(project) -> bytes:
    root = _element(None, "CodeBook", CODEBOOK_NS, origin="qualcode")
    codes = _element(root, "Codes", CODEBOOK_NS)
    coded = {r[0] for r in project.conn.execute("SELECT DISTINCT code_id FROM codings")}
    _codes_tree(project, codes, CODEBOOK_NS, coded)
    return _serialise(root, CODEBOOK_NS)


def export_qdpx(project, pseudonyms: Pseudonyms = Pseudonyms()) -> bytes:
    ns = PROJECT_NS
    stored = project.conn.execute("SELECT value FROM project WHERE key = 'name'").fetchone()
    name = stored[0] if stored else (project.codebook().name or project.path.stem)
    root = _element(None, "Project", ns, name=name, origin="qualcode")
    codings = project.codings()
    coders = sorted({c.coder for c in codings})
    user_guid = {coder: _guid(project, "user", coder) for coder in coders}
    if coders:
        users = _element(root, "Users", ns)
        for coder in coders:
            _element(users, "User", ns, guid=user_guid[coder], name=coder)
    if project.codes():
        book = _element(root, "CodeBook", ns)
        _codes_tree(project, _element(book, "Codes", ns), ns, {c.code_id for c in codings})
    attributes = project.attributes()
    if attributes:
        variables = _element(root, "Variables", ns)
        for attribute, kind in attributes:
            _element(variables, "Variable", ns, guid=_guid(project, "variable", attribute), name=attribute,
                     typeOfVariable=VARIABLE_TYPES[kind])
    documents = project.documents()
    cases = project.cases()
    if cases:
        holder = _element(root, "Cases", ns)
        for case in cases:
            element = _element(holder, "Case", ns, guid=_guid(project, "case", case.id),
                               name=f"{case.id} {case.name}" if case.name and case.name != case.id else case.id)
            for attribute, kind in attributes:
                value = case.attributes.get(attribute)
                if value is None or value == "":
                    continue
                holder_value = _element(element, "VariableValue", ns)
                _element(holder_value, "VariableRef", ns, targetGUID=_guid(project, "variable", attribute))
                tag = {"text": "TextValue", "integer": "IntegerValue", "number": "FloatValue",
                       "boolean": "BooleanValue", "date": "DateValue"}[kind]
                text = ("true" if value else "false") if kind == "boolean" else str(value)
                _text_element(holder_value, tag, ns, text)
            for document in documents:
                if document.case_id == case.id:
                    _element(element, "SourceRef", ns, targetGUID=_guid(project, "document", str(document.id)))
    files: dict[str, bytes] = {}
    notes: list[tuple[str, str, str, str]] = []  # guid, text, author guid, created
    by_document: dict[int, list] = {}
    for coding in codings:
        by_document.setdefault(coding.document_id, []).append(coding)
    if documents:
        sources = _element(root, "Sources", ns)
        for document in documents:
            guid = _guid(project, "document", str(document.id))
            text, mapped = pseudonyms.apply_with_map(project.text(document.id))
            filename = f"{guid}.txt"
            files[f"sources/{filename}"] = text.encode("utf-8")
            element = _element(sources, "TextSource", ns, guid=guid, name=document.title,
                               plainTextPath=f"internal://{filename}", creationDateTime=document.imported_at)
            # order by GUID, not local id: a re-imported project has other ids but the same GUIDs
            for coding in sorted(by_document.get(document.id, []),
                                 key=lambda c: (c.start, c.end, _guid(project, "selection", c.id))):
                selection = _element(element, "PlainTextSelection", ns, guid=_guid(project, "selection", coding.id),
                                     name=_selection_name(pseudonyms.apply(coding.text)),
                                     startPosition=str(mapped(coding.start)), endPosition=str(mapped(coding.end)),
                                     creatingUser=user_guid[coding.coder], creationDateTime=coding.created_at)
                coded = _element(selection, "Coding", ns, guid=_guid(project, "coding", coding.id),
                                 creatingUser=user_guid[coding.coder], creationDateTime=coding.created_at)
                _element(coded, "CodeRef", ns, targetGUID=_guid(project, "code", coding.code_id))
                if coding.memo:
                    note_guid = _guid(project, "note", coding.id)
                    notes.append((note_guid, pseudonyms.apply(coding.memo), user_guid[coding.coder], coding.created_at))
                    _element(selection, "NoteRef", ns, targetGUID=note_guid)
    if notes:
        holder = _element(root, "Notes", ns)
        for guid, text, author, created in notes:
            note = _element(holder, "Note", ns, guid=guid, name=_selection_name(text), creatingUser=author,
                            creationDateTime=created)
            _text_element(note, "PlainTextContent", ns, text)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        _write_member(archive, "project.qde", _serialise(root, ns))
        for path in sorted(files):
            _write_member(archive, path, files[path])
    return buffer.getvalue()


def _write_member(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))  # fixed: the same project gives the same file
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def _selection_name(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= 40 else flat[:39] + "…"


# -- import ----------------------------------------------------------------------------------------


@dataclass
class _Code:
    guid: str
    name: str
    color: str
    description: str
    parent: str | None


@dataclass
class _Selection:
    guid: str
    start: int
    end: int
    codings: list[tuple[str, str, str, str]]  # coding guid, code guid, user guid, created
    notes: list[str]


@dataclass
class _Source:
    guid: str
    name: str
    text: str
    selections: list[_Selection] = field(default_factory=list)
    created: str = ""


@dataclass
class Parsed:
    name: str
    users: dict[str, str]
    codes: list[_Code]
    variables: dict[str, tuple[str, str]]  # guid -> (name, type)
    cases: list[tuple[str, str, dict[str, object], list[str]]]  # guid, name, values by variable name, source guids
    sources: list[_Source]
    notes: dict[str, str]


def _safe_members(archive: zipfile.ZipFile, path: str) -> dict[str, zipfile.ZipInfo]:
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise BadInput(f"{path}: {len(members)} files in the archive; refusing more than {MAX_MEMBERS}")
    total = 0
    out = {}
    for info in members:
        name = info.filename
        normal = posixpath.normpath(name.replace("\\", "/"))
        if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or normal.startswith("..") or "/../" in f"/{normal}/":
            raise BadInput(f"{path}: archive member {name!r} points outside the archive (zip-slip); refused")
        total += info.file_size
        if total > MAX_TOTAL:
            raise BadInput(f"{path}: archive expands past {MAX_TOTAL >> 20} MiB; refused as a possible zip bomb")
        if info.compress_size and info.file_size / info.compress_size > MAX_RATIO and info.file_size > 1 << 20:
            raise BadInput(f"{path}: archive member {name!r} is compressed {info.file_size // info.compress_size}:1; refused as a possible zip bomb")
        out[normal] = info
    return out


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: str) -> bytes:
    with archive.open(info) as handle:
        data = handle.read(info.file_size + 1)
    if len(data) > info.file_size:
        raise BadInput(f"{path}: archive member {info.filename!r} is larger than it declares; refused")
    return data


def _parse_xml(data: bytes, path: str) -> ET.Element:
    import defusedxml.ElementTree as SafeET
    from defusedxml import DefusedXmlException

    try:
        return SafeET.fromstring(data)
    except DefusedXmlException as exc:
        raise BadInput(f"{path}: refused an XML construct that can be abused ({exc.__class__.__name__})") from None
    except ET.ParseError as exc:
        raise BadInput(f"{path}: not well-formed XML ({exc})") from None


def _decode_source(data: bytes) -> tuple[str, list[int]]:
    """Text of a source file as qualcode stores it (NFC, LF), and for each original code point its new offset."""
    text = data.decode("utf-8-sig")
    mapping, pieces, j, i = [], [], 0, 0
    while i < len(text):
        if text[i] == "\r":
            mapping.append(j)
            if i + 1 < len(text) and text[i + 1] == "\n":
                mapping.append(j)
                i += 1
            pieces.append("\n")
            j += 1
        else:
            mapping.append(j)
            pieces.append(text[i])
            j += 1
        i += 1
    mapping.append(j)
    joined = "".join(pieces)
    if not unicodedata.is_normalized("NFC", joined):
        raise BadInput("a source text is not in Unicode NFC form; normalising it would move the selections")
    return joined, mapping


def parse_qdpx(path) -> Parsed:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BadInput(f"{path}: not a .qdpx (zip) file ({exc})") from None
    with archive:
        members = _safe_members(archive, str(path))
        qde = [n for n in members if "/" not in n and n.lower().endswith(".qde")]
        if len(qde) != 1:
            raise BadInput(f"{path}: expected one .qde file at the top of the archive, found {len(qde)}")
        root = _parse_xml(_read(archive, members[qde[0]], str(path)), f"{path}:{qde[0]}")
        lowered = {name.lower(): info for name, info in members.items()}

        def source_text(reference: str) -> tuple[str, list[int]]:
            name = reference.split("://", 1)[1] if "://" in reference else reference
            info = lowered.get(f"sources/{name}".lower())
            if info is None:
                raise BadInput(f"{path}: source file {reference!r} is missing from the archive")
            try:
                return _decode_source(_read(archive, info, str(path)))
            except UnicodeDecodeError:
                raise BadInput(f"{path}: source file {reference!r} is not UTF-8") from None

        return _parse_project(root, str(path), source_text)


def _tag(element: ET.Element) -> str:
    return element.tag.split("}", 1)[-1]


def _children(element: ET.Element, tag: str) -> list[ET.Element]:
    return [child for child in element if _tag(child) == tag]


def _child(element: ET.Element, tag: str) -> ET.Element | None:
    found = _children(element, tag)
    return found[0] if found else None


def _norm_guid(guid: str | None, path: str) -> str:
    if not guid:
        raise BadInput(f"{path}: an element has no guid")
    return guid.strip("{}").lower()


def _codes(element: ET.Element | None, path: str, parent: str | None = None) -> list[_Code]:
    out = []
    for code in _children(element, "Code") if element is not None else []:
        guid = _norm_guid(code.get("guid"), path)
        description = _child(code, "Description")
        out.append(_Code(guid, code.get("name") or guid, code.get("color") or "",
                         (description.text or "") if description is not None else "", parent))
        out.extend(_codes(code, path, guid))
    return out


def _parse_project(root: ET.Element, path: str, source_text) -> Parsed:
    if _tag(root) != "Project":
        raise BadInput(f"{path}: the root element is {_tag(root)!r}, not a REFI-QDA Project")
    users = {}
    for user in _children(_child(root, "Users") or ET.Element("x"), "User"):
        users[_norm_guid(user.get("guid"), path)] = user.get("name") or user.get("id") or "imported"
    book = _child(root, "CodeBook")
    codes = _codes(_child(book, "Codes"), path) if book is not None else []
    variables = {}
    for variable in _children(_child(root, "Variables") or ET.Element("x"), "Variable"):
        variables[_norm_guid(variable.get("guid"), path)] = (variable.get("name") or "variable", variable.get("typeOfVariable") or "Text")
    cases = []
    for case in _children(_child(root, "Cases") or ET.Element("x"), "Case"):
        values = {}
        for value in _children(case, "VariableValue"):
            ref = _child(value, "VariableRef")
            target = _norm_guid(ref.get("targetGUID") if ref is not None else None, path)
            if target not in variables:
                raise BadInput(f"{path}: a case value refers to unknown variable {target}")
            holder = next((v for v in value if _tag(v) != "VariableRef"), None)
            values[variables[target][0]] = (holder.text or "") if holder is not None else ""
        sources = [_norm_guid(ref.get("targetGUID"), path) for ref in _children(case, "SourceRef")]
        cases.append((_norm_guid(case.get("guid"), path), case.get("name") or "case", values, sources))
    notes = {}
    for note in _children(_child(root, "Notes") or ET.Element("x"), "Note"):
        content = _child(note, "PlainTextContent")
        notes[_norm_guid(note.get("guid"), path)] = (content.text or "") if content is not None else ""
    code_guids = {c.guid for c in codes}
    parsed_sources = []
    for source in _children(_child(root, "Sources") or ET.Element("x"), "TextSource"):
        guid = _norm_guid(source.get("guid"), path)
        inline = _child(source, "PlainTextContent")
        if source.get("plainTextPath"):
            text, mapping = source_text(source.get("plainTextPath"))
        elif inline is not None:
            text, mapping = _decode_source((inline.text or "").encode("utf-8"))
        else:
            raise BadInput(f"{path}: text source {source.get('name') or guid} has neither plainTextPath nor content")
        item = _Source(guid, source.get("name") or guid, text, created=source.get("creationDateTime") or "")
        for selection in _children(source, "PlainTextSelection"):
            try:
                start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            except (TypeError, ValueError):
                raise BadInput(f"{path}: selection {selection.get('guid')} has no valid positions") from None
            if not 0 <= start < end <= len(mapping) - 1:
                raise BadInput(f"{path}: selection {selection.get('guid')} ({start}-{end}) is outside source "
                               f"{item.name!r}, which has {len(mapping) - 1} characters")
            codings = []
            for coding in _children(selection, "Coding"):
                ref = _child(coding, "CodeRef")
                code_guid = _norm_guid(ref.get("targetGUID") if ref is not None else None, path)
                if code_guid not in code_guids:
                    raise BadInput(f"{path}: a coding in source {item.name!r} refers to unknown code {code_guid}")
                user = coding.get("creatingUser") or selection.get("creatingUser")
                codings.append((_norm_guid(coding.get("guid"), path), code_guid, (user or "").strip("{}").lower(),
                                coding.get("creationDateTime") or selection.get("creationDateTime") or ""))
            note_refs = [_norm_guid(n.get("targetGUID"), path) for n in _children(selection, "NoteRef")]
            item.selections.append(_Selection(_norm_guid(selection.get("guid"), path), mapping[start], mapping[end], codings, note_refs))
        parsed_sources.append(item)
    return Parsed(root.get("name") or "", users, codes, variables, cases, parsed_sources, notes)


def parse_qdc(path) -> list[_Code]:
    root = _parse_xml(Path(path).read_bytes(), str(path))
    if _tag(root) != "CodeBook":
        raise BadInput(f"{path}: the root element is {_tag(root)!r}, not a REFI-QDA CodeBook")
    return _codes(_child(root, "Codes"), str(path))


def _slug(name: str, guid: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_.-]+", "-", name.strip()).strip("-").lower() if name.isascii() else ""
    base = base or f"c-{guid[:8]}"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


def _remember(conn, kind: str, local_id: str, guid: str) -> None:
    conn.execute("INSERT OR REPLACE INTO exchange_guids (kind, local_id, guid) VALUES (?, ?, ?)", (kind, local_id, guid))


def _known_guid(conn, kind: str, guid: str) -> str | None:
    row = conn.execute("SELECT local_id FROM exchange_guids WHERE kind = ? AND lower(guid) = ?", (kind, guid)).fetchone()
    return row[0] if row else None


def _import_codes(project, conn, codes: list[_Code]) -> dict[str, str]:
    """Code GUID -> local code id: codes matched by GUID, else by name under the same parent, else created."""
    existing = project.codes()
    taken = {c.id for c in existing}
    by_name = {(c.parent_id, c.name): c.id for c in existing}
    local: dict[str, str] = {}
    position = conn.execute("SELECT coalesce(max(position), -1) + 1 FROM codes").fetchone()[0]
    for code in codes:
        parent = local.get(code.parent) if code.parent else None
        known = _known_guid(conn, "code", code.guid) or by_name.get((parent, code.name))
        if known is not None and known in taken:
            local[code.guid] = known
        else:
            code_id = _slug(code.name, code.guid, taken)
            color = code.color if re.match(r"^#[0-9A-Fa-f]{6}$", code.color) else ""
            conn.execute("INSERT INTO codes (id, parent_id, name, description, color, position) VALUES (?, ?, ?, ?, ?, ?)",
                         (code_id, parent, code.name, code.description, color, position))
            position += 1
            local[code.guid] = code_id
        _remember(conn, "code", local[code.guid], code.guid)
    return local


def import_file(project, path, *, coder: str = "") -> dict[str, int]:
    """Import a .qdpx project or a .qdc codebook into the project, all of it or nothing."""
    path = Path(path)
    if not path.exists():
        raise BadInput(f"{path}: no such file")
    if path.suffix.lower() == ".qdc":
        codes = parse_qdc(path)
        with project.store.transaction() as conn:
            _import_codes(project, conn, codes)
            log_event(project.store, coder or "system", "import-qdc", str(path), {"codes": len(codes)})
        return {"codes": len(codes), "documents": 0, "codings": 0}
    parsed = parse_qdpx(path)
    case_of_source: dict[str, tuple[str, str, str]] = {}
    for guid, name, _, sources in parsed.cases:
        match = re.match(r"^(\S{1,16}) (.+)$", name)
        case_id, case_name = (match.group(1), match.group(2)) if match else (name, name)
        for source in sources:
            case_of_source[source] = (guid, case_id, case_name)
    counts = {"codes": len(parsed.codes), "documents": 0, "codings": 0}
    with project.store.transaction() as conn:
        for source in parsed.sources:
            if _known_guid(conn, "document", source.guid) is not None:
                raise Conflict(f"{path}: source {source.name!r} was already imported into this project")
        code_ids = _import_codes(project, conn, parsed.codes)
        if parsed.name and not conn.execute("SELECT 1 FROM project WHERE key = 'name'").fetchone():
            conn.execute("INSERT INTO project (key, value) VALUES ('name', ?)", (parsed.name,))
        types = {"Text": "text", "Integer": "integer", "Float": "number", "Boolean": "boolean", "Date": "date", "DateTime": "text"}
        for guid, (name, kind) in parsed.variables.items():
            conn.execute("INSERT INTO attributes (name, type, position) VALUES (?, ?, (SELECT coalesce(max(position), 0) + 1 FROM attributes)) "
                         "ON CONFLICT(name) DO NOTHING", (name, types.get(kind, "text")))
            _remember(conn, "variable", name, guid)
        for guid, name, values, _ in parsed.cases:
            match = re.match(r"^(\S{1,16}) (.+)$", name)
            case_id, case_name = (match.group(1), match.group(2)) if match else (name, name)
            project._ensure_case(case_id, case_name)
            conn.execute("UPDATE cases SET name = ? WHERE id = ?", (case_name, case_id))
            _remember(conn, "case", case_id, guid)
            kinds = dict(project.attributes())
            for attribute, raw in values.items():
                conn.execute("INSERT OR REPLACE INTO case_values (case_id, attribute, value) VALUES (?, ?, ?)",
                             (case_id, attribute, _typed(raw, kinds.get(attribute, "text"))))
        new_documents = []
        for source in parsed.sources:
            _, case_id, case_name = case_of_source.get(source.guid, ("", source.name, ""))
            project._ensure_case(case_id, case_name)
            turns = parse(source.text).turns
            document_id = conn.execute(
                "INSERT INTO documents (case_id, title, source_path, sha256, encoding, text, metadata, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (case_id, source.name, f"{path.name}:{source.guid}", hashlib.sha256(source.text.encode("utf-8")).hexdigest(),
                 "utf-8", source.text, json.dumps({"refi_guid": source.guid}), source.created or now()),
            ).lastrowid
            conn.executemany('INSERT INTO turns (document_id, number, speaker, start, "end") VALUES (?, ?, ?, ?, ?)',
                             [(document_id, i, t.speaker, t.start, t.end) for i, t in enumerate(turns, 1)])
            _remember(conn, "document", str(document_id), source.guid)
            new_documents.append(document_id)
            for selection in source.selections:
                for coding_guid, code_guid, user_guid, created in selection.codings:
                    coder_name = parsed.users.get(user_guid, "imported")
                    coding_id = selection.guid if len(selection.codings) == 1 else coding_guid
                    memo = "\n".join(parsed.notes.get(n, "") for n in selection.notes).strip()
                    stamp = created or now()
                    conn.execute(
                        'INSERT OR IGNORE INTO codings (id, document_id, code_id, coder, start, "end", memo, created_at, updated_at) '
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (coding_id, document_id, code_ids[code_guid], coder_name, selection.start, selection.end, memo, stamp, stamp),
                    )
                    _remember(conn, "selection", coding_id, selection.guid)
                    _remember(conn, "coding", coding_id, coding_guid)
                    for note in selection.notes:
                        _remember(conn, "note", coding_id, note)
                    counts["codings"] += 1
            counts["documents"] += 1
        for user_guid, name in parsed.users.items():
            _remember(conn, "user", name, user_guid)
        project.index.add_documents(new_documents)
        log_event(project.store, coder or "system", "import-qdpx", str(path), counts)
    return counts


def _typed(raw: str, kind: str):
    try:
        if kind == "integer":
            return int(raw)
        if kind == "number":
            return float(raw)
        if kind == "boolean":
            return raw.strip().lower() in ("true", "1")
    except ValueError:
        return raw
    return raw
