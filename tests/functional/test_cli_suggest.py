"""`qualcode suggest` and `qualcode suggest --evaluate` from the command line."""

from __future__ import annotations

import json

import pytest


def _project(cli, demo_db):
    return ["--project", str(demo_db)]


@pytest.mark.slow  # a process loading spaCy and scikit-learn (~2 s each)
def test_suggest_lists_units_with_ranked_codes_and_reasons(cli, demo_db):
    p = _project(cli, demo_db)
    cli(*p, "code", "E", "budget", "--quote", "高雄市這邊其實受限於經費的原因會是最大的", "--coder", "alice")
    units = cli.json(*p, "suggest", "C", "--coder", "alice", "--top", "2")
    assert units and all(set(u) == {"document", "case", "turn", "start", "end", "text", "suggestions"} for u in units)
    assert all(u["case"] == "C" and 1 <= len(u["suggestions"]) <= 2 for u in units)
    budget = next(u for u in units if "我們的預算真的太少了" in u["text"])
    first = budget["suggestions"][0]
    assert first["code"] == "budget" and first["example"]["text"].startswith("高雄市這邊")
    human = cli(*p, "suggest", "C", "--coder", "alice", "--unit", "turn", "--speaker", "答")
    assert "nearest coded example" in human.stdout and "none is applied" in human.stderr
    before = cli.json(*p, "status")["codings"]
    assert before == 1  # suggestions are never applied


@pytest.mark.slow
def test_evaluate_prints_the_documented_json(cli, demo_db):
    p = _project(cli, demo_db)
    for case, quote in (
        ("A", "剛成立的時候因為沒有編列預算"),
        ("B", "承辦同仁只有一個人"),
        ("C", "我們的預算真的太少了"),
    ):
        cli(*p, "code", case, "budget" if case != "B" else "staffing", "--quote", quote, "--coder", "alice")
    result = json.loads(cli(*p, "suggest", "--evaluate", "--coder", "alice", "--json").stdout)
    assert set(result) == {"units", "top1", "top3", "per_code"}
    assert result["units"] == 3 and isinstance(result["top1"], float)
    assert set(result["per_code"]) == {"budget", "staffing"}
    assert all(set(row) == {"units", "top1", "top3"} for row in result["per_code"].values())
    zh = cli(*p, "suggest", "--evaluate", "--coder", "alice", env={"QUALCODE_LANG": "zh"})
    assert "逐一保留一個個案" in zh.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["suggest", "--evaluate", "--coder", "nobody"], "coder 'nobody' has no codings to evaluate"),
        (["suggest", "A", "--unit", "word"], "unknown unit 'word': use sentence or turn"),
        (["suggest", "A", "--case", "A"], "give a document or --case, not both"),
        (["suggest", "--case", "Q"], "unknown case 'Q'"),
        (["suggest", "Q9"], "unknown document"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(cli, demo_db, args, message):
    result = cli.fast("--project", str(demo_db), *args, ok=False)
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
