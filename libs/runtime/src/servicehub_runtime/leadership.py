"""Which instance of a service relays its outbox.

Every instance of a service consumes (the consumer group shares the partitions) and answers
gRPC, but only one may relay: two relays would publish the same events twice, interleaved.

* PostgreSQL (several instances on one store): the leader holds a PostgreSQL session-level
  advisory lock on a connection of its own, opened only for this. Losing the connection
  (the process dies, the network or the server fails) ends the session and so frees the
  lock; the other instances try to take it every POLL_SECONDS, so one of them takes over
  within about a second of PostgreSQL noticing. The leader checks its connection every
  CHECK_SECONDS and stops publishing as soon as a check fails; until then Kafka keeps it
  from publishing, since the new leader's producer fenced its own (relay.py). The
  connection must reach PostgreSQL directly (not through a transaction-pooling proxy,
  which cannot keep a session lock).
  Events any instance records wake the leader's relay at once: every transaction that
  records events sends a NOTIFY on the store's channel (eventsourcing's PostgreSQL recorder
  does; PostgreSQL delivers it only on commit), and the leader LISTENs on its lock
  connection between checks. A notification lost with that connection goes with the lead;
  the relay's idle poll stays as the fallback. The channel is named for the events table,
  not its schema: a leader of the same service in another schema of the database is woken
  too, and finds nothing new.
* SQLite: one instance per store file, checked at start-up with a file lock
  (`single_instance`); that instance always leads (`SoleInstance`).
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, Protocol

import psycopg
from psycopg.sql import SQL, Identifier

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0  # how often a standby tries to take the lead
CHECK_SECONDS = 1.0  # how often the leader checks its lock connection
CHECK_TIMEOUT_SECONDS = 5.0  # a check unanswered this long counts as a lost connection
# libpq settings of the lock connection: a peer that vanished without closing the
# connection is noticed by TCP keepalive within about 10 s.
LOCK_CONNECTION_OPTIONS = {
    "autocommit": True,
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 4,
    "keepalives_interval": 2,
    "keepalives_count": 3,
}


class Leadership(Protocol):
    async def acquire(self, standing_by: Callable[[], None]) -> None:
        """Returns once this instance leads; calls `standing_by` while another one does."""

    async def lost(self, new_events: Callable[[], None]) -> None:
        """Returns when this instance no longer leads; until then calls `new_events` when
        another instance recorded events (the leader's own process announces its own)."""

    async def release(self) -> None:
        """Gives the lead up (safe to call after it was lost)."""


class SoleInstance:
    """The only instance of its service (SQLite): it always leads."""

    async def acquire(self, standing_by: Callable[[], None]) -> None:
        pass

    async def lost(self, new_events: Callable[[], None]) -> None:
        await asyncio.Future()  # never; and no other instance records

    async def release(self) -> None:
        pass


class PostgresLeadership:
    """Leadership through a PostgreSQL session-level advisory lock (see the module doc)."""

    def __init__(
        self, connect_args: dict[str, Any], *, name: str, instance: str, new_events_channel: str
    ) -> None:
        self._connect_args = {**connect_args, **LOCK_CONNECTION_OPTIONS, "application_name": instance}
        self._name = name
        self._listen = SQL("LISTEN {}").format(Identifier(new_events_channel))
        self._instance = instance
        self.key = lock_key(name)
        self._connection: psycopg.AsyncConnection[Any] | None = None

    async def acquire(self, standing_by: Callable[[], None]) -> None:
        announced = False
        while True:
            try:
                if self._connection is None:
                    self._connection = await psycopg.AsyncConnection.connect(**self._connect_args)
                cursor = await self._connection.execute("SELECT pg_try_advisory_lock(%s)", (self.key,))
                row = await cursor.fetchone()
                if row is not None and row[0]:
                    # Before the relay first reads: whatever commits after its read is notified.
                    await self._connection.execute(self._listen)
                    log.info(
                        "instance %s leads: it relays %s (advisory lock %d)",
                        self._instance, self._name, self.key,
                    )
                    return
                if not announced:
                    log.info(
                        "instance %s stands by: another instance relays %s (advisory lock %d)",
                        self._instance, self._name, self.key,
                    )
                    announced = True
                standing_by()
            except psycopg.Error as error:
                log.warning("instance %s cannot reach PostgreSQL to take the lead: %r", self._instance, error)
                await self._close()
            await asyncio.sleep(POLL_SECONDS)

    async def lost(self, new_events: Callable[[], None]) -> None:
        assert self._connection is not None
        while True:
            try:
                # Listens between checks; what arrives during a check waits in psycopg's
                # backlog for the next round.
                async for _ in self._connection.notifies(timeout=CHECK_SECONDS):
                    new_events()
                async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
                    await self._connection.execute("SELECT 1")
            except (psycopg.Error, TimeoutError) as error:
                log.error(
                    "instance %s lost its lock connection (%r): it no longer leads %s",
                    self._instance, error, self._name,
                )
                return

    async def release(self) -> None:
        await self._close()  # ending the session frees its advisory lock

    async def _close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                await connection.close()
            except psycopg.Error:
                pass  # broken already: the server ends the session, and the lock with it


def lock_key(name: str) -> int:
    """The advisory lock's 64-bit key for a relay name (e.g. the service's schema and name)."""
    digest = hashlib.blake2b(f"servicehub outbox relay {name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class AnotherInstanceRuns(Exception):
    pass


def single_instance(store: Path) -> IO[str]:
    """Locks `<store>.lock` for as long as the returned file stays open (the process's life),
    or raises AnotherInstanceRuns naming the store. The lock is on a file next to the store,
    not on the store itself, whose locks are SQLite's."""
    lock_path = store.with_name(f"{store.name}.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    handle = lock_path.open("a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise AnotherInstanceRuns(
            f"another instance already runs on the SQLite event store {store} (it holds "
            f"{lock_path}): with SQLite a service runs as one instance; use PostgreSQL to run several"
        ) from None
    return handle
