"""Hostile input, one table: every row runs the CLI once against a copy of the demo project and must give

- the exit status it names (2 for bad input),
- exactly one line on stderr, holding the row's fragment (the file, line or value at fault),
- no traceback (nor an exception escaping to the runner),
- a project whose full SQL dump is unchanged, input files left as they were, and no new files beside them
  (no stray export, backup or temporary file).

Rows run in this process through typer's CliRunner (about 30 ms each); the few that need file permissions
to bind run as a subprocess under another user (see `_other_user`), or are skipped where that is impossible.
"""

from __future__ import annotations

import io
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from qualcode.project import Project

ROOT = Path(__file__).resolve().parents[2]
HUGE = "99999999999999999999"  # past SQLite's 64-bit integers
GOOD = (
    "受訪者編號：F\n受訪單位：桃園市政府就業服務處\n\n問：請問經費來源？\n\n答：經費多數來自中央，就業安定基金補助。\n"
)

# -- the files rows refer to as {name} ---------------------------------------------------------------------------


def _text(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


def _docx(paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _docx_with(document_xml: bytes) -> bytes:
    """A real .docx whose word/document.xml is replaced."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(_docx(["問：你好？"]))) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for item in src.infolist():
            dst.writestr(item.filename, document_xml if item.filename == "word/document.xml" else src.read(item))
    return out.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
LAUGHS = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
BILLION_LAUGHS = f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY l0 "lol">{LAUGHS}]>'

# A REFI-QDA project another program might write: upper-case GUIDs, braces, a BOM and CRLF in the source.
SOURCE = "0F9E8D7C-6B5A-4948-8776-655443322110"
QDE = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Other">
  <Users><User guid="{{11111111-2222-4333-8444-555555555555}}" name="someone"/></Users>
  <CodeBook><Codes><Code guid="B7A3C1D0-0000-4000-8000-00000000C0DE" name="Wellbeing" isCodable="true"/></Codes></CodeBook>
  <Variables><Variable guid="44444444-5555-4666-8777-888888888888" name="staff" typeOfVariable="Integer"/></Variables>
  <Cases><Case guid="AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE" name="P1"><SourceRef targetGUID="{SOURCE}"/></Case></Cases>
  <Sources>
    <TextSource guid="{SOURCE}" name="Interview 1" plainTextPath="internal://{SOURCE}.txt">
      <PlainTextSelection guid="22222222-3333-4444-8555-666666666666" startPosition="9" endPosition="12">
        <Coding guid="33333333-4444-4555-8666-777777777777"><CodeRef targetGUID="B7A3C1D0-0000-4000-8000-00000000C0DE"/></Coding>
      </PlainTextSelection>
    </TextSource>
  </Sources>
</Project>"""
SOURCE_TEXT = "\ufeff問：你好嗎？\r\n答：我很好，謝謝。\r\n".encode()


def _qdpx(qde: str = QDE, *, old: str = "", new: str = "", source: bytes = SOURCE_TEXT, extra=None) -> bytes:
    """The project above as a .qdpx, with `old` replaced by `new` in its project.qde."""
    if old:
        assert old in qde, old
        qde = qde.replace(old, new, 1)
    return _zip({"project.qde": qde.encode("utf-8"), f"Sources/{SOURCE}.txt": source, **(extra or {})})


def _mkdir(path: Path) -> None:
    path.mkdir()


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _sparse(path: Path) -> None:
    with open(path, "wb") as handle:
        handle.truncate(65 << 20)  # 65 MiB that take no disk space


def _link_to(target: str) -> Callable[[Path], None]:
    return lambda path: path.symlink_to(target)


def _sqlite(sql: str) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        import sqlite3

        conn = sqlite3.connect(path)
        conn.executescript(sql)
        conn.close()

    return build


def _pair(name: str) -> Callable[[Path], None]:
    """A folder holding a transcript called `name` (two such folders: the same case and title twice)."""

    def build(path: Path) -> None:
        path.mkdir()
        (path / name).write_text(GOOD, encoding="utf-8")

    return build


FILES: dict[str, bytes | Callable[[], bytes] | Callable[[Path], None]] = {
    # transcripts
    "F.txt": _text(GOOD),
    "empty.txt": b"",
    "blank.txt": _text(" \n\n\u3000\t\n"),
    "random.txt": lambda: random.Random(1).randbytes(4096),
    "executable.txt": lambda: Path(sys.executable).resolve().read_bytes()[: 1 << 20],
    "nul.txt": _text("問：你好\x00嗎？\n答：好。\n"),
    "noturns.txt": _text("只是一段文字，沒有發言者。\n第二段也沒有。\n"),
    "hugeline.txt": lambda: _text("經費" * 500_000),
    "sparse.txt": _sparse,
    "latin1.txt": b"Q: caf\xe9 \xff\x80 na\xefve\nA: \xff\xfe\x80" * 20,
    "mixed.txt": _text("受訪者編號：X\n\n") + _text("問：請問經費來源？\n\n答：經費多數來自中央。\n", "cp950"),
    "bom8-bad.txt": b"\xef\xbb\xbf" + _text("問：好") + b"\xff\xfe\n",
    "bom16-odd.txt": b"\xff\xfe" + _text("問：好\n", "utf-16-le") + b"\x00",
    "bom32-bad.txt": b"\xff\xfe\x00\x00" + _text("問：好\n", "utf-32-le") + b"\x00\x00\x11\x00",
    "bom16-nul.txt": _text("問：你好\x00嗎？\n答：好。\n", "utf-16"),
    "notes.pdf": b"%PDF-1.4\n",
    "README": _text(GOOD),
    "folder.txt": _mkdir,
    "folder": _mkdir,
    "fifo.txt": _fifo,
    "devnull.txt": _link_to("/dev/null"),
    "notzip.docx": b"PK\x03\x04 not really a zip",
    "nodocument.docx": lambda: _zip({"hello.txt": b"hi"}),
    "bomb.docx": lambda: _docx_with(
        f"<w:document {W_NS}><w:body>".encode() + b" " * (2 << 20) + b"</w:body></w:document>"
    ),
    "laughs.docx": lambda: _docx_with(
        (
            BILLION_LAUGHS + f"<w:document {W_NS}><w:body><w:p><w:r><w:t>&l9;</w:t></w:r></w:p></w:body></w:document>"
        ).encode()
    ),
    "emptybody.docx": lambda: _docx([]),
    "header-slash.txt": _text("受訪者編號：../etc\n\n問：你好？\n答：好。\n"),
    "a..b.txt": _text("問：你好？\n答：好。\n"),
    "one": _pair("G.txt"),
    "two": _pair("G.txt"),
    # codebooks
    "syntax.yaml": _text("codes:\n- id: a\n  name: [x\n"),
    "empty.yaml": b"",
    "list.yaml": _text("- a\n- b\n"),
    "unknown-field.yaml": _text("codez: []\n"),
    "bad-id.yaml": _text("codes:\n- id: a b\n  name: A\n"),
    "dup-id.yaml": _text("codes:\n- id: a\n  name: A\n- id: a\n  name: B\n"),
    "cycle.yaml": _text(
        "codes:\n- {id: a, name: A, parent: c}\n- {id: b, name: B, parent: a}\n- {id: c, name: C, parent: b}\n"
    ),
    "unknown-parent.yaml": _text("codes:\n- {id: a, name: A, parent: nowhere}\n"),
    "dup-shortcut.yaml": _text("codes:\n- {id: a, name: A, shortcut: '1'}\n- {id: b, name: B, shortcut: '1'}\n"),
    "bad-shortcut.yaml": _text("codes:\n- {id: a, name: A, shortcut: '12'}\n"),
    "name-list.yaml": _text("codes:\n- id: a\n  name: [A, B]\n"),
    "codes-map.yaml": _text("codes:\n  a: A\n"),
    "bad-colour.yaml": _text("codes:\n- {id: a, name: A, color: red}\n"),
    "scale-word.yaml": _text("scale:\n- {id: w, label: 弱, value: high}\ncodes:\n- {id: a, name: A}\n"),
    "scale-huge.yaml": _text(f"scale:\n- {{id: w, label: 弱, value: {HUGE}}}\ncodes:\n- {{id: a, name: A}}\n"),
    "dup-label.yaml": _text("scale:\n- {id: w, label: 弱}\n- {id: s, label: 弱}\ncodes:\n- {id: a, name: A}\n"),
    "rated.yaml": _text("rated: [nope]\ncodes:\n- {id: a, name: A}\n"),
    "dup-field.yaml": _text("codes:\n- id: a\n  name: A\n  name: B\n"),
    "latin1.yaml": b"codes:\n- id: a\n  name: caf\xe9\n",
    "aliases.yaml": _text(
        'l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
        + "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 9))
        + "codes:\n- id: a\n  name: A\n  keywords: *l8\n"
    ),
    "python-tag.yaml": _text('codebook: !!python/object/apply:os.system ["echo pwned"]\ncodes:\n- {id: a, name: A}\n'),
    # cases.csv
    "empty.csv": b"",
    "not-id.csv": _text("name,id\n臺北市,A\n"),
    "dup-column.csv": _text("id,staff,staff\nA,1,2\n"),
    "bad-type.csv": _text("id,staff:float\nA,1\n"),
    "count.csv": _text("id,name,staff\nA,臺北市\n"),
    "empty-id.csv": _text("id,name\n ,臺北市\n"),
    "dup-case.csv": _text("id,name\nA,臺北市\nA,新北市\n"),
    "unknown-case.csv": _text("id,name\nA,臺北市\nF,桃園市\n"),
    "not-integer.csv": _text("id,staff:integer\nA,many\n"),
    "huge-integer.csv": _text(f"id,staff:integer\nA,{HUGE}\n"),
    "nan.csv": _text("id,ratio:number\nA,nan\n"),
    "bool.csv": _text("id,own_site:boolean\nA,maybe\n"),
    "date.csv": _text("id,opened:date\nA,2024-02-30\n"),
    "slash-case.csv": _text("id,name\nA,臺北市\nF/2,桃園市\n"),
    "empty-column.csv": _text("id,,staff\nA,x,1\n"),
    "binary.csv": bytes(range(256)) * 8,
    # pseudonym maps and config files
    "no-arrow.txt": _text("蘇局長 局長甲\n"),
    "latin1-map.txt": b"caf\xe9 -> x\n",
    "map-folder": _mkdir,
    "config-folder": _mkdir,
    "bad.toml": _text("coder = [\n"),
    "keep.toml": _text("backups_keep = -1\n"),
    # REFI-QDA
    "good.qdpx": lambda: _qdpx(),
    "not-zip.qdpx": b"not a zip at all",
    "zip-slip.qdpx": lambda: _qdpx(extra={"../../evil.txt": b"x"}),
    "absolute.qdpx": lambda: _qdpx(extra={"/etc/evil": b"x"}),
    "no-qde.qdpx": lambda: _zip({f"Sources/{SOURCE}.txt": SOURCE_TEXT}),
    "two-qde.qdpx": lambda: _qdpx(extra={"other.qde": QDE.encode()}),
    "bad-xml.qdpx": lambda: _qdpx(QDE.replace("</Project>", "")),
    "laughs.qdpx": lambda: _qdpx(QDE.replace('<?xml version="1.0" encoding="utf-8"?>', BILLION_LAUGHS)),
    "external.qdpx": lambda: _qdpx(
        QDE.replace(
            '<?xml version="1.0" encoding="utf-8"?>',
            '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
        ).replace('name="Other"', 'name="&e;"')
    ),
    "not-project.qdpx": lambda: _qdpx(QDE.replace("<Project ", "<Projekt ").replace("</Project>", "</Projekt>")),
    "bad-guid.qdpx": lambda: _qdpx(
        old='guid="B7A3C1D0-0000-4000-8000-00000000C0DE"', new='guid="B7A3C1D0-0000-4000-8000"'
    ),
    "braced-ref.qdpx": lambda: _qdpx(old=f'targetGUID="{SOURCE}"', new=f'targetGUID="{{{SOURCE}"'),
    "dup-guid.qdpx": lambda: _qdpx(
        old='guid="22222222-3333-4444-8555-666666666666"', new=f'guid="{{{SOURCE.lower()}}}"'
    ),
    "outside.qdpx": lambda: _qdpx(old='endPosition="12"', new='endPosition="500"'),
    "empty-selection.qdpx": lambda: _qdpx(old='startPosition="9"', new='startPosition="12"'),
    "reversed.qdpx": lambda: _qdpx(old='startPosition="9"', new='startPosition="14"'),
    "positions.qdpx": lambda: _qdpx(old='startPosition="9"', new='startPosition="nine"'),
    "unknown-code.qdpx": lambda: _qdpx(
        old='<CodeRef targetGUID="B7A3C1D0-0000-4000-8000-00000000C0DE"/>',
        new='<CodeRef targetGUID="99999999-0000-4000-8000-000000000000"/>',
    ),
    "missing-source.qdpx": lambda: _zip({"project.qde": QDE.encode()}),
    "source-latin1.qdpx": lambda: _qdpx(source=b"Q: caf\xe9\n"),
    "member-bomb.qdpx": lambda: _qdpx(extra={"sources/big.txt": b"\0" * (4 << 20)}),
    "case-slash.qdpx": lambda: _qdpx(old='name="P1"', new='name="../P1"'),
    "unknown-variable.qdpx": lambda: _qdpx(
        old=f'<SourceRef targetGUID="{SOURCE}"/>',
        new='<VariableValue><VariableRef targetGUID="55555555-5555-4666-8777-888888888888"/>'
        f'<IntegerValue>3</IntegerValue></VariableValue><SourceRef targetGUID="{SOURCE}"/>',
    ),
    "huge-value.qdpx": lambda: _qdpx(
        old=f'<SourceRef targetGUID="{SOURCE}"/>',
        new='<VariableValue><VariableRef targetGUID="44444444-5555-4666-8777-888888888888"/>'
        f'<IntegerValue>{HUGE}</IntegerValue></VariableValue><SourceRef targetGUID="{SOURCE}"/>',
    ),
    "no-text.qdpx": lambda: _qdpx(old=f' plainTextPath="internal://{SOURCE}.txt"', new=""),
    "bad-xml.qdc": _text('<?xml version="1.0"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'),
    "not-codebook.qdc": _text('<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0"/>'),
    "bad-guid.qdc": _text(
        '<?xml version="1.0"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
        '<Code guid="xyz" name="A" isCodable="true"/></Codes></CodeBook>'
    ),
    # project files
    "garbage.db": b"this is not sqlite" * 100,
    "foreign.db": _sqlite("CREATE TABLE t (x); INSERT INTO t VALUES (1);"),
    "empty-project.db": lambda path: Project.open(path, create=True).close(),
    "project-folder": _mkdir,
}


# -- the table -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    args: tuple[str, ...]  # {name} is the path of FILES[name], made in the test's folder
    fragment: str  # what the one line on stderr must hold
    code: int = 2
    env: dict[str, str] = field(default_factory=dict)  # {name} works here too
    project: str = "{project}"  # the --project given
    # run as a user whom the permissions bind: project-read-only | folder-read-only | target-read-only
    as_other_user: str = ""


def row(*args: str, fragment: str, code: int = 2, **options) -> Row:
    return Row(args, fragment, code, **options)


ROWS: dict[str, Row] = {
    # transcripts
    "import a missing file": row("import", "{missing.txt}", fragment="missing.txt: no such file"),
    "import an empty file": row("import", "{empty.txt}", fragment="empty.txt: the file is empty"),
    "import only whitespace": row("import", "{blank.txt}", fragment="blank.txt: the file holds no text"),
    "import random bytes": row("import", "{random.txt}", fragment="random.txt: binary file"),
    "import an executable": row("import", "{executable.txt}", fragment="executable.txt: binary file"),
    "import text with a NUL": row("import", "{nul.txt}", fragment="nul.txt: binary file (it contains NUL bytes)"),
    "import text without turns": row("import", "{noturns.txt}", fragment="noturns.txt: no speaker turns found"),
    "import one huge line": row("import", "{hugeline.txt}", fragment="hugeline.txt: no speaker turns found"),
    "import a file over 64 MiB": row("import", "{sparse.txt}", fragment="sparse.txt: the file is 68157440 bytes"),
    "import Latin-1": row("import", "{latin1.txt}", fragment="latin1.txt: cannot tell the encoding"),
    "import a UTF-8 header on a Big5 body": row("import", "{mixed.txt}", fragment="mixed.txt: cannot tell the encoding"),
    "import a UTF-8 BOM on bad UTF-8": row("import", "{bom8-bad.txt}", fragment="bom8-bad.txt: not valid utf-8 at byte"),
    "import a UTF-16 BOM on an odd length": row("import", "{bom16-odd.txt}", fragment="bom16-odd.txt: not valid utf-16"),
    "import a UTF-32 BOM on a bad code point": row("import", "{bom32-bad.txt}", fragment="bom32-bad.txt: not valid utf-32"),
    "import UTF-16 holding a NUL": row("import", "{bom16-nul.txt}", fragment="bom16-nul.txt: binary file (it contains NUL characters)"),
    "import a .pdf": row("import", "{notes.pdf}", fragment="notes.pdf: unsupported file type .pdf"),
    "import a file without a suffix": row("import", "{README}", fragment="README: unsupported file type (none)"),
    "import a directory": row("import", "{folder.txt}", fragment="folder.txt: is a directory"),
    "import a directory without a suffix": row("import", "{folder}", fragment="folder: is a directory"),
    "import a FIFO": row("import", "{fifo.txt}", fragment="fifo.txt: not a regular file"),
    "import a link to /dev/null": row("import", "{devnull.txt}", fragment="devnull.txt: not a regular file"),
    "import a .docx that is no zip": row("import", "{notzip.docx}", fragment="notzip.docx: not a valid .docx file (not a zip archive)"),
    "import a zip that is no .docx": row("import", "{nodocument.docx}", fragment="nodocument.docx: not a valid .docx file (KeyError"),
    "import a zip-bomb .docx": row("import", "{bomb.docx}", fragment="bomb.docx: part 'word/document.xml' expands to"),
    "import a .docx of entity laughs": row("import", "{laughs.docx}", fragment="laughs.docx: not a valid .docx file"),
    "import an empty .docx": row("import", "{emptybody.docx}", fragment="emptybody.docx: the document holds no text"),
    "import a good file with a bad one": row("import", "{F.txt}", "{random.txt}", fragment="random.txt: binary file"),
    "import one case and title twice": row("import", "{one}/G.txt", "{two}/G.txt", fragment="G.txt: same case and title as"),
    "import with --case a/b": row("import", "{F.txt}", "--case", "a/b", fragment="case id 'a/b' holds a path separator"),
    "import with --case a\\b": row("import", "{F.txt}", "--case", "a\\b", fragment="holds a path separator"),
    "import with --case ..": row("import", "{F.txt}", "--case", "..", fragment="F.txt: case id '..' holds '..'"),
    "import with --case ESC": row("import", "{F.txt}", "--case", "\x1b[31m", fragment="holds the control character U+001B"),
    "import with --case blank": row("import", "{F.txt}", "--case", "  ", fragment="case id '' is empty"),
    "import a header case id ../etc": row("import", "{header-slash.txt}", fragment="header-slash.txt: case id '../etc'"),
    "import a file name a..b": row("import", "{a..b.txt}", fragment="a..b.txt: case id 'a..b' holds '..'"),
    # codebooks
    "codebook: a missing file": row("codebook", "load", "{missing.yaml}", fragment="missing.yaml: no such file"),
    "codebook: a directory": row("codebook", "load", "{folder.txt}", fragment="folder.txt: cannot read it: Is a directory"),
    "codebook check: a directory": row("codebook", "check", "{folder.txt}", fragment="folder.txt: cannot read it"),
    "codebook: a YAML syntax error": row("codebook", "load", "{syntax.yaml}", fragment="syntax.yaml:3:9: YAML syntax error"),
    "codebook: an empty file": row("codebook", "load", "{empty.yaml}", fragment="empty.yaml: the codebook is empty"),
    "codebook: a list": row("codebook", "load", "{list.yaml}", fragment="list.yaml:1: the codebook must be a mapping"),
    "codebook: an unknown field": row("codebook", "load", "{unknown-field.yaml}", fragment="unknown field 'codez'"),
    "codebook: a bad id": row("codebook", "load", "{bad-id.yaml}", fragment="bad-id.yaml:2: bad id 'a b'"),
    "codebook: a duplicate id": row("codebook", "load", "{dup-id.yaml}", fragment="dup-id.yaml:4: duplicate id 'a'"),
    "codebook: a cycle of parents": row("codebook", "load", "{cycle.yaml}", fragment="is its own ancestor (parent cycle)"),
    "codebook: an unknown parent": row("codebook", "load", "{unknown-parent.yaml}", fragment="unknown parent 'nowhere'"),
    "codebook: a duplicate shortcut": row("codebook", "load", "{dup-shortcut.yaml}", fragment="shortcut '1' already belongs to code 'a'"),
    "codebook: a two-digit shortcut": row("codebook", "load", "{bad-shortcut.yaml}", fragment="bad shortcut '12'"),
    "codebook: a name that is a list": row("codebook", "load", "{name-list.yaml}", fragment="name-list.yaml:3: name must be text"),
    "codebook: codes as a mapping": row("codebook", "load", "{codes-map.yaml}", fragment="codes must be a list"),
    "codebook: a colour name": row("codebook", "load", "{bad-colour.yaml}", fragment="bad colour 'red'"),
    "codebook: a scale value in words": row("codebook", "load", "{scale-word.yaml}", fragment="scale value must be an integer"),
    "codebook: a huge scale value": row("codebook", "load", "{scale-huge.yaml}", fragment=f"scale value {HUGE} is too large"),
    "codebook: a scale label twice": row("codebook", "load", "{dup-label.yaml}", fragment="scale label '弱' already used"),
    "codebook: rated names no code": row("codebook", "load", "{rated.yaml}", fragment="rated names unknown code 'nope'"),
    "codebook: a field twice": row("codebook", "load", "{dup-field.yaml}", fragment="field 'name' given twice"),
    "codebook: not UTF-8": row("codebook", "load", "{latin1.yaml}", fragment="latin1.yaml: not UTF-8 text"),
    "codebook: billion laughs by aliases": row("codebook", "load", "{aliases.yaml}", fragment="aliases.yaml:1: unknown field 'l0'"),
    "codebook: a python tag": row("codebook", "load", "{python-tag.yaml}", fragment="python-tag.yaml:1: codebook must be text"),
    # cases.csv
    "cases: a missing file": row("cases", "import", "{missing.csv}", fragment="missing.csv: no such file"),
    "cases: an empty file": row("cases", "import", "{empty.csv}", fragment="empty.csv: the file is empty"),
    "cases: id not first": row("cases", "import", "{not-id.csv}", fragment="not-id.csv:1: the first column must be `id`"),
    "cases: a column twice": row("cases", "import", "{dup-column.csv}", fragment="dup-column.csv:1: duplicate column 'staff'"),
    "cases: an unknown type": row("cases", "import", "{bad-type.csv}", fragment="column 'staff' has unknown type 'float'"),
    "cases: too few values": row("cases", "import", "{count.csv}", fragment="count.csv:2: 2 values but the header has 3 columns"),
    "cases: an empty id": row("cases", "import", "{empty-id.csv}", fragment="empty-id.csv:2: empty case id"),
    "cases: a case twice": row("cases", "import", "{dup-case.csv}", fragment="dup-case.csv:3: case 'A' already given on line 2"),
    "cases: an unknown case": row("cases", "import", "{unknown-case.csv}", fragment="unknown-case.csv:3: unknown case 'F'"),
    "cases: a word as an integer": row("cases", "import", "{not-integer.csv}", fragment="declared integer, but the value is 'many'"),
    "cases: a huge integer": row("cases", "import", "{huge-integer.csv}", fragment=f"huge-integer.csv:2: column 'staff': '{HUGE}' is too large"),
    "cases: nan as a number": row("cases", "import", "{nan.csv}", fragment="declared number, but the value is 'nan'"),
    "cases: maybe as a boolean": row("cases", "import", "{bool.csv}", fragment="declared boolean, but the value is 'maybe'"),
    "cases: February 30": row("cases", "import", "{date.csv}", fragment="declared date, but the value is '2024-02-30'"),
    "cases: a new case F/2": row("cases", "import", "{slash-case.csv}", "--create", fragment="slash-case.csv:3: case id 'F/2'"),
    "cases: an empty column name": row("cases", "import", "{empty-column.csv}", fragment="empty column name in header"),
    "cases: binary": row("cases", "import", "{binary.csv}", fragment="binary.csv: binary file"),
    "cases: a directory": row("cases", "import", "{folder.txt}", fragment="folder.txt: is a directory"),
    # spans, turns, sentences, ids
    "span: negative": row("code", "A", "budget", "--span", "-5:10", fragment="span -5:10 is outside document 1 (A)"),
    "span: reversed": row("code", "A", "budget", "--span", "10:5", fragment="span 10:5 is outside"),
    "span: one past the end": row("code", "A", "budget", "--span", "10540:10546", fragment="which has 10545 characters"),
    "span: huge": row("code", "A", "budget", "--span", f"0:{HUGE}", fragment=f"span 0:{HUGE} is outside"),
    "span: words": row("code", "A", "budget", "--span", "a:b", fragment="bad span 'a:b'"),
    "span: no colon": row("code", "A", "budget", "--span", "12", fragment="bad span '12': use START:END"),
    "span: a fraction": row("code", "A", "budget", "--span", "1.5:3", fragment="bad span '1.5:3'"),
    "turn: 0": row("code", "A", "budget", "--turn", "0", fragment="document 1 has no turn 0 (turns are numbered 1 to 67)"),
    "turn: negative": row("code", "A", "budget", "--turn", "-1", fragment="document 1 has no turn -1"),
    "turn: huge": row("code", "A", "budget", "--turn", HUGE, fragment=f"document 1 has no turn {HUGE}"),
    "turn: a word": row("code", "A", "budget", "--turn", "six", fragment="Invalid value for '--turn'"),
    "sentence: huge": row("code", "A", "budget", "--turn", "6", "--sentence", HUGE, fragment=f"has no sentence {HUGE}"),
    "span and turn together": row("code", "A", "budget", "--span", "0:1", "--turn", "1", fragment="give exactly one of"),
    "an empty quote": row("code", "A", "budget", "--quote", "", fragment="the quote is empty"),
    "a code id holding ESC": row("code", "A", "\x1b[31m", "--turn", "1", fragment="unknown code '\\x1b[31m'"),
    "show a huge document id": row("show", HUGE, fragment=f"unknown document '{HUGE}'"),
    "show document ²": row("show", "²", fragment="unknown document '²'"),
    "show version 0": row("show", "A", "--version", "0", fragment="Invalid value for '--version'"),
    "show version 2 of 1": row("show", "A", "--version", "2", fragment="document 1 has no version 2 (versions 1 to 1)"),
    "show a huge version": row("show", "A", "--version", HUGE, fragment=f"document 1 has no version {HUGE}"),
    "uncode a short id": row("uncode", "abc", fragment="no coding with id 'abc'"),
    "memo on no coding": row("memo", "nope", "x", fragment="no coding with id 'nope'"),
    "reattach no coding": row("reattach", "nope", "--turn", "1", fragment="no coding with id 'nope'"),
    "confirm no coding": row("confirm", "nope", fragment="no coding with id 'nope'"),
    "rate an unknown step": row("rate", "A", "budget", "nope", fragment="unknown rating value 'nope'"),
    "rate an unknown case": row("rate", "Z", "budget", "強", fragment="unknown case 'Z'"),
    "rate with unknown evidence": row("rate", "A", "budget", "強", "--evidence", "nope", fragment="no coding with id 'nope'"),
    "rate on an unknown facet": row("rate", "A", "budget", "強", "--facet", "nope", fragment="unknown facet 'nope'"),
    "undo with nothing done": row("undo", "--coder", "nobody-here", fragment="nothing to undo for coder 'nobody-here'"),
    # options
    "words grouped by nonsense": row("words", "--by", "nonsense", fragment="unknown grouping 'nonsense'"),
    "words top 0": row("words", "--top", "0", fragment="Invalid value for '--top'"),
    "kwic sorted by nonsense": row("kwic", "經費", "--sort", "nope", fragment="unknown sort 'nope'"),
    "kwic width 201": row("kwic", "經費", "--width", "201", fragment="Invalid value for '--width'"),
    "search limit 0": row("search", "經費", "--limit", "0", fragment="Invalid value for '--limit'"),
    "browse port 70000": row("browse", "--port", "70000", fragment="Invalid value for '--port'"),
    "an unknown option": row("status", "--bogus", fragment="No such option: --bogus (see `qualcode status --help`)"),
    "an unknown command": row("nosuch", fragment="No such command 'nosuch'"),
    "a missing argument": row("search", fragment="Missing argument"),
    "export matrix of an unknown kind": row("export", "matrix", "--kind", "nope", fragment="unknown matrix kind 'nope'"),
    "export an unknown co-occurrence": row(
        "export", "matrix", "--kind", "cooccurrence", "--cooccurrence", "nope", fragment="unknown co-occurrence 'nope'"
    ),
    "export a table in an unknown format": row("export", "table", "--format", "doc", fragment="table cannot be exported as 'doc'"),
    "export a table of an unknown facet": row("export", "table", "--facet", "nope", fragment="unknown facet 'nope'"),
    "export quotes of an unknown code": row("export", "quotes", "--code", "nope", fragment="unknown code 'nope'"),
    "pseudonyms: a missing map": row("export", "quotes", "--pseudonyms", "{missing.txt}", fragment="missing.txt: no such pseudonym map"),
    "pseudonyms: no arrow": row("export", "quotes", "--pseudonyms", "{no-arrow.txt}", fragment="no-arrow.txt:1: expected 'name -> replacement'"),
    "pseudonyms: not UTF-8": row("export", "quotes", "--pseudonyms", "{latin1-map.txt}", fragment="latin1-map.txt: the pseudonym map is not UTF-8"),
    "pseudonyms: a directory": row("export", "quotes", "--pseudonyms", "{map-folder}", fragment="map-folder: cannot read the pseudonym map"),
    # queries
    "query: an unbalanced quote": row("search", '"經費', fragment="unbalanced quote in query"),
    "query: an unclosed 「": row("search", "「經費", fragment="close the phrase with 」"),
    "query: an empty phrase": row("search", '""', fragment="empty phrase in query"),
    "query: 257 characters": row("search", "經" * 257, fragment="query too long (257 characters; at most 256)"),
    "query: only an exclusion, after --": row("search", "--", "-經費", fragment="query '-經費' only excludes"),
    "query: '- -經費' without --": row("search", "- -經費", fragment="goes after `--`"),
    "query: '- -經費' after --": row("search", "--", "- -經費", fragment="a lone '-' excludes nothing"),
    "query: a terminal escape": row("search", "\x1b]0;pwned\x07", fragment="holds the control character U+001B"),
    "query: a lone OR": row("search", "OR", fragment="OR needs a term on each side"),
    "query: OR of an exclusion": row("search", "經費 OR -中央", fragment="OR cannot join an excluded term"),
    "query: an ideographic space": row("search", "\u3000", fragment="empty query"),
    "query: not UTF-8": row("search", "\udcff", fragment="argument 4 (\\xff) is not valid UTF-8"),
    "query: an unknown case filter": row("search", "經費", "--case", "Z", fragment="unknown case 'Z'"),
    "query: an unknown code filter": row("search", "經費", "--code", "nope", fragment="unknown code 'nope'"),
    "kwic: an empty term": row("kwic", " ", fragment="empty term"),
    "kwic: a control character": row("kwic", "a\x1b", fragment="term 'a\\x1b' holds the control character"),
    "a file name that is not UTF-8": row("import", "caf\udce9.txt", fragment="argument 4 (caf\\xe9.txt) is not valid UTF-8"),
    # REFI-QDA archives
    "qdpx: missing": row("import-qdpx", "{missing.qdpx}", fragment="missing.qdpx: no such file"),
    "qdpx: a directory": row("import-qdpx", "{folder.txt}", fragment="folder.txt: not a .qdpx (zip) file"),
    "qdpx: not a zip": row("import-qdpx", "{not-zip.qdpx}", fragment="not-zip.qdpx: not a .qdpx (zip) file"),
    "qdpx: zip-slip": row("import-qdpx", "{zip-slip.qdpx}", fragment="'../../evil.txt' points outside the archive"),
    "qdpx: an absolute member": row("import-qdpx", "{absolute.qdpx}", fragment="'/etc/evil' points outside the archive"),
    "qdpx: no project.qde": row("import-qdpx", "{no-qde.qdpx}", fragment="expected one .qde file at the top of the archive, found 0"),
    "qdpx: two .qde": row("import-qdpx", "{two-qde.qdpx}", fragment="found 2"),
    "qdpx: bad XML": row("import-qdpx", "{bad-xml.qdpx}", fragment="bad-xml.qdpx:project.qde: not well-formed XML"),
    "qdpx: billion laughs": row("import-qdpx", "{laughs.qdpx}", fragment="refused an XML construct that can be abused"),
    "qdpx: an external entity": row("import-qdpx", "{external.qdpx}", fragment="refused an XML construct that can be abused"),
    "qdpx: not a Project": row("import-qdpx", "{not-project.qdpx}", fragment="the root element is 'Projekt'"),
    "qdpx: a malformed GUID": row("import-qdpx", "{bad-guid.qdpx}", fragment="<Code name='Wellbeing'> has guid 'B7A3C1D0-0000-4000-8000'"),
    "qdpx: an unclosed brace": row("import-qdpx", "{braced-ref.qdpx}", fragment="<SourceRef> has targetGUID '{0F9E8D7C"),
    "qdpx: a GUID twice": row("import-qdpx", "{dup-guid.qdpx}", fragment="is already the guid of <TextSource name='Interview 1'>"),
    "qdpx: a selection past the end": row("import-qdpx", "{outside.qdpx}", fragment="(9-500) is outside source 'Interview 1'"),
    "qdpx: an empty selection": row(
        "import-qdpx", "{empty-selection.qdpx}", fragment="(12-12) in source 'Interview 1' is empty"
    ),
    "qdpx: a reversed selection": row("import-qdpx", "{reversed.qdpx}", fragment="(14-12)"),
    "qdpx: positions in words": row("import-qdpx", "{positions.qdpx}", fragment="has no valid positions"),
    "qdpx: an unknown code": row("import-qdpx", "{unknown-code.qdpx}", fragment="refers to unknown code 99999999-0000"),
    "qdpx: a missing source": row("import-qdpx", "{missing-source.qdpx}", fragment="is missing from the archive"),
    "qdpx: a Latin-1 source": row("import-qdpx", "{source-latin1.qdpx}", fragment="is not UTF-8"),
    "qdpx: a member bomb": row("import-qdpx", "{member-bomb.qdpx}", fragment="refused as a possible zip bomb"),
    "qdpx: a case ../P1": row("import-qdpx", "{case-slash.qdpx}", fragment="case id '../P1' holds a path separator"),
    "qdpx: an unknown variable": row("import-qdpx", "{unknown-variable.qdpx}", fragment="refers to unknown variable"),
    "qdpx: an integer too large for SQLite": row(
        "import-qdpx", "{huge-value.qdpx}", fragment=f"the value of 'staff': {HUGE} is too large for a whole number"
    ),
    "qdpx: a source without text": row("import-qdpx", "{no-text.qdpx}", fragment="has neither plainTextPath nor content"),
    "qdc: bad XML": row("import-qdpx", "{bad-xml.qdc}", fragment="bad-xml.qdc: not well-formed XML"),
    "qdc: not a CodeBook": row("import-qdpx", "{not-codebook.qdc}", fragment="not a REFI-QDA CodeBook"),
    "qdc: a malformed GUID": row("import-qdpx", "{bad-guid.qdc}", fragment="<Code name='A'> has guid 'xyz'"),
    # paths
    "project: a directory": row("status", project="{project-folder}", fragment="project-folder: is a directory"),
    "project: /dev/null": row("status", project="/dev/null", fragment="/dev/null: not a regular file"),
    "project: missing": row("status", project="{missing.db}", fragment="missing.db: no such project"),
    "project: garbage": row("status", project="{garbage.db}", fragment="garbage.db: not a qualcode project"),
    "project: another SQLite file": row("status", project="{foreign.db}", fragment="foreign.db: an SQLite file that is not a qualcode project"),
    "init: in a missing folder": row("init", project="{nowhere}/new.db", fragment="cannot create it: there is no folder"),
    "init: over a project": row("init", fragment="qualcode.db: already exists; init makes a new project"),
    "export into a directory": row("export", "table", "--format", "csv", "-o", "{folder.txt}", fragment="folder.txt: is a directory"),
    "export below a file": row("export", "table", "--format", "csv", "-o", "{F.txt}/x.csv", fragment="F.txt/x.csv: cannot write"),
    "export over a file": row("export", "table", "--format", "csv", "-o", "{F.txt}", fragment="F.txt: already exists; pass --force"),
    "export onto a full device": row("export", "qdc", "-o", "/dev/full", fragment="/dev/full: cannot write: No space left on device"),
    "restore a directory": row("restore", "{folder.txt}", "--yes", fragment="folder.txt: not a file"),
    "restore the project itself": row("restore", "{project}", "--yes", fragment="is the project itself"),
    "restore a foreign SQLite file": row("restore", "{foreign.db}", "--yes", fragment="foreign.db: not a qualcode project"),
    "restore without --yes off a terminal": row("restore", "{empty-project.db}", fragment="pass --yes to confirm"),
    "backup over the project": row("backup", "-o", "{project}", "--force", fragment="is the project file (or its journal)"),
    # the environment
    "config: a directory": row("code", "A", "budget", "--turn", "1", env={"QUALCODE_CONFIG": "{config-folder}"}, fragment="config-folder: cannot read the config file"),
    "config: bad TOML": row("undo", env={"QUALCODE_CONFIG": "{bad.toml}"}, fragment="bad.toml: bad config file"),
    "config: backups_keep -1": row(
        "import-qdpx", "{good.qdpx}", env={"QUALCODE_CONFIG": "{keep.toml}"}, fragment="backups_keep must be a whole number"
    ),
    "a $QUALCODE_CODER that is not UTF-8": row("undo", env={"QUALCODE_CODER": "\udcff"}, fragment="$QUALCODE_CODER (\\xff) is not valid UTF-8"),
    # permissions: a user whom they bind
    "write to a read-only project": row(
        "code", "A", "budget", "--turn", "1", as_other_user="project-read-only",
        fragment="the project is read-only (no permission to write the file); nothing was changed",
    ),
    "import-qdpx into a read-only project": row(
        "import-qdpx", "{good.qdpx}", as_other_user="project-read-only", fragment="the project is read-only"
    ),
    "write to a project in a read-only folder": row(
        "rate", "A", "budget", "強", as_other_user="folder-read-only", fragment="read-only (no permission to write its folder"
    ),
    "export into a read-only folder": row(
        "export", "table", "--format", "csv", "-o", "{locked}/t.csv", as_other_user="target-read-only",
        fragment="locked/t.csv: cannot write: Permission denied",
    ),
}  # fmt: skip


# -- running a row --------------------------------------------------------------------------------------------


def _make(folder: Path, name: str) -> Path:
    path = folder / name
    if path.exists() or path.is_symlink() or name not in FILES:
        return path  # made already, or meant to be missing
    content = FILES[name]
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content.__code__.co_argcount == 1:  # a builder of the path
        content(path)
    else:
        path.write_bytes(content())
    return path


def _expand(value: str, folder: Path, project: Path) -> str:
    def path(match: re.Match) -> str:
        name = match.group(1)
        return str(project if name == "project" else _make(folder, name))

    return re.sub(r"\{([^{}\s]+)\}", path, value)


def _state(folder: Path) -> dict[str, bytes | str]:
    """What each file in the folder holds (a directory, a link or a FIFO by kind), the project's journals aside."""
    state: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        name = str(path.relative_to(folder))
        if path.name.startswith("qualcode.db-"):
            continue
        if path.is_symlink():
            state[name] = "link"
        elif path.is_dir():
            state[name] = "directory"
        elif path.is_file():
            state[name] = path.read_bytes() if path.stat().st_size < 1 << 24 else str(path.stat().st_size)
        else:
            state[name] = "special"
    return state


def _in_process(args: list[str], env: dict[str, str]):
    from typer.testing import CliRunner

    from qualcode.cli import app

    result = CliRunner().invoke(app, args, env={"COLUMNS": "200", "NO_COLOR": "1", **env})
    escaped = result.exception if not isinstance(result.exception, SystemExit) else None
    return result.exit_code, result.stderr, result.stdout, escaped


@pytest.mark.slow
@pytest.mark.parametrize("case", ROWS.values(), ids=ROWS.keys())
def test_hostile_input(case: Row, tmp_path, demo_template, copy_db, dump, monkeypatch):
    if case.as_other_user:
        _run_as_other_user(case, demo_template, copy_db, dump)
        return
    monkeypatch.chdir(tmp_path)  # where `exports/` and `backups/` would go
    project = copy_db(demo_template, tmp_path / "qualcode.db")
    args = ["--project", _expand(case.project, tmp_path, project)] + [_expand(a, tmp_path, project) for a in case.args]
    env = {key: _expand(value, tmp_path, project) for key, value in case.env.items()}
    before, files = dump(project), _state(tmp_path)
    code, stderr, stdout, escaped = _in_process(args, env)
    _check(case, code, stderr, stdout, escaped)
    assert dump(project) == before
    assert _state(tmp_path) == files


def _check(case: Row, code: int, stderr: str, stdout: str, escaped: BaseException | None) -> None:
    assert escaped is None, f"{escaped!r} escaped"
    assert "Traceback" not in stderr + stdout
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert case.fragment in lines[0], lines[0]
    assert lines[0].startswith("qualcode: error: ")
    assert code == case.code, (code, lines[0])


def test_the_table_is_big_and_has_no_twins():
    assert len(ROWS) >= 100
    keys = [(row.args, row.project, tuple(sorted(row.env.items())), row.as_other_user) for row in ROWS.values()]
    assert len(set(keys)) == len(keys)
    every_file = {m for row in ROWS.values() for text in (*row.args, row.project, *row.env.values())
                  for m in re.findall(r"\{([^{}\s]+)\}", text)}  # fmt: skip
    unused = set(FILES) - every_file
    assert not unused, f"files no row uses: {sorted(unused)}"


# -- rows whose permissions must bind: as another user -------------------------------------------------------


def _other_user() -> list[str]:
    """The command prefix that runs Python as a user file permissions bind: none when this user is not root;
    as root (who writes anywhere), `setpriv` to nobody. Skips the test when neither can work."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: file permissions cannot be made to bind")
    prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    probe = subprocess.run([*prefix, sys.executable, "-c", "import qualcode"], capture_output=True, cwd="/")
    if probe.returncode != 0:
        pytest.skip(f"nobody cannot run this Python: {probe.stderr.decode(errors='replace')[-200:]}")
    return prefix


class _AsOtherUser:
    """A copy of the demo project in a folder another user can reach (pytest's tmp_path lies where only root
    may enter), run as that user once `lock()` has set the permissions that should stop it."""

    def __init__(self, demo_template: Path, copy_db):
        self.prefix = _other_user()
        self.folder = Path(tempfile.mkdtemp(prefix="qualcode-perm-"))
        self.folder.chmod(0o755)
        (self.folder / "work").mkdir()
        (self.folder / "locked").mkdir()
        (self.folder / "out").mkdir()
        self.project = copy_db(demo_template, self.folder / "work" / "qualcode.db")

    def __enter__(self) -> _AsOtherUser:
        return self

    def __exit__(self, *exc: object) -> None:
        _take_back(self.folder)
        shutil.rmtree(self.folder)

    def lock(self, kind: str) -> None:
        _give_away(self.folder, kind, self.project, as_root=bool(self.prefix))

    def unlock(self) -> None:
        _take_back(self.folder)

    def run(self, *args: str) -> subprocess.CompletedProcess:
        env = {
            **os.environ,
            "COLUMNS": "200",
            "NO_COLOR": "1",
            "HOME": str(self.folder),
            "QUALCODE_CONFIG": str(self.folder / "no-config.toml"),
            "QUALCODE_CODER": "tester",
        }
        return subprocess.run(
            [*self.prefix, sys.executable, "-m", "qualcode", "--project", str(self.project), *args],
            cwd=self.project.parent,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )


def _run_as_other_user(case: Row, demo_template: Path, copy_db, dump) -> None:
    with _AsOtherUser(demo_template, copy_db) as other:
        args = [_expand(a, other.folder, other.project) for a in case.args]
        before, files = dump(other.project), _state(other.folder)
        other.lock(case.as_other_user)
        proc = other.run(*args)
        _check(case, proc.returncode, proc.stderr, proc.stdout, None)
        other.unlock()
        assert dump(other.project) == before
        assert _state(other.folder) == files


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["project-read-only", "folder-read-only"])
def test_a_project_the_user_may_not_write_can_be_read(kind, demo_template, copy_db, dump):
    """Reading works on a read-only file (SQLite's mode=ro) and in a read-only folder (where SQLite cannot make
    its -shm file: immutable); every write is refused in one line, and the file stays as it was."""
    with _AsOtherUser(demo_template, copy_db) as other:
        with Project.open(other.project) as project:
            coding = project.codings.apply("A", "budget", "setup", turn=6)
        before = dump(other.project)
        other.lock(kind)
        status = other.run("status", "--json")
        assert status.returncode == 0, status.stderr
        assert '"codings": 1' in status.stdout
        assert coding.id in other.run("codings", "--json").stdout
        assert "(A) doc 1 turn" in other.run("search", "經費", "--limit", "1").stdout
        assert coding.text in other.run("show", "A", "--turn", "6").stdout
        export = other.run("export", "table", "--format", "csv", "-o", str(other.folder / "out" / "t.csv"))
        assert export.returncode == 0 and (other.folder / "out" / "t.csv").exists(), export.stderr
        kwic = other.run("kwic", "經費", "--limit", "1")
        assert kwic.returncode == 0 and "經費" in kwic.stdout, kwic.stderr
        for args in (("uncode", coding.id), ("memo", coding.id, "x"), ("reindex",), ("undo", "--coder", "setup")):
            refused = other.run(*args)
            assert refused.returncode == 2 and refused.stderr.count("\n") == 1, refused.stderr
            assert "the project is read-only" in refused.stderr and "Traceback" not in refused.stderr
        other.unlock()
        assert dump(other.project) == before


@pytest.mark.slow
def test_a_read_only_folder_with_unsaved_changes_in_the_wal_is_refused(demo_template, copy_db, dump):
    """Without write access to the folder SQLite can only read the file as it is (immutable), which would
    miss what a -wal file holds: that case is refused rather than shown stale."""
    import sqlite3

    with _AsOtherUser(demo_template, copy_db) as other:
        live = other.folder / "out" / "live.db"
        copy_db(demo_template, live)
        conn = sqlite3.connect(live)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA wal_autocheckpoint = 0")
        conn.execute("INSERT INTO project (key, value) VALUES ('name', 'in the wal only')")
        conn.commit()
        shutil.copy(live, other.project)  # as a crash would leave them: the change only in the -wal
        shutil.copy(f"{live}-wal", f"{other.project}-wal")
        conn.close()
        other.lock("folder-read-only")
        proc = other.run("status")
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
        assert "read-only, and its qualcode.db-wal file holds changes" in proc.stderr


def _give_away(folder: Path, kind: str, project: Path, *, as_root: bool) -> None:
    """Set the permissions a row names, for the user that runs it (nobody when we are root)."""
    if as_root:
        for path in [folder, *folder.rglob("*")]:
            os.chown(path, 65534, 65534)  # nobody owns it all, so that only the mode bits below stop it
    if kind == "project-read-only":
        project.chmod(0o444)
    elif kind == "folder-read-only":
        project.parent.chmod(0o555)
    elif kind == "target-read-only":
        (folder / "locked").chmod(0o555)


def _take_back(folder: Path) -> None:
    if os.geteuid() == 0:
        for path in [folder, *folder.rglob("*")]:
            os.chown(path, 0, 0)
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
