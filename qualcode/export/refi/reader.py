"""Read REFI-QDA files hardened: member paths, sizes and ratios checked before reading, XML parsed with
defusedxml, every selection checked against its source text. The result is plain data (Parsed); the
importer (importer.py) writes it into a project.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

from qualcode.errors import BadInput
from qualcode.export.refi import MAX_MEMBERS, MAX_RATIO, MAX_TOTAL


@dataclass
class ParsedCode:
    guid: str
    name: str
    color: str
    description: str
    parent: str | None


@dataclass
class ParsedSelection:
    guid: str
    start: int
    end: int
    codings: list[tuple[str, str, str, str]]  # coding guid, code guid, user guid, created
    notes: list[str]


@dataclass
class ParsedSource:
    guid: str
    name: str
    text: str
    selections: list[ParsedSelection] = field(default_factory=list)
    created: str = ""


@dataclass
class Parsed:
    name: str
    users: dict[str, str]
    codes: list[ParsedCode]
    variables: dict[str, tuple[str, str]]  # guid -> (name, type)
    cases: list[tuple[str, str, dict[str, object], list[str]]]  # guid, name, values by variable name, source guids
    sources: list[ParsedSource]
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
        if (
            name.startswith(("/", "\\"))
            or re.match(r"^[A-Za-z]:", name)
            or normal.startswith("..")
            or "/../" in f"/{normal}/"
        ):
            raise BadInput(f"{path}: archive member {name!r} points outside the archive (zip-slip); refused")
        total += info.file_size
        if total > MAX_TOTAL:
            raise BadInput(f"{path}: archive expands past {MAX_TOTAL >> 20} MiB; refused as a possible zip bomb")
        if info.compress_size and info.file_size / info.compress_size > MAX_RATIO and info.file_size > 1 << 20:
            raise BadInput(
                f"{path}: archive member {name!r} is compressed {info.file_size // info.compress_size}:1; refused as a possible zip bomb"
            )
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


def _codes(element: ET.Element | None, path: str, parent: str | None = None) -> list[ParsedCode]:
    out = []
    for code in _children(element, "Code") if element is not None else []:
        guid = _norm_guid(code.get("guid"), path)
        description = _child(code, "Description")
        out.append(
            ParsedCode(
                guid,
                code.get("name") or guid,
                code.get("color") or "",
                (description.text or "") if description is not None else "",
                parent,
            )
        )
        out.extend(_codes(code, path, guid))
    return out


def _parse_project(root: ET.Element, path: str, source_text: Callable[[str], tuple[str, list[int]]]) -> Parsed:
    if _tag(root) != "Project":
        raise BadInput(f"{path}: the root element is {_tag(root)!r}, not a REFI-QDA Project")
    users = {}
    for user in _children(_child(root, "Users") or ET.Element("x"), "User"):
        users[_norm_guid(user.get("guid"), path)] = user.get("name") or user.get("id") or "imported"
    book = _child(root, "CodeBook")
    codes = _codes(_child(book, "Codes"), path) if book is not None else []
    variables = {}
    for variable in _children(_child(root, "Variables") or ET.Element("x"), "Variable"):
        variables[_norm_guid(variable.get("guid"), path)] = (
            variable.get("name") or "variable",
            variable.get("typeOfVariable") or "Text",
        )
    cases = _parse_cases(root, path, variables)
    notes = {}
    for note in _children(_child(root, "Notes") or ET.Element("x"), "Note"):
        content = _child(note, "PlainTextContent")
        notes[_norm_guid(note.get("guid"), path)] = (content.text or "") if content is not None else ""
    code_guids = {c.guid for c in codes}
    sources = [
        _parse_source(source, path, source_text, code_guids)
        for source in _children(_child(root, "Sources") or ET.Element("x"), "TextSource")
    ]
    return Parsed(root.get("name") or "", users, codes, variables, cases, sources, notes)


def _parse_cases(root: ET.Element, path: str, variables: dict[str, tuple[str, str]]) -> list:
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
    return cases


def _parse_source(source: ET.Element, path: str, source_text, code_guids: set[str]) -> ParsedSource:
    guid = _norm_guid(source.get("guid"), path)
    inline = _child(source, "PlainTextContent")
    reference = source.get("plainTextPath")
    if reference:
        text, mapping = source_text(reference)
    elif inline is not None:
        text, mapping = _decode_source((inline.text or "").encode("utf-8"))
    else:
        raise BadInput(f"{path}: text source {source.get('name') or guid} has neither plainTextPath nor content")
    item = ParsedSource(guid, source.get("name") or guid, text, created=source.get("creationDateTime") or "")
    for selection in _children(source, "PlainTextSelection"):
        item.selections.append(_parse_selection(selection, path, item, mapping, code_guids))
    return item


def _parse_selection(
    selection: ET.Element, path: str, source: ParsedSource, mapping: list[int], code_guids: set[str]
) -> ParsedSelection:
    try:
        start, end = int(selection.get("startPosition") or ""), int(selection.get("endPosition") or "")
    except ValueError:
        raise BadInput(f"{path}: selection {selection.get('guid')} has no valid positions") from None
    if not 0 <= start < end <= len(mapping) - 1:
        raise BadInput(
            f"{path}: selection {selection.get('guid')} ({start}-{end}) is outside source "
            f"{source.name!r}, which has {len(mapping) - 1} characters"
        )
    codings = []
    for coding in _children(selection, "Coding"):
        ref = _child(coding, "CodeRef")
        code_guid = _norm_guid(ref.get("targetGUID") if ref is not None else None, path)
        if code_guid not in code_guids:
            raise BadInput(f"{path}: a coding in source {source.name!r} refers to unknown code {code_guid}")
        user = coding.get("creatingUser") or selection.get("creatingUser")
        codings.append(
            (
                _norm_guid(coding.get("guid"), path),
                code_guid,
                (user or "").strip("{}").lower(),
                coding.get("creationDateTime") or selection.get("creationDateTime") or "",
            )
        )
    note_refs = [_norm_guid(n.get("targetGUID"), path) for n in _children(selection, "NoteRef")]
    return ParsedSelection(_norm_guid(selection.get("guid"), path), mapping[start], mapping[end], codings, note_refs)


def parse_qdc(path: Path | str) -> list[ParsedCode]:
    root = _parse_xml(Path(path).read_bytes(), str(path))
    if _tag(root) != "CodeBook":
        raise BadInput(f"{path}: the root element is {_tag(root)!r}, not a REFI-QDA CodeBook")
    return _codes(_child(root, "Codes"), str(path))
