"""Search, keyword in context and word statistics over the project's transcripts.

The index (search/index.py) and the engine (search/engine.py, kwic.py, words.py) know nothing of
Project: this service hands them the index and a small source of texts and codings.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from qualcode.errors import BadInput
from qualcode.store import Store

if TYPE_CHECKING:  # numpy, the engine and the other services load only when a search uses them
    from qualcode.search.concepts import Completion, Concepts
    from qualcode.search.engine import Filters
    from qualcode.search.index import SearchIndex
    from qualcode.search.kwic import KwicLine
    from qualcode.search.results import SearchResults
    from qualcode.search.words import Keyness, WordCount
    from qualcode.services.codebook import CodebookService
    from qualcode.services.codings import CodingService
    from qualcode.services.documents import DocumentService

WORD_GROUPS = ("case", "code")


class _Source:
    """The texts and codings the engine reads. A page of results reads its snippets and its codes in a query
    each, here; the rest comes from the other services, built when first asked (a plain search never
    imports or builds them)."""

    def __init__(self, store: Store, documents: Callable[[], DocumentService], codings: Callable[[], CodingService]):
        self._store = store
        self._documents = documents
        self._codings = codings

    def text(self, document_id: int) -> str:
        return self._documents().text(document_id)

    def passages(self, spans: Sequence[tuple[int, int, int]]) -> list[str]:
        """text(document)[start:end] of each (document, start, end), in one query: a page of results reads
        its snippets' characters, not its documents' whole texts (0.4 against 1.3 ms for 20)."""
        found: list[str] = [""] * len(spans)
        rows = self._over_spans(
            spans,
            "i, d, s, n",
            "SELECT spans.i, substr(documents.text, spans.s + 1, spans.n) FROM spans JOIN documents ON documents.id = spans.d",
            lambda d, a, b: (d, a, max(b - a, 0)),
        )
        for n, text in rows:
            found[n] = text
        return found

    def turn_texts(self, turns: Sequence[tuple[int, int]]) -> list[tuple[int, int, str]]:
        """(start, end, text) of each (document, turn number), in a query for a page of results."""
        found: list[tuple[int, int, str]] = [(0, 0, "")] * len(turns)
        rows = self._over_spans(
            turns,
            "i, d, n",
            'SELECT spans.i, t.start, t."end", substr(documents.text, t.start + 1, t."end" - t.start) FROM spans '
            "JOIN turns t ON t.document_id = spans.d AND t.number = spans.n JOIN documents ON documents.id = spans.d",
            lambda d, n: (d, n),
        )
        for n, start, end, text in rows:
            found[n] = (start, end, text)
        return found

    def _over_spans(self, spans: Sequence[tuple], columns: str, select: str, values) -> Iterator[tuple]:
        """The rows of `select` over a CTE `spans(columns)` of (index, *values(span)) per span, 200 spans a query."""
        width = columns.count(",") + 1
        for i in range(0, len(spans), 200):
            chunk = spans[i : i + 200]
            marks = ",".join([f"({', '.join('?' * width)})"] * len(chunk))
            params = [value for n, span in enumerate(chunk, start=i) for value in (n, *values(*span))]
            yield from self._store.conn.execute(f"WITH spans({columns}) AS (VALUES {marks}) {select}", params)

    def coded_spans(self, code_ids, coder, cases) -> list[tuple[str, int, int, int]]:
        return self._codings().spans(code_ids=code_ids, coder=coder, cases=cases)

    def codes_in_spans(self, spans: Sequence[tuple[int, int, int]]) -> list[list[str]]:
        """CodingService.codes_in_span of each (document, start, end), in one query for a page of results (a
        query each was a third of building 20 results): the codes of the anchored codings (services/codings.py
        ANCHORED) that overlap the span, in codebook order. tests/unit/test_search_match.py checks it against
        CodingService.codes_in_span."""
        found: list[list[str]] = [[] for _ in spans]
        rows = self._over_spans(
            spans,
            "i, d, s, e",
            "SELECT DISTINCT spans.i, c.code_id, k.position FROM spans "
            'JOIN codings c ON c.document_id = spans.d AND c.start < spans.e AND c."end" > spans.s '
            "JOIN codes k ON k.id = c.code_id WHERE c.orphaned = 0 ORDER BY spans.i, k.position",
            lambda d, a, b: (d, a, b),
        )
        for n, code, _ in rows:
            found[n].append(code)
        return found


class SearchService:
    """`documents`, `codebook` and `codings` give the other services when first needed (Project passes its
    lazily built ones), so a plain `qualcode search` imports none of them."""

    def __init__(
        self,
        store: Store,
        documents: Callable[[], DocumentService],
        codebook: Callable[[], CodebookService],
        codings: Callable[[], CodingService],
    ):
        self._store = store
        self._get_documents = documents
        self._get_codebook = codebook
        self._get_codings = codings
        self._source = _Source(store, documents, codings)
        self._index: SearchIndex | None = None

    @property
    def _documents(self) -> DocumentService:
        return self._get_documents()

    @property
    def _codebook(self) -> CodebookService:
        return self._get_codebook()

    @property
    def _codings(self) -> CodingService:
        return self._get_codings()

    # -- the index -------------------------------------------------------------------------------
    @property
    def index(self) -> SearchIndex:
        """The search index, created on first use."""
        if self._index is None:
            from qualcode.search.index import SearchIndex

            self._index = SearchIndex(self._store)
        return self._index

    def documents_changed(self, removed: list[int], added: list[int]) -> None:
        """Keep the index in step with imports (called inside the import's transaction)."""
        self.index.remove_documents(removed)
        self.index.add_documents(added)

    def ensure_index(self) -> SearchIndex:
        """The index, rebuilt first if documents are missing from it (e.g. an older project)."""
        if not self.index.is_current():
            if self._store.read_only:
                raise BadInput(
                    f"{self._store.path}: the search index must be built first, which writes to the project, but "
                    f"it is read-only ({self._store.read_only_reason}); run `qualcode reindex` where it is writable"
                )
            self.index.rebuild()
        else:
            self.index.ensure_packed()
        return self.index

    def reindex(self) -> int:
        """Rebuild the whole index (compacting removed documents away); returns the characters indexed."""
        return self.index.rebuild()

    # -- queries ---------------------------------------------------------------------------------
    def filters(
        self,
        cases: Sequence[str] = (),
        code: str | None = None,
        coder: str | None = None,
        speaker: str | None = None,
        coded_only: bool = False,
    ) -> Filters:
        """Search filters with every case and code checked, the code expanded to its descendants."""
        from qualcode.search.engine import Filters

        if cases:
            self._documents.check_cases(cases)
        if coder is not None and coder not in (coders := self._codings.coders()):
            raise BadInput(f"no codings by coder {coder!r} (coders: {', '.join(coders) or '-'})")
        code_ids = tuple(self._codebook.descendants(code)) if code is not None else None
        return Filters(cases=tuple(cases), code_ids=code_ids, coder=coder, speaker=speaker, coded_only=coded_only)

    def find(
        self,
        query: str,
        *,
        cases: Sequence[str] = (),
        code: str | None = None,
        coder: str | None = None,
        speaker: str | None = None,
        coded_only: bool = False,
        limit: int | None = 50,
        one_off: bool = False,
    ) -> SearchResults:
        """Turns (or coded segments, given a code, a coder or coded_only) that match the query, best first.

        `@code` in the query (`@budget`, `@預算`, `@budget/` with the codes below) stands for any of the
        code's names and keywords; each result's `matched` says which keyword it holds.

        `one_off`: the only query of a process that has not loaded numpy (the command line): one term without
        filters is answered without importing it where it can be (search/plain.py, the same results). A process
        that searches again (the TUI) imports numpy once and then answers each query faster with the engine."""
        if (
            one_off
            and "numpy" not in sys.modules
            and not (cases or code is not None or coder is not None or speaker is not None or coded_only)
        ):
            from qualcode.search import plain

            found = plain.find(self._store.conn, self._source, query, limit)
            if found is not None:
                return found
        from qualcode.search.engine import search

        filters = self.filters(cases, code, coder, speaker, coded_only)
        concepts = self.concepts() if "@" in query else None
        return search(self.ensure_index(), self._source, query, filters, limit=limit, concepts=concepts)

    def concepts(self) -> Concepts:
        """The codebook as concept search sees it (ids, names, keywords, parents)."""
        from qualcode.search.concepts import ConceptCode, Concepts

        return Concepts(ConceptCode.of(code) for code in self._codebook.codes())

    def complete_concept(self, prefix: str, limit: int | None = 20) -> list[Completion]:
        """Codes a partly typed `@prefix` may mean, for completion after `@` (the TUI's search box): those
        whose id, Chinese or English name starts with the prefix first, then those containing it
        (compared in the search form: Simplified, width and case do not matter). Each Completion has
        `code`, `name`, `name_en`, `matched` (which of them matched) and `text` (`@budget`, to insert)."""
        return self.concepts().complete(prefix, limit)

    def kwic(
        self,
        term: str,
        *,
        cases: Sequence[str] = (),
        code: str | None = None,
        coder: str | None = None,
        speaker: str | None = None,
        coded_only: bool = False,
        width: int = 20,
        sort: str = "position",
        limit: int | None = None,
    ) -> list[KwicLine]:
        """Every occurrence of a term with its left and right context."""
        from qualcode.search.kwic import kwic

        filters = self.filters(cases, code, coder, speaker, coded_only)
        return kwic(self.ensure_index(), self._source, term, filters, width=width, sort=sort, limit=limit)

    # -- word statistics -------------------------------------------------------------------------
    def words(
        self,
        *,
        cases: Sequence[str] = (),
        code: str | None = None,
        by: str = "case",
        speaker: str | None = None,
        top: int = 20,
        min_length: int = 2,
        min_count: int = 1,
    ) -> list[WordCount]:
        """The most frequent jieba words per case (turns) or per code (coded segments)."""
        from qualcode.search import words

        if by not in WORD_GROUPS:
            raise BadInput(f"unknown grouping {by!r}: use --by case or --by code")
        self._documents.check_cases(cases)
        if code is not None:
            self._codebook.code(code)
        units = self._word_units(by, cases, code, speaker)
        return words.frequencies(units, self._codebook.keywords(), top=top, min_length=min_length, min_count=min_count)

    def keyness(
        self,
        *,
        cases: Sequence[str] = (),
        speaker: str | None = None,
        top: int = 10,
        min_length: int = 2,
        min_count: int = 3,
    ) -> list[Keyness]:
        """Each case's most distinctive words (log-likelihood G² against the other cases, with its p-value);
        a word the case uses fewer than `min_count` times is left out."""
        from qualcode.search import words

        self._documents.check_cases(cases)
        units = self._word_units("case", (), None, speaker)
        return words.keyness(
            units, self._codebook.keywords(), cases=cases, top=top, min_length=min_length, min_count=min_count
        )

    def _word_units(
        self, by: str, cases: Sequence[str], code: str | None, speaker: str | None
    ) -> Iterator[tuple[str, str]]:
        """(group, text) pieces: turns grouped by case, or coded segments grouped by code."""
        if by == "code" or code is not None:
            codings = self._codings.select(code=code, include_descendants=True) if code else self._codings.select()
            for coding in codings:
                if not cases or coding.case_id in cases:
                    yield (code if code and by != "code" else coding.code_id), coding.text
            return
        for document in self._documents.documents():
            if cases and document.case_id not in cases:
                continue
            text = self._documents.text(document.id)
            for turn in self._documents.turns(document.id):
                if speaker is None or turn.speaker == speaker:
                    yield document.case_id, text[turn.start : turn.end]
