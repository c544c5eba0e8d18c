"""Parse the search syntax: terms (all must occur), "exact phrase", OR between alternatives, -exclude,
and `@code` (`@code/` with the codes below it): any of a code's names and keywords (search/concepts.py).

OR binds tighter than the implicit AND, as in web search: `經費 中央 OR 勞委會` means 經費 and (中央 or
勞委會). Everything else is literal: `*`, `^`, `:`, `NEAR` and brackets are searched as written.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from qualcode.errors import BadInput

MAX_QUERY = 256


def check_text(text: str, what: str = "query") -> None:
    """Refuse control characters: no stored text holds them (tabs aside), so such a query could find nothing."""
    for ch in text:
        if ch not in "\t\n" and unicodedata.category(ch) == "Cc":
            raise BadInput(f"{what} {text!r} holds the control character U+{ord(ch):04X}; type the words to look for")


@dataclass(frozen=True)
class Term:
    text: str
    phrase: bool = False  # written in quotes: never split into words
    concept: bool = False  # @code: any name or keyword of the code; `text` keeps the @

    @property
    def reference(self) -> str:
        """What follows the @ of a concept term (`budget`, `budget/`)."""
        return self.text[1:] if self.concept else self.text


@dataclass
class Query:
    groups: list[list[Term]] = field(default_factory=list)  # AND of groups; a group is an OR of terms
    excluded: list[Term] = field(default_factory=list)
    source: str = ""

    @property
    def positive_terms(self) -> list[Term]:
        return [t for g in self.groups for t in g]


def _tokens(query: str) -> list[tuple[str, bool, bool]]:
    """(text, quoted, negated) tokens; raises on unbalanced quotes."""
    tokens = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch.isspace():
            i += 1
            continue
        negated = False
        if ch == "-" and i + 1 < n and not query[i + 1].isspace():
            negated = True
            i += 1
            ch = query[i]
        if ch in '"“”「『':
            closing = {'"': '"', "“": "”", "”": "”", "「": "」", "『": "』"}[ch]
            end = query.find(closing, i + 1)
            if closing == '"' and end == -1:
                end = query.find("”", i + 1)
            if end == -1:
                raise BadInput(f"unbalanced quote in query {query!r}: close the phrase with {closing}")
            text = query[i + 1 : end]
            if not text.strip():
                raise BadInput(f"empty phrase in query {query!r}")
            tokens.append((text, True, negated))
            i = end + 1
            continue
        start = i
        while i < n and not query[i].isspace():
            i += 1
        tokens.append((query[start:i], False, negated))
    return tokens


def parse_query(query: str) -> Query:
    query = query.strip()
    if not query:
        raise BadInput('empty query: type a word or a "phrase"')
    if len(query) > MAX_QUERY:
        raise BadInput(f"query too long ({len(query)} characters; at most {MAX_QUERY})")
    check_text(query)
    tokens = _tokens(query)
    result = Query(source=query)
    pending_or = False
    for index, (text, quoted, negated) in enumerate(tokens):
        if not quoted and text == "-":
            raise BadInput("a lone '-' excludes nothing: write -word to leave out turns with that word")
        if not quoted and not negated and text == "OR":
            if not result.groups or pending_or or index == len(tokens) - 1:
                raise BadInput(f"OR needs a term on each side in {query!r}")
            pending_or = True
            continue
        term = Term(text, phrase=quoted, concept=not quoted and len(text) > 1 and text.startswith("@"))
        if negated:
            if pending_or:
                raise BadInput(f"OR cannot join an excluded term in {query!r}")
            result.excluded.append(term)
        elif pending_or:
            result.groups[-1].append(term)
            pending_or = False
        else:
            result.groups.append([term])
    if not result.groups:
        raise BadInput(f"query {query!r} only excludes: add at least one word to look for")
    return result


SPLIT_MIN_LENGTH = 3


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\U00020000" <= ch <= "\U0003134f"


def splittable(term: str) -> bool:
    """A long unspaced Chinese phrase (not code-like text such as a*b:c) that occurs nowhere as written may be
    searched as its words instead (search/engine.py)."""
    return (
        len(term) >= SPLIT_MIN_LENGTH
        and sum(map(_is_cjk, term)) >= 2
        and all(_is_cjk(ch) or ch.isalnum() for ch in term)
    )
