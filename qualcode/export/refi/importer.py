"""Write a parsed REFI-QDA project or codebook into a qualcode project, through its services.

Codes are matched by GUID, then by name under the same parent, else created; cases, variables,
sources and codings are added with the same service calls the CLI uses, all in one transaction.
The GUIDs that came with them are kept as spelled (project.exchange), so an export gives them back.
Notes on the project, a source, a case or a code become memos (project.memos), one per target and author
(several notes of one author on one target are joined); a memo the project already has is kept as it is.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.errors import BadInput, Conflict
from qualcode.export.refi.reader import Parsed, ParsedCode, ParsedSource, parse_qdc, parse_qdpx
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
CASE_NAME = re.compile(r"^(\S{1,16}) (.+)$")  # how qualcode writes a case: "A 臺北市"


def _slug(name: str, guid: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_.-]+", "-", name.strip()).strip("-").lower() if name.isascii() else ""
    base = base or f"c-{guid_key(guid)[:8]}"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


def _case_id_and_name(name: str) -> tuple[str, str]:
    match = CASE_NAME.match(name)
    return (match.group(1), match.group(2)) if match else (name, name)


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


def _import_codes(project: Project, codes: list[ParsedCode], coder: str) -> dict[str, str]:
    """Code GUID -> local code id: codes matched by GUID, else by name under the same parent, else created."""
    existing = project.codebook.codes()
    taken = {c.id for c in existing}
    by_name = {(c.parent_id, c.name): c.id for c in existing}
    local: dict[str, str] = {}
    for code in codes:
        parent = local.get(code.parent) if code.parent else None
        known = project.exchange.local_id("code", code.guid) or by_name.get((parent, code.name))
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


def import_file(
    project: Project, path: Path | str, *, coder: str = "", before_write: Callable[[], object] | None = None
) -> dict[str, int]:
    """Import a .qdpx project or a .qdc codebook into the project, all of it or nothing.

    The file is read and checked against the project first; `before_write` (an automatic backup) is called
    only when that found nothing wrong, just before the one transaction that writes it all.
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
        return {"codes": len(codes), "documents": 0, "codings": 0}
    parsed = parse_qdpx(path)
    _check_against_project(project, parsed, path)
    if before_write is not None:
        before_write()
    counts = {"codes": len(parsed.codes), "documents": 0, "codings": 0}
    with project.transaction():
        _check_against_project(project, parsed, path)  # again, under the write lock
        code_ids = _import_codes(project, parsed.codes, coder)
        project.name_if_unnamed(parsed.name)
        _import_cases(project, parsed)
        document_ids = _import_sources(project, parsed, path, coder)
        for source, document_id in zip(parsed.sources, document_ids, strict=True):
            counts["codings"] += _import_codings(project, parsed, source, document_id, code_ids)
        counts["documents"] = len(document_ids)
        memos = _import_memos(project, parsed, code_ids, document_ids)
        if memos:
            counts["memos"] = memos
        for user_guid, name in parsed.users.items():
            project.exchange.remember("user", name, user_guid)
        project.log.log(coder, "import-qdpx", str(path), counts)
    return counts


def _check_against_project(project: Project, parsed: Parsed, path: Path) -> None:
    """What the import would refuse once writing: a source imported before, a case id that check_case_id
    refuses, a document title its case already has."""
    for source in parsed.sources:
        if project.exchange.local_id("document", source.guid) is not None:
            raise Conflict(f"{path}: source {source.name!r} was already imported into this project")
    for guid, name, _, _ in parsed.cases:
        project.documents.check_new_case(_case_id_and_name(name)[0], f"{path}: <Case guid={guid!r}>: ")
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
    return {source: _case_id_and_name(name)[0] for _, name, _, sources in parsed.cases for source in sources}


def _import_cases(project: Project, parsed: Parsed) -> None:
    for guid, (name, kind) in parsed.variables.items():
        project.documents.declare_attribute(name, ATTRIBUTE_TYPES.get(kind, "text"), retype=False)
        project.exchange.remember("variable", name, guid)
    kinds = dict(project.documents.attributes())
    for guid, name, values, _ in parsed.cases:
        case_id, case_name = _case_id_and_name(name)
        typed = {attribute: _typed(str(raw), kinds.get(attribute, "text")) for attribute, raw in values.items()}
        project.documents.set_case(case_id, name=case_name, values=typed)
        project.exchange.remember("case", case_id, guid)


def _import_sources(project: Project, parsed: Parsed, path: Path, coder: str) -> list[int]:
    """Add every source as a document of its case (a source without a case gets a case of its own name)."""
    case_of_source = _case_of_source(parsed)
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
    return document_ids


def _import_codings(
    project: Project, parsed: Parsed, source: ParsedSource, document_id: int, code_ids: dict[str, str]
) -> int:
    """The source's codings (a coding the project already has is skipped); returns how many were read."""
    count = 0
    for selection in source.selections:
        memo = "\n".join(parsed.notes.get(n, "") for n in selection.notes).strip()
        for coding_guid, code_guid, user_guid, created in selection.codings:
            # a coding's local id is its GUID in lower case without braces; the exchange keeps the spelling
            coding_id = guid_key(selection.guid if len(selection.codings) == 1 else coding_guid)
            if not project.codings.exists(coding_id):
                try:
                    project.codings.add(
                        document_id,
                        code_ids[code_guid],
                        parsed.users.get(user_guid, "imported"),
                        selection.start,
                        selection.end,
                        memo=memo,
                        coding_id=coding_id,
                        created_at=created or now(),
                        undoable=False,
                    )
                except Conflict:
                    pass  # the same coder coded the same span with the same code twice: one coding
            project.exchange.remember("selection", coding_id, selection.guid)
            project.exchange.remember("coding", coding_id, coding_guid)
            for note in selection.notes:
                project.exchange.remember("note", coding_id, note)
            count += 1
    return count


def _import_memos(project: Project, parsed: Parsed, code_ids: dict[str, str], document_ids: list[int]) -> int:
    """The notes on the project, sources, cases and codes as memos; returns how many memos were added."""
    targets = {
        "project": {"": ""},
        "document": {s.guid: str(d) for s, d in zip(parsed.sources, document_ids, strict=True)},
        "case": {guid: _case_id_and_name(name)[0] for guid, name, _, _ in parsed.cases},
        "code": code_ids,
    }
    gathered: dict[tuple[str, str, str], list[str]] = {}  # (type, id, author) -> note GUIDs, in file order
    for kind, target, note in parsed.memo_refs:
        target_id = targets[kind].get(target)
        if target_id is not None and parsed.notes[note].strip():
            author = parsed.users.get(parsed.note_users.get(note, ""), "imported")
            notes = gathered.setdefault((kind, target_id, author), [])
            if note not in notes:
                notes.append(note)
    added = 0
    for (kind, target_id, author), notes in gathered.items():
        if project.memos.state(kind, target_id, author) is None:
            created = parsed.note_created.get(notes[0]) or now()
            text = "\n\n".join(parsed.notes[n] for n in notes)
            state = {"text": text, "created_at": created, "updated_at": parsed.note_modified.get(notes[0]) or created}
            project.memos.put(kind, target_id, author, state)
            project.exchange.remember("memo", exchange_key(kind, target_id, author), notes[0])
            added += 1
    return added
