"""Project: one SQLite file, and the services that the CLI and the TUI use to read and change it.

    with Project.open("qualcode.db") as project:
        project.codings.apply("A", "budget", "alice", turn=6)
        project.ratings.rate("A", "budget", "強", coder="alice")
        project.search.find("中央 經費", cases=["E"])

Each service owns its SQL and its caches (see qualcode/services/__init__.py); Project itself keeps
only what belongs to the file as a whole: opening and closing it, its status, its event log, its name
and where each coder left off.
"""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.services.events import EventLog
from qualcode.store import Store

if TYPE_CHECKING:
    from qualcode.services.backups import BackupService
    from qualcode.services.codebook import CodebookService
    from qualcode.services.codings import CodingService
    from qualcode.services.documents import DocumentService
    from qualcode.services.exchange import ExchangeIds
    from qualcode.services.history import History
    from qualcode.services.keywords import KeywordService
    from qualcode.services.memos import MemoService
    from qualcode.services.merge import MergeService
    from qualcode.services.ratings import RatingService
    from qualcode.services.search import SearchService
    from qualcode.services.suggest import SuggestService
    from qualcode.services.team import TeamService


class Project:
    """A qualcode project: one SQLite file holding documents, cases, the codebook, codings and ratings."""

    def __init__(self, store: Store):
        self.store = store
        self.path = store.path
        self.log = EventLog(store)

    # -- the services, each built (and its module imported) on first use ---------------------------
    # A command loads only the services it touches (`status` needs codings alone, not the ~40 ms of importing
    # them all). Each is built once and shared, as before. The documents' listeners are registered as the
    # documents service is built, before any change can happen, and build the service they call when they fire:
    # an import keeps the search index in step, a re-import carries codings and backs up first, whether or not
    # search, codings or backups were used before.
    @cached_property
    def documents(self) -> DocumentService:
        from qualcode.services.documents import DocumentService

        documents = DocumentService(self.store, self.log)
        documents.on_change(lambda removed, added: self.search.documents_changed(removed, added))
        documents.on_replace(lambda *args, **kwargs: self.codings.carry(*args, **kwargs))
        documents.before_reimport(lambda *args, **kwargs: self.backups.auto(*args, **kwargs))
        return documents

    @cached_property
    def codebook(self) -> CodebookService:
        from qualcode.services.codebook import CodebookService

        return CodebookService(self.store, self.log)

    @cached_property
    def codings(self) -> CodingService:
        from qualcode.services.codings import CodingService

        return CodingService(self.store, self.log, self.documents, self.codebook)

    @cached_property
    def ratings(self) -> RatingService:
        from qualcode.services.ratings import RatingService

        return RatingService(self.store, self.log, self.documents, self.codebook, self.codings)

    @cached_property
    def search(self) -> SearchService:
        from qualcode.services.search import SearchService

        # the other services built (and imported) only when a search needs them: a plain query needs none
        return SearchService(self.store, lambda: self.documents, lambda: self.codebook, lambda: self.codings)

    @cached_property
    def keywords(self) -> KeywordService:
        from qualcode.services.keywords import KeywordService

        return KeywordService(self.documents, self.codebook)

    @cached_property
    def suggest(self) -> SuggestService:
        from qualcode.services.suggest import SuggestService

        return SuggestService(self.documents, self.codebook, self.codings, self.keywords)

    @cached_property
    def exchange(self) -> ExchangeIds:
        from qualcode.services.exchange import ExchangeIds

        return ExchangeIds(self.store)

    @cached_property
    def memos(self) -> MemoService:
        from qualcode.services.memos import MemoService

        return MemoService(self.store, self.log, self.documents, self.codebook)

    @cached_property
    def history(self) -> History:
        from qualcode.services.history import History

        return History(self.store, self.log, self.documents, self.codebook, self.codings, self.ratings, self.memos)

    @cached_property
    def team(self) -> TeamService:
        from qualcode.services.team import TeamService

        return TeamService(self.documents, self.codebook, self.codings, self.ratings, self.history)

    @cached_property
    def backups(self) -> BackupService:
        from qualcode.services.backups import BackupService

        return BackupService(self.store, self.log, self.codebook)

    @cached_property
    def merge(self) -> MergeService:
        from qualcode.services.merge import MergeService

        return MergeService(
            self.store, self.log, self.documents, self.codebook, self.codings, self.ratings, self.exchange, self.memos
        )

    # -- lifecycle -------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path | str, *, create: bool = False) -> Project:
        return cls(Store(path, create=create))

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def transaction(self):
        """Group several service calls into one transaction: all of them happen, or none."""
        return self.store.transaction()

    # -- the file as a whole ---------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        conn = self.store.conn
        counts = {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("documents", "turns", "cases", "codes", "codings")
        }
        # The same list as `self.codings.coders()`, without building the codings service (and importing the
        # documents and codebook services it stands on) for a count: `qualcode status` stays light.
        coders = [row[0] for row in conn.execute("SELECT DISTINCT coder FROM codings ORDER BY coder")]
        return {**counts, "coders": coders}

    def revision(self) -> tuple[int, int]:
        """Changes whenever this connection or another process writes to the file (cheap: no table is read).

        A UI polls it to notice other writers (the CLI, a second TUI) and refresh what it shows.
        """
        conn = self.store.conn
        return conn.execute("PRAGMA data_version").fetchone()[0], conn.total_changes

    def events(self, limit: int = 50) -> list[dict[str, Any]]:
        """The newest events first: who changed what, when."""
        return self.log.recent(limit)

    @property
    def name(self) -> str:
        """The project's name: one it was given (e.g. by a REFI-QDA import), else the codebook's, else the file's."""
        row = self.store.conn.execute("SELECT value FROM project WHERE key = 'name'").fetchone()
        return row[0] if row else (self.codebook.get().name or self.path.stem)

    def name_if_unnamed(self, name: str) -> None:
        """Give the project a name unless it has one."""
        if name:
            self.store.conn.execute("INSERT OR IGNORE INTO project (key, value) VALUES ('name', ?)", (name,))

    # -- where each coder left off ---------------------------------------------------------------
    def save_place(self, coder: str, document_id: int, offset: int) -> None:
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO project (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (f"place.{coder}", json.dumps({"document": document_id, "offset": offset})),
            )

    def place(self, coder: str) -> tuple[int, int] | None:
        """(document id, offset) where the coder left off, if that document still exists."""
        conn = self.store.conn
        row = conn.execute("SELECT value FROM project WHERE key = ?", (f"place.{coder}",)).fetchone()
        if row is None:
            return None
        data = json.loads(row[0])
        if not conn.execute("SELECT 1 FROM documents WHERE id = ?", (data["document"],)).fetchone():
            return None
        return data["document"], data["offset"]


def bundled_path(*parts: str) -> Path:
    """A file that ships with qualcode (transcripts/, codebooks/), found beside the package."""
    return Path(__file__).resolve().parent.parent.joinpath(*parts)


def build_demo(path: Path | str, *, coder: str = "") -> Project:
    """Create a project from the bundled A–E transcripts, cases.csv and the default codebook."""
    project = Project.open(path, create=True)
    try:
        project.codebook.load(bundled_path("codebooks", "five-municipalities.yaml"), coder=coder)
        transcripts = sorted(bundled_path("transcripts").glob("[A-E].txt"))
        project.documents.import_files(transcripts, coder=coder)
        project.documents.import_cases(bundled_path("transcripts", "cases.csv"), coder=coder)
    except Exception:
        project.close()
        raise
    return project
