"""The qualcode Textual app: documents by case | transcript | code tree | segments, keyboard first."""

from __future__ import annotations

import gc
from bisect import bisect_left, bisect_right
from collections.abc import Iterable

from textual import events
from textual.app import App, ComposeResult, SystemCommand
from textual.containers import Horizontal, Vertical
from textual.notifications import Notification
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Static

from qualcode.errors import QualcodeError
from qualcode.model import Code, Coding
from qualcode.project import Project
from qualcode.tui import keymap
from qualcode.tui.assist import AssistActions
from qualcode.tui.blind import BlindProject
from qualcode.tui.coding_actions import CodingActions
from qualcode.tui.i18n import label, say_error
from qualcode.tui.idle_gc import IdleCollector
from qualcode.tui.screens.help import HelpScreen
from qualcode.tui.widgets.flash import FlashRack
from qualcode.tui.widgets.footer import Footer
from qualcode.tui.widgets.panels import CodeTree, DocumentsTree, SegmentsList
from qualcode.tui.widgets.textual_adapter import (
    SettledScreen,
    notifications_shown,
    on_app_thread,
    replace_bindings,
    start_screen,
)
from qualcode.tui.widgets.transcript import Paint, TranscriptView

POLL_SECONDS = 0.5  # how often the app looks for other writers' changes: one PRAGMA, a few microseconds
PREPARE_QUIET = 0.8  # seconds without a key before the dialogs are built ahead of their first showing


class QualcodeApp(AssistActions, CodingActions, App):
    """Read and code transcripts with the keyboard."""

    CSS_PATH = "app.tcss"
    TITLE = "qualcode"
    BINDINGS = keymap.bindings(keymap.APP_KEYS)

    # watch_language relabels what shows the language; a repaint of the whole screen redrew the same
    language = reactive("zh", repaint=False)
    only_mine = reactive(False)
    narrow = reactive(False)  # under keymap.WIDE columns: the side panels are overlays, hidden until asked for

    def __init__(
        self,
        project: Project,
        coder: str,
        *,
        language: str | None = None,
        keys: dict[str, str] | None = None,
        blind: bool = False,
        consensus: str = "consensus",
        ask_coder: bool = False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.project = project
        self.coder = coder
        self.keys = dict(keys or {})
        self.blind = blind  # blind coding: only the coder's own codings, everywhere, and `o` cannot show others'
        self.consensus = consensus  # the coder adjudications are written as
        self.ask_coder = ask_coder  # no coder configured anywhere: ask once, and save it in the config file
        self.set_reactive(QualcodeApp.language, language if language in ("zh", "en") else "zh")
        self.set_reactive(QualcodeApp.only_mine, blind)
        self.document_id: int | None = None
        self.turns: list = []
        self.turn_starts: list[int] = []
        self._case_names: dict[str, str] = {}
        self.codes: list[Code] = []
        self.codings: list[Coding] = []  # of the open document, as shown (all coders or only mine)
        self._coding_keys: list[tuple[int, int]] = []  # (start, end) of each of self.codings, in their order
        self.hits: list = []
        self.hit_index = -1
        self.last_query = ""
        self.idle_gc = IdleCollector()
        self.kept_screens: dict[str, Screen] = {}  # dialogs built once and shown again (see keep_screen)
        self.selected_code: str | None = None
        self.counts: dict[str, int] = {}  # codings per code, as shown (everyone's or only mine)
        self.totals: dict[str, int] = {}  # coded passages per code with its subtree, each passage once
        self._revision: tuple[int, int] | None = None  # project.revision() when the screen last showed the file
        self.panels = {"cases": True, "codes": True}  # shown? (reset to the size's default when it changes)
        self._status_text = ""
        self._panels_aside: list = []  # panels laid out off screen by _prepare_panels
        self._assist_init()

    # -- layout ----------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            yield DocumentsTree("cases", id="documents")
            yield TranscriptView(id="transcript")
            with Vertical(id="side"):
                yield CodeTree("codes", id="codes")
                yield SegmentsList(id="segments")
        yield Static("", id="suggestions")
        yield Static("", id="status")
        yield Footer()
        yield FlashRack()

    def on_mount(self) -> None:
        if self.keys:
            self.set_keymap(self.keys)
        self.set_reactive(QualcodeApp.narrow, self.size.width < keymap.WIDE)
        self._layout_panels(reset=True)
        self._titles()
        self.codes = self.project.codebook.codes()
        self._case_names = {c.id: c.name for c in self.project.documents.cases()}
        self.query_one(DocumentsTree).fill(self.project)
        self._fill_codes()
        place = self.project.place(self.coder)
        documents = self.project.documents.documents()
        if place is not None:
            self.open_document(place[0], cursor=place[1])
        elif documents:
            self.open_document(documents[0].id)
        else:
            self.notify(label("no_document", self.language), severity="warning")
        self.query_one(TranscriptView).focus()
        self.view.selection_callback = self._selection_moved
        self._revision = self.project.revision()
        self.set_interval(POLL_SECONDS, self._poll_revision, name="watch-project")
        # Everything loaded so far (Textual, rich, the project's caches, jieba's dictionary…) lives as long as the
        # app: moved out of the collector's reach, a full collection no longer walks it (100–200 ms pauses in the
        # middle of a key press, measured by benchmarks/tui_keys.py).
        gc.freeze()
        # what is allocated from here on is collected in full only while the keyboard is quiet (see idle_gc)
        self.idle_gc.start()
        self.set_interval(0.5, self.idle_gc.tick, name="idle-gc")
        if self.ask_coder:
            self._ask_coder()
        self.set_timer(PREPARE_QUIET, self._prepare_dialogs)

    async def on_event(self, event) -> None:
        if isinstance(event, events.Key):
            self.idle_gc.key_pressed()
        await super().on_event(event)

    def on_unmount(self) -> None:
        self.idle_gc.stop()

    def get_default_screen(self) -> Screen:
        return SettledScreen(id="_default")

    def notify(self, message: str, *, title: str = "", severity="information", timeout=None, markup=True) -> None:
        """On the coding screen, shown by its FlashRack in the frame of the key that raised it (widgets/flash.py);
        elsewhere, and from other threads, as Textual's toasts."""
        rack = self._flash_rack()
        if rack is None or not on_app_thread(self):
            super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)
            return
        if notifications_shown(self):
            wait = self.NOTIFICATION_TIMEOUT if timeout is None else timeout
            rack.show(Notification(message, title, severity, wait, markup=markup))

    def clear_notifications(self) -> None:
        super().clear_notifications()
        rack = self._flash_rack()
        if rack is not None:
            rack.clear()

    def _flash_rack(self) -> FlashRack | None:
        """The coding screen's rack while that screen is the one shown."""
        if not self.is_mounted or len(self.screen_stack) != 1:
            return None
        found = self.screen.query(FlashRack)
        return found.first() if found else None

    def _ask_coder(self) -> None:
        """First run: who is coding? Saved as `coder` in the config file, so it is asked once."""
        from qualcode.config import config_path, save_setting
        from qualcode.tui.screens.dialogs import LineScreen

        def answer(name: str | None) -> None:
            name = (name or "").strip()
            if not name:
                self.notify(label("coder_kept", self.language, coder=self.coder), timeout=4)
                return
            try:
                save_setting("coder", name)
            except QualcodeError as exc:
                self.notify(say_error(str(exc), self.language), severity="error")
            else:
                self.notify(label("coder_saved", self.language, coder=name, path=str(config_path())), timeout=4)
            self.coder = name
            self.ask_coder = False
            self.refresh_codings()

        self.push_screen(LineScreen(label("ask_coder", self.language), self.coder), answer)

    def _titles(self) -> None:
        lang = self.language
        self.query_one(DocumentsTree).border_title = label("cases", lang)
        self.query_one(CodeTree).border_title = label("codes", lang)
        self.query_one(SegmentsList).border_title = label("segments", lang)

    # -- state -----------------------------------------------------------------------------------
    @property
    def view(self) -> TranscriptView:
        return self.query_one(TranscriptView)

    @property
    def work(self) -> Project | BlindProject:
        """The project as the other screens (search, ratings, review) show it: only my codings when blind."""
        return BlindProject(self.project, self.coder) if self.blind else self.project

    def _recount(self) -> dict[str, int]:
        """Query the counts once per change; the status bar reads them on every cursor move."""
        coder = self.coder if self.only_mine else None
        self.counts = self.project.codings.counts(coder=coder)
        self.totals = self.project.codings.passage_counts(coder=coder)
        return self.counts

    def _count_added(self, added: Coding, at: int) -> None:
        """The counts after one coding was added, without asking the database again (`_recount` runs two
        grouped queries over every coding: 24 ms with 5,000). A code's own count goes up by one; the passage
        count of the code and of each code above it goes up unless that passage (the same span in this
        document) already carried a code of that subtree, as `passage_counts` counts them."""
        self.counts[added.code_id] = self.counts.get(added.code_id, 0) + 1
        parents = {c.id: c.parent_id for c in self.codes}
        chain, code = [], added.code_id
        while code is not None and code not in chain:
            chain.append(code)
            code = parents.get(code)
        span = (added.start, added.end)
        lo = bisect_left(self._coding_keys, span)
        same = [
            c for c in self.codings[lo : bisect_right(self._coding_keys, span)] if c is not added and not c.orphaned
        ]
        for ancestor in chain:
            covered = False
            for other in same:
                code = other.code_id
                seen: set[str] = set()
                while code is not None and code not in seen:
                    if code == ancestor:
                        covered = True
                        break
                    seen.add(code)
                    code = parents.get(code)
                if covered:
                    break
            if not covered:
                self.totals[ancestor] = self.totals.get(ancestor, 0) + 1

    def _fill_codes(self) -> None:
        """The code tree anew (the codes or the language changed), with fresh counts."""
        self._recount()
        self.query_one(CodeTree).fill(self.codes, self.counts, self.totals, self.language)

    def _colors(self) -> dict[str, str]:
        return {c.id: c.color or "#888888" for c in self.codes}

    def _names(self) -> dict[str, str]:
        return {c.id: c.name if self.language == "zh" or not c.name_en else c.name_en for c in self.codes}

    def _load_codings(self) -> None:
        if self.document_id is None:
            self.codings, self._coding_keys = [], []
            return
        self.codings = self.project.codings.select(
            document=self.document_id, coder=self.coder if self.only_mine else None
        )
        self._coding_keys = [(c.start, c.end) for c in self.codings]  # sorted as codings.select orders them

    @staticmethod
    def _paint(coding: Coding, colors: dict[str, str]) -> Paint:
        return Paint(coding.start, coding.end, colors.get(coding.code_id, "#888888"), coding.created_at, coding.id)

    def _paints(self) -> list[Paint]:
        colors = self._colors()
        return [self._paint(c, colors) for c in self.codings]

    def open_document(
        self, document_id: int, *, cursor: int | None = None, select: tuple[int, int] | None = None
    ) -> None:
        if self.document_id is not None and self.document_id != document_id:
            self._save_place()
        self.document_id = document_id
        self.turns = self.project.documents.turns(document_id)
        self.turn_starts = [t.start for t in self.turns]
        self._document = self.project.documents.document(document_id)
        self._load_codings()
        view = self.view
        view.show_document(self.project.documents.text(document_id), self.turns, self._paints())
        self.query_one(DocumentsTree).follow(document_id)
        self.paint_keywords()
        if select is not None:
            view.select_span(*select)
        elif cursor is not None:
            view.select_span(cursor, cursor)
        self._update_side()

    def refresh_codings(self, added: Coding | None = None) -> None:
        """After any change: repaint, recount, and refresh the segments panel and status bar.

        A coding just added is merged into the list in memory; anything else reloads the document's codings.
        """
        if added is not None and added.document_id == self.document_id:
            at = bisect_right(self._coding_keys, (added.start, added.end))
            self.codings.insert(at, added)
            self._coding_keys.insert(at, (added.start, added.end))
            self.view.add_paint(self._paint(added, self._colors()))
            self._count_added(added, at)
        else:
            self._load_codings()
            self.view.set_paints(self._paints())
            self._recount()
        self.query_one(CodeTree).update_counts(self.codes, self.counts, self.totals, self.language)
        self._update_side()
        self._note_revision()

    # -- other writers ---------------------------------------------------------------------------
    def _note_revision(self) -> None:
        """After the app showed its own write: remember the file's revision, so the poll does not redo it.

        Only if no other connection wrote meanwhile (PRAGMA data_version, the first half, moves only for
        other connections' commits); otherwise the next poll shows their change.
        """
        revision = self.project.revision()
        if self._revision is None or revision[0] == self._revision[0]:
            self._revision = revision

    def _poll_revision(self) -> None:
        """Every POLL_SECONDS: if the file changed since the screen last showed it, show it again."""
        if len(self.screen_stack) > 1:
            return  # a dialog or another screen is open: refresh when the user is back on the main screen
        if self.project.revision() != self._revision:
            try:
                self._sync()
            except QualcodeError:  # e.g. the open document or the highlighted code is gone: reload it all
                try:
                    self.action_refresh(quiet=True)
                except QualcodeError as exc:
                    self._revision = self.project.revision()  # say it once, not on every tick
                    self.notify(say_error(str(exc), self.language), severity="error")

    def _sync(self) -> None:
        """Show the file as it is now: codes (if the codebook changed), codings, counts, segments and status.

        Nothing moves: the transcript keeps its cursor, selection and scroll, the trees their cursors, the
        segments panel its highlighted coding.
        """
        self._revision = self.project.revision()  # first: a write landing while we read is seen on the next poll
        codes = self.project.codebook.codes()
        if codes != self.codes:
            self._set_codes(codes)
        self.refresh_codings()

    def _set_codes(self, codes: list[Code]) -> None:
        self.codes = codes
        if self.selected_code is not None and all(c.id != self.selected_code for c in codes):
            self.selected_code = None
        self._fill_codes()

    def action_refresh(self, quiet: bool = False) -> None:
        """Reload everything from the file: the documents tree and case names, the code tree, the codings."""
        self._case_names = {c.id: c.name for c in self.project.documents.cases()}
        self.query_one(DocumentsTree).fill(self.project)
        ids = [d.id for d in self.project.documents.documents()]
        if self.document_id is not None and self.document_id not in ids:  # removed meanwhile
            self.document_id = None
            self.turns, self.turn_starts = [], []
            self.view.show_document("", [], [])
        if self.document_id is None and ids:
            self.open_document(ids[0])
        self._set_codes(self.project.codebook.codes())
        self._sync()
        if not quiet:
            self.notify(label("refreshed", self.language), timeout=2)

    def _codings_at_cursor(self) -> list[Coding]:
        start, end = self.view.selected_span
        if start == end:
            return [c for c in self.codings if c.start <= start < c.end]
        return [c for c in self.codings if c.start < end and c.end > start]

    def _update_side(self) -> None:
        segments = self.query_one(SegmentsList)
        names, colors = self._names(), self._colors()
        if self.selected_code is not None and self.focused is not self.view:
            quotes = self.project.codings.select(
                code=self.selected_code, include_descendants=True, coder=self.coder if self.only_mine else None
            )
            segments.show(
                quotes,
                names,
                colors,
                quotes=True,
                title=label("quotes_of", self.language, name=names.get(self.selected_code, "")),
                empty="—",
            )
        else:
            segments.show(
                self._codings_at_cursor(),
                names,
                colors,
                quotes=False,
                title=label("segments", self.language),
                empty=label("no_codings_here", self.language),
            )
        self._update_status()

    def _update_status(self) -> None:
        lang = self.language
        parts = [str(self.project.path.name), f"{label('coder', lang)} {self.coder}"]
        if self.document_id is not None:
            doc = self._document
            case_name = self._case_names.get(doc.case_id, "")
            parts.append(f"{doc.case_id} {case_name} · {doc.title}".strip())
            start, end = self.view.selected_span
            offset = self.view.cursor_offset
            turn = self._turn_at(offset)
            if turn is not None:
                parts.append(label("turn", lang, n=turn.number) + f" {turn.speaker}")
            parts.append(f"{label('offset', lang)} {offset}")
            if end > start:
                parts.append(label("selected", lang, n=end - start))
            parts.append(label("doc_codings", lang, n=len(self.codings)))
            keyword = self.keyword_status(offset)
            if keyword:
                parts.append(keyword)
        parts.append(label("all_codings", lang, n=sum(self.counts.values())))
        parts.append(label("blind" if self.blind else "only_mine" if self.only_mine else "everyone", lang))
        text = " · ".join(parts)
        if text != self._status_text:  # the status changes on cursor moves: no relayout (its height is fixed)
            self._status_text = text
            self.query_one("#status", Static).update(text, layout=False)

    def _turn_at(self, offset: int):
        if self.document_id is None:
            return None
        index = bisect_right(self.turn_starts, offset) - 1
        if index >= 0 and self.turns[index].start <= offset <= self.turns[index].end:
            return self.turns[index]
        return None

    def _save_place(self) -> None:
        if self.document_id is not None:
            try:
                self.project.save_place(self.coder, self.document_id, self.view.cursor_offset)
            except QualcodeError:
                pass
            self._note_revision()

    # -- events ----------------------------------------------------------------------------------
    def on_tree_node_selected(self, event) -> None:
        if event.control.id == "documents" and isinstance(event.node.data, int):
            self.open_document(event.node.data)
            if self.narrow and self.panels["cases"]:
                self.action_toggle_panel("cases")
            self.view.focus()

    def on_tree_node_highlighted(self, event) -> None:
        if event.control.id == "codes" and isinstance(event.node.data, str):
            self.selected_code = event.node.data
            self._update_side()

    def on_descendant_focus(self, event) -> None:
        self._update_side()

    def _selection_moved(self) -> None:
        """The transcript's selection changed (TranscriptView calls this as it happens)."""
        if self.document_id is not None:
            self._update_side()
            self.follow_cursor()

    def on_option_list_option_selected(self, event) -> None:
        if event.control.id != "segments" or not event.option.id:
            return
        coding = self.project.codings.get(event.option.id)
        self.jump_to(coding.document_id, coding.start, coding.end)

    def jump_to(self, document_id: int, start: int, end: int) -> None:
        if document_id != self.document_id:
            self.open_document(document_id, select=(start, end))
        else:
            self.view.select_span(start, end)
        self.view.focus()

    # -- navigation and other screens ------------------------------------------------------------
    def search_screen(self) -> tuple[Screen, bool]:
        from qualcode.tui.screens.search import SearchScreen

        return self.keep_screen(
            "search", (id(self.work), self.language), lambda: SearchScreen(self.work, self.language, self.last_query)
        )

    async def _prepare_dialogs(self) -> None:
        """Build the code picker and the search screen while the user reads, so that the first `c` and `/` show
        them as fast as every later one (building them took 60–130 ms: benchmarks/tui_keys.py). Waits while keys
        are being pressed; a dialog opened before is simply built then, as it always was."""
        if self.idle_gc.seconds_since_key() < PREPARE_QUIET:
            self.set_timer(PREPARE_QUIET, self._prepare_dialogs)
            return
        for make in (self.picker_screen, self.search_screen):
            screen, kept = make()
            if not kept:
                await start_screen(self, screen)
        self._prepare_panels()

    def _prepare_panels(self) -> None:
        """On a narrow screen, lay the hidden overlay panels out once, off the screen's edge, so that the first
        `p` or `b` does not pay for their trees' first layout (two frames more than every later showing).
        (`visibility: hidden` is not laid out at all.)"""
        if not self.narrow or len(self.screen_stack) != 1:
            return
        hidden = [panel for panel in self.query("#documents, #side") if not panel.display]
        if not hidden:
            return
        for panel in hidden:
            panel.styles.offset = (self.size.width, 0)  # laid out beside the screen: sized, never drawn
            panel.display = True
        self._panels_aside = hidden
        self.set_timer(0.1, self._layout_panels)  # after the layout that arranges them (a few frames)

    def action_search(self) -> None:
        screen, kept = self.search_screen()
        if kept:
            screen.reopen()

        def done(outcome) -> None:
            self.last_query = screen.last_query
            if outcome is None:
                return
            self.hits, self.hit_index = outcome.hits, outcome.index
            self._goto_hit()

        self.push_screen(screen, done)

    def _goto_hit(self) -> None:
        hit = self.hits[self.hit_index]
        self.jump_to(hit.document, hit.start, hit.end)

    def action_next_hit(self) -> None:
        self._step_hit(1)

    def action_previous_hit(self) -> None:
        self._step_hit(-1)

    def _step_hit(self, step: int) -> None:
        if not self.hits:
            self.notify(label("no_hits", self.language), severity="warning")
            return
        self.hit_index = (self.hit_index + step) % len(self.hits)
        self._goto_hit()

    def action_ratings(self) -> None:
        from qualcode.tui.screens.ratings import RatingsScreen

        def done(jump) -> None:
            self.refresh_codings()
            if jump is not None:
                self.jump_to(jump.document, jump.start, jump.end)

        self.push_screen(RatingsScreen(self.work, self.coder, self.language), done)

    def action_review(self) -> None:
        """Orphaned and re-anchored codings: attach to the current selection, delete, check, or go there."""
        from qualcode.tui.screens.review import ReviewScreen, Selection

        selection = None
        if self.document_id is not None:
            start, end = self.view.selected_span
            if end > start:
                selection = Selection(self.document_id, start, end)

        def done(jump) -> None:
            self.refresh_codings()
            if jump is not None:
                self.jump_to(jump.document, jump.start, jump.end)

        self.push_screen(ReviewScreen(self.work, self.coder, self.language, selection), done)

    def action_manage_codes(self) -> None:
        """The code manager: rename, move, merge, delete, colour, key and definition of the codes (undo with u)."""
        from qualcode.tui.screens.codes import CodesScreen

        def done(_) -> None:
            self._set_codes(self.project.codebook.codes())
            self.refresh_codings()

        self.push_screen(CodesScreen(self.project, self.coder, self.language, self.selected_code), done)

    def action_memos(self) -> None:
        """Memos on the project, the open document, its case or the code highlighted in the code tree."""
        from qualcode.tui.screens.codes import MemoTargetsScreen

        def done(message: str | None) -> None:
            if message:
                self.notify(message, timeout=2)
            self._note_revision()

        screen = MemoTargetsScreen(self.project, self.coder, self.language, document_id=self.document_id,
                                   code_id=self.selected_code)  # fmt: skip
        self.push_screen(screen, done)

    def action_adjudicate(self) -> None:
        """Where the coders disagree: decide each unit, written as the consensus coder's codings."""
        from qualcode.tui.screens.adjudicate import AdjudicateScreen

        if isinstance(self.screen, AdjudicateScreen):
            return
        if self.blind:
            self.notify(label("blind_no_adjudicate", self.language), severity="warning")
            return

        def done(jump) -> None:
            self.refresh_codings()
            if jump is not None:
                self.jump_to(jump.document, jump.start, jump.end)

        self.push_screen(AdjudicateScreen(self.project, self.consensus, self.language), done)

    def action_export(self) -> None:
        from qualcode.tui.screens.export import ExportScreen

        self.push_screen(ExportScreen(self.project, self.coder, self.language))

    # The main screen's keys act on the transcript and open screens over it; on another screen (ratings, review,
    # adjudication…) they would act on a transcript the user cannot see, or stack screens: only these stay.
    # Textual's own app actions (tab's focus_next, the palette, copy…) are not ours and stay too.
    MAIN_SCREEN_ONLY = frozenset(k.action.split("(")[0] for k in keymap.APP_KEYS) - {
        "help",
        "toggle_language",
        "quit",
        "refresh",
    }

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action not in self.MAIN_SCREEN_ONLY or not self.screen_stack:
            return True
        return self.screen is self.screen_stack[0]

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.language, self.keys, poll_seconds=POLL_SECONDS))

    def action_toggle_only_mine(self) -> None:
        if self.blind:
            self.notify(label("blind_locked", self.language), severity="warning")
            return
        self.only_mine = not self.only_mine

    def watch_only_mine(self) -> None:
        if self.is_mounted:
            self.refresh_codings()

    def action_toggle_language(self) -> None:
        """中文 ↔ English, remembered as `language` in the config file."""
        from qualcode.config import save_setting

        self.language = "en" if self.language == "zh" else "zh"
        try:
            save_setting("language", self.language)
        except QualcodeError as exc:
            self.notify(say_error(str(exc), self.language), severity="warning")

    def watch_language(self) -> None:
        if not self.is_mounted:
            return
        self._titles()
        self._rebind()
        self._fill_codes()
        self._update_side()
        if self.suggesting:
            self._show_suggestions()

    def _rebind(self) -> None:
        """The app's bindings in its language, with the footer of its width."""
        replace_bindings(self, keymap.bindings(keymap.APP_KEYS, self.language, narrow=self.narrow))
        self.refresh_bindings()

    def keep_screen(self, name: str, key: tuple, build) -> tuple[Screen, bool]:
        """The dialog `name`, built by `build()` the first time or when `key` (what it was built from: the codes,
        the language...) changed, and otherwise the one built before: shown again it is restyled and repainted,
        not composed, mounted and laid out anew, which was most of the time the key took (benchmarks/tui_keys.py).
        Returns the screen and whether it was kept (a kept one resets itself for its next showing)."""
        old = self.kept_screens.get(name)
        if old is not None and getattr(old, "kept_key", None) == key:
            return old, True
        if old is not None:
            self.uninstall_screen(old)
            old.remove()
        screen = build()
        screen.kept_key = key
        self.install_screen(screen, name)
        self.kept_screens[name] = screen
        return screen, False

    def push_screen(self, screen, *args, **kwargs):  # type: ignore[override]
        """Every screen's keys in the app's language: a screen with `KEYS` is relabelled as it opens."""
        keys = getattr(screen, "KEYS", None)
        if isinstance(screen, Screen) and keys:
            replace_bindings(screen, keymap.bindings(keys, self.language, narrow=self.narrow))
        return super().push_screen(screen, *args, **kwargs)

    # -- the side panels -------------------------------------------------------------------------
    def on_resize(self, event) -> None:
        self.narrow = event.size.width < keymap.WIDE

    def watch_narrow(self) -> None:
        if self.is_mounted:
            self._layout_panels(reset=True)

    def _layout_panels(self, *, reset: bool = False) -> None:
        """Wide: the panels beside the transcript (shown unless hidden with b/p). Narrow: the transcript takes
        the whole width and a panel asked for with b/p lies over it."""
        if reset:
            self.panels = {"cases": not self.narrow, "codes": not self.narrow}
        for panel in self._panels_aside:  # back from _prepare_panels (or a key came first)
            panel.styles.offset = (0, 0)
        self._panels_aside = []
        main = self.query_one("#main")
        main.set_class(self.narrow, "narrow")
        # shown or hidden on the panel itself: a class on #main restyled every widget under it (10-15 ms a key)
        self.query_one("#documents").display = self.panels["cases"]
        self.query_one("#side").display = self.panels["codes"]
        self.query_one("#status").set_class(self.narrow, "narrow")  # two lines: a narrow status wraps
        if reset:  # the footer follows the size, not the panels
            self._rebind()

    def action_toggle_panel(self, which: str) -> None:
        self.panels[which] = not self.panels[which]
        if self.narrow and self.panels[which]:  # one overlay at a time on a narrow screen
            self.panels = {name: name == which for name in self.panels}
        self._layout_panels()
        panel = self.query_one(DocumentsTree if which == "cases" else CodeTree)
        if self.panels[which]:
            # Screen.set_focus now, not Widget.focus (which defers it to after the next frame): the focused
            # border then changes in the same frame as the panel appears, not in a second one
            self.screen.set_focus(panel)
        elif self.focused is None or self.focused is panel or panel in self.focused.ancestors:
            self.view.focus()
        if not self.panels["codes"] and self.focused is self.query_one(SegmentsList):
            self.view.focus()

    def _document_step(self, step: int) -> None:
        ids = [d.id for d in self.project.documents.documents()]
        if not ids:
            return
        index = ids.index(self.document_id) if self.document_id in ids else -1
        self.open_document(ids[(index + step) % len(ids)])
        self.view.focus()

    def action_next_document(self) -> None:
        self._document_step(1)

    def action_previous_document(self) -> None:
        self._document_step(-1)

    async def action_quit(self) -> None:
        self._save_place()
        self.exit()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for key in keymap.APP_KEYS:
            if key.action.startswith("apply_shortcut"):
                continue
            yield SystemCommand(
                f"{key.zh} · {key.en}",
                f"[{key.id}] {self.keys.get(key.id, key.keys)}",
                lambda action=key.action: self.run_action(action),
            )
        for code in self.codes:
            yield SystemCommand(
                f"套用代碼 · Apply code: {code.name} ({code.id})",
                code.name_en or code.id,
                lambda code_id=code.id: self.apply_code(code_id),
            )
