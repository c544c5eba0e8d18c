"""qualcode agree over codings, ratings and sheets: the figures, the JSON shape, the files."""

from __future__ import annotations

import csv
import io
import json

import pytest

from qualcode.errors import BadInput

KEYS = {
    "units",
    "percent",
    "cohen_kappa",
    "fleiss_kappa",
    "krippendorff_alpha",
    "brennan_prediger",
    "gwet_ac1",
    "holsti",
}


def _code_both(project):
    """alice and bob code turn 6 of A as budget; bob codes turn 8 as staffing, alice part of it."""
    document = project.documents.document("A")
    turn8 = project.documents.turn(document.id, 8)
    for coder in ("alice", "bob"):
        project.codings.apply("A", "budget", coder, turn=6)
    project.codings.apply("A", "staffing", "bob", turn=8)
    project.codings.apply("A", "staffing", "alice", span=(turn8.start, turn8.start + 50))
    return turn8


def test_character_agreement_counts_the_characters_of_the_selected_turns(project):
    turn8 = _code_both(project)
    report = project.team.agreement(cases=["A"], unit="char").to_json()
    assert set(report) >= KEYS | {"unit", "coders", "per_code", "disagreements"}
    assert report["unit"] == "char" and report["coders"] == ["alice", "bob"]
    utterances = sum(t.end - t.start for t in project.documents.turns(project.documents.document("A").id))
    staffing = report["per_code"]["staffing"]
    assert staffing["units"] == utterances  # every character of every utterance of A is a unit
    differ = turn8.end - turn8.start - 50
    assert staffing["percent"] == pytest.approx(1 - differ / utterances)
    assert report["per_code"]["budget"]["percent"] == 1.0 and report["per_code"]["budget"]["cohen_kappa"] == 1.0
    [disagreement] = report["disagreements"]
    assert disagreement == {"code": "staffing", "document": turn8.document_id, "case": "A",
                            "start": turn8.start + 50, "end": turn8.end, "coders": {"alice": False, "bob": True}}  # fmt: skip
    assert report["units"] == 2 * utterances  # pooled: every (unit, code) pair is one decision


def test_turn_and_sentence_units_and_the_speaker_filter(project):
    _code_both(project)
    by_turn = project.team.agreement(cases=["A"], unit="turn", speaker="答").to_json()
    answers = [t for t in project.documents.turns(project.documents.document("A").id) if t.speaker == "答"]
    assert by_turn["per_code"]["staffing"]["units"] == len(answers)
    assert by_turn["per_code"]["staffing"]["percent"] == 1.0  # both coded something of turn 8
    by_sentence = project.team.agreement(cases=["A"], unit="sentence").to_json()
    assert by_sentence["per_code"]["staffing"]["percent"] < 1.0


def test_undefined_statistics_are_null_never_made_up(project):
    project.codings.apply("A", "budget", "alice", turn=6)
    project.codings.apply("A", "budget", "bob", turn=6)
    report = project.team.agreement(unit="segment").to_json()  # one unit, both yes: one category only
    assert report["units"] == 2 and report["percent"] == 1.0
    assert report["cohen_kappa"] is None and report["fleiss_kappa"] is None and report["krippendorff_alpha"] is None


def test_bad_requests_are_one_clear_line(project):
    project.codings.apply("A", "budget", "alice", turn=6)
    with pytest.raises(BadInput, match="two coders or more"):
        project.team.agreement()
    project.codings.apply("A", "budget", "bob", turn=6)
    with pytest.raises(BadInput, match="unknown unit 'word'"):
        project.team.agreement(unit="word")
    with pytest.raises(BadInput, match="coder 'carol' has no codings"):
        project.team.agreement(coders=["alice", "carol"])


def test_rating_agreement_is_ordinal_over_the_table_cells(project):
    for case, alice, bob in (("A", "強", "強"), ("B", "中", "強"), ("C", "弱", "弱"), ("D", "中", "中")):
        project.ratings.rate(case, "budget", alice, coder="alice")
        project.ratings.rate(case, "budget", bob, coder="bob")
    report = project.team.rating_agreement().to_json()
    assert report["unit"] == "rating" and report["level"] == "ordinal" and report["units"] == 4
    assert report["percent"] == pytest.approx(0.75)
    assert 0 < report["krippendorff_alpha"] < 1


@pytest.mark.slow
def test_cli_table_json_and_files(cli, demo_db, tmp_path):
    p = ("--project", str(demo_db))
    cli(*p, "--coder", "alice", "code", "A", "budget", "--turn", "6")
    cli(*p, "--coder", "bob", "code", "A", "budget", "--turn", "6")
    cli(*p, "--coder", "bob", "code", "A", "staffing", "--turn", "8")
    shown = cli(*p, "agree", "--unit", "turn").stdout
    assert "Cohen's κ" in shown and "Krippendorff's α" in shown and "unit: turn" in shown
    data = cli.json(*p, "agree", "--unit", "turn")
    assert data["per_code"]["budget"]["percent"] == 1.0
    cli(*p, "agree", "--format", "csv", "-o", str(tmp_path / "a.csv"))
    rows = list(csv.reader(io.StringIO((tmp_path / "a.csv").read_text(encoding="utf-8-sig"))))
    assert rows[1][:3] == ["code", "units", "percent agreement"] and rows[-1][0] == "(pooled)"
    refused = cli(*p, "agree", "--format", "csv", "-o", str(tmp_path / "a.csv"), ok=False)
    assert refused.returncode == 2 and "already exists" in refused.stderr
    cli(*p, "agree", "--format", "xlsx", "-o", str(tmp_path / "a.xlsx"))
    assert (tmp_path / "a.xlsx").read_bytes()[:2] == b"PK"


@pytest.mark.slow
def test_cli_sheet_with_three_coders(cli, tmp_path):
    sheet = tmp_path / "sites.csv"
    sheet.write_text(
        "\ufeffunit,item,coder,value\n"
        + "".join(
            f"{site},has_search,{coder},{value}\n"
            for site, values in (("A", "yyy"), ("B", "yyn"), ("C", "nnn"), ("D", "yny"))
            for coder, value in zip(("甲", "乙", "丙"), values, strict=True)
        ),
        encoding="utf-8",
    )
    data = json.loads(cli("agree", "--table", str(sheet), "--json").stdout)
    assert data["unit"] == "sheet" and data["coders"] == ["甲", "乙", "丙"] and data["units"] == 4
    # pairs: 甲|乙 agree on A, B, C (3 of 4) → .75; 甲|丙 on A, C, D → .75; 乙|丙 on A, C → .5
    assert data["holsti"]["pairs"] == {"甲|乙": 0.75, "甲|丙": 0.75, "乙|丙": 0.5}
    assert set(data["per_item"]) == {"has_search"}


def test_adjudication_writes_a_consensus_coder_and_is_undoable(project):
    turn8 = _code_both(project)
    items = project.team.to_adjudicate(unit="segment")
    # alice's 50 characters overlap bob's turn 8 by less than half their union: two unmatched segments
    assert sorted((i.code, i.start, i.end) for i in items) == [("staffing", turn8.start, turn8.start + 50),
                                                               ("staffing", turn8.start, turn8.end)]  # fmt: skip
    [item] = [i for i in items if i.end == turn8.end]
    assert item.votes == {"alice": False, "bob": True} and not item.reviewed
    assert item.spans == {"alice": [(turn8.start, turn8.start + 50)], "bob": [(turn8.start, turn8.end)]}
    made = project.team.adjudicate(item, "keep:bob")
    assert [(c.coder, c.start, c.end) for c in made] == [("consensus", turn8.start, turn8.end)]
    [again] = [i for i in project.team.to_adjudicate(unit="segment") if i.key == item.key]
    assert again.reviewed
    # the consensus coder is compared like any coder
    assert project.team.agreement(coders=["bob", "consensus"], codes=["staffing"]).per_code["staffing"].percent == 1.0
    assert "undid adjudication" in project.history.undo("consensus").description
    assert list(project.codings.select(coder="consensus")) == []
    assert not next(i for i in project.team.to_adjudicate(unit="segment") if i.key == item.key).reviewed
    project.history.redo("consensus")
    union = project.team.adjudicate(item, "intersection")  # the consensus coder had bob's; the overlap is new
    assert [(c.start, c.end) for c in union] == [(turn8.start, turn8.start + 50)]
    with pytest.raises(BadInput, match="unknown decision"):
        project.team.adjudicate(item, "average")


def test_export_table_shows_raters_side_by_side_and_marks_differences(project):
    from qualcode.export import run as exports

    project.ratings.rate("A", "budget", "強", coder="alice")
    project.ratings.rate("A", "budget", "中", coder="bob")
    project.ratings.rate("B", "budget", "中", coder="alice")
    project.ratings.rate("B", "budget", "中", coder="bob")
    options = exports.Options(facet="establishment", raters=("alice", "bob"))
    table = exports.render(project, "table", "md", options).decode("utf-8")
    [row] = [line for line in table.splitlines() if "| 預算 |" in line]
    assert row.split("|")[3].strip() == "alice:強 / bob:中 ≠" and row.split("|")[4].strip() == "alice:中 / bob:中"
    with pytest.raises(BadInput, match="coder 'carol' has no ratings"):
        exports.render(project, "table", "md", exports.Options(raters=("alice", "carol")))
