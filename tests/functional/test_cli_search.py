"""search, kwic, words and reindex from the command line."""

from __future__ import annotations

import pytest


def test_search_json_shape_and_folding(cli, demo_db):
    results = cli.json("--project", str(demo_db), "search", "台北", "--limit", "5")
    assert len(results) == 5
    for r in results:
        assert {"case", "document", "turn", "start", "end", "text", "snippet", "codes"} <= set(r)
        assert r["text"] in ("台北", "臺北")
    eweb = cli.json("--project", str(demo_db), "search", "就業e網", "--case", "D")
    assert eweb and {r["text"] for r in eweb} == {"就業ｅ網"}


def test_search_with_code_filter_returns_segments(cli, demo_db):
    p = ("--project", str(demo_db))
    cli(*p, "code", "A", "central-support", "--quote", "中央根本就是希望我們關掉", "--coder", "alice")
    [hit] = cli.json(*p, "search", "希望", "--code", "local-policy")
    assert hit["text"] == "希望" and hit["codes"] == ["central-support"] and hit["coding"]
    assert cli.json(*p, "search", "希望", "--code", "local-policy", "--coder", "bob") == []


def test_search_human_output_highlights_and_notes_splits(cli, demo_db):
    proc = cli("--project", str(demo_db), "search", "主管重視程度", "--limit", "2")
    assert "searched for its words 主管 / 重視 / 程度" in proc.stderr
    assert "turn(s) match" in proc.stdout


def test_kwic_and_words_json(cli, demo_db):
    p = ("--project", str(demo_db))
    lines = cli.json(*p, "kwic", "經費", "--width", "5", "--case", "E")
    assert lines and all(set(l) == {"case", "document", "start", "end", "left", "match", "right", "turn"} for l in lines)
    assert all(l["case"] == "E" and l["match"] == "經費" and len(l["left"]) <= 5 for l in lines)
    words = cli.json(*p, "words", "--case", "B", "--top", "3")
    assert len(words) == 3 and all(set(w) == {"word", "count", "case"} and w["case"] == "B" for w in words)
    cli(*p, "code", "A", "budget", "--turn", "6")
    by_code = cli.json(*p, "words", "--code", "resources", "--top", "2")
    assert by_code and all(set(w) == {"word", "count", "code"} for w in by_code)
    key = cli.json(*p, "words", "--keyness", "--top", "1")
    assert {k["case"] for k in key} == set("ABCDE") and all(k["log_likelihood"] > 0 for k in key)
    assert "log-likelihood" in cli(*p, "words", "--keyness", "--top", "1").stdout


def test_reindex(cli, demo_db):
    out = cli("--project", str(demo_db), "reindex").stdout
    assert out.startswith("indexed ") and "characters" in out


@pytest.mark.parametrize(
    "args,message",
    [
        (["search", ""], "empty query"),
        (["search", '"open'], "unbalanced quote"),
        (["search", "-"], "a lone '-'"),
        (["search", "經費", "--code", "nope"], "unknown code 'nope'"),
        (["search", "經費", "--case", "Z"], "unknown case 'Z'"),
        (["search", "x" * 400], "query too long"),
        (["kwic", "經費", "--sort", "sideways"], "unknown sort 'sideways'"),
        (["kwic", " "], "empty term"),
        (["words", "--case", "Q"], "unknown case 'Q'"),
    ],
)
def test_bad_search_input(cli, demo_db, args, message):
    proc = cli("--project", str(demo_db), *args, ok=False)
    assert proc.returncode == 2
    assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert "sqlite" not in proc.stderr.lower() and "Traceback" not in proc.stderr


def test_fts_syntax_is_literal(cli, demo_db):
    for query in ("NEAR(a*b)", "col:x", "^經費", "AND OR NOT"):
        proc = cli("--project", str(demo_db), "search", query, ok=False)
        assert proc.returncode in (0, 2) and "Traceback" not in proc.stderr
