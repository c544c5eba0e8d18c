"""The qualcode Textual app: documents by case, the transcript, the code tree and the segments panel."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Static, Tree

from qualcode.model import Code, Coding
from qualcode.project import Project
from qualcode.tui.widgets.transcript import Paint, TranscriptView


class QualcodeApp(App):
    """Read and code transcripts with the keyboard."""

    CSS_PATH = "app.tcss"
    TITLE = "qualcode"
    BINDINGS = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("ctrl+q", "quit", "Quit", show=False, id="quit-alt"),
    ]

    def __init__(self, project: Project, coder: str, **kwargs):
        super().__init__(**kwargs)
        self.project = project
        self.coder = coder
        self.document_id: int | None = None
        self._codes: list[Code] = []
        self._codings: list[Coding] = []

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            yield Tree("Cases", id="documents")
            yield TranscriptView(id="transcript")
            with Vertical(id="side"):
                yield Tree("Codes", id="codes")
                yield Static("", id="segments")
        yield Static("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self._codes = self.project.codes()
        self._fill_documents()
        self._fill_codes()
        documents = self.project.documents()
        if documents:
            self.open_document(documents[0].id)
        self.query_one(TranscriptView).focus()

    # -- panels ----------------------------------------------------------------------------------
    def _fill_documents(self) -> None:
        tree: Tree = self.query_one("#documents", Tree)
        tree.show_root = False
        tree.clear()
        names = {c.id: c.name for c in self.project.cases()}
        by_case: dict[str, object] = {}
        for doc in self.project.documents():
            if doc.case_id not in by_case:
                label = f"{doc.case_id} {names.get(doc.case_id, '')}".strip()
                by_case[doc.case_id] = tree.root.add(label, expand=True)
            by_case[doc.case_id].add_leaf(f"{doc.title} ({doc.length:,})", data=doc.id)

    def _fill_codes(self) -> None:
        tree: Tree = self.query_one("#codes", Tree)
        tree.show_root = False
        tree.clear()
        counts = self.project.code_counts()
        nodes = {}
        for code in self._codes:
            parent = nodes.get(code.parent_id, tree.root)
            label = Text()
            label.append("■ ", style=code.color or "white")
            if code.shortcut:
                label.append(f"{code.shortcut} ", style="bold")
            label.append(code.name)
            label.append(f" {counts.get(code.id, 0)}", style="dim")
            nodes[code.id] = parent.add(label, data=code.id, expand=True, allow_expand=True)
        for node in nodes.values():
            if not node.children:
                node.allow_expand = False

    def open_document(self, document_id: int) -> None:
        self.document_id = document_id
        view = self.query_one(TranscriptView)
        view.show_document(self.project.text(document_id), self.project.turns(document_id), self._paints())
        self._update_status()

    def _paints(self) -> list[Paint]:
        if self.document_id is None:
            return []
        colors = {c.id: c.color or "#888888" for c in self._codes}
        self._codings = self.project.codings(document=self.document_id)
        return [Paint(c.start, c.end, colors.get(c.code_id, "#888888"), i) for i, c in enumerate(self._codings)]

    def _update_status(self) -> None:
        view = self.query_one(TranscriptView)
        offset = view.cursor_offset
        doc = self.project.document(self.document_id) if self.document_id is not None else None
        here = [c for c in self._codings if c.start <= offset < c.end]
        segments = self.query_one("#segments", Static)
        names = {c.id: c.name for c in self._codes}
        body = Text()
        for coding in here:
            body.append(f"{names.get(coding.code_id, coding.code_id)}", style="bold")
            body.append(f" ({coding.case_id}) {coding.coder}\n", style="dim")
            body.append(f"「{coding.text[:60]}」\n")
        segments.update(body if here else Text("No codings under the cursor", style="dim"))
        status = self.query_one("#status", Static)
        where = f"{doc.case_id} · {doc.title}" if doc else "no document"
        status.update(
            f"{self.project.path.name} · coder {self.coder} · {where} · offset {offset} · {len(self._codings)} codings"
        )

    # -- events ----------------------------------------------------------------------------------
    def on_tree_node_selected(self, event: Tree.NodeSelected) -> None:
        if event.control.id == "documents" and isinstance(event.node.data, int):
            self.open_document(event.node.data)

    def on_text_area_selection_changed(self, event: TranscriptView.SelectionChanged) -> None:
        self._update_status()
