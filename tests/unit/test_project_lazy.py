"""Project builds each service on first use (qualcode/project.py): a command loads only what it touches, yet the
documents' listeners act whether or not the services they call were used before (issue 14)."""

from __future__ import annotations

from qualcode.project import Project

SERVICES = ("documents", "codebook", "codings", "ratings", "search", "keywords", "suggest", "exchange", "memos",
            "history", "team", "backups", "merge")  # fmt: skip
SAMPLE = "問：中央的經費夠嗎？\n答：經費有限，地方自籌。\n"


def built(project: Project) -> set[str]:
    return {name for name in SERVICES if name in vars(project)}


def test_status_builds_no_service_and_agrees_with_the_codings(demo_db):
    with Project.open(demo_db) as project:
        status = project.status()
        assert built(project) == set()
        assert status["coders"] == []
        project.codings.apply("A", "budget", "bob", turn=6)
        project.codings.apply("B", "budget", "alice", turn=4)
        assert project.status()["coders"] == project.codings.coders() == ["alice", "bob"]


def test_each_service_is_built_once_and_shared(demo_db):
    with Project.open(demo_db) as project:
        for name in SERVICES:
            assert getattr(project, name) is getattr(project, name)
        assert built(project) == set(SERVICES)


def test_an_import_reaches_a_search_index_nobody_had_used(demo_db, tmp_path):
    path = tmp_path / "F.txt"
    path.write_text(SAMPLE.replace("中央", "鄉公所"), encoding="utf-8")
    with Project.open(demo_db) as project:
        project.documents.import_files([path])
        assert "search" in built(project)  # built by the listener, inside the import
    with Project.open(demo_db) as project:
        assert project.search.find("鄉公所").total == 1


def test_a_reimport_carries_codings_and_backs_up_though_neither_was_used(demo_db, tmp_path):
    path = tmp_path / "F.txt"
    path.write_text(SAMPLE, encoding="utf-8")
    with Project.open(demo_db) as project:
        project.documents.import_files([path])
        coding = project.codings.apply("F", "budget", "alice", quote="經費有限")
        backups = len(project.backups.list())
    path.write_text("備註：第二版\n" + SAMPLE, encoding="utf-8")
    with Project.open(demo_db) as project:
        [result] = project.documents.import_files([path])
        assert result.codings["moved"] == 1
        assert len(project.backups.list()) == backups + 1
    with Project.open(demo_db) as project:
        [moved] = project.codings.select(document="F")
        assert (moved.id, moved.text, moved.start) == (coding.id, "經費有限", coding.start + len("備註：第二版\n"))
