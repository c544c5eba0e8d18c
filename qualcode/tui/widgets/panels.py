"""Side panels: the documents tree, the code tree with counts, and the segments list.

Refilling a panel keeps its cursor on the same document, code or coding, so a refresh after another
writer's change (or the refresh key) moves nothing the user is looking at.
"""

from __future__ import annotations

from collections.abc import Collection

from rich.cells import cell_len
from rich.text import Text
from textual.content import Content
from textual.css.styles import RulesMap
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual
from textual.widgets import Tree
from textual.widgets.option_list import Option

from qualcode.model import Code, Coding
from qualcode.tui.widgets.textual_adapter import SteadyOptionList, SteadyTree
from qualcode.tui.widgets.wrap import wrap_lines


def _keep_cursor(tree: Tree, data) -> None:
    """After a refill, put the cursor back on the node holding `data` (if it is still there)."""
    if data is None:
        return

    def find(node):
        for child in node.children:
            if child.data == data:
                return child
            found = find(child)
            if found is not None:
                return found
        return None

    node = find(tree.root)
    # Reading last_line builds the tree's lines, which gives the new nodes their line numbers.
    if node is not None and tree.last_line >= 0:
        tree.move_cursor(node)


class DocumentsTree(SteadyTree):
    """Cases (data "case:ID") with their documents (data: the document id)."""

    def fill(self, project) -> None:
        cursor = self.cursor_node.data if self.cursor_node is not None else None
        self.show_root = False
        self.clear()
        names = {c.id: c.name for c in project.documents.cases()}
        by_case = {}
        for doc in project.documents.documents():
            if doc.case_id not in by_case:
                label = f"{doc.case_id} {names.get(doc.case_id, '')}".strip()
                by_case[doc.case_id] = self.root.add(label, data=f"case:{doc.case_id}", expand=True)
            by_case[doc.case_id].add_leaf(f"{doc.title} ({doc.length:,})", data=doc.id)
        _keep_cursor(self, cursor)

    def follow(self, document_id: int) -> None:
        """Put the cursor on the open document (opened by search, `]` or a jump, not only from this tree)."""
        if self.cursor_node is None or self.cursor_node.data != document_id:
            _keep_cursor(self, document_id)


class CodeTree(SteadyTree):
    """Codes with their shortcut, colour and number of codings. A parent's number counts the coded passages of
    it and its subtree, each passage once; its own codings follow in brackets when they differ."""

    def fill(self, codes: list[Code], own: dict[str, int], totals: dict[str, int], language: str = "zh") -> None:
        cursor = self.cursor_node.data if self.cursor_node is not None else None
        self.show_root = False
        self.clear()
        self._code_nodes = {}
        parents = {c.parent_id for c in codes}
        for code in codes:
            parent = self._code_nodes.get(code.parent_id, self.root)
            label = self._label(code, own, totals, language, code.id in parents)
            self._code_nodes[code.id] = parent.add(label, data=code.id, expand=True)
        for node in self._code_nodes.values():
            node.allow_expand = bool(node.children)
        self._shown_counts = self._key(codes, own, totals, language)
        _keep_cursor(self, cursor)

    @staticmethod
    def _key(codes: list[Code], own: dict[str, int], totals: dict[str, int], language: str) -> dict[str, tuple]:
        return {c.id: (own.get(c.id, 0), totals.get(c.id, 0), language) for c in codes}

    def update_counts(self, codes: list[Code], own: dict[str, int], totals: dict[str, int], language: str) -> None:
        """Relabel only the codes whose figures changed (each relabel repaints the tree)."""
        shown = getattr(self, "_shown_counts", {})
        now = self._key(codes, own, totals, language)
        parents = {c.parent_id for c in codes}
        for code in codes:
            node = getattr(self, "_code_nodes", {}).get(code.id)
            if node is not None and shown.get(code.id) != now[code.id]:
                node.set_label(self._label(code, own, totals, language, code.id in parents))
        self._shown_counts = now

    @staticmethod
    def _label(code: Code, own: dict[str, int], totals: dict[str, int], language: str, parent: bool) -> Text:
        label = Text()
        label.append("■ ", style=code.color or "white")
        label.append(f"{code.shortcut} " if code.shortcut else "  ", style="bold")
        label.append(code.name_en if language == "en" and code.name_en else code.name)
        total, mine = totals.get(code.id, 0), own.get(code.id, 0)
        label.append(f" {total}", style="dim")
        if parent and mine:
            label.append(f" ({'own' if language == 'en' else '本身'} {mine})", style="dim italic")
        return label


class KinsokuText(Text):
    """Rich Text that Textual wraps by wrap.py's line-breaking rules instead of folding CJK anywhere.

    Textual folds an unspaced CJK line at any character, so a quote's last line could be a lone 」(E) or
    start with ，. Through `visualize` (the protocol Textual asks a prompt for before anything else) this
    text becomes a Visual that breaks its lines where wrap.py allows, without hanging marks (an option's
    row has no spare cell; a space that hangs is not drawn), and never at the offsets in `glue`.
    Everything else (str, plain, spans) is Text's.
    """

    def __init__(self, *args, glue: Collection[int] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.glue = set(glue)

    def visualize(self) -> Visual:
        return KinsokuVisual(Content.from_rich_text(self), self.glue)


class KinsokuVisual(Visual):
    """Content whose lines are broken by wrap.py at the render width; each row then fits as it is."""

    def __init__(self, content: Content, glue: Collection[int] = ()):
        self.content, self.glue = content, glue
        self._wrapped: tuple[int, Content] | None = None

    def wrapped(self, width: int) -> Content:
        """The content with a line break at every row end for `width` cells (cached for the last width)."""
        if width <= 0:
            return self.content
        if self._wrapped is not None and self._wrapped[0] == width:
            return self._wrapped[1]
        lines = self.content.split("\n", allow_blank=True)
        # a tab (none in these prompts) is left to Textual: no break is put in its line
        breaks = wrap_lines([line.plain for line in lines], width, wrap_tabbed=lambda _: [], hang=0, glue=self.glue)
        rows = [row for line, offsets in zip(lines, breaks, strict=True) for row in line.divide(offsets)]
        # a space hanging past the width (wrap.py lets one hang even without hanging marks) is not drawn
        rows = [row.rstrip() if cell_len(row.plain) > width else row for row in rows]
        content = Content("\n").join(rows)
        self._wrapped = (width, content)
        return content

    def render_strips(self, width: int, height: int | None, style: Style, options: RenderOptions) -> list[Strip]:
        line_pad = options.rules.get("line_pad", 0) * 2
        return self.wrapped(width - line_pad).render_strips(width, height, style, options)

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return self.content.get_optimal_width(rules, container_width)

    def get_minimal_width(self, rules: RulesMap) -> int:
        return self.content.get_minimal_width(rules)

    def get_height(self, rules: RulesMap, width: int) -> int:
        line_pad = rules.get("line_pad", 0) * 2
        return self.wrapped(width - line_pad).get_height(rules, width)


def quote_prompt(text: Text, quote: str, case_id: str) -> Text:
    """Append 「quote」(case) to `text`, the quote's last two characters glued to the citation so that the
    citation never starts a row alone (…關掉」(A), not …關掉」 | (A))."""
    start = len(text)
    text.append("「" + quote + "」")
    text.append(f"({case_id})", style="bold")
    if isinstance(text, KinsokuText):
        last = max(start + 1, start + 1 + len(quote) - 2)  # the quote's last two characters
        text.glue.update(range(last + 1, len(text)))
    return text


class SegmentsList(SteadyOptionList):
    """Codings under the cursor, or every quote of the selected code; the option id is the coding id."""

    _shown: tuple = ()

    def action_select(self) -> None:
        """Enter with nothing highlighted acts on the first item (the user sees a list, not a cursor)."""
        if self.highlighted is None and self.option_count and not self.get_option_at_index(0).disabled:
            self.highlighted = 0
        super().action_select()

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
        """List the codings; nothing is redrawn when they are what is shown, and the highlight stays on its coding."""
        shown = (  # a coding's code, coder and text never change; its memo may
            title,
            empty,
            quotes,
            tuple((c.id, c.memo, names.get(c.code_id), colors.get(c.code_id)) for c in codings),
        )
        if shown == self._shown:
            return
        self._shown = shown
        highlighted = self.highlighted_option.id if self.highlighted_option is not None else None
        self.clear_options()
        self.border_title = title
        if not codings:
            self.add_option(Option(Text(empty, style="dim"), id="", disabled=True))
            return
        options = []
        for coding in codings:
            prompt = KinsokuText()
            if not quotes:
                prompt.append("■ ", style=colors.get(coding.code_id, "white"))
                prompt.append(names.get(coding.code_id, coding.code_id), style="bold")
                prompt.append(f" · {coding.coder}\n", style="dim")
            quote = coding.text.replace("\n", " ")
            quote_prompt(prompt, quote if len(quote) <= 80 else quote[:79] + "…", coding.case_id)
            if quotes:
                prompt.append(f" {coding.coder}", style="dim")
            if coding.memo:
                prompt.append(f"\n  ✎ {coding.memo}", style="italic dim")
            options.append(Option(prompt, id=coding.id))
        self.add_options(options)
        if highlighted:
            ids = [c.id for c in codings]
            if highlighted in ids:
                self.highlighted = ids.index(highlighted)


class Options(SteadyOptionList):
    """An OptionList whose scrollbar repaints only when it changes (the picker's and the search's lists)."""
