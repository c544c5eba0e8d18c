"""Find a quoted passage in a document, ignoring differences in whitespace."""

from __future__ import annotations

import unicodedata

from qualcode.errors import BadInput


def _squeeze(text: str) -> tuple[str, list[int]]:
    """The text without whitespace, and for each kept character its offset in the original."""
    kept, offsets = [], []
    for i, ch in enumerate(text):
        if not ch.isspace():
            kept.append(ch)
            offsets.append(i)
    return "".join(kept), offsets


def find_quote(text: str, quote: str, where: str) -> tuple[int, int]:
    """The (start, end) of the one place `quote` occurs in `text`; refuse when absent or ambiguous."""
    needle, _ = _squeeze(unicodedata.normalize("NFC", quote))
    if not needle:
        raise BadInput("the quote is empty")
    haystack, offsets = _squeeze(text)
    hits: list[int] = []
    at = haystack.find(needle)
    while at != -1 and len(hits) < 10:
        hits.append(at)
        at = haystack.find(needle, at + 1)
    short = quote if len(quote) <= 30 else quote[:30] + "…"
    if not hits:
        raise BadInput(f"quote {short!r} does not occur in {where}")
    if len(hits) > 1:
        places = ", ".join(str(offsets[h]) for h in hits[:5])
        raise BadInput(
            f"quote {short!r} occurs {len(hits)}{'+' if len(hits) == 10 else ''} times in {where} (at {places}); quote more of it or use --span"
        )
    first = hits[0]
    return offsets[first], offsets[first + len(needle) - 1] + 1
