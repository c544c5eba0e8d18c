"""Full garbage collections run while the keyboard is quiet, and the thresholds come back when the app stops."""

from __future__ import annotations

import gc

from qualcode.tui import idle_gc
from qualcode.tui.app import QualcodeApp


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_full_collection_waits_for_a_quiet_keyboard_and_runs_at_least_once_a_minute(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(idle_gc.time, "monotonic", clock)
    runs: list[int] = []
    monkeypatch.setattr(idle_gc.gc, "collect", lambda *a: runs.append(1) or 0)
    collector = idle_gc.IdleCollector()
    saved = gc.get_threshold()
    collector.start()
    try:
        assert gc.get_threshold()[2] == idle_gc.OUT_OF_REACH and gc.get_threshold()[:2] == saved[:2]
        clock.now += 0.2
        collector.key_pressed()
        clock.now += idle_gc.QUIET - 0.1
        assert not collector.tick() and not runs  # typing a moment ago: no pause now
        clock.now += 0.2
        assert collector.tick() and len(runs) == 1  # quiet long enough: collected
        clock.now += 5
        assert not collector.tick() and len(runs) == 1  # nothing typed since: nothing new to collect for
        for _ in range(int(idle_gc.LONGEST)):  # a key every second for over a minute
            clock.now += 1
            collector.key_pressed()
            collector.tick()
        assert len(runs) == 2  # typing without a break still gets one full collection a minute
    finally:
        collector.stop()
    assert gc.get_threshold() == saved


async def test_the_app_collects_on_its_own_terms_only_while_it_runs(project):
    saved = gc.get_threshold()
    app = QualcodeApp(project, coder="alice")
    async with app.run_test() as pilot:
        await pilot.pause()
        assert gc.get_threshold() == (saved[0], saved[1], idle_gc.OUT_OF_REACH)
        before = app.idle_gc.last_key
        await pilot.press("right")
        assert app.idle_gc.last_key > before  # a key press is seen
    assert gc.get_threshold() == saved
