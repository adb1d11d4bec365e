"""Read models of sla, rebuilt from its event log at will."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

from servicehub_runtime.projection import Projection, SqliteView

from .availability import (
    AvailabilityReport,
    Interval,
    MaintenanceWindow,
    Outage,
    availability,
    period_bounds,
)


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

    def overlapping(self, start: datetime, end: datetime) -> tuple[list[MaintenanceWindow], list[Outage]]:
        windows = self._projection.query(
            "SELECT id FROM maintenance_windows WHERE starts_at < ? AND ends_at > ? ORDER BY starts_at",
            (_utc(end), _utc(start)),
        )
        outages = self._projection.query(
            "SELECT id FROM outages WHERE started_at < ? AND (ended_at IS NULL OR ended_at > ?)"
            " ORDER BY started_at",
            (_utc(end), _utc(start)),
        )
        return [self._load(r["id"]) for r in windows], [self._load(r["id"]) for r in outages]

    def report(self, period: str, now: datetime) -> tuple[AvailabilityReport, list[MaintenanceWindow], list[Outage]]:
        """Raises ValueError for a period that is neither a year nor a month."""
        start, end = period_bounds(period)
        windows, outages = self.overlapping(start, end)
        return self._report(start, end, windows, outages, now), windows, outages

    @staticmethod
    def _report(start: datetime, end: datetime, windows: list[MaintenanceWindow],
                outages: list[Outage], now: datetime) -> AvailabilityReport:
        excluded = [Interval(w.starts_at, w.ends_at) for w in windows if w.excluded]
        down = [Interval(w.starts_at, w.ends_at) for w in windows if not w.excluded]
        down += [Interval(o.started_at, o.ended_at or max(now, o.started_at)) for o in outages]
        return availability(start, end, excluded, down, now)

    def months(self, year: int, now: datetime) -> list[tuple[str, AvailabilityReport]]:
        result = []
        for month in range(1, 13):
            period = f"{year:04d}-{month:02d}"
            start, end = period_bounds(period)
            windows, outages = self.overlapping(start, end)
            result.append((period, self._report(start, end, windows, outages, now)))
        return result
