"""Undo/redo as a state machine: two coders apply, remove, memo, undo and redo, interleaved, and the project
must always hold what a plain model of per-coder undo and redo stacks says.

Each coder removes and memos only their own codings (as in the TUI's blind coding); then one coder's undo
or redo never changes the other coder's codings, which the machine checks at every undo and redo.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from qualcode.codebook import Codebook
from qualcode.errors import BadInput, Conflict
from qualcode.model import Code
from qualcode.project import Project

CODERS = ("alice", "bob")
CODES = ("budget", "staffing", "central")
TEXT = "問：經費夠嗎？\n\n答：不夠，中央補助很少。\n\n問：人力呢？\n\n答：也不夠。\n"


@dataclass(frozen=True)
class Row:
    id: str
    code: str
    coder: str
    start: int
    end: int
    memo: str = ""


@dataclass(frozen=True)
class Op:
    action: str  # code | uncode | memo
    row: Row  # the coding as the action left it (code: as created; uncode: as removed; memo: after)
    old_memo: str = ""


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("undo-machine")
    path = folder / "template.db"
    transcript = folder / "X.txt"
    transcript.write_text(TEXT, encoding="utf-8")
    with Project.open(path, create=True) as project:
        project.codebook.replace(Codebook(codes=tuple(Code(id=c, name=c, position=i) for i, c in enumerate(CODES))))
        project.documents.import_files([transcript])
    return path


class UndoMachine(RuleBasedStateMachine):
    template: Path  # set by the test

    def __init__(self):
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="undo-machine-"))
        path = self.folder / "p.db"
        src, dst = sqlite3.connect(self.template), sqlite3.connect(path)
        src.backup(dst)
        src.close()
        dst.close()
        self.project = Project.open(path)
        self.document = self.project.documents.documents()[0]
        self.length = self.document.length
        self.model: dict[str, Row] = {}
        self.undo_stack: dict[str, list[Op]] = {c: [] for c in CODERS}
        self.redo_stack: dict[str, list[Op]] = {c: [] for c in CODERS}
        self.reached: set[str] = set()

    def teardown(self):
        self.project.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- helpers -----------------------------------------------------------------------------------
    def _actual(self, coder: str | None = None) -> dict[str, Row]:
        return {
            c.id: Row(c.id, c.code_id, c.coder, c.start, c.end, c.memo)
            for c in self.project.codings.select(coder=coder)
        }

    def _rows(self) -> list[Row]:
        return sorted(self.model.values(), key=lambda r: (r.coder, r.code, r.start, r.end))  # not by the random id

    def _done(self, coder: str, op: Op) -> None:
        self.undo_stack[coder].append(op)
        self.redo_stack[coder].clear()

    # -- rules -------------------------------------------------------------------------------------
    @initialize()
    def start_empty(self):
        assert self._actual() == {}

    @rule(coder=st.sampled_from(CODERS), code=st.sampled_from(CODES), data=st.data())
    def apply(self, coder, code, data):
        start = data.draw(st.integers(0, self.length - 1), label="start")
        end = data.draw(st.integers(start + 1, min(self.length, start + 12)), label="end")
        duplicate = any((r.code, r.coder, r.start, r.end) == (code, coder, start, end) for r in self.model.values())
        if duplicate:
            with pytest.raises(Conflict):
                self.project.codings.apply(self.document.id, code, coder, span=(start, end))
            self.reached.add("conflict")
            return
        coding = self.project.codings.apply(self.document.id, code, coder, span=(start, end))
        row = Row(coding.id, code, coder, start, end)
        self.model[coding.id] = row
        self._done(coder, Op("code", row))

    @precondition(lambda self: self.model)
    @rule(data=st.data())
    def apply_a_duplicate(self, data):
        """Coding exactly what the same coder already coded is refused and changes nothing."""
        row = data.draw(st.sampled_from(self._rows()))
        with pytest.raises(Conflict, match="already coded"):
            self.project.codings.apply(self.document.id, row.code, row.coder, span=(row.start, row.end))
        self.reached.add("conflict")

    @precondition(lambda self: self.model)
    @rule(data=st.data())
    def remove(self, data):
        row = data.draw(st.sampled_from(self._rows()))
        coder = row.coder  # a coder removes their own codings
        removed = self.project.codings.remove(row.id, coder)
        assert removed.id == row.id
        del self.model[row.id]
        self._done(coder, Op("uncode", row))

    @precondition(lambda self: self.model)
    @rule(memo=st.sampled_from(["", "經費", "中央補助很少", "memo"]), data=st.data())
    def set_memo(self, memo, data):
        row = data.draw(st.sampled_from(self._rows()))
        coder = row.coder  # a coder writes memos on their own codings
        self.project.codings.set_memo(row.id, memo, coder)
        self.model[row.id] = replace(row, memo=memo)
        self._done(coder, Op("memo", self.model[row.id], old_memo=row.memo))

    @rule(coder=st.sampled_from(CODERS))
    def undo(self, coder):
        other = self._actual(CODERS[1 - CODERS.index(coder)])
        if not self.undo_stack[coder]:
            with pytest.raises(BadInput, match="nothing to undo"):
                self.project.history.undo(coder)
            self.reached.add("empty undo")
        else:
            op = self.undo_stack[coder].pop()
            result = self.project.history.undo(coder)
            assert (result.action, result.coding_id) == (op.action, op.row.id)
            if op.action == "code":
                del self.model[op.row.id]
            elif op.action == "uncode":
                self.model[op.row.id] = op.row
            else:
                self.model[op.row.id] = replace(op.row, memo=op.old_memo)
            self.redo_stack[coder].append(op)
            self.reached.add("undo " + op.action)
        assert self._actual(CODERS[1 - CODERS.index(coder)]) == other  # the other coder's codings are untouched

    @rule(coder=st.sampled_from(CODERS))
    def redo(self, coder):
        other = self._actual(CODERS[1 - CODERS.index(coder)])
        if not self.redo_stack[coder]:
            with pytest.raises(BadInput, match="nothing to redo"):
                self.project.history.redo(coder)
        else:
            op = self.redo_stack[coder].pop()
            result = self.project.history.redo(coder)
            assert (result.action, result.coding_id) == (op.action, op.row.id)
            if op.action == "uncode":
                del self.model[op.row.id]
            else:
                self.model[op.row.id] = op.row
            self.undo_stack[coder].append(op)
            self.reached.add("redo " + op.action)
        assert self._actual(CODERS[1 - CODERS.index(coder)]) == other

    @rule(coder=st.sampled_from(CODERS), times=st.integers(1, 3))
    def undo_then_redo(self, coder, times):
        """Several undos and then as many redos: the common way back and forth."""
        for _ in range(times):
            self.undo(coder)
        self.codings_equal_the_model()
        for _ in range(times):
            self.redo(coder)

    @rule()
    def reopen(self):
        """The stacks live in the event log: closing and reopening the project changes nothing."""
        self.project.close()
        self.project = Project.open(self.folder / "p.db")

    # -- invariants --------------------------------------------------------------------------------
    @invariant()
    def codings_equal_the_model(self):
        assert self._actual() == self.model


def _run(template: Path, **options) -> set[str]:
    """Run the machine; the transitions it went through."""
    UndoMachine.template = template
    reached: set[str] = set()

    class Machine(UndoMachine):
        def teardown(self):
            reached.update(self.reached)
            super().teardown()

    run_state_machine_as_test(
        Machine,
        settings=settings(
            stateful_step_count=30, deadline=None, suppress_health_check=[HealthCheck.too_slow], **options
        ),
    )
    return reached


def test_undo_redo_matches_the_model(template):
    """New random programs every run (a failure is saved in .hypothesis and replayed first)."""
    _run(template, max_examples=50)


EVERY_TRANSITION = {
    "conflict",
    "empty undo",
    "undo code",
    "undo uncode",
    "undo memo",
    "redo code",
    "redo uncode",
    "redo memo",
}


@pytest.mark.slow
def test_the_machine_goes_through_every_transition(template):
    """The same programs every run, so that it is certain they include every kind of undo and redo."""
    assert _run(template, max_examples=50, derandomize=True, database=None) >= EVERY_TRANSITION
