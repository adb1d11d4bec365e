"""Intake application: de-duplication by idempotency key, tracking positions, the clock."""

from __future__ import annotations

import pytest

from servicehub_intake import requests
from servicehub_intake.application import Receipt
from servicehub_intake.domain import Evidence, Priority, RequestRejected, record_id
from servicehub_runtime.eventstore import IntegrityError, Tracking

STREAM = "intake.application-requests.v1:0"


def events_in(intake) -> list:
    return list(intake.notifications_after(0, 100))


def test_submit_creates_the_application_under_its_derived_id(intake, application_request) -> None:
    receipt = requests.submit_application(intake, application_request())

    assert receipt == Receipt(record_id("application", "app-key-1"), duplicate=False)
    application = intake.repository.get(receipt.id)
    assert application.partner_name == "Acme Cloud Services"
    assert application.evidence == (
        Evidence(
            "service-content.migration",
            "12 migrations in 2025",
            "https://docs.acme-cloud.example/migrations.pdf",
        ),
    )


def test_same_key_twice_is_one_application(intake, application_request) -> None:
    first = requests.submit_application(intake, application_request())
    second = requests.submit_application(intake, application_request(partner_name="Changed"))

    assert second == Receipt(first.id, duplicate=True)
    assert first.duplicate is False
    assert len(events_in(intake)) == 1
    assert intake.repository.get(first.id).partner_name == "Acme Cloud Services"


def test_duplicate_is_recognised_after_a_restart(open_intake, application_request) -> None:
    first = requests.submit_application(open_intake(), application_request())
    again = requests.submit_application(open_intake(), application_request())
    assert again == Receipt(first.id, duplicate=True)


def test_keys_are_scoped_per_kind(intake, application_request, ticket_request) -> None:
    application = requests.submit_application(intake, application_request(idempotency_key="k"))
    ticket = requests.open_ticket(intake, ticket_request(idempotency_key="k"))
    assert not ticket.duplicate
    assert ticket.id != application.id


def test_position_is_recorded_with_the_new_record(intake, application_request) -> None:
    requests.submit_application(intake, application_request(), Tracking(STREAM, 4))
    assert intake.position(STREAM) == 4


def test_position_is_recorded_even_for_a_duplicate(intake, application_request) -> None:
    requests.submit_application(intake, application_request(), Tracking(STREAM, 1))
    receipt = requests.submit_application(intake, application_request(), Tracking(STREAM, 2))

    assert receipt.duplicate
    assert intake.position(STREAM) == 2
    assert len(events_in(intake)) == 1


def test_an_already_recorded_position_records_nothing(intake, application_request) -> None:
    intake.record(position=Tracking(STREAM, 7))
    with pytest.raises(IntegrityError):
        requests.submit_application(intake, application_request(), Tracking(STREAM, 7))
    assert events_in(intake) == []


def test_rejected_request_records_nothing(intake, application_request) -> None:
    with pytest.raises(RequestRejected):
        requests.submit_application(intake, application_request(evidence=[]), Tracking(STREAM, 1))
    assert events_in(intake) == []
    assert intake.position(STREAM) is None


def test_the_clock_sets_submitted_at(intake, application_request, fixed_now) -> None:
    receipt = requests.submit_application(intake, application_request())
    assert intake.repository.get(receipt.id).submitted_at == fixed_now
    [notification] = events_in(intake)
    assert intake.mapper.to_domain_event(notification).submitted_at == fixed_now


def test_open_ticket(intake, ticket_request, fixed_now) -> None:
    receipt = requests.open_ticket(intake, ticket_request())
    ticket = intake.repository.get(receipt.id)
    assert receipt.id == record_id("ticket", "ticket-key-1")
    assert (ticket.priority, ticket.service_plan, ticket.opened_at) == (Priority.P1, "7x24", fixed_now)
    assert requests.open_ticket(intake, ticket_request()).duplicate


def test_ticket_with_unspecified_priority_is_rejected(intake, ticket_request) -> None:
    with pytest.raises(RequestRejected) as rejected:
        requests.open_ticket(intake, ticket_request(priority=0))
    assert [v.field for v in rejected.value.violations] == ["priority"]


def test_order_service(intake, order_request, fixed_now) -> None:
    receipt = requests.order_service(intake, order_request())
    order = intake.repository.get(receipt.id)
    assert receipt.id == record_id("order", "order-key-1")
    assert (order.package, order.contract_signed_on, order.ordered_at) == (
        "premium",
        "2026-02-27",
        fixed_now,
    )
    assert requests.order_service(intake, order_request()).duplicate
