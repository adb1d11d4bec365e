"""Read models of certification, rebuilt from its event log at will."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from servicehub_runtime.projection import SqliteView

from .domain import Application, ApplicationStatus


class ApplicationList(SqliteView):
    """Every application in the order certification registered it."""

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
                    application.partner_name,
                    application.corporate_email,
                    json.dumps([vars(e) for e in application.evidence]),
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
