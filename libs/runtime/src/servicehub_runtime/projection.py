"""Read models: disposable views projected from a service's own event log.

A view lives in its own SQLite file next to the service's data, together with the
position of the last event it applied, both written in one transaction. Because the event
log is the only source of truth, deleting the file and starting again rebuilds the view
from the first event with identical content — that is how a schema change or a suspected
corruption is handled.

Personal data stays encrypted here too: when the service's event store is encrypted
(CIPHER_KEY), the columns a view lists in `sealed_columns` hold AES-GCM ciphertext made with
the store's own cipher (so key rotation works alike), written with `SqliteView.seal` and
decrypted by `Projection.query`. A view file written in the other mode (before a key was set,
or with it removed) is deleted and rebuilt at start-up. Sealed columns cannot be searched or
sorted in SQL; ids and statuses stay in the clear for that.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Cipher
from eventsourcing.utils import get_topic

from .eventstore import Notification, TracedEventApplication
from .waiting import wait_set

log = logging.getLogger(__name__)

BATCH_SIZE = 500
IDLE_POLL_SECONDS = 1.0


def topics_of(*event_classes: type) -> frozenset[str]:
    """The topics stored events of these classes have, for `SqliteView.topics`."""
    return frozenset(get_topic(event_class) for event_class in event_classes)


class SqliteView(ABC):
    """One read model: its tables and how each domain event changes them."""

    #: CREATE TABLE statements for the view's own tables.
    schema: str
    #: Columns holding personal data, encrypted when the event store is (`seal`).
    sealed_columns: frozenset[str] = frozenset()
    #: Topics of the events `apply` uses (`topics_of` their classes), or None for every
    #: event: the others are skipped without being decrypted or decoded.
    topics: frozenset[str] | None = None
    #: Set by Projection: the event store's cipher, or None when it stores plain text.
    cipher: Cipher | None = None

    def seal(self, value: str) -> str:
        """The value as stored in a sealed column: ciphertext (base64) when encrypting; an empty
        value stays empty (a column's default), as nothing is there to hide."""
        if self.cipher is None or not value:
            return value
        return base64.b64encode(self.cipher.encrypt(value.encode())).decode()

    def unseal(self, stored: str) -> str:
        if self.cipher is None or not stored:
            return stored
        return self.cipher.decrypt(base64.b64decode(stored)).decode()

    @abstractmethod
    def apply(self, connection: sqlite3.Connection, domain_event: DomainEventProtocol[Any]) -> None:
        """Changes the view's tables for one event (ignore events the view does not need)."""


class Projection:
    """Keeps a `SqliteView` up to date with an application's event log."""

    def __init__(self, application: TracedEventApplication, view: SqliteView, path: Path) -> None:
        self._application = application
        self._view = view
        view.cipher = application.mapper.cipher if view.sealed_columns else None
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._connection = self._open(path)
        self._wake = asyncio.Event()

    def _open(self, path: Path) -> sqlite3.Connection:
        """The view's file, rebuilt from scratch if it was sealed otherwise than now."""
        sealing = "sealed" if self._view.cipher is not None else "plain"
        connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        connection.executescript(
            # A view is rebuilt from the log, and its position commits with its rows: a commit
            # need not wait for the disk (an OS crash loses only the last catch-ups, which are
            # applied again). An fsync per catch-up slowed every read model.
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
            "CREATE TABLE IF NOT EXISTS projection_position (id INTEGER PRIMARY KEY CHECK (id = 1),"
            " notification_id INTEGER NOT NULL);"
            "CREATE TABLE IF NOT EXISTS projection_sealing (id INTEGER PRIMARY KEY CHECK (id = 1),"
            " mode TEXT NOT NULL);"
        )
        [mode] = connection.execute("SELECT mode FROM projection_sealing").fetchone() or [None]
        written = connection.execute("SELECT 1 FROM projection_position").fetchone() is not None
        if written and mode != sealing:
            log.warning("read model %s was written %s, now %s: rebuilding it", path.name, mode or "plain", sealing)
            connection.close()
            for stale in path.parent.glob(path.name + "*"):  # with its -wal and -shm files
                stale.unlink()
            return self._open(path)
        connection.execute(
            "INSERT INTO projection_sealing (id, mode) VALUES (1, ?)"
            " ON CONFLICT (id) DO UPDATE SET mode = excluded.mode",
            (sealing,),
        )
        connection.executescript(self._view.schema)
        connection.row_factory = self._row
        return connection

    def _row(self, cursor: sqlite3.Cursor, values: tuple[Any, ...]) -> sqlite3.Row:
        """A row as sqlite3.Row gives it, its sealed columns decrypted."""
        names = [column[0] for column in cursor.description]
        if self._view.cipher is not None and not self._view.sealed_columns.isdisjoint(names):
            values = tuple(
                self._view.unseal(value) if name in self._view.sealed_columns and value is not None else value
                for name, value in zip(names, values)
            )
        return sqlite3.Row(cursor, values)

    def query(self, sql: str, parameters: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._connection.execute(sql, parameters).fetchall()

    @property
    def position(self) -> int:
        with self._lock:
            return self._position()

    def _position(self) -> int:
        row = self._connection.execute("SELECT notification_id FROM projection_position").fetchone()
        return row[0] if row else 0

    def catch_up(self) -> int:
        """Applies every event recorded since the view's position; returns how many.

        Safe from several threads at once: the log is read outside the lock (queries go on
        meanwhile), so a page may overlap what another catch-up applied in between; only the
        events after the position read under the lock are applied."""
        applied = 0
        topics = self._view.topics
        to_domain_event = self._application.mapper.to_domain_event
        while True:
            batch = self._application.notifications_after(self.position, BATCH_SIZE)
            if not batch:
                return applied
            keep = self._read_by_others(batch)
            with self._lock:
                position = self._position()
                fresh = [notification for notification in batch if notification.id > position]
                if not fresh:
                    continue
                self._connection.execute("BEGIN")
                try:
                    for notification in fresh:
                        if topics is None or notification.topic in topics:
                            self._view.apply(self._connection, to_domain_event(notification, keep=keep))
                    self._connection.execute(
                        "INSERT INTO projection_position (id, notification_id) VALUES (1, ?)"
                        " ON CONFLICT (id) DO UPDATE SET notification_id = excluded.notification_id",
                        (fresh[-1].id,),
                    )
                    self._connection.execute("COMMIT")
                except BaseException:
                    self._connection.execute("ROLLBACK")
                    raise
            applied += len(fresh)

    def _read_by_others(self, page: Sequence[Notification]) -> bool:
        """Whether the log's other readers may still decode this page, so its decoded events
        are worth keeping for them (`TracingMapper`): not when it lies further behind the log's
        end than the kept events reach (a view rebuilt from the first event: the readers at
        the end are past it). Keeping those was a fifth of a rebuild's CPU, mostly the garbage
        collector's. Only a full page can be that far behind, so only then is the end read."""
        if len(page) < BATCH_SIZE:
            return True
        kept = self._application.mapper.DECODED_NOTIFICATIONS
        return page[-1].id > self._application.last_notification_id() - kept

    async def run(self) -> None:
        """Follows the log until cancelled."""
        loop = asyncio.get_running_loop()
        self._application.on_recorded(lambda: loop.call_soon_threadsafe(self._wake.set))
        while True:
            self._wake.clear()
            await asyncio.to_thread(self.catch_up)
            await wait_set(self._wake, IDLE_POLL_SECONDS)

    def close(self) -> None:
        with self._lock:
            self._connection.close()
