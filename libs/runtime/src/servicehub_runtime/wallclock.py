"""Time as a dependency: code that needs "now" takes a `Clock`; one clock serves a whole
service, so tests pass a `ManualClock` and move time by hand."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class ManualClock:
    """A clock that stands still until a test moves it; whoever sleeps on time (the deadline
    scheduler) registers with `on_moved` and is woken at every move."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("a clock's time must be timezone-aware")
        self._now = start
        self._listeners: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        return self._now

    def advance(self, by: timedelta) -> None:
        if by < timedelta(0):
            raise ValueError("time does not run backwards")
        with self._lock:
            self._now += by
            listeners = list(self._listeners)
        for listener in listeners:
            listener()

    def on_moved(self, listener: Callable[[], None]) -> None:
        with self._lock:
            self._listeners.append(listener)
