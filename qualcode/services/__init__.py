"""The core's services: each owns one part of the project file (its SQL and its caches).

`qualcode.project.Project` creates one of each and hands them out:

- `documents` (DocumentService): cases and their attributes, transcripts, turns, sentences, imports.
- `codebook` (CodebookService): codes, facets, the rating scale, the rated rows.
- `codings` (CodingService): apply, remove, memo, select, counts, undo/redo.
- `ratings` (RatingService): factor-strength ratings with notes and evidence codings.
- `search` (SearchService): the index, search, KWIC and word statistics.
- `exchange` (ExchangeIds): GUIDs of things that came from or went to REFI-QDA files.

Services never import the CLI, the TUI, textual or rich. A service may use the services created before
it (codings uses documents and codebook), never the other way round; documents tell the search
index about changed documents through a listener, so search and documents do not import each other.
"""
