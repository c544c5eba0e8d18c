"""Importing transcripts: encodings, normalisation, docx, re-import rules and bad files."""

from __future__ import annotations

import random
import re
import sys
import unicodedata
from pathlib import Path

import pytest

from qualcode.errors import BadInput
from qualcode.ingest.decode import _utf16_without_bom, decode_bytes
from qualcode.project import Project
from qualcode.services.documents import check_case_id

SAMPLE = "受訪者編號：F\n受訪單位：桃園縣政府\n\n問：請問臺北人力銀行的預算？\n\n答：經費有限，就業安定基金補助。\n"


@pytest.fixture
def empty(tmp_path):
    with Project.open(tmp_path / "p.db", create=True) as p:
        yield p


def _snapshot(project):
    return list(project.store.conn.iterdump())


@pytest.mark.parametrize(
    "encoding,expected",
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-16", "utf-16"),
        ("big5", None),
        ("cp950", None),
        ("gb18030", "gb18030"),
    ],
)
def test_encodings_are_detected(empty, tmp_path, encoding, expected):
    text = SAMPLE * 3 if encoding != "gb18030" else SAMPLE.replace("臺", "台") * 3
    path = tmp_path / f"F-{encoding}.txt"
    path.write_bytes(text.encode(encoding))
    [result] = empty.documents.import_files([path])
    stored = empty.documents.text(result.document_id)
    assert stored == text
    if expected:
        assert result.encoding == expected
    else:
        assert result.encoding in ("big5", "cp950", "big5hkscs")
    assert result.case_id == "F" and result.turns == 6


def test_big5_transcript_imports_with_correct_turns(empty, tmp_path):
    bundled = tmp_path / "source.txt"
    from pathlib import Path

    original = (Path(__file__).resolve().parents[2] / "transcripts" / "C.txt").read_text(encoding="utf-8")
    bundled.write_bytes(original.encode("cp950"))
    [result] = empty.documents.import_files([bundled], case_id="C")
    assert result.encoding in ("big5", "cp950", "big5hkscs")
    assert empty.documents.text(result.document_id) == original
    assert result.turns == 37


def test_crlf_and_decomposed_text_are_normalised(empty, tmp_path):
    decomposed = unicodedata.normalize("NFD", "問：Café résumé？\r\n\r\n答：好。\r\n")
    path = tmp_path / "G.txt"
    path.write_text(decomposed, encoding="utf-8", newline="")
    [result] = empty.documents.import_files([path])
    text = empty.documents.text(result.document_id)
    assert "\r" not in text and text == unicodedata.normalize("NFC", text)
    assert "Café résumé" in text


def test_docx_import(empty, tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("受訪者編號：H")
    document.add_paragraph("問：請問貴單位為何建置網站？")
    document.add_paragraph("答：主要是因為局長重視。")
    path = tmp_path / "interview.docx"
    document.save(path)
    [result] = empty.documents.import_files([path])
    assert result.case_id == "H" and result.turns == 2 and result.encoding == "docx"
    turns = empty.documents.turns(result.document_id)
    assert empty.documents.text(result.document_id)[turns[1].start : turns[1].end] == "主要是因為局長重視。"


def test_reimport_unchanged_does_nothing(empty, tmp_path):
    path = tmp_path / "F.txt"
    path.write_text(SAMPLE, encoding="utf-8")
    [first] = empty.documents.import_files([path])
    before = _snapshot(empty)
    [again] = empty.documents.import_files([path])
    assert again.status == "unchanged" and again.document_id == first.document_id
    from qualcode.cli.documents import import_message  # how the CLI reports it

    assert "nothing to do" in import_message(again)
    assert _snapshot(empty) == before


def test_a_changed_file_becomes_the_next_version_and_its_codings_follow(empty, tmp_path):
    from qualcode.codebook import Codebook
    from qualcode.model import Code

    empty.codebook.replace(Codebook(codes=(Code(id="budget", name="預算"),)))
    path = tmp_path / "F.txt"
    path.write_text(SAMPLE, encoding="utf-8")
    [first] = empty.documents.import_files([path])
    path.write_text(SAMPLE + "\n問：還有嗎？\n", encoding="utf-8")
    [second] = empty.documents.import_files([path])
    assert second.status == "replaced" and second.document_id == first.document_id and second.turns == 3
    assert second.version == 2 and second.codings == {"kept": 0, "moved": 0, "re-anchored": 0, "orphaned": 0}
    coding = empty.codings.apply("F", "budget", "alice", quote="經費有限")
    path.write_text("備註：第三版\n" + SAMPLE, encoding="utf-8")
    before = _snapshot(empty)
    [dry] = empty.documents.import_files([path], dry_run=True)
    assert dry.dry_run and dry.version == 3 and dry.codings["moved"] == 1
    assert _snapshot(empty) == before  # a dry run writes nothing
    [third] = empty.documents.import_files([path])
    assert third.version == 3 and third.codings == {"kept": 0, "moved": 1, "re-anchored": 0, "orphaned": 0}
    [moved] = empty.codings.select()
    assert (moved.id, moved.text, moved.start) == (coding.id, "經費有限", coding.start + len("備註：第三版\n"))
    assert [v for v, _, _ in empty.documents.versions(first.document_id)] == [1, 2, 3]
    assert empty.documents.text_at(first.document_id, 1) == SAMPLE


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("missing.txt", None, "missing.txt: no such file"),
        ("empty.txt", b"", "empty.txt: the file is empty"),
        ("blank.txt", b"  \n\n ", "blank.txt: the file holds no text"),
        ("binary.txt", bytes(range(256)) * 4, "binary.txt: binary file"),
        ("noturns.txt", "只是一段文字，沒有發言者。".encode(), "noturns.txt: no speaker turns found"),
        ("bad.docx", b"PK\x03\x04 not really a zip", "bad.docx: not a valid .docx"),
        ("notes.pdf", b"%PDF-1.4", "notes.pdf: unsupported file type .pdf"),
    ],
)
def test_bad_files_are_refused_and_nothing_changes(empty, tmp_path, name, content, message):
    good = tmp_path / "F.txt"
    good.write_text(SAMPLE, encoding="utf-8")
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    before = _snapshot(empty)
    with pytest.raises(BadInput) as info:
        empty.documents.import_files([good, path])  # the good file must not be imported either
    assert message in str(info.value) and "\n" not in str(info.value)
    assert _snapshot(empty) == before


TRANSCRIPTS = Path(__file__).resolve().parents[2] / "transcripts"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("name", ["A", "B", "C", "D", "E"])
def test_utf16_without_a_bom_is_detected(tmp_path, name, encoding):
    """Chinese in UTF-16 has NUL bytes only where ASCII stands (line ends, digits), so it was refused as binary."""
    text = (TRANSCRIPTS / f"{name}.txt").read_text(encoding="utf-8")
    decoded = decode_bytes(text.encode(encoding), tmp_path / f"{name}.txt")
    assert (decoded.text, decoded.encoding) == (text, encoding)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_a_short_utf16_transcript_without_a_bom_imports(empty, tmp_path, encoding):
    path = tmp_path / "F.txt"
    path.write_bytes("問：你好嗎？\n答：我很好。\n".encode(encoding))  # 28 bytes; NULs only beside the line ends
    [result] = empty.documents.import_files([path])
    assert (result.encoding, result.turns) == (encoding, 2)


def test_utf32_with_a_bom_is_read(tmp_path):
    assert decode_bytes(SAMPLE.encode("utf-32"), tmp_path / "F.txt").text == SAMPLE


@pytest.mark.parametrize(
    "name,data",
    [
        ("an executable", Path(sys.executable).resolve().read_bytes()[: 1 << 20]),
        ("/bin/ls", Path("/bin/ls").read_bytes() if Path("/bin/ls").exists() else bytes(range(256)) * 64),
        ("random bytes", random.Random(7).randbytes(1 << 16)),
        ("random bytes without NULs", bytes(b or 1 for b in random.Random(8).randbytes(1 << 16))),
    ],
)
def test_binary_files_stay_refused(tmp_path, name, data):
    data = data[: len(data) // 2 * 2]  # even length, so that UTF-16 is tried
    with pytest.raises(BadInput, match=r"binary file|cannot tell the encoding"):
        decode_bytes(data, tmp_path / "x.txt")


def test_random_bytes_do_not_pass_for_utf16():
    rng = random.Random(11)
    for size in (6, 16, 30, 64, 256, 4096):
        for _ in range(300):
            assert _utf16_without_bom(rng.randbytes(size)) is None


def test_legacy_encodings_are_not_taken_for_utf16(tmp_path):
    for name in "ABCDE":
        text = (TRANSCRIPTS / f"{name}.txt").read_text(encoding="utf-8")
        for encoding in ("cp950", "gb18030"):
            data = text.encode(encoding, errors="replace")
            assert _utf16_without_bom(data[: len(data) // 2 * 2]) is None


@pytest.mark.parametrize("case_id", ["A", "臺北市", "case 7", "E-2 (高雄)", "𠮷野", "a.b"])
def test_case_ids_may_hold_cjk_spaces_and_punctuation(case_id):
    assert check_case_id(case_id) == case_id


@pytest.mark.parametrize(
    "case_id,why",
    [
        ("a/b", "path separator"),
        ("a\\b", "path separator"),
        ("..", "'..'"),
        ("x..y", "'..'"),
        ("a\tb", "U+0009"),
        ("a\nb", "U+000A"),
        ("\x1b[31m", "U+001B"),
        ("a\u202eb", "U+202E"),  # right-to-left override: shows the id reversed
        ("a\u2028b", "U+2028"),  # line separator
        (" ", "is empty"),
    ],
)
def test_case_ids_that_could_point_elsewhere_or_hide_characters_are_refused(empty, tmp_path, case_id, why):
    with pytest.raises(BadInput, match=re.escape(why)):
        check_case_id(case_id)
    path = tmp_path / "F.txt"
    path.write_text(SAMPLE, encoding="utf-8")
    before = _snapshot(empty)
    with pytest.raises(BadInput, match=rf"F\.txt: case id .* {re.escape(why)}"):
        empty.documents.import_files([path], case_id=case_id)
    with pytest.raises(BadInput, match=re.escape(why)):
        empty.documents.set_case(case_id, name="x")
    assert _snapshot(empty) == before


def test_an_existing_case_keeps_its_id(empty):
    """The rule is for new cases: a project made before it keeps working with the ids it has."""
    with empty.transaction() as conn:
        conn.execute("INSERT INTO cases (id, name, position) VALUES ('old/one', '', 1)")
    empty.documents.set_case("old/one", name="still here")
    assert empty.documents.case("old/one").name == "still here"


def test_a_text_attribute_that_looks_like_a_number_stays_text(empty, tmp_path):
    """case_values.value had NUMERIC affinity (declared ANY): 0912345678 became 912345678."""
    csv_path = tmp_path / "cases.csv"
    csv_path.write_text("id,name,phone,code,staff:integer\nP1,受訪者一,0912345678,1e5,007\n", encoding="utf-8")
    empty.documents.import_cases(csv_path, create=True)
    [case] = empty.documents.cases()
    assert case.attributes == {"name": "受訪者一", "phone": "0912345678", "code": "1e5", "staff": 7}
