"""Timestamps as stored: ISO 8601, UTC, to the microsecond so events sort by time."""

from __future__ import annotations

import datetime as dt


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
