"""Which domain events billing publishes, as which integration events."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from servicehub.events.v1 import billing_pb2 as events
from servicehub.events.v1.billing_pb2 import MilestoneAccepted
from servicehub_runtime.protobuf import timestamp
from servicehub_runtime.relay import Outbound

from .acceptance import DeliverableAcceptance
from .invoicing import CreditNote, Invoice, InvoiceLine

CURRENCY = "CNY"


def line_message(line: InvoiceLine) -> events.InvoiceLine:
    return events.InvoiceLine(
        kind=line.kind,
        description=line.description,
        quantity=str(line.quantity),
        unit_price=str(line.unit_price),
        amount=str(line.amount),
    )


# What billing publishes, each translated below.
PUBLISHES = [MilestoneAccepted, events.InvoiceIssued, events.CreditNoteIssued, events.DeliverableOverdue]


def translate(domain_event: Any) -> Outbound | None:
    if isinstance(domain_event, DeliverableAcceptance.Accepted):
        return Outbound(
            MilestoneAccepted(
                project_id=str(domain_event.project_id),
                milestone_id=domain_event.deliverable,
                deemed=domain_event.deemed,
                accepted_at=timestamp(domain_event.at),
                customer_id=domain_event.customer_id,
                reason=domain_event.reason,
                window_end=timestamp(domain_event.window_end) if domain_event.window_end else None,
                calendar_version=domain_event.calendar_version,
                round=domain_event.round,
            ),
            key=str(domain_event.project_id),
        )
    if isinstance(domain_event, DeliverableAcceptance.Overdue):
        if getattr(domain_event, "project_id", None) is None:
            return None  # recorded before Overdue was published: it lacks what the event needs
        return Outbound(
            events.DeliverableOverdue(
                project_id=str(domain_event.project_id),
                deliverable=domain_event.deliverable,
                customer_id=domain_event.customer_id,
                kind=domain_event.kind,
                due=timestamp(domain_event.due),
                noticed_at=timestamp(domain_event.noticed_at),
                round=domain_event.round,
            ),
            key=str(domain_event.project_id),
        )
    if isinstance(domain_event, Invoice.Issued):
        lines = domain_event.lines
        return Outbound(
            events.InvoiceIssued(
                invoice_id=str(domain_event.originator_id),
                number=domain_event.number,
                customer_id=domain_event.customer_id,
                project_id=str(domain_event.project_id),
                lines=[line_message(line) for line in lines],
                total=str(sum((line.amount for line in lines), Decimal("0.00"))),
                currency=CURRENCY,
                issued_at=timestamp(domain_event.issued_at),
                rate_card_version=domain_event.rate_card_version,
            ),
            key=domain_event.customer_id,
        )
    if isinstance(domain_event, CreditNote.Issued):
        return Outbound(
            events.CreditNoteIssued(
                credit_note_id=str(domain_event.originator_id),
                number=domain_event.number,
                invoice_id=str(domain_event.invoice_id),
                invoice_number=domain_event.invoice_number,
                customer_id=domain_event.customer_id,
                amount=str(domain_event.amount),
                currency=CURRENCY,
                reason=domain_event.reason,
                issued_at=timestamp(domain_event.issued_at),
            ),
            key=domain_event.customer_id,
        )
    return None
