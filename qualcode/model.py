"""Plain dataclasses for the things a researcher works with."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Case:
    id: str
    name: str
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Turn:
    document_id: int
    number: int  # 1-based within the document
    speaker: str
    start: int  # code points into the document text, end-exclusive
    end: int


@dataclass(frozen=True)
class Document:
    id: int
    case_id: str
    title: str
    source_path: str
    sha256: str
    encoding: str
    metadata: dict[str, Any]
    imported_at: str
    length: int
    version: int = 1  # 1 for the first import, + 1 for each re-import of a changed text


@dataclass(frozen=True)
class Code:
    id: str
    name: str
    parent_id: str | None = None
    name_en: str = ""
    description: str = ""
    color: str = ""
    shortcut: str = ""
    keywords: tuple[str, ...] = ()
    position: int = 0


@dataclass(frozen=True)
class Facet:
    id: str
    name: str
    name_en: str = ""


@dataclass(frozen=True)
class ScaleStep:
    id: str
    label: str
    label_en: str = ""
    value: int = 0
    color: str = ""


@dataclass(frozen=True)
class Coding:
    id: str
    document_id: int
    case_id: str
    code_id: str
    coder: str
    start: int
    end: int
    text: str
    memo: str = ""
    created_at: str = ""
    updated_at: str = ""
    review: bool = False  # re-anchored to changed text by a re-import: the coder should look at it
    orphaned: bool = False  # its text is gone from the document: `text` is the old text, start/end the old offsets


@dataclass(frozen=True)
class Rating:
    case_id: str
    code_id: str
    facet_id: str
    coder: str
    step_id: str
    note: str = ""
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class Memo:
    id: int
    target_type: str  # project | document | case | code
    target_id: str  # "" for the project, a document's id as text, a case id, a code id
    author: str  # one memo per target and author (services/memos.py)
    text: str
    created_at: str = ""
    updated_at: str = ""
