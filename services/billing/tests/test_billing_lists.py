"""ListInvoices and ListCreditNotes over a real gRPC server with token checks: pages of a
bounded size in the order issued, a customer sees only its own documents."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

import grpc
import pytest

from servicehub.billing.v1 import billing_pb2 as pb
from servicehub_billing import api as billing_api
from servicehub_runtime.wallclock import ManualClock

from .test_billing_acceptance_api import ISSUER, NOW, call_error, serve, violations


@pytest.fixture
def billing(open_billing):
    return open_billing(ManualClock(NOW))


def invoiced(billing, customer_id: str):
    """A project of the customer whose package was accepted: its invoice."""
    project_id = uuid4()
    billing.register_project(
        project_id=project_id, customer_id=customer_id, service_code="realtime-compute-tuning",
        package="standard", contract_signed_on=date(2026, 9, 15), ordered_at=datetime(2026, 9, 1, tzinfo=UTC),
    )
    billing.submit_deliverable(project_id, "trial-run")
    billing.accept_deliverable(project_id, "trial-run")
    return billing.project_invoice(project_id)


@pytest.fixture
async def issued(billing, documents):
    """Invoices 1, 2, 4 of cust-7, 3 of cust-8; a credit note on cust-7's first and cust-8's."""
    invoices = [invoiced(billing, c) for c in ("cust-7", "cust-7", "cust-8", "cust-7")]
    billing.issue_credit_note(invoices[0].id, key="k-1", amount=Decimal("10.00"), reason="late")
    billing.issue_credit_note(invoices[2].id, key="k-1", amount=Decimal("5.00"), reason="late")
    documents.catch_up()
    return invoices


@pytest.fixture
async def stub(billing, documents, issued):
    async with serve(billing, documents) as stub:
        yield stub


def as_customer(customer_id: str):
    return ISSUER.metadata("customer", customer_id=customer_id)


async def test_invoices_come_in_pages_of_the_size_asked_in_the_order_issued(stub):
    first = await stub.ListInvoices(pb.ListInvoicesRequest(page_size=3))
    second = await stub.ListInvoices(pb.ListInvoicesRequest(page_size=3, page_token=first.next_page_token))

    assert [i.number for i in first.invoices] == ["INV-2026-000001", "INV-2026-000002", "INV-2026-000003"]
    assert [i.number for i in second.invoices] == ["INV-2026-000004"]
    assert second.next_page_token == ""
    assert [c.amount for c in first.invoices[0].credit_notes] == ["10.00"]


async def test_a_customer_lists_only_its_own_invoices_and_credit_notes(stub, issued):
    mine = await stub.ListInvoices(pb.ListInvoicesRequest(customer_id="cust-7"), metadata=as_customer("cust-7"))
    notes = await stub.ListCreditNotes(
        pb.ListCreditNotesRequest(customer_id="cust-7"), metadata=as_customer("cust-7")
    )

    assert [i.number for i in mine.invoices] == ["INV-2026-000001", "INV-2026-000002", "INV-2026-000004"]
    assert {i.customer_id for i in mine.invoices} == {"cust-7"}
    assert [(n.number, n.invoice_number, n.invoice_id, n.customer_id, n.amount) for n in notes.credit_notes] == [
        ("CN-2026-000001", "INV-2026-000001", str(issued[0].id), "cust-7", "10.00")
    ]


@pytest.mark.parametrize("named", ["cust-8", ""])
async def test_a_customer_naming_another_customer_or_none_is_not_found(stub, named):
    for call in (
        stub.ListInvoices(pb.ListInvoicesRequest(customer_id=named), metadata=as_customer("cust-7")),
        stub.ListCreditNotes(pb.ListCreditNotesRequest(customer_id=named), metadata=as_customer("cust-7")),
    ):
        error = await call_error(call)
        assert error.code() == grpc.StatusCode.NOT_FOUND


async def test_staff_filter_by_customer_and_page_through_credit_notes(stub):
    theirs = await stub.ListInvoices(pb.ListInvoicesRequest(customer_id="cust-8"))
    first = await stub.ListCreditNotes(pb.ListCreditNotesRequest(page_size=1))
    second = await stub.ListCreditNotes(pb.ListCreditNotesRequest(page_size=1, page_token=first.next_page_token))

    assert [i.number for i in theirs.invoices] == ["INV-2026-000003"]
    assert [n.number for n in [*first.credit_notes, *second.credit_notes]] == ["CN-2026-000001", "CN-2026-000002"]
    assert second.next_page_token == ""


async def test_a_page_is_cut_short_before_its_byte_limit_and_goes_on_from_there(stub, monkeypatch):
    monkeypatch.setattr(billing_api, "MAX_PAGE_BYTES", 1)  # every invoice alone is over it

    numbers, token = [], ""
    for _ in range(4):
        page = await stub.ListInvoices(pb.ListInvoicesRequest(page_token=token))
        assert len(page.invoices) == 1  # the first of a page always fits
        numbers.append(page.invoices[0].number)
        token = page.next_page_token

    assert numbers == [f"INV-2026-00000{n}" for n in (1, 2, 3, 4)]
    assert token == ""


@pytest.mark.parametrize(
    ("request_fields", "violation"),
    [
        ({"page_size": 101}, ("page_size", "must be 0–100 (0: 50)")),
        ({"page_size": -1}, ("page_size", "must be 0–100 (0: 50)")),
        ({"page_token": "INV-2026-000001"}, ("page_token", "is not a token this API issued")),
    ],
)
async def test_a_page_size_out_of_bounds_or_a_foreign_token_names_the_field(stub, request_fields, violation):
    error = await call_error(stub.ListInvoices(pb.ListInvoicesRequest(**request_fields)))

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert violations(error) == [violation]
