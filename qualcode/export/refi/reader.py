"""Read REFI-QDA files hardened: member paths, sizes and ratios checked before reading, XML parsed with
defusedxml, every selection checked against its source text. The result is plain data (Parsed); the
importer (importer.py) writes it into a project.

Notes attached to the project, a source or a code (`<NoteRef>`), or to a case by a `<Link>` between the note
and the case (the schema gives a case no NoteRef; qualcode writes its case memos so), are memos
(`Parsed.memo_refs`); a note on a selection is that selection's codings' memo.
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
from qualcode.services.exchange import guid_key

# The schemas' GUIDType (a token, so surrounding whitespace is dropped): 8-4-4-4-12 hex digits, optionally in braces.
_HEX = "[0-9a-fA-F]"
GUID_RE = re.compile(rf"{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}")
# The attributes the schemas type as GUIDType: an element's own GUID, and references to other elements.
GUID_ATTRIBUTES = ("guid", "targetGUID", "creatingUser", "modifyingUser", "creatingUserGUID", "modifyingUserGUID")


# Every GUID below is spelled as the file spells it (a reference as its target's definition spells it), so
# the project keeps and exports it that way; qualcode compares GUIDs without case or braces (guid_key).


@dataclass
class ParsedCode:
    guid: str
    name: str
    color: str
    description: str
    parent: str | None
    notes: list[str] = field(default_factory=list)  # note GUIDs of its NoteRefs


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
    # (project | document | case | code, the target's GUID, the note's GUID): notes that are memos ("" for the project)
    memo_refs: list[tuple[str, str, str]] = field(default_factory=list)
    note_users: dict[str, str] = field(default_factory=dict)  # note GUID -> its creatingUser's GUID
    note_created: dict[str, str] = field(default_factory=dict)  # note GUID -> creationDateTime
    note_modified: dict[str, str] = field(default_factory=dict)  # note GUID -> modifiedDateTime


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


def _describe(element: ET.Element) -> str:
    name = element.get("name")
    return f"<{_tag(element)} name={name!r}>" if name else f"<{_tag(element)}>"


class _Guids:
    """The file's GUIDs: each checked against the schemas' pattern, defined once, references resolved."""

    def __init__(self, root: ET.Element, path: str):
        self.path = path
        self.defined: dict[str, tuple[str, ET.Element]] = {}  # guid_key -> (as spelled, the element)
        for element in root.iter():
            for attribute in GUID_ATTRIBUTES[1:]:
                if element.get(attribute) is not None:
                    self.check(element, attribute)
            if element.get("guid") is None:
                continue
            guid = self.check(element, "guid")
            key = guid_key(guid)
            if key in self.defined:
                first = self.defined[key][1]
                raise BadInput(
                    f"{path}: guid {guid!r} of {_describe(element)} is already the guid of {_describe(first)}; "
                    "a GUID must name one element"
                )
            self.defined[key] = (guid, element)

    def check(self, element: ET.Element, attribute: str) -> str:
        """The element's GUID attribute as spelled (without surrounding whitespace); refused unless a GUID."""
        value = element.get(attribute)
        if value is None or not value.strip():
            raise BadInput(f"{self.path}: {_describe(element)} has no {attribute}")
        guid = value.strip()
        if not (GUID_RE.fullmatch(guid) or (guid[:1] == "{" and guid[-1:] == "}" and GUID_RE.fullmatch(guid[1:-1]))):
            raise BadInput(
                f"{self.path}: {_describe(element)} has {attribute} {value!r}, which is not a GUID "
                "(8-4-4-4-12 hex digits, optionally in braces)"
            )
        return guid

    def own(self, element: ET.Element) -> str:
        return self.check(element, "guid")

    def ref(self, element: ET.Element | None, attribute: str, holder: ET.Element) -> str:
        """A reference, spelled as the element it names spells its GUID (as written if it names none)."""
        if element is None:
            raise BadInput(f"{self.path}: {_describe(holder)} has no reference element with {attribute}")
        guid = self.check(element, attribute)
        found = self.defined.get(guid_key(guid))
        return found[0] if found else guid

    def tag(self, guid: str) -> str | None:
        """The tag of the element a GUID names, if the file defines it."""
        found = self.defined.get(guid_key(guid))
        return _tag(found[1]) if found else None

    def spelled(self, guid: str) -> str:
        """A GUID as the element it names spells it (as given if the file defines none)."""
        found = self.defined.get(guid_key(guid))
        return found[0] if found else guid.strip()


def _codes(element: ET.Element | None, guids: _Guids, parent: str | None = None) -> list[ParsedCode]:
    out = []
    for code in _children(element, "Code") if element is not None else []:
        guid = guids.own(code)
        description = _child(code, "Description")
        out.append(
            ParsedCode(
                guid,
                code.get("name") or guid,
                code.get("color") or "",
                (description.text or "") if description is not None else "",
                parent,
                [guids.ref(n, "targetGUID", code) for n in _children(code, "NoteRef")],
            )
        )
        out.extend(_codes(code, guids, guid))
    return out


def _parse_project(root: ET.Element, path: str, source_text: Callable[[str], tuple[str, list[int]]]) -> Parsed:
    if _tag(root) != "Project":
        raise BadInput(f"{path}: the root element is {_tag(root)!r}, not a REFI-QDA Project")
    guids = _Guids(root, path)
    users = {}
    for user in _children(_child(root, "Users") or ET.Element("x"), "User"):
        users[guids.own(user)] = user.get("name") or user.get("id") or "imported"
    book = _child(root, "CodeBook")
    codes = _codes(_child(book, "Codes"), guids) if book is not None else []
    variables = {}
    for variable in _children(_child(root, "Variables") or ET.Element("x"), "Variable"):
        variables[guids.own(variable)] = (variable.get("name") or "variable", variable.get("typeOfVariable") or "Text")
    cases = _parse_cases(root, guids, variables)
    notes = {}
    note_users, note_created, note_modified = {}, {}, {}
    for note in _children(_child(root, "Notes") or ET.Element("x"), "Note"):
        content = _child(note, "PlainTextContent")
        guid = guids.own(note)
        notes[guid] = (content.text or "") if content is not None else ""
        if note.get("creatingUser"):
            note_users[guid] = guids.ref(note, "creatingUser", note)
        note_created[guid] = note.get("creationDateTime") or ""
        note_modified[guid] = note.get("modifiedDateTime") or ""
    code_guids = {c.guid for c in codes}
    source_elements = _children(_child(root, "Sources") or ET.Element("x"), "TextSource")
    sources = [_parse_source(source, guids, source_text, code_guids) for source in source_elements]
    parsed = Parsed(root.get("name") or "", users, codes, variables, cases, sources, notes)
    parsed.note_users, parsed.note_created, parsed.note_modified = note_users, note_created, note_modified
    parsed.memo_refs = _memo_refs(root, guids, codes, source_elements, notes)
    return parsed


def _memo_refs(root: ET.Element, guids: _Guids, codes: list[ParsedCode], sources: list[ET.Element],
               notes: dict[str, str]) -> list[tuple[str, str, str]]:  # fmt: skip
    """The notes on the project, sources, codes and (through a Link) cases that the file defines."""
    refs = [("project", "", guids.ref(n, "targetGUID", root)) for n in _children(root, "NoteRef")]
    for source in sources:
        refs += [("document", guids.own(source), guids.ref(n, "targetGUID", source))
                 for n in _children(source, "NoteRef")]  # fmt: skip
    refs += [("code", code.guid, note) for code in codes for note in code.notes]
    for link in _children(_child(root, "Links") or ET.Element("x"), "Link"):
        if link.get("originGUID") is None or link.get("targetGUID") is None:
            continue
        ends = {guids.tag(end): guids.spelled(end) for end in (link.get("originGUID", ""), link.get("targetGUID", ""))}
        if set(ends) == {"Case", "Note"}:
            refs.append(("case", ends["Case"], ends["Note"]))
    return [ref for ref in refs if ref[2] in notes]


def _parse_cases(root: ET.Element, guids: _Guids, variables: dict[str, tuple[str, str]]) -> list:
    cases = []
    for case in _children(_child(root, "Cases") or ET.Element("x"), "Case"):
        values = {}
        for value in _children(case, "VariableValue"):
            target = guids.ref(_child(value, "VariableRef"), "targetGUID", value)
            if target not in variables:
                raise BadInput(f"{guids.path}: a case value refers to unknown variable {target}")
            holder = next((v for v in value if _tag(v) != "VariableRef"), None)
            values[variables[target][0]] = (holder.text or "") if holder is not None else ""
        sources = [guids.ref(ref, "targetGUID", case) for ref in _children(case, "SourceRef")]
        cases.append((guids.own(case), case.get("name") or "case", values, sources))
    return cases


def _parse_source(source: ET.Element, guids: _Guids, source_text, code_guids: set[str]) -> ParsedSource:
    path = guids.path
    guid = guids.own(source)
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
        item.selections.append(_parse_selection(selection, guids, item, mapping, code_guids))
    return item


def _parse_selection(
    selection: ET.Element, guids: _Guids, source: ParsedSource, mapping: list[int], code_guids: set[str]
) -> ParsedSelection:
    path = guids.path
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
        code_guid = guids.ref(_child(coding, "CodeRef"), "targetGUID", coding)
        if code_guid not in code_guids:
            raise BadInput(f"{path}: a coding in source {source.name!r} refers to unknown code {code_guid}")
        by = coding if coding.get("creatingUser") else selection
        user = guids.ref(by, "creatingUser", by) if by.get("creatingUser") else ""
        codings.append(
            (
                guids.own(coding),
                code_guid,
                user,
                coding.get("creationDateTime") or selection.get("creationDateTime") or "",
            )
        )
    note_refs = [guids.ref(n, "targetGUID", selection) for n in _children(selection, "NoteRef")]
    return ParsedSelection(guids.own(selection), mapping[start], mapping[end], codings, note_refs)


def parse_qdc(path: Path | str) -> list[ParsedCode]:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise BadInput(f"{path}: cannot read it: {exc.strerror or exc}") from None
    root = _parse_xml(data, str(path))
    if _tag(root) != "CodeBook":
        raise BadInput(f"{path}: the root element is {_tag(root)!r}, not a REFI-QDA CodeBook")
    return _codes(_child(root, "Codes"), _Guids(root, str(path)))
