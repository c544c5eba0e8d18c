"""Exports: Table 5-9/5-10 rebuilt through the CLI cell for cell, XLSX/DOCX reopened, matrices, quotes."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

# Tables 5-9 and 5-10 of the thesis (tables-ch5.txt), by code id and case.
TABLE_5_9 = {
    "urbanization": "中中中中弱",
    "public-demand": "中中中中弱",
    "digitalization": "中中中中弱",
    "organization": "強中中中弱",
    "staffing": "強中中中弱",
    "budget": "強中中中中",
    "central-support": "中強強強強",
    "legislature": "弱弱中弱弱",
    "internal-consensus": "中強強強中",
    "leader-attention": "強中強中強",
}
TABLE_5_10_CONTENT = {
    "urbanization": "弱弱弱",
    "public-demand": "中中中",
    "digitalization": "弱弱弱",
    "organization": "中弱弱",
    "staffing": "強中中",
    "budget": "強中強",
    "central-support": "中強強",
    "legislature": "弱弱弱",
    "internal-consensus": "弱強強",
    "leader-attention": "弱弱弱",
}
ROW_NAMES = [
    "都市化程度",
    "民眾對 ICTs 服務之需求",
    "數位化程度",
    "組織結構",
    "人力",
    "預算",
    "中央政府對於地方政府支持程度",
    "立法機關之意向",
    "內部制度與人員共識",
    "",
]


def _enter(cli, db, table, facet, cases="ABCDE"):
    for code, values in table.items():
        for case, value in zip(cases, values):
            cli.fast("--project", str(db), "rate", case, code, value, "--facet", facet, "--coder", "tsai")


@pytest.fixture(scope="session")
def rated_template(session_cli, demo_template, copy_db) -> Path:
    """The demo project with Tables 5-9 and 5-10 entered through the CLI (80 `rate` commands), once per session."""
    cli, folder = session_cli
    path = copy_db(demo_template, folder / "rated.db")
    _enter(cli, path, TABLE_5_9, "establishment")
    _enter(cli, path, TABLE_5_10_CONTENT, "content", "ABC")
    return path


@pytest.fixture
def rated(rated_template, copy_db, tmp_path) -> Path:
    """A private copy of the rated project: tests may change it."""
    return copy_db(rated_template, tmp_path / "rated.db")


def test_each_test_gets_its_own_copy_of_the_rated_project(rated, rated_template):
    from qualcode.project import Project

    assert rated != rated_template
    with Project.open(rated) as project:
        ratings = project.ratings.select()
        assert len(ratings) == 5 * len(TABLE_5_9) + 3 * len(TABLE_5_10_CONTENT)
        assert {r.coder for r in ratings} == {"tsai"}
        project.ratings.clear("A", "budget", coder="tsai", facet="establishment")
    with Project.open(rated_template) as template:
        assert template.ratings.find("A", "budget", coder="tsai", facet="establishment") is not None


def test_table_5_9_rebuilt_cell_for_cell_as_csv(cli, rated, tmp_path):
    target = tmp_path / "t.csv"
    cli("--project", str(rated), "export", "table", "--facet", "establishment", "--format", "csv", "-o", str(target))
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["facet", "dimension", "factor", "code", "臺北市", "新北市", "臺中市", "臺南市", "高雄市"]
    assert [r[3] for r in rows[1:]] == list(TABLE_5_9)
    for row in rows[1:]:
        assert "".join(row[4:]) == TABLE_5_9[row[3]], row
    assert [r[1] for r in rows[1:]] == ["縣市區域特性"] * 3 + ["現有資源"] * 3 + ["地方政策與內部整合"] * 3 + [
        "主管重視程度"
    ]


def test_table_5_10_keeps_every_case_with_the_unrated_ones_empty(cli, rated):
    md = cli("--project", str(rated), "export", "table", "--facet", "content").stdout
    header = next(line for line in md.splitlines() if line.startswith("| 影響因素"))
    assert header == "| 影響因素 | 因素 | 臺北市 | 新北市 | 臺中市 | 臺南市 | 高雄市 |"
    body = [line for line in md.splitlines() if line.startswith("| ") and not line.startswith("| 影響因素")]
    assert len(body) == len(TABLE_5_10_CONTENT)
    for line, (code, values) in zip(body, TABLE_5_10_CONTENT.items()):
        assert [cell.strip() for cell in line.strip("|").split("|")[2:]] == [*values, "", ""], (code, line)


def test_xlsx_reopened_cell_by_cell(cli, rated, tmp_path):
    from openpyxl import load_workbook

    target = tmp_path / "t.xlsx"
    cli("--project", str(rated), "export", "table", "--format", "xlsx", "-o", str(target))
    book = load_workbook(target)
    assert book.sheetnames == ["建置面", "內容面"]
    sheet = book["建置面"]
    assert [c.value for c in sheet[1]] == ["影響因素", "因素", "臺北市", "新北市", "臺中市", "臺南市", "高雄市"]
    for i, values in enumerate(TABLE_5_9.values(), start=2):
        assert "".join(sheet.cell(row=i, column=c).value for c in range(3, 8)) == values
        assert (sheet.cell(row=i, column=2).value or "") == ROW_NAMES[i - 2]
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A2:A4", "A5:A7", "A8:A10", "A11:B11"} <= merged
    assert sheet["A2"].value == "縣市區域特性" and sheet["A11"].value == "主管重視程度"
    assert sheet.freeze_panes == "C2"
    strong = sheet["C5"]  # 組織結構, 臺北市: 強
    assert strong.value == "強" and strong.fill.fgColor.rgb.endswith("08519C")
    assert sheet.column_dimensions["B"].width >= 2 * len("中央政府對於地方政府支持程度")


@pytest.mark.slow
def test_counts_html_and_overwrite_protection(cli, rated, tmp_path):
    p = ("--project", str(rated))
    coding = cli.json(*p, "code", "A", "budget", "--turn", "6", "--coder", "tsai")
    cli(*p, "rate", "A", "budget", "強", "--evidence", coding["id"], "--coder", "tsai")
    md = cli(*p, "export", "table", "--facet", "establishment", "--counts").stdout
    assert "| 預算 | 強 (1) | 中 (0) |" in md
    page = tmp_path / "t.html"
    cli(*p, "export", "table", "--format", "html", "-o", str(page))
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and 'rowspan="3"' in text and "background:#08519C" in text
    again = cli(*p, "export", "table", "--format", "html", "-o", str(page), ok=False)
    assert again.returncode == 2 and "already exists; pass --force" in again.stderr
    cli(*p, "export", "table", "--format", "html", "-o", str(page), "--force")
    assert not list(tmp_path.glob(".t.html.*"))  # no temporary file left behind


@pytest.mark.slow
def test_several_raters_need_a_choice(cli, rated):
    cli("--project", str(rated), "rate", "A", "budget", "弱", "--coder", "second")
    proc = cli("--project", str(rated), "export", "table", ok=False)
    assert proc.returncode == 2 and "several coders rated" in proc.stderr
    assert "弱" in cli("--project", str(rated), "export", "table", "--coder", "second").stdout


def test_matrices(project):
    from qualcode.analysis.matrix import case_by_code, cooccurrence

    a_turn = project.documents.turn(project.documents.document("A").id, 6)
    project.codings.apply("A", "budget", "x", turn=6)
    project.codings.apply(
        "A", "staffing", "x", span=(a_turn.start + 5, a_turn.start + 30)
    )  # overlaps the budget coding
    project.codings.apply("A", "staffing", "y", span=(a_turn.start + 5, a_turn.start + 30))  # same span, second coder
    project.codings.apply("E", "organization", "x", turn=2)
    counts = case_by_code(project, "count")
    assert counts.value("budget", "A") == 1 and counts.value("staffing", "A") == 1  # two coders, one segment
    assert counts.value("resources", "A") == 1  # parent: overlapping child spans merged, not double counted
    assert counts.value("resources", "E") == 1 and counts.value("resources", "B") == 0
    presence = case_by_code(project, "presence")
    assert presence.value("organization", "E") == 1 and presence.value("organization", "A") == 0
    coverage = case_by_code(project, "coverage")
    answers = sum(
        t.end - t.start for t in project.documents.turns(project.documents.document("A").id) if t.speaker == "答"
    )
    assert coverage.value("budget", "A") == round(100 * (a_turn.end - a_turn.start) / answers, 2)
    co = cooccurrence(project, "overlap")
    assert co.value("budget", "staffing") == 1 and co.value("staffing", "budget") == 1
    assert co.value("budget", "organization") == 0
    assert cooccurrence(project, "turn").value("budget", "staffing") == 1


@pytest.mark.slow
def test_matrix_files(cli, demo_db, tmp_path):
    from openpyxl import load_workbook

    p = ("--project", str(demo_db))
    cli(*p, "code", "B", "central-support", "--turn", "2")
    target = tmp_path / "m.xlsx"
    cli(*p, "export", "matrix", "--kind", "presence", "--format", "xlsx", "-o", str(target))
    sheet = load_workbook(target).active
    header = [c.value for c in sheet[1]]
    assert header == ["code", "name", "dimension", "臺北市", "新北市", "臺中市", "臺南市", "高雄市"]
    row = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "central-support")
    assert row[3:] == (0, 1, 0, 0, 0)
    csv_file = tmp_path / "m.csv"
    cli(*p, "export", "matrix", "--kind", "cooccurrence", "--cooccurrence", "turn", "-o", str(csv_file))
    assert csv_file.read_bytes().startswith(b"\xef\xbb\xbf")


@pytest.mark.slow
def test_quote_report_markdown_and_docx_with_pseudonyms(cli, demo_db, tmp_path):
    import docx

    p = ("--project", str(demo_db))
    text = (Path(__file__).resolve().parents[2] / "transcripts" / "A.txt").read_text(encoding="utf-8")
    assert "蘇局長" in text
    cli(
        *p,
        "code",
        "A",
        "leader-priority",
        "--quote",
        "當時蘇局長任內開始相當重視這個業務",
        "--memo",
        "蘇局長重視",
        "--coder",
        "tsai",
    )
    cli(*p, "code", "A", "central-support", "--quote", "中央根本就是希望我們關掉", "--coder", "tsai")
    names = tmp_path / "names.txt"
    names.write_text("# pseudonyms\n蘇局長 -> 局長甲\n", encoding="utf-8")
    md = cli(*p, "export", "quotes", "--pseudonyms", str(names)).stdout
    assert "「當時局長甲任內開始相當重視這個業務」(A) — tsai；備忘：局長甲重視" in md
    assert "蘇局長" not in md
    assert (
        md.index("## 地方政策與內部整合")
        < md.index("### 中央政府對於地方政府支持程度")
        < md.index("「中央根本就是希望我們關掉」(A)")
    )
    assert md.index("主管重視程度") > md.index("地方政策與內部整合")  # codebook order
    target = tmp_path / "q.docx"
    cli(*p, "export", "quotes", "--format", "docx", "-o", str(target), "--pseudonyms", str(names))
    document = docx.Document(target)
    styles = [(para.style.name, para.text) for para in document.paragraphs]
    assert styles[0] == ("Title", "編碼引文報告")
    assert ("Heading 1", "地方政策與內部整合（Local policy and internal integration）") in styles
    assert ("Heading 2", "中央政府對於地方政府支持程度（Central government support）") in styles
    assert ("Heading 3", "臺北市（A）") in styles
    quote = next(t for s, t in styles if "局長甲" in t)
    assert quote.startswith("「當時局長甲任內開始相當重視這個業務」(A)")
    assert "蘇局長" not in "\n".join(t for _, t in styles)
    east_asia = document.styles["Normal"].element.rPr.rFonts.get(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia"
    )
    assert east_asia == "PMingLiU"


@pytest.mark.slow
def test_bad_export_input(cli, demo_db, tmp_path):
    p = ("--project", str(demo_db))
    bad = tmp_path / "names.txt"
    bad.write_text("蘇局長 = 局長甲\n", encoding="utf-8")
    proc = cli(*p, "export", "quotes", "--pseudonyms", str(bad), ok=False)
    assert proc.returncode == 2 and "names.txt:1: expected 'name -> replacement'" in proc.stderr
    proc = cli(*p, "rate", "A", "budget", "super", ok=False)
    assert proc.returncode == 2 and "unknown rating value 'super'" in proc.stderr
    proc = cli(*p, "rate", "A", "budget", "強", "--facet", "nope", ok=False)
    assert proc.returncode == 2 and "unknown facet 'nope'" in proc.stderr
    coding = cli.json(*p, "code", "B", "budget", "--turn", "2")
    proc = cli(*p, "rate", "A", "budget", "強", "--evidence", coding["id"], ok=False)
    assert proc.returncode == 2 and "is from case B, not A" in proc.stderr


@pytest.mark.slow
def test_heatmaps_render_cjk_as_svg_and_png(cli, rated, tmp_path):
    p = ("--project", str(rated))
    svg = tmp_path / "t.svg"
    cli(*p, "export", "table", "--format", "svg", "-o", str(svg))
    text = svg.read_text(encoding="utf-8")
    assert text.lstrip().startswith("<?xml") and "<svg" in text
    assert "<text" not in text and text.count("<use") > 50  # labels drawn as glyph outlines: CJK shows without the font
    again = tmp_path / "again.svg"
    cli(*p, "export", "table", "--format", "svg", "-o", str(again))
    assert again.read_bytes() == svg.read_bytes()
    png = tmp_path / "m.png"
    cli(*p, "code", "A", "budget", "--turn", "6")
    cli(*p, "export", "matrix", "--format", "png", "-o", str(png))
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 20_000


def test_cjk_font_is_found():
    from matplotlib import font_manager

    from qualcode.export.heatmap import cjk_font

    path = cjk_font()
    font = font_manager.FontProperties(fname=str(path))
    from matplotlib.ft2font import FT2Font

    face = FT2Font(str(path))
    assert face.get_char_index(ord("臺")) and face.get_char_index(ord("強"))
    assert font.get_name()
