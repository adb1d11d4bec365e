"""sla's business metrics for operators (the SLA operations dashboard and the breach-rate
alert), read at each scrape from a read model of its own (`<DATA_DIR>/sla-metrics-2.sqlite`; the
number is the schema's version: a new schema starts a new file, rebuilt from the event log).

- `servicehub_sla_open_tickets{priority,policy}`: tickets not closed by both closers, by the
  policy id they run on (policy versions are left out: ids are the bounded set operators know);
- `servicehub_sla_tickets_at_risk{priority}`: tickets whose current cycle has a running
  target past an escalation threshold and not yet breached;
- `servicehub_sla_escalations_total{priority,threshold_percent}`;
- `servicehub_sla_breaches_total{priority}` and `servicehub_sla_targets_met_total{priority}`:
  targets that ran out, and targets stopped in time (breaches ÷ both = the breach rate);
- `servicehub_sla_targets_this_month{priority,outcome}`: the same two outcomes (`met`,
  `breached`) in the current calendar month, Beijing (when the target was stopped in time or
  ran out): PromQL's ranges are fixed lengths, so "this month" is the read model's;
- `servicehub_sla_availability_ratio{period}`: the service-wide availability of the current
  calendar month and year (`month`, `year`; Beijing), as GetAvailability reports it (the
  agreement: 0.999);
- `servicehub_sla_maintenance_notices{period,kind,on_time}`: maintenance windows starting in
  the current month and year, service-wide and customers' alike, by kind (`planned`,
  `emergency`) and whether they were announced in time (72 h, 2 h ahead).

The last two come from the availability view (`sla-availability.sqlite`) and the windows' and
outages' own records (a handful a month).

Priorities are the tickets' at the time of each event; labels are bounded (priorities,
the policies' threshold percents), never ticket or customer ids.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from prometheus_client import REGISTRY
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from servicehub_businesstime import SHANGHAI
from servicehub_runtime.metrics import ReadModelMetrics, labelled
from servicehub_runtime.projection import Projection, SqliteView

from .availability import MaintenanceKind, period_bounds
from .domain import CLOSE_CONFIRMED, CLOSERS, PRIORITY_CHANGED, REOPENED, Priority, Ticket
from .projections import Availability, _utc

PRIORITIES = [(p.value,) for p in Priority]


class SlaMetricsView(SqliteView):
    schema = """
        CREATE TABLE IF NOT EXISTS metric_tickets (
            ticket_id TEXT PRIMARY KEY,
            priority TEXT NOT NULL,
            policy TEXT NOT NULL,
            cycle INTEGER NOT NULL,
            closers TEXT NOT NULL DEFAULT '',  -- who confirmed the close, comma-separated
            open INTEGER NOT NULL DEFAULT 1
        );
        CREATE INDEX IF NOT EXISTS metric_open_tickets ON metric_tickets (priority, policy) WHERE open = 1;
        CREATE TABLE IF NOT EXISTS metric_targets (  -- escalated or breached, per cycle
            ticket_id TEXT NOT NULL,
            cycle INTEGER NOT NULL,
            target TEXT NOT NULL,
            breached INTEGER NOT NULL DEFAULT 0,
            stopped INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (ticket_id, cycle, target)
        );
        CREATE INDEX IF NOT EXISTS metric_running_targets ON metric_targets (ticket_id, cycle)
            WHERE breached = 0 AND stopped = 0;
        CREATE TABLE IF NOT EXISTS metric_totals (
            name TEXT NOT NULL,  -- escalations, breaches, met
            priority TEXT NOT NULL,
            threshold_percent TEXT NOT NULL DEFAULT '',
            value INTEGER NOT NULL,
            PRIMARY KEY (name, priority, threshold_percent)
        );
        CREATE TABLE IF NOT EXISTS metric_monthly_outcomes (
            month TEXT NOT NULL,  -- YYYY-MM, Beijing
            priority TEXT NOT NULL,
            outcome TEXT NOT NULL,  -- met, breached
            value INTEGER NOT NULL,
            PRIMARY KEY (month, priority, outcome)
        );
    """

    def apply(self, connection: sqlite3.Connection, domain_event: Any) -> None:
        ticket_id = str(domain_event.originator_id)
        if isinstance(domain_event, Ticket.Registered):
            connection.execute(
                "INSERT OR IGNORE INTO metric_tickets (ticket_id, priority, policy, cycle) VALUES (?, ?, ?, 1)",
                (ticket_id, domain_event.priority.value, domain_event.policy_id),
            )
        elif isinstance(domain_event, Ticket.UpdateApplied):
            self._update(connection, ticket_id, domain_event)
        elif isinstance(domain_event, Ticket.Escalated):
            self._target(connection, ticket_id, domain_event, None)
            _add(connection, "escalations", domain_event.priority.value, str(domain_event.threshold_percent))
        elif isinstance(domain_event, Ticket.SlaBreached):
            self._target(connection, ticket_id, domain_event, "breached")
            _add(connection, "breaches", domain_event.priority.value)
            _add_monthly(connection, domain_event.breached_at, domain_event.priority.value, "breached")
        elif isinstance(domain_event, Ticket.TargetStopped):
            self._target(connection, ticket_id, domain_event, "stopped")
            if domain_event.met:
                _add(connection, "met", domain_event.priority.value)
                _add_monthly(connection, domain_event.stopped_at, domain_event.priority.value, "met")

    @staticmethod
    def _update(connection: sqlite3.Connection, ticket_id: str, update: Any) -> None:
        if update.kind == PRIORITY_CHANGED:
            connection.execute(
                "UPDATE metric_tickets SET priority = ? WHERE ticket_id = ?",
                (update.priority.value, ticket_id),
            )
        elif update.kind == CLOSE_CONFIRMED:
            connection.execute(
                "UPDATE metric_tickets SET closers = closers || ? || ',' WHERE ticket_id = ?",
                (update.confirmed_by, ticket_id),
            )
            connection.execute(
                f"UPDATE metric_tickets SET open = 0 WHERE ticket_id = ? AND {_closed_condition()}",
                (ticket_id,),
            )
        elif update.kind == REOPENED:
            connection.execute(
                "UPDATE metric_tickets SET cycle = cycle + 1, closers = '', open = 1 WHERE ticket_id = ?",
                (ticket_id,),
            )

    @staticmethod
    def _target(connection: sqlite3.Connection, ticket_id: str, event: Any, flag: str | None) -> None:
        connection.execute(
            "INSERT OR IGNORE INTO metric_targets (ticket_id, cycle, target) VALUES (?, ?, ?)",
            (ticket_id, event.cycle, event.target),
        )
        if flag is not None:  # "breached" or "stopped"
            connection.execute(
                f"UPDATE metric_targets SET {flag} = 1 WHERE ticket_id = ? AND cycle = ? AND target = ?",
                (ticket_id, event.cycle, event.target),
            )


def _add(connection: sqlite3.Connection, name: str, priority: str, threshold: str = "") -> None:
    connection.execute(
        "INSERT INTO metric_totals (name, priority, threshold_percent, value) VALUES (?, ?, ?, 1)"
        " ON CONFLICT DO UPDATE SET value = value + 1",
        (name, priority, threshold),
    )


def _add_monthly(connection: sqlite3.Connection, at: datetime, priority: str, outcome: str) -> None:
    connection.execute(
        "INSERT INTO metric_monthly_outcomes (month, priority, outcome, value) VALUES (?, ?, ?, 1)"
        " ON CONFLICT DO UPDATE SET value = value + 1",
        (_month(at), priority, outcome),
    )


def _month(at: datetime) -> str:
    return at.astimezone(SHANGHAI).strftime("%Y-%m")


def _closed_condition() -> str:
    """SQL true for a ticket every closer confirmed (each confirms once per cycle)."""
    return " AND ".join(f"instr(closers, '{closer},') > 0" for closer in CLOSERS)


def families(view: Projection, policy_ids: Iterable[str], now: datetime) -> Iterable[Metric]:
    """The read model's families at `now`; series for each of `policy_ids` (the loaded policies) exist
    before their first ticket."""
    open_rows = view.query(
        "SELECT priority, policy, count(*) FROM metric_tickets WHERE open = 1 GROUP BY priority, policy"
    )
    yield labelled(
        GaugeMetricFamily("servicehub_sla_open_tickets", "Tickets not closed, by current priority and policy.",
                          labels=["priority", "policy"]),
        (((r[0], r[1]), r[2]) for r in open_rows),
        [(priority, policy) for (priority,) in PRIORITIES for policy in sorted(set(policy_ids))],
    )
    at_risk = view.query(
        "SELECT k.priority, count(DISTINCT k.ticket_id) FROM metric_targets t"
        " JOIN metric_tickets k ON k.ticket_id = t.ticket_id AND k.cycle = t.cycle"
        " WHERE t.breached = 0 AND t.stopped = 0 AND k.open = 1 GROUP BY k.priority"
    )
    yield labelled(
        GaugeMetricFamily(
            "servicehub_sla_tickets_at_risk",
            "Tickets with a running target past an escalation threshold, not breached yet.",
            labels=["priority"],
        ),
        (((r[0],), r[1]) for r in at_risk), PRIORITIES,
    )
    totals = view.query("SELECT name, priority, threshold_percent, value FROM metric_totals")
    yield labelled(
        CounterMetricFamily("servicehub_sla_escalations", "Escalations recorded, by threshold.",
                            labels=["priority", "threshold_percent"]),
        (((r[1], r[2]), r[3]) for r in totals if r[0] == "escalations"),
    )
    yield labelled(
        CounterMetricFamily("servicehub_sla_breaches", "Targets that ran out (SLA breaches).",
                            labels=["priority"]),
        (((r[1],), r[3]) for r in totals if r[0] == "breaches"), PRIORITIES,
    )
    yield labelled(
        CounterMetricFamily("servicehub_sla_targets_met", "Targets stopped before running out.",
                            labels=["priority"]),
        (((r[1],), r[3]) for r in totals if r[0] == "met"), PRIORITIES,
    )
    this_month = view.query(
        "SELECT priority, outcome, value FROM metric_monthly_outcomes WHERE month = ?", (_month(now),)
    )
    yield labelled(
        GaugeMetricFamily(
            "servicehub_sla_targets_this_month",
            "Targets met or breached in the current calendar month (Beijing), by outcome.",
            labels=["priority", "outcome"],
        ),
        (((r[0], r[1]), r[2]) for r in this_month),
        [(priority, outcome) for (priority,) in PRIORITIES for outcome in ("breached", "met")],
    )


PERIODS = ("month", "year")


def availability_families(availability_view: Projection, load: Callable[[str], Any],
                          now: datetime) -> Iterable[Metric]:
    """Availability and maintenance notices of the calendar month and year around `now`;
    `load` reads a window's or outage's record by aggregate id."""
    month = now.astimezone(SHANGHAI).strftime("%Y-%m")
    availability = Availability(availability_view, load)
    ratio = GaugeMetricFamily(
        "servicehub_sla_availability_ratio",
        "Service-wide availability of the current calendar month and year, Beijing (agreed: 0.999).",
        labels=["period"],
    )
    notices: dict[tuple[str, ...], int] = {}
    for label, period in zip(PERIODS, (month, month[:4]), strict=True):
        report, _, _ = availability.report(period, now)
        ratio.add_metric([label], report.availability_percent / 100)
        start, end = period_bounds(period)
        for row in availability_view.query(
            "SELECT id FROM maintenance_windows WHERE starts_at >= ? AND starts_at < ?",
            (_utc(start), _utc(end)),
        ):
            window = load(row[0])
            key = (label, window.kind.value, "false" if window.late_notice else "true")
            notices[key] = notices.get(key, 0) + 1
    yield ratio
    yield labelled(
        GaugeMetricFamily(
            "servicehub_sla_maintenance_notices",
            "Maintenance windows starting in the current calendar month and year (Beijing), "
            "by kind and whether announced in time (planned 72 h, emergency 2 h ahead).",
            labels=["period", "kind", "on_time"],
        ),
        notices.items(),
        [(p, k.value, on_time) for p in PERIODS for k in MaintenanceKind for on_time in ("false", "true")],
    )


def sla_metrics(sla: Any, data_dir: Path, availability_view: Projection) -> Projection:
    """The metrics' read model (add it to the service's projections), registered for /metrics
    with the availability figures read from `availability_view` (an AvailabilityView)."""
    view = Projection(sla, SlaMetricsView(), data_dir / "sla-metrics-2.sqlite")
    policy_ids = {policy.id for policy in sla.policies.policies.values()}

    def every_family() -> Iterable[Metric]:
        now = datetime.now(SHANGHAI)
        yield from families(view, policy_ids, now)
        yield from availability_families(availability_view, sla.get_record, now)

    REGISTRY.register(ReadModelMetrics(every_family))
    return view
