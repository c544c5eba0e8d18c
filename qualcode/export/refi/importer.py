"""Write a parsed REFI-QDA project or codebook into a qualcode project, through its services.

Codes are matched by GUID, then by name under the same parent, else created; cases, variables,
sources and codings are added with the same service calls the CLI uses, all in one transaction.
The GUIDs that came with them are kept (project.exchange), so an export gives them back.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.errors import BadInput, Conflict
from qualcode.export.refi.reader import Parsed, ParsedCode, ParsedSource, parse_qdc, parse_qdpx
from qualcode.services.documents import NewText
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
    base = base or f"c-{guid[:8]}"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


def _case_id_and_name(name: str) -> tuple[str, str]:
    match = CASE_NAME.match(name)
    return (match.group(1), match.group(2)) if match else (name, name)


def _typed(raw: str, kind: str) -> Any:
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


def import_file(project: Project, path: Path | str, *, coder: str = "") -> dict[str, int]:
    """Import a .qdpx project or a .qdc codebook into the project, all of it or nothing."""
    path = Path(path)
    if not path.exists():
        raise BadInput(f"{path}: no such file")
    coder = coder or "system"
    if path.suffix.lower() == ".qdc":
        codes = parse_qdc(path)
        with project.transaction():
            _import_codes(project, codes, coder)
            project.log.log(coder, "import-qdc", str(path), {"codes": len(codes)})
        return {"codes": len(codes), "documents": 0, "codings": 0}
    parsed = parse_qdpx(path)
    counts = {"codes": len(parsed.codes), "documents": 0, "codings": 0}
    with project.transaction():
        for source in parsed.sources:
            if project.exchange.local_id("document", source.guid) is not None:
                raise Conflict(f"{path}: source {source.name!r} was already imported into this project")
        code_ids = _import_codes(project, parsed.codes, coder)
        project.name_if_unnamed(parsed.name)
        _import_cases(project, parsed)
        document_ids = _import_sources(project, parsed, path, coder)
        for source, document_id in zip(parsed.sources, document_ids, strict=True):
            counts["codings"] += _import_codings(project, parsed, source, document_id, code_ids)
        counts["documents"] = len(document_ids)
        for user_guid, name in parsed.users.items():
            project.exchange.remember("user", name, user_guid)
        project.log.log(coder, "import-qdpx", str(path), counts)
    return counts


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
    case_of_source: dict[str, str] = {}
    for _, name, _, sources in parsed.cases:
        for source_guid in sources:
            case_of_source[source_guid] = _case_id_and_name(name)[0]
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
            coding_id = selection.guid if len(selection.codings) == 1 else coding_guid
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
