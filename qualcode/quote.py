"""Find a quoted passage in a document with the search's folding.

The quote and the text are compared in their search form (zh/normalize.py `fold`): whitespace, 台/臺 and
the variant table, full/half width, Latin case and Traditional/Simplified never stop a quote from being
found, exactly as they never stop `search` from finding it. The span returned covers the passage as
written, from its first character to its last.
"""

from __future__ import annotations

import unicodedata

from qualcode.errors import BadInput
from qualcode.zh.normalize import fold, fold_term


def find_quote(text: str, quote: str, where: str) -> tuple[int, int]:
    """The (start, end) of the one place `quote` occurs in `text`; refuse when absent or ambiguous."""
    needle = fold_term(unicodedata.normalize("NFC", quote))
    if not needle:
        raise BadInput("the quote is empty")
    haystack = fold(text)
    hits = haystack.find_all(needle, limit=10)
    short = quote if len(quote) <= 30 else quote[:30] + "…"
    if not hits:
        raise BadInput(f"quote {short!r} does not occur in {where}")
    if len(hits) > 1:
        places = ", ".join(str(haystack.offsets[h]) for h in hits[:5])
        raise BadInput(
            f"quote {short!r} occurs {len(hits)}{'+' if len(hits) == 10 else ''} times in {where} (at {places}); quote more of it or use --span"
        )
    return haystack.span(hits[0], hits[0] + len(needle))


def shorten(text: str, limit: int = 30) -> str:
    """A passage on one line (its whitespace runs as single spaces), cut to `limit` characters with "…" when longer:
    how messages and dialogs quote a coding's text."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
