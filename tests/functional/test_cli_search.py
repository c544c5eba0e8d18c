"""search, kwic, words and reindex from the command line."""

from __future__ import annotations

import json

import pytest


def test_search_json_shape_and_folding(cli, demo_db):
    results = cli.json("--project", str(demo_db), "search", "台北", "--limit", "5")
    assert len(results) == 5
    for r in results:
        assert {"case", "document", "turn", "start", "end", "text", "snippet", "codes"} <= set(r)
        assert r["text"] in ("台北", "臺北")
    eweb = cli.json("--project", str(demo_db), "search", "就業e網", "--case", "D")
    # width folds (ｅ) and whitespace inside the text is ignored (the PDF's 就業 e網), each hit as written
    assert eweb and {r["text"] for r in eweb} == {"就業ｅ網", "就業 e網"}


@pytest.mark.slow
def test_search_with_code_filter_returns_segments(cli, demo_db):
    p = ("--project", str(demo_db))
    coding = cli.json(*p, "code", "A", "central-support", "--quote", "中央根本就是希望我們關掉", "--coder", "alice")
    [hit] = cli.json(*p, "search", "希望", "--code", "local-policy")
    assert f"#{coding['id'][:8]}" in cli(*p, "search", "希望", "--code", "local-policy").stdout  # which coding
    assert hit["text"] == "希望" and hit["codes"] == ["central-support"] and hit["coding"]
    # a coder with no codings is refused as an unknown case or speaker is, naming those who have coded
    refused = cli(*p, "search", "希望", "--code", "local-policy", "--coder", "bob", ok=False)
    assert refused.returncode == 2 and "no codings by coder 'bob' (coders: alice)" in refused.stderr
    cli(*p, "code", "B", "budget", "--turn", "2", "--coder", "bob")
    assert cli.json(*p, "search", "希望", "--code", "local-policy", "--coder", "bob") == []
    out = cli(*p, "search", "xyzzy", "--coder", "bob").stdout  # no match: still said in segments
    assert out.startswith("0 segment(s) match")


@pytest.mark.slow
def test_search_human_output_highlights_and_notes_splits(cli, demo_db):
    proc = cli("--project", str(demo_db), "search", "主管重視程度", "--limit", "2")
    assert "searched for its words 主管 / 重視 / 程度" in proc.stderr
    assert "turn(s) match" in proc.stdout


def test_kwic_json(cli, demo_db):
    p = ("--project", str(demo_db))
    lines = cli.json(*p, "kwic", "經費", "--width", "5", "--case", "E")
    assert lines and all(
        set(line) == {"case", "document", "start", "end", "left", "match", "right", "turn"} for line in lines
    )
    assert all(line["case"] == "E" and line["match"] == "經費" and len(line["left"]) <= 5 for line in lines)


@pytest.mark.slow  # each `words` process segments the transcripts with jieba (~2 s)
def test_words_json(cli, demo_db):
    p = ("--project", str(demo_db))
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


@pytest.mark.slow
def test_fts_syntax_is_literal(cli, demo_db, tmp_path):
    from qualcode.project import Project
    from qualcode.zh.normalize import normalize

    p = ("--project", str(demo_db))
    source = tmp_path / "L.txt"
    source.write_text(
        "問：公式 NEAR(a*b) 在這裡\n\n答：col:x 與 ^經費 都照寫\n\n問：經費與 col 和 x\n\n答：AND 與 NOT\n",
        encoding="utf-8",
    )
    cli(*p, "import", str(source))
    with Project.open(demo_db) as project:
        turns = [
            (d.case_id, t.number, normalize(project.documents.text(d.id)[t.start : t.end]))
            for d in project.documents.documents()
            for t in project.documents.turns(d.id)
        ]
    # query, what a plain substring scan looks for (OR: any of the lists), the new turn that holds it
    for query, alternatives, turn in (
        ("NEAR(a*b)", [["near(a*b)"]], 1),
        ("col:x", [["col:x"]], 2),
        ("^經費", [["^經費"]], 2),
        ("AND OR NOT", [["and"], ["not"]], 4),
    ):
        proc = cli(*p, "search", query, "--json", "--limit", "500")
        expected = {
            (case, n) for case, n, text in turns if any(all(normalize(w) in text for w in alt) for alt in alternatives)
        }
        assert {(r["case"], r["turn"]) for r in json.loads(proc.stdout)} == expected, query
        assert ("L", turn) in expected and ("L", 3) not in expected  # turn 3 has the words, not the syntax
        assert not proc.stderr  # no notice: searched as written, not split into words
