"""billing's business metrics for operators (the billing dashboard), read at each scrape
from a read model of its own (`<DATA_DIR>/billing-metrics.sqlite`).

- `servicehub_billing_projects{state}`: projects by state (planned, rejected);
- `servicehub_billing_deliverables{state}`: deliverables by acceptance state (submitted =
  awaiting the customer; points_raised/points_answered = an open non-conformance round);
- `servicehub_billing_acceptance_windows_ending{within_days}`: submitted deliverables whose
  acceptance window ends within 1 and 7 days (silence then deems them accepted);
- `servicehub_billing_acceptances_total{how}`: deemed or written acceptances;
- `servicehub_billing_acceptance_overdue_total{kind}`: non-conformance answers and meetings
  not done in time;
- `servicehub_billing_invoices_issued_total`, `servicehub_billing_invoiced_yuan_total`,
  `servicehub_billing_credit_notes_issued_total`, `servicehub_billing_credited_yuan_total`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from prometheus_client import REGISTRY
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from servicehub_runtime.metrics import ReadModelMetrics, labelled
from servicehub_runtime.projection import Projection, SqliteView

from .acceptance import (
    ACCEPTANCE_WINDOW,
    ANSWER_DUE,
    MEETING_DUE,
    AcceptanceState,
    DeliverableAcceptance,
)
from .domain import Project, ProjectState
from .invoicing import CreditNote, Invoice

WINDOW_ENDING_WITHIN_DAYS = (1, 7)
_STATE_AFTER = {
    DeliverableAcceptance.Submitted: AcceptanceState.SUBMITTED,
    DeliverableAcceptance.Resubmitted: AcceptanceState.SUBMITTED,
    DeliverableAcceptance.PointsRaised: AcceptanceState.POINTS_RAISED,
    DeliverableAcceptance.PointsAnswered: AcceptanceState.POINTS_ANSWERED,
    DeliverableAcceptance.Accepted: AcceptanceState.ACCEPTED,
}


class BillingMetricsView(SqliteView):
    schema = """
        CREATE TABLE IF NOT EXISTS metric_projects (
            project_id TEXT PRIMARY KEY,
            state TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS metric_deliverables (
            acceptance_id TEXT PRIMARY KEY,
            state TEXT NOT NULL,
            window_end TEXT  -- of the current round (UTC, ISO 8601), if the terms give one
        );
        CREATE INDEX IF NOT EXISTS metric_deliverables_by_state ON metric_deliverables (state);
        CREATE INDEX IF NOT EXISTS metric_windows_running ON metric_deliverables (window_end)
            WHERE state = 'submitted';
        CREATE TABLE IF NOT EXISTS metric_totals (
            name TEXT NOT NULL,  -- acceptances, overdue, invoices, invoiced, credit_notes, credited
            label TEXT NOT NULL DEFAULT '',
            value REAL NOT NULL,
            PRIMARY KEY (name, label)
        );
    """

    def apply(self, connection: sqlite3.Connection, domain_event: Any) -> None:
        aggregate_id = str(domain_event.originator_id)
        if isinstance(domain_event, Project.Registered):
            state = ProjectState.REJECTED if domain_event.rejection else ProjectState.PLANNED
            connection.execute(
                "INSERT OR IGNORE INTO metric_projects (project_id, state) VALUES (?, ?)",
                (aggregate_id, state.value),
            )
        elif type(domain_event) in _STATE_AFTER:
            connection.execute(
                "INSERT INTO metric_deliverables (acceptance_id, state) VALUES (?, ?)"
                " ON CONFLICT DO UPDATE SET state = excluded.state",
                (aggregate_id, _STATE_AFTER[type(domain_event)].value),
            )
            window = [d for d in getattr(domain_event, "deadlines", ()) if d.kind == ACCEPTANCE_WINDOW]
            if isinstance(domain_event, DeliverableAcceptance.Submitted | DeliverableAcceptance.Resubmitted):
                connection.execute(
                    "UPDATE metric_deliverables SET window_end = ? WHERE acceptance_id = ?",
                    (_utc(window[0].due) if window else None, aggregate_id),
                )
            if isinstance(domain_event, DeliverableAcceptance.Accepted):
                _add(connection, "acceptances", "deemed" if domain_event.deemed else "written")
        elif isinstance(domain_event, DeliverableAcceptance.Overdue):
            _add(connection, "overdue", domain_event.kind)
        elif isinstance(domain_event, Invoice.Issued):
            _add(connection, "invoices")
            _add(connection, "invoiced", amount=float(sum(line.amount for line in domain_event.lines)))
        elif isinstance(domain_event, CreditNote.Issued):
            _add(connection, "credit_notes")
            _add(connection, "credited", amount=float(abs(domain_event.amount)))


def _utc(instant: datetime) -> str:
    """Comparable as text: every instant in UTC, in one format."""
    return instant.astimezone(UTC).isoformat()


def _add(connection: sqlite3.Connection, name: str, label: str = "", amount: float = 1) -> None:
    connection.execute(
        "INSERT INTO metric_totals (name, label, value) VALUES (?, ?, ?)"
        " ON CONFLICT DO UPDATE SET value = value + excluded.value",
        (name, label, amount),
    )


def families(view: Projection, now: datetime) -> Iterable[Metric]:
    projects = view.query("SELECT state, count(*) FROM metric_projects GROUP BY state")
    yield labelled(
        GaugeMetricFamily("servicehub_billing_projects", "Projects by state.", labels=["state"]),
        (((r[0],), r[1]) for r in projects), [(s.value,) for s in ProjectState],
    )
    deliverables = view.query("SELECT state, count(*) FROM metric_deliverables GROUP BY state")
    yield labelled(
        GaugeMetricFamily("servicehub_billing_deliverables", "Deliverables by acceptance state.",
                          labels=["state"]),
        (((r[0],), r[1]) for r in deliverables),
        [(s.value,) for s in AcceptanceState if s is not AcceptanceState.NOT_SUBMITTED],
    )
    ending = [
        ((str(days),), view.query(
            "SELECT count(*) FROM metric_deliverables WHERE state = 'submitted' AND window_end <= ?",
            (_utc(now + timedelta(days=days)),),
        )[0][0])
        for days in WINDOW_ENDING_WITHIN_DAYS
    ]
    yield labelled(
        GaugeMetricFamily(
            "servicehub_billing_acceptance_windows_ending",
            "Deliverables awaiting acceptance whose window ends within the days (silence then "
            "deems them accepted where the terms say so).",
            labels=["within_days"],
        ),
        ending,
    )
    totals = {(r[0], r[1]): r[2] for r in view.query("SELECT name, label, value FROM metric_totals")}
    yield labelled(
        CounterMetricFamily("servicehub_billing_acceptances", "Deliverables accepted, deemed or in writing.",
                            labels=["how"]),
        [((label,), value) for (name, label), value in totals.items() if name == "acceptances"],
        [("deemed",), ("written",)],
    )
    yield labelled(
        CounterMetricFamily(
            "servicehub_billing_acceptance_overdue",
            "Non-conformance answers and meetings not done by their deadline.", labels=["kind"],
        ),
        [((label,), value) for (name, label), value in totals.items() if name == "overdue"],
        [(ANSWER_DUE,), (MEETING_DUE,)],
    )
    for name, metric, help_text in (
        ("invoices", "servicehub_billing_invoices_issued", "Invoices issued."),
        ("invoiced", "servicehub_billing_invoiced_yuan", "Total of the invoices issued, CNY."),
        ("credit_notes", "servicehub_billing_credit_notes_issued", "Credit notes issued."),
        ("credited", "servicehub_billing_credited_yuan", "Total of the credit notes issued, CNY."),
    ):
        yield CounterMetricFamily(metric, help_text, value=totals.get((name, ""), 0))


def billing_metrics(billing: Any, data_dir: Path, clock: Callable[[], datetime]) -> Projection:
    """The metrics' read model (add it to the service's projections), registered for /metrics."""
    view = Projection(billing, BillingMetricsView(), data_dir / "billing-metrics.sqlite")
    REGISTRY.register(ReadModelMetrics(lambda: families(view, clock())))
    return view
