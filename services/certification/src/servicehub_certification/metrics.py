"""certification's business metrics for operators (the certification dashboard), read at
each scrape from a read model of its own (`<DATA_DIR>/certification-metrics-2.sqlite`; the
number is the view's version: a view that counts more starts a new file, rebuilt from the event
log — version 2 counts renewals).

- `servicehub_certification_applications{step}`: applications by step (every step, 0 too);
- `servicehub_certification_clarifications_overdue`: open clarification requests past
  their deadline;
- `servicehub_certification_certificates{step}`: certificates by step;
- `servicehub_certification_certificates_expiring{within_days}`: valid certificates (or in
  their recertification window) ending within 30 and 60 days;
- `servicehub_certification_certificates_issued_total`,
  `servicehub_certification_recertifications_due_total`,
  `servicehub_certification_certificates_renewed_total` (every renewal, steps 6–7 or older
  ones recorded on the board's approval).
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

from .certificates import Certificate, CertificateStep
from .domain import Application, ApplicationStatus, BoardDecision

EXPIRING_WITHIN_DAYS = (30, 60)
_AFTER_DECISION = {
    BoardDecision.APPROVE: ApplicationStatus.AWAITING_PRE_CHECK,
    BoardDecision.REJECT: ApplicationStatus.REJECTED,
    BoardDecision.SEND_BACK: ApplicationStatus.IN_REVIEW,
}
_LIVE = (CertificateStep.VALID.value, CertificateStep.RECERTIFICATION_DUE.value)


class CertificationMetricsView(SqliteView):
    schema = """
        CREATE TABLE IF NOT EXISTS metric_applications (
            application_id TEXT PRIMARY KEY,
            step TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS metric_clarifications (
            application_id TEXT NOT NULL,
            number INTEGER NOT NULL,
            overdue INTEGER NOT NULL DEFAULT 0,
            answered INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (application_id, number)
        );
        CREATE TABLE IF NOT EXISTS metric_certificates (
            certificate_id TEXT PRIMARY KEY,
            step TEXT NOT NULL,
            valid_until TEXT NOT NULL  -- UTC, ISO 8601 (comparable as text)
        );
        CREATE TABLE IF NOT EXISTS metric_totals (
            name TEXT PRIMARY KEY,  -- issued, recertification_due, renewed
            value INTEGER NOT NULL
        );
    """

    def apply(self, connection: sqlite3.Connection, domain_event: Any) -> None:
        aggregate_id = str(domain_event.originator_id)
        step = _application_step(domain_event)
        if step is not None:
            connection.execute(
                "INSERT INTO metric_applications (application_id, step) VALUES (?, ?)"
                " ON CONFLICT DO UPDATE SET step = excluded.step",
                (aggregate_id, step.value),
            )
        elif isinstance(domain_event, Application.ClarificationRequested):
            connection.execute(
                "INSERT OR IGNORE INTO metric_clarifications (application_id, number) VALUES (?, ?)",
                (aggregate_id, domain_event.number),
            )
        elif isinstance(domain_event, Application.ClarificationAnswered | Application.ClarificationOverdue):
            column = "answered" if isinstance(domain_event, Application.ClarificationAnswered) else "overdue"
            connection.execute(
                f"UPDATE metric_clarifications SET {column} = 1 WHERE application_id = ? AND number = ?",
                (aggregate_id, domain_event.number),
            )
        elif isinstance(domain_event, Certificate.Issued | Certificate.Renewed):
            connection.execute(
                "INSERT INTO metric_certificates (certificate_id, step, valid_until) VALUES (?, ?, ?)"
                " ON CONFLICT DO UPDATE SET step = excluded.step, valid_until = excluded.valid_until",
                (aggregate_id, CertificateStep.VALID.value, domain_event.valid_until.astimezone(UTC).isoformat()),
            )
            if isinstance(domain_event, Certificate.Issued):
                _add(connection, "issued")
            else:
                _add(connection, "renewed")
                if domain_event.application_id is not None:  # its recertification's confirmation
                    connection.execute(
                        "UPDATE metric_applications SET step = ? WHERE application_id = ?",
                        (ApplicationStatus.RENEWED.value, str(domain_event.application_id)),
                    )
        else:
            step_of_certificate = {
                Certificate.RecertificationDue: CertificateStep.RECERTIFICATION_DUE,
                Certificate.Expired: CertificateStep.EXPIRED,
                Certificate.Revoked: CertificateStep.REVOKED,
            }.get(type(domain_event))
            if step_of_certificate is not None:
                connection.execute(
                    "UPDATE metric_certificates SET step = ? WHERE certificate_id = ?",
                    (step_of_certificate.value, aggregate_id),
                )
            if isinstance(domain_event, Certificate.RecertificationDue):
                _add(connection, "recertification_due")


def _application_step(domain_event: Any) -> ApplicationStatus | None:
    if isinstance(domain_event, Application.Registered):
        return ApplicationStatus.SUBMITTED
    if isinstance(domain_event, Application.Screened):
        return ApplicationStatus.after_screening(tuple(domain_event.partner_ineligibility))
    if isinstance(domain_event, Application.BoardDecided):
        return _AFTER_DECISION[domain_event.decision]
    if isinstance(domain_event, Application.CertificateDetailsPreChecked):
        return ApplicationStatus.AWAITING_PARTNER_CONFIRMATION
    if isinstance(domain_event, Application.PartnerConfirmed):
        return ApplicationStatus.CERTIFIED  # a recertification: renewed (Certificate.Renewed)
    if isinstance(domain_event, Application.Lapsed):
        return ApplicationStatus.LAPSED
    if isinstance(domain_event, Application.Closed):
        return ApplicationStatus.CLOSED
    return None


def _add(connection: sqlite3.Connection, name: str) -> None:
    connection.execute(
        "INSERT INTO metric_totals (name, value) VALUES (?, 1) ON CONFLICT DO UPDATE SET value = value + 1",
        (name,),
    )


def families(view: Projection, now: datetime) -> Iterable[Metric]:
    steps = view.query("SELECT step, count(*) FROM metric_applications GROUP BY step")
    yield labelled(
        GaugeMetricFamily("servicehub_certification_applications", "Applications by step.",
                          labels=["step"]),
        (((r[0],), r[1]) for r in steps), [(s.value,) for s in ApplicationStatus],
    )
    [(overdue,)] = view.query(
        "SELECT count(*) FROM metric_clarifications WHERE overdue = 1 AND answered = 0"
    )
    yield GaugeMetricFamily(
        "servicehub_certification_clarifications_overdue",
        "Open clarification requests past their deadline.", value=overdue,
    )
    by_step = view.query("SELECT step, count(*) FROM metric_certificates GROUP BY step")
    yield labelled(
        GaugeMetricFamily("servicehub_certification_certificates", "Certificates by step.",
                          labels=["step"]),
        (((r[0],), r[1]) for r in by_step), [(s.value,) for s in CertificateStep],
    )
    expiring = [
        ((str(days),), view.query(
            "SELECT count(*) FROM metric_certificates WHERE step IN (?, ?) AND valid_until <= ?",
            (*_LIVE, (now + timedelta(days=days)).astimezone(UTC).isoformat()),
        )[0][0])
        for days in EXPIRING_WITHIN_DAYS
    ]
    yield labelled(
        GaugeMetricFamily(
            "servicehub_certification_certificates_expiring",
            "Valid certificates (or in their recertification window) ending within the days.",
            labels=["within_days"],
        ),
        expiring,
    )
    totals = dict(view.query("SELECT name, value FROM metric_totals"))
    yield CounterMetricFamily("servicehub_certification_certificates_issued",
                              "Certificates issued.", value=totals.get("issued", 0))
    yield CounterMetricFamily("servicehub_certification_recertifications_due",
                              "Recertification windows opened.", value=totals.get("recertification_due", 0))
    yield CounterMetricFamily("servicehub_certification_certificates_renewed",
                              "Certificates renewed by a recertification.", value=totals.get("renewed", 0))


def certification_metrics(
    certification: Any, data_dir: Path, clock: Callable[[], datetime]
) -> Projection:
    """The metrics' read model (add it to the service's projections), registered for /metrics."""
    view = Projection(certification, CertificationMetricsView(), data_dir / "certification-metrics-2.sqlite")
    REGISTRY.register(ReadModelMetrics(lambda: families(view, clock())))
    return view
