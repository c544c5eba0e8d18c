"""Read REFI-QDA files hardened: member paths, sizes and ratios checked before reading, XML parsed with
defusedxml, every selection checked against its source text. The result is plain data (Parsed); the
importer (importer.py) writes it into a project.

Notes attached to the project, a source or a code (`<NoteRef>`), or to a case by a `<Link>` between the note
and the case (the schema gives a case no NoteRef; qualcode writes its case memos so), are memos
(`Parsed.memo_refs`); a note on a selection, and the selection's `<Description>`, are its codings' memo
(`ParsedSelection.memo`). A selection without a coding but with a text, and a note on a source that holds a
`<PlainTextSelection>` (QualCoder's annotations), are annotations. A note nothing refers to is a journal.
Whatever qualcode cannot take is counted by element name in `Parsed.skipped`.

Source texts become what qualcode stores (no BOM, LF, NFC); every selection's offsets, which the standard
counts in code points of the file as written, are remapped through those changes.
"""

from __future__ import annotations

import itertools
import json
import posixpath
import re
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

from qualcode.errors import BadInput
from qualcode.export.refi import LINK_VARIABLE, MAX_MEMBERS, MAX_RATIO, MAX_TOTAL, QUALCODE_DATA, QUALCODE_FORMAT
from qualcode.services.exchange import guid_key

# How qualcode wrote a case's name before its exports carried case ids ("A 臺北市"): read so from such files only.
OLD_CASE_NAME = re.compile(r"^(\S{1,16}) (.+)$")
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
    codable: bool = True


@dataclass
class ParsedSelection:
    guid: str
    start: int
    end: int
    codings: list[tuple[str, str, str, str]]  # coding guid, code guid, user guid, created
    notes: list[str]  # its notes' GUIDs
    memo: str = ""  # its Description and the texts of its notes (a text written both ways once)
    user: str = ""  # the creatingUser's GUID
    created: str = ""


@dataclass
class ParsedSource:
    guid: str
    name: str
    text: str
    selections: list[ParsedSelection] = field(default_factory=list)
    created: str = ""
    description: str = ""
    annotations: list[ParsedSelection] = field(default_factory=list)  # selections with a text and no coding
    user: str = ""


@dataclass
class ParsedCase:
    guid: str
    case_id: str  # the name as written, or the qualcode id qualcode's data gives, or its source's name
    name: str
    named: bool  # False: the file gives the case no name (MAXQDA, Quirkos: a source's variables)
    description: str = ""


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
    origin: str = ""
    description: str = ""  # the project's <Description>
    creator: str = ""  # the project's creatingUserGUID
    codable: dict[str, bool] = field(default_factory=dict)  # code GUID -> isCodable as written
    case_info: dict[str, ParsedCase] = field(default_factory=dict)  # case GUID -> id, name, description
    journals: list[str] = field(default_factory=list)  # GUIDs of notes nothing refers to
    qualcode: dict = field(default_factory=dict)  # qualcode's own data (writer.py), when the file carries it
    skipped: dict[str, int] = field(default_factory=dict)  # element name -> how many were not taken
    normalised: int = 0  # characters of the source texts that NFC changed
    variable_values: dict[str, dict[str, object]] = field(default_factory=dict)  # case GUID -> variable GUID -> value

    def skip(self, what: str, count: int = 1) -> None:
        if count:
            self.skipped[what] = self.skipped.get(what, 0) + count


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


def _nfc(text: str) -> tuple[str, list[int], int]:
    """NFC of a text, each original code point's offset in it (and the end's), and how many characters changed.

    The text is cut before every starter (a character of combining class 0), and a piece joins the next while
    normalising them apart differs from normalising them together; an offset inside a piece that changed maps
    to its place in the new piece, at most its end.
    """
    if unicodedata.is_normalized("NFC", text):
        return text, list(range(len(text) + 1)), 0
    starts = [i for i, ch in enumerate(text) if i == 0 or unicodedata.combining(ch) == 0] + [len(text)]
    pieces: list[tuple[int, int]] = []
    for begin, end in itertools.pairwise(starts):
        if pieces:
            last_begin, last_end = pieces[-1]
            before, piece = text[last_begin:last_end], text[begin:end]
            together = unicodedata.normalize("NFC", before + piece)
            if together != unicodedata.normalize("NFC", before) + unicodedata.normalize("NFC", piece):
                pieces[-1] = (last_begin, end)
                continue
        pieces.append((begin, end))
    out: list[str] = []
    mapping: list[int] = []
    changed = 0
    j = 0
    for begin, end in pieces:
        old = text[begin:end]
        new = unicodedata.normalize("NFC", old)
        if new != old:
            changed += len(old)
        mapping.extend(j + min(k, len(new)) for k in range(len(old)))
        out.append(new)
        j += len(new)
    mapping.append(j)
    return "".join(out), mapping, changed


def _decode_source(data: bytes) -> tuple[str, list[int], int]:
    """Text of a source file as qualcode stores it (no BOM, LF, NFC), for each code point of the file as written
    (after a BOM) its new offset, and how many characters NFC changed."""
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
    normal, remap, changed = _nfc("".join(pieces))
    return normal, [remap[k] for k in mapping], changed


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

        def source_text(reference: str, what: str) -> tuple[str, list[int], int]:
            scheme, _, name = reference.strip().partition("://")
            if not _ or scheme.lower() != "internal":
                if _ and scheme.lower() in ("relative", "absolute"):
                    raise BadInput(
                        f"{path}: {what} refers to {reference!r}, a file outside the archive; refused for safety "
                        "(only internal:// files in the archive's sources folder are read)"
                    )
                name = reference.strip()
            name = name.lstrip("/")
            if "/" in name or "\\" in name or name in ("", ".", ".."):
                raise BadInput(f"{path}: {what} refers to {reference!r}, which is not a file in the sources folder")
            info = lowered.get(f"sources/{name}".lower())
            if info is None:
                raise BadInput(f"{path}: source file {reference!r} of {what} is missing from the archive")
            try:
                return _decode_source(_read(archive, info, str(path)))
            except UnicodeDecodeError:
                raise BadInput(f"{path}: source file {reference!r} of {what} is not UTF-8") from None

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
                (code.get("isCodable") or "true").strip().lower() not in ("false", "0"),
            )
        )
        out.extend(_codes(code, guids, guid))
    return out


def _text_of(element: ET.Element | None) -> str:
    return (element.text or "") if element is not None else ""


def _joined(texts: list[str]) -> str:
    """Texts joined by a line break, each once (a memo written both as a Description and as a note)."""
    out: list[str] = []
    for text in texts:
        text = text.strip()
        if text and text not in out:
            out.append(text)
    return "\n".join(out)


def _parse_project(
    root: ET.Element, path: str, source_text: Callable[[str, str], tuple[str, list[int], int]]
) -> Parsed:
    if _tag(root) != "Project":
        raise BadInput(f"{path}: the root element is {_tag(root)!r}, not a REFI-QDA Project")
    guids = _Guids(root, path)
    empty = ET.Element("x")
    users = {}
    for user in _children(_child(root, "Users") or empty, "User"):
        users[guids.own(user)] = user.get("name") or user.get("id") or "imported"
    book = _child(root, "CodeBook")
    codes = _codes(_child(book, "Codes"), guids) if book is not None else []
    notes: dict[str, str] = {}
    note_users, note_created, note_modified = {}, {}, {}
    note_spans: dict[str, list[tuple[str, int, int]]] = {}  # a note's own selections (QualCoder's annotations)
    note_names: dict[str, str] = {}
    qualcode: dict = {}
    for note in _children(_child(root, "Notes") or empty, "Note"):
        guid = guids.own(note)
        content = _child(note, "PlainTextContent")
        if content is not None:
            text = content.text or ""
        elif note.get("plainTextPath"):
            text = source_text(note.get("plainTextPath") or "", f"note {note.get('name') or guid!r}")[0]
        else:
            text = _text_of(_child(note, "Description"))
        if note.get("name") == QUALCODE_DATA:
            try:
                loaded = json.loads(text)
            except ValueError:
                loaded = None
            if isinstance(loaded, dict) and loaded.get("format") == QUALCODE_FORMAT:
                qualcode = loaded
                continue
        notes[guid] = text
        note_names[guid] = note.get("name") or ""
        by = next((a for a in ("creatingUser", "modifyingUser") if note.get(a)), "")
        if by:
            note_users[guid] = guids.ref(note, by, note)
        note_created[guid] = note.get("creationDateTime") or note.get("modifiedDateTime") or ""
        note_modified[guid] = note.get("modifiedDateTime") or ""
        for selection in _children(note, "PlainTextSelection"):
            try:
                start, end = int(selection.get("startPosition") or ""), int(selection.get("endPosition") or "")
            except ValueError:
                raise BadInput(f"{path}: selection {selection.get('guid')} has no valid positions") from None
            note_spans.setdefault(guid, []).append((guids.own(selection), start, end))
    parsed = Parsed(root.get("name") or "", users, codes, {}, [], [], notes)
    parsed.qualcode = qualcode
    parsed.origin = root.get("origin") or ""
    parsed.creator = guids.spelled(root.get("creatingUserGUID") or "") if root.get("creatingUserGUID") else ""
    parsed.description = _text_of(_child(root, "Description"))
    parsed.codable = {c.guid: c.codable for c in codes}
    parsed.note_users, parsed.note_created, parsed.note_modified = note_users, note_created, note_modified
    hidden = {guid_key(g) for g in qualcode.get("rating_variables", [])}
    for variable in _children(_child(root, "Variables") or empty, "Variable"):
        guid = guids.own(variable)
        if guid_key(guid) not in hidden:
            parsed.variables[guid] = (variable.get("name") or "variable", variable.get("typeOfVariable") or "Text")
    # a Link between a selection and a note (NVivo's annotations) makes the note the selection's
    link_notes: dict[str, list[str]] = {}
    links = _children(_child(root, "Links") or empty, "Link")
    kept_links: list[ET.Element] = []
    for link in links:
        ends = {
            guids.tag(end): guids.spelled(end)
            for end in (link.get("originGUID") or "", link.get("targetGUID") or "")
            if end
        }
        if set(ends) == {"PlainTextSelection", "Note"} and ends["Note"] in notes:
            link_notes.setdefault(guid_key(ends["PlainTextSelection"]), []).append(ends["Note"])
        elif set(ends) == {"Case", "Note"} and ends["Note"] in notes:
            kept_links.append(link)
        else:
            parsed.skip("Link")
    code_guids = {c.guid for c in codes}
    text_sources = []
    for source in _child(root, "Sources") or empty:
        if _tag(source) == "TextSource":
            text_sources.append(source)
        else:
            parsed.skip(_tag(source))
    for source in text_sources:
        parsed.sources.append(_parse_source(source, guids, source_text, code_guids, parsed, note_spans, link_notes))
    _parse_cases(root, guids, parsed)
    for tag in ("Sets", "Graphs"):
        parsed.skip(tag[:-1], len(_children(_child(root, tag) or empty, tag[:-1])))
    parsed.memo_refs = _memo_refs(root, guids, codes, text_sources, notes, kept_links, note_spans)
    referenced = {guid_key(n.get("targetGUID") or "") for n in root.iter() if _tag(n) in ("NoteRef", "MemberNote")}
    referenced |= {guid_key(g) for link in links for g in (link.get("originGUID") or "", link.get("targetGUID") or "")}
    parsed.journals = [guid for guid in notes if guid_key(guid) not in referenced]
    for guid in parsed.journals:
        name = note_names.get(guid, "").strip()
        if name and not notes[guid].lstrip().startswith(name):
            notes[guid] = f"{name}\n{notes[guid]}"
    return parsed


def _memo_refs(root: ET.Element, guids: _Guids, codes: list[ParsedCode], sources: list[ET.Element],
               notes: dict[str, str], links: list[ET.Element],
               note_spans: dict[str, list]) -> list[tuple[str, str, str]]:  # fmt: skip
    """The notes on the project, sources, codes and (through a Link) cases that the file defines."""
    refs = [("project", "", guids.ref(n, "targetGUID", root)) for n in _children(root, "NoteRef")]
    for source in sources:
        refs += [("document", guids.own(source), guids.ref(n, "targetGUID", source))
                 for n in _children(source, "NoteRef")]  # fmt: skip
    refs += [("code", code.guid, note) for code in codes for note in code.notes]
    for link in links:
        ends = {guids.tag(end): guids.spelled(end) for end in (link.get("originGUID", ""), link.get("targetGUID", ""))}
        refs.append(("case", ends["Case"], ends["Note"]))
    return [ref for ref in refs if ref[2] in notes and ref[2] not in note_spans]


def _parse_cases(root: ET.Element, guids: _Guids, parsed: Parsed) -> None:
    """Cases as written: a named case keeps its whole name (qualcode's own data gives its id); a case without a
    name (MAXQDA, Quirkos) becomes a case of its own named after its source, unless its sources are all in
    named cases already (QualCoder reads such cases as a source's variables): then its values are skipped."""
    variables = parsed.variables
    hidden = {guid_key(g) for g in parsed.qualcode.get("rating_variables", [])}
    carried = {guid_key(g): v for g, v in parsed.qualcode.get("cases", {}).items()}
    source_names = {s.guid: s.name for s in parsed.sources}
    elements = _children(_child(root, "Cases") or ET.Element("x"), "Case")
    read = []
    for case in elements:
        values: dict[str, object] = {}
        for value in _children(case, "VariableValue"):
            target = guids.ref(_child(value, "VariableRef"), "targetGUID", value)
            if guid_key(target) in hidden:
                continue
            if target not in variables:
                raise BadInput(f"{guids.path}: a case value refers to unknown variable {target}")
            holder = next((v for v in value if _tag(v) != "VariableRef"), None)
            values[variables[target][0]] = (holder.text or "") if holder is not None else ""
        for tag in ("CodeRef", "SelectionRef"):
            parsed.skip(tag, len(_children(case, tag)))
        sources = [guids.ref(ref, "targetGUID", case) for ref in _children(case, "SourceRef")]
        read.append((guids.own(case), (case.get("name") or "").strip(), values, sources,
                     _text_of(_child(case, "Description"))))  # fmt: skip
    in_named = {source for _, name, _, sources, _ in read if name for source in sources}
    taken: set[str] = set()
    for guid, name, values, sources, description in read:
        if guid_key(guid) in carried:
            case_id, case_name = carried[guid_key(guid)]
        elif name and parsed.origin == "qualcode" and not parsed.qualcode and OLD_CASE_NAME.match(name):
            case_id, case_name = OLD_CASE_NAME.match(name).groups()  # type: ignore[union-attr]
        elif name:
            case_id, case_name = name, name
        elif sources and all(source in in_named for source in sources):
            parsed.skip("VariableValue", sum(1 for v in values if v != LINK_VARIABLE))
            continue
        else:
            first = next((source_names[s] for s in sources if s in source_names), "")
            case_id = case_name = first or f"case {len(taken) + 1}"
        base, n = case_id, 2
        while case_id in taken:
            case_id, n = f"{base} ({n})", n + 1
        taken.add(case_id)
        values.pop(LINK_VARIABLE, None)
        parsed.cases.append((guid, name, values, sources))
        parsed.case_info[guid] = ParsedCase(guid, case_id, case_name if case_id == base else case_id, bool(name),
                                            description)  # fmt: skip
    if LINK_VARIABLE in {name for name, _ in variables.values()}:
        parsed.variables = {g: v for g, v in variables.items() if v[0] != LINK_VARIABLE}


def _parse_source(source: ET.Element, guids: _Guids, source_text, code_guids: set[str], parsed: Parsed,
                  note_spans: dict[str, list], link_notes: dict[str, list[str]]) -> ParsedSource:  # fmt: skip
    path = guids.path
    guid = guids.own(source)
    label = f"text source {source.get('name') or guid!r}"
    inline = _child(source, "PlainTextContent")
    reference = source.get("plainTextPath")
    if reference:
        text, mapping, changed = source_text(reference, label)
    elif inline is not None:
        text, mapping, changed = _decode_source((inline.text or "").encode("utf-8"))
    else:
        raise BadInput(f"{path}: {label} has neither plainTextPath nor content")
    parsed.normalised += changed
    item = ParsedSource(guid, source.get("name") or guid, text, created=source.get("creationDateTime") or "",
                        description=_text_of(_child(source, "Description")),
                        user=guids.spelled(source.get("creatingUser") or "") if source.get("creatingUser") else "")  # fmt: skip
    for selection in _children(source, "PlainTextSelection"):
        read = _parse_selection(selection, guids, item, mapping, code_guids, parsed.notes)
        linked = [n for n in link_notes.get(guid_key(read.guid), []) if n not in read.notes]
        read.notes += linked
        read.memo = _joined([read.memo] + [parsed.notes.get(n, "") for n in linked])
        if read.codings:
            item.selections.append(read)
        elif read.memo:
            item.annotations.append(read)
        else:
            parsed.skip("PlainTextSelection")
    for note_ref in _children(source, "NoteRef"):  # QualCoder: a note on the source that holds a selection
        note = guids.ref(note_ref, "targetGUID", source)
        for span_guid, start, end in note_spans.get(note, []):
            if not 0 <= start < end <= len(mapping) - 1:
                raise BadInput(f"{path}: the selection of note {note} ({start}-{end}) is outside source "
                               f"{item.name!r}, which has {len(mapping) - 1} characters")  # fmt: skip
            by = parsed.note_users.get(note, "")
            item.annotations.append(ParsedSelection(span_guid, mapping[start], mapping[end], [], [note],
                                                    _joined([parsed.notes.get(note, "")]), by,
                                                    parsed.note_created.get(note, "")))  # fmt: skip
    parsed.skip("Coding", len(_children(source, "Coding")))
    parsed.skip("VariableValue", len(_children(source, "VariableValue")))
    return item


def _parse_selection(
    selection: ET.Element,
    guids: _Guids,
    source: ParsedSource,
    mapping: list[int],
    code_guids: set[str],
    notes: dict[str, str],
) -> ParsedSelection:
    path = guids.path
    try:
        start, end = int(selection.get("startPosition") or ""), int(selection.get("endPosition") or "")
    except ValueError:
        raise BadInput(f"{path}: selection {selection.get('guid')} has no valid positions") from None
    if start == end and 0 <= start <= len(mapping) - 1:
        raise BadInput(
            f"{path}: selection {selection.get('guid')} ({start}-{end}) in source {source.name!r} is empty: "
            "a selection must hold at least one character"
        )
    if not 0 <= start < end <= len(mapping) - 1:
        raise BadInput(
            f"{path}: selection {selection.get('guid')} ({start}-{end}) is outside source "
            f"{source.name!r}, which has {len(mapping) - 1} characters"
        )
    codings = []
    note_refs = [guids.ref(n, "targetGUID", selection) for n in _children(selection, "NoteRef")]
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
        note_refs += [guids.ref(n, "targetGUID", coding) for n in _children(coding, "NoteRef")]
    description = _text_of(_child(selection, "Description"))
    user = guids.ref(selection, "creatingUser", selection) if selection.get("creatingUser") else ""
    return ParsedSelection(guids.own(selection), mapping[start], mapping[end], codings, note_refs,
                           _joined([description] + [notes.get(n, "") for n in note_refs]), user,
                           selection.get("creationDateTime") or "")  # fmt: skip


def parse_qdc(path: Path | str) -> list[ParsedCode]:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise BadInput(f"{path}: cannot read it: {exc.strerror or exc}") from None
    root = _parse_xml(data, str(path))
    if _tag(root) != "CodeBook":
        raise BadInput(f"{path}: the root element is {_tag(root)!r}, not a REFI-QDA CodeBook")
    return _codes(_child(root, "Codes"), _Guids(root, str(path)))
