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


def test_codebook_check_lists_every_problem(cli, tmp_path):
    bad = tmp_path / "cb.yaml"
    bad.write_text("codes:\n- id: a\n  name: A\n  color: red\n- id: a\n  name: B\n  parent: zzz\n", encoding="utf-8")
    proc = cli("codebook", "check", str(bad), ok=False)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 3
    assert all(line.startswith(f"{bad}:") for line in lines)


COMMANDS = {
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
