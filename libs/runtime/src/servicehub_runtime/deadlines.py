"""Deadlines: "when time reaches X, run command Y", durable across crashes.

* An aggregate schedules, moves and cancels deadlines *in its own domain events*: an event
  with a `deadlines` attribute (a list of `Deadline`) schedules each one, or moves it if
  the aggregate already has one of that kind; an event with `cancelled_deadlines` (a list
  of kinds) cancels them.
* The pending deadlines live in a `DeadlineIndex`, a read model of the event log kept by
  the usual projection catch-up, so a restart or a deleted index file loses nothing.
* One `DeadlineScheduler` per process sleeps until the earliest due instant (woken early
  by every write and every move of a `ManualClock`, and at least every POLL_SECONDS to read
  what other instances of the service scheduled) and calls the service's handler for
  the deadline's kind with a `DeadlineFiring`, an ordinary application command. The
  deadlines due at once fire in one event-store transaction (`TracedEventApplication.batch`),
  so a handler decides from the store as any command does (read, decide, record); if the
  transaction fails, each firing runs again in its own.
* The handler records its outcome together with `firing.outcome()`, a `FiredDeadline`
  whose id is derived from (aggregate, kind, cycle, due instant). A second firing of the
  same deadline (after a crash between recording and the index catching up) conflicts
  instead of recording anything again; the outcome also takes the deadline off the index.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, DomainEventProtocol, event
from prometheus_client import Counter, Gauge, Histogram

from .eventstore import IntegrityError, TracedEventApplication
from .projection import Projection, SqliteView
from .waiting import wait_set
from .wallclock import Clock, ManualClock, utc_now

log = logging.getLogger(__name__)

_FIRING_NAMESPACE = UUID("0d7f8a52-6c1e-4f2b-9a43-5b8e2c71d9f0")
BATCH_SIZE = 500
# A failed firing is tried again after 1, 2, 4 … seconds, at most every 5 minutes.
RETRY_BASE_SECONDS = 1
RETRY_MAX_SECONDS = 300
# With several instances on one store, another one's writes wake nobody here: the index
# reads the log at least this often, so a standby knows every deadline when the other dies.
POLL_SECONDS = 1.0
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

PENDING = Gauge("servicehub_deadlines_pending", "Deadlines scheduled and not yet fired or cancelled.", ["kind"])
FIRED = Counter(
    "servicehub_deadlines_fired_total",
    "Deadline firings by outcome: recorded, already_recorded (a re-fire), failed.",
    ["kind", "outcome"],
)
LATENESS = Histogram(
    "servicehub_deadline_lateness_seconds",
    "Instant the firing's outcome was committed minus its due instant.",
    ["kind"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600, 86400),
)


@dataclass(frozen=True)
class Deadline:
    """A due instant of one kind on one aggregate; `cycle` tells repeated deadlines of the
    same kind apart (e.g. the n-th response target after re-opening)."""

    kind: str
    cycle: int
    due: datetime
    calendar_version: str

    def __post_init__(self) -> None:
        if self.due.tzinfo is None:
            raise ValueError("a deadline's due instant must be timezone-aware")


def _micros(instant: datetime) -> int:
    return (instant - _EPOCH) // timedelta(microseconds=1)


class FiredDeadline(Aggregate):
    """The recorded outcome of one firing; its id makes a second firing conflict."""

    @event("Recorded")
    def __init__(
        self,
        id: UUID,
        aggregate_id: UUID,
        fired: Deadline,
        fired_at: datetime,
        lateness_seconds: float,
    ) -> None:
        self.aggregate_id = aggregate_id
        self.fired = fired
        self.fired_at = fired_at
        self.lateness_seconds = lateness_seconds


@dataclass(frozen=True)
class DeadlineFiring:
    """What a handler gets: the deadline that fell due and when it fired."""

    aggregate_id: UUID
    deadline: Deadline
    fired_at: datetime

    @property
    def lateness(self) -> timedelta:
        return max(self.fired_at - self.deadline.due, timedelta(0))

    @property
    def record_id(self) -> UUID:
        d = self.deadline
        return uuid5(_FIRING_NAMESPACE, f"{self.aggregate_id}:{d.kind}:{d.cycle}:{_micros(d.due)}")

    def outcome(self) -> FiredDeadline:
        """Record this with the aggregate the handler changed, in the same `record` call."""
        return FiredDeadline(
            id=self.record_id,
            aggregate_id=self.aggregate_id,
            fired=self.deadline,
            fired_at=self.fired_at,
            lateness_seconds=self.lateness.total_seconds(),
        )


DeadlineHandler = Callable[[DeadlineFiring], None]


class DeadlineIndex(SqliteView):
    """Pending deadlines, one per (aggregate, kind), ordered by due instant."""

    schema = (
        "CREATE TABLE IF NOT EXISTS pending_deadline (aggregate_id TEXT NOT NULL, kind TEXT NOT NULL,"
        " cycle INTEGER NOT NULL, due INTEGER NOT NULL, calendar_version TEXT NOT NULL,"
        " PRIMARY KEY (aggregate_id, kind));"
        "CREATE INDEX IF NOT EXISTS pending_deadline_by_due ON pending_deadline (due);"
    )

    def apply(self, connection: Any, domain_event: DomainEventProtocol[Any]) -> None:
        if isinstance(domain_event, FiredDeadline.Recorded):
            fired = domain_event.fired
            connection.execute(
                "DELETE FROM pending_deadline WHERE aggregate_id = ? AND kind = ? AND cycle = ?"
                " AND due = ?",
                (str(domain_event.aggregate_id), fired.kind, fired.cycle, _micros(fired.due)),
            )
            return
        aggregate_id = str(domain_event.originator_id)
        for deadline in getattr(domain_event, "deadlines", None) or ():
            connection.execute(
                "INSERT INTO pending_deadline (aggregate_id, kind, cycle, due, calendar_version)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (aggregate_id, kind) DO UPDATE SET"
                " cycle = excluded.cycle, due = excluded.due,"
                " calendar_version = excluded.calendar_version",
                (aggregate_id, deadline.kind, deadline.cycle, _micros(deadline.due),
                 deadline.calendar_version),
            )
        for kind in getattr(domain_event, "cancelled_deadlines", None) or ():
            connection.execute(
                "DELETE FROM pending_deadline WHERE aggregate_id = ? AND kind = ?",
                (aggregate_id, kind),
            )


def _firing_row(row: Any) -> tuple[UUID, Deadline]:
    due = _EPOCH + timedelta(microseconds=row["due"])
    return UUID(row["aggregate_id"]), Deadline(row["kind"], row["cycle"], due, row["calendar_version"])


class DeadlineScheduler:
    """Fires the pending deadlines of one service process, earliest first."""

    def __init__(
        self,
        application: TracedEventApplication,
        index_path: Path,
        handlers: Mapping[str, DeadlineHandler],
        clock: Clock = utc_now,
    ) -> None:
        self._application = application
        self._index = Projection(application, DeadlineIndex(), index_path)
        self._handlers = dict(handlers)
        # Counted when scraped, not on every write: a busy service writes far more often.
        for kind in self._handlers:
            PENDING.labels(kind).set_function(lambda kind=kind: self._count_pending(kind))
        self._clock = clock
        # Deadlines whose handler failed, with how often and when to try again: a database
        # outage must not lose a deadline, and a handler bug must not spin the scheduler.
        self._failed: dict[tuple[UUID, str, int, datetime], tuple[int, datetime]] = {}
        # Deadlines whose last firing conflicted; a second conflict in a row is a failure.
        self._conflicted: set[tuple[UUID, str, int, datetime]] = set()
        # Set while the scheduler sleeps with nothing due (tests and benchmarks wait for it).
        self.idle = asyncio.Event()

    def pending(self) -> list[tuple[UUID, Deadline]]:
        """Every pending deadline, earliest first (as of the last catch-up)."""
        rows = self._index.query("SELECT * FROM pending_deadline ORDER BY due, aggregate_id, kind")
        return [_firing_row(row) for row in rows]

    def catch_up(self) -> None:
        self._index.catch_up()

    def _count_pending(self, kind: str) -> int:
        return self._index.query("SELECT COUNT(*) FROM pending_deadline WHERE kind = ?", (kind,))[0][0]

    def fire_due(self) -> tuple[int, datetime | None]:
        """Catches up with the log and fires up to a batch of due deadlines; returns how
        many it fired and the next due instant after them."""
        self.catch_up()
        due, next_due = self._due_now()
        self._fire(due)
        return len(due), next_due

    async def run(self) -> None:
        """Fires deadlines as they fall due, until cancelled."""
        loop = asyncio.get_running_loop()
        wake = asyncio.Event()

        def wake_up() -> None:
            loop.call_soon_threadsafe(wake.set)

        self._application.on_recorded(wake_up)
        if isinstance(self._clock, ManualClock):
            self._clock.on_moved(wake_up)
        while True:
            wake.clear()
            fired, next_due = await asyncio.to_thread(self.fire_due)
            if fired:
                continue
            timeout = POLL_SECONDS
            if next_due is not None:
                timeout = min((next_due - self._clock()).total_seconds(), timeout)
            self.idle.set()
            await wait_set(wake, timeout)
            self.idle.clear()

    def _due_now(self) -> tuple[list[tuple[UUID, Deadline]], datetime | None]:
        """Up to a batch of deadlines due now, and the next due instant after them."""
        now = self._clock()
        # The due ones and the first after them, not a whole batch of rows each time: while
        # the scheduler keeps up it runs a round per deadline or so.
        rows = self._index.query(
            "SELECT * FROM (SELECT * FROM pending_deadline WHERE due <= ? ORDER BY due LIMIT ?)"
            " UNION ALL SELECT * FROM (SELECT * FROM pending_deadline WHERE due > ? ORDER BY due"
            " LIMIT 1) ORDER BY due",
            (_micros(now), BATCH_SIZE + len(self._failed), _micros(now)),
        )
        due: list[tuple[UUID, Deadline]] = []
        retries = [retry_at for _, retry_at in self._failed.values()]
        for row in rows:
            aggregate_id, deadline = _firing_row(row)
            failed = self._failed.get((aggregate_id, deadline.kind, deadline.cycle, deadline.due))
            if failed is not None and failed[1] > now:
                continue
            if deadline.due > now or len(due) == BATCH_SIZE:
                return due, min([deadline.due, *retries])
            due.append((aggregate_id, deadline))
        return due, min(retries, default=None)

    def _fire(self, due: Sequence[tuple[UUID, Deadline]]) -> None:
        """Fires `due` in one event-store transaction: its COMMIT (an fsync on SQLite) costs
        more than a firing, so one per firing could not keep up with a burst. A handler that
        raises leaves nothing in the batch (and is counted as failed or conflicting); if the
        transaction fails (a conflict, the store down), each firing the batch held runs again
        in its own. A second deadline of an aggregate already in the batch fires after it, in
        its own transaction: it must see the first one's write."""
        if not due:
            return  # an empty batch would still commit, announce a write and wake `run` again
        firings = [DeadlineFiring(aggregate_id, deadline, self._clock()) for aggregate_id, deadline in due]
        batched: list[DeadlineFiring] = []
        after: list[DeadlineFiring] = []
        in_batch: set[UUID] = set()
        for firing in firings:
            (after if firing.aggregate_id in in_batch else batched).append(firing)
            in_batch.add(firing.aggregate_id)
        recorded: list[DeadlineFiring] = []
        try:
            with self._application.batch() as batch:
                recorded = [firing for firing in batched if self._attempt(firing, batch.run)]
        except Exception as error:  # noqa: BLE001 - each firing says for itself
            log.debug("a batch of %d firings runs one by one: %r", len(recorded), error)
            after = recorded + after
        else:
            self._settle(recorded)
        for firing in after:
            if self._attempt(firing):
                self._settle([firing])

    def _attempt(
        self, firing: DeadlineFiring, run: Callable[[Callable[[], None]], None] = lambda command: command()
    ) -> bool:
        """Runs the firing's handler; False (counted, and retried later) if it raised."""
        deadline = firing.deadline
        key = (firing.aggregate_id, deadline.kind, deadline.cycle, deadline.due)
        handler = self._handlers.get(deadline.kind)
        try:
            if handler is None:
                raise LookupError(f"no handler for deadlines of kind {deadline.kind!r}")
            try:
                run(lambda: handler(firing))
            except IntegrityError:
                if key in self._conflicted:
                    raise
                # Fired before (the index had not caught up) or a concurrent write: the
                # next catch-up drops it, or it fires again on the aggregate's new version.
                self._conflicted.add(key)
                FIRED.labels(deadline.kind, "already_recorded").inc()
                return False
        except Exception:
            attempts = self._failed.get(key, (0, firing.fired_at))[0] + 1
            delay = min(RETRY_BASE_SECONDS * 2 ** (attempts - 1), RETRY_MAX_SECONDS)
            log.exception(
                "deadline %s of %s failed (attempt %d); retrying in %d s",
                deadline, firing.aggregate_id, attempts, delay,
            )
            self._conflicted.discard(key)
            self._failed[key] = (attempts, firing.fired_at + timedelta(seconds=delay))
            FIRED.labels(deadline.kind, "failed").inc()
            return False
        return True

    def _settle(self, recorded: Sequence[DeadlineFiring]) -> None:
        """Counts firings whose outcome is durable; lateness runs to the commit."""
        committed = self._clock()
        for firing in recorded:
            deadline = firing.deadline
            key = (firing.aggregate_id, deadline.kind, deadline.cycle, deadline.due)
            self._conflicted.discard(key)
            self._failed.pop(key, None)
            FIRED.labels(deadline.kind, "recorded").inc()
            LATENESS.labels(deadline.kind).observe(max(committed - deadline.due, timedelta(0)).total_seconds())

    def close(self) -> None:
        for kind in self._handlers:
            PENDING.labels(kind).set_function(lambda: 0)
        self._index.close()
