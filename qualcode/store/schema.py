"""The project schema as an ordered list of migrations; `schema_version` records how far a file is."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from collections.abc import Callable

    import sqlite_utils

# A migration is SQL (one or more statements) or a function given the project's sqlite_utils.Database
# (Store.db, on the Store's connection), for reshapes that SQL alone does badly. Store._migrate runs each
# one in its own transaction, with foreign keys off and `PRAGMA foreign_key_check` before it commits
# (SQLite's procedure for schema changes), so a function must not commit, roll back or change pragmas
# that persist; sqlite-utils' transform() works there (it joins the transaction through a savepoint).
Migration: TypeAlias = "str | Callable[[sqlite_utils.Database], None]"

# Each entry migrates from version i to i + 1. Never edit a released entry (nor a function it calls):
# append a new one.
MIGRATIONS: list[Migration] = [
    """
    CREATE TABLE project (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE cases (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL DEFAULT '',
        position INTEGER NOT NULL DEFAULT 0
    );
    -- Declared case attributes (columns of cases.csv) and their types.
    CREATE TABLE attributes (
        name TEXT PRIMARY KEY,
        type TEXT NOT NULL CHECK (type IN ('text', 'integer', 'number', 'boolean', 'date')),
        position INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE case_values (
        case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        attribute TEXT NOT NULL REFERENCES attributes(name) ON DELETE CASCADE,
        value ANY,
        PRIMARY KEY (case_id, attribute)
    );
    CREATE TABLE documents (
        id INTEGER PRIMARY KEY,
        case_id TEXT NOT NULL REFERENCES cases(id),
        title TEXT NOT NULL,
        source_path TEXT NOT NULL DEFAULT '',
        sha256 TEXT NOT NULL,
        encoding TEXT NOT NULL DEFAULT 'utf-8',
        text TEXT NOT NULL,
        metadata TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
        imported_at TEXT NOT NULL,
        UNIQUE (case_id, title)
    );
    CREATE TABLE turns (
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        speaker TEXT NOT NULL,
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        PRIMARY KEY (document_id, number),
        CHECK (0 <= start AND start <= "end")
    );
    CREATE TABLE codes (
        id TEXT PRIMARY KEY,
        parent_id TEXT REFERENCES codes(id) DEFERRABLE INITIALLY DEFERRED,
        name TEXT NOT NULL,
        name_en TEXT NOT NULL DEFAULT '',
        description TEXT NOT NULL DEFAULT '',
        color TEXT NOT NULL DEFAULT '',
        shortcut TEXT NOT NULL DEFAULT '',
        keywords TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(keywords)),
        position INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE facets (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        name_en TEXT NOT NULL DEFAULT '',
        position INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE scale_steps (
        id TEXT PRIMARY KEY,
        label TEXT NOT NULL,
        label_en TEXT NOT NULL DEFAULT '',
        value INTEGER NOT NULL,
        color TEXT NOT NULL DEFAULT '',
        position INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE codings (
        id TEXT PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents(id),
        code_id TEXT NOT NULL REFERENCES codes(id),
        coder TEXT NOT NULL,
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        memo TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        CHECK (0 <= start AND start < "end"),
        UNIQUE (document_id, code_id, coder, start, "end")
    );
    CREATE INDEX codings_by_document ON codings(document_id, start);
    CREATE INDEX codings_by_code ON codings(code_id);
    CREATE TABLE ratings (
        id INTEGER PRIMARY KEY,
        case_id TEXT NOT NULL REFERENCES cases(id),
        code_id TEXT NOT NULL REFERENCES codes(id),
        facet_id TEXT NOT NULL REFERENCES facets(id),
        coder TEXT NOT NULL,
        step_id TEXT NOT NULL REFERENCES scale_steps(id),
        note TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL,
        UNIQUE (case_id, code_id, facet_id, coder)
    );
    CREATE TABLE rating_evidence (
        rating_id INTEGER NOT NULL REFERENCES ratings(id) ON DELETE CASCADE,
        coding_id TEXT NOT NULL REFERENCES codings(id) ON DELETE CASCADE,
        PRIMARY KEY (rating_id, coding_id)
    );
    CREATE TABLE memos (
        id INTEGER PRIMARY KEY,
        target_type TEXT NOT NULL CHECK (target_type IN ('project', 'document', 'case', 'code')),
        target_id TEXT NOT NULL DEFAULT '',
        author TEXT NOT NULL,
        text TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    -- Append-only: every change, who made it and when. Drives undo/redo and the audit trail.
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        coder TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL DEFAULT '',
        payload TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(payload))
    );
    CREATE INDEX events_by_coder ON events(coder, id);
    CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
    CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
    """,
]


# Version 2: the search index (derived data; `qualcode reindex` rebuilds it).
MIGRATIONS.append(
    """
    -- Each indexed turn occupies [gpos, gpos + length) in one global position space; turns are
    -- separated by one unused position so no n-gram spans two turns. Removing a document deletes its
    -- rows here; its postings become unreachable until the next reindex compacts them.
    CREATE TABLE search_turns (
        gpos INTEGER PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        start INTEGER NOT NULL,
        length INTEGER NOT NULL
    );
    CREATE INDEX search_turns_by_document ON search_turns(document_id, start);
    -- One segment per import batch; postings of a gram are split by segment and concatenated at query time.
    CREATE TABLE search_segments (
        id INTEGER PRIMARY KEY,
        first_gpos INTEGER NOT NULL,
        end_gpos INTEGER NOT NULL,
        characters INTEGER NOT NULL,
        created_at TEXT NOT NULL
    );
    -- gram: a code point (one character) or (first << 21 | second) for a character pair, of the
    -- normalised text. positions: sorted global positions, delta-encoded (see qualcode/search/postings.py).
    CREATE TABLE search_postings (
        gram INTEGER NOT NULL,
        segment INTEGER NOT NULL REFERENCES search_segments(id) ON DELETE CASCADE,
        count INTEGER NOT NULL,
        positions BLOB NOT NULL,
        PRIMARY KEY (gram, segment)
    ) WITHOUT ROWID;
    """
)
SCHEMA_VERSION = len(MIGRATIONS)

# Version 3: GUIDs of things that came from (or went to) REFI-QDA files, so a project exported,
# imported elsewhere and exported again keeps them, and other programs' GUIDs survive an import.
MIGRATIONS.append(
    """
    CREATE TABLE exchange_guids (
        kind TEXT NOT NULL,
        local_id TEXT NOT NULL,
        guid TEXT NOT NULL,
        PRIMARY KEY (kind, local_id)
    );
    CREATE UNIQUE INDEX exchange_guids_by_guid ON exchange_guids(kind, guid);
    """
)
SCHEMA_VERSION = len(MIGRATIONS)

# Version 4: the speaker of each indexed turn, so loading the turn table for a search is one table scan.
MIGRATIONS.append(
    """
    ALTER TABLE search_turns ADD COLUMN speaker TEXT NOT NULL DEFAULT '';
    UPDATE search_turns SET speaker = coalesce(
        (SELECT t.speaker FROM turns t WHERE t.document_id = search_turns.document_id AND t.number = search_turns.number), '');
    """
)
SCHEMA_VERSION = len(MIGRATIONS)


# Version 5: "segment" means a coded passage only. The search index's import batches become
# `search_batches`, and `search_postings.segment` becomes `batch`.
def _search_batches(db: sqlite_utils.Database) -> None:
    # ALTER TABLE, not table.transform(): sqlite-utils (4.2) rebuilds a WITHOUT ROWID table as a rowid
    # table and copies a `rowid` it does not have, and the postings are the largest table of a project,
    # which RENAME COLUMN renames without copying. Renaming a table rewrites the REFERENCES clauses that
    # name it (SQLite >= 3.26 unless legacy_alter_table is on), which the check below confirms.
    db.rename_table("search_segments", "search_batches")
    db.execute("ALTER TABLE search_postings RENAME COLUMN segment TO batch")
    postings = db.table("search_postings")
    keys = [(fk.column, fk.other_table, fk.other_column) for fk in postings.foreign_keys]
    if keys != [("batch", "search_batches", "id")] or postings.pks != ["gram", "batch"]:
        raise RuntimeError(f"migration 5 left search_postings with foreign keys {keys} and primary key {postings.pks}")


MIGRATIONS.append(_search_batches)
SCHEMA_VERSION = len(MIGRATIONS)

# Version 6: views for reading the project in Datasette (`qualcode browse`) or any SQLite tool.
# quotes: one row per coding. Offsets are code points, end-exclusive, and substr() counts characters on
# TEXT, so it returns exactly the coded passage. `turn` is the turn whose utterance holds the coding's
# start (NULL before the first turn or on a speaker label), found by a seek in the new index.
# The codings are ordered in a subquery of cheap columns; its LIMIT -1 keeps SQLite from flattening it,
# so the document title and text (substr loads the whole document text) are looked up only for the rows
# a query returns: a count, a facet or a page deep into a long transcript's quotes does not compute every
# coding's text (with a plain ORDER BY they did: seconds for 10,000 codings of a 1M-character document).
# ratings_table: one row per rating, its scale step by label (強) and the number of evidence codings.
MIGRATIONS.append(
    """
    CREATE INDEX turns_by_start ON turns(document_id, start, "end");
    CREATE VIEW quotes AS
    SELECT
        q.id AS id,
        q.case_id AS "case",
        (SELECT d.title FROM documents d WHERE d.id = q.document_id) AS document,
        (SELECT CASE WHEN q.start < t."end" THEN t.number END FROM turns t
         WHERE t.document_id = q.document_id AND t.start <= q.start
         ORDER BY t.start DESC, t."end" DESC LIMIT 1) AS turn,
        q.code_id AS code,
        (SELECT k.name FROM codes k WHERE k.id = q.code_id) AS code_name,
        q.coder AS coder,
        q.start AS start,
        q."end" AS "end",
        (SELECT substr(d.text, q.start + 1, q."end" - q.start) FROM documents d WHERE d.id = q.document_id) AS text,
        q.memo AS memo
    FROM (
        SELECT c.id, c.document_id, d.case_id, c.code_id, c.coder, c.start, c."end", c.memo
        FROM codings c
        LEFT JOIN documents d ON d.id = c.document_id
        LEFT JOIN cases s ON s.id = d.case_id
        LEFT JOIN codes k ON k.id = c.code_id
        ORDER BY s.position, d.case_id, c.document_id, c.start, c."end", k.position, c.code_id, c.coder
        LIMIT -1
    ) q;
    CREATE VIEW ratings_table AS
    SELECT
        r.case_id AS "case",
        r.facet_id AS facet,
        r.code_id AS code,
        k.name AS code_name,
        r.coder AS coder,
        p.label AS value,
        r.note AS note,
        (SELECT count(*) FROM rating_evidence e WHERE e.rating_id = r.id) AS evidence
    FROM ratings r
    LEFT JOIN facets f ON f.id = r.facet_id
    LEFT JOIN codes k ON k.id = r.code_id
    LEFT JOIN cases s ON s.id = r.case_id
    LEFT JOIN scale_steps p ON p.id = r.step_id
    ORDER BY f.position, r.facet_id, k.position, r.code_id, s.position, r.case_id, r.coder;
    """
)
SCHEMA_VERSION = len(MIGRATIONS)

# Version 7: documents keep their earlier versions, and codings survive a re-import of a changed text.
# documents.version counts the document's texts; document_versions keeps each replaced one. A coding whose
# text is gone is kept as orphaned (its old text, and the version its offsets refer to) instead of being
# deleted or placed on other words, and a re-anchored coding is marked for review. The UNIQUE constraint on
# codings becomes a partial unique index over anchored codings (an orphan may share its old offsets with a
# new coding), so the table is rebuilt (SQLite's procedure: new table, copy, drop, rename; foreign keys are
# off while migrations run). The quotes view is made again with the new columns.
MIGRATIONS.append(
    """
    ALTER TABLE documents ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
    CREATE TABLE document_versions (
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        text TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        source_path TEXT NOT NULL DEFAULT '',
        encoding TEXT NOT NULL DEFAULT 'utf-8',
        metadata TEXT NOT NULL DEFAULT '{}',
        imported_at TEXT NOT NULL,
        replaced_at TEXT NOT NULL,
        PRIMARY KEY (document_id, version)
    );
    DROP VIEW quotes;
    CREATE TABLE codings_rebuilt (
        id TEXT PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents(id),
        code_id TEXT NOT NULL REFERENCES codes(id),
        coder TEXT NOT NULL,
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        memo TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        review INTEGER NOT NULL DEFAULT 0 CHECK (review IN (0, 1)),
        orphaned INTEGER NOT NULL DEFAULT 0 CHECK (orphaned IN (0, 1)),
        orphan_text TEXT NOT NULL DEFAULT '',
        orphan_version INTEGER,
        CHECK (0 <= start AND start < "end")
    );
    INSERT INTO codings_rebuilt (id, document_id, code_id, coder, start, "end", memo, created_at, updated_at)
        SELECT id, document_id, code_id, coder, start, "end", memo, created_at, updated_at FROM codings;
    DROP TABLE codings;
    ALTER TABLE codings_rebuilt RENAME TO codings;
    CREATE INDEX codings_by_document ON codings(document_id, start);
    CREATE INDEX codings_by_code ON codings(code_id);
    CREATE UNIQUE INDEX codings_anchored ON codings(document_id, code_id, coder, start, "end") WHERE orphaned = 0;
    CREATE VIEW quotes AS
    SELECT
        q.id AS id,
        q.case_id AS "case",
        (SELECT d.title FROM documents d WHERE d.id = q.document_id) AS document,
        CASE WHEN q.orphaned = 0 THEN
            (SELECT CASE WHEN q.start < t."end" THEN t.number END FROM turns t
             WHERE t.document_id = q.document_id AND t.start <= q.start
             ORDER BY t.start DESC, t."end" DESC LIMIT 1)
        END AS turn,
        q.code_id AS code,
        (SELECT k.name FROM codes k WHERE k.id = q.code_id) AS code_name,
        q.coder AS coder,
        q.start AS start,
        q."end" AS "end",
        CASE WHEN q.orphaned = 0 THEN
            (SELECT substr(d.text, q.start + 1, q."end" - q.start) FROM documents d WHERE d.id = q.document_id)
        ELSE q.orphan_text END AS text,
        q.memo AS memo,
        q.review AS review,
        q.orphaned AS orphaned
    FROM (
        SELECT c.id, c.document_id, d.case_id, c.code_id, c.coder, c.start, c."end", c.memo, c.review, c.orphaned,
               c.orphan_text
        FROM codings c
        LEFT JOIN documents d ON d.id = c.document_id
        LEFT JOIN cases s ON s.id = d.case_id
        LEFT JOIN codes k ON k.id = c.code_id
        ORDER BY s.position, d.case_id, c.document_id, c.start, c."end", k.position, c.code_id, c.coder
        LIMIT -1
    ) q;
    """
)
SCHEMA_VERSION = len(MIGRATIONS)

# Version 8: case_values.value without a declared type. It was `ANY`, which outside STRICT tables gives
# NUMERIC affinity: a text attribute that looks like a number (a phone number 0912345678, a code 1e5) was
# silently stored as a number. Values are typed in Python (cases_csv.py) and now stored exactly as given.
# What an earlier import already converted cannot be recovered here: import the cases.csv again.
MIGRATIONS.append(
    """
    CREATE TABLE case_values_rebuilt (
        case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        attribute TEXT NOT NULL REFERENCES attributes(name) ON DELETE CASCADE,
        value,
        PRIMARY KEY (case_id, attribute)
    );
    INSERT INTO case_values_rebuilt (case_id, attribute, value) SELECT case_id, attribute, value FROM case_values;
    DROP TABLE case_values;
    ALTER TABLE case_values_rebuilt RENAME TO case_values;
    """
)
SCHEMA_VERSION = len(MIGRATIONS)

# Version 9: the search index's turn table packed into one blob (search/index.py `pack_turns`), so a
# command-line search reads it in milliseconds instead of rebuilding it from search_turns' rows. It is
# derived data, rewritten in the same transaction as every change to search_turns (only the index writes
# either); a project without it (older, or rebuilt elsewhere) falls back to search_turns until the next
# search that may write packs it.
MIGRATIONS.append(
    """
    CREATE TABLE search_packed (
        name TEXT PRIMARY KEY,
        data BLOB NOT NULL
    );
    """
)
SCHEMA_VERSION = len(MIGRATIONS)

# Version 10: the index's position lists keyed by batch first, `key` = batch << 43 | (gram + 1) (search/
# index.py `posting_key`), in a rowid table: each import batch appends its lists in key order, so pages fill
# (keyed (gram, batch), every batch split pages all over the table, and a WITHOUT ROWID table puts a blob over
# ~1,000 bytes into overflow pages, half of the last one empty). 107 -> 80 MB at 20 M characters. The turn
# table lives in `search_packed` alone: search/index.py empties `search_turns` (kept for files it has not
# rewritten yet), and its index by document, which nothing reads, goes.
MIGRATIONS.append(
    """
    DROP INDEX IF EXISTS search_turns_by_document;
    CREATE TABLE search_postings_by_batch (
        key INTEGER PRIMARY KEY,
        count INTEGER NOT NULL,
        positions BLOB NOT NULL
    );
    INSERT INTO search_postings_by_batch (key, count, positions)
        SELECT (batch << 43) | (gram + 1), count, positions FROM search_postings ORDER BY batch, gram;
    DROP TABLE search_postings;
    ALTER TABLE search_postings_by_batch RENAME TO search_postings;
    """
)
SCHEMA_VERSION = len(MIGRATIONS)
