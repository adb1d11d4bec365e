"""Intake application: de-duplication by idempotency key, tracking positions, the clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from servicehub.events.v1 import intake_pb2 as events_pb
from servicehub_intake import requests
from servicehub_intake.application import Receipt
from servicehub_intake.domain import (
    CertificationApplication,
    Evidence,
    IdempotencyKeyReused,
    Priority,
    RequestRejected,
    record_id,
)
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
    second = requests.submit_application(intake, application_request())

    assert second == Receipt(first.id, duplicate=True)
    assert first.duplicate is False
    assert len(events_in(intake)) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"partner_name": "Changed"},
        {"corporate_email": "other@acme-cloud.example"},
        {"evidence": [Evidence("c", "s", "u")]},
    ],
    ids=["partner_name", "corporate_email", "evidence"],
)
def test_same_key_with_a_different_request_is_refused_and_nothing_recorded(
    intake, application_request, change
) -> None:
    first = requests.submit_application(intake, application_request())
    fields = dict(change)
    if "evidence" in fields:
        fields["evidence"] = [
            events_pb.Evidence(criterion=e.criterion, summary=e.summary, document_uri=e.document_uri)
            for e in fields["evidence"]
        ]
    with pytest.raises(IdempotencyKeyReused) as raised:
        requests.submit_application(intake, application_request(**fields))

    assert "idempotency key 'app-key-1' was already used for a different request" in str(raised.value)
    assert len(events_in(intake)) == 1
    assert intake.repository.get(first.id).partner_name == "Acme Cloud Services"
    # The original request is still answered with the original record.
    assert requests.submit_application(intake, application_request()) == Receipt(first.id, duplicate=True)


def test_reused_key_on_tickets_and_orders_is_refused_too(intake, ticket_request, order_request) -> None:
    requests.open_ticket(intake, ticket_request())
    requests.order_service(intake, order_request())
    with pytest.raises(IdempotencyKeyReused):
        requests.open_ticket(intake, ticket_request(priority=events_pb.PRIORITY_P0))
    with pytest.raises(IdempotencyKeyReused):
        requests.order_service(intake, order_request(package="basic"))
    assert requests.open_ticket(intake, ticket_request()).duplicate
    assert requests.order_service(intake, order_request()).duplicate


def test_a_reused_key_from_a_topic_records_neither_the_request_nor_the_position(
    intake, application_request
) -> None:
    requests.submit_application(intake, application_request())
    with pytest.raises(IdempotencyKeyReused):
        requests.submit_application(
            intake, application_request(partner_name="Changed"), Tracking(STREAM, 7)
        )
    assert intake.position(STREAM) is None  # the consumer dead-letters it and records it then


def test_records_from_before_fingerprints_take_any_request_under_their_key_as_the_same(
    intake, application_request
) -> None:
    """Records stored before fingerprints existed lack the field: they keep answering
    duplicate=true rather than failing, as they did."""
    key = "legacy-key"
    legacy = CertificationApplication(
        id=record_id("application", key), idempotency_key=key, partner_id="p", partner_name="Old",
        corporate_email="a@b.example", evidence=(Evidence("c", "", "u"),), submitted_at=datetime(2025, 1, 1, tzinfo=UTC),
    )
    [created] = legacy.collect_events()
    del created.__dict__["fingerprint"]  # as stored by the previous release
    intake.events.put([created])

    assert intake.repository.get(legacy.id).fingerprint == ""
    again = requests.submit_application(intake, application_request(idempotency_key=key))
    assert again == Receipt(legacy.id, duplicate=True)


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
    assert order.requested_start_on == ""
    assert requests.order_service(intake, order_request()).duplicate


def test_a_requested_start_is_kept_and_part_of_the_request(intake, order_request) -> None:
    receipt = requests.order_service(intake, order_request(requested_start_on="2026-03-16"))

    assert intake.repository.get(receipt.id).requested_start_on == "2026-03-16"
    assert requests.order_service(intake, order_request(requested_start_on="2026-03-16")).duplicate
    with pytest.raises(IdempotencyKeyReused):
        requests.order_service(intake, order_request(requested_start_on="2026-03-17"))


def test_further_packages_are_kept_and_part_of_the_request(intake, order_request) -> None:
    def order(*additional):
        return order_request(package="consulting", additional_packages=list(additional))

    receipt = requests.order_service(intake, order("implementation-basic"))

    assert intake.repository.get(receipt.id).additional_packages == ("implementation-basic",)
    assert requests.order_service(intake, order("implementation-basic")).duplicate
    with pytest.raises(IdempotencyKeyReused):
        requests.order_service(intake, order("implementation-basic", "implementation-basic"))
