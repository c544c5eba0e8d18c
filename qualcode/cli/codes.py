"""Managing codes: list the tree, rename, move, merge, delete and set a code's colour, key and definition.

Each change is one transaction and one event, undone by `qualcode undo` (and redone by `qualcode redo`);
merge and delete --force back the project up first. `codebook dump` writes the result as YAML.
"""

from __future__ import annotations

from typing import Optional

import typer

from qualcode.cli.app import (
    CoderOption,
    JsonOption,
    codes_app,
    err,
    join,
    open_project,
    out,
    print_json,
    say,
    say_count,
    settings,
)
from qualcode.cli.output import Table
from qualcode.errors import BadInput
from qualcode.quote import shorten

CodeArgument = typer.Argument(..., metavar="ID", help="The code's id (`qualcode codes list` shows them).")


def _backup(project, reason: str, coder: str):
    """An automatic backup, once the change has been checked (before anything is written)."""

    def back_up():
        made = project.backups.auto(reason, coder=coder)
        if made:
            err.print(say("backed_up", path=project.path, target=made), markup=False)
        return made

    return back_up


def _named(code) -> str:
    return say("code_named", id=code.id, name=code.name)


@codes_app.command("list")
def codes_list(ctx: typer.Context, json_: bool = JsonOption) -> None:
    """The code tree in order, with keys, colours and coding counts (own, and with the codes below)."""
    with open_project(ctx) as project:
        tree = project.codebook.tree()
        counts = project.codings.counts()
    parents = {code.id: code.parent_id for code, _ in tree}
    totals = {code.id: counts.get(code.id, 0) for code, _ in tree}
    for code, _ in tree:
        parent, seen = code.parent_id, {code.id}
        while parent in totals and parent not in seen:
            totals[parent] += counts.get(code.id, 0)
            seen.add(parent)
            parent = parents[parent]
    rows = [
        {
            "id": code.id,
            "name": code.name,
            "name_en": code.name_en,
            "parent": code.parent_id,
            "depth": depth,
            "key": code.shortcut,
            "color": code.color,
            "codings": counts.get(code.id, 0),
            "subtree_codings": totals[code.id],
        }
        for code, depth in tree
    ]
    if json_:
        print_json(rows)
        return
    table = Table(*(say(f"column_{c}") for c in ("key", "id", "name", "name_en", "color", "codings", "subtree")))
    for row in rows:
        table.add_row(row["key"], row["id"], "  " * row["depth"] + row["name"], row["name_en"], row["color"],
                      str(row["codings"]), str(row["subtree_codings"]))  # fmt: skip
    out.print(table)


@codes_app.command("rename")
def codes_rename(
    ctx: typer.Context,
    code_id: str = CodeArgument,
    name: Optional[str] = typer.Option(None, "--name", help="The new (Chinese) name."),
    name_en: Optional[str] = typer.Option(None, "--name-en", help="The new English name ('' clears it)."),
    coder: Optional[str] = CoderOption,
) -> None:
    """Rename a code (its id, codings and ratings stay)."""
    with open_project(ctx) as project:
        before = project.codebook.code(code_id)
        after = project.codebook.rename(code_id, name=name, name_en=name_en, coder=settings(ctx).coder_for(coder))
    if (before.name, before.name_en) == (after.name, after.name_en):
        out.print(say("code_already_named", id=after.id, name=after.name, name_en=after.name_en), markup=False)
        return
    changes = []
    none = say("none")
    if before.name != after.name:
        changes.append(say("change_from_to", before=before.name, after=after.name))
    if before.name_en != after.name_en:
        changes.append(say("change_name_en", before=before.name_en or none, after=after.name_en or none))
    out.print(say("code_renamed", id=after.id, changes=join(changes)), markup=False)


@codes_app.command("move")
def codes_move(
    ctx: typer.Context,
    code_id: str = CodeArgument,
    parent: Optional[str] = typer.Option(None, "--parent", metavar="PARENT", help="Put it under this code."),
    top: bool = typer.Option(False, "--top", help="Put it at the top level."),
    coder: Optional[str] = CoderOption,
) -> None:
    """Move a code, with the codes below it, under another code (last among its children) or to the top level."""
    if (parent is None) == (not top):
        raise BadInput(say("move_parent_or_top"))
    with open_project(ctx) as project:
        before = project.codebook.code(code_id)
        after = project.codebook.move(code_id, parent=parent, coder=settings(ctx).coder_for(coder))
        where = None if parent is None else _named(project.codebook.code(parent))
    if before.parent_id == after.parent_id:
        if where is None:
            out.print(say("code_already_top", code=_named(after)), markup=False)
        else:
            out.print(say("code_already_under", code=_named(after), parent=where), markup=False)
        return
    if where is None:
        out.print(say("code_moved_top", code=_named(after)), markup=False)
    else:
        out.print(say("code_moved_under", code=_named(after), parent=where), markup=False)


@codes_app.command("merge")
def codes_merge(
    ctx: typer.Context,
    source: str = typer.Argument(..., metavar="SOURCE", help="The code to merge away (it is deleted)."),
    into: str = typer.Argument(..., metavar="INTO", help="The code that takes its codings, ratings and children."),
    coder: Optional[str] = CoderOption,
) -> None:
    """Merge SOURCE into INTO: codings (duplicates folded in, memos joined), ratings and child codes move, and
    SOURCE is deleted. Backed up first; `qualcode undo` reverses it."""
    coder = settings(ctx).coder_for(coder)
    with open_project(ctx) as project:
        names = _named(project.codebook.code(source)), _named(project.codebook.code(into))
        result = project.codebook.merge(
            source, into, coder=coder, before_write=_backup(project, "before-code-merge", coder)
        )
    parts = [say("merge_moved", what=say_count("n_codings", result.moved))]
    if result.collapsed:
        joined = (
            say("merge_memos_joined", memos=say_count("n_memos", result.memos_joined)) if result.memos_joined else ""
        )
        parts.append(say("merge_folded_in", what=say_count("n_duplicates", result.collapsed), joined=joined))
    parts.append(say("merge_moved", what=say_count("n_ratings", result.ratings)))
    if result.code_memos:
        parts.append(say("merge_moved", what=say_count("n_code_memos", result.code_memos)))
    if result.children:
        parts.append(say("merge_children", what=say_count("n_codes", len(result.children)), ids=join(result.children)))
    out.print(say("code_merged", source=names[0], into=names[1], parts=join(parts)), markup=False)


@codes_app.command("delete")
def codes_delete(
    ctx: typer.Context,
    code_id: str = CodeArgument,
    force: bool = typer.Option(
        False, "--force", help="Also delete its codings and ratings (the codes below it move up); backed up first."
    ),
    coder: Optional[str] = CoderOption,
) -> None:
    """Delete a code; one with codings, ratings or codes below it only with --force. `qualcode undo` restores it."""
    coder = settings(ctx).coder_for(coder)
    with open_project(ctx) as project:
        code = project.codebook.code(code_id)
        parent = project.codebook.code(code.parent_id) if code.parent_id else None
        backup = _backup(project, "before-code-delete", coder) if force else None
        result = project.codebook.delete(code_id, force=force, coder=coder, before_write=backup)
    parts = []
    if result.codings or result.ratings:
        parts.append(say("delete_with_it", codings=say_count("n_codings", result.codings),
                         ratings=say_count("n_ratings", result.ratings)))  # fmt: skip
    if result.children:
        what, ids = say_count("n_codes", len(result.children)), join(result.children)
        if parent:
            parts.append(say("delete_children_under", what=what, parent=_named(parent), ids=ids))
        else:
            parts.append(say("delete_children_top", what=what, ids=ids))
    if parts:
        out.print(say("code_deleted_with", code=_named(code), parts=say("clause_separator").join(parts)), markup=False)
    else:
        out.print(say("code_deleted", code=_named(code)), markup=False)


@codes_app.command("set")
def codes_set(
    ctx: typer.Context,
    code_id: str = CodeArgument,
    color: Optional[str] = typer.Option(None, "--color", help="#RRGGBB ('' clears it)."),
    key: Optional[str] = typer.Option(None, "--key", help="Shortcut key: one digit 0-9 ('' clears it)."),
    definition: Optional[str] = typer.Option(None, "--definition", help="What the code means ('' clears it)."),
    keywords: Optional[str] = typer.Option(
        None, "--keywords", help="Keywords, separated by commas or 、 (replaces them; '' clears them)."
    ),
    coder: Optional[str] = CoderOption,
) -> None:
    """Set a code's colour, shortcut key, definition or keywords."""
    words = None if keywords is None else keywords.replace("、", ",").replace("，", ",").split(",")
    with open_project(ctx) as project:
        before = project.codebook.code(code_id)
        after = project.codebook.update(code_id, color=color, key=key, definition=definition, keywords=words,
                                        coder=settings(ctx).coder_for(coder))  # fmt: skip
    changes = []
    none = say("none")
    for label, old, new in (
        ("colour", before.color, after.color),
        ("key", before.shortcut, after.shortcut),
        ("definition", before.description, after.description),
        ("keywords", "、".join(before.keywords), "、".join(after.keywords)),
    ):
        if old != new:
            changes.append(say(f"change_{label}", before=shorten(old) or none, after=shorten(new) or none))
    if not changes:
        out.print(say("code_unchanged", code=_named(after)), markup=False)
        return
    out.print(say("code_set", code=_named(after), changes=join(changes)), markup=False)
