"""Answers to queries of one aggregate, kept while the aggregate is unchanged.

Replaying an aggregate's events and building the answer cost most of such a query's CPU;
the aggregate's latest version is one point read of the event store's index, asked on the
event loop (`TracedEventApplication.latest_version`). An answer is kept with the version it
was built from and given again while that is still the latest version in the store, so a
query still reflects every event recorded before it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar
from uuid import UUID

from .eventstore import TracedEventApplication

Answer = TypeVar("Answer")

DEFAULT_KEPT_BYTES = 64 * 1024 * 1024


class Answers(Generic[Answer]):
    """`await get(id)`: `build(load(id))`, kept for the aggregate's version, the oldest dropped
    first once the kept answers weigh over `kept_bytes` (by `size`, e.g. a message's
    ByteSize: one aggregate's answer may be large). Answers are shared between callers:
    nobody may change one."""

    def __init__(
        self,
        application: TracedEventApplication,
        load: Callable[[UUID], Any],
        build: Callable[[Any], Answer],
        size: Callable[[Answer], int],
        kept_bytes: int = DEFAULT_KEPT_BYTES,
    ) -> None:
        self._application = application
        self._load = load
        self._build = build
        self._size = size
        self._max_bytes = kept_bytes
        self._kept: dict[UUID, tuple[int, Answer, int]] = {}  # version, answer, size
        self._kept_bytes = 0
        self._lock = threading.Lock()  # answers are built on worker threads

    async def get(self, aggregate_id: UUID) -> Answer:
        """The answer for the aggregate as stored now; whatever `load` raises (e.g.
        eventsourcing's AggregateNotFoundError) when there is none. Only a changed or
        new aggregate is loaded (by the application's `point_read`)."""
        kept = self._kept.get(aggregate_id)
        if kept is not None and await self._application.latest_version(aggregate_id) == kept[0]:
            return kept[1]
        return await self._application.point_read(self._answer, aggregate_id)

    def _answer(self, aggregate_id: UUID) -> Answer:
        aggregate = self._load(aggregate_id)
        answer = self._build(aggregate)
        self._keep(aggregate_id, aggregate.version, answer)
        return answer

    def _keep(self, aggregate_id: UUID, version: int, answer: Answer) -> None:
        size = self._size(answer)
        with self._lock:
            replaced = self._kept.pop(aggregate_id, None)
            if replaced is not None:
                self._kept_bytes -= replaced[2]
            if size > self._max_bytes:
                return
            while self._kept_bytes + size > self._max_bytes:
                _, _, dropped = self._kept.pop(next(iter(self._kept)))
                self._kept_bytes -= dropped
            self._kept[aggregate_id] = (version, answer, size)
            self._kept_bytes += size

