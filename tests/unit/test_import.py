"""Importing transcripts: encodings, normalisation, docx, re-import rules and bad files."""

from __future__ import annotations

import unicodedata

import pytest

from qualcode.errors import BadInput
from qualcode.project import Project

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
