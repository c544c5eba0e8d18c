"""Full garbage collections while the user is idle, not in the middle of a key press.

CPython starts a full (generation 2) collection by itself when enough objects have survived the younger
generations; in a Textual app that is mostly the renderer's caches, and the collection then walks every tracked
object: pauses of 30-90 ms inside key presses at 200x60 (benchmarks/tui_keys.py counts them). `IdleCollector`
raises the full-collection threshold out of reach while the app runs (the young generations are collected as
usual: most garbage is freed by reference counting or there) and collects everything itself once the keyboard
has been quiet for `QUIET` seconds, or after `LONGEST` seconds of continuous typing at the latest, so memory
stays bounded over a working day. `stop()` puts the thresholds back (tests run many apps in one process).
"""

from __future__ import annotations

import gc
import time

QUIET = 1.5  # seconds without a key before a full collection may run
LONGEST = 60.0  # seconds: a full collection runs at least this often, typing or not
OUT_OF_REACH = 1_000_000  # generation-1 collections before CPython would start a full one by itself


class IdleCollector:
    def __init__(self) -> None:
        self._saved: tuple[int, int, int] | None = None
        self.last_key = time.monotonic()
        self.last_full = time.monotonic()
        self.collections = 0

    def start(self) -> None:
        if self._saved is None:
            self._saved = gc.get_threshold()
            gc.set_threshold(self._saved[0], self._saved[1], OUT_OF_REACH)

    def stop(self) -> None:
        if self._saved is not None:
            gc.set_threshold(*self._saved)
            self._saved = None

    def key_pressed(self) -> None:
        self.last_key = time.monotonic()

    def seconds_since_key(self) -> float:
        return time.monotonic() - self.last_key

    def tick(self) -> bool:
        """Called now and then (a timer): collect if the keyboard is quiet or it has been too long."""
        now = time.monotonic()
        if self._saved is None:
            return False
        if (now - self.last_key >= QUIET and self.last_full < self.last_key) or now - self.last_full >= LONGEST:
            gc.collect()
            self.last_full = time.monotonic()
            self.collections += 1
            return True
        return False
