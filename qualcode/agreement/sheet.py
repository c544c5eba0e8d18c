"""Read reliability data from a long-format sheet (`qualcode agree --table FILE.csv`).

The file: UTF-8 CSV (a BOM is allowed), a header row naming exactly the four columns `unit`, `item`, `coder`
and `value`, in any order (case and surrounding spaces ignored), then one row per decision:

    unit,item,coder,value
    A-03,預算,蔡,強
    A-03,預算,林,中
    A-03,人力,蔡,

- (unit, item) is one unit of analysis: the item (a code, a factor, a question) that a coder judged for the unit
  (a case, a turn, a passage).  Both, and the coder, must be non-empty.
- an empty value means the coder recorded nothing for it: missing, counted in no N (a coder or a unit that
  appears only with empty values is still listed).
- the nominal level takes any text (NFC, surrounding spaces removed); ordinal, interval and ratio need numbers
  (`3`, `2.5`; ratio ones not negative).
- blank lines are skipped; a (unit, item, coder) given twice is refused.

Coders, units and items keep the order in which the sheet first names them.  Every problem is one line,
`FILE:LINE: reason`, raised as BadInput.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from qualcode.agreement.stats import LEVELS, Value
from qualcode.errors import BadInput

COLUMNS = ("unit", "item", "coder", "value")
NUMBER_LEVELS = ("ordinal", "interval", "ratio")
MAX_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class ItemMatrix:
    """One item's reliability data: every coder of the sheet as a row, the item's units as columns."""

    units: list[str]
    matrix: list[list[Value]]


@dataclass(frozen=True)
class Sheet:
    """The whole sheet as a coders x units matrix (a unit: one (unit, item) pair), and each item apart."""

    path: Path
    level: str
    coders: list[str]
    units: list[tuple[str, str]]  # (unit, item) of each column
    matrix: list[list[Value]]  # None where a coder recorded nothing
    per_item: dict[str, ItemMatrix]


def read_sheet(path: Path | str, level: str = "nominal") -> Sheet:
    """Read and check a sheet; raises BadInput with `FILE:LINE: reason` for the first problem."""
    if level not in LEVELS:
        raise ValueError(f"unknown level of measurement {level!r} (use one of {', '.join(LEVELS)})")
    path = Path(path)
    reader = csv.reader(io.StringIO(_text(path), newline=""))
    try:
        header = next(reader)
        where = _header(path, header)
        cells: dict[tuple[str, str, str], Value] = {}
        lines: dict[tuple[str, str, str], int] = {}
        coders: dict[str, None] = {}
        units: dict[tuple[str, str], None] = {}
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(COLUMNS):
                raise BadInput(f"{path}:{line}: {len(record)} cells, but the header has {len(COLUMNS)} columns")
            unit, item, coder, text = (_clean(record[where[name]]) for name in COLUMNS)
            for name, cell in (("unit", unit), ("item", item), ("coder", coder)):
                if not cell:
                    raise BadInput(f"{path}:{line}: empty {name}")
            key = (unit, item, coder)
            if key in lines:
                raise BadInput(
                    f"{path}:{line}: unit {unit!r}, item {item!r}, coder {coder!r} is already given on line {lines[key]}"
                )
            lines[key] = line
            cells[key] = _value(path, line, text, level)
            coders.setdefault(coder, None)
            units.setdefault((unit, item), None)
    except csv.Error as exc:
        raise BadInput(f"{path}:{reader.line_num}: not a readable CSV row ({exc})") from None
    except StopIteration:
        raise BadInput(f"{path}: the file is empty") from None
    if not lines:
        raise BadInput(f"{path}:2: no rows after the header")
    return _build(path, level, list(coders), list(units), cells)


def _text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file") from None
    except IsADirectoryError:
        raise BadInput(f"{path}: is a directory, not a file") from None
    except OSError as exc:
        raise BadInput(f"{path}: cannot read it: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise BadInput(f"{path}: the file is {len(data)} bytes; sheets over {MAX_BYTES} bytes are refused")
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        text = data[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: bom + exc.start].count(b"\n") + 1
        raise BadInput(f"{path}:{line}: not UTF-8 (byte {bom + exc.start}); save the sheet as UTF-8 CSV") from None
    if not text.strip():
        raise BadInput(f"{path}: the file is empty")
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise BadInput(f"{path}:{line}: binary data (a NUL character), not a CSV sheet")
    return text


def _clean(cell: str) -> str:
    return unicodedata.normalize("NFC", cell).strip()


def _header(path: Path, header: list[str]) -> dict[str, int]:
    expected = f"the columns are {', '.join(COLUMNS)}, in any order"
    where: dict[str, int] = {}
    for i, cell in enumerate(header):
        name = _clean(cell).lower()
        if name not in COLUMNS:
            raise BadInput(f"{path}:1: unknown column {_clean(cell)!r} ({expected})")
        if name in where:
            raise BadInput(f"{path}:1: column {name!r} appears twice")
        where[name] = i
    missing = [name for name in COLUMNS if name not in where]
    if missing:
        raise BadInput(f"{path}:1: missing column {missing[0]!r} ({expected})")
    return where


def _value(path: Path, line: int, text: str, level: str) -> Value:
    if not text:
        return None
    if level not in NUMBER_LEVELS:
        return text
    number: int | float
    try:
        number = int(text)
    except ValueError:
        try:
            number = float(text)
        except ValueError:
            number = math.nan
    if not math.isfinite(number):
        raise BadInput(
            f"{path}:{line}: value {text!r} is not a number; the {level} level needs numbers "
            f"(ordinal, interval and ratio do; use nominal for categories)"
        )
    if level == "ratio" and number < 0:
        raise BadInput(f"{path}:{line}: value {text!r} is negative; the ratio level needs values of 0 or more")
    return number


def _build(
    path: Path, level: str, coders: list[str], units: list[tuple[str, str]], cells: dict[tuple[str, str, str], Value]
) -> Sheet:
    matrix = [[cells.get((unit, item, coder)) for unit, item in units] for coder in coders]
    per_item: dict[str, ItemMatrix] = {}
    for unit, item in units:
        per_item.setdefault(item, ItemMatrix(units=[], matrix=[[] for _ in coders])).units.append(unit)
    for item, part in per_item.items():
        for row, coder in zip(part.matrix, coders, strict=True):
            row.extend(cells.get((unit, item, coder)) for unit in part.units)
    return Sheet(path=path, level=level, coders=coders, units=units, matrix=matrix, per_item=per_item)
