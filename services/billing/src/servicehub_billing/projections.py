"""Read models of billing, rebuilt from its event log at will."""

from __future__ import annotations

import sqlite3
from typing import Any

from servicehub_runtime.projection import SqliteView

from .invoicing import CreditNote, Invoice


class IssuedDocuments(SqliteView):
    """Every invoice and credit note in the order they were issued, with its customer: what
    the list queries page through (the documents themselves are read from the event store)."""

    schema = """
        CREATE TABLE IF NOT EXISTS invoices (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            invoice_id TEXT NOT NULL UNIQUE,
            customer_id TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS invoices_by_customer ON invoices (customer_id, seq);
        CREATE TABLE IF NOT EXISTS credit_notes (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            credit_note_id TEXT NOT NULL UNIQUE,
            customer_id TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS credit_notes_by_customer ON credit_notes (customer_id, seq);
    """

    def apply(self, connection: sqlite3.Connection, domain_event: Any) -> None:
        if isinstance(domain_event, Invoice.Issued):
            connection.execute(
                "INSERT INTO invoices (invoice_id, customer_id) VALUES (?, ?)",
                (str(domain_event.originator_id), domain_event.customer_id),
            )
        elif isinstance(domain_event, CreditNote.Issued):
            connection.execute(
                "INSERT INTO credit_notes (credit_note_id, customer_id) VALUES (?, ?)",
                (str(domain_event.originator_id), domain_event.customer_id),
            )
