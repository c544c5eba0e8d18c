"""The TUI opens on the A–E project: documents by case, the transcript with turns and codings, the code tree."""

from __future__ import annotations

import pytest

from qualcode.tui.app import QualcodeApp
from qualcode.tui.widgets.transcript import TranscriptView


@pytest.mark.asyncio
async def test_opens_on_first_document_with_transcript_focused(project):
    coding = project.code_span("A", "central-support", "alice", quote="中央根本就是希望我們關掉")
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        view = app.query_one(TranscriptView)
        assert app.focused is view
        assert view.text.startswith("受訪者編號：A")
        documents = app.query_one("#documents")
        labels = [str(node.label) for node in documents.root.children]
        assert labels == ["A 臺北市", "B 新北市", "C 臺中市", "D 臺南市", "E 高雄市"]
        codes = app.query_one("#codes")
        local = next(n for n in codes.root.children if "地方政策與內部整合" in str(n.label))
        central = next(n for n in local.children if "中央政府對於地方政府支持程度" in str(n.label))
        assert str(central.label).endswith(" 1")
        # the coding is painted in its code's colour on its line
        row, column = view.textmap.location(coding.start)
        line = view.get_line(row)
        styles = [span.style for span in line.spans if span.start <= column < span.end]
        assert any(getattr(s, "bgcolor", None) and s.bgcolor.name.lower() == "#db8b3e" for s in styles)
        # arrow keys move the cursor in the text at once
        await pilot.press("down", "down")
        assert view.cursor_location[0] == 2
        assert "offset" in str(app.query_one("#status").render())


@pytest.mark.asyncio
async def test_selecting_another_document_opens_it(project):
    app = QualcodeApp(project, coder="alice")
    async with app.run_test(size=(140, 40)) as pilot:
        tree = app.query_one("#documents")
        e_case = tree.root.children[4]
        tree.select_node(e_case.children[0])
        await pilot.pause()
        assert app.query_one(TranscriptView).text.startswith("受訪者編號：E")
        assert app.document_id == project.document("E").id
