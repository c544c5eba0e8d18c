"""The issue's cases from the command line: spaced terms, --quote with the search's folding, @code search."""

from __future__ import annotations

import json


def _json(cli, *args):
    return json.loads(cli.fast(*args, "--json").stdout)


def test_spaced_term_is_found_in_every_turn_that_holds_it(cli, demo_db):
    p = ("--project", str(demo_db))
    found = _json(cli, *p, "search", "就業e網", "--limit", "500")
    assert len(found) == 21  # 6 before whitespace was ignored; the bundled A–E transcripts hold it in 21 turns
    assert {r["text"] for r in found} == {"就業 e網", "就業ｅ網"}
    assert len(_json(cli, *p, "search", "就業 e網", "--limit", "500")) > 21  # two terms: spaces in a query separate


def test_quote_folds_as_search_does(cli, demo_db):
    p = ("--project", str(demo_db))
    proc = cli.fast(*p, "code", "A", "budget", "--quote", "當然是以大台北地區為主的一個人力銀行", "--coder", "alice")
    assert "coded A" in proc.stdout
    [coding] = _json(cli, *p, "codings", "--code", "budget")
    assert coding["text"] == "當然是以大臺北地區為主的一個人力銀行"  # as written: 臺


def test_concept_search_says_which_keyword_matched(cli, demo_db):
    p = ("--project", str(demo_db))
    results = _json(cli, *p, "search", "@預算", "--limit", "5")
    assert results and all(r["matched"] for r in results)
    for r in results:
        assert {m["code"] for m in r["matched"]} == {"budget"} and {m["concept"] for m in r["matched"]} == {"@預算"}
    human = cli.fast(*p, "search", "@budget/ 中央", "--limit", "3").stdout
    assert "@budget/ matched: " in human and "(budget)" in human
    zh = cli(*p, "search", "@budget", "--limit", "1", env={"QUALCODE_LANG": "zh"}).stdout
    assert "@budget 符合：" in zh


def test_unknown_concept_is_one_line_exit_2(cli, demo_db):
    proc = cli("--project", str(demo_db), "search", "@budgte", ok=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [
        "qualcode: error: unknown code '@budgte' in the query: write @ and a code's id or name; did you mean @budget?"
    ]
    zh = cli("--project", str(demo_db), "search", "@budgte", ok=False, env={"QUALCODE_LANG": "zh"})
    assert zh.returncode == 2 and "不是任何代碼" in zh.stderr and len(zh.stderr.strip().splitlines()) == 1
