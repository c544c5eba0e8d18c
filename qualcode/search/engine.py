"""Run a parsed query against the index: boolean matching, filters, ranking, snippets.

Text is matched in its search form (zh/normalize.py `fold`: normalised, whitespace inside a turn ignored);
hits are mapped back to document offsets, so a hit covers the passage as written, spaces included.
A concept term `@code` (search/concepts.py) is an OR of the code's names and keywords; it counts as one
query word for ranking, and each result lists the keywords that matched (`SearchResult.matched`).

A result is a turn, or a coded segment when the search is restricted to codings (--code, --coder,
coded only). Ranking: turns holding the query as one exact phrase first, then by how many query
words they hold, then by how close those words stand, then in document order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np

from qualcode.errors import BadInput
from qualcode.search.index import SearchIndex, TurnTable, slices
from qualcode.search.layout import DENSE_SHARE
from qualcode.search.query import Query, parse_query, splittable
from qualcode.search.results import SearchResult, SearchResults, result_row, snippet_window
from qualcode.zh.normalize import fold_term

if TYPE_CHECKING:
    from qualcode.search.concepts import Concepts


COMMON_SHARE = 0.5  # a word of a split phrase found in at least this share of the units only ranks


@dataclass
class _TermHits:
    text: str  # as written in the query
    length: int
    found: np.ndarray | None  # global positions, sorted, already restricted by the turn filters (see positions)
    concept: str | None = None  # for a keyword of a concept term: the term (@budget), the code, the keyword
    code: str | None = None
    keyword: str | None = None
    rows: np.ndarray | None = None  # the turn row of each position, once computed (see _rows)
    turn_mask: np.ndarray | None = None  # whether each turn (row) holds it, where the index keeps that (dense)
    # A dense gram's positions are decoded only when asked for (matching reads its turns from the mask):
    known_count: int = 0  # how many, until then
    load: Callable[[], np.ndarray] | None = None  # all of them
    load_between: Callable[[int, int], np.ndarray] | None = None  # those of the batches overlapping [lo, hi]

    @property
    def positions(self) -> np.ndarray:
        if self.found is None:
            assert self.load is not None
            self.found = self.load()
        return self.found

    @property
    def count(self) -> int:
        return self.known_count if self.found is None else int(self.found.size)

    def between(self, lo: int, hi: int) -> np.ndarray:
        """Sorted positions holding every one in [lo, hi] (more, where only some batches are decoded)."""
        if self.found is None and self.load_between is not None:
            return self.load_between(lo, hi)
        return self.positions


@dataclass
class _Units:
    """What results are made of: turns, or coded segments, as global [start, end) intervals.

    For turns (coding_ids None) the units are the turn table's rows, and start and end are not kept:
    matching turns works from the hits alone (see _present)."""

    start: np.ndarray
    end: np.ndarray
    coding_ids: list[str] | None  # None for turns
    coding_spans: list[tuple[int, int]] | None = None  # document offsets of each coding


class SearchSource(Protocol):
    """What the engine needs from the project besides the index (SearchService provides it)."""

    def text(self, document_id: int) -> str: ...

    def coded_spans(
        self, code_ids: tuple[str, ...] | None, coder: str | None, cases: tuple[str, ...]
    ) -> list[tuple[str, int, int, int]]:
        """(coding id, document id, start, end) of the codings that pass the filters, in document order."""
        ...

    def passages(self, spans: Sequence[tuple[int, int, int]]) -> list[str]:
        """text(document)[start:end] of each (document, start, end)."""
        ...

    def codes_in_spans(self, spans: Sequence[tuple[int, int, int]]) -> list[list[str]]:
        """The codes of the codings overlapping each (document, start, end), in codebook order."""
        ...

    def turn_texts(self, turns: Sequence[tuple[int, int]]) -> list[tuple[int, int, str]]:
        """(start, end, text) of each (document, turn number) (for the search that needs no numpy: plain.py)."""
        ...


@dataclass(frozen=True)
class Filters:
    cases: tuple[str, ...] = ()
    code_ids: tuple[str, ...] | None = None  # already expanded to descendants
    coder: str | None = None
    speaker: str | None = None
    coded_only: bool = False

    @property
    def segments(self) -> bool:
        return self.code_ids is not None or self.coder is not None or self.coded_only


class TurnFilter:
    """The turn filters (cases, speaker) as a test on the rows of hits, never as a mask over every turn."""

    def __init__(self, turns: TurnTable, filters: Filters):
        self.cases: np.ndarray | None = None
        self.speaker: int | None = None
        if filters.cases:
            self.cases = np.array(sorted({turns.cases.index(c) for c in filters.cases if c in turns.cases}), np.int64)
        if filters.speaker is not None:
            if filters.speaker not in turns.speakers:
                raise BadInput(f"no turns by speaker {filters.speaker!r} (speakers: {', '.join(turns.speakers)})")
            self.speaker = turns.speakers.index(filters.speaker)
        self.turns = turns

    @property
    def active(self) -> bool:
        return self.cases is not None or self.speaker is not None

    def keep(self, rows: np.ndarray) -> np.ndarray:
        keep = np.ones(rows.size, dtype=bool)
        if self.cases is not None:
            keep &= _member(self.turns.case[rows], self.cases)
        if self.speaker is not None:
            keep &= self.turns.speaker[rows] == self.speaker
        return keep


def turn_filter(turns: TurnTable, filters: Filters) -> TurnFilter | None:
    found = TurnFilter(turns, filters)
    return found if found.active else None


def _member(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """Whether each value is in a sorted array (O(values · log set))."""
    if sorted_set.size == 0:
        return np.zeros(values.size, dtype=bool)
    at = np.searchsorted(sorted_set, values)
    return (at < sorted_set.size) & (sorted_set[np.minimum(at, sorted_set.size - 1)] == values)


def term_hits(index: SearchIndex, turns: TurnTable, text: str, allowed: TurnFilter | None) -> _TermHits:
    """A term's positions in live turns that pass the filters; cost proportional to its hits."""
    folded = fold_term(text)
    if allowed is None and not index.has_stale():
        # Every indexed occurrence lies inside a live turn: pairs never span the gap between turns. A frequent
        # character's or pair's turns are read from its bitmaps instead of found from its positions, which
        # are decoded only if asked for (ranking, or the batches of a page of results).
        gram = index.gram(folded)
        count, lists = index.gram_lists(gram) if gram is not None else (0, 0)
        mask = index.turn_mask(gram, lists) if gram is not None and count >= DENSE_SHARE * turns.gpos.size else None
        if gram is not None and mask is not None:
            return _TermHits(
                text, len(folded), None, turn_mask=mask, known_count=count,
                load=lambda: index.positions(folded),
                load_between=lambda lo, hi: index.gram_positions_between(gram, lo, hi),
            )  # fmt: skip
        return _TermHits(text, len(folded), index.positions(folded))
    positions = index.positions(folded)
    rows, valid = turns.locate(positions, len(folded))
    if allowed is not None:
        valid &= allowed.keep(rows)
    return _TermHits(text, len(folded), positions[valid], rows=rows[valid])


def _rows(turns: TurnTable, hits: _TermHits) -> np.ndarray:
    """The turn row of each hit: one binary search per hit over the turn starts."""
    if hits.rows is None:
        hits.rows = turns.rows_of(hits.positions)
    return hits.rows


def _inside_turns(turns: TurnTable, hits: _TermHits, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The term's positions inside these turns (sorted rows), and for each the index in `rows` of its turn: from
    the rows of its hits when known or few (one gather), else a range of its sorted positions per turn (two
    binary searches per turn, not one per hit)."""
    if hits.rows is not None or hits.positions.size < 4 * rows.size:
        slot = np.full(turns.gpos.size, -1, dtype=np.int64)  # each turn's index in rows, by row
        slot[rows] = np.arange(rows.size)
        at = slot[_rows(turns, hits)]
        kept = np.flatnonzero(at >= 0)
        return hits.positions[kept], at[kept]
    lo = np.searchsorted(hits.positions, turns.gpos[rows], side="left")
    counts = np.searchsorted(hits.positions, turns.gpos[rows] + turns.length[rows], side="left") - lo
    return hits.positions[slices(lo, counts)], np.repeat(np.arange(rows.size), counts)


def _unique_sorted(values: np.ndarray) -> np.ndarray:
    if values.size == 0:
        return values
    return values[np.concatenate(([True], values[1:] != values[:-1]))]


def _present(turns: TurnTable, hits: _TermHits, units: _Units) -> np.ndarray:
    """The units (sorted ids) that hold at least one whole occurrence of the term. Turns: the distinct
    rows of the hits. Coded segments: the first occurrence at or after a unit's start decides (if it
    does not end inside the unit, no later one can)."""
    if units.coding_ids is None:
        if hits.turn_mask is not None:
            return np.flatnonzero(hits.turn_mask)
        if hits.rows is None and hits.positions.size > turns.gpos.size:
            # More hits than turns (every hit in a live turn: see term_hits): search the turn starts among
            # the hits instead, one binary search per turn; a turn holds a hit if the next turn's first
            # hit comes later than its own.
            first = np.searchsorted(hits.positions, turns.gpos)
            return np.flatnonzero(np.diff(first, append=hits.positions.size) > 0)
        return _unique_sorted(_rows(turns, hits))
    p = hits.positions
    if p.size == 0:
        return np.empty(0, dtype=np.int64)
    first = np.searchsorted(p, units.start, side="left")
    inside = first < p.size
    return np.flatnonzero(inside & (p[np.minimum(first, p.size - 1)] + hits.length <= units.end))


def coded_units(index: SearchIndex, source: SearchSource, turns: TurnTable, filters: Filters) -> _Units:
    """Codings that pass the filters, mapped to global intervals (gaps between turns are harmless)."""
    key = (filters.code_ids, filters.coder, filters.cases, index.version())
    cache = index.coded_units
    if key in cache:
        return cache[key]
    codings = source.coded_spans(filters.code_ids, filters.coder, filters.cases)
    if not codings:
        empty = np.empty(0, dtype=np.int64)
        return _Units(empty, empty, [], [])
    doc = np.array([c[1] for c in codings], dtype=np.int64)
    start = np.array([c[2] for c in codings], dtype=np.int64)
    end = np.array([c[3] for c in codings], dtype=np.int64)
    gstart = _to_global(turns, doc, start, snap="next")
    gend = _to_global(turns, doc, end, snap="previous")
    keep = gend > gstart
    kept = [c for c, k in zip(codings, keep.tolist(), strict=True) if k]
    units = _Units(gstart[keep], gend[keep], [c[0] for c in kept], [(c[2], c[3]) for c in kept])
    cache.clear()
    cache[key] = units
    return units


def _to_global(turns: TurnTable, doc: np.ndarray, offset: np.ndarray, snap: str) -> np.ndarray:
    """Map document offsets to global positions; offsets between turns snap to the next or previous turn."""
    order, keys = turns.by_document
    key_doc = turns.document_id[order]
    wanted = doc * (1 << 32) + offset
    at = np.searchsorted(keys, wanted, side="right") - 1  # turn starting at or before the offset
    at_c = np.clip(at, 0, len(order) - 1)
    row = order[at_c]
    same_doc = (at >= 0) & (key_doc[at_c] == doc)
    inside = same_doc & (offset - turns.start[row] <= turns.text_length[row])
    within = np.clip(offset, turns.start[row], turns.start[row] + turns.text_length[row])
    result = np.where(inside, turns.from_document(row, within), 0)
    if snap == "next":
        nxt = np.clip(at + 1, 0, len(order) - 1)
        nrow = order[nxt]
        has_next = (at + 1 < len(order)) & (key_doc[nxt] == doc)
        result = np.where(inside, result, np.where(has_next, turns.gpos[nrow], np.iinfo(np.int64).max // 2))
    else:
        result = np.where(inside, result, np.where(same_doc, turns.gpos[row] + turns.length[row], -1))
    return result


def _proximity(turns: TurnTable, units: _Units, unit_rows: np.ndarray, term_lists: list[_TermHits]) -> np.ndarray:
    """For turn units (sorted rows): the smallest spread, anchored at an occurrence of the rarest term,
    that reaches an occurrence of every other present term in the same turn. Lower is closer."""
    big = np.iinfo(np.int64).max // 4
    prox = np.zeros(unit_rows.size, dtype=np.int64)
    present = [t for t in term_lists if t.count]
    if len(present) < 2 or units.coding_ids is not None:
        return prox
    anchor = min(present, key=lambda t: t.count)
    a, a_slot = _inside_turns(turns, anchor, unit_rows)
    if not a.size:
        return np.full(unit_rows.size, big, dtype=np.int64)
    a_rows = unit_rows[a_slot]
    window = np.zeros(a.size, dtype=np.int64)
    turn_start = turns.gpos[a_rows]
    turn_end = turn_start + turns.length[a_rows]
    for other in present:
        if other is anchor:
            continue
        p = other.positions
        j = np.searchsorted(p, a)
        left = np.clip(j - 1, 0, p.size - 1)
        right = np.clip(j, 0, p.size - 1)
        # a neighbour counts only inside the anchor's own turn
        d_left = np.where((j > 0) & (p[left] >= turn_start), np.abs(a - p[left]), big)
        d_right = np.where((j < p.size) & (p[right] < turn_end), np.abs(p[right] - a), big)
        window = np.maximum(window, np.minimum(d_left, d_right))
    firsts = np.flatnonzero(np.concatenate(([True], a_slot[1:] != a_slot[:-1])))  # anchors sorted by unit
    best = np.full(unit_rows.size, big, dtype=np.int64)
    best[a_slot[firsts]] = np.minimum.reduceat(window, firsts)
    return best


def split_words(term: str) -> list[str]:
    """jieba's words of an unspaced phrase, punctuation dropped."""
    from qualcode.zh.tokenize import tokenize

    words = []
    for start, end in tokenize(term):
        word = term[start:end].strip()
        if word and any(ch.isalnum() for ch in word) and word not in words:
            words.append(word)
    return words


def search(
    index: SearchIndex,
    source: SearchSource,
    query_text: str,
    filters: Filters = Filters(),
    limit: int | None = 50,
    concepts: Concepts | None = None,
) -> SearchResults:
    """Match a query against an up-to-date index; rank and build the results (see the module docstring).

    `concepts` is the codebook for `@code` terms (the search service passes it)."""
    with index.one_query():
        return _search(index, source, parse_query(query_text), filters, limit, concepts)


def _search(
    index: SearchIndex,
    source: SearchSource,
    query: Query,
    filters: Filters,
    limit: int | None,
    concepts: Concepts | None,
) -> SearchResults:
    turns = index.turns()
    allowed = turn_filter(turns, filters)
    if filters.segments:
        units = coded_units(index, source, turns, filters)
    else:
        empty = np.empty(0, dtype=np.int64)
        units = _Units(empty, empty, None)
    matched = _match(index, turns, query, units, allowed, concepts)
    selected = matched.selected
    total = int(selected.size)
    if len(matched.ranked) == 1:
        ordered = selected  # one term: every match ranks alike, so document order (units are in it)
    else:
        prox = _proximity(turns, units, selected, matched.ranked) if selected.size else np.empty(0, np.int64)
        starts = selected if units.coding_ids is None else units.start[selected]
        ordered = selected[np.lexsort((starts, prox, -matched.held, ~matched.phrase))]
    chosen = ordered if limit is None else ordered[:limit]
    results = _results(source, turns, units, chosen, matched.terms)
    segments = units.coding_ids is not None
    return SearchResults(query=query, results=results, total=total, notices=matched.notices, segments=segments)


@dataclass
class _Matched:
    selected: np.ndarray  # the units (sorted ids) where the query holds
    held: np.ndarray  # per selected unit: how many query words it holds
    phrase: np.ndarray  # per selected unit: it holds the positive terms as one exact phrase
    terms: list[_TermHits]  # every term (word of a split term, keyword of a concept): what is highlighted
    notices: list[str]
    ranked: list[_TermHits] = field(default_factory=list)  # one per query word for proximity (concepts merged)


def _union(sets: list[np.ndarray]) -> np.ndarray:
    """The union of sorted id arrays: merged (a stable sort of sorted runs is a merge), then deduplicated
    (np.unique would hash them all, and import numpy.ma)."""
    if not sets:
        return np.empty(0, dtype=np.int64)
    if len(sets) == 1:
        return sets[0]
    merged = np.concatenate(sets)
    merged.sort(kind="stable")
    return _unique_sorted(merged)


def _contains(selected: np.ndarray, present: np.ndarray, units: int) -> np.ndarray:
    """Whether each of the selected ids (sorted) is in `present` (sorted ids below `units`): binary searches,
    or a mask over all the units when most of them are selected."""
    if selected.size * 16 < units:
        return _member(selected, present)
    mask = np.zeros(units, dtype=bool)
    mask[present] = True
    return mask[selected]


def _present_in(turns: TurnTable, hits: _TermHits, units: _Units, candidates: np.ndarray) -> np.ndarray:
    """Whether each candidate unit (sorted ids) holds a whole occurrence of the term: the first occurrence
    at or after the unit's start must start early enough to end inside it. Two binary searches per
    candidate, however many hits the term has."""
    if units.coding_ids is None and hits.turn_mask is not None:
        return hits.turn_mask[candidates]
    p = hits.positions
    if p.size == 0 or candidates.size == 0:
        return np.zeros(candidates.size, dtype=bool)
    if units.coding_ids is None and (hits.rows is not None or p.size < 4 * candidates.size):
        # many candidates: the turns of the term's hits (rows_of: a table lookup each), then membership
        return _contains(candidates, _unique_sorted(_rows(turns, hits)), turns.gpos.size)
    if units.coding_ids is None:
        lo = turns.gpos[candidates]
        hi = lo + turns.length[candidates]
    else:
        lo, hi = units.start[candidates], units.end[candidates]
    first = np.searchsorted(p, lo, side="left")
    return (first < p.size) & (p[np.minimum(first, p.size - 1)] + hits.length <= hi)


@dataclass
class _Word:
    """A query word: a term, a concept (any of its keywords), or one of the jieba words of a phrase found nowhere
    as written. Such a word found in most of the units (的) only ranks: it does not make a unit match."""

    hits: list[_TermHits]
    rank_only: bool = False

    @property
    def cost(self) -> int:
        return 0 if self.rank_only else sum(h.count for h in self.hits)


def _word_units(turns: TurnTable, word: _Word, units: _Units) -> np.ndarray:
    """The units (sorted ids) holding the word."""
    return _union([_present(turns, hits, units) for hits in word.hits])


def _word_present(turns: TurnTable, word: _Word, units: _Units, candidates: np.ndarray) -> np.ndarray:
    """Whether each candidate holds the query word (a concept: any of its keywords)."""
    held = np.zeros(candidates.size, dtype=bool)
    for hits in word.hits:
        held |= _present_in(turns, hits, units, candidates)
    return held


def _split_words(turns: TurnTable, lists: list[_TermHits], units: _Units) -> list[_Word]:
    """The words of a phrase split by jieba, those found in at least COMMON_SHARE of the units ranking only
    (unless all are: then every one matches)."""
    count = turns.gpos.size if units.coding_ids is None else units.start.size
    common = [_present(turns, hits, units).size >= COMMON_SHARE * count for hits in lists]
    if all(common):
        common = [False] * len(lists)
    return [_Word([hits], rank_only=c) for hits, c in zip(lists, common, strict=True)]


def _match(
    index: SearchIndex,
    turns: TurnTable,
    query: Query,
    units: _Units,
    allowed: TurnFilter | None,
    concepts: Concepts | None = None,
) -> _Matched:
    """Boolean matching: groups ANDed, terms in a group ORed, exclusions removed. The group with the fewest
    hits gives the candidate units (a sorted id array from its hits); every other group, exclusion and
    query word is then tested on the candidates only, so the cost follows the rarest group's hits and the
    candidates, not the number of turns or the common words' hits."""
    notices: list[str] = []
    terms: list[_TermHits] = []
    ranked: list[_TermHits] = []
    groups: list[list[_Word]] = []  # per group, its query words (ORed)
    own: list[_TermHits | None] = []  # per positive term, its own hits (None: a concept, or split into words)
    for group in query.groups:
        group_words: list[_Word] = []
        for term in group:
            lists = _term_or_words(index, turns, term, allowed, notices, concepts)
            own.append(lists[0] if len(lists) == 1 and not term.concept else None)
            terms.extend(lists)
            if term.concept:  # one query word, present when any of its keywords is
                group_words.append(_Word(lists))
                ranked.append(_merged(term.text, lists))
            elif len(lists) > 1:  # a phrase split into its words: a unit holding any matches
                group_words.extend(_split_words(turns, lists, units))
                ranked.extend(lists)
            else:
                group_words.append(_Word(lists))
                ranked.extend(lists)
        groups.append(group_words)
    selected = np.empty(0, dtype=np.int64)
    first_words: list[np.ndarray | None] = []  # the units of each word of the group with the fewest hits
    if groups:
        order = sorted(groups, key=lambda g: sum(word.cost for word in g))
        first_words = [None if word.rank_only else _word_units(turns, word, units) for word in order[0]]
        selected = _union([found for found in first_words if found is not None])
        for group_words in order[1:]:
            if not selected.size:
                break
            keep = np.zeros(selected.size, dtype=bool)
            for word in group_words:
                if not word.rank_only:
                    keep |= _word_present(turns, word, units, selected)
            selected = selected[keep]
    for term in query.excluded:
        for hits in _term_or_words(index, turns, term, allowed, [], concepts, split=False):
            if selected.size:
                selected = selected[~_present_in(turns, hits, units, selected)]
    held = np.zeros(selected.size, dtype=np.int64)
    count = turns.gpos.size if units.coding_ids is None else units.start.size
    for group_words in groups:
        if len(group_words) == 1:
            held += 1  # one word: every selected unit holds it (the candidates are its units, or were tested)
        elif group_words is order[0]:
            for word, present in zip(group_words, first_words, strict=True):
                if present is None:
                    held += _word_present(turns, word, units, selected)
                else:
                    held += _contains(selected, present, count)
        else:
            for word in group_words:
                held += _word_present(turns, word, units, selected)
    positive = query.positive_terms
    if len(positive) > 1 and any(t.concept for t in positive):
        phrase = np.zeros(selected.size, dtype=bool)  # a concept is no phrase
    elif len(positive) > 1:
        joined = "".join(t.text for t in positive)
        words = [hits for hits in own if hits is not None]
        if len(words) == len(own) and fold_term(joined) == "".join(fold_term(t.text) for t in positive):
            phrase = _phrase(turns, words, units, selected)  # the terms' own hits, one after the other
        elif any(hits is None for hits in own):
            phrase = np.zeros(selected.size, dtype=bool)  # a term split into words occurs nowhere as written
        else:  # folding the joined terms differs from joining them folded (a mark composing across them)
            phrase = _present_in(turns, term_hits(index, turns, joined, allowed), units, selected)
    else:
        phrase = np.ones(selected.size, dtype=bool)
    return _Matched(selected, held, phrase, terms, notices, ranked)


def _phrase(turns: TurnTable, words: list[_TermHits], units: _Units, selected: np.ndarray) -> np.ndarray:
    """Whether each selected unit holds the words one right after the other (the query as one exact phrase):
    the rarest word's occurrences in the selected units, each kept where every other word follows at its place."""
    at = np.cumsum([0] + [hits.length for hits in words])  # each word's offset in the phrase, and its length
    rarest = min(range(len(words)), key=lambda i: words[i].count)
    anchor = words[rarest]
    found = anchor.positions
    if units.coding_ids is None and selected.size:
        found, _ = _inside_turns(turns, anchor, selected)
    starts = found - at[rarest]
    for i, hits in enumerate(words):
        if i == rarest or not starts.size:
            continue
        p, want = hits.positions, starts + at[i]
        j = np.minimum(np.searchsorted(p, want), max(p.size - 1, 0))
        starts = starts[p[j] == want] if p.size else starts[:0]
    return _present_in(turns, _TermHits("", int(at[-1]), starts), units, selected)


def _merged(text: str, lists: list[_TermHits]) -> _TermHits:
    """The hits of a concept's keywords as one list of start positions (for proximity only)."""
    positions = [h.positions for h in lists if h.positions.size]
    merged = np.unique(np.concatenate(positions)) if positions else np.empty(0, dtype=np.int64)
    return _TermHits(text, 0, merged)


def _term_or_words(
    index: SearchIndex,
    turns: TurnTable,
    term,
    allowed: TurnFilter | None,
    notices: list[str],
    concepts: Concepts | None = None,
    split: bool = True,
) -> list[_TermHits]:
    """A term's hits; a concept's, one list per keyword; a long unspaced phrase that occurs nowhere is
    searched as its jieba words instead."""
    if term.concept:
        if concepts is None:
            raise BadInput(f"{term.text}: concept search needs the project's codebook")
        found = []
        for concept_term in concepts.terms(term.reference):
            hits = term_hits(index, turns, concept_term.keyword, allowed)
            hits.concept, hits.code, hits.keyword = term.text, concept_term.code, concept_term.keyword
            found.append(hits)
        return found
    hits = term_hits(index, turns, term.text, allowed)
    if not split or hits.count or term.phrase or not splittable(term.text):
        return [hits]
    if index.positions(fold_term(term.text)).size:  # present, just not under the filters
        return [hits]
    words = split_words(term.text)
    if len(words) <= 1:
        return [hits]
    notices.append(f"{term.text} does not occur as written; searched for its words {' / '.join(words)}")
    return [term_hits(index, turns, word, allowed) for word in words]


def _results(
    source: SearchSource, turns: TurnTable, units: _Units, chosen: np.ndarray, terms: list[_TermHits]
) -> list[SearchResult]:
    """The result rows of the chosen units, worked out together: a few binary searches per term for all of
    them, one mapping of every hit back to document offsets, and the snippets' characters (`passages`) and every
    unit's codes (`codes_in_spans`) read in a query each."""
    count = int(chosen.size)
    if count == 0:
        return []
    if units.coding_ids is None:
        lo = turns.gpos[chosen]
        hi = lo + turns.length[chosen]
    else:
        lo, hi = units.start[chosen], units.end[chosen]
    unit_hits: list[list[tuple[int, int]]] = [[] for _ in range(count)]
    matched: list[list[dict]] = [[] for _ in range(count)]
    for term in terms:
        listed = term.between(int(lo.min()), int(hi.max()))  # (a dense gram: the page's batches alone)
        a = np.searchsorted(listed, lo, side="left").tolist()
        b = np.searchsorted(listed, hi - term.length, side="right").tolist()
        for i in range(count):
            if b[i] > a[i]:
                unit_hits[i].extend((p, p + term.length) for p in listed[a[i] : b[i]].tolist())
                if term.concept is not None:
                    matched[i].append({"concept": term.concept, "code": term.code, "keyword": term.keyword})
    for i, found in enumerate(unit_hits):  # a passage two terms both hit (a keyword typed too) counts once
        unit_hits[i] = sorted(set(found))
    firsts = np.array(
        [found[0][0] if found else start for found, start in zip(unit_hits, lo.tolist(), strict=True)], np.int64
    )
    rows = turns.rows_of(firsts)
    row_list = rows.tolist()
    g_start = turns.gpos[rows].tolist()
    g_end = (turns.gpos[rows] + turns.length[rows]).tolist()
    turn_start = turns.start[rows].tolist()
    turn_end = (turns.start[rows] + turns.text_length_of(rows)).tolist()
    inside = [[(s, e) for s, e in found if g_start[i] <= s and e <= g_end[i]] for i, found in enumerate(unit_hits)]
    # folded positions back to document offsets, whitespace inside a hit included: all hits at once
    hit_rows = [row_list[i] for i, found in enumerate(inside) for _ in found]
    hit_firsts, hit_ends = turns.spans_to_document(
        hit_rows, [s for found in inside for s, _ in found], [e for found in inside for _, e in found]
    )
    documents = turns.document_id[rows].tolist()
    spans = list(zip(documents, turn_start, turn_end, strict=True))
    codes = source.codes_in_spans(spans)
    pieces, at = [], 0  # per result: its hits and its snippet's window
    for i in range(count):
        n = len(inside[i])
        hits = list(zip(hit_firsts[at : at + n], hit_ends[at : at + n], strict=True))
        at += n
        pieces.append((hits, snippet_window(hits, turn_start[i], turn_end[i])))
    # the text of each snippet (which holds the first hit): only these characters are read
    snippets = source.passages([(documents[i], *window) for i, (_, window) in enumerate(pieces)])
    results = []
    for i, (hits, window) in enumerate(pieces):
        row = row_list[i]
        unit = int(chosen[i])
        coding = units.coding_ids[unit] if units.coding_ids is not None else None
        if coding is not None and units.coding_spans is not None:
            unit_span = units.coding_spans[unit]
        else:
            unit_span = (turn_start[i], turn_end[i])
        results.append(
            result_row(
                case=turns.cases[int(turns.case[row])],
                document=documents[i],
                turn=int(turns.number[row]),
                speaker=turns.speakers[int(turns.speaker[row])],
                hits=hits,
                turn_span=(turn_start[i], turn_end[i]),
                window=window,
                passage=snippets[i],
                codes=codes[i],
                unit=unit_span,
                coding=coding,
                matched=matched[i],
            )
        )
    return results
