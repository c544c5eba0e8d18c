"""The command line as scripts and users call it: JSON shapes, exit codes, one-line errors, no damage."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]



def test_status_json_shape(cli, demo_db):
    data = cli.json("--project", str(demo_db), "status")
    assert data == {"documents": 5, "turns": 245, "cases": 5, "codes": 25, "codings": 0, "coders": []}


def test_code_by_quote_then_list_undo_redo_across_processes(cli, demo_db):
    p = ("--project", str(demo_db))
    out = cli(*p, "code", "A", "central-support", "--quote", "中央根本就是希望我們關掉", "--coder", "alice")
    assert "coded A" in out.stdout
    [coding] = cli.json(*p, "codings")
    assert set(coding) == {"id", "document", "case", "code", "coder", "start", "end", "text", "memo"}
    assert (coding["case"], coding["code"], coding["coder"], coding["text"]) == ("A", "central-support", "alice", "中央根本就是希望我們關掉")
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


def test_import_reports_encoding_and_skips_unchanged(cli, tmp_path):
    db = tmp_path / "new.db"
    cli("--project", str(db), "init")
    cli("--project", str(db), "codebook", "load", str(ROOT / "codebooks" / "five-municipalities.yaml"))
    big5 = tmp_path / "D.txt"
    big5.write_bytes((ROOT / "transcripts" / "D.txt").read_text(encoding="utf-8").encode("cp950"))
    first = cli("--project", str(db), "import", str(big5)).stdout
    assert "55 turns" in first and "encoding big5" in first or "encoding cp950" in first
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
    (["cases", "import", "{tmp}/not-a-number.csv"], "not-a-number.csv:2: column 'staff' is declared integer, but the value is 'many'"),
    (["code", "A", "budget", "--span", "0:999999"], "span 0:999999 is outside document 1 (A)"),
    (["code", "A", "nonsense", "--turn", "1"], "unknown code 'nonsense'"),
    (["code", "Q", "budget", "--turn", "1"], "unknown document 'Q'"),
    (["code", "A", "budget", "--quote", "不存在的句子"], "does not occur in document 1 (A)"),
    (["code", "A", "budget"], "give exactly one of --span"),
    (["codings", "--case", "Z"], "unknown case 'Z'"),
    (["uncode", "no-such-coding"], "no coding with id 'no-such-coding'"),
]


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


def test_help_lists_the_commands(cli):
    out = cli("--help").stdout
    for command in ("demo", "import", "cases", "codebook", "status", "code", "uncode", "codings", "undo", "redo"):
        assert command in out
