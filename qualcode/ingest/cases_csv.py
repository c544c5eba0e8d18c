"""Read a case attribute CSV whose header may declare column types as `name:type`."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qualcode.errors import BadInput
from qualcode.ingest.decode import decode_bytes, read_source

TYPES = ("text", "integer", "number", "boolean", "date")
TRUE = {"true", "yes", "y", "1", "是", "有", "t"}
FALSE = {"false", "no", "n", "0", "否", "無", "f"}
NAME_RE = re.compile(r"^[^\s:][^:]*$")


@dataclass(frozen=True)
class CaseRow:
    line: int
    id: str
    name: str
    values: dict[str, Any]


@dataclass(frozen=True)
class CaseTable:
    attributes: list[tuple[str, str]]  # (name, type) in column order, id excluded
    rows: list[CaseRow]


def read_cases_csv(path: Path) -> CaseTable:
    decoded = decode_bytes(read_source(path), path)
    reader = csv.reader(io.StringIO(decoded.text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise BadInput(f"{path}: the file is empty") from None
    columns = [_column(path, cell) for cell in header]
    if not columns or columns[0][0] != "id":
        raise BadInput(f"{path}:1: the first column must be `id` (the case id), not {header[0]!r}")
    names = [name for name, _ in columns]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise BadInput(f"{path}:1: duplicate column {sorted(dupes)[0]!r}")
    name_index = names.index("name") if "name" in names else (1 if len(names) > 1 else None)
    rows: list[CaseRow] = []
    seen: dict[str, int] = {}
    for record in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(columns):
            raise BadInput(f"{path}:{line}: {len(record)} values but the header has {len(columns)} columns")
        case_id = record[0].strip()
        if not case_id:
            raise BadInput(f"{path}:{line}: empty case id")
        if case_id in seen:
            raise BadInput(f"{path}:{line}: case {case_id!r} already given on line {seen[case_id]}")
        seen[case_id] = line
        values = {}
        for (name, kind), cell in zip(columns[1:], record[1:], strict=True):
            values[name] = _convert(path, line, name, kind, cell.strip())
        name = record[name_index].strip() if name_index is not None else case_id
        rows.append(CaseRow(line=line, id=case_id, name=name, values=values))
    return CaseTable(attributes=columns[1:], rows=rows)


def _column(path: Path, cell: str) -> tuple[str, str]:
    name, _, kind = cell.strip().partition(":")
    name, kind = name.strip(), (kind.strip().lower() or "text")
    if not name:
        raise BadInput(f"{path}:1: empty column name in header")
    if kind not in TYPES:
        raise BadInput(f"{path}:1: column {name!r} has unknown type {kind!r} (use one of {', '.join(TYPES)})")
    return name, kind


def _convert(path: Path, line: int, name: str, kind: str, cell: str) -> Any:
    if cell == "" or kind == "text":
        return cell if kind == "text" else None
    try:
        if kind == "integer":
            number = int(cell.replace(",", "").replace("_", ""))
            if not -(2**63) <= number < 2**63:  # what SQLite stores as an integer
                raise BadInput(f"{path}:{line}: column {name!r}: {cell!r} is too large for a whole number")
            return number
        if kind == "number":
            value = float(cell.replace(",", ""))
            if not math.isfinite(value):  # nan, inf or beyond a double
                raise ValueError
            return value
        if kind == "boolean":
            low = cell.lower()
            if low in TRUE:
                return True
            if low in FALSE:
                return False
            raise ValueError
        if kind == "date":
            return dt.date.fromisoformat(cell).isoformat()
    except ValueError:
        raise BadInput(f"{path}:{line}: column {name!r} is declared {kind}, but the value is {cell!r}") from None
    raise AssertionError(kind)
