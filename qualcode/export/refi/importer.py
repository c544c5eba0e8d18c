"""Write a parsed REFI-QDA project or codebook into a qualcode project, through its services.

Codes are matched by GUID, then by name under the same parent, else created; into a project without codes,
qualcode's own data (a qualcode export's "qualcode data" note) brings the whole codebook first, with its ids,
English names, keywords, keys, facets and scale. Cases, variables, sources and codings are added with the same
service calls the CLI uses, all in one transaction. The GUIDs that came with them are kept as spelled
(project.exchange), and so are the file's origin, each code's isCodable, its Users, which cases had no name and
which were made for a source in none (exchange facts), so an export says the same again.
Notes and Descriptions on the project, a source, a case or a code become memos (project.memos), one per target
and author (several of one author on one target are joined; a Description that repeats a note is taken once);
a memo the project already has is kept as it is. Notes nothing refers to (journals) become project memos.
Annotations (a selection with a text and no coding) become codings of the code `annotation`, their text the
coding's memo. What is not taken is counted in the result's "skipped".
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.errors import BadInput, Conflict
from qualcode.export.refi import ANNOTATION_CODE
from qualcode.export.refi.reader import Parsed, ParsedCode, ParsedSelection, ParsedSource, parse_qdc, parse_qdpx
from qualcode.services.documents import NewText
from qualcode.services.exchange import guid_key
from qualcode.services.memos import exchange_key
from qualcode.timeutil import now

if TYPE_CHECKING:
    from qualcode.project import Project

ATTRIBUTE_TYPES = {
    "Text": "text",
    "Integer": "integer",
    "Float": "number",
    "Boolean": "boolean",
    "Date": "date",
    "DateTime": "text",
}


def _slug(name: str, guid: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_.-]+", "-", name.strip()).strip("-").lower() if name.isascii() else ""
    base = base or f"c-{guid_key(guid)[:8]}"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


def _typed(raw: str, kind: str) -> Any:
    """A value as its variable's type, or as the text it is when it is not one (SQLite keeps either).

    An integer beyond SQLite's 64 bits raises ValueError: kept as text, SQLite would turn it into a rounded
    real number (the column has numeric affinity), so _check_against_project refuses it first.
    """
    if kind == "integer" and re.fullmatch(r"\s*[-+]?\d+\s*", raw) and not -(2**63) <= int(raw) < 2**63:
        raise ValueError(f"{raw.strip()} is too large for a whole number")
    try:
        if kind == "integer":
            return int(raw)
        if kind == "number":
            value = float(raw)
            return value if math.isfinite(value) else raw
        if kind == "boolean":
            return raw.strip().lower() in ("true", "1")
    except ValueError:
        return raw
    return raw


def _import_codes(
    project: Project, codes: list[ParsedCode], coder: str, hint: dict[str, str] | None = None
) -> dict[str, str]:
    """Code GUID -> local code id: codes matched by GUID, by the id qualcode's data gives (`hint`, by guid_key),
    else by name under the same parent, else created."""
    existing = project.codebook.codes()
    taken = {c.id for c in existing}
    by_name = {(c.parent_id, c.name): c.id for c in existing}
    local: dict[str, str] = {}
    for code in codes:
        parent = local.get(code.parent) if code.parent else None
        known = (
            project.exchange.local_id("code", code.guid)
            or (hint or {}).get(guid_key(code.guid))
            or by_name.get((parent, code.name))
        )
        if known is not None and known in taken:
            local[code.guid] = known
        else:
            color = code.color if re.match(r"^#[0-9A-Fa-f]{6}$", code.color) else ""
            created = project.codebook.create_code(
                _slug(code.name, code.guid, taken),
                code.name,
                parent=parent,
                color=color,
                description=code.description,
                coder=coder,
                undoable=False,
            )
            local[code.guid] = created.id
        project.exchange.remember("code", local[code.guid], code.guid)
    return local


def _carried_codebook(project: Project, parsed: Parsed, path: Path):
    """The codebook qualcode's data carries, when the project has no codes yet to match against (else None)."""
    text = parsed.qualcode.get("codebook")
    if not isinstance(text, str) or project.codebook.codes():
        return None
    from qualcode import codebook as yaml_codebook

    return yaml_codebook.loads(text, source=f"{path}: the qualcode data's codebook")


def import_file(
    project: Project, path: Path | str, *, coder: str = "", before_write: Callable[[], object] | None = None
) -> dict[str, Any]:
    """Import a .qdpx project or a .qdc codebook into the project, all of it or nothing.

    The file is read and checked against the project first; `before_write` (an automatic backup) is called
    only when that found nothing wrong, just before the one transaction that writes it all. Returns counts:
    codes, documents, codings (and memos, annotations, ratings when there are any), `skipped` (element name ->
    how many were not taken) and, when NFC changed source texts, `normalised` (how many characters).
    """
    path = Path(path)
    if not path.exists():
        raise BadInput(f"{path}: no such file")
    coder = coder or "system"
    project.store.require_writable()
    if path.suffix.lower() == ".qdc":
        codes = parse_qdc(path)
        if before_write is not None:
            before_write()
        with project.transaction():
            _import_codes(project, codes, coder)
            project.log.log(coder, "import-qdc", str(path), {"codes": len(codes)})
        return {"codes": len(codes), "documents": 0, "codings": 0, "skipped": {}}
    parsed = parse_qdpx(path)
    _check_against_project(project, parsed, path)
    if before_write is not None:
        before_write()
    counts: dict[str, Any] = {"codes": len(parsed.codes), "documents": 0, "codings": 0}
    skipped = dict(parsed.skipped)
    with project.transaction():
        _check_against_project(project, parsed, path)  # again, under the write lock
        book = _carried_codebook(project, parsed, path)
        if book is not None:
            project.codebook.replace(book, source=str(path), coder=coder)
        hint = {guid_key(g): c for g, c in parsed.qualcode.get("codes", {}).items()} if book is not None else None
        code_ids = _import_codes(project, parsed.codes, coder, hint)
        project.name_if_unnamed(parsed.name)
        _keep_facts(project, parsed, code_ids)
        _import_cases(project, parsed)
        document_ids = _import_sources(project, parsed, path, coder)
        annotations = 0
        for source, document_id in zip(parsed.sources, document_ids, strict=True):
            counts["codings"] += _import_codings(project, parsed, source, document_id, code_ids)
            if source.annotations:
                code_id = _annotation_code(project, coder)
                for selection in source.annotations:
                    annotations += _add_coding(project, parsed, selection, document_id, code_id, "", selection.user,
                                               selection.created, selection.guid)  # fmt: skip
        counts["documents"] = len(document_ids)
        memos = _import_memos(project, parsed, code_ids, document_ids)
        ratings, refused = _import_ratings(project, parsed, code_ids)
        if refused:
            skipped["rating"] = refused
        for name, value in (("memos", memos), ("annotations", annotations), ("ratings", ratings)):
            if value:
                counts[name] = value
        for user_guid, name in parsed.users.items():
            project.exchange.remember("user", name, user_guid)
        if parsed.normalised:
            counts["normalised"] = parsed.normalised
        counts["skipped"] = dict(sorted(skipped.items()))
        project.log.log(coder, "import-qdpx", str(path), counts)
    return counts


def _check_against_project(project: Project, parsed: Parsed, path: Path) -> None:
    """What the import would refuse once writing: a source imported before, a case id that check_case_id
    refuses, a document title its case already has, a carried codebook that does not load."""
    _carried_codebook(project, parsed, path)
    for source in parsed.sources:
        if project.exchange.local_id("document", source.guid) is not None:
            raise Conflict(f"{path}: source {source.name!r} was already imported into this project")
    for guid, _, _, _ in parsed.cases:
        project.documents.check_new_case(parsed.case_info[guid].case_id, f"{path}: <Case guid={guid!r}>: ")
    declared = dict(project.documents.attributes())  # an attribute the project has keeps its type
    kinds = {name: declared.get(name, ATTRIBUTE_TYPES.get(kind, "text")) for name, kind in parsed.variables.values()}
    for guid, _, values, _ in parsed.cases:
        for attribute, raw in values.items():
            try:
                _typed(str(raw), kinds.get(attribute, "text"))
            except ValueError as exc:
                raise BadInput(f"{path}: <Case guid={guid!r}>: the value of {attribute!r}: {exc}") from None
    case_of_source = _case_of_source(parsed)
    for source in parsed.sources:
        case_id = case_of_source.get(source.guid, source.name)  # a source in no case: a case of its own name
        project.documents.check_new_case(case_id, f"{path}: <TextSource guid={source.guid!r}>: ")
        if any(d.title == source.name for d in project.documents.documents(case_id)):
            raise Conflict(f"{path}: case {case_id!r} already has a document titled {source.name!r}")


def _case_of_source(parsed: Parsed) -> dict[str, str]:
    return {source: parsed.case_info[guid].case_id for guid, _, _, sources in parsed.cases for source in sources}


def _keep_facts(project: Project, parsed: Parsed, code_ids: dict[str, str]) -> None:
    """What a re-export should say as this file did: its origin, each code's isCodable."""
    exchange = project.exchange
    if parsed.origin and exchange.fact("origin") is None:
        exchange.keep_fact("origin", parsed.origin)
    codable = exchange.fact("codable") or {}
    codable.update({code_ids[guid]: value for guid, value in parsed.codable.items()})
    if codable:
        exchange.keep_fact("codable", codable)


def _import_cases(project: Project, parsed: Parsed) -> None:
    for guid, (name, kind) in parsed.variables.items():
        project.documents.declare_attribute(name, ATTRIBUTE_TYPES.get(kind, "text"), retype=False)
        project.exchange.remember("variable", name, guid)
    kinds = dict(project.documents.attributes())
    nameless = set(project.exchange.fact("nameless_cases") or [])
    for guid, _, values, _ in parsed.cases:
        info = parsed.case_info[guid]
        typed = {attribute: _typed(str(raw), kinds.get(attribute, "text")) for attribute, raw in values.items()}
        project.documents.set_case(info.case_id, name=info.name, values=typed)
        project.exchange.remember("case", info.case_id, guid)
        if not info.named:
            nameless.add(info.case_id)
    if nameless:
        project.exchange.keep_fact("nameless_cases", sorted(nameless))


def _import_sources(project: Project, parsed: Parsed, path: Path, coder: str) -> list[int]:
    """Add every source as a document of its case (a source without a case gets a case of its own name, which an
    export leaves out again)."""
    case_of_source = _case_of_source(parsed)
    invented = set(project.exchange.fact("invented_cases") or [])
    for source in parsed.sources:
        if source.guid not in case_of_source and not project.documents.has_case(source.name):
            invented.add(source.name)
    texts = [
        NewText(
            case_of_source.get(s.guid, s.name),
            s.name,
            s.text,
            source_path=f"{path.name}:{s.guid}",
            metadata={"refi_guid": s.guid},
            imported_at=s.created or now(),
        )
        for s in parsed.sources
    ]
    document_ids = project.documents.add_texts(texts, coder=coder)
    for source, document_id in zip(parsed.sources, document_ids, strict=True):
        project.exchange.remember("document", str(document_id), source.guid)
    if invented:
        project.exchange.keep_fact("invented_cases", sorted(invented))
    return document_ids


def _annotation_code(project: Project, coder: str) -> str:
    """The code annotations come in as: `annotation`, made the first time one does."""
    code_id = project.exchange.fact("annotation_code") or ANNOTATION_CODE
    if not any(c.id == code_id for c in project.codebook.codes()):
        project.codebook.create_code(
            code_id,
            "註記",
            name_en="Annotation",
            description="A REFI-QDA annotation: a selection with a text and no code; the text is the coding's memo.",
            coder=coder,
            undoable=False,
        )
    project.exchange.keep_fact("annotation_code", code_id)
    return code_id


def _add_coding(
    project: Project,
    parsed: Parsed,
    selection: ParsedSelection,
    document_id: int,
    code_id: str,
    coding_guid: str,
    user_guid: str,
    created: str,
    local_guid: str,
) -> int:
    # a coding's local id is its GUID in lower case without braces; the exchange keeps the spelling
    coding_id = guid_key(local_guid)
    if not project.codings.exists(coding_id):
        try:
            project.codings.add(
                document_id,
                code_id,
                parsed.users.get(user_guid, "imported"),
                selection.start,
                selection.end,
                memo=selection.memo,
                coding_id=coding_id,
                created_at=created or now(),
                undoable=False,
            )
        except Conflict:
            pass  # the same coder coded the same span with the same code twice: one coding
    project.exchange.remember("selection", coding_id, selection.guid)
    if coding_guid:
        project.exchange.remember("coding", coding_id, coding_guid)
    for note in selection.notes:
        project.exchange.remember("note", coding_id, note)
    return 1


def _import_codings(
    project: Project, parsed: Parsed, source: ParsedSource, document_id: int, code_ids: dict[str, str]
) -> int:
    """The source's codings (a coding the project already has is skipped); returns how many were read."""
    count = 0
    for selection in source.selections:
        for coding_guid, code_guid, user_guid, created in selection.codings:
            local = selection.guid if len(selection.codings) == 1 else coding_guid
            count += _add_coding(project, parsed, selection, document_id, code_ids[code_guid], coding_guid,
                                 user_guid, created, local)  # fmt: skip
    return count


def _import_memos(project: Project, parsed: Parsed, code_ids: dict[str, str], document_ids: list[int]) -> int:
    """The notes and Descriptions on the project, sources, cases and codes, and the journals, as memos; returns
    how many memos were added."""
    targets = {
        "project": {"": ""},
        "document": {s.guid: str(d) for s, d in zip(parsed.sources, document_ids, strict=True)},
        "case": {guid: info.case_id for guid, info in parsed.case_info.items()},
        "code": code_ids,
    }
    gathered: dict[tuple[str, str, str], list[tuple[str, str]]] = {}  # (type, id, author) -> (note GUID, text)
    texts_on: dict[tuple[str, str], list[str]] = {}

    def add(kind: str, target_id: str, author: str, note: str, text: str) -> None:
        if not text.strip():
            return
        items = gathered.setdefault((kind, target_id, author), [])
        if all(n != note or not note for n, _ in items) and all(t != text for _, t in items):
            items.append((note, text))
            texts_on.setdefault((kind, target_id), []).append(text.strip())

    def author_of(note: str) -> str:
        return parsed.users.get(parsed.note_users.get(note, ""), "imported")

    for kind, target, note in parsed.memo_refs:
        target_id = targets[kind].get(target)
        if target_id is not None:
            add(kind, target_id, author_of(note), note, parsed.notes[note])
    for note in parsed.journals:
        add("project", "", author_of(note), note, parsed.notes[note])
    descriptions = [("project", "", parsed.users.get(parsed.creator, "imported"), parsed.description)]
    descriptions += [("document", targets["document"][s.guid], parsed.users.get(s.user, "imported"), s.description)
                     for s in parsed.sources]  # fmt: skip
    descriptions += [("case", info.case_id, "imported", info.description) for info in parsed.case_info.values()]
    for kind, target_id, author, text in descriptions:
        said = texts_on.get((kind, target_id), [])
        if text.strip() and text.strip() not in said and text.strip() != "\n\n".join(said):
            add(kind, target_id, author, "", text)
    added = 0
    for (kind, target_id, author), items in gathered.items():
        if project.memos.state(kind, target_id, author) is None:
            first = next((n for n, _ in items if n), "")
            created = parsed.note_created.get(first) or now()
            text = "\n\n".join(t for _, t in items)
            state = {"text": text, "created_at": created, "updated_at": parsed.note_modified.get(first) or created}
            project.memos.put(kind, target_id, author, state)
            if first:
                project.exchange.remember("memo", exchange_key(kind, target_id, author), first)
            added += 1
    return added


def _import_ratings(project: Project, parsed: Parsed, code_ids: dict[str, str]) -> tuple[int, int]:
    """The ratings qualcode's data carries, with their notes and evidence; returns (added, refused): a rating
    whose case, code, facet or step this project does not have is refused (reported as skipped)."""
    cases = {guid_key(guid): info.case_id for guid, info in parsed.case_info.items()}
    codes = {guid_key(guid): code_id for guid, code_id in code_ids.items()}
    added = refused = 0
    for rating in parsed.qualcode.get("ratings", []):
        try:
            case_id = cases[guid_key(rating["case"])]
            code_id = codes[guid_key(rating["code"])]
            evidence = [guid_key(g) for g in rating.get("evidence", [])]
            project.ratings.rate(case_id, code_id, rating["step"], coder=rating["coder"], facet=rating["facet"],
                                 note=rating.get("note") or None,
                                 evidence=[e for e in evidence if project.codings.exists(e)])  # fmt: skip
            added += 1
        except (KeyError, TypeError, BadInput):
            refused += 1
    return added, refused
