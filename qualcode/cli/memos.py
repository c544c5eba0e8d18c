"""Memos on the project, a document, a case or a code: set (or delete) yours, list them (coding memos: `memo`)."""

from __future__ import annotations

import sys
from typing import Any, Optional

import typer

from qualcode.cli.app import CoderOption, JsonOption, app, open_project, out, print_json, say, settings
from qualcode.cli.output import Table
from qualcode.errors import BadInput

memos_app = typer.Typer(
    help="Memos on the project, a document, a case or a code (one per target and author).", no_args_is_help=True
)
app.add_typer(memos_app, name="memos")

ProjectFlag = typer.Option(False, "--project", help="The project as a whole.")
DocumentOption = typer.Option(
    None, "--document", metavar="DOC", help="A document: its id, its case's id (one document) or its title."
)
CaseOption = typer.Option(None, "--case", metavar="CASE", help="A case id.")
CodeOption = typer.Option(None, "--code", metavar="CODE", help="A code id.")


def _target(project: bool, document: Optional[str], case: Optional[str], code: Optional[str], *,
            required: bool) -> tuple[Optional[str], Optional[str]]:  # fmt: skip
    """(type, id) from the one target option given; (None, None) for none when it is not required."""
    given = [(kind, value) for kind, value in (("document", document), ("case", case), ("code", code))
             if value is not None]  # fmt: skip
    if project:
        given.insert(0, ("project", None))
    if len(given) > 1 or (required and not given):
        raise BadInput(say("memo_target_choice"))
    return given[0] if given else (None, None)


def _read_text(text: str) -> str:
    """TEXT, or standard input for `-` (UTF-8; one final line break dropped)."""
    if text != "-":
        return text
    try:
        read = sys.stdin.buffer.read().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadInput(say("memo_stdin_not_utf8", byte=exc.start)) from None
    return read.removesuffix("\n").removesuffix("\r")


def _about(target_type: str, target_id: str) -> str:
    return say("memo_on_project") if target_type == "project" else say(f"memo_on_{target_type}", id=target_id)


@memos_app.command("set")
def set_memo(
    ctx: typer.Context,
    text: str = typer.Argument(..., metavar="TEXT", help="The memo (`-`: read it from standard input; empty: delete)."),
    project: bool = ProjectFlag,
    document: Optional[str] = DocumentOption,
    case: Optional[str] = CaseOption,
    code: Optional[str] = CodeOption,
    coder: Optional[str] = CoderOption,
    json_: bool = JsonOption,
) -> None:
    """Set your memo on the project, a document, a case or a code; empty text deletes it (`undo` reverts it)."""
    target_type, target_id = _target(project, document, case, code, required=True)
    assert target_type is not None
    body = _read_text(text)
    author = settings(ctx).coder_for(coder)
    with open_project(ctx) as opened:
        resolved = opened.memos.target(target_type, target_id)
        before = opened.memos.get(*resolved, author=author)
        memo = opened.memos.set(*resolved, body, author=author)
    if json_:
        print_json(_memo_json(memo) if memo else None)
        return
    about = _about(*resolved)
    if memo is not None:
        done = "unchanged" if before is not None and before.text == memo.text else "set"
        out.print(say(f"memo_{done}", about=about, author=author), markup=False)
    else:
        out.print(say("memo_deleted" if before else "memo_nothing_to_delete", about=about, author=author),
                  markup=False)  # fmt: skip


def _memo_json(memo) -> dict[str, Any]:
    return {"type": memo.target_type, "target": memo.target_id, "author": memo.author, "text": memo.text,
            "created_at": memo.created_at, "updated_at": memo.updated_at}  # fmt: skip


@memos_app.command("list")
def list_memos(
    ctx: typer.Context,
    project: bool = typer.Option(False, "--project", help="Only the project's memos."),
    document: Optional[str] = typer.Option(None, "--document", metavar="DOC", help="Only this document's memos."),
    case: Optional[str] = typer.Option(None, "--case", metavar="CASE", help="Only this case's memos."),
    code: Optional[str] = typer.Option(None, "--code", metavar="CODE", help="Only this code's memos."),
    author: Optional[str] = typer.Option(None, "--author", help="Only this author's memos."),
    codings: bool = typer.Option(
        False, "--codings", help="Also the memos of codings (type `coding`), after the others."
    ),
    json_: bool = JsonOption,
) -> None:
    """List memos: the project's, then documents', cases' and codes' (with --codings, codings' memos too)."""
    target_type, target_id = _target(project, document, case, code, required=False)
    with open_project(ctx) as opened:
        rows = [_memo_json(m) for m in opened.memos.list(target_type, target_id, author=author)]
        if codings:
            selection: dict[str, Any] = {"coder": author}
            if target_type in ("case", "code"):
                selection[target_type] = target_id
            elif target_type == "document":
                selection["document"] = target_id
            if target_type != "project":
                rows += [
                    {"type": "coding", "target": c.id, "author": c.coder, "text": c.memo, "created_at": c.created_at,
                     "updated_at": c.updated_at, "case": c.case_id, "code": c.code_id, "quote": c.text}
                    for c in opened.codings.select(**selection, orphaned=None) if c.memo
                ]  # fmt: skip
    if json_:
        print_json(rows)
        return
    # whole values when piped; a terminal folds them to fit
    table = Table(*(say(f"column_{c}") for c in ("type", "target", "author", "memo")))
    for row in rows:
        target = f"{row['target'][:8]} ({row['case']}, {row['code']})" if row["type"] == "coding" else row["target"]
        table.add_row(say(f"memo_type_{row['type']}"), target, row["author"], " ".join(row["text"].split()))
    out.print(table)
