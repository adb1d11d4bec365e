"""Read models of certification, rebuilt from its event log at will."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from servicehub_runtime.projection import SqliteView

from .certificates import Certificate
from .domain import Application, ApplicationStatus, BoardDecision

_AFTER_DECISION = {
    BoardDecision.APPROVE: ApplicationStatus.AWAITING_PRE_CHECK,
    BoardDecision.REJECT: ApplicationStatus.REJECTED,
    BoardDecision.SEND_BACK: ApplicationStatus.IN_REVIEW,
}


class ApplicationList(SqliteView):
    """Every application in the order certification registered it."""

    sealed_columns = frozenset({"partner_name", "corporate_email", "evidence"})  # personal data

    schema = """
        CREATE TABLE IF NOT EXISTS applications (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            application_id TEXT NOT NULL UNIQUE,
            partner_id TEXT NOT NULL,
            partner_name TEXT NOT NULL,
            corporate_email TEXT NOT NULL,
            evidence TEXT NOT NULL,
            status TEXT NOT NULL,
            submitted_at TEXT NOT NULL,
            registered_at TEXT NOT NULL,
            partner_ineligibility TEXT NOT NULL DEFAULT '[]',
            criteria_version TEXT NOT NULL DEFAULT '',
            evidence_gaps TEXT NOT NULL DEFAULT '[]'
        );
    """

    def apply(self, connection: sqlite3.Connection, domain_event: Any) -> None:
        if isinstance(domain_event, Application.Registered):
            application = domain_event.mutate(None)
            connection.execute(
                "INSERT INTO applications (application_id, partner_id, partner_name,"
                " corporate_email, evidence, status, submitted_at, registered_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    str(application.id),
                    application.partner_id,
                    self.seal(application.partner_name),
                    self.seal(application.corporate_email),
                    self.seal(json.dumps([vars(e) for e in application.evidence])),
                    application.status.value,
                    application.submitted_at.isoformat(),
                    application.registered_at.isoformat(),
                ),
            )
        elif isinstance(domain_event, Application.Screened):
            connection.execute(
                "UPDATE applications SET status = ?, partner_ineligibility = ?,"
                " criteria_version = ?, evidence_gaps = ? WHERE application_id = ?",
                (
                    ApplicationStatus.after_screening(domain_event.partner_ineligibility).value,
                    json.dumps([vars(r) for r in domain_event.partner_ineligibility]),
                    domain_event.criteria_version,
                    json.dumps(
                        [
                            {"criterion": g.criterion, "gap": g.gap.value, "explanation": g.explanation}
                            for g in domain_event.evidence_gaps
                        ]
                    ),
                    str(domain_event.originator_id),
                ),
            )
        elif isinstance(
            domain_event,
            Application.BoardDecided | Application.CertificateDetailsPreChecked | Application.PartnerConfirmed,
        ):
            if isinstance(domain_event, Application.BoardDecided):
                status = _AFTER_DECISION[domain_event.decision]
            elif isinstance(domain_event, Application.CertificateDetailsPreChecked):
                status = ApplicationStatus.AWAITING_PARTNER_CONFIRMATION
            else:
                status = ApplicationStatus.CERTIFIED
            connection.execute(
                "UPDATE applications SET status = ? WHERE application_id = ?",
                (status.value, str(domain_event.originator_id)),
            )


class CertifiedProviders(SqliteView):
    """The public directory: partners holding a valid certificate. Holds only what the
    certificate says publicly (no contact details, no evidence)."""

    schema = """
        CREATE TABLE IF NOT EXISTS providers (
            certificate_id TEXT PRIMARY KEY,
            partner_id TEXT NOT NULL,
            holder_name TEXT NOT NULL,
            valid_until TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS providers_by_name ON providers (holder_name, certificate_id);
        CREATE TABLE IF NOT EXISTS provider_facets (
            certificate_id TEXT NOT NULL,
            facet TEXT NOT NULL,  -- service_region, language, support_plan
            value TEXT NOT NULL,
            PRIMARY KEY (certificate_id, facet, value)
        );
        CREATE INDEX IF NOT EXISTS provider_facets_by_value ON provider_facets (facet, value);
    """

    def apply(self, connection: sqlite3.Connection, domain_event: Any) -> None:
        certificate_id = str(domain_event.originator_id)
        if isinstance(domain_event, Certificate.Issued):
            details = domain_event.details
            connection.execute(
                "INSERT INTO providers (certificate_id, partner_id, holder_name, valid_until)"
                " VALUES (?, ?, ?, ?)",
                (certificate_id, domain_event.partner_id, details.holder_name,
                 domain_event.valid_until.isoformat()),
            )
            connection.executemany(
                "INSERT OR IGNORE INTO provider_facets (certificate_id, facet, value) VALUES (?, ?, ?)",
                [(certificate_id, "service_region", v) for v in details.service_regions]
                + [(certificate_id, "language", v) for v in details.languages]
                + [(certificate_id, "support_plan", v) for v in details.support_plans],
            )
        elif isinstance(domain_event, Certificate.Renewed):
            connection.execute(
                "UPDATE providers SET valid_until = ? WHERE certificate_id = ?",
                (domain_event.valid_until.isoformat(), certificate_id),
            )
        elif isinstance(domain_event, Certificate.Expired | Certificate.Revoked):
            connection.execute("DELETE FROM providers WHERE certificate_id = ?", (certificate_id,))
            connection.execute("DELETE FROM provider_facets WHERE certificate_id = ?", (certificate_id,))
