"""REFI-QDA exchange without loss: files shaped like MAXQDA's, QualCoder's, NVivo's and ATLAS.ti's exports come in
element by element, what is not taken is reported, our exports carry qualcode's own data and read well
elsewhere, pseudonyms reach every text of the archive, and every export validates against the XSD."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import xmlschema

from qualcode.errors import BadInput
from qualcode.export.pseudonyms import Pseudonyms
from qualcode.export.refi import export_qdpx, import_file
from qualcode.project import Project

XSD = Path(__file__).resolve().parents[1] / "data" / "refi-qda"
NS = {"q": "urn:QDA-XML:project:1.0"}
U1 = "11111111-2222-4333-8444-555555555555"
U2 = "11111111-2222-4333-8444-666666666666"


@pytest.fixture(scope="module")
def project_xsd():
    return xmlschema.XMLSchema(XSD / "Project.xsd")


def _guid(n: int, upper: bool = False) -> str:
    guid = f"{n:08x}-abcd-4000-8000-{n:012x}"
    return guid.upper() if upper else guid


def _qdpx(tmp_path: Path, body: str, sources: dict[str, bytes], *, name="x.qdpx", origin="Test", top="") -> Path:
    qde = (f'<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="urn:QDA-XML:project:1.0" name="T" '
           f'origin="{origin}"{top}>{body}</Project>')  # fmt: skip
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", qde)
        for guid, data in sources.items():
            archive.writestr(f"sources/{guid}.txt", data)
    return path


def _validated(project: Project, xsd, pseudonyms: Pseudonyms = Pseudonyms()) -> tuple[bytes, ET.Element, dict]:
    data = export_qdpx(project, pseudonyms)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        qde = archive.read("project.qde")
        members = {n: archive.read(n) for n in archive.namelist()}
    xsd.validate(qde)
    return data, ET.fromstring(qde), members


def _source(guid: str, name: str, selections: str = "", extra: str = "") -> str:
    return f'<TextSource guid="{guid}" name="{name}" plainTextPath="internal://{guid}.txt">{selections}{extra}</TextSource>'


# -- MAXQDA: nameless cases carry each document's variables -------------------------------------------------------
def _maxqda(tmp_path: Path) -> Path:
    s1, s2 = _guid(1), _guid(2)
    variables = (f'<Variables><Variable guid="{_guid(10)}" name="Age" typeOfVariable="Integer"/>'
                 f'<Variable guid="{_guid(11)}" name="Town" typeOfVariable="Text"/></Variables>')  # fmt: skip

    def case(n: int, source: str, age: int, town: str) -> str:
        return (f'<Case guid="{_guid(n)}"><VariableValue><VariableRef targetGUID="{_guid(10)}"/>'
                f'<IntegerValue>{age}</IntegerValue></VariableValue><VariableValue><VariableRef '
                f'targetGUID="{_guid(11)}"/><TextValue>{town}</TextValue></VariableValue>'
                f'<SourceRef targetGUID="{source}"/></Case>')  # fmt: skip

    body = (f'<Users><User guid="{U1}" name="max"/></Users>{variables}'
            f"<Cases>{case(20, s1, 30, '臺北')}{case(21, s2, 40, '高雄')}</Cases>"
            f"<Sources>{_source(s1, 'Interview 1')}{_source(s2, 'Interview 2')}</Sources>")  # fmt: skip
    return _qdpx(tmp_path, body, {s1: "問：你好𠮷？\n".encode(), s2: "答：很好。\n".encode()}, origin="MAXQDA 2022")


def test_maxqda_nameless_cases_become_separate_cases_with_their_own_variables(tmp_path, project_xsd):
    with Project.open(tmp_path / "p.db", create=True) as project:
        counts = import_file(project, _maxqda(tmp_path))
        assert counts["documents"] == 2 and counts["skipped"] == {}
        cases = {c.id: c for c in project.documents.cases()}
        assert set(cases) == {"Interview 1", "Interview 2"}
        assert cases["Interview 1"].attributes == {"Age": 30, "Town": "臺北"}
        assert cases["Interview 2"].attributes == {"Age": 40, "Town": "高雄"}
        assert {d.title: d.case_id for d in project.documents.documents()} == {
            "Interview 1": "Interview 1",
            "Interview 2": "Interview 2",
        }
        _, root, _ = _validated(project, project_xsd)
    # written back as it came: nameless, the origin kept
    assert root.get("origin") == "MAXQDA 2022"
    written = root.findall("q:Cases/q:Case", NS)
    assert [c.get("name") for c in written] == [None, None]
    assert {c.get("guid") for c in written} == {_guid(20), _guid(21)}


# -- NVivo: case names with spaces, a deep tree with uncoded codes, GUID spelling, Users, journals ------------------
def _nvivo(tmp_path: Path) -> Path:
    s1, s2 = _guid(1, True), _guid(2, True)

    def code(n: int, name: str, codable: str, inner: str = "") -> str:
        return f'<Code guid="{_guid(n, True)}" name="{name}" isCodable="{codable}">{inner}</Code>'

    tree = code(100, "Themes", "true", code(101, "Work", "true", code(102, "Pay", "true") + code(103, "Hours", "true")))
    tree += code(104, "Empty branch", "false", code(105, "Leaf", "true"))
    selection = (f'<PlainTextSelection guid="{_guid(30, True)}" startPosition="0" endPosition="2" '
                 f'creatingUser="{U1.upper()}"><Coding guid="{_guid(31, True)}" creatingUser="{U1.upper()}">'
                 f'<CodeRef targetGUID="{_guid(102, True)}"/></Coding></PlainTextSelection>')  # fmt: skip
    body = (f'<Users><User guid="{U1.upper()}" name="nina"/><User guid="{U2.upper()}" name="idle reader"/></Users>'
            f"<CodeBook><Codes>{tree}</Codes></CodeBook>"
            f'<Cases><Case guid="{_guid(20, True)}" name="Interviewee 01"><SourceRef targetGUID="{s1}"/></Case>'
            f'<Case guid="{_guid(21, True)}" name="Interviewee 02"><SourceRef targetGUID="{s2}"/></Case></Cases>'
            f"<Sources>{_source(s1, 'Transcript 1', selection)}{_source(s2, 'Transcript 2')}</Sources>"
            f'<Notes><Note guid="{_guid(40, True)}" name="Field diary" creatingUser="{U2.upper()}">'
            "<PlainTextContent>下雨天訪談</PlainTextContent></Note></Notes>")  # fmt: skip
    return _qdpx(tmp_path, body, {s1: "工資很低\n".encode(), s2: "工時很長\n".encode()}, origin="NVivo 14")


def test_nvivo_case_names_tree_codable_guids_users_and_journals_survive(tmp_path, project_xsd):
    with Project.open(tmp_path / "p.db", create=True) as project:
        counts = import_file(project, _nvivo(tmp_path))
        assert counts["codes"] == 6 and counts["codings"] == 1 and counts["memos"] == 1
        assert {c.id: c.name for c in project.documents.cases()} == {
            "Interviewee 01": "Interviewee 01",
            "Interviewee 02": "Interviewee 02",
        }
        [journal] = project.memos.list()
        assert (journal.target_type, journal.author, journal.text) == (
            "project",
            "idle reader",
            "Field diary\n下雨天訪談",
        )
        data, root, _ = _validated(project, project_xsd)
    qde = ET.tostring(root, encoding="unicode")
    codable = {c.get("name"): c.get("isCodable") for c in root.iter(f"{{{NS['q']}}}Code")}
    assert codable == {"Themes": "true", "Work": "true", "Pay": "true", "Hours": "true", "Empty branch": "false",
                       "Leaf": "true"}  # fmt: skip
    for n in (100, 101, 102, 104, 20, 21, 1, 2):
        assert f'"{_guid(n, True)}"' in qde and f'"{_guid(n)}"' not in qde
    assert {u.get("name") for u in root.iterfind("q:Users/q:User", NS)} == {"nina", "idle reader"}
    assert root.get("origin") == "NVivo 14"
    # sources were in named cases: no invented cases; and the cases come back whole
    assert [c.get("name") for c in root.iterfind("q:Cases/q:Case", NS) if c.get("name")] == [
        "Interviewee 01",
        "Interviewee 02",
    ]
    again = tmp_path / "again.qdpx"
    again.write_bytes(data)
    with Project.open(tmp_path / "copy.db", create=True) as copy:
        import_file(copy, again)
        assert export_qdpx(copy) == data


def test_sources_in_no_case_get_no_invented_case_on_export(tmp_path, project_xsd):
    s1 = _guid(1)
    path = _qdpx(tmp_path, f"<Sources>{_source(s1, 'Lonely')}</Sources>", {s1: "孤單的來源\n".encode()})
    with Project.open(tmp_path / "p.db", create=True) as project:
        import_file(project, path)
        assert [d.case_id for d in project.documents.documents()] == ["Lonely"]
        _, root, _ = _validated(project, project_xsd)
    assert root.find("q:Cases", NS) is None


# -- QualCoder: Description memos, annotations of both kinds ----------------------------------------------------
def _qualcoder(tmp_path: Path) -> Path:
    s1 = _guid(1)
    text = "問：𠮷野家好吃嗎？\n答：好吃，但是很貴。\n"
    start = text.index("好吃，")
    selections = (
        f'<PlainTextSelection guid="{_guid(30)}" startPosition="{start}" endPosition="{start + 2}" '
        f'creatingUser="{U1}"><Description>受訪者喜歡</Description><Coding guid="{_guid(31)}" creatingUser="{U1}">'
        f'<CodeRef targetGUID="{_guid(100)}"/></Coding></PlainTextSelection>'
        f'<PlainTextSelection guid="{_guid(32)}" startPosition="2" endPosition="5" creatingUser="{U1}">'
        "<Description>𠮷 不是吉</Description></PlainTextSelection>"
        f'<PlainTextSelection guid="{_guid(33)}" startPosition="6" endPosition="8"/>'
    )
    note_ref = f'<NoteRef targetGUID="{_guid(40)}"/>'
    body = (f'<Users><User guid="{U1}" name="qc"/></Users>'
            f'<CodeBook><Codes><Code guid="{_guid(100)}" name="Taste" isCodable="true"/></Codes></CodeBook>'
            f'<Cases><Case guid="{_guid(20)}" name="Anna"><Description>第一位受訪者</Description>'
            f'<SourceRef targetGUID="{s1}"/></Case></Cases>'
            f"<Sources>{_source(s1, 'anna.txt', selections, note_ref)}"
            f'<PDFSource guid="{_guid(50)}" name="scan.pdf" path="internal://{_guid(50)}.pdf"/>'
            f'<PictureSource guid="{_guid(51)}" name="photo.jpg" path="internal://{_guid(51)}.jpg"/></Sources>'
            f'<Notes><Note guid="{_guid(40)}" creatingUser="{U1}" creationDateTime="2021-01-15T23:37:54Z">'
            f"<PlainTextContent>價格的註記</PlainTextContent>"
            f'<PlainTextSelection guid="{_guid(41)}" startPosition="{text.index("很貴")}" '
            f'endPosition="{text.index("很貴") + 2}"/></Note></Notes>'
            f'<Links><Link guid="{_guid(60)}" name="x" originGUID="{_guid(20)}" targetGUID="{_guid(100)}"/></Links>'
            f'<Sets><Set guid="{_guid(70)}" name="group"><MemberSource targetGUID="{s1}"/></Set></Sets>'
            "<Description>專案說明</Description>")  # fmt: skip
    return _qdpx(tmp_path, body, {s1: text.encode()}, origin="QualCoder 3.5")


def test_qualcoder_description_memos_annotations_and_what_is_skipped(tmp_path, project_xsd):
    with Project.open(tmp_path / "p.db", create=True) as project:
        counts = import_file(project, _qualcoder(tmp_path))
        assert counts["skipped"] == {"Link": 1, "PDFSource": 1, "PictureSource": 1, "PlainTextSelection": 1, "Set": 1}
        assert counts["codings"] == 1 and counts["annotations"] == 2
        by_code = {}
        for coding in project.codings.select():
            by_code.setdefault(coding.code_id, []).append(coding)
        [taste] = by_code["taste"]
        assert (taste.text, taste.memo, taste.coder) == ("好吃", "受訪者喜歡", "qc")
        notes = {(c.text, c.memo) for c in by_code["annotation"]}
        assert notes == {("𠮷野家", "𠮷 不是吉"), ("很貴", "價格的註記")}
        memos = {(m.target_type, m.target_id): m.text for m in project.memos.list()}
        assert memos == {("case", "Anna"): "第一位受訪者", ("project", ""): "專案說明"}
        data, root, _ = _validated(project, project_xsd)
    # QualCoder reads memos from <Description>: the coding memo is there and in a note
    selections = {s.get("guid"): s for s in root.iter(f"{{{NS['q']}}}PlainTextSelection")}
    taste_selection = selections[_guid(30)]
    assert taste_selection.findtext("q:Description", namespaces=NS) == "受訪者喜歡"
    assert taste_selection.find("q:NoteRef", NS) is not None
    # annotations go out as annotations again: a text and no coding, and no `annotation` code in the codebook
    assert selections[_guid(32)].find("q:Coding", NS) is None
    assert selections[_guid(32)].findtext("q:Description", namespaces=NS) == "𠮷 不是吉"
    assert "註記" not in {c.get("name") for c in root.iter(f"{{{NS['q']}}}Code")}
    case = root.find("q:Cases/q:Case[@name='Anna']", NS)
    assert case is not None and case.findtext("q:Description", namespaces=NS) == "第一位受訪者"
    assert root.findtext("q:Description", namespaces=NS) == "專案說明"
    # QualCoder links sources to nameless cases only: one per document, with the variable `qualcode case`
    links = [c for c in root.iterfind("q:Cases/q:Case", NS) if c.get("name") is None]
    assert len(links) == 1 and links[0].findtext("q:VariableValue/q:TextValue", namespaces=NS) == "Anna"
    again = tmp_path / "again.qdpx"
    again.write_bytes(data)
    with Project.open(tmp_path / "copy.db", create=True) as copy:
        counts = import_file(copy, again)
        assert counts["skipped"] == {} and counts["annotations"] == 2
        assert {(m.target_type, m.text) for m in copy.memos.list()} == {
            ("case", "第一位受訪者"),
            ("project", "專案說明"),
        }
        assert [c.memo for c in copy.codings.select() if c.code_id == "taste"] == ["受訪者喜歡"]  # once, not twice
        assert export_qdpx(copy) == data


# -- ATLAS.ti: upper-case GUIDs, CRLF, a BOM, text that is not NFC ---------------------------------------------------
def test_atlas_crlf_bom_and_text_not_in_nfc_import_with_remapped_offsets(tmp_path):
    s1 = _guid(1, True)
    # U+F9F4 (a compatibility ideograph of 林), a decomposed é and a character outside the BMP, with CRLF
    written = "問：\uf9f4先生，cafe\u0301 𩸽魚？\r\n答：林先生說好。\r\n"
    target = "cafe\u0301 𩸽魚"
    start = written.index(target)
    selection = (f'<PlainTextSelection guid="{_guid(30, True)}" startPosition="{start}" '
                 f'endPosition="{start + len(target)}"><Coding guid="{_guid(31, True)}">'
                 f'<CodeRef targetGUID="{_guid(100, True)}"/></Coding></PlainTextSelection>'
                 f'<PlainTextSelection guid="{_guid(32, True)}" startPosition="{written.index("林")}" '
                 f'endPosition="{written.index("林") + 3}"><Coding guid="{_guid(33, True)}">'
                 f'<CodeRef targetGUID="{_guid(100, True)}"/></Coding></PlainTextSelection>')  # fmt: skip
    body = (f'<CodeBook><Codes><Code guid="{_guid(100, True)}" name="Names" isCodable="true"/></Codes></CodeBook>'
            f"<Sources>{_source(s1, 'P1', selection)}</Sources>")  # fmt: skip
    path = _qdpx(tmp_path, body, {s1: b"\xef\xbb\xbf" + written.encode()}, origin="ATLAS.ti 23")
    with Project.open(tmp_path / "p.db", create=True) as project:
        counts = import_file(project, path)
        assert counts["normalised"] == 3  # 林 (1) and e + U+0301 (2)
        texts = sorted(c.text for c in project.codings.select())
        assert texts == sorted(["café 𩸽魚", "林先生"])
        document = project.documents.documents()[0]
        assert project.documents.text(document.id) == "問：林先生，café 𩸽魚？\n答：林先生說好。\n"


def test_the_cli_reports_skipped_elements_and_json(cli, tmp_path, monkeypatch):
    path = _qualcoder(tmp_path)
    db = tmp_path / "p.db"
    cli("--project", str(db), "init")
    out = cli("--project", str(db), "import-qdpx", str(path)).stdout
    assert "skipped: 1 Link, 1 PDFSource, 1 PictureSource, 1 PlainTextSelection, 1 Set" in out
    assert "and 2 memos, 2 annotations, 0 ratings" in out
    db2 = tmp_path / "q.db"
    cli("--project", str(db2), "init")
    monkeypatch.setenv("QUALCODE_LANG", "zh")
    result = json.loads(cli("--project", str(db2), "import-qdpx", str(path), "--json").stdout)
    assert result["skipped"] == {"Link": 1, "PDFSource": 1, "PictureSource": 1, "PlainTextSelection": 1, "Set": 1}
    assert result["codings"] == 1 and result["annotations"] == 2
    db3 = tmp_path / "r.db"
    cli("--project", str(db3), "init")
    out = cli("--project", str(db3), "import-qdpx", str(path)).stdout
    assert "略過：1 Link, 1 PDFSource, 1 PictureSource, 1 PlainTextSelection, 1 Set" in out


# -- qualcode -> qualcode into a fresh project --------------------------------------------------------------------
def test_qualcode_to_a_fresh_project_keeps_ids_codebook_ratings(project, tmp_path, project_xsd):
    coding = project.codings.apply("A", "central-support", "alice", quote="中央根本就是希望我們關掉", memo="中央的態度")
    project.codings.apply("B", "leader-priority", "bob", turn=4)
    project.ratings.rate("A", "central-support", "強", coder="alice", facet="establishment", note="很明確",
                         evidence=[coding.id])  # fmt: skip
    project.codebook.update("budget", keywords=["預算", "經費"], coder="alice")
    project.memos.set("case", "A", "局長剛上任", author="alice")
    book = project.codebook.get()
    data, root, _ = _validated(project, project_xsd)
    assert any(v.get("name") == "rating: central-support / establishment (alice)"
               for v in root.iterfind("q:Variables/q:Variable", NS))  # fmt: skip
    path = tmp_path / "p.qdpx"
    path.write_bytes(data)
    with Project.open(tmp_path / "fresh.db", create=True) as fresh:
        counts = import_file(fresh, path)
        assert counts["ratings"] == 1 and counts["skipped"] == {}
        assert fresh.codebook.get() == book  # ids, English names, keywords, keys, facets, scale, rated rows
        assert {c.id for c in fresh.documents.cases()} == {"A", "B", "C", "D", "E"}
        assert fresh.documents.case("A").name == "臺北市"
        assert "rating: central-support / establishment (alice)" not in dict(fresh.documents.attributes())
        [rating] = fresh.ratings.select()
        assert (rating.case_id, rating.code_id, rating.facet_id, rating.coder, rating.step_id, rating.note) == (
            "A", "central-support", "establishment", "alice", "strong", "很明確")  # fmt: skip
        [evidence] = rating.evidence  # the same coding, under the id its selection's GUID gives it here
        assert fresh.codings.get(evidence).text == coding.text and fresh.codings.get(evidence).memo == "中央的態度"
        assert {c.code_id for c in fresh.codings.select()} == {"central-support", "leader-priority"}
        assert export_qdpx(fresh) == data


# -- pseudonyms everywhere ----------------------------------------------------------------------------------------
def test_pseudonyms_reach_every_text_of_the_archive(project, tmp_path, project_xsd):
    names = {"陳局長": "局長甲", "臺北市": "甲市", "alice": "coder1"}
    project.codings.apply("A", "central-support", "alice", quote="中央根本就是希望我們關掉", memo="陳局長說的")
    project.memos.set("project", None, "訪問臺北市的陳局長", author="alice")
    project.memos.set("case", "A", "臺北市", author="alice")
    project.ratings.rate("A", "central-support", "強", coder="alice", note="陳局長很支持")
    project.codebook.update("budget", definition="陳局長管預算", keywords=["臺北市預算"], coder="alice")
    map_file = tmp_path / "names.txt"
    map_file.write_text("".join(f"{k} -> {v}\n" for k, v in names.items()), encoding="utf-8")
    _, _, members = _validated(project, project_xsd, Pseudonyms.load(map_file))
    everything = "\n".join(data.decode("utf-8") for data in members.values())
    for name in names:
        assert name not in everything, name
    assert "局長甲" in everything and "甲市" in everything


# -- hardening ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "old,new,message",
    [
        ('plainTextPath="internal://', 'plainTextPath="relative:///../', "refers to 'relative:///../"),
        ('plainTextPath="internal://', 'plainTextPath="absolute:///etc/', "a file outside the archive; refused"),
        ('startPosition="0" endPosition="2"', 'startPosition="1" endPosition="1"', "is empty"),
        (f'guid="{_guid(31, True)}"', f'guid="{_guid(30, True)}"', "a GUID must name one element"),
        (f'guid="{_guid(31, True)}"', 'guid="not-a-guid"', "which is not a GUID"),
    ],
)
def test_bad_files_are_refused_with_one_clear_line_and_nothing_written(tmp_path, dump, old, new, message):
    source = _nvivo(tmp_path)
    path = tmp_path / "bad.qdpx"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.endswith(".qde"):
                text = data.decode()
                assert old in text
                data = text.replace(old, new, 1).encode()
            dst.writestr(item, data)
    db = tmp_path / "p.db"
    Project.open(db, create=True).close()
    before = dump(db)
    with Project.open(db) as project, pytest.raises(BadInput) as raised:
        import_file(project, path)
    said = str(raised.value)
    assert message in said and str(path) in said and "\n" not in said
    assert dump(db) == before
