"""What billing publishes: MilestoneAccepted, InvoiceIssued, CreditNoteIssued, from the log."""

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

from servicehub.events.v1 import billing_pb2 as events
from servicehub_billing.publishing import translate
from servicehub_businesstime import SHANGHAI
from servicehub_runtime.wallclock import ManualClock

NOW = datetime(2026, 10, 9, 10, 0, tzinfo=SHANGHAI)


def test_an_explicit_acceptance_publishes_milestone_accepted_then_invoice_issued(open_billing):
    billing = open_billing(ManualClock(NOW))
    project_id = uuid4()
    billing.register_project(
        project_id=project_id,
        customer_id="cust-7",
        service_code="realtime-compute-tuning",
        package="standard",
        contract_signed_on=date(2026, 9, 15),
        ordered_at=datetime(2026, 9, 1, tzinfo=UTC),
    )
    billing.submit_deliverable(project_id, "trial-run")
    billing.accept_deliverable(project_id, "trial-run")
    invoice = billing.project_invoice(project_id)
    billing.issue_credit_note(invoice.id, key="k", amount=Decimal("10.00"), reason="typo in report")

    published = [
        outbound.message
        for n in billing.notifications_after(0, 100)
        if (outbound := translate(billing.mapper.to_domain_event(n))) is not None
    ]

    accepted, issued, credited = published
    assert isinstance(accepted, events.MilestoneAccepted)
    assert (accepted.deemed, accepted.reason, accepted.round) == (False, "accepted in writing", 1)
    assert accepted.accepted_at.ToDatetime(tzinfo=UTC) == NOW
    assert accepted.window_end.ToDatetime(tzinfo=UTC) == datetime(2026, 10, 16, tzinfo=SHANGHAI)
    assert isinstance(issued, events.InvoiceIssued)
    assert (issued.number, issued.total, issued.customer_id) == ("INV-2026-000001", "48000.00", "cust-7")
    assert issued.lines[0] == events.InvoiceLine(
        kind="package",
        description="realtime-compute-tuning / standard (accepted)",
        quantity="1",
        unit_price="48000.00",
        amount="48000.00",
    )
    assert isinstance(credited, events.CreditNoteIssued)
    assert (credited.number, credited.amount, credited.invoice_number) == (
        "CN-2026-000001",
        "10.00",
        "INV-2026-000001",
    )
