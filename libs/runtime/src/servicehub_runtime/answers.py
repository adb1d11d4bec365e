"""Answers to queries of one aggregate, kept while the aggregate is unchanged.

Replaying an aggregate's events and building the answer cost most of such a query's CPU;
the aggregate's latest version is one point read of the event store's index. An answer is
kept with the version it was built from and given again while that is still the latest
version in the store, so a query still reflects every event recorded before it.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar
from uuid import UUID

from .eventstore import SQLiteBatchRecorder, TracedEventApplication

Answer = TypeVar("Answer")

DEFAULT_KEPT = 4096


class Answers(Generic[Answer]):
    """`get(id)`: `build(load(id))`, kept for the aggregate's version (at most `kept` answers,
    the oldest dropped first). Answers are shared between callers: nobody may change one."""

    def __init__(
        self,
        application: TracedEventApplication,
        load: Callable[[UUID], Any],
        build: Callable[[Any], Answer],
        kept: int = DEFAULT_KEPT,
    ) -> None:
        self._latest_version = _latest_version_reader(application)
        self._load = load
        self._build = build
        self._max_kept = kept
        self._kept: dict[UUID, tuple[int, Answer]] = {}
        self._lock = threading.Lock()  # for eviction; callers may be on several threads

    def get(self, aggregate_id: UUID) -> Answer:
        """The answer for the aggregate as stored now; whatever `load` raises (e.g.
        eventsourcing's AggregateNotFoundError) when there is none."""
        kept = self._kept.get(aggregate_id)
        if kept is not None:
            if self._latest_version(aggregate_id) == kept[0]:
                return kept[1]
        aggregate = self._load(aggregate_id)
        answer = self._build(aggregate)
        with self._lock:
            if aggregate_id not in self._kept and len(self._kept) >= self._max_kept:
                del self._kept[next(iter(self._kept))]
            self._kept[aggregate_id] = (aggregate.version, answer)
        return answer


def _latest_version_reader(application: TracedEventApplication) -> Callable[[UUID], int | None]:
    """The latest stored version of an aggregate. On SQLite from a connection of the calling
    thread's own (eventsourcing's pool, transaction and cursor wrappers cost several times
    the query); WAL mode lets it read the last commit while another thread writes."""
    recorder = application.recorder
    if not isinstance(recorder, SQLiteBatchRecorder):

        def latest_version(aggregate_id: UUID) -> int | None:
            latest = recorder.select_events(aggregate_id, desc=True, limit=1)
            return latest[0].originator_version if latest else None

        return latest_version

    database = recorder.datastore.pool.db_name
    query = (
        f"SELECT max(originator_version) FROM {recorder.events_table_name}"  # noqa: S608 (a name)
        " WHERE originator_id = ?"
    )
    connections = threading.local()

    def latest_sqlite_version(aggregate_id: UUID) -> int | None:
        connection = getattr(connections, "connection", None)
        if connection is None:
            connection = connections.connection = sqlite3.connect(
                database, uri=True, check_same_thread=False, isolation_level=None
            )
        return connection.execute(query, (aggregate_id.hex,)).fetchone()[0]

    return latest_sqlite_version
