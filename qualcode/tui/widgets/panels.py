"""Side panels: the documents tree, the code tree with counts, and the segments list."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import OptionList, Tree
from textual.widgets.option_list import Option

from qualcode.model import Code, Coding


class DocumentsTree(Tree):
    def fill(self, project) -> None:
        self.show_root = False
        self.clear()
        names = {c.id: c.name for c in project.documents.cases()}
        by_case = {}
        for doc in project.documents.documents():
            if doc.case_id not in by_case:
                label = f"{doc.case_id} {names.get(doc.case_id, '')}".strip()
                by_case[doc.case_id] = self.root.add(label, expand=True)
            by_case[doc.case_id].add_leaf(f"{doc.title} ({doc.length:,})", data=doc.id)


class CodeTree(Tree):
    """Codes with their shortcut, colour and number of codings."""

    def fill(self, codes: list[Code], counts: dict[str, int]) -> None:
        self.show_root = False
        self.clear()
        self._code_nodes = {}
        for code in codes:
            parent = self._code_nodes.get(code.parent_id, self.root)
            self._code_nodes[code.id] = parent.add(self._label(code, counts), data=code.id, expand=True)
        for node in self._code_nodes.values():
            node.allow_expand = bool(node.children)
        self._shown_counts = {code.id: counts.get(code.id, 0) for code in codes}

    def update_counts(self, codes: list[Code], counts: dict[str, int]) -> None:
        """Relabel only the codes whose count changed (each relabel repaints the tree)."""
        shown = getattr(self, "_shown_counts", {})
        for code in codes:
            node = getattr(self, "_code_nodes", {}).get(code.id)
            if node is not None and shown.get(code.id) != counts.get(code.id, 0):
                node.set_label(self._label(code, counts))
        self._shown_counts = {code.id: counts.get(code.id, 0) for code in codes}

    @staticmethod
    def _label(code: Code, counts: dict[str, int]) -> Text:
        label = Text()
        label.append("■ ", style=code.color or "white")
        label.append(f"{code.shortcut} " if code.shortcut else "  ", style="bold")
        label.append(code.name)
        label.append(f" {counts.get(code.id, 0)}", style="dim")
        return label


class SegmentsList(OptionList):
    """Codings under the cursor, or every quote of the selected code; the option id is the coding id."""

    def show(
        self,
        codings: list[Coding],
        names: dict[str, str],
        colors: dict[str, str],
        *,
        title: str,
        empty: str,
        quotes: bool,
    ) -> None:
        self.clear_options()
        self.border_title = title
        if not codings:
            self.add_option(Option(Text(empty, style="dim"), id="", disabled=True))
            return
        for coding in codings:
            prompt = Text()
            if not quotes:
                prompt.append("■ ", style=colors.get(coding.code_id, "white"))
                prompt.append(names.get(coding.code_id, coding.code_id), style="bold")
                prompt.append(f" · {coding.coder}\n", style="dim")
            quote = coding.text.replace("\n", " ")
            prompt.append("「" + (quote if len(quote) <= 80 else quote[:79] + "…") + "」")
            prompt.append(f"({coding.case_id})", style="bold")
            if quotes:
                prompt.append(f" {coding.coder}", style="dim")
            if coding.memo:
                prompt.append(f"\n  ✎ {coding.memo}", style="italic dim")
            self.add_option(Option(prompt, id=coding.id))
