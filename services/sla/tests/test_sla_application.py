from datetime import UTC, datetime
from uuid import uuid4

import pytest
from eventsourcing.application import AggregateNotFoundError

from servicehub_runtime.eventstore import IntegrityError, Tracking
from servicehub_sla.domain import Priority

OPENED_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
STREAM = "intake.ticket-opened.v1:0"


def register(sla, ticket_id, *, customer_id="cust-7", priority=Priority.P0, position=None):
    sla.register_ticket(
        ticket_id=ticket_id,
        customer_id=customer_id,
        priority=priority,
        service_plan="5x8",
        opened_at=OPENED_AT,
        position=position,
    )


def test_a_registered_ticket_is_read_back_from_the_sqlite_file(open_sla, sla):
    ticket_id = uuid4()
    register(sla, ticket_id, priority=Priority.P3)

    ticket = open_sla().get_ticket(ticket_id)

    assert ticket.id == ticket_id
    assert ticket.customer_id == "cust-7"
    assert ticket.priority is Priority.P3
    assert ticket.service_plan == "5x8"
    assert ticket.opened_at == OPENED_AT


def test_registering_the_same_ticket_twice_conflicts_and_keeps_the_first(sla):
    ticket_id = uuid4()
    register(sla, ticket_id, customer_id="first")

    with pytest.raises(IntegrityError):
        register(sla, ticket_id, customer_id="second")

    ticket = sla.get_ticket(ticket_id)
    assert ticket.customer_id == "first"
    assert ticket.version == 1
    assert len(sla.notifications_after(0, 10)) == 1


def test_the_tracking_position_commits_with_the_ticket(sla):
    ticket_id = uuid4()
    assert sla.position(STREAM) is None

    register(sla, ticket_id, position=Tracking(application_name=STREAM, notification_id=5))

    assert sla.position(STREAM) == 5
    assert sla.get_ticket(ticket_id).priority is Priority.P0


def test_a_conflicting_registration_records_no_position(sla):
    ticket_id = uuid4()
    register(sla, ticket_id, position=Tracking(application_name=STREAM, notification_id=5))

    with pytest.raises(IntegrityError):
        register(sla, ticket_id, position=Tracking(application_name=STREAM, notification_id=6))

    assert sla.position(STREAM) == 5


def test_an_unknown_ticket_is_not_found(sla):
    with pytest.raises(AggregateNotFoundError):
        sla.get_ticket(uuid4())
