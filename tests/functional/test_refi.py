"""REFI-QDA: exported files validate against the XSDs, round trips are identical, other programs' files
import, and hostile archives are refused with nothing written."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
import xmlschema

from qualcode.errors import BadInput
from qualcode.export.refi import export_qdc, export_qdpx, import_file
from qualcode.project import Project

XSD = Path(__file__).resolve().parents[1] / "data" / "refi-qda"


@pytest.fixture(scope="module")
def schemas():
    return xmlschema.XMLSchema(XSD / "Project.xsd"), xmlschema.XMLSchema(XSD / "Codebook.xsd")


def _coded(project):
    project.codings.apply("A", "central-support", "alice", quote="中央根本就是希望我們關掉", memo="中央的態度")
    project.codings.apply("A", "budget", "alice", turn=6)
    project.codings.apply("B", "leader-priority", "bob", turn=4)
    project.codings.apply("B", "leader-priority", "alice", turn=4)
    return project


def test_exports_validate_against_the_schemas(project, schemas):
    project_xsd, codebook_xsd = schemas
    data = export_qdpx(_coded(project))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        qde = archive.read("project.qde")
        project_xsd.validate(qde)
        sources = [n for n in names if n.startswith("sources/")]
        assert len(sources) == 5
        texts = [archive.read(n) for n in sources]
    assert all(not t.startswith(b"\xef\xbb\xbf") and b"\r\n" not in t for t in texts)
    codebook_xsd.validate(export_qdc(project))
    text = qde.decode("utf-8")
    # parents are codable only when they hold codings themselves
    assert (
        'name="地方政策與內部整合" isCodable="false"' in text
        and 'name="中央政府對於地方政府支持程度" isCodable="true"' in text
    )
    assert "<User " in text and 'name="bob"' in text and "中央的態度" in text and 'typeOfVariable="Integer"' in text


def test_selections_are_code_points_into_the_source_files(project, tmp_path):
    from xml.etree import ElementTree as ET

    _coded(project)
    path = tmp_path / "x.txt"
    path.write_text("問：𠮷野家的𩸽魚？\n\n答：就業服務處在臺北。\n", encoding="utf-8")
    project.documents.import_files([path], case_id="X")
    outside_bmp = project.codings.apply("X", "budget", "carol", quote="𩸽魚")
    data = export_qdpx(project)
    ns = {"q": "urn:QDA-XML:project:1.0"}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        root = ET.fromstring(archive.read("project.qde"))
        checked = 0
        for source in root.iterfind(".//q:TextSource", ns):
            text = archive.read("sources/" + source.get("plainTextPath").split("://")[1]).decode("utf-8")
            for selection in source.iterfind("q:PlainTextSelection", ns):
                start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
                assert text[start:end] in {c.text for c in project.codings.select()}
                checked += 1
        assert checked == 5
    assert outside_bmp.text == "𩸽魚"


def test_round_trip_is_identical_and_guids_stable(project, tmp_path):
    first = export_qdpx(_coded(project))
    assert export_qdpx(project) == first  # the same GUIDs every time
    path = tmp_path / "p.qdpx"
    path.write_bytes(first)
    with Project.open(tmp_path / "copy.db", create=True) as copy:
        counts = import_file(copy, path)
        assert counts == {"codes": 25, "documents": 5, "codings": 4, "skipped": {}}
        assert export_qdpx(copy) == first
        memo = next(c for c in copy.codings.select() if c.memo)
        assert memo.memo == "中央的態度" and memo.text == "中央根本就是希望我們關掉" and memo.case_id == "A"
        assert copy.documents.case("A").name == "臺北市" and copy.documents.case("A").attributes["staff"] == 189
        assert copy.search.find('"中央根本就是希望我們關掉"', limit=None).total == 1  # indexed on import
        assert {c.coder for c in copy.codings.select()} == {"alice", "bob"}


def test_import_into_a_project_with_the_same_codebook_keeps_code_ids(project, tmp_path):
    from qualcode.project import bundled_path

    path = tmp_path / "p.qdpx"
    path.write_bytes(export_qdpx(_coded(project)))
    with Project.open(tmp_path / "copy.db", create=True) as copy:
        copy.codebook.load(bundled_path("codebooks", "five-municipalities.yaml"))
        import_file(copy, path)
        assert {c.code_id for c in copy.codings.select()} == {"central-support", "budget", "leader-priority"}
        assert len(copy.codebook.codes()) == 25


def _other_program_qdpx(
    tmp_path: Path,
    *,
    text: str = "問：你好嗎？\r\n答：我很好，謝謝。\r\n",
    start=None,
    end=None,
    code_ref="B7A3C1D0-0000-4000-8000-00000000C0DE",
    members=None,
    qde_name="Interview Study.qde",
    xml_prefix="",
) -> Path:
    source_guid = "0F9E8D7C-6B5A-4948-8776-655443322110"
    a = text.index("我很好")
    start = a if start is None else start
    end = a + 3 if end is None else end
    qde = f"""<?xml version="1.0" encoding="utf-8"?>{xml_prefix}
<Project xmlns="urn:QDA-XML:project:1.0" name="Other">
  <Users><User guid="{{11111111-2222-4333-8444-555555555555}}" name="maxqda user"/></Users>
  <CodeBook><Codes>
    <Code guid="B7A3C1D0-0000-4000-8000-00000000C0DE" name="Wellbeing" isCodable="true" color="#FF0000"/>
  </Codes></CodeBook>
  <Cases><Case guid="AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE" name="P1"><SourceRef targetGUID="{source_guid}"/></Case></Cases>
  <Sources>
    <TextSource guid="{source_guid}" name="Interview 1" plainTextPath="internal://{source_guid}.txt">
      <PlainTextSelection guid="22222222-3333-4444-8555-666666666666" startPosition="{start}" endPosition="{end}" creatingUser="11111111-2222-4333-8444-555555555555">
        <Coding guid="33333333-4444-4555-8666-777777777777" creatingUser="11111111-2222-4333-8444-555555555555"><CodeRef targetGUID="{code_ref}"/></Coding>
      </PlainTextSelection>
    </TextSource>
  </Sources>
</Project>"""
    path = tmp_path / "other.qdpx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(qde_name, qde)
        archive.writestr(f"Sources/{source_guid}.txt", b"\xef\xbb\xbf" + text.encode("utf-8"))
        for name, data in (members or {}).items():
            archive.writestr(name, data)
    return path


def test_imports_what_other_programs_write(tmp_path):
    path = _other_program_qdpx(tmp_path)  # upper-case GUIDs, braces, Sources/, BOM, CRLF, named .qde
    with Project.open(tmp_path / "p.db", create=True) as project:
        assert import_file(project, path)["codings"] == 1
        [coding] = project.codings.select()
        assert coding.text == "我很好" and coding.coder == "maxqda user" and coding.case_id == "P1"
        text = project.documents.text(coding.document_id)
        assert "\r" not in text and not text.startswith("\ufeff")
        assert len(project.documents.turns(coding.document_id)) == 2


def test_guids_keep_their_spelling_through_an_export(tmp_path):
    """Upper case and braces, as another program wrote them, come back out as written; references that spell a
    GUID otherwise (lower case, no braces) still find their element."""
    path = _other_program_qdpx(tmp_path)
    with Project.open(tmp_path / "p.db", create=True) as project:
        import_file(project, path)
        [coding] = project.codings.select()
        assert coding.id == "22222222-3333-4444-8555-666666666666"  # a local id: lower case, no braces
        first = export_qdpx(project)
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        qde = archive.read("project.qde").decode("utf-8")
        names = archive.namelist()
    for guid in (
        "B7A3C1D0-0000-4000-8000-00000000C0DE",  # the code
        "0F9E8D7C-6B5A-4948-8776-655443322110",  # the source
        "AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE",  # the case
        "{11111111-2222-4333-8444-555555555555}",  # the user, in braces
    ):
        assert f'"{guid}"' in qde, guid
        assert guid == guid.lower() or f'"{guid.lower()}"' not in qde
    assert "sources/0F9E8D7C-6B5A-4948-8776-655443322110.txt" in names
    again = tmp_path / "again.qdpx"
    again.write_bytes(first)
    with Project.open(tmp_path / "copy.db", create=True) as copy:
        import_file(copy, again)
        assert export_qdpx(copy) == first


def _edited_qde(tmp_path: Path, old: str, new: str) -> Path:
    source = _other_program_qdpx(tmp_path)
    path = tmp_path / "edited.qdpx"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.endswith(".qde"):
                text = data.decode("utf-8")
                assert old in text
                data = text.replace(old, new, 1).encode("utf-8")
            dst.writestr(item, data)
    return path


def test_an_integer_too_large_for_sqlite_is_refused_and_nan_kept_as_text(tmp_path, dump):
    """An IntegerValue past SQLite's 64-bit integers is refused (as text SQLite would round it to a real); a
    FloatValue of NaN is kept as the text it is."""

    def with_values(staff: str) -> Path:
        return _edited_qde(
            tmp_path,
            '<Cases><Case guid="AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE" name="P1">',
            '<Variables><Variable guid="44444444-5555-4666-8777-888888888888" name="staff" typeOfVariable="Integer"/>'
            '<Variable guid="44444444-5555-4666-8777-999999999999" name="ratio" typeOfVariable="Float"/></Variables>'
            '<Cases><Case guid="AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE" name="P1">'
            '<VariableValue><VariableRef targetGUID="44444444-5555-4666-8777-888888888888"/>'
            f"<IntegerValue>{staff}</IntegerValue></VariableValue>"
            '<VariableValue><VariableRef targetGUID="44444444-5555-4666-8777-999999999999"/>'
            "<FloatValue>NaN</FloatValue></VariableValue>",
        )

    huge = "99999999999999999999"
    db = tmp_path / "p.db"
    Project.open(db, create=True).close()
    before = dump(db)
    with Project.open(db) as project, pytest.raises(BadInput, match=f"the value of 'staff': {huge} is too large"):
        import_file(project, with_values(huge))
    assert dump(db) == before
    with Project.open(db) as project:
        import_file(project, with_values("7"))
        assert project.documents.case("P1").attributes == {"staff": 7, "ratio": "NaN"}


@pytest.mark.parametrize(
    "old,new,message",
    [
        (
            'guid="B7A3C1D0-0000-4000-8000-00000000C0DE"',
            'guid="B7A3C1D0-0000-4000-8000-00000000C0D"',
            "<Code name='Wellbeing'> has guid 'B7A3C1D0-0000-4000-8000-00000000C0D', which is not a GUID",
        ),
        ('guid="22222222-3333-4444-8555-666666666666"', 'guid="{22222222-3333-4444-8555-666666666666"', "not a GUID"),
        ('<CodeRef targetGUID="B7A3C1D0', '<CodeRef targetGUID="Z7A3C1D0', "<CodeRef> has targetGUID 'Z7A3C1D0"),
        (
            'Coding guid="33333333-4444-4555-8666-777777777777" creatingUser="',
            'Coding creatingUser="',
            "<Coding> has no guid",
        ),
        (
            'guid="22222222-3333-4444-8555-666666666666"',
            'guid="{0f9e8d7c-6b5a-4948-8776-655443322110}"',
            "guid '{0f9e8d7c-6b5a-4948-8776-655443322110}' of <PlainTextSelection> is already the guid of "
            "<TextSource name='Interview 1'>",
        ),
    ],
)
def test_malformed_and_duplicate_guids_are_refused(tmp_path, dump, old, new, message):
    path = _edited_qde(tmp_path, old, new)
    db = tmp_path / "p.db"
    Project.open(db, create=True).close()
    before = dump(db)
    with Project.open(db) as project, pytest.raises(BadInput) as info:
        import_file(project, path)
    assert message in str(info.value) and str(path) in str(info.value)
    assert dump(db) == before


@pytest.mark.parametrize(
    "kind,message",
    [
        ("zip-slip", "points outside the archive"),
        ("absolute", "points outside the archive"),
        ("bomb", "zip bomb"),
        ("entities", "refused an XML construct"),
        ("outside", "is outside source"),
        ("unknown-code", "refers to unknown code"),
        ("missing-source", "is missing from the archive"),
        ("not-zip", "not a .qdpx"),
    ],
)
def test_hostile_or_broken_archives_are_refused_and_nothing_is_written(tmp_path, dump, kind, message):
    if kind == "zip-slip":
        path = _other_program_qdpx(tmp_path, members={"../../evil.txt": b"x"})
    elif kind == "absolute":
        path = _other_program_qdpx(tmp_path, members={"/etc/evil": b"x"})
    elif kind == "bomb":
        path = _other_program_qdpx(tmp_path, members={"sources/big.txt": b"\0" * (64 << 20)})
    elif kind == "entities":
        path = _other_program_qdpx(
            tmp_path, xml_prefix='\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
        )
    elif kind == "outside":
        path = _other_program_qdpx(tmp_path, start=5, end=500)
    elif kind == "unknown-code":
        path = _other_program_qdpx(tmp_path, code_ref="99999999-0000-4000-8000-000000000000")
    elif kind == "missing-source":
        path = tmp_path / "m.qdpx"
        with zipfile.ZipFile(_other_program_qdpx(tmp_path)) as src, zipfile.ZipFile(path, "w") as dst:
            for item in src.infolist():
                if not item.filename.startswith("Sources/"):
                    dst.writestr(item, src.read(item))
    else:
        path = tmp_path / "x.qdpx"
        path.write_bytes(b"not a zip at all")
    db = tmp_path / "p.db"
    Project.open(db, create=True).close()
    before = dump(db)
    with Project.open(db) as project, pytest.raises(BadInput, match=message):
        import_file(project, path)
    assert dump(db) == before
    assert not (tmp_path.parent / "evil.txt").exists()


@pytest.mark.slow
def test_cli_export_and_import(cli, demo_db, tmp_path, schemas):
    p = ("--project", str(demo_db))
    cli(*p, "code", "A", "budget", "--turn", "6")
    target = tmp_path / "out.qdpx"
    cli(*p, "export", "qdpx", "-o", str(target))
    codebook = tmp_path / "out.qdc"
    cli(*p, "export", "qdc", "-o", str(codebook))
    schemas[1].validate(codebook.read_bytes())
    fresh = tmp_path / "fresh.db"
    cli("--project", str(fresh), "init")
    out = cli("--project", str(fresh), "import-qdpx", str(target)).stdout
    assert "imported 25 codes, 5 documents, 1 codings" in out
    again = cli("--project", str(fresh), "import-qdpx", str(target), ok=False)
    assert again.returncode == 2 and "already imported" in again.stderr
    cb_only = tmp_path / "cb.db"
    cli("--project", str(cb_only), "init")
    assert "imported 25 codes" in cli("--project", str(cb_only), "import-qdpx", str(codebook)).stdout
