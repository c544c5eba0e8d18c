"""The code tree's counts after a coding is added are worked out in memory: they must equal the database's."""

from __future__ import annotations

import pytest

from qualcode.tui.app import QualcodeApp


def _database_counts(project, coder=None):
    return project.codings.counts(coder=coder), project.codings.passage_counts(coder=coder)


@pytest.mark.slow
async def test_counts_after_each_coding_equal_a_recount(project):
    """Siblings on one passage count it once for their parent; a second coder's same span counts once too;
    a coding on another span counts anew. After every key the in-memory figures equal the database's."""
    turn = project.documents.turn(project.documents.document("A").id, 6)
    other = project.documents.turn(project.documents.document("A").id, 8)
    project.codings.apply("A", "budget", "bob", span=(turn.start, turn.end))  # someone else's, same passage
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=(150, 45)) as pilot:
        await pilot.pause()
        for span, key in [
            ((turn.start, turn.end), "6"),  # budget: the passage bob already coded with budget
            ((turn.start, turn.end), "5"),  # a sibling under resources: resources' passage count stays
            ((turn.start, turn.end), "7"),  # another factor: counted there
            ((other.start, other.end), "4"),  # another passage: resources counts it
            ((turn.start, turn.start + 3), "6"),  # a part of the passage is a passage of its own
        ]:
            app.view.select_span(*span)
            await pilot.press(key)
            await pilot.pause()
            counts, totals = _database_counts(project)
            assert app.counts == counts
            assert {k: v for k, v in app.totals.items() if v} == {k: v for k, v in totals.items() if v}
        await pilot.press("o")  # only mine: recounted for alice
        await pilot.pause()
        app.view.select_span(other.start, other.end)
        await pilot.press("6")
        await pilot.pause()
        counts, totals = _database_counts(project, coder="alice")
        assert app.counts == counts
        assert {k: v for k, v in app.totals.items() if v} == {k: v for k, v in totals.items() if v}
