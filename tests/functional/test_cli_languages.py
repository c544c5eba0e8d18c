"""The command line in both languages: with QUALCODE_LANG=zh (or `language = "zh"` in the config file) every human
line is Chinese, through qualcode/i18n/cli.yaml and errors.yaml; in English it prints what it always printed; JSON,
ids, paths, code names and exit codes are the same in both."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from qualcode.cli.app import COMMAND_ORDER
from qualcode.i18n import CLI_LABELS, errors, say_error

ROOT = Path(__file__).resolve().parents[2]

# Words that are not prose: names of programs, formats, statistics (proper names), the time zone, placeholders of
# a usage line, the values of a setting a message quotes, the demo's coders.
NOT_PROSE = {
    "qualcode", "TUI", "SQLite", "UTF", "UTC", "JSON", "json", "CSV", "REFI", "QDA", "qdpx", "docx", "txt", "MAXQDA",
    "ctrl", "Cohen", "Fleiss", "Kripp", "Krippendorff", "Brennan", "Prediger", "Gwet", "Holsti", "NUL", "Big",
    "OLD", "NEW", "DOC", "CASE", "CODE", "PARENT", "START", "END", "TEXT", "RRGGBB", "keys", "true", "false",
    "alice", "bob", "chen",
}  # fmt: skip
# the command names a message quotes (`qualcode search --help`, `qualcode codebook load`, `demo --reset` …)
COMMANDS = {*COMMAND_ORDER, "load", "help"}


def _english_words(text: str, also: set[str]) -> list[str]:
    """The English words of a text, as tests/functional/test_tui_languages.py reads a screen, leaving out paths and
    file names, options (--force), hexadecimal ids (coding ids) and the words in `also` (data: ids, names)."""
    text = re.sub(r"\S*[/.]\w\S*", " ", text)  # file names and paths (exports/factor-strength-table.md)
    text = re.sub(r"(?<!\w)--?[A-Za-z][\w-]*", " ", text)  # options: --force, -o
    text = re.sub(r"\b(?=[0-9a-f-]*\d)[0-9a-f-]{6,}\b", " ", text)  # coding ids and their prefixes
    text = re.sub(r"#[0-9A-Fa-f]{6}\b", " ", text)  # colours
    text = re.sub(r"\$[A-Z_]+", " ", text)  # environment variables: $QUALCODE_LANG
    return [w for w in re.findall(r"[A-Za-z]{3,}", text) if w not in NOT_PROSE | COMMANDS and w not in also]


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)[^}]*\}", text))


@pytest.fixture(autouse=True)
def _no_language_from_the_environment(monkeypatch):
    monkeypatch.delenv("QUALCODE_LANG", raising=False)


# -- (a) the catalogue ------------------------------------------------------------------------------------------
def test_every_cli_line_has_both_languages_and_the_same_placeholders():
    assert len(CLI_LABELS) > 150
    for key, (zh, en) in CLI_LABELS.items():
        assert isinstance(key, str) and zh.strip() and en.strip(), key
        assert _placeholders(zh) == _placeholders(en), (key, zh, en)
        bare_zh = re.sub(r"\{[^}]*\}|`[^`]*`", "", zh)
        assert not _english_words(bare_zh, {"backups", "keep", "language"}), (key, zh)
        assert not re.findall(r"[\u4e00-\u9fff]", re.sub(r"\{[^}]*\}", "", en)), (key, en)


def _keys_the_cli_names() -> tuple[set[str], set[str]]:
    """The catalogue keys named in qualcode/cli/*.py: whole (say("coded", …), also in a conditional) and the
    prefixes of those made with an f-string (say(f"column_{c}"))."""
    whole: set[str] = set()
    prefixes: set[str] = set()
    for path in sorted((ROOT / "qualcode" / "cli").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args):
                continue
            if node.func.id not in ("say", "say_count", "catalogue_say"):
                continue
            first = node.args[0]
            if isinstance(first, ast.JoinedStr):
                head = first.values[0]
                if isinstance(head, ast.Constant):
                    prefixes.add(head.value)
                continue
            branches = [first.body, first.orelse] if isinstance(first, ast.IfExp) else [first]
            for branch in branches:
                if isinstance(branch, ast.Constant) and isinstance(branch.value, str):
                    (prefixes if node.func.id == "say_count" else whole).add(branch.value)
    return whole, prefixes


def test_every_key_the_cli_names_is_in_the_catalogue():
    whole, prefixes = _keys_the_cli_names()
    assert len(whole) > 100 and "coded" in whole and "column_" in prefixes
    assert sorted(whole - CLI_LABELS.keys()) == []
    assert [p for p in prefixes if not any(key.startswith(p) for key in CLI_LABELS)] == []


def test_every_error_pattern_fills_its_chinese_from_its_own_groups():
    for pattern, zh, cli, words in errors():
        groups = set(pattern.groupindex)
        assert _placeholders(zh) <= groups and _placeholders(cli) <= groups, pattern.pattern
        assert isinstance(words, dict)


def test_core_messages_the_cli_meets_are_said_in_chinese(project, tmp_path):
    from qualcode.errors import QualcodeError

    def message(call) -> str:
        with pytest.raises(QualcodeError) as raised:
            call()
        return str(raised.value)

    document = project.documents.document("A")
    cases = {
        message(lambda: project.codebook.code("budgt")): "沒有代碼 'budgt'；是不是 'budget'？",
        message(lambda: project.codebook.code("nothing-like-it")): "沒有代碼 'nothing-like-it'",
        message(lambda: project.documents.document("Z")): "沒有文件 'Z'（請給文件代號或個案代號：A, B, C, D, E）",
        message(lambda: project.documents.case("Z")): "沒有個案 'Z'（已有：A, B, C, D, E）",
        message(lambda: project.codings.get("3f2a9c")): "沒有代號為 '3f2a9c' 的編碼",
        message(lambda: project.documents.turn(document.id, 999)): "文件 1 沒有第 999 輪（發言輪編號 1 到 ",
        message(lambda: project.documents.locate(document, span="5:2")): "範圍 5:2 超出文件 1（A）",
        message(lambda: project.documents.locate(document, span="x")): "範圍 'x' 不正確",
        message(lambda: project.documents.locate(document, quote="沒有這句話𠮷")): "裡沒有引文 '沒有這句話𠮷'",
        message(lambda: project.documents.import_files([tmp_path / "nosuch.txt"], coder="alice")): "：沒有這個檔案",
        message(lambda: project.ratings.rate("A", "budget", "很強", coder="alice")): "沒有強度 '很強'",
        message(lambda: project.search.find("")): "查詢是空的",
    }
    for english, chinese in cases.items():
        said = say_error(english, "zh", ui="cli")
        assert chinese in said, (english, said)
        data = {"budgt", "budget", "nothing", "like", "nosuch"} | {step.id for step in project.codebook.scale()}
        assert not _english_words(said, data), (english, said)
        assert say_error(english, "en", ui="cli") == english
    # the TUI names its checkbox where the command line names the option
    exists = "exports/table.md: already exists; pass --force to overwrite"
    assert "--force" in say_error(exists, "zh", ui="cli") and "--force" not in say_error(exists, "zh")
    assert say_error("something new went wrong", "zh", ui="cli") == "something new went wrong"


# -- (b) the command line in Chinese --------------------------------------------------------------------------
@pytest.fixture
def zh(monkeypatch):
    monkeypatch.setenv("QUALCODE_LANG", "zh")


def _data_words(project_path: Path) -> set[str]:
    """What the demo project's data holds in Latin letters: code ids (and their parts), facet ids, the codebook's
    English names, case attribute names, the transcripts' own words."""
    from qualcode.project import Project

    with Project.open(project_path) as project:
        codes = project.codebook.codes()
        names = (
            [c.id for c in codes] + [f.id for f in project.codebook.facets()] + [s.id for s in project.codebook.scale()]
        )
        words = set(names) | {part for name in names for part in re.split(r"[-_]", name)}
        words |= {w for c in codes for w in re.findall(r"[A-Za-z]{3,}", c.name_en)}
        words |= {w for name, _ in project.documents.attributes() for w in re.findall(r"[A-Za-z]{3,}", name)}
        for document in project.documents.documents():
            words |= set(re.findall(r"[A-Za-z]{3,}", project.documents.text(document.id)))
    return words


@pytest.mark.slow
def test_in_chinese_no_command_prints_english_prose(cli, demo_db, tmp_path, copy_db, zh, monkeypatch):
    p = ("-p", str(demo_db))
    other = copy_db(demo_db, tmp_path / "other.db")
    # a backup's reason is its id, as in its file name; backups_keep is the setting a message names
    also = _data_words(demo_db) | {"manual", "backups", "keep", "such", "nobody"}  # and the bad values given
    seen: dict[str, str] = {}

    def run(name: str, *args: str, ok: bool = True, status: int = 0) -> str:
        result = cli.fast(*args, ok=ok)
        assert result.exit_code == status, (name, result.exit_code, result.stdout, result.stderr)
        seen[name] = result.stdout + result.stderr
        return result.stdout

    run("status", *p, "status")
    run("cases", *p, "cases", "list")
    run("documents", *p, "documents")
    run("show", *p, "show", "A", "--turn", "6")
    run("code", *p, "code", "A", "budget", "--turn", "6", "--coder", "alice")
    coding = json.loads(cli.fast(*p, "codings", "--json").stdout)[0]["id"]
    run("codings", *p, "codings")
    run("undo", *p, "undo", "--coder", "alice")
    run("redo", *p, "redo", "--coder", "alice")
    run("memo", *p, "memo", coding, "經費規模", "--coder", "alice")
    run("search", *p, "search", "人力銀行")
    run("search-words", *p, "search", "中央經費人力")  # a note: searched for its words
    run("kwic", *p, "kwic", "經費", "--limit", "5")
    run("words", *p, "words", "--case", "A", "--top", "5")
    run("rate", *p, "rate", "A", "budget", "強", "--evidence", coding, "--coder", "alice")
    run("ratings", *p, "ratings")
    cli.fast(*p, "code", "A", "budget", "--turn", "8", "--coder", "bob")
    run("agree", *p, "agree")
    run("export-table", *p, "export", "table", "-o", str(tmp_path / "table.md"))
    run("export-table-term", *p, "export", "table", "--format", "term")
    run("export-quotes", *p, "export", "quotes", "-o", str(tmp_path / "quotes.md"))
    run("backup", *p, "backup")
    run("backups", *p, "backups")
    run("codes", *p, "codes", "list")
    run("codes-set", *p, "codes", "set", "budget", "--color", "#112233", "--coder", "alice")
    run("memos-set", *p, "memos", "set", "--case", "A", "訪談時局長剛上任", "--coder", "alice")
    run("memos", *p, "memos", "list")
    run("merge", *p, "merge", "--dry-run", str(other))
    # bad input: one line, exit 2, in Chinese
    run("unknown-code", *p, "code", "A", "no-such-code", "--turn", "6", ok=False, status=2)
    run("unknown-document", *p, "show", "Z", ok=False, status=2)
    run("unknown-coding", *p, "uncode", "3f2a9c", ok=False, status=2)
    run("bad-query", *p, "search", '"未完的片語', ok=False, status=2)
    run("missing-file", *p, "import", str(tmp_path / "nosuch.txt"), ok=False, status=2)
    run("nothing-to-undo", *p, "undo", "--coder", "nobody", ok=False, status=2)
    run("no-span", *p, "code", "A", "budget", ok=False, status=2)
    run("usage", *p, "search", "--limit", "0", "經費", ok=False, status=2)
    (tmp_path / "config.toml").write_text("backups_keep = -1\n", encoding="utf-8")
    monkeypatch.setenv("QUALCODE_CONFIG", str(tmp_path / "config.toml"))
    run("bad-config", *p, "codes", "merge", "positioning-private", "positioning", ok=False, status=2)

    assert len(seen) == 35
    for name, text in seen.items():
        assert text.strip(), name
        assert not _english_words(text, also), (name, _english_words(text, also), text[:2000])
    for name in ("unknown-code", "unknown-document", "unknown-coding", "bad-query", "missing-file",
                 "nothing-to-undo", "no-span", "usage", "bad-config"):  # fmt: skip
        assert seen[name].startswith("qualcode：錯誤：") and seen[name].count("\n") == 1, (name, seen[name])
    assert "沒有代碼 'no-such-code'" in seen["unknown-code"]
    assert "已編碼 A 728:912 為 budget" in seen["code"]
    assert seen["undo"].startswith("已復原：「") and seen["redo"].startswith("已重做：「")
    assert "試跑：沒有寫入任何東西" in seen["merge"]
    assert "     文件：5" in seen["status"]
    assert "影響因素" in seen["export-table-term"]


def test_json_is_the_same_in_both_languages(cli, demo_db, tmp_path, copy_db, monkeypatch):
    p = ("-p", str(demo_db))
    cli.fast(*p, "code", "A", "budget", "--turn", "6", "--coder", "alice")
    other = copy_db(demo_db, tmp_path / "other.db")
    commands = [("status",), ("cases", "list"), ("codings",), ("codes", "list"), ("show", "A", "--turn", "6"),
                ("memos", "list"), ("ratings",), ("merge", "--dry-run", str(other))]  # fmt: skip
    said = {}
    for language in ("en", "zh"):
        monkeypatch.setenv("QUALCODE_LANG", language)
        said[language] = [cli.fast(*p, *command, "--json").stdout for command in commands]
    assert said["en"] == said["zh"]
    assert json.loads(said["zh"][0])["codings"] == 1


# -- which language ---------------------------------------------------------------------------------------------
def test_the_language_comes_from_the_environment_then_the_config_file_else_english(cli, demo_db, tmp_path,
                                                                                    monkeypatch):  # fmt: skip
    p = ("-p", str(demo_db))
    config = tmp_path / "no-config.toml"  # the file $QUALCODE_CONFIG names in every test
    monkeypatch.delenv("QUALCODE_LANG", raising=False)
    assert cli.fast(*p, "status").stdout.startswith("documents: 5")  # no setting: English
    config.write_text('language = "zh"\n', encoding="utf-8")
    assert cli.fast(*p, "status").stdout.startswith("     文件：5")
    monkeypatch.setenv("QUALCODE_LANG", "en")  # the environment wins
    assert cli.fast(*p, "status").stdout.startswith("documents: 5")
    config.write_text('language = "en"\n', encoding="utf-8")
    monkeypatch.setenv("QUALCODE_LANG", "zh")
    assert cli.fast(*p, "status").stdout.startswith("     文件：5")


@pytest.mark.parametrize(
    ("env", "config", "message"),
    [
        ("fr", "", "qualcode: error: $QUALCODE_LANG must be zh or en, not 'fr'\n"),
        ("zh-TW", 'language = "zh"\n', "qualcode: error: $QUALCODE_LANG must be zh or en, not 'zh-TW'\n"),
        (None, 'language = "klingon"\n', "no-config.toml: language must be zh or en, not 'klingon'\n"),
        (None, "language = 1\n", "no-config.toml: language must be zh or en, not 1\n"),
    ],
)
def test_a_bad_language_is_one_line_and_exit_2(cli, demo_db, tmp_path, monkeypatch, env, config, message):
    (tmp_path / "no-config.toml").write_text(config, encoding="utf-8")
    if env is None:
        monkeypatch.delenv("QUALCODE_LANG", raising=False)
    else:
        monkeypatch.setenv("QUALCODE_LANG", env)
    result = cli.fast("-p", str(demo_db), "status", ok=False)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.endswith(message) and result.stderr.count("\n") == 1, result.stderr
    assert cli.fast("-p", str(demo_db), "status", "--help").exit_code == 0  # --help is not refused


def test_a_broken_config_file_leaves_the_language_english_and_the_commands_that_read_it_say_so(cli, demo_db,
                                                                                               tmp_path):  # fmt: skip
    (tmp_path / "no-config.toml").write_text("language = \n", encoding="utf-8")
    assert cli.fast("-p", str(demo_db), "status").stdout.startswith("documents: 5")
    result = cli.fast("-p", str(demo_db), "code", "A", "budget", "--turn", "6", ok=False)
    assert result.exit_code == 2 and "bad config file" in result.stderr


# -- (c) English as it always was ----------------------------------------------------------------------------------
# Recorded from the command line before its strings moved into the catalogue.
STATUS = """documents: 5
    turns: 245
    cases: 5
    codes: 25
  codings: 0
   coders: -
"""
MERGE = """would merge other.db (a qualcode project, schema 10) into {target}
            added  updated  re-anchored  skipped  conflicts  refused
documents       0        0            0        5          0        0
cases           0        0            0        5          0        0
codes           0        0            0       25          0        0
codings         0        0            0        0          0        0
memos           0        0            0        0          0        0
ratings         0        0            0        0          0        0
events          0        0            0        0          0        0
dry run: nothing written
"""
AGREE_CAPTION = (
    "Agreement of alice, bob; unit: character; level: nominal; composite reliability threshold 0.85. undefined: "
    "the statistic has no value for these data (e.g. one category only)."
)
AGREE_LEGEND = (
    "% agree: percent agreement; Cohen κ: Cohen's κ; Fleiss κ: Fleiss' κ; Kripp. α: Krippendorff's α; B–P κ: "
    "Brennan–Prediger κ; AC1: Gwet's AC1; Holsti: Holsti (mean of pairs); composite: composite reliability"
)


def test_in_english_the_command_line_prints_what_it_printed_before(cli, demo_db, tmp_path, copy_db, monkeypatch):
    monkeypatch.setenv("QUALCODE_LANG", "en")
    p = ("-p", str(demo_db))
    assert cli.fast(*p, "status").stdout == STATUS
    merged = cli.fast(*p, "merge", "--dry-run", str(copy_db(demo_db, tmp_path / "other.db"))).stdout
    assert merged == MERGE.format(target=demo_db).replace("other.db", str(tmp_path / "other.db"), 1)
    coded = cli.fast(*p, "code", "A", "budget", "--turn", "6", "--coder", "alice").stdout
    assert re.fullmatch(r"coded A 728:912 as budget \(coding [0-9a-f-]{36}\)\n", coded)
    assert cli.fast(*p, "undo", "--coder", "alice").stdout == "undid coding budget on document 1 728:912\n"
    assert cli.fast(*p, "redo", "--coder", "alice").stdout == "redid coding budget on document 1 728:912\n"
    cli.fast(*p, "code", "A", "budget", "--turn", "8", "--coder", "bob")
    agree = cli.fast(*p, "agree").stdout.splitlines()
    assert agree[0] == AGREE_CAPTION and AGREE_LEGEND in agree
    assert "Holsti per pair: alice|bob 0.987" in agree and "2 disagreement(s); --json lists them" in agree
    header = next(line for line in agree if "% agree" in line)
    assert [c.strip() for c in header.strip("┃").split("┃")] == [
        "code", "units", "% agree", "Cohen κ", "Fleiss κ", "Kripp. α", "B–P κ", "AC1", "Holsti", "composite", "passes"
    ]  # fmt: skip
    errors = {
        ("show", "Z"): "qualcode: error: unknown document 'Z' (give a document id or a case id: A, B, C, D, E)\n",
        ("code",): "qualcode: error: Missing argument 'DOC' (see `qualcode code --help`)\n",
        ("search", "--limit", "0", "x"): "qualcode: error: Invalid value for '--limit': Input should be greater "
        "than or equal to 1 (see `qualcode search --help`)\n",
        ("search", "-經費"): "qualcode: error: No such option: -經 (a value that starts with '-', such as a search for "
        "-word, goes after `--`: qualcode search -- -word) (see `qualcode search --help`)\n",
        ("undo", "--coder", "nobody"): "qualcode: error: nothing to undo for coder 'nobody'\n",
    }
    for args, line in errors.items():
        assert cli.fast(*p, *args, ok=False).stderr == line
    table = cli.fast(*p, "export", "table", "--format", "term").stdout  # headings in English; names are data
    heading = next(line for line in table.splitlines() if "臺北市" in line)
    assert [c.strip() for c in heading.strip("┃").split("┃")][:3] == ["dimension", "factor", "臺北市"]
    assert "影響因素" not in table


def test_the_english_catalogue_agrees_with_the_agreement_export():
    """The agreement table's words exist twice: in the export (Markdown, CSV, XLSX) and, for the terminal, in the
    catalogue; in English they must not drift apart."""
    from qualcode.cli.team import STATISTICS, UNITS, caption
    from qualcode.export import agreement

    assert tuple(key for key, _ in agreement.COLUMNS) == STATISTICS
    assert [CLI_LABELS[f"agree_short_{s}"][1] for s in STATISTICS] == list(agreement.SHORT)
    assert [CLI_LABELS[f"agree_long_{s}"][1] for s in STATISTICS] == [label for _, label in agreement.COLUMNS]
    assert {u: CLI_LABELS[f"agree_unit_{u}"][1] for u in UNITS} == agreement.UNIT_NAMES
    data = {"unit": "segment", "coders": ["alice", "bob"], "level": "ordinal", "holsti": {"threshold": 0.8}}
    assert caption(data) == agreement.caption(data)
