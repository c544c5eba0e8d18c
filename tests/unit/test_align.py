"""Aligning two versions of a text, and carrying spans across: properties against simple oracles."""

from __future__ import annotations

import random

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from qualcode.align import KEPT, MOVED, ORPHANED, REANCHORED, SIMILARITY, Alignment, similarity

ALPHABET = st.sampled_from(list("經費中央網站人力銀行，。？！\n 答問：ab𠮷"))
WIDE = st.one_of(ALPHABET, st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF))  # words rarely repeat
TEXT = st.text(alphabet=ALPHABET, min_size=0, max_size=300)


@st.composite
def edited(draw, alphabet=ALPHABET, min_size=0):
    """A text, an edited copy, and for each character of the copy the old offset it came from (None: edited)."""
    old = draw(st.text(alphabet=alphabet, min_size=min_size, max_size=300))
    chars = list(old)
    origin: list[int | None] = list(range(len(old)))  # for each character of the new text: its old offset
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(chars)))
        kind = draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = draw(st.text(alphabet=alphabet, min_size=1, max_size=8))
        if kind == "insert":
            chars[at:at] = list(piece)
            origin[at:at] = [None] * len(piece)
        elif kind == "delete":
            del chars[at : at + len(piece)]
            del origin[at : at + len(piece)]
        else:
            chars[at : at + len(piece)] = list(piece)
            origin[at : at + len(piece)] = [None] * len(piece)
    return old, "".join(chars), origin


@settings(max_examples=300, deadline=None)
@given(edited())
def test_equal_runs_are_really_equal_and_in_order(case):
    old, new, _ = case
    runs = Alignment(old, new).runs
    last_a = last_b = 0
    for a, b, n in runs:
        assert n > 0 and a >= last_a and b >= last_b
        assert old[a : a + n] == new[b : b + n]
        last_a, last_b = a + n, b + n


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_an_unchanged_text_keeps_every_span(text):
    alignment = Alignment(text, text)
    for start in range(0, len(text), 7):
        for end in range(start + 1, min(len(text), start + 20) + 1, 5):
            placed = alignment.place(start, end)
            assert (placed.status, placed.start, placed.end) == (KEPT, start, end)


@settings(max_examples=300, deadline=None)
@given(edited(), st.data())
def test_a_placed_span_never_lands_on_other_words(case, data):
    """Kept and moved spans read exactly as before; re-anchored ones reach the threshold (or are the same words
    found elsewhere); orphans keep their old offsets."""
    old, new, _ = case
    if not old:
        return
    alignment = Alignment(old, new)
    start = data.draw(st.integers(0, len(old) - 1))
    end = data.draw(st.integers(start + 1, min(len(old), start + 40)))
    placed = alignment.place(start, end)
    text = old[start:end]
    if placed.status in (KEPT, MOVED):
        assert new[placed.start : placed.end] == text
        assert (placed.status == KEPT) == (placed.start == start)
    elif placed.status == REANCHORED:
        landed = new[placed.start : placed.end]
        assert landed == text or similarity(text, landed) >= SIMILARITY
        assert landed.strip() == landed and landed
    else:
        assert placed.status == ORPHANED and (placed.start, placed.end) == (start, end)


@settings(max_examples=300, deadline=None)
@given(edited(WIDE, min_size=12), st.data())
def test_a_span_no_edit_touched_keeps_its_text(case, data):
    """The oracle: the edit history says which old characters survived untouched and where they went."""
    old, new, origin = case
    where = {o: i for i, o in enumerate(origin) if o is not None}
    untouched = sorted(where)
    runs = []  # every maximal run of old characters that stayed together, unedited
    for o in untouched:
        if runs and o == runs[-1][1] and where[o] == where[o - 1] + 1:
            runs[-1][1] = o + 1
        else:
            runs.append([o, o + 1])
    # Where the text repeats, which copy survived is ambiguous to any alignment: ask only of text that is unique.
    unique = [
        (a, b)
        for a, b in runs
        if b - a >= 3 and old.find(old[a:b]) == old.rfind(old[a:b]) and new.find(old[a:b]) == new.rfind(old[a:b]) != -1
    ]
    assume(unique)  # (drawn from the runs that qualify, not filtered one draw at a time: few examples are lost)
    start, end = data.draw(st.sampled_from(unique))
    text = old[start:end]
    placed = Alignment(old, new).place(start, end)
    assert placed.status in (KEPT, MOVED) and new[placed.start : placed.end] == text
    assert placed.start == where[start]


def test_a_deleted_sentence_is_orphaned_and_a_reworded_one_re_anchored():
    old = "問：經費多少？\n答：其實台北人力銀行投入的經費，因為他是一個區域性的網站。但是這個跟民間比較起來還是差得很遠。\n"
    new = "問：經費大概多少？\n答：其實台北人力銀行投入的經費，因為它是一個區域性的網站。\n"
    alignment = Alignment(old, new)
    gone = old.index("但是")
    assert alignment.place(gone, gone + len("但是這個跟民間比較起來還是差得很遠。")).status == ORPHANED
    reworded = old.index("因為他是")
    placed = alignment.place(reworded, reworded + len("因為他是一個區域性的網站"))
    assert placed.status == REANCHORED and new[placed.start : placed.end] == "因為它是一個區域性的網站"


def test_a_long_transcript_with_scattered_edits_keeps_untouched_codings():
    """Repeated paragraphs (blank lines, 答：對。) do not confuse the line alignment."""
    rng = random.Random(3)
    paragraphs = [f"問：第{i % 40}題？\n\n答：對。這是第{i % 40}段回答，內容重複出現。\n" for i in range(600)]
    old = "".join(paragraphs)
    new = old
    for at in sorted(rng.sample(range(len(old)), 20), reverse=True):
        new = new[:at] + "（補）" + new[at:]
    alignment = Alignment(old, new)
    assert sum(n for _, _, n in alignment.runs) == len(old)  # every old character is matched
