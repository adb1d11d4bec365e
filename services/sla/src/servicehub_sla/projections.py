"""Read models of sla, rebuilt from its event log at will."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from servicehub_runtime.projection import Projection, SqliteView

from .availability import (
    AvailabilityReport,
    Interval,
    MaintenanceWindow,
    Outage,
    availability,
    period_bounds,
)
from .domain import REOPENED, Ticket


class AvailabilityView(SqliteView):
    """Maintenance windows and outages, by start."""

    schema = """
        CREATE TABLE IF NOT EXISTS maintenance_windows (
            id TEXT PRIMARY KEY,
            starts_at TEXT NOT NULL,
            ends_at TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS outages (
            id TEXT PRIMARY KEY,
            started_at TEXT NOT NULL,
            ended_at TEXT
        );
    """

    def apply(self, connection: sqlite3.Connection, domain_event: Any) -> None:
        if isinstance(domain_event, MaintenanceWindow.Planned):
            connection.execute(
                "INSERT OR IGNORE INTO maintenance_windows (id, starts_at, ends_at) VALUES (?, ?, ?)",
                (str(domain_event.originator_id), _utc(domain_event.starts_at),
                 _utc(domain_event.ends_at)),
            )
        elif isinstance(domain_event, Outage.Started):
            connection.execute(
                "INSERT OR IGNORE INTO outages (id, started_at) VALUES (?, ?)",
                (str(domain_event.originator_id), _utc(domain_event.started_at)),
            )
        elif isinstance(domain_event, Outage.Recovered):
            connection.execute(
                "UPDATE outages SET ended_at = ? WHERE id = ?",
                (_utc(domain_event.ended_at), str(domain_event.originator_id)),
            )


def _utc(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat()


class Availability:
    """Answers availability questions from the view and the windows' and outages' own
    records (a handful a month)."""

    def __init__(self, projection: Projection, load: Any) -> None:
        self._projection = projection
        self._load = load  # aggregate id -> MaintenanceWindow or Outage

    def overlapping(self, start: datetime, end: datetime,
                    customer_id: str = "") -> tuple[list[MaintenanceWindow], list[Outage]]:
        """The service-wide windows and the customer's (empty: service-wide only), and the
        outages (service-wide)."""
        windows = self._projection.query(
            "SELECT id FROM maintenance_windows WHERE starts_at < ? AND ends_at > ? ORDER BY starts_at",
            (_utc(end), _utc(start)),
        )
        outages = self._projection.query(
            "SELECT id FROM outages WHERE started_at < ? AND (ended_at IS NULL OR ended_at > ?)"
            " ORDER BY started_at",
            (_utc(end), _utc(start)),
        )
        loaded = [self._load(r["id"]) for r in windows]
        return [w for w in loaded if w.applies_to(customer_id)], [self._load(r["id"]) for r in outages]

    def report(self, period: str, now: datetime,
               customer_id: str = "") -> tuple[AvailabilityReport, list[MaintenanceWindow], list[Outage]]:
        """Raises ValueError for a period that is neither a year nor a month."""
        start, end = period_bounds(period)
        windows, outages = self.overlapping(start, end, customer_id)
        return self._report(start, end, windows, outages, now), windows, outages

    @staticmethod
    def _report(start: datetime, end: datetime, windows: list[MaintenanceWindow],
                outages: list[Outage], now: datetime) -> AvailabilityReport:
        excluded = [Interval(w.starts_at, w.ends_at) for w in windows if w.excluded]
        down = [Interval(w.starts_at, w.ends_at) for w in windows if not w.excluded]
        down += [Interval(o.started_at, o.ended_at or max(now, o.started_at)) for o in outages]
        return availability(start, end, excluded, down, now)

    def months(self, year: int, now: datetime, customer_id: str = "") -> list[tuple[str, AvailabilityReport]]:
        result = []
        for month in range(1, 13):
            period = f"{year:04d}-{month:02d}"
            start, end = period_bounds(period)
            windows, outages = self.overlapping(start, end, customer_id)
            result.append((period, self._report(start, end, windows, outages, now)))
        return result


class TargetsView(SqliteView):
    """Every target that escalated or stopped, per (ticket, cycle, target): the basis of
    the at-risk list and of compliance."""

    schema = """
        CREATE TABLE IF NOT EXISTS tickets (
            ticket_id TEXT PRIMARY KEY,
            customer_id TEXT NOT NULL,
            cycle INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS targets (
            ticket_id TEXT NOT NULL,
            cycle INTEGER NOT NULL,
            target TEXT NOT NULL,
            customer_id TEXT NOT NULL,
            priority TEXT NOT NULL,
            policy TEXT NOT NULL,
            policy_version INTEGER NOT NULL,
            max_fired INTEGER NOT NULL DEFAULT 0,
            breached_at TEXT,
            stopped_at TEXT,
            met INTEGER,
            elapsed_seconds REAL,
            PRIMARY KEY (ticket_id, cycle, target)
        );
        CREATE INDEX IF NOT EXISTS targets_running ON targets (max_fired) WHERE stopped_at IS NULL;
        CREATE INDEX IF NOT EXISTS targets_stopped ON targets (stopped_at);
        CREATE INDEX IF NOT EXISTS targets_breached ON targets (breached_at);
    """

    def apply(self, connection: sqlite3.Connection, domain_event: Any) -> None:
        ticket_id = str(domain_event.originator_id)
        if isinstance(domain_event, Ticket.Registered):
            connection.execute(
                "INSERT OR IGNORE INTO tickets (ticket_id, customer_id, cycle) VALUES (?, ?, 1)",
                (ticket_id, domain_event.customer_id),
            )
        elif isinstance(domain_event, Ticket.UpdateApplied) and domain_event.kind == REOPENED:
            connection.execute("UPDATE tickets SET cycle = cycle + 1 WHERE ticket_id = ?", (ticket_id,))
        elif isinstance(domain_event, Ticket.Escalated | Ticket.SlaBreached | Ticket.TargetStopped):
            connection.execute(
                "INSERT INTO targets (ticket_id, cycle, target, customer_id, priority, policy,"
                " policy_version) SELECT ?, ?, ?, customer_id, ?, ?, ? FROM tickets"
                " WHERE ticket_id = ? ON CONFLICT DO UPDATE SET priority = excluded.priority",
                (ticket_id, domain_event.cycle, domain_event.target, domain_event.priority.value,
                 domain_event.policy, domain_event.policy_version, ticket_id),
            )
            key = (ticket_id, domain_event.cycle, domain_event.target)
            if isinstance(domain_event, Ticket.Escalated):
                connection.execute(
                    "UPDATE targets SET max_fired = max(max_fired, ?) WHERE ticket_id = ? AND cycle = ?"
                    " AND target = ?", (domain_event.threshold_percent, *key))
            elif isinstance(domain_event, Ticket.SlaBreached):
                connection.execute(
                    "UPDATE targets SET breached_at = ? WHERE ticket_id = ? AND cycle = ? AND target = ?",
                    (_utc(domain_event.breached_at), *key))
            else:
                connection.execute(
                    "UPDATE targets SET stopped_at = ?, met = ?, elapsed_seconds = ?"
                    " WHERE ticket_id = ? AND cycle = ? AND target = ?",
                    (_utc(domain_event.stopped_at), int(domain_event.met),
                     domain_event.elapsed_seconds, *key))


@dataclass(frozen=True)
class AtRisk:
    ticket_id: str
    customer_id: str
    priority: str
    policy: str
    target: str
    percent_elapsed: float
    due_at: datetime | None  # None while waiting for the customer
    time_left: timedelta | None


@dataclass(frozen=True)
class Compliance:
    policy: str
    policy_version: int
    priority: str
    target: str
    met: int
    breached: int
    taken: dict[int, timedelta]  # percentile -> business time taken by the stopped targets


PERCENTILES = (50, 90, 95)


def percentile(sorted_values: list[float], percent: int) -> float:
    """Nearest rank."""
    rank = max(1, -(-percent * len(sorted_values) // 100))
    return sorted_values[rank - 1]


class TicketQueries:
    """At-risk tickets and compliance from the targets view (live percentages from the
    tickets themselves, for the few at risk)."""

    def __init__(self, projection: Projection, sla: Any) -> None:
        self._projection = projection
        self._sla = sla

    def at_risk(self, min_percent: int, limit: int, now: datetime) -> list[AtRisk]:
        """Running targets of the current cycle past an escalation threshold of at least
        `min_percent`, the least time left first (waiting ones last)."""
        rows = self._projection.query(
            "SELECT t.ticket_id, t.target FROM targets t JOIN tickets k USING (ticket_id)"
            " WHERE t.stopped_at IS NULL AND t.max_fired >= ? AND t.cycle = k.cycle",
            (min_percent,),
        )
        found = []
        for row in rows:
            ticket = self._sla.get_ticket(UUID(row["ticket_id"]))
            policy, clock = self._sla.policy_of(ticket)
            for view in ticket.targets(policy, clock, now):
                if view.name != row["target"] or view.stopped_at is not None:
                    continue
                found.append(AtRisk(
                    str(ticket.id), ticket.customer_id, ticket.priority.value, ticket.policy_id,
                    view.name, view.percent_elapsed, view.due_at,
                    None if view.due_at is None else view.due_at - now,
                ))
        found.sort(key=lambda r: (r.time_left is None, r.time_left or timedelta(0), r.ticket_id))
        return found[:limit]

    def compliance(self, period: str, customer_id: str = "", policy: str = "",
                   priority: str = "") -> list[Compliance]:
        """Targets stopped or breached in the period, per (policy, version, priority,
        target); raises ValueError for a bad period."""
        start, end = (_utc(i) for i in period_bounds(period))
        filters, parameters = "", [start, end, start, end]
        for column, value in (("customer_id", customer_id), ("policy", policy), ("priority", priority)):
            if value:
                filters += f" AND {column} = ?"
                parameters.append(value)
        rows = self._projection.query(
            "SELECT policy, policy_version, priority, target, met, elapsed_seconds, stopped_at,"
            " breached_at FROM targets WHERE ((stopped_at >= ? AND stopped_at < ?)"
            " OR (breached_at >= ? AND breached_at < ?))" + filters
            + " ORDER BY policy, policy_version, priority, target",
            tuple(parameters),
        )
        groups: dict[tuple[str, int, str, str], list[sqlite3.Row]] = {}
        for row in rows:
            groups.setdefault((row["policy"], row["policy_version"], row["priority"], row["target"]), []).append(row)
        result = []
        for (policy_id, version, priority_value, target), members in groups.items():
            stopped = [r for r in members if r["stopped_at"] is not None and start <= r["stopped_at"] < end]
            taken = sorted(r["elapsed_seconds"] for r in stopped)
            breached = sum(
                1 for r in members
                if (r["breached_at"] is not None and start <= r["breached_at"] < end)
                or (r["breached_at"] is None and r in stopped and not r["met"])
            )
            result.append(Compliance(
                policy_id, version, priority_value, target,
                met=sum(1 for r in stopped if r["met"]),
                breached=breached,
                taken={p: timedelta(seconds=percentile(taken, p)) for p in PERCENTILES} if taken else {},
            ))
        return result
