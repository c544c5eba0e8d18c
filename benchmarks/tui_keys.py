"""TUI keypress-to-screen latency on the bundled A–E project, at 80×24 and 200×60, with the Pilot.

Usage: python benchmarks/tui_keys.py [--rounds 10] [--blocks 3] [--sizes 80x24,200x60] [--profile KEY]

Target: every everyday key's response <= 50 ms p95. The project is built as `qualcode demo --no-tui` builds it
(`qualcode.project.build_demo`); the app opens transcript A (10,545 characters), toasts shown as in a terminal.

Each round puts the cursor at a seeded random offset of the transcript (not timed), then presses, one at a time:
right, down, pagedown, shift+right, t (select the turn), 1 (apply code 1 to it), u (undo it: the state is kept),
c + escape (code picker), / + escape (search), p p and b b (the side panels: hidden/shown on a wide screen,
overlaid/hidden on a narrow one), L L (English and back), ] and [ (next document and back).

What "the screen has been updated" means here: the time from just before the key is sent (`pilot.press`) to the
end of the last frame the app rendered in response: the last compositor update handed to the display before the
app is quiet again (`pilot.press`, then `pilot.pause()` until a pause draws nothing more: every pending message
handled, the 60-fps update timer fired, nothing left dirty). Frames are caught by wrapping the app's `_display`,
which Textual calls with every rendered update, headless included; that is the one private name used, and it is
only observed. The waits between the key and its frames (the app's work, each frame's wait for the update
timer's tick) are counted; nothing is subtracted. A press after which nothing was drawn has no such time: it is
counted apart (the bare app's `t`, `/`, digits... draw nothing). The Pilot's own sleeps (`pilot.press` sleeps
twice and `pilot.pause()` once, >= 20 ms each whatever the app does) are not the app's latency; the press +
pause wall time is printed too ("pilot") so the harness is visible.
Each app sits READ_FIRST seconds after it opens before the first key, as a user reads before pressing one:
qualcode builds its code picker and search screen in such a pause (the bare app gets the same pause).
Each key starts from a quiet screen: toasts cleared and pending frames drawn first (not timed), so a toast that
expires or a frame left over from the key before is not charged to it. The text area's cursor blink is off in
both apps (a read-only TextArea draws no blink, but its timer repaints the cursor row twice a second), and so is
that of the picker's and the search's text boxes (a blink landing within a key's frames was counted as its own).
Full (generation 2) garbage collections that ran inside a press are counted (gc.callbacks) and their longest pause
printed, so a tail made of collector pauses is told apart from the app's own work.

Baseline, in the same run and interleaved with the app in blocks so the machine's noise hits both alike: the same
keys on a bare Textual app holding one read-only TextArea with the same transcript text. Where the bare app
repaints for the key, the ratio is against that key; where it shows nothing (it has no such key), against the
bare app's `right`, the cheapest key that repaints anything in any Textual app (marked *).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import os
import pstats
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_MS = 50.0
READ_FIRST = 1.5  # seconds between opening an app and its first key, as a user reads first (both apps)
SETTLE_PAUSES = 10  # at most this many pauses while waiting for the app to draw nothing more

# (label, key as the Pilot presses it); the order is one round's.
KEYS: list[tuple[str, str]] = [
    ("right", "right"),
    ("down", "down"),
    ("pagedown", "pagedown"),
    ("shift+right", "shift+right"),
    ("t select turn", "t"),
    ("1 apply code", "1"),
    ("u undo", "u"),
    ("c picker", "c"),
    ("escape picker", "escape"),
    ("/ search", "slash"),
    ("escape search", "escape"),
    ("p panel #1", "p"),
    ("p panel #2", "p"),
    ("b panel #1", "b"),
    ("b panel #2", "b"),
    ("L language #1", "L"),
    ("L language #2", "L"),
    ("] next doc", "right_square_bracket"),
    ("[ prev doc", "left_square_bracket"),
]
REFOCUS_BEFORE = "L language #1"  # the panel keys leave a tree focused: the view gets it back, untimed


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))]


@dataclass(frozen=True)
class Press:
    screen: float | None  # seconds from the key to the end of the last frame it caused (None: nothing drawn)
    first: float | None  # to the end of the first frame
    wall: float  # pilot.press + pilot.pause(), the harness's sleeps included
    frames: int
    full_gc: float  # seconds of full (generation 2) garbage collection between the key and its last frame


@dataclass
class Samples:
    screen: dict[str, list[float]] = field(default_factory=dict)  # key to the end of its last frame, seconds
    first: dict[str, list[float]] = field(default_factory=dict)  # key to the end of its first frame
    frames: dict[str, list[int]] = field(default_factory=dict)  # frames drawn per press
    pilot: dict[str, list[float]] = field(default_factory=dict)  # press + pause wall time, harness included
    full_gc: dict[str, list[float]] = field(default_factory=dict)  # full collections' pauses inside the press
    no_frame: dict[str, int] = field(default_factory=dict)  # presses after which nothing was repainted
    skipped: dict[str, int] = field(default_factory=dict)

    def add(self, label: str, press: Press) -> None:
        self.pilot.setdefault(label, []).append(press.wall)
        self.frames.setdefault(label, []).append(press.frames)
        if press.screen is None or press.first is None:  # nothing on screen changed: no time to count
            self.no_frame[label] = self.no_frame.get(label, 0) + 1
            return
        self.screen.setdefault(label, []).append(press.screen)
        self.first.setdefault(label, []).append(press.first)
        if press.full_gc:
            self.full_gc.setdefault(label, []).append(press.full_gc)


class FullCollections:
    """(start, end) perf_counter() of every full (generation 2) garbage collection, through gc.callbacks."""

    def __init__(self) -> None:
        self.spans: list[tuple[float, float]] = []
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.spans.append((self._started, time.perf_counter()))

    def within(self, start: float, end: float) -> float:
        return sum(min(b, end) - max(a, start) for a, b in self.spans if a < end and b > start)


COLLECTIONS = FullCollections()


def watch_frames(app) -> list[float]:
    """perf_counter() at the end of every frame the app renders (observed only: the original runs unchanged)."""
    stamps: list[float] = []
    original = app._display

    def display(screen, renderable) -> None:
        original(screen, renderable)
        if renderable is not None:
            stamps.append(time.perf_counter())

    app._display = display
    return stamps


async def settle(pilot, frames: list[float]) -> None:
    """`pilot.pause()` until a pause draws nothing more: no message, refresh or layout is left pending."""
    for _ in range(SETTLE_PAUSES):
        drawn = len(frames)
        await pilot.pause()
        if len(frames) == drawn:
            return


async def timed_press(pilot, frames: list[float], key: str) -> Press:
    """Time one key on a settled app (nothing pending, no toast up): to its last frame and to its first."""
    frames.clear()
    started = time.perf_counter()
    await pilot.press(key)
    await pilot.pause()
    wall = time.perf_counter() - started
    await settle(pilot, frames)  # a frame the key caused after the first pause still counts
    if not frames:
        return Press(None, None, wall, 0, 0.0)
    gc_pause = COLLECTIONS.within(started, frames[-1])
    return Press(frames[-1] - started, frames[0] - started, wall, len(frames), gc_pause)


def offset_to_location(text: str, offset: int) -> tuple[int, int]:
    row = text.count("\n", 0, offset)
    return row, offset - (text.rfind("\n", 0, offset) + 1)


async def press_round(pilot, frames: list[float], samples: Samples, *, focus, before_key=None, profile=None) -> None:
    """One round: every key of KEYS once, each measured from a quiet screen (toasts cleared, not timed)."""
    for label, key in KEYS:
        if label == REFOCUS_BEFORE:
            focus()
        if before_key is not None and not before_key(label):
            continue
        pilot.app.clear_notifications()
        await settle(pilot, frames)
        if profile is not None and profile[0] == label:
            profile[1].enable()
        press = await timed_press(pilot, frames, key)
        if profile is not None and profile[0] == label:
            profile[1].disable()
        samples.add(label, press)


async def run_qualcode(db: Path, size: tuple[int, int], offsets: list[int], samples: Samples, profile=None) -> None:
    from textual.widgets import Input

    from qualcode.project import Project
    from qualcode.tui.app import QualcodeApp

    project = Project.open(db)
    app = QualcodeApp(project, coder="bench", language="zh")
    try:
        async with app.run_test(size=size, notifications=True) as pilot:
            app.view.cursor_blink = False
            frames = watch_frames(app)
            await asyncio.sleep(READ_FIRST)  # the user reads before the first key (the app prepares its dialogs)
            await pilot.pause()
            for kept in app.kept_screens.values():  # the dialogs' text boxes blink no more than the text area
                for box in kept.query(Input):
                    box.cursor_blink = False
            # the first document, whatever place `]`/`[` saved last time: the bare app holds the same text
            home = project.documents.documents()[0].id
            codings = 0

            def before_key(label: str) -> bool:
                nonlocal codings
                if label == "1 apply code":
                    codings = len(app.codings)
                if label == "u undo" and len(app.codings) != codings + 1:  # nothing applied: keep the history
                    samples.skipped[label] = samples.skipped.get(label, 0) + 1
                    return False
                if label == "c picker" and len(app.codings) != codings:
                    raise RuntimeError("undo did not remove the coding the benchmark applied")
                return True

            for offset in offsets:
                if app.document_id != home:
                    app.open_document(home)
                app.view.focus()
                app.view.select_span(offset, offset)
                await press_round(pilot, frames, samples, focus=app.view.focus, before_key=before_key, profile=profile)
                assert len(app.screen_stack) == 1, "a screen was left open"
    finally:
        project.close()


async def run_bare(text: str, size: tuple[int, int], offsets: list[int], samples: Samples) -> None:
    from textual.app import App
    from textual.widgets import TextArea
    from textual.widgets.text_area import Selection

    class Bare(App):
        def compose(self):
            yield TextArea(text, read_only=True, soft_wrap=True)

    app = Bare()
    async with app.run_test(size=size, notifications=True) as pilot:
        area = app.query_one(TextArea)
        area.cursor_blink = False
        frames = watch_frames(app)
        await asyncio.sleep(READ_FIRST)
        await pilot.pause()
        for offset in offsets:
            location = offset_to_location(text, offset)
            area.focus()
            area.selection = Selection(location, location)
            area.scroll_cursor_visible(center=True)
            await press_round(pilot, frames, samples, focus=area.focus)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def report(size: tuple[int, int], ours: Samples, bare: Samples) -> bool:
    """One line per key: p50, p95, n, pass/fail; the bare app's p50 and the ratio; first frame; frames; full
    garbage collections; the Pilot's wall time."""
    ok = True
    floor = percentile(bare.screen["right"], 0.5)
    print(
        f"\n{size[0]}×{size[1]}: ms from the key to the screen updated (its last frame); target p95 <= {TARGET_MS:.0f}"
    )
    print(
        f"  {'key':<15}{'p50':>7}{'p95':>7}{'n':>4}      {'bare p50':>8}{'ratio':>7}  "
        f"{'1st frame':>9}{'frames':>7}{'full GC':>13}{'pilot':>10}  notes"
    )
    for label, _ in KEYS:
        values = ours.screen.get(label, [])
        if not values:
            print(f"  {label:<15}  nothing drawn in {ours.no_frame.get(label, 0)} presses: FAIL")
            ok = False
            continue
        p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
        passed = p95 * 1000 <= TARGET_MS
        ok &= passed
        bare_drew = bool(bare.screen.get(label))
        b50 = percentile(bare.screen[label], 0.5) if bare_drew else floor
        notes = []
        if ours.no_frame.get(label):
            notes.append(f"{ours.no_frame[label]} presses drew nothing")
        if ours.skipped.get(label):
            notes.append(f"{ours.skipped[label]} skipped (nothing applied)")
        ratio = f"{p50 / b50:.1f}x" + ("*" if not bare_drew else "")
        pilot = f"{percentile(ours.pilot[label], 0.5) * 1000:.0f}/{percentile(bare.pilot[label], 0.5) * 1000:.0f}"
        frames = percentile([float(n) for n in ours.frames[label]], 0.5)
        pauses = ours.full_gc.get(label, [])
        collections = f"{len(pauses)}× ≤{max(pauses) * 1000:.0f}" if pauses else "-"
        print(
            f"  {label:<15}{ms(p50):>7}{ms(p95):>7}{len(values):4d}  {'ok' if passed else 'FAIL':<4}"
            f"{ms(b50):>8}{ratio:>7}  {ms(percentile(ours.first[label], 0.5)):>9}{frames:7.0f}{collections:>13}"
            f"{pilot:>10}  {'; '.join(notes)}"
        )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="rounds per block (each presses every key once)")
    parser.add_argument("--blocks", type=int, default=3, help="blocks per size, app and bare app alternating")
    parser.add_argument("--sizes", default="80x24,200x60")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", metavar="KEY", help="cProfile the presses of this key label (e.g. 'pagedown')")
    args = parser.parse_args()
    if args.profile is not None and args.profile not in dict(KEYS):
        parser.error(f"--profile: no key labelled {args.profile!r}; the labels: {', '.join(dict(KEYS))}")
    sizes = [tuple(int(x) for x in s.split("x")) for s in args.sizes.split(",")]

    workdir = Path(tempfile.mkdtemp(prefix="qualcode-tui-keys-"))
    os.environ["QUALCODE_CONFIG"] = str(workdir / "config.toml")  # L saves the language: not the user's file
    from qualcode.project import build_demo

    db = workdir / "demo.db"
    project = build_demo(db)
    first = project.documents.documents()[0]
    text = project.documents.text(first.id)
    project.close()
    print(
        f"bundled project: {len(text):,}-character transcript {first.case_id} open; "
        f"{args.blocks} blocks × {args.rounds} rounds per size, {len(KEYS)} keys a round"
    )

    rng = random.Random(args.seed)
    profiler = (args.profile, cProfile.Profile()) if args.profile else None
    ok = True
    for size in sizes:
        ours, bare = Samples(), Samples()
        for _ in range(args.blocks):
            # early enough that down, pagedown (a page is ~2,500 characters at 200×60) and shift+right still move
            offsets = [rng.randrange(0, max(1, len(text) - 4000)) for _ in range(args.rounds)]
            asyncio.run(run_bare(text, size, offsets, bare))
            asyncio.run(run_qualcode(db, size, offsets, ours, profiler))
        ok &= report(size, ours, bare)
    print(
        "\np50/p95: ms from the key to the end of the last frame it caused. bare p50: the same key on a bare Textual "
        "app holding one TextArea\n(*: the bare app draws nothing for it: its `right` instead). 1st frame: ms to "
        "the end of the first frame (p50). frames: drawn per press (p50).\nfull GC: presses during which a full "
        "(generation 2) garbage collection ran, and its longest pause in ms. pilot: pilot.press + pilot.pause() "
        "wall time,\nours/bare (p50), the Pilot's >= 60 ms of sleeps included."
    )
    print(f"every key <= {TARGET_MS:.0f} ms p95 at every size: {'yes' if ok else 'NO'}")
    if profiler is not None:
        print(f"\ncProfile of the presses of {args.profile!r} (press + pause, so asyncio's idle select shows too):")
        stats = pstats.Stats(profiler[1]).sort_stats("cumulative")
        stats.print_stats(r"qualcode|textual|rich", 60)
    return 0


if __name__ == "__main__":
    sys.exit(main())
