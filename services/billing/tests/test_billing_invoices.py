"""Invoices at the billing point (the package's final deliverable accepted), gapless numbers
under concurrent issuers, credit notes instead of edits, SLA breach credits once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

import pytest

from servicehub_billing.acceptance import ACCEPTANCE_WINDOW, WrongState
from servicehub_billing.invoicing import (
    INVOICE_SERIES,
    CreditRefused,
    InvoiceLine,
    InvoiceSeries,
    series_id,
)
from servicehub_billing.ratecards import RateCardError, load_rate_cards
from servicehub_businesstime import SHANGHAI
from servicehub_runtime.deadlines import DeadlineScheduler
from servicehub_runtime.wallclock import ManualClock

SUBMITTED = datetime(2026, 9, 29, 15, 0, tzinfo=SHANGHAI)
TUNING = "realtime-compute-tuning"


@pytest.fixture
def clock():
    return ManualClock(SUBMITTED)


@pytest.fixture
def billing(open_billing, clock):
    return open_billing(clock)


def project(billing, customer_id="cust-7", service_code=TUNING, package="standard"):
    project_id = uuid4()
    billing.register_project(
        project_id=project_id,
        customer_id=customer_id,
        service_code=service_code,
        package=package,
        contract_signed_on=date(2026, 9, 15),
        ordered_at=datetime(2026, 9, 1, tzinfo=UTC),
    )
    return project_id


def test_the_deemed_acceptance_of_the_final_deliverable_issues_one_invoice(billing, clock, tmp_path):
    project_id = project(billing)
    billing.submit_deliverable(project_id, "trial-run")
    scheduler = DeadlineScheduler(
        billing, tmp_path / "d.sqlite", {ACCEPTANCE_WINDOW: billing.acceptance_deadline}, clock
    )
    try:
        clock.advance(datetime(2026, 10, 13, 0, 0, 5, tzinfo=SHANGHAI) - clock())
        assert scheduler.fire_due()[0] == 1
        assert scheduler.fire_due()[0] == 0
    finally:
        scheduler.close()

    invoice = billing.project_invoice(project_id)
    assert invoice.number == "INV-2026-000001"
    # cust-7's contract card: 48,000.00 instead of the list price.
    assert invoice.lines == (
        InvoiceLine("package", f"{TUNING} / standard (accepted)", Decimal(1), Decimal("48000.00"), Decimal("48000.00")),
    )
    assert invoice.total == Decimal("48000.00")
    assert invoice.issued_at == clock()
    assert billing.repository.get(series_id(INVOICE_SERIES, 2026)).last_number == 1


def test_accepting_a_deliverable_before_the_final_one_bills_nothing(billing):
    project_id = project(billing)
    billing.submit_deliverable(project_id, "verification")
    billing.accept_deliverable(project_id, "verification")
    assert billing.project_invoice(project_id) is None


def test_a_customer_without_a_contract_card_pays_the_list_price(billing):
    project_id = project(billing, customer_id="walk-in")
    billing.submit_deliverable(project_id, "trial-run")
    billing.accept_deliverable(project_id, "trial-run")
    assert billing.project_invoice(project_id).total == Decimal("60000.00")


def test_eight_concurrent_issuers_get_gapless_unique_numbers_and_redelivery_bills_nothing(billing):
    projects = [project(billing) for _ in range(24)]
    for project_id in projects:
        billing.submit_deliverable(project_id, "trial-run")
    start = threading.Barrier(8)

    def issue(batch: list) -> list[str]:
        start.wait()
        outcomes = []
        for project_id in batch:
            for _ in range(2):  # the second call is a redelivery of the same acceptance
                try:
                    billing.accept_deliverable(project_id, "trial-run")
                    outcomes.append("accepted")
                except WrongState:
                    outcomes.append("already")
        return outcomes

    batches = [projects[i::8] for i in range(8)]
    with ThreadPoolExecutor(8) as pool:
        outcomes = [o for result in pool.map(issue, batches) for o in result]

    assert outcomes.count("accepted") == 24
    numbers = sorted(billing.project_invoice(p).number for p in projects)
    assert numbers == [f"INV-2026-{n:06d}" for n in range(1, 25)], "a gap or a duplicate"
    series: InvoiceSeries = billing.repository.get(series_id(INVOICE_SERIES, 2026))
    assert series.last_number == 24


def test_lines_are_rounded_to_the_fen_once_each_half_up():
    assert InvoiceLine.of("on-site", "x", Decimal("1.5"), Decimal("3333.333")).amount == Decimal("5000.00")
    # Three lines of 0.005 are 0.01 each: 0.03, where rounding the sum would give 0.02.
    lines = [InvoiceLine.of("on-site", "x", Decimal(1), Decimal("0.005")) for _ in range(3)]
    assert sum(line.amount for line in lines) == Decimal("0.03")


def test_a_correction_is_a_credit_note_and_the_invoice_keeps_its_lines(billing):
    project_id = project(billing)
    billing.submit_deliverable(project_id, "trial-run")
    billing.accept_deliverable(project_id, "trial-run")
    invoice = billing.project_invoice(project_id)

    note = billing.issue_credit_note(invoice.id, key="fix-1", amount=Decimal("1200.50"), reason="discount agreed")
    again = billing.issue_credit_note(invoice.id, key="fix-1", amount=Decimal("1200.50"), reason="discount agreed")

    assert (note.number, again.id) == ("CN-2026-000001", note.id)
    corrected = billing.get_invoice(invoice.id)
    assert corrected.lines == invoice.lines and corrected.total == Decimal("48000.00")
    assert corrected.credited == Decimal("1200.50")
    with pytest.raises(CreditRefused) as reused:
        billing.issue_credit_note(invoice.id, key="fix-1", amount=Decimal("1.00"), reason="other")
    assert reused.value.field == "idempotency_key"
    with pytest.raises(CreditRefused) as too_much:
        billing.issue_credit_note(invoice.id, key="fix-2", amount=Decimal("46799.51"), reason="all")
    assert too_much.value.field == "amount"
    with pytest.raises(CreditRefused) as sub_fen:
        billing.issue_credit_note(invoice.id, key="fix-3", amount=Decimal("0.001"), reason="x")
    assert sub_fen.value.field == "amount"


def test_an_sla_breach_becomes_one_credit_line_on_the_next_invoice_even_when_redelivered(billing):
    # Ticket t-1: breach heard before the ticket's customer, and twice; t-2 the other way round.
    for _ in range(2):
        billing.sla_breached(ticket_id="t-1", priority="P0", breached_at=SUBMITTED - timedelta(days=1))
    billing.ticket_opened(ticket_id="t-1", customer_id="cust-7")
    billing.ticket_opened(ticket_id="t-2", customer_id="cust-7")
    for _ in range(2):
        billing.sla_breached(ticket_id="t-2", priority="P3", breached_at=SUBMITTED)
    billing.ticket_opened(ticket_id="t-3", customer_id="cust-7")  # never breached
    first, second = project(billing), project(billing)
    for project_id in (first, second):
        billing.submit_deliverable(project_id, "trial-run")
        billing.accept_deliverable(project_id, "trial-run")

    invoice = billing.project_invoice(first)
    # cust-7's card credits 3,000.00 for P0; P3 comes from the list card (200.00).
    assert [(line.kind, line.amount) for line in invoice.lines] == [
        ("package", Decimal("48000.00")),
        ("sla-credit", Decimal("-3000.00")),
        ("sla-credit", Decimal("-200.00")),
    ]
    assert invoice.total == Decimal("44800.00")
    assert [line.kind for line in billing.project_invoice(second).lines] == ["package"]
    assert billing.customer_account("cust-7").pending == ()


def test_the_shipped_rate_cards_price_every_package_of_the_catalogue(catalogue):
    cards = load_rate_cards(catalogue)
    for service in catalogue.services:
        for package in service.packages:
            assert cards.list_card.package_price(service.code, package.code) > 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('format = "x"', "format: must be"),
        (
            'format = "servicehub.billing.ratecards/1"\nversion = "1"\n[list]\nperson_day_rate = 3000.0',
            "list.person_day_rate: a CNY amount as a string",
        ),
        (
            'format = "servicehub.billing.ratecards/1"\nversion = "1"\n[list]\nperson_day_rate = "1.001"',
            "is not a non-negative amount in fen",
        ),
        (
            'format = "servicehub.billing.ratecards/1"\nversion = "1"\n[list]\nperson_day_rate = "1.00"'
            '\n[list.package_prices]\n"nope/standard" = "1.00"',
            "list.package_prices.nope/standard: not in the catalogue",
        ),
        (
            'format = "servicehub.billing.ratecards/1"\nversion = "1"\n[list]\nperson_day_rate = "1.00"',
            "list.package_prices: no price for",
        ),
    ],
)
def test_bad_rate_cards_are_refused_naming_file_and_key(catalogue, tmp_path: Path, text, message):
    file = tmp_path / "cards.toml"
    file.write_text(text)
    with pytest.raises(RateCardError) as error:
        load_rate_cards(catalogue, file)
    assert str(file) in str(error.value) and message in str(error.value)
