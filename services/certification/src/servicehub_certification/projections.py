"""Read models of certification, rebuilt from its event log at will."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from servicehub_runtime.projection import SqliteView

from .domain import Application


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
            registered_at TEXT NOT NULL
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
