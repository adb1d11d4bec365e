"""What the deadline benchmarks measure alike (not a benchmark itself: `make bench` runs
bench_*.py only)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Hashable
from datetime import UTC, datetime
from pathlib import Path


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class CommittedLateness:
    """Lateness of deadline firings, due instant to the commit of their outcome.

    Firings share a transaction: a firing counts as fired once its outcome is committed,
    i.e. at the next write announced (`committed`, an application's `on_recorded` listener)
    by the thread that ran it. `done` is set when `expected` firings have been committed.
    Make it inside the running event loop."""

    def __init__(self, expected: int) -> None:
        self.seconds: list[float] = []
        self.done = asyncio.Event()
        self._expected = expected
        self._loop = asyncio.get_running_loop()
        self._lock = threading.Lock()
        self._uncommitted = threading.local()

    def fired(self, key: Hashable, due: datetime) -> None:
        """In the firing's thread: `key`, due at `due`, fired; its outcome is not committed yet."""
        if not hasattr(self._uncommitted, "due"):
            self._uncommitted.due = {}
        self._uncommitted.due[key] = due

    def committed(self) -> None:
        due = getattr(self._uncommitted, "due", None)
        if not due:
            return
        now = datetime.now(UTC)
        with self._lock:
            self.seconds.extend((now - at).total_seconds() for at in due.values())
            if len(self.seconds) == self._expected:
                self._loop.call_soon_threadsafe(self.done.set)
        due.clear()
