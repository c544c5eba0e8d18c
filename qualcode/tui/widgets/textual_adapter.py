"""The one place qualcode touches Textual's private API; checked against Textual 8.2.8 (rich 15.0.0).

A Textual upgrade that changes these internals should fail here, and only here. What it wraps:

- `FastWrappedDocument`: a Textual `WrappedDocument` whose `wrap` fills its private fields `_width`,
  `_tab_width`, `_wrap_offsets`, `_offset_to_line_info`, `_line_index_to_offsets` and
  `_tab_width_cache` from the pure wrap of `wrap.py`, wrapping lines with tabs by the private
  `textual._wrap.compute_wrap_offsets`, and that reads them back for the TextArea below.
- `FastWrapTextArea`: a `TextArea` that overrides the private `_set_document` (to build a `Document`,
  a `FastWrappedDocument` and a `DocumentNavigator`, resetting `_highlight_query` and calling
  `_build_highlight_map` as Textual does) and `_rewrap_and_refresh_virtual_size` (calling
  `_refresh_size`, which it also overrides to tell the scrollbar at once), and that exposes its render cache `_line_cache` through public methods.
  Its `text` property returns the text kept from the last load (Textual joins every line for it, and its
  render_line asks for it on every row). It overrides the private `_render_line` to draw a row from its own
  characters, reading `_theme`, `_highlights`, `_matching_bracket_location`, `_has_cursor` and `_draw_cursor`.
- `replace_bindings`: writes an App's private `_bindings`.
- `SteadyScrollbars`: overrides the private `Widget._scroll_update` of a scrolling widget (reading the private
  `scrollbar_size_horizontal`/`_vertical` as Textual does) so that a layout of the screen repaints a scrollbar
  only when its figures change, and builds its scrollbars as `SteadyScrollBar`s (writing the private
  `_vertical_scrollbar`/`_horizontal_scrollbar` and calling the private `App._start_widget`, as Textual's
  `Widget.vertical_scrollbar` does), which drop a refresh that would draw what they drew last.
- `SteadySize`: skips Textual's `Tree._on_resize`/`OptionList._on_resize` (private handlers) for a Resize to
  the size the widget already has.
- `SettledRepaint` and `SettledScreen`: override the private `Screen._on_update` to drop a widget's Update that
  a frame has already answered by drawing the whole widget.
- `SteadyLayout`: overrides the private `Widget._size_updated` to take a new size without a second layout.
- `SteadyStyle` and `FastWrapTextArea.notify_style_update`: read a widget's private `_component_styles` to tell
  a restyle that changes nothing its rows are drawn from.
- `SteadyRows`: reads a Tree's private `_tree_lines`, `_updates` and its nodes' `_updates`, `_selected` and
  `_hover` (Textual's row-cache key) to keep rows across focus changes.
- `SteadyLines`: overrides the private `OptionList._update_lines` to measure new options without a layout.
- `SteadyTree`, `SteadyOptionList`: the panels' Tree and OptionList with every steadying above.
- `start_screen`: calls the private `App._get_screen` and `Screen._refresh_layout` to build and lay out a kept
  dialog before it is first shown, and a moment later clears what that set off (the screen's private
  `_layout_required`, `_layout_widgets`, `_dirty_widgets`, `_repaint_required`, once laid out and drawn again).
- `notifications_shown`, `on_app_thread`: read an App's private `_disable_notifications` (run_test's
  `notifications=False`) and `_thread_id` (as `App.call_from_thread` does), for the coding screen's own
  notifications (widgets/flash.py).

The only private module imported is `textual._wrap`; `Document`, `DocumentNavigator` and
`WrappedDocument` are defined in private modules but imported by their public names in
`textual.widgets.text_area`. Everything else in qualcode uses public Textual API only
(tests/unit/test_wrap.py checks the imports and the private names above).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable, Sequence
from typing import cast

from rich.style import Style
from rich.text import Text

# Private: the function TextArea's own WrappedDocument wraps with; used for lines holding tabs so that
# they wrap exactly as Textual expands and draws tabs. No public equivalent.
from textual._wrap import compute_wrap_offsets
from textual.app import App
from textual.binding import Binding, BindingsMap
from textual.expand_tabs import get_tab_widths
from textual.reactive import Reactive
from textual.screen import Screen
from textual.scrollbar import ScrollBar
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import OptionList, TextArea, Tree

# Public names (textual.widgets.text_area.__all__) for classes defined in private modules
# (textual.document._document, _document_navigator, _wrapped_document). Importing them is public API;
# what is private is how we use them below: subclassing WrappedDocument to write its private fields,
# and building Document and DocumentNavigator in TextArea's private _set_document.
from textual.widgets.text_area import Document, DocumentNavigator, Location, WrappedDocument

from qualcode.tui.widgets.wrap import cumulative_widths, row_maps, wrap_lines

__all__ = [
    "Document",
    "FastWrapTextArea",
    "FastWrappedDocument",
    "SettledRepaint",
    "SettledScreen",
    "SettledUpdates",
    "SteadyLayout",
    "SteadyLines",
    "SteadyOptionList",
    "SteadyRows",
    "SteadyScrollBar",
    "SteadyScrollbars",
    "SteadySize",
    "SteadyStyle",
    "SteadyTree",
    "WrappedDocument",
    "notifications_shown",
    "on_app_thread",
    "replace_bindings",
    "start_screen",
]


_ticks = itertools.count(1)


class SettledRepaint:
    """A widget whose late repaint is dropped when a frame has already drawn it whole since it asked.

    Textual tells the screen of a refresh by an Update message, posted when the widget's own message queue
    next runs dry (`Widget._check_refresh`); a widget refreshed by another's handler (a tree taking the focus
    as its panel is shown) is often drawn whole by the key's frame anyway (its region was laid out or
    exposed), and the screen handled its Update after that frame: a frame of its own, 20–40 ms later, to the
    same pixels. The widget notes when it asked and when every row of it was last rendered; `SettledScreen`
    drops an Update that such a frame has answered. Mix in before the Textual class.
    """

    def refresh(self, *regions, repaint: bool = True, layout: bool = False, recompose: bool = False):
        if repaint:
            self._asked_at = next(_ticks)
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)  # type: ignore[misc]

    def render_lines(self, crop):
        widget = cast(Widget, self)
        if crop.x == 0 and crop.y == 0 and crop.size == widget.outer_size:
            self._drawn_at = next(_ticks)
        return super().render_lines(crop)  # type: ignore[misc]

    @property
    def drawn_since_asked(self) -> bool:
        return getattr(self, "_drawn_at", 0) > getattr(self, "_asked_at", 0)


class SteadyScrollBar(SettledRepaint, ScrollBar):
    """A scrollbar that skips a refresh which would draw exactly what it drew last.

    Textual refreshes a widget's scrollbars whenever the widget is restyled (every scrollbar colour is set
    again when a class changes anywhere above it, to the same value) or laid out; each such refresh reaches the
    screen as a message after the frame in hand, so it costs a frame of its own a timer tick later. What a bar
    draws depends on its size, figures, state and colours (`render` below, as Textual's): when none changed,
    the refresh is dropped.
    """

    def _drawing(self) -> tuple:
        # The inputs of Textual's ScrollBar.render (textual/scrollbar.py): the parent's scrollbar colours by state.
        parent = cast(Widget, self.parent)
        styles = parent.styles
        if self.grabbed:
            background, color = styles.scrollbar_background_active, styles.scrollbar_color_active
        elif self.mouse_over:
            background, color = styles.scrollbar_background_hover, styles.scrollbar_color_hover
        else:
            background, color = styles.scrollbar_background, styles.scrollbar_color
        if background.a < 1:
            background = parent.background_colors[0] + background
        return (
            self.size,
            self.vertical,
            self.thickness,
            self.window_virtual_size,
            self.window_size,
            self.position,
            background,
            background + color,
            self.screen.styles.scrollbar_color.a == 0,
        )

    def render(self):
        self._drawn = self._drawing()
        self._drawn_rules = self.styles.get_render_rules()
        return super().render()

    def _unchanged(self) -> bool:
        """Whether a repaint now would draw what the bar drew last: the same inputs, or nothing at all (a bar
        with no size, its widget hidden: the layout that gives it one repaints it)."""
        if self.parent is None or not self.is_attached:
            return False
        return self.size.area == 0 or getattr(self, "_drawn", None) == self._drawing()

    def refresh(self, *regions, repaint: bool = True, layout: bool = False, recompose: bool = False):
        # A layout refresh comes from a restyle: Textual sets every rule again and refreshes (with layout) for
        # each one that is absent, changed or not; it is dropped too when the bar's own rules are unchanged, or
        # when the bar is not shown (no size: its widget places it, when it shows it, by a layout of its own).
        if (
            not regions
            and not recompose
            and self._unchanged()
            and (
                not layout
                or self.size.area == 0
                or getattr(self, "_drawn_rules", None) == self.styles.get_render_rules()
            )
        ):
            return self
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def _check_refresh(self) -> None:
        # Private Widget._check_refresh: run when the bar's messages are handled, it turns a pending repaint
        # (_repaint_required) into an Update for the screen. A restyle sets the parent's rules one at a time, so
        # a refresh asked for halfway through saw colours between the old and the new; decided again here,
        # with the restyle done, a repaint to what the bar drew last is dropped instead of costing a frame.
        if self._repaint_required and not self._layout_required and self._unchanged():
            self._repaint_required = False
        super()._check_refresh()


class SteadyScrollbars:
    """A scrolling widget whose scrollbars repaint only when they change.

    Textual's `_scroll_update` (Widget; ScrollView calls it from `_size_updated` whenever the screen lays out, even
    when this widget's size is unchanged) sets the bars' figures and then refreshes each bar unconditionally: a
    frame of its own after every layout of the screen, a timer tick (~17 ms) added to every key that changes any
    layout (opening a panel, a dialog, the next document). The figures are reactives that repaint the bar when
    they change, so the unconditional refresh only repaints what is already on the screen: it is left out.
    Mix in before the Textual class (`class CodeTree(SteadyScrollbars, Tree)`).
    """

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        return self._steady_bar(vertical=True)

    @property
    def horizontal_scrollbar(self) -> ScrollBar:
        return self._steady_bar(vertical=False)

    def _steady_bar(self, *, vertical: bool) -> ScrollBar:
        # Private: Textual's Widget.vertical_scrollbar / horizontal_scrollbar, building a SteadyScrollBar (same
        # private fields _vertical_scrollbar / _horizontal_scrollbar and App._start_widget, as textual/widget.py)
        widget = cast(Widget, self)
        field = "_vertical_scrollbar" if vertical else "_horizontal_scrollbar"
        bar = getattr(widget, field)
        if bar is None:
            thickness = widget.scrollbar_size_vertical if vertical else widget.scrollbar_size_horizontal
            bar = SteadyScrollBar(vertical=vertical, name="vertical" if vertical else "horizontal", thickness=thickness)
            setattr(widget, field, bar)
            bar.display = False
            widget.app._start_widget(widget, bar)
        return bar

    def _scroll_update(self, virtual_size) -> None:  # Private: overrides Widget._scroll_update (textual/widget.py)
        widget = cast(Widget, self)
        widget._refresh_scrollbars()
        width, height = widget.container_size
        if widget.show_vertical_scrollbar and widget.styles.scrollbar_size_vertical:
            widget.vertical_scrollbar.window_virtual_size = virtual_size.height
            widget.vertical_scrollbar.window_size = height - widget.scrollbar_size_horizontal
        if widget.show_horizontal_scrollbar and widget.styles.scrollbar_size_horizontal:
            widget.horizontal_scrollbar.window_virtual_size = virtual_size.width
            widget.horizontal_scrollbar.window_size = width - widget.scrollbar_size_vertical
        widget.scroll_x = widget.validate_scroll_x(widget.scroll_x)
        widget.scroll_y = widget.validate_scroll_y(widget.scroll_y)


class SteadySize:
    """A Tree or OptionList that ignores a Resize to the size it already has.

    Textual's `Tree._on_resize` invalidates every line and asks for a new layout, and `OptionList._on_resize`
    clears its rendered options, on every Resize event; a panel that is hidden and shown again (b, p) gets one
    with its old size, after its first frame, so it was laid out and drawn a second time, a frame later, to
    the same result. The event's default handlers (Textual's, in the classes below this mixin) are skipped
    when the size is unchanged, and for an option list when only its height changed. A tree given a new size
    is only repainted: its lines do not depend on its size (its rendered rows are cached by width), so
    Textual's invalidation and second layout are skipped too. Mix in before the Textual class.
    """

    def _on_resize(self, event) -> None:
        before = getattr(self, "_steady_size", None)
        if before == event.size:
            event.prevent_default()  # Textual dispatches a handler per class of the MRO until this is set
            return
        self._steady_size = event.size
        if isinstance(self, OptionList) and before is not None and before.width == event.size.width:
            # Only taller or shorter: the options' rendering (wrapped to the width) stands; the layout that sent
            # this event marked the list for drawing at its new size in its own frame.
            event.prevent_default()
            return
        if isinstance(self, Tree):
            # What Tree._on_resize does but its _invalidate: its private row cache (keyed by width) grows to
            # the new height. The layout that sent this event has placed the tree and marked it for drawing
            # at its new size (Widget._size_updated), in the frame that layout was for.
            self._line_cache.grow(event.size.height)
            event.prevent_default()


class SteadyRows:
    """A Tree whose rows stay drawn when it gains or loses the focus, but the rows the focus shows on.

    Textual's Tree keys each rendered row by the widget's pseudo-classes (`Tree._render_line`), so a tree taking
    the focus drew every row again (~0.25 ms each; showing the codes panel with `p` focuses its tree). Only the
    cursor's row, the rows under the cursor's node (their guides) and the hovered rows look different with the
    focus; every other row is kept here by what it is drawn from: Textual's own key but the pseudo-classes, and
    the styles the row reads (the tree's, its guides' and labels'), so a real change of colours draws it anew.
    Mix in before the Textual class.
    """

    _STEADY_ROWS_LIMIT = 1024  # rows kept (Textual keeps as many in its own cache)

    def render_lines(self, crop):
        tree = cast(Tree, self)
        self._steady_look = (
            tree.rich_style,
            tree.get_component_rich_style("tree--guides", partial=True),
            tree.get_component_rich_style("tree--guides-hover", partial=True),
            tree.get_component_rich_style("tree--label", partial=True),
            tree.get_component_rich_style("tree--highlight-line"),
            tree.show_guides,
            tree.guide_depth,
            tree.virtual_size.width,
        )
        return super().render_lines(crop)  # type: ignore[misc]

    def render_line(self, y: int):
        tree = cast(Tree, self)
        scroll_x, scroll_y = tree.scroll_offset
        row = y + scroll_y
        # Private Tree._tree_lines (the rows as node paths) and TreeNode._updates/_selected/_hover: what Textual's
        # row cache is keyed by and decides the focus-dependent styles from (Textual 8.2.8 Tree._render_line).
        lines = tree._tree_lines
        if row >= len(lines) or row in (tree.cursor_line, tree.hover_line):
            return super().render_line(y)  # type: ignore[misc]
        path = lines[row].path
        if any(node._selected or node._hover for node in path):
            return super().render_line(y)  # type: ignore[misc]
        key = (row, scroll_x, tree.size.width, tree._updates, tuple(node._updates for node in path))
        kept = getattr(self, "_steady_rows", None)
        if kept is None:
            kept = self._steady_rows = {}
        look = getattr(self, "_steady_look", None)
        found = kept.get(key)
        if found is not None and found[0] == look:
            return found[1]
        strip = super().render_line(y)  # type: ignore[misc]
        if len(kept) >= self._STEADY_ROWS_LIMIT:
            kept.clear()
        kept[key] = (look, strip)
        return strip


class SteadyLines:
    """An OptionList of a set size that takes its options' new height without a second layout of the screen.

    Textual's OptionList measures its options when it is next drawn (`_update_lines`, from `render_lines`; not
    while hidden: it has no width then) and sets its `virtual_size`, a reactive that lays the screen out again:
    a panel shown after its list changed (the codings under the cursor, while the panel was hidden) drew a frame
    more, 20–40 ms after the key's. A list whose size its styles set (not `auto`) is placed the same whatever its
    options: only its scrollbars follow them (`_update_lines` tells them), and a scrollbar appearing still lays it
    out. The measuring is done before the row drawing starts, so that the repaint it asks for is the one
    `SettledRepaint` sees answered by the drawing. Mix in before SettledRepaint and the Textual class.
    """

    def render_lines(self, crop):
        self._update_lines()
        return super().render_lines(crop)  # type: ignore[misc]

    def _update_lines(self) -> None:
        # Private OptionList._update_lines (Textual 8.2.8): measures new options, sets virtual_size, tells the bars.
        widget = cast(OptionList, self)
        if widget.styles.auto_dimensions:
            super()._update_lines()  # type: ignore[misc]
            return
        bars = (widget.show_vertical_scrollbar, widget.show_horizontal_scrollbar)
        self._steady_lines = True
        try:
            super()._update_lines()  # type: ignore[misc]
        finally:
            self._steady_lines = False
        if (widget.show_vertical_scrollbar, widget.show_horizontal_scrollbar) != bars:
            widget.refresh(layout=True)

    def refresh(self, *regions, repaint: bool = True, layout: bool = False, recompose: bool = False):
        if layout and getattr(self, "_steady_lines", False):
            layout = False  # the virtual size (or the bars, laid out above) changing within _update_lines
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)  # type: ignore[misc]


class SettledUpdates:
    """A screen that drops an Update from a `SettledRepaint` widget that a frame has drawn whole since it asked
    (the coding screen, the picker, the search), and that is not repainted whole when the focus moves. Mix in
    before the Textual Screen class.

    Textual's `Screen.focused` is a reactive that repaints the screen when it changes: the key's frame then
    composed all the screen's cells twice (~3 ms at 200×60), the second time to the same picture; the widgets
    that gain and lose the focus are restyled and repaint themselves. Here it sets without a repaint."""

    focused: Reactive[Widget | None] = Reactive(None, repaint=False)

    async def _on_update(self, message) -> None:
        # Private Screen._on_update: adds the message's widget to the screen's dirty widgets for the next frame.
        if isinstance(message.widget, SettledRepaint) and message.widget.drawn_since_asked:
            message.stop()
            message.prevent_default()
            return
        await super()._on_update(message)  # type: ignore[misc]


class SettledScreen(SettledUpdates, Screen):
    """The coding screen (App.get_default_screen)."""


class SteadyLayout:
    """A widget that takes a new size without asking for another layout.

    When a layout gives a widget a new size, Textual's `Widget._size_updated` sets its `virtual_size` reactive,
    which asks for a layout again (`layout=True`): the screen is laid out a second time a frame later, to the
    same arrangement (a toast or a panel shown: every such key drew a frame more, 20–40 ms later). The size is
    set here as Textual does for a scroll (`layout=False`); the layout in hand has already placed the widget
    at that size. Mix in before the Textual class.
    """

    def _size_updated(self, size, virtual_size, container_size, layout: bool = True) -> bool:
        # Private Widget._size_updated(size, virtual_size, container_size, layout): called by Screen._refresh_layout
        # for every widget of the arrangement; layout=False sets virtual_size without its layout refresh.
        return super()._size_updated(size, virtual_size, container_size, layout=False)  # type: ignore[misc]


class SteadyStyle:
    """An OptionList or Tree that repaints on a style update only when its styles changed, and without a new
    layout when only colours changed.

    Textual restyles every widget of a screen shown again (`Screen._on_screen_resume`) and the widgets whose
    focus changed, and `OptionList.notify_style_update` refreshes on every restyle (a frame of its own, 20–40 ms
    after the key that opened the picker or the search, to the same pixels), `Tree.notify_style_update`
    invalidates every line and lays the tree out again (a tree taking the focus: its border's and cursor's
    colours) a frame after the key's. Here Textual's update (below this mixin) runs only when the widget's or
    its components' rules changed in more than colour; a change of colours only drops the rendered rows and
    repaints. Mix in before the Textual class.
    """

    def notify_style_update(self) -> None:
        widget = cast(Widget, self)
        seen = _drawing_rules(widget)
        last = getattr(self, "_steady_style", None)
        if last == seen:
            return
        self._steady_style = seen
        if last is not None and [_shape(r) for r in last] == [_shape(r) for r in seen]:
            Widget.notify_style_update(widget)  # the style caches
            # Private Tree._line_cache / OptionList._option_render_cache: their rendered rows (strips), keyed
            # without the colours; dropped so the next frame draws every row in the new ones, without a layout.
            for cache in ("_line_cache", "_option_render_cache"):
                if hasattr(widget, cache):
                    getattr(widget, cache).clear()
            widget.refresh()
            return
        super().notify_style_update()  # type: ignore[misc]


_COLOUR_RULES = ("color", "background", "tint", "opacity", "text_style")


def _shape(rules: dict) -> dict:
    """Render rules without what only colours a widget: a change to these needs a repaint, not a layout."""
    shape = {}
    for key, value in rules.items():
        if any(word in key for word in _COLOUR_RULES):
            continue
        if key.startswith(("border", "outline")) and isinstance(value, tuple):
            value = value[0]  # the edge's type; its colour is value[1]
        shape[key] = value
    return shape


def _drawing_rules(widget: Widget, *, frame: bool = True) -> list:
    """What a widget's drawing reads from its styles: its render rules (without the border's and outline's
    when `frame` is false: Textual draws those around the content) and its components' rules."""
    own = widget.styles.get_render_rules()
    if not frame:
        own = {k: v for k, v in own.items() if not k.startswith(("border", "outline"))}  # type: ignore[assignment]
    # Private DOMNode._component_styles: the styles Textual computed for each COMPONENT_CLASSES name (the
    # highlighted option's colours, the text area's selection...), so that any visible change repaints.
    return [own, *(styles.get_render_rules() for _, styles in sorted(widget._component_styles.items()))]


class SteadyTree(SettledRepaint, SteadyLayout, SteadyStyle, SteadySize, SteadyRows, SteadyScrollbars, Tree):
    """A Tree with every steadying above: the side panels' trees."""


class SteadyOptionList(
    SteadyLines, SettledRepaint, SteadyLayout, SteadyStyle, SteadySize, SteadyScrollbars, OptionList
):
    """An OptionList with every steadying above: the segments panel, the picker's and the search's lists."""


class FastWrappedDocument(WrappedDocument):
    """Textual's WrappedDocument with the fast wrap of wrap.py and a constant-time height.

    An edit re-wraps the edited lines with Textual's own `wrap_range` (TextArea calls it); the next
    full `wrap` (a resize) wraps them ours again.
    """

    _cumulative: Sequence[int] | None = None

    def __init__(self, document: Document, width: int = 0, tab_width: int = 4, *, text: str | None = None):
        """`text`: the document's text when the caller has it whole (its lines joined again cost 6 ms a million
        characters)."""
        self._source_text = text
        super().__init__(document, width, tab_width)

    @property
    def height(self) -> int:
        """Rows of the wrapped document, in constant time (Textual sums over every line, per rendered row)."""
        # Private field of WrappedDocument: one (line, section) per wrapped row, filled by wrap().
        return len(self._offset_to_line_info)

    @property
    def width(self) -> int:
        """The width last wrapped at (0: not wrapped)."""
        # Private field of WrappedDocument, set by wrap(); Textual has no public accessor.
        return self._width

    def is_wrapped_at(self, width: int) -> bool:
        """True if the current wrap is for `width` and covers every line of the document."""
        # Private fields of WrappedDocument (see width); the offsets list has one entry per line once wrapped.
        offsets = self._wrap_offsets
        return width == self._width and bool(offsets) and len(offsets) == self.document.line_count

    def row_info(self, y: int) -> tuple[int, int] | None:
        """(document line, section within the line) of wrapped row `y`, or None past the end."""
        # Private field of WrappedDocument; the public offset_to_location clamps and measures cells instead.
        info = self._offset_to_line_info
        return info[y] if 0 <= y < len(info) else None

    def rows_of_line(self, line_index: int) -> list[int]:
        """The wrapped rows (y) that show document line `line_index`; empty past the end."""
        # Private field of WrappedDocument; no public accessor.
        rows = self._line_index_to_offsets
        return rows[line_index] if 0 <= line_index < len(rows) else []

    def wrap(self, width: int, tab_width: int | None = None) -> None:
        """Wrap every line at `width` cells (0: no wrapping), filling the fields Textual reads."""
        # Private fields of WrappedDocument: WrappedDocument.wrap sets exactly these, and TextArea and
        # DocumentNavigator read them; we fill them from wrap.py instead of Textual's per-character fold.
        self._width = width
        if tab_width:
            self._tab_width = tab_width
        tab_size = self._tab_width
        lines = self.document.lines

        def wrap_tabbed(line: str) -> list[int]:
            # Private textual._wrap: wrap a line with tabs exactly as WrappedDocument.wrap does.
            sections = get_tab_widths(line, tab_size)
            return compute_wrap_offsets(line, width, tab_size=tab_size, precomputed_tab_sections=sections)

        # hang=1: a closing mark may hang one cell past `width`, into the cell TextArea keeps for the
        # cursor (Textual 8.2.8's wrap_width is the text width minus that cell; render_line draws it).
        cumulative = self._cumulative_widths() if width else None
        wrap_offsets = wrap_lines(lines, width, cumulative, wrap_tabbed, hang=1)
        no_tabs, blank = [0], []  # shared: Textual only reads these
        tab_cache = [
            [w for _, w in get_tab_widths(line, tab_size)] if "\t" in line else (no_tabs if line else blank)
            for line in lines
        ]
        line_rows, row_info = row_maps(wrap_offsets)
        self._wrap_offsets = wrap_offsets
        self._offset_to_line_info = row_info
        self._line_index_to_offsets = line_rows
        self._tab_width_cache = tab_cache

    def wrap_range(self, start: Location, old_end: Location, new_end: Location) -> None:
        """Textual's incremental re-wrap after an edit; the cached widths no longer match the text."""
        self._cumulative = None
        self._source_text = None
        super().wrap_range(start, old_end, new_end)

    def _cumulative_widths(self) -> Sequence[int]:
        if self._cumulative is None:
            text = self._source_text
            if text is None or any(mark in text for mark in _OTHER_LINE_BREAKS):
                text = "\n".join(self.document.lines)  # what the lines are when split at other marks too
            self._cumulative = cumulative_widths(text)
        return self._cumulative


# Where str.splitlines (Textual's Document) splits a line besides "\n": with none of them, the text is its lines
# joined by "\n" (a final "\n" leaves an empty last line).
_OTHER_LINE_BREAKS = ("\r", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


class FastWrapTextArea(SettledRepaint, SteadyScrollbars, TextArea):
    """A TextArea on a FastWrappedDocument (plain text only), with public hooks into its render cache."""

    wrapped_document: FastWrappedDocument

    def _set_document(self, text: str, language: str | None) -> None:
        """TextArea's plain-text path, with the faster soft wrap of wrap.py (transcripts have no language)."""
        # Overrides private TextArea._set_document (called by __init__, load_text and language changes):
        # it is where TextArea builds its WrappedDocument, and there is no public way to supply another.
        # The body follows Textual 8.2.8's plain-text branch: reset the private _highlight_query, build
        # the documents and navigator, and rebuild the private highlight map.
        self._highlight_query = None
        self._whole_text: str | None = text
        self.document = Document(text)
        # Wrapped at the width it will be shown at (Textual wraps at 0 here, then again at the width: two wraps
        # of a 1 M-character transcript on every open); 0 before the widget has a size.
        self.wrapped_document = FastWrappedDocument(
            self.document, width=self.wrap_width, tab_width=self.indent_width, text=text
        )
        self.navigator = DocumentNavigator(self.wrapped_document)
        self._build_highlight_map()
        self.move_cursor((0, 0))
        self._rewrap_and_refresh_virtual_size()

    @property
    def text(self) -> str:
        """The whole text, kept from the last load instead of joined from the lines at every call.

        Textual's TextArea.render_line evaluates `self.text` (Document.text: a join of every line) for each row it
        draws, only to test for an empty text with a placeholder: 0.6 ms a row on a 1 M-character transcript,
        a third of the repaint after a coding. The text only changes through `_set_document` (load_text) or an
        edit (this widget is read-only; an edit drops the kept copy)."""
        kept = getattr(self, "_whole_text", None)
        if kept is None:
            kept = self._whole_text = self.document.text
        return kept

    @text.setter
    def text(self, value: str) -> None:
        self.load_text(value)

    def edit(self, edit):  # type: ignore[no-untyped-def]
        self._whole_text = None
        return super().edit(edit)

    def _rewrap_and_refresh_virtual_size(self) -> None:
        """Skip re-wrapping when the width did not change (a scrollbar appearing in its reserved gutter)."""
        # Overrides private TextArea._rewrap_and_refresh_virtual_size, which Textual calls on every resize;
        # the skip path does what Textual's does after wrapping: clear the private _line_cache and call
        # the private _refresh_size (virtual size and scrollbars).
        if self.wrapped_document.is_wrapped_at(self.wrap_width):
            self._line_cache.clear()
            self._refresh_size()
            return
        super()._rewrap_and_refresh_virtual_size()

    def _refresh_size(self) -> None:
        """Textual's, then the vertical scrollbar told the new height at once (see SteadyScrollbars)."""
        # Overrides private TextArea._refresh_size (sets virtual_size from the wrapped height). Textual tells the
        # scrollbar only at the next layout (Widget._arrange_scrollbars), whose repaint of it is then a frame
        # of its own after the key's frame (opening the next document); told here, it is drawn with the text.
        super()._refresh_size()
        if self.show_vertical_scrollbar:
            self.vertical_scrollbar.window_virtual_size = self.virtual_size.height

    def get_section(self, line_index: int, start: int, end: int) -> Text:
        """Document line `line_index` from code point `start` to `end`, styled as `get_line` styles the whole line:
        the characters of one wrapped row. A subclass that styles `get_line` overrides this too, building the
        row from its own characters (see `_render_line`)."""
        return self.get_line(line_index)[start:end]

    def _render_line(self, y: int) -> Strip:
        """One wrapped row of a plain soft-wrapped text, built from its own characters.

        Textual's `TextArea._render_line` builds and styles the whole document line for each of its rows and then
        divides it into all its rows to keep one: a turn of n rows cost n whole-turn builds (`Text` strips control
        codes character by character: ~0.3 ms a row on the transcripts, most of a new document's frame). Here the
        row's own characters are built (`get_section`) and styled as Textual styles the line (the cursor's line,
        the selection, the cursor), in its coordinates. Anything this path does not draw (tabs, line numbers,
        syntax highlights, a suggestion, matched brackets, an empty line's selection mark) goes to Textual's."""
        # Overrides private TextArea._render_line (Textual 8.2.8), reading the private _theme, _highlights,
        # _matching_bracket_location, _has_cursor and _draw_cursor as it does; the styling below follows its order.
        wrapped = self.wrapped_document
        info = wrapped.row_info(y + self.scroll_offset.y)
        if (
            info is None
            or not self.soft_wrap
            or self.show_line_numbers
            or self._highlights
            or self.suggestion
            or self._matching_bracket_location is not None
        ):
            return super()._render_line(y)
        line_index, section = info
        text = self.document.get_line(line_index)
        if not text or "\t" in text:
            return super()._render_line(y)
        bounds = [0, *wrapped.get_offsets(line_index), len(text)]
        start, end = bounds[section], bounds[section + 1]
        piece = self.get_section(line_index, start, end)
        if section + 2 == len(bounds):
            piece.set_length(end - start + 1)  # the cell after the line's end, for the cursor (as Textual)
        stop = start + len(piece)

        def paint(style: Style, a: int, b: int) -> None:
            a, b = max(a, start), min(b, stop)
            if a < b:
                piece.stylize(style, a - start, b - start)

        theme = self._theme
        has_cursor = self._has_cursor
        cursor_line_style = theme.cursor_line_style if (theme and self.highlight_cursor_line and has_cursor) else None
        selection = self.selection
        cursor_row, cursor_column = selection.end
        if has_cursor and cursor_line_style and cursor_row == line_index:
            piece.stylize(cursor_line_style)
        (top_row, top_column), (bottom_row, bottom_column) = sorted(selection)
        selection_style = theme.selection_style if theme else None
        if selection.start != selection.end and top_row <= line_index <= bottom_row and selection_style:
            first = top_column if line_index == top_row else 0
            last = bottom_column if line_index == bottom_row else len(text)
            paint(selection_style, first, last)
        if cursor_row == line_index and self._draw_cursor and theme and theme.cursor_style:
            paint(theme.cursor_style, cursor_column, cursor_column + 1)
        piece.end = ""
        strip = Strip(piece.render(self.app.console), cell_length=piece.cell_len)
        if cursor_row == line_index and self.highlight_cursor_line:
            line_style = cursor_line_style
        else:
            line_style = theme.base_style if theme else None
        strip = strip.extend_cell_length(self.scrollable_content_region.size.width - self.gutter_width, line_style)
        base_style = theme.base_style if theme and theme.base_style is not None else self.rich_style
        return strip.apply_style(base_style)

    def notify_style_update(self) -> None:
        """Textual's TextArea drops every rendered row on any restyle, and gaining or losing focus restyles it
        (its border's colour): every row was drawn again (~0.3 ms each) when a panel took the focus or gave it
        back. When nothing the rows are drawn from changed (the rules but the border's and outline's, the
        components'), only the cursor's rows are dropped (Textual draws the cursor only while focused)."""
        seen = _drawing_rules(self, frame=False)
        if seen == getattr(self, "_steady_rows", None):
            Widget.notify_style_update(self)  # the style caches, without TextArea's clearing of every row
            self.forget_rendered_lines([self.cursor_location[0]])
            return
        self._steady_rows = seen
        super().notify_style_update()

    def clear_rendered_lines(self) -> None:
        """Drop every cached rendered row, so each is drawn again (get_line is called anew)."""
        # Private TextArea._line_cache: the LRU cache of rendered strips; no public way to invalidate it.
        self._line_cache.clear()

    def forget_rendered_lines(self, line_indices: Iterable[int]) -> set[int]:
        """Drop the cached rendering of these document lines only (the cache is keyed by wrapped row)."""
        # Private TextArea._line_cache: in Textual 8.2.8 its keys are tuples whose third item is the
        # absolute wrapped row y (see TextArea.render_line).
        wrapped = self.wrapped_document
        stale = {y for line in line_indices for y in wrapped.rows_of_line(line)}
        cache = self._line_cache
        for key in [k for k in cache.keys() if k[2] in stale]:  # noqa: SIM118 (an LRUCache, not a dict)
            cache.discard(key)
        return stale

    def redraw_lines(self, line_indices: Iterable[int]) -> None:
        """Draw these document lines again, and only them: their cached rows are dropped and only the rows of
        them on the screen are refreshed (a whole-widget refresh re-composes every row on the screen: most of
        the repaint after a coding on a long transcript)."""
        stale = self.forget_rendered_lines(line_indices)
        top, height = self.scroll_offset.y, self.scrollable_content_region.height
        # absolute rows: ScrollView.refresh_lines subtracts the scroll offset itself (Textual 8.2.8)
        visible = sorted(y for y in stale if top <= y < top + height)
        start = None
        for i, y in enumerate(visible):
            if start is None:
                start = y
            if i + 1 == len(visible) or visible[i + 1] != y + 1:
                self.refresh_lines(start, y - start + 1)
                start = None


async def start_screen(app: App, screen: Screen) -> None:
    """Compose, mount, style and lay out an installed screen's widgets now, without showing it: its first
    showing (push_screen) then costs what every later one does."""
    # Private App._get_screen: what push_screen calls first; it starts (registers) a screen that is not running,
    # which composes and mounts its children. Private Screen._refresh_layout(size): what the screen's first
    # ScreenResume does when its size is not the app's (Screen._on_screen_resume); a screen that is not the
    # current one lays out and sends Resize/Show to its widgets without drawing anything.
    started, mounted = app._get_screen(screen)
    await mounted
    # Textual's toast rack of each screen is hidden by its CSS, and the screen's first showing hides it again
    # inline (ToastRack.show: `display = False`), a new rule that lays the dialog out a second time, in a frame
    # of its own; hidden inline here, that showing changes nothing.
    for rack in started.query("#textual-toastrack"):
        rack.display = False
    started.update_node_styles(animate=False)
    started._refresh_layout(app.size)
    # Private Screen._compositor: rendered once, off screen (the update is dropped), so that the widgets' first
    # rendering and what it sets off (option lists measuring their options, refreshing once more) happen now.
    started._compositor.render_update(full=True)
    app.set_timer(SETTLE_AFTER, lambda: _settle_screen(started))


SETTLE_AFTER = 0.1  # seconds for what a started screen's first layout set off to reach it


def _settle_screen(screen: Screen) -> None:
    """Lay out and draw again, off screen, a screen `start_screen` started, once the messages that its first layout
    and drawing set off (widgets told their sizes, option lists their options' height: each asks for a layout)
    have reached it, and leave nothing pending: its first showing laid it out again a frame after the key's.
    Nothing is done for a screen shown meanwhile."""
    if screen.is_current or not screen.is_mounted:
        return
    # Private Screen._refresh_layout and _compositor as in start_screen; the private _layout_required,
    # _layout_widgets, _dirty_widgets and _repaint_required are what a frame of the screen (Screen._on_timer_update)
    # clears once it has laid out and drawn: the layout just done answers them. Showing the screen repaints it.
    screen._refresh_layout(screen.app.size)
    screen._compositor.render_update(full=True)
    screen._layout_required = False
    screen._layout_widgets.clear()
    screen._dirty_widgets.clear()
    screen._repaint_required = False


def notifications_shown(app: App) -> bool:
    """Whether the app shows notifications at all (Textual's run_test hides them unless asked)."""
    # Private App._disable_notifications: set by App.run_test(notifications=False); Screen reads it too.
    return not app._disable_notifications


def on_app_thread(app: App) -> bool:
    """Whether this code runs on the app's own thread (widgets may be touched), not a worker's."""
    # Private App._thread_id: the thread App.run started on; App.call_from_thread compares it the same way.
    return app._thread_id == threading.get_ident()


def replace_bindings(app: App, bindings: list[Binding]) -> None:
    """Replace the App's own key bindings (those of its BINDINGS) with `bindings`, e.g. relabelled.

    On a running app, call `app.refresh_bindings()` afterwards for the footer to show them.
    """
    # Private DOMNode._bindings: the BindingsMap Textual builds from BINDINGS when the node is created
    # and reads for every key press; Textual has no public way to replace a node's bindings (App.bind
    # only adds one, and its docstring warns it may become private). This drops the bindings inherited
    # from Textual's App (ctrl+q quit, ctrl+c help_quit) unless `bindings` has them, as app.py did.
    # Bindings that are not ours stay: Textual's own (ctrl+q, the command palette's ctrl+p, which App.__init__
    # adds to this map and nothing adds back) keep working after the labels change language.
    ours = {b.action for b in bindings} | {b.id for b in bindings if b.id}
    kept = [b for _, b in app._bindings if b.action not in ours and (b.id is None or b.id not in ours)]
    app._bindings = BindingsMap([*bindings, *kept])
