"""The transcript paints each character in the colour of the innermost coding over it (the shortest; among equal
lengths the later), whatever the order codings were added or removed in: checked against a per-character oracle."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.tui.widgets.transcript import Paint, TranscriptView

COLORS = ["#111111", "#222222", "#333333", "#444444"]


def _oracle(text: str, paints: list[Paint]) -> list[str | None]:
    out: list[str | None] = []
    for i in range(len(text)):
        over = [p for p in paints if p.start <= i < p.end]
        # shortest on top; among equal lengths the later (greater order)
        best = sorted(over, key=lambda p: (-(p.end - p.start), p.order))[-1] if over else None
        out.append(best.color if best else None)
    return out


def _drawn(view: TranscriptView, text: str) -> list[str | None]:
    out: list[str | None] = []
    for row, line in enumerate(text.split("\n")):
        styled = view.get_line(row)
        for column in range(len(line)):
            colors = [s.style.bgcolor for s in styled.spans if s.start <= column < s.end and s.style.bgcolor]
            out.append(f"#{colors[-1].triplet.hex[1:]}" if colors else None)  # the last stylize paints on top
        if row < text.count("\n"):
            out.append(None)  # the line break itself is never painted
    return out


paint = st.builds(
    lambda start, length, color, order: (start, length, color, order),
    st.integers(0, 60),
    st.integers(1, 40),
    st.sampled_from(COLORS),
    st.sampled_from(["a", "b", "c", "d"]),
)


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet="中文字ab𠮷\n", min_size=1, max_size=80),
    st.lists(paint, max_size=12),
    st.lists(paint, max_size=6),
    st.integers(0, 12),
)
def test_painted_colours_follow_the_innermost_coding(text, first, later, removed):
    def make(items, prefix):
        made = []
        for n, (start, length, color, order) in enumerate(items):
            start = min(start, len(text) - 1)
            made.append(Paint(start, min(len(text), start + length), color, order + str(n), f"{prefix}{n}"))
        return made

    initial, extra = make(first, "p"), make(later, "q")
    view = TranscriptView()  # not mounted: the document lines as styled text are what is checked
    view.show_document(text, [], initial)
    assert _drawn(view, text) == [c if ch != "\n" else None for c, ch in zip(_oracle(text, initial), text, strict=True)]
    for p in extra:  # one by one, as codings are applied
        view.add_paint(p)
    shown = initial + extra
    kept = shown[: max(0, len(shown) - removed)]  # some removed, as undo does
    view.set_paints(kept)
    want = [c if ch != "\n" else None for c, ch in zip(_oracle(text, kept), text, strict=True)]
    assert _drawn(view, text) == want
