"""The command line as scripts and users call it: JSON shapes, exit codes, one-line errors, no damage."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qualcode.project import Project

ROOT = Path(__file__).resolve().parents[2]


def test_status_json_shape(cli, demo_db):
    data = cli.json("--project", str(demo_db), "status")
    assert data == {"documents": 5, "turns": 245, "cases": 5, "codes": 25, "codings": 0, "coders": []}


@pytest.mark.slow
def test_code_by_quote_then_list_undo_redo_across_processes(cli, demo_db):
    p = ("--project", str(demo_db))
    out = cli(*p, "code", "A", "central-support", "--quote", "中央根本就是希望我們關掉", "--coder", "alice")
    assert "coded A" in out.stdout
    [coding] = cli.json(*p, "codings")
    assert set(coding) == {
        "id",
        "document",
        "case",
        "code",
        "coder",
        "start",
        "end",
        "text",
        "memo",
        "review",
        "orphaned",
    }
    assert (coding["case"], coding["code"], coding["coder"], coding["text"]) == (
        "A",
        "central-support",
        "alice",
        "中央根本就是希望我們關掉",
    )
    assert "undid coding central-support" in cli(*p, "--coder", "alice", "undo").stdout
    assert cli.json(*p, "codings") == []
    cli(*p, "redo", "--coder", "alice")
    assert [c["id"] for c in cli.json(*p, "codings")] == [coding["id"]]
    cli(*p, "uncode", coding["id"][:8], "--coder", "alice")
    assert cli.json(*p, "codings") == []


def test_coder_from_environment(cli, demo_db):
    cli("--project", str(demo_db), "code", "B", "budget", "--turn", "2", env={"QUALCODE_CODER": "carol"})
    assert cli.json("--project", str(demo_db), "status")["coders"] == ["carol"]


def test_project_from_environment_and_codebook_dump(cli, demo_db, tmp_path):
    env = {"QUALCODE_PROJECT": str(demo_db)}
    out = cli("codebook", "dump", env=env).stdout
    assert "id: central-support" in out and "name: 主管重視程度" in out
    target = tmp_path / "dumped.yaml"
    cli("codebook", "dump", "-o", str(target), env=env)
    assert cli("codebook", "check", str(target)).stdout.strip().endswith(": ok")


@pytest.mark.slow
def test_import_reports_encoding_and_skips_unchanged(cli, tmp_path):
    db = tmp_path / "new.db"
    cli("--project", str(db), "init")
    cli("--project", str(db), "codebook", "load", str(ROOT / "codebooks" / "five-municipalities.yaml"))
    big5 = tmp_path / "D.txt"
    big5.write_bytes((ROOT / "transcripts" / "D.txt").read_text(encoding="utf-8").encode("cp950"))
    first = cli("--project", str(db), "import", str(big5)).stdout
    assert "55 turns" in first
    assert re.search(r"encoding (big5|big5hkscs|cp950)\b", first), first
    again = cli("--project", str(db), "import", str(big5)).stdout
    assert "unchanged" in again and "nothing to do" in again
    cli("--project", str(db), "cases", "import", str(ROOT / "transcripts" / "cases.csv"), "--create")
    cases = cli.json("--project", str(db), "cases", "list")
    assert [c["id"] for c in cases] == ["D", "A", "B", "C", "E"]
    d = cases[0]
    assert d["name"] == "臺南市" and d["staff"] == 35 and d["own_site"] is False and isinstance(d["budget_kntd"], int)


BAD = [
    (["import", "{tmp}/missing.txt"], "missing.txt: no such file"),
    (["import", "{tmp}/empty.txt"], "empty.txt: the file is empty"),
    (["import", "{tmp}/binary.txt"], "binary.txt: binary file"),
    (["import", "{tmp}/latin1.txt"], "latin1.txt"),
    (["codebook", "load", "{tmp}/broken.yaml"], "broken.yaml:3:9: YAML syntax error"),
    (["cases", "import", "{tmp}/unknown-case.csv"], "unknown-case.csv:3: unknown case 'F'"),
    (
        ["cases", "import", "{tmp}/not-a-number.csv"],
        "not-a-number.csv:2: column 'staff' is declared integer, but the value is 'many'",
    ),
    (["code", "A", "budget", "--span", "0:999999"], "span 0:999999 is outside document 1 (A)"),
    (["code", "A", "nonsense", "--turn", "1"], "unknown code 'nonsense'"),
    (["code", "Q", "budget", "--turn", "1"], "unknown document 'Q'"),
    (["code", "A", "budget", "--quote", "不存在的句子"], "does not occur in document 1 (A)"),
    (["code", "A", "budget"], "give exactly one of --span"),
    (["codings", "--case", "Z"], "unknown case 'Z'"),
    (["uncode", "no-such-coding"], "no coding with id 'no-such-coding'"),
    (
        ["code", "A", "budget", "--turn", "6", "--sentence", "3"],
        "turn 6 of document 1 (A) has no sentence 3 (sentences 1 to 2)",
    ),
    (["code", "A", "budget", "--turn", "6", "--sentence", "0"], "has no sentence 0"),
    (["code", "A", "budget", "--turn", "99", "--sentence", "1"], "has no turn 99"),
    (
        ["code", "A", "budget", "--quote", "中央根本就是希望我們關掉", "--sentence", "1"],
        "--sentence N counts the sentences of a turn: give --turn too",
    ),
    (["code", "A", "budget", "--sentence", "2"], "give --turn too"),
    (["codebook", "dump", "-o", "{tmp}/empty.txt"], "empty.txt: already exists; pass --force to overwrite"),
    (["export", "table", "--format", "csv", "-o", "{tmp}"], ": is a directory"),
    (["backup", "-o", "{tmp}/empty.txt"], "empty.txt: already exists; pass --force to overwrite"),
    (["restore", "{tmp}/missing.db", "--yes"], "missing.db: no such file"),
    (["restore", "{tmp}/broken.yaml", "--yes"], "broken.yaml: not a qualcode project"),
    (["restore", "{tmp}/binary.txt", "--yes"], "binary.txt: not a qualcode project"),
]


def test_sentence_without_turn_says_what_is_missing(cli, demo_db):
    proc = cli("--project", str(demo_db), "code", "A", "budget", "--sentence", "2", ok=False)
    assert proc.returncode == 2 and "--sentence N counts the sentences of a turn: give --turn too" in proc.stderr


@pytest.mark.parametrize("args,message", BAD, ids=[" ".join(a[:2]) + " " + m[:25] for a, m in BAD])
def test_bad_input_is_one_line_exit_2_and_changes_nothing(cli, demo_db, dump, tmp_path, args, message):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (tmp_path / "latin1.txt").write_bytes(b"Q: caf\xe9 \xff\x80 na\xefve\nA: \xff\xfe\x80" * 20)
    (tmp_path / "broken.yaml").write_text("codes:\n- id: a\n  name: [x\n", encoding="utf-8")
    (tmp_path / "unknown-case.csv").write_text("id,name\nA,臺北市\nF,桃園市\n", encoding="utf-8")
    (tmp_path / "not-a-number.csv").write_text("id,staff:integer\nA,many\n", encoding="utf-8")
    before = dump(demo_db)
    args = [a.format(tmp=tmp_path) for a in args]
    proc = cli("--project", str(demo_db), *args, ok=False)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr
    assert dump(demo_db) == before


def test_missing_project_is_a_clear_error(cli, tmp_path):
    proc = cli("--project", str(tmp_path / "none.db"), "status", ok=False)
    assert proc.returncode == 2 and "no such project" in proc.stderr


def test_status_of_a_new_project_says_no_coders_with_a_dash(cli, tmp_path):
    db = str(tmp_path / "new.db")
    cli("--project", db, "init")
    lines = cli("--project", db, "status").stdout.splitlines()
    assert lines[-1].split() == ["coders:", "-"] and "documents: 0" in lines[0]


def test_codebook_check_lists_every_problem(cli, tmp_path):
    bad = tmp_path / "cb.yaml"
    bad.write_text("codes:\n- id: a\n  name: A\n  color: red\n- id: a\n  name: B\n  parent: zzz\n", encoding="utf-8")
    proc = cli("codebook", "check", str(bad), ok=False)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 3
    assert all(line.startswith(f"{bad}:") for line in lines)


COMMANDS = {
    "suggest",
    "codes",
    "memos",
    "serve",
    "code",
    "uncode",
    "memo",
    "codings",
    "reattach",
    "confirm",
    "backup",
    "backups",
    "restore",
    "merge",
    "agree",
    "undo",
    "redo",
    "import",
    "documents",
    "show",
    "import-qdpx",
    "tui",
    "demo",
    "init",
    "status",
    "browse",
    "rate",
    "unrate",
    "ratings",
    "search",
    "kwic",
    "words",
    "reindex",
    "cases",
    "codebook",
    "export",
}


def _listed_commands(help_text: str) -> list[str]:
    """The command names of the Commands section of `--help`: one per line, two spaces in."""
    lines = help_text.splitlines()
    start = lines.index("Commands:") + 1
    names = []
    for line in lines[start:]:
        if not line.strip():
            break
        match = re.match(r"^  (\S+)(\s{2,}|$)", line)
        if match:
            names.append(match.group(1))
        else:
            assert line.startswith("   "), line  # only a wrapped description continues a line
    return names


def test_help_lists_the_commands(cli):
    listed = _listed_commands(cli("--help").stdout)
    assert len(listed) == len(set(listed))
    assert set(listed) == COMMANDS


def test_code_a_sentence_of_a_turn(cli, demo_db):
    p = ("--project", str(demo_db))
    coding = cli.json(*p, "code", "A", "budget", "--turn", "6", "--sentence", "2", "--coder", "alice")
    assert coding["text"] == "但是這個跟民間比較起來還是差得很遠。"
    [listed] = cli.json(*p, "codings")
    assert (listed["id"], listed["text"], listed["start"], listed["end"]) == (
        coding["id"],
        "但是這個跟民間比較起來還是差得很遠。",
        coding["start"],
        coding["end"],
    )
    with Project.open(demo_db) as project:
        turn = project.documents.turn(project.documents.document("A").id, 6)
    assert turn.start < coding["start"] < coding["end"] == turn.end  # the turn's second and last sentence


def test_show_numbers_the_sentences_of_a_turn(cli, demo_db):
    out = cli("--project", str(demo_db), "show", "A", "--turn", "6", "--sentences").stdout
    with Project.open(demo_db) as project:
        turn = project.documents.turn(project.documents.document("A").id, 6)
    lines = [line for line in out.splitlines() if line.strip()]
    assert re.match(rf"^\s*6 答 {turn.start}:{turn.end}$", lines[0]), lines[0]
    sentences = [re.match(r"^\s+(\d+) (\d+):(\d+) (.+)$", line) for line in lines[1:]]
    assert all(sentences), lines
    assert [int(m.group(1)) for m in sentences] == [1, 2]
    assert sentences[0].group(4).startswith("其實台北人力銀行投入的經費") and sentences[0].group(4).endswith(
        "一千萬左右吧。"
    )
    assert sentences[1].group(4) == "但是這個跟民間比較起來還是差得很遠。"
    # the offsets are the ones `code --span` takes: contiguous here, and inside the turn
    spans = [(int(m.group(2)), int(m.group(3))) for m in sentences]
    assert spans[0][0] == turn.start and spans[-1][1] == turn.end and spans[0][1] == spans[1][0]
    assert all(end - start == len(m.group(4)) for (start, end), m in zip(spans, sentences, strict=True))


def _rows(output: str) -> list[list[str]]:
    """The body rows of a rich table as printed: cells between │, stripped."""
    return [
        [cell.strip() for cell in line.strip().strip("│").split("│")] for line in output.splitlines() if "│" in line
    ]


def test_cases_list_piped_prints_whole_values(cli, demo_db, tmp_path):
    """Not on a terminal (a pipe), a table is as wide as its values, whatever $COLUMNS says: no value cut to …"""
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "COLUMNS": "80", "NO_COLOR": "1", "QUALCODE_PROJECT": str(demo_db)}
    run = [sys.executable, "-m", "qualcode", "cases", "list"]
    piped = subprocess.run(run, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60, check=True)
    listed = json.loads(cli.fast("--project", str(demo_db), "cases", "list", "--json").stdout)
    assert "…" not in piped.stdout
    lines = piped.stdout.splitlines()
    assert len(lines) == 4 + len(listed) and max(map(len, lines)) > 80  # wider than $COLUMNS: nothing squeezed
    header = [cell.strip() for cell in lines[1].strip("┃").split("┃")]
    assert header[:2] == ["id", "name"] and "service_mode" in header and "site_url" in header
    rows = _rows(piped.stdout)
    assert len(rows) == len(listed) == 5
    for row, case in zip(rows, listed):
        shown = dict(zip(header, row))
        for key, value in case.items():
            expected = "" if value is None else ("yes" if value is True else "no" if value is False else str(value))
            assert shown[key] == expected, (key, shown[key], value)
    assert any("和中央主管機關併存，不可辦理失業給付及就促津貼業務" in row for row in rows)


def test_every_table_prints_whole_values_off_a_terminal(cli, demo_db):
    """The same rule for every command that prints a table (CliRunner's output is not a terminal)."""
    import json

    p = ("--project", str(demo_db))
    note = "中央希望地方網站關掉，" * 12 + "𠮷"  # far wider than any terminal
    cli.fast(*p, "rate", "A", "central-support", "中", "--note", note, "--coder", "alice")
    ratings = cli.fast(*p, "ratings").stdout
    assert "…" not in ratings and [r[-1] for r in _rows(ratings)] == [note]
    codebook = cli.fast(*p, "codebook", "show").stdout
    assert "…" not in codebook and "中央政府對於地方政府支持程度" in codebook and "positioning-private" in codebook
    documents = cli.fast(*p, "documents").stdout
    assert "…" not in documents
    listed = json.loads(cli.fast(*p, "documents", "--json").stdout)
    assert {r[0]: r[-1] for r in _rows(documents)}["1"] == listed[0]["source"]
    table = cli.fast(*p, "export", "table", "--format", "term").stdout
    assert "…" not in table and "中央政府對於地方政府支持程度" in table
    target = demo_db.parent / "table.term"
    refused = cli.fast(*p, "export", "table", "--format", "term", "-o", str(target), ok=False)
    assert refused.exit_code == 2 and "choose md, csv" in refused.stderr and not target.exists()
    assert cli.fast(*p, "export", "table", "--format", "term", "-o", "-").stdout == table  # -o -: here too


def test_show_json_has_the_turns_and_sentences_with_code_point_offsets(cli, tmp_path):
    import json

    transcript = tmp_path / "G.txt"
    transcript.write_text("受訪者編號：G\n\n問：𠮷野家在哪裡？\n\n答：在臺北。𠮷𠮷很好吃！還有別家\n", encoding="utf-8")
    p = ("--project", str(tmp_path / "g.db"))
    cli.fast(*p, "init")
    cli.fast(*p, "import", str(transcript))
    data = json.loads(cli.fast(*p, "show", "G", "--sentences", "--json").stdout)
    with Project.open(tmp_path / "g.db") as project:
        doc = project.documents.document("G")
        text = project.documents.text(doc.id)
        turns = project.documents.turns(doc.id)
    assert {k: data[k] for k in ("document", "case", "title", "version")} == {
        "document": doc.id, "case": "G", "title": "G", "version": 1,
    }  # fmt: skip
    assert [(t["n"], t["speaker"], t["start"], t["end"]) for t in data["turns"]] == [
        (t.number, t.speaker, t.start, t.end) for t in turns
    ]
    assert [t["text"] for t in data["turns"]] == ["𠮷野家在哪裡？", "在臺北。𠮷𠮷很好吃！還有別家"]
    answer = data["turns"][1]
    assert [s["text"] for s in answer["sentences"]] == ["在臺北。", "𠮷𠮷很好吃！", "還有別家"]
    assert [s["n"] for s in answer["sentences"]] == [1, 2, 3]
    for sentence in answer["sentences"]:
        assert text[sentence["start"] : sentence["end"]] == sentence["text"]  # code points, end-exclusive
    assert answer["sentences"][0]["start"] == answer["start"] and answer["sentences"][-1]["end"] == answer["end"]
    one = json.loads(cli.fast(*p, "show", "G", "--turn", "2", "--json").stdout)
    assert [t["n"] for t in one["turns"]] == [2] and "sentences" not in one["turns"][0]
    assert one["turns"][0]["text"] == "在臺北。𠮷𠮷很好吃！還有別家"
    transcript.write_text("受訪者編號：G\n\n問：𠮷野家在哪裡？\n\n答：在臺中。\n", encoding="utf-8")
    cli.fast(*p, "import", str(transcript))  # version 2; version 1 is shown from its own text
    old = json.loads(cli.fast(*p, "show", "G", "--version", "1", "--turn", "2", "--sentences", "--json").stdout)
    assert (old["version"], old["turns"][0]["n"], old["turns"][0]["text"]) == (1, 2, "在臺北。𠮷𠮷很好吃！還有別家")
    assert [s["text"] for s in old["turns"][0]["sentences"]] == ["在臺北。", "𠮷𠮷很好吃！", "還有別家"]
    assert json.loads(cli.fast(*p, "show", "G", "--json").stdout)["turns"][1]["text"] == "在臺中。"


# Every command prints JSON with --json if it lists something; the others do one thing and say so in a line,
# write a file or open a UI. A new command must be named in one of the two sets.
LISTINGS = {
    "status", "import", "documents", "show", "cases list", "codebook show", "code", "codings", "search", "kwic",
    "words", "ratings", "agree", "merge", "backups", "codes list", "memos list", "suggest",
}  # fmt: skip
NOT_LISTINGS = {
    "demo", "tui", "init", "cases import", "codebook load", "codebook check", "codebook dump", "uncode", "memo",
    "reattach", "confirm", "undo", "redo", "reindex", "rate", "unrate", "export table", "export matrix",
    "export quotes", "export qdpx", "export qdc", "import-qdpx", "backup", "restore", "browse", "serve",
    "codes rename", "codes move", "codes merge", "codes delete", "codes set", "memos set",
}  # fmt: skip


def _commands(group, prefix=""):
    for name, command in group.commands.items():
        path = f"{prefix}{name}"
        if hasattr(command, "commands"):
            yield from _commands(command, path + " ")
        else:
            yield path, command


def test_every_listing_takes_json():
    import typer

    from qualcode.cli import app

    commands = dict(_commands(typer.main.get_command(app)))
    unknown = set(commands) - LISTINGS - NOT_LISTINGS
    assert not unknown, (
        f"new command(s) {sorted(unknown)}: give a listing --json, and name it in LISTINGS or NOT_LISTINGS"
    )
    without = [path for path in sorted(LISTINGS) if "--json" not in {o for p in commands[path].params for o in p.opts}]
    assert without == [], f"listings without --json: {without}"


def test_codings_piped_prints_each_coding_text_whole(cli, demo_db):
    from qualcode.project import Project

    with Project.open(demo_db) as project:
        turn = project.documents.turn(project.documents.document("A").id, 6)
        text = project.documents.text(turn.document_id)
        start = turn.start + 3
        end = start + 45  # longer than a terminal's 40 characters
        assert "\n" not in text[start:end] and "…" not in text[start:end] and not text[end - 1].isspace()
        project.codings.apply("A", "budget", "alice", span=(start, end))
    listed = cli.fast("--project", str(demo_db), "codings").stdout
    assert text[start:end] in listed and "…" not in listed
