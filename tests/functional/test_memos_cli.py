"""Memos from the command line (`qualcode memos set|list`), in the quote report (memos under their case or code,
--cite case-turn, --no-coder, --no-memo), through a REFI-QDA round trip and through a merge."""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from pathlib import Path

import pytest
import xmlschema

from qualcode.export.quotes import Style, _TurnFinder, collect
from qualcode.project import Project

XSD = Path(__file__).resolve().parents[1] / "data" / "refi-qda" / "Project.xsd"
CENTRAL = "中央根本就是希望我們關掉"


def _memos(cli, p, *args) -> list[dict]:
    return [
        {k: m[k] for k in ("type", "target", "author", "text")}
        for m in json.loads(cli.fast(*p, "memos", "list", *args, "--json").stdout)
    ]


def _stdin(*args: str, data: bytes):
    """A command in this process with `data` on its standard input."""
    from typer.testing import CliRunner

    from qualcode.cli import app

    return CliRunner().invoke(app, list(args), input=data, env={"COLUMNS": "200", "NO_COLOR": "1"})


def test_set_list_json_stdin_delete_and_undo(cli, demo_db):
    p = ("--project", str(demo_db))
    assert cli.fast(*p, "memos", "set", "--case", "A", "臺北市：局長重視 𠮷", "--coder", "tsai").stdout == (
        "memo on case A by tsai set\n"
    )
    proc = _stdin(*p, "memos", "set", "--document", "B", "-", "--coder", "tsai", data="文件備忘\n第二行 𠮷\n".encode())
    assert proc.exit_code == 0 and proc.stdout == "memo on document 2 by tsai set\n", proc.stderr
    cli.fast(*p, "memos", "set", "--project", "整個研究的備忘", "--coder", "lin")
    cli.fast(*p, "memos", "set", "--code", "budget", "經費的定義", "--coder", "tsai")
    coding = json.loads(cli.fast(*p, "code", "A", "central-support", "--quote", CENTRAL, "--memo", "中央態度",
                                 "--coder", "tsai", "--json").stdout)  # fmt: skip
    listed = [
        {"type": "project", "target": "", "author": "lin", "text": "整個研究的備忘"},
        {"type": "document", "target": "2", "author": "tsai", "text": "文件備忘\n第二行 𠮷"},  # one final \n dropped
        {"type": "case", "target": "A", "author": "tsai", "text": "臺北市：局長重視 𠮷"},
        {"type": "code", "target": "budget", "author": "tsai", "text": "經費的定義"},
    ]
    assert _memos(cli, p) == listed
    coding_memo = {"type": "coding", "target": coding["id"], "author": "tsai", "text": "中央態度"}
    assert _memos(cli, p, "--codings") == [*listed, coding_memo]
    assert _memos(cli, p, "--case", "A", "--codings") == [listed[2], coding_memo]
    assert _memos(cli, p, "--author", "lin") == [listed[0]]
    table = cli.fast(*p, "memos", "list", "--codings").stdout
    assert "臺北市：局長重視 𠮷" in table and f"{coding['id'][:8]} (A, central-support)" in table
    assert (
        cli.fast(*p, "memos", "set", "--case", "A", "", "--coder", "tsai").stdout == "memo on case A by tsai deleted\n"
    )
    assert cli.fast(*p, "memos", "set", "--case", "A", "", "--coder", "tsai").stdout == (
        "no memo on case A by tsai to delete\n"
    )
    assert cli.fast(*p, "undo", "--coder", "tsai").stdout == "undid memo change on case A\n"
    assert _memos(cli, p, "--case", "A") == [listed[2]]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("memos", "set", "text"), "give one of --project, --document DOC, --case CASE or --code CODE"),
        (("memos", "set", "--case", "A", "--code", "budget", "x"), "give one of --project"),
        (("memos", "set", "--project", "--case", "A", "x"), "give one of --project"),
        (("memos", "set", "--case", "Z", "x"), "unknown case 'Z' (known: A, B, C, D, E)"),
        (("memos", "set", "--code", "budgt", "x"), "unknown code 'budgt'; did you mean 'budget'?"),
        (("memos", "set", "--document", "9", "x"), "unknown document '9'"),
        (("memos", "list", "--case", "Z"), "unknown case 'Z'"),
        (("export", "quotes", "--cite", "turn"), "unknown citation 'turn' (use case or case-turn)"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_changes(cli, demo_db, dump, args, message):
    before = dump(demo_db)
    result = cli.fast("--project", str(demo_db), *args, ok=False)
    assert result.exit_code == 2
    assert result.stderr.strip() == f"qualcode: error: {message}" or (
        result.stderr.startswith(f"qualcode: error: {message}") and result.stderr.count("\n") == 1
    ), result.stderr
    assert dump(demo_db) == before


def test_stdin_that_is_not_utf8_is_refused(cli, demo_db, dump):
    before = dump(demo_db)
    proc = _stdin("--project", str(demo_db), "memos", "set", "--case", "A", "-", data="臺北".encode("big5"))
    assert proc.exit_code == 2
    assert proc.stderr == "qualcode: error: standard input is not UTF-8 text (byte 0); a memo is UTF-8\n"
    assert dump(demo_db) == before


@pytest.fixture
def reported(demo_db):
    """The demo project with codings of A (one in turn 34, one starting on turn 35's speaker label) and memos."""
    with Project.open(demo_db) as project:
        document = project.documents.document("A")
        turn = project.documents.turn(document.id, 35)
        project.codings.apply("A", "budget", "tsai", turn=34, memo="經費規模 𠮷")
        project.codings.apply("A", "staffing", "lin", span=(turn.start - 2, turn.start + 5))  # from 答： on
        central = project.codings.apply("A", "central-support", "tsai", quote=CENTRAL)
        project.codings.apply("B", "budget", "lin", turn=2)
        project.memos.set("project", None, "整個研究：五都比較", author="lin")
        project.memos.set("case", "A", "臺北市的訪談在局長任內", author="tsai")
        project.memos.set("document", "B", "新北市逐字稿缺一頁", author="lin")
        project.memos.set("code", "budget", "經費：預算規模與來源", author="tsai")
        project.memos.set("code", "leader-priority", "尚無引文的代碼備忘", author="lin")
        return demo_db, central


def test_quote_report_puts_memos_under_their_case_and_code(cli, reported):
    demo_db, _ = reported
    md = cli.fast("--project", str(demo_db), "export", "quotes").stdout
    lines = md.splitlines()
    at: dict[str, int] = {}
    for i, text in enumerate(lines):
        at.setdefault(text, i)  # where each line first appears
    assert lines[0] == "# 編碼引文報告" and lines[2] == "> 專案備忘（lin）：整個研究：五都比較"
    # case memos, and the case's documents' memos, under the case, before the codes
    assert at["## 個案備忘"] < at["**臺北市（A）**"] < at["> 備忘（tsai）：臺北市的訪談在局長任內"]
    assert (
        at["> 備忘（tsai）：臺北市的訪談在局長任內"]
        < at["**新北市（B）**"]
        < at["> 〈B〉備忘（lin）：新北市逐字稿缺一頁"]
    )
    assert at["> 〈B〉備忘（lin）：新北市逐字稿缺一頁"] < at["## 現有資源（Existing resources）"]
    # a code's memo right under its heading, before its quotes
    budget = at["### 預算（Budget）"]
    assert lines[budget + 2] == "> 備忘（tsai）：經費：預算規模與來源" and lines[budget + 4] == "**臺北市（A）**"
    assert lines[budget + 6].endswith("」(A) — tsai；備忘：經費規模 𠮷")
    # a code with a memo and no quotes keeps its heading, under its parent's
    assert at["## 主管重視程度（Leader attention）"] + 4 == at["### 主管對政策的重視（Leader's priority）"] + 2
    assert at["### 主管對政策的重視（Leader's priority）"] + 2 == at["> 備忘（lin）：尚無引文的代碼備忘"]
    assert f"- 「{CENTRAL}」(A) — tsai" in lines


def test_cite_case_turn_numbers_the_turn_holding_the_quote(cli, reported):
    demo_db, central = reported
    p = ("--project", str(demo_db))
    md = cli.fast(*p, "export", "quotes", "--cite", "case-turn").stdout
    with Project.open(demo_db) as project:
        document = project.documents.document("A")
        turns = project.documents.turns(document.id)
        [holding] = [t.number for t in turns if t.start <= central.start < t.end]
        budget = project.codings.select(code="budget", case="A")[0]
        staffing = project.codings.select(code="staffing")[0]
    assert f"- 「{CENTRAL}」(A, 第 {holding} 輪) — tsai" in md.splitlines()
    assert "」(A, 第 34 輪) — tsai；備忘：經費規模 𠮷" in md
    assert "」(B, 第 2 輪) — lin" in md
    assert "」(A) — lin" in md  # a coding that starts on a speaker label is in no turn: cited by case only
    conn = sqlite3.connect(demo_db)  # the quotes view numbers turns the same way
    try:
        view = dict(conn.execute("SELECT id, turn FROM quotes").fetchall())
    finally:
        conn.close()
    assert (view[central.id], view[budget.id], view[staffing.id]) == (holding, 34, None)


def test_turn_of_every_offset_of_transcript_a_is_the_turn_that_holds_it(project):
    document = project.documents.document("A")
    turns = project.documents.turns(document.id)
    finder = _TurnFinder(project.documents.all_turns())
    for offset in range(document.length):
        expected = [t.number for t in turns if t.start <= offset < t.end]
        assert finder.at(document.id, offset) == (expected[0] if expected else None), offset
    assert len({finder.at(document.id, o) for o in range(document.length)}) == len(turns) + 1  # and None


def test_no_coder_and_no_memo(cli, reported):
    demo_db, _ = reported
    p = ("--project", str(demo_db))
    anonymous = cli.fast(*p, "export", "quotes", "--no-coder").stdout
    assert "tsai" not in anonymous and "lin" not in anonymous
    assert "> 專案備忘：整個研究：五都比較" in anonymous and "> 〈B〉備忘：新北市逐字稿缺一頁" in anonymous
    assert f"- 「{CENTRAL}」(A)\n" in anonymous and "」(A) — 備忘：經費規模 𠮷" in anonymous
    bare = cli.fast(*p, "export", "quotes", "--no-memo").stdout
    assert "備忘" not in bare and "經費：預算規模與來源" not in bare and "主管重視程度" not in bare
    assert f"- 「{CENTRAL}」(A) — tsai" in bare.splitlines()
    assert "- 「" in cli.fast(*p, "export", "quotes", "--no-memo", "--no-coder", "--cite", "case-turn").stdout
    # --coder keeps one coder's codings and memos
    only_lin = cli.fast(*p, "export", "quotes", "--coder", "lin").stdout
    assert "整個研究" in only_lin and "臺北市的訪談" not in only_lin and CENTRAL not in only_lin


def test_quote_report_docx_has_the_memos(cli, reported, tmp_path):
    import docx

    demo_db, _ = reported
    target = tmp_path / "q.docx"
    cli.fast("--project", str(demo_db), "export", "quotes", "--format", "docx", "-o", str(target), "--cite",
             "case-turn")  # fmt: skip
    paragraphs = [(para.style.name, para.text) for para in docx.Document(target).paragraphs]
    assert paragraphs[1] == ("Quote", "專案備忘（lin）：整個研究：五都比較")
    assert ("Heading 1", "個案備忘") in paragraphs and ("Quote", "〈B〉備忘（lin）：新北市逐字稿缺一頁") in paragraphs
    budget = paragraphs.index(("Heading 2", "預算（Budget）"))
    assert paragraphs[budget + 1] == ("Quote", "備忘（tsai）：經費：預算規模與來源")
    assert any(s == "List Bullet" and "(A, 第 34 輪)" in t for s, t in paragraphs)


def test_report_collects_memos_of_codes_that_are_gone_nowhere(project):
    project.codebook.create_code("temp", "暫時", parent="resources", coder="carol")
    project.memos.set("code", "temp", "暫時代碼的備忘", author="alice")
    project.history.undo("carol")  # the code goes, its memo stays in the table
    report = collect(project, style=Style())
    assert all(not s.memos for s in report.sections) and report.case_memos == [] and report.project_memos == []


def _qde(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("project.qde")


def _named(project) -> list[tuple]:
    """Memos by what they are about as a person reads it (codes by name, documents by case and title)."""
    names = {c.id: c.name for c in project.codebook.codes()}
    docs = {str(d.id): f"{d.case_id}/{d.title}" for d in project.documents.documents()}
    about = {"code": names, "document": docs}
    return sorted(
        (m.target_type, about.get(m.target_type, {}).get(m.target_id, m.target_id), m.author, m.text, m.created_at,
         m.updated_at)
        for m in project.memos.list()
    )  # fmt: skip


def test_refi_qda_round_trip_keeps_memos(cli, reported, tmp_path):
    demo_db, _ = reported
    with Project.open(demo_db) as project:
        project.memos.set("case", "A", "第二位作者 𠮷", author="lin")
        before = _named(project)
    exported = tmp_path / "p.qdpx"
    cli.fast("--project", str(demo_db), "export", "qdpx", "-o", str(exported))
    first = exported.read_bytes()
    xmlschema.XMLSchema(XSD).validate(_qde(first))
    text = _qde(first).decode("utf-8")
    assert text.count("<Link ") == 2 and text.count("<NoteRef ") == 5  # 2 case memos; 4 other memos, 1 coding memo
    copy = tmp_path / "copy.db"
    cli.fast("--project", str(copy), "init")
    out = cli.fast("--project", str(copy), "import-qdpx", str(exported)).stdout
    assert "imported 25 codes, 5 documents, 4 codings" in out
    with Project.open(copy) as again:
        assert _named(again) == before and len(before) == 6
        assert again.codings.select(code=None, coder="tsai")[0].memo == "經費規模 𠮷"  # coding memos stay codings'
    cli.fast("--project", str(copy), "export", "qdpx", "-o", str(tmp_path / "again.qdpx"))
    assert (tmp_path / "again.qdpx").read_bytes() == first  # the same GUIDs, links and notes


def test_merge_carries_memos_and_their_undo_history(cli, demo_db, copy_db, tmp_path):
    other = copy_db(demo_db, tmp_path / "other.db")
    with Project.open(other) as project:
        project.memos.set("case", "C", "臺中：bob 的個案備忘", author="bob")
        project.memos.set("code", "budget", "bob 的代碼備忘 𠮷", author="bob")
        project.memos.set("case", "A", "alice 在那邊寫的", author="alice")
    with Project.open(demo_db) as project:
        project.memos.set("case", "A", "alice 在這邊寫的", author="alice")
    report = json.loads(cli.fast("--project", str(demo_db), "merge", str(other), "--json").stdout)
    memos = report["counts"]["memos"]
    assert (memos["added"], memos["conflicts"]) == (2, 1)
    conflict = next(d for d in report["details"] if d["kind"] == "memos")
    assert (
        conflict["message"]
        == "memo on case A by alice: kept this project's 「alice 在這邊寫的」; the other's is 「alice 在那邊寫的」"
    )
    assert report["counts"]["events"]["added"] == 2 and report["counts"]["events"]["refused"] == 1  # alice's: differs
    with Project.open(demo_db) as project:
        assert {(m.target_id, m.author): m.text for m in project.memos.list()} == {
            ("A", "alice"): "alice 在這邊寫的",
            ("C", "bob"): "臺中：bob 的個案備忘",
            ("budget", "bob"): "bob 的代碼備忘 𠮷",
        }
    assert cli.fast("--project", str(demo_db), "undo", "--coder", "bob").stdout == "undid memo change on code budget\n"
    again = json.loads(cli.fast("--project", str(demo_db), "merge", str(other), "--json").stdout)
    assert again["counts"]["memos"]["added"] == 0  # bob removed it here since: not added again
    with Project.open(demo_db) as project:
        assert project.memos.get("code", "budget", author="bob") is None


def test_merge_of_a_qdpx_brings_its_memos(cli, reported, demo_template, copy_db, tmp_path):
    demo_db, _ = reported
    exported = tmp_path / "p.qdpx"
    cli.fast("--project", str(demo_db), "export", "qdpx", "-o", str(exported))
    fresh = copy_db(demo_template, tmp_path / "fresh.db")
    report = json.loads(cli.fast("--project", str(fresh), "merge", str(exported), "--json").stdout)
    assert report["counts"]["memos"]["added"] == 6  # five memos and the coding's memo
    with Project.open(demo_db) as ours, Project.open(fresh) as merged:
        assert _named(merged) == _named(ours)
