"""The factor-strength table keeps its shape: every case of the project is a column whatever is rated, in every
format, and the all-facet CSV puts each value under its own case."""

from __future__ import annotations

import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CITIES = ["臺北市", "新北市", "臺中市", "臺南市", "高雄市"]  # cases A–E, in the project's order
HEADER = ["facet", "dimension", "factor", "code", *CITIES]


def _csv(raw: bytes) -> list[list[str]]:
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def _rate_a_then_d_only(cli, db) -> None:
    """建置面 rated on A only, 內容面 on D only: the later facet's rated case is not the first one."""
    p = ("--project", str(db))
    cli.fast(*p, "rate", "A", "budget", "強", "--facet", "establishment", "--coder", "tsai")
    cli.fast(*p, "rate", "D", "budget", "中", "--facet", "content", "--coder", "tsai")
    cli.fast(*p, "rate", "D", "staffing", "弱", "--facet", "content", "--coder", "tsai")


def test_all_facet_csv_puts_each_value_under_its_case(cli, demo_db, tmp_path):
    _rate_a_then_d_only(cli, demo_db)
    target = tmp_path / "all.csv"
    cli.fast("--project", str(demo_db), "export", "table", "--format", "csv", "-o", str(target))
    rows = _csv(target.read_bytes())
    assert rows[0] == HEADER
    assert all(len(row) == len(HEADER) for row in rows)
    by_key = {(row[0], row[3]): dict(zip(CITIES, row[4:])) for row in rows[1:]}
    assert {facet for facet, _ in by_key} == {"建置面", "內容面"}  # 成果面, rated by nobody, is left out
    assert by_key[("建置面", "budget")] == {"臺北市": "強", "新北市": "", "臺中市": "", "臺南市": "", "高雄市": ""}
    assert by_key[("內容面", "budget")] == {"臺北市": "", "新北市": "", "臺中市": "", "臺南市": "中", "高雄市": ""}
    assert by_key[("內容面", "staffing")]["臺南市"] == "弱"
    filled = [(facet, code, city) for (facet, code), cells in by_key.items() for city, v in cells.items() if v]
    assert sorted(filled) == [
        ("內容面", "budget", "臺南市"),
        ("內容面", "staffing", "臺南市"),
        ("建置面", "budget", "臺北市"),
    ]


def test_xlsx_has_every_case_and_the_value_under_d(cli, demo_db, tmp_path):
    from openpyxl import load_workbook

    _rate_a_then_d_only(cli, demo_db)
    target = tmp_path / "t.xlsx"
    cli.fast("--project", str(demo_db), "export", "table", "--format", "xlsx", "-o", str(target))
    book = load_workbook(target)
    assert book.sheetnames == ["建置面", "內容面"]
    for sheet in book.worksheets:
        assert [c.value for c in sheet[1]] == ["影響因素", "因素", *CITIES]
    content = book["內容面"]
    rows = {content.cell(row=r, column=2).value: r for r in range(2, content.max_row + 1)}
    budget = [content.cell(row=rows["預算"], column=c).value or "" for c in range(3, 8)]
    assert budget == ["", "", "", "中", ""]
    fills = [content.cell(row=rows["預算"], column=c).fill.fill_type for c in range(3, 8)]
    assert fills == [None, None, None, "solid", None]  # the step's colour on D's cell only
    establishment = book["建置面"]
    assert [establishment.cell(row=rows["預算"], column=c).value or "" for c in range(3, 8)] == ["強", "", "", "", ""]


def test_every_format_shows_every_case(cli, demo_db, tmp_path):
    """Markdown, HTML and the terminal table of a facet rated on D only still have the five cases as columns."""
    cli.fast("--project", str(demo_db), "rate", "D", "budget", "中", "--facet", "content", "--coder", "tsai")
    p = ("--project", str(demo_db), "export", "table", "--facet", "content")
    md = cli.fast(*p).stdout
    assert "| 影響因素 | 因素 | " + " | ".join(CITIES) + " |" in md
    assert "|  | 預算 |  |  |  | 中 |  |" in md
    page = tmp_path / "t.html"
    cli.fast(*p, "--format", "html", "-o", str(page))
    html = page.read_text(encoding="utf-8")
    assert "".join(f"<th>{city}</th>" for city in CITIES) in html
    term = cli.fast(*p, "--format", "term").stdout  # not a terminal: the table at full width
    header = next(line for line in term.splitlines() if CITIES[0] in line)  # headings in the CLI's language
    assert [cell.strip() for cell in header.strip("┃").split("┃")] == ["dimension", "factor", *CITIES]
    budget = next(line for line in term.splitlines() if "預算" in line)
    assert [cell.strip() for cell in budget.strip("│").split("│")][2:] == ["", "", "", "中", ""]
    assert "·" not in term and "…" not in term


def test_raters_side_by_side_keep_every_case(cli, demo_db, tmp_path):
    p = ("--project", str(demo_db))
    cli.fast(*p, "rate", "D", "budget", "中", "--facet", "content", "--coder", "alice")
    cli.fast(*p, "rate", "B", "budget", "強", "--facet", "content", "--coder", "bob")
    target = tmp_path / "side.csv"
    cli.fast(*p, "export", "table", "--raters", "alice,bob", "--format", "csv", "-o", str(target))
    rows = _csv(target.read_bytes())
    assert rows[0] == HEADER
    budget = next(row for row in rows if row[3] == "budget")
    assert budget[4:] == ["", "alice:· / bob:強 ≠", "", "alice:中 / bob:· ≠", ""]


RATED = ["budget", "staffing", "central-support", "leader-attention"]
FACETS = {"establishment": "建置面", "content": "內容面", "outcome": "成果面"}
LABELS = {"weak": "弱", "medium": "中", "strong": "強"}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.dictionaries(
        st.tuples(st.sampled_from(list(FACETS)), st.sampled_from(RATED), st.sampled_from("ABCDE")),
        st.sampled_from(list(LABELS)),
        max_size=12,
    )
)
def test_csv_matches_the_ratings_cell_for_cell(project, ratings):
    """Oracle: the ratings themselves. The CSV (what the CLI and the TUI's export write) has a column per case,
    a row per rated code of each facet that has a rating, and each rated step exactly in its (facet, code, case)
    cell; every other cell is empty."""
    from qualcode.export import run as exports

    for rating in project.ratings.select():
        project.ratings.clear(rating.case_id, rating.code_id, coder="tsai", facet=rating.facet_id)
    for (facet, code, case), step in ratings.items():
        project.ratings.rate(case, code, step, coder="tsai", facet=facet)
    rows = _csv(exports.render(project, "table", "csv"))
    assert rows[0] == HEADER
    facets = {FACETS[f] for f, _, _ in ratings} or set(FACETS.values())
    assert {row[0] for row in rows[1:]} == facets
    expected = {(FACETS[f], code, "ABCDE".index(case)): LABELS[step] for (f, code, case), step in ratings.items()}
    for row in rows[1:]:
        assert len(row) == len(HEADER)
        for i, value in enumerate(row[4:]):
            assert value == expected.get((row[0], row[3], i), ""), (row, i)
    placed = {(row[0], row[3], i) for row in rows[1:] for i, value in enumerate(row[4:]) if value}
    assert placed == set(expected)
