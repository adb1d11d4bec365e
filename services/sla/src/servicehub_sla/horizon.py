"""Thresholds past the calendar horizon: counted, and scheduled once the calendar covers them.

A threshold of a calendar-dependent clock (5x8, 5x12) that falls after the last day the
business calendar has data for cannot be computed, so the ticket records how many of its
thresholds it left unscheduled (`ThresholdsPastHorizon`, with the calendar version). This
view keeps those tickets; at start-up the sweep reschedules every one recorded under another
calendar version (the operator extended the data), so none waits for its ticket's next update.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path
from typing import Any
from uuid import UUID

from prometheus_client import Gauge

from servicehub_runtime.projection import Projection, SqliteView

from .application import Sla
from .domain import Ticket, UpdateRejected

log = logging.getLogger(__name__)

THRESHOLDS_PAST_HORIZON = Gauge(
    "servicehub_sla_thresholds_past_horizon",
    "Escalation thresholds of running targets not scheduled because they lie past the "
    "business calendar's data; extend the calendar (BUSINESS_CALENDAR_OVERRIDE) and restart.",
)


class PastHorizonView(SqliteView):
    """Tickets with thresholds past the calendar data, and the calendar that lacked it."""

    schema = """
        CREATE TABLE IF NOT EXISTS past_horizon (
            ticket_id TEXT PRIMARY KEY,
            thresholds INTEGER NOT NULL,
            calendar_version TEXT NOT NULL
        );
    """

    def apply(self, connection: sqlite3.Connection, domain_event: Any) -> None:
        if not isinstance(domain_event, Ticket.ThresholdsPastHorizon):
            return
        ticket_id = str(domain_event.originator_id)
        if domain_event.count:
            connection.execute(
                "INSERT INTO past_horizon (ticket_id, thresholds, calendar_version) VALUES (?, ?, ?)"
                " ON CONFLICT DO UPDATE SET thresholds = excluded.thresholds,"
                " calendar_version = excluded.calendar_version",
                (ticket_id, domain_event.count, domain_event.calendar_version),
            )
        else:
            connection.execute("DELETE FROM past_horizon WHERE ticket_id = ?", (ticket_id,))


class HorizonSweep(Projection):
    """The view kept up to date (and the gauge with it), swept once at start-up."""

    def __init__(self, sla: Sla, path: Path) -> None:
        super().__init__(sla, PastHorizonView(), path)
        self._sla = sla

    def catch_up(self) -> int:
        applied = super().catch_up()
        THRESHOLDS_PAST_HORIZON.set(self.thresholds_past_horizon())
        return applied

    def thresholds_past_horizon(self) -> int:
        return self.query("SELECT coalesce(sum(thresholds), 0) FROM past_horizon")[0][0]

    def sweep(self) -> int:
        """Reschedules every ticket whose thresholds lay past another calendar's data;
        returns how many tickets changed."""
        self.catch_up()
        rows = self.query("SELECT ticket_id FROM past_horizon WHERE calendar_version != ?",
                          (self._sla.calendar_version,))
        changed = 0
        for row in rows:
            try:
                changed += self._sla.schedule_past_horizon(UUID(row["ticket_id"]))
            except UpdateRejected as error:  # its policy version is no longer loaded
                log.error("ticket %s: thresholds past the horizon not rescheduled: %s",
                          row["ticket_id"], error)
        self.catch_up()
        left = self.thresholds_past_horizon()
        if rows:
            log.info("calendar %s: rescheduled the thresholds of %d of %d tickets that lay past"
                     " an earlier calendar's data", self._sla.calendar_version, changed, len(rows))
        if left:
            log.warning("%d escalation thresholds lie past the data of calendar %s and are not"
                        " scheduled: extend BUSINESS_CALENDAR_OVERRIDE", left, self._sla.calendar_version)
        return changed

    async def run(self) -> None:
        await asyncio.to_thread(self.sweep)
        await super().run()
