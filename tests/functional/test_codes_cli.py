"""`qualcode codes`: list the tree, rename, move, merge, delete and set codes from the command line."""

from __future__ import annotations

import json

import pytest


def run(cli, db, *args, ok=True):
    return cli.fast("--project", str(db), *args, ok=ok)


def listing(cli, db) -> list[dict]:
    return json.loads(run(cli, db, "codes", "list", "--json").stdout)


def test_codes_list_json_is_the_tree_in_order_with_own_and_subtree_counts(cli, demo_db):
    run(cli, demo_db, "code", "A", "budget", "--turn", "6", "--coder", "alice")
    run(cli, demo_db, "code", "B", "staffing", "--turn", "3", "--coder", "alice")
    rows = listing(cli, demo_db)
    assert len(rows) == 25
    assert all(
        set(r) == {"id", "name", "name_en", "parent", "depth", "key", "color", "codings", "subtree_codings"}
        for r in rows
    )
    by_id = {r["id"]: r for r in rows}
    assert by_id["budget"] == {"id": "budget", "name": "預算", "name_en": "Budget", "parent": "resources", "depth": 1,
                               "key": "6", "color": by_id["budget"]["color"], "codings": 1, "subtree_codings": 1}  # fmt: skip
    assert (by_id["resources"]["codings"], by_id["resources"]["subtree_codings"]) == (0, 2)
    seen = set()
    for r in rows:  # tree order: a parent before its children, one level deeper
        assert r["parent"] is None or (r["parent"] in seen and r["depth"] == by_id[r["parent"]]["depth"] + 1)
        seen.add(r["id"])
    text = run(cli, demo_db, "codes", "list").stdout
    assert "budget" in text and "with subtree" in text


def test_each_change_prints_one_line_and_undo_takes_them_all_back(cli, demo_db):
    run(cli, demo_db, "code", "A", "staffing", "--turn", "6", "--coder", "alice", "--memo", "人力")
    run(cli, demo_db, "code", "A", "budget", "--turn", "6", "--coder", "alice", "--memo", "經費")
    dump_before = run(cli, demo_db, "codebook", "dump").stdout
    codings_before = run(cli, demo_db, "codings", "--json").stdout
    steps = [
        (("rename", "budget", "--name", "經費", "--name-en", "Funding"),
         "renamed code budget: 預算 → 經費, English name Budget → Funding"),
        (("move", "budget", "--parent", "site-status"), "moved code budget (經費) under site-status (網站發展現況)"),
        (("move", "budget", "--top"), "moved code budget (經費) to the top level"),
        (("set", "budget", "--color", "#112233", "--key", "", "--keywords", "經費、補助"),
         "code budget (經費): colour #A0D4AF → #112233, key 6 → (none), keywords"),
        (("merge", "staffing", "budget"),
         "merged code staffing (人力) into budget (經費): 0 codings moved, 1 duplicate coding folded in (1 memo joined), "
         "0 ratings moved"),
        (("delete", "budget", "--force"), "deleted code budget (經費): 1 coding and 0 ratings deleted with it"),
    ]  # fmt: skip
    for args, line in steps:
        result = run(cli, demo_db, "codes", *args, "--coder", "alice")
        assert result.stdout.startswith(line) and result.stdout.count("\n") == 1, result.stdout
    assert "budget" not in {r["id"] for r in listing(cli, demo_db)}
    backups = json.loads(run(cli, demo_db, "backups", "--json").stdout)
    assert sorted(b["reason"] for b in backups) == ["before-code-delete", "before-code-merge"]
    for _ in steps:
        assert run(cli, demo_db, "undo", "--coder", "alice").stdout.startswith("undid ")
    assert run(cli, demo_db, "codebook", "dump").stdout == dump_before
    assert run(cli, demo_db, "codings", "--json").stdout == codings_before


def test_a_change_that_changes_nothing_says_so(cli, demo_db):
    assert (
        "already under resources (現有資源); nothing changed"
        in run(cli, demo_db, "codes", "move", "budget", "--parent", "resources").stdout
    )
    assert "nothing changed" in run(cli, demo_db, "codes", "set", "budget", "--key", "6").stdout
    assert "nothing changed" in run(cli, demo_db, "codes", "rename", "budget", "--name", "預算").stdout


def test_delete_of_an_unused_code_needs_no_force_and_no_backup(cli, demo_db):
    assert run(cli, demo_db, "codes", "delete", "legislature").stdout == "deleted code legislature (立法機關之意向)\n"
    assert json.loads(run(cli, demo_db, "backups", "--json").stdout) == []


BAD = [
    (("rename", "budgett", "--name", "x"), "unknown code 'budgett'; did you mean 'budget'?"),
    (("rename", "預算", "--name", "x"), "unknown code '預算' (that is the name of code 'budget': give its id)"),
    (("rename", "budget", "--name", " "), "a code's name cannot be empty"),
    (("rename", "budget"), "give a new name or English name for code 'budget'"),
    (("move", "budget"), "give exactly one of --parent PARENT or --top"),
    (("move", "budget", "--parent", "resources", "--top"), "give exactly one of --parent PARENT or --top"),
    (("move", "resources", "--parent", "budget"), "'budget' is below 'resources'"),
    (("move", "budget", "--parent", "budget"), "cannot move code 'budget' under itself"),
    (("move", "budget", "--parent", "nowhere"), "unknown parent: unknown code 'nowhere'"),
    (("merge", "budget", "budget"), "cannot merge code 'budget' into itself"),
    (("merge", "resources", "budget"), "'budget' is below 'resources'; move it out first"),
    (("merge", "budget", "nope"), "unknown code 'nope'"),
    (("delete", "budget"), "code 'budget' has 1 coding; delete it with force (--force)"),
    (("delete", "resources"), "code 'resources' has 3 codes below it"),
    (("set", "budget", "--key", "1"), "key 1 already belongs to code 'urbanization' (都市化程度)"),
    (("set", "budget", "--key", "x"), "bad key 'x' for code 'budget': use one digit 0-9"),
    (("set", "budget", "--color", "blue"), "bad colour 'blue' for code 'budget': use #RRGGBB"),
    (("set", "budget"), "give something to change for code 'budget'"),
]


@pytest.mark.parametrize("args,message", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_is_one_line_exit_2_and_changes_nothing(cli, demo_db, dump, args, message):
    run(cli, demo_db, "code", "A", "budget", "--turn", "6", "--coder", "alice")
    before = dump(demo_db)
    result = run(cli, demo_db, "codes", *args, ok=False)
    assert result.exit_code == 2, result.stderr
    assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr
    assert result.stdout == ""
    assert dump(demo_db) == before
    assert not (demo_db.parent / "backups").exists()  # refused before any backup


def test_as_a_process_an_unknown_code_is_one_line_on_stderr_and_exit_2(cli, demo_db, dump):
    before = dump(demo_db)
    proc = cli("--project", str(demo_db), "codes", "merge", "staffing", "budgett", ok=False)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == "qualcode: error: unknown code 'budgett'; did you mean 'budget'?\n"
    assert dump(demo_db) == before
