from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from eventsourcing.application import AggregateNotFoundError

from servicehub_runtime.deadlines import Deadline, DeadlineFiring, FiredDeadline
from servicehub_runtime.eventstore import IntegrityError, Tracking
from servicehub_sla.domain import RESPONSE_TARGET, Priority

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
    assert ticket.version == 2  # registered, response target scheduled
    assert len(sla.notifications_after(0, 10)) == 2


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


@pytest.mark.parametrize(
    ("priority", "target"),
    [
        (Priority.P0, timedelta(minutes=15)),
        (Priority.P1, timedelta(minutes=30)),
        (Priority.P2, timedelta(hours=2)),
        (Priority.P3, timedelta(hours=4)),
        (Priority.P4, timedelta(hours=8)),
    ],
)
def test_a_registered_ticket_schedules_its_spt_001_response_target(sla, calendar, priority, target):
    ticket_id = uuid4()
    register(sla, ticket_id, priority=priority)

    ticket = sla.get_ticket(ticket_id)
    assert ticket.policy == "SPT-001"
    assert ticket.response_target == Deadline(
        RESPONSE_TARGET, 1, OPENED_AT + target, calendar.version
    )
    scheduled = sla.notifications_after(0, 10)[-1]
    assert scheduled.topic.endswith("Ticket.ResponseTargetScheduled")


def fire(ticket_id, due, at):
    return DeadlineFiring(ticket_id, Deadline(RESPONSE_TARGET, 1, due, "prc-2004-2026-x"), at)


def test_the_fired_response_target_records_the_breach_with_its_lateness(sla):
    ticket_id = uuid4()
    register(sla, ticket_id)
    target = sla.get_ticket(ticket_id).response_target
    firing = DeadlineFiring(ticket_id, target, target.due + timedelta(seconds=42))

    sla.breach_response_target(firing)

    ticket = sla.get_ticket(ticket_id)
    assert ticket.breached_at == target.due + timedelta(seconds=42)
    breached = sla.mapper.to_domain_event(sla.notifications_after(0, 10)[-2])
    assert breached.lateness_seconds == 42.0
    assert breached.due_at == target.due
    assert breached.calendar_version == target.calendar_version
    assert breached.policy == "SPT-001"
    outcome = sla.repository.get(firing.record_id)
    assert isinstance(outcome, FiredDeadline)


def test_a_second_firing_of_the_same_target_records_nothing(sla):
    ticket_id = uuid4()
    register(sla, ticket_id)
    target = sla.get_ticket(ticket_id).response_target
    sla.breach_response_target(DeadlineFiring(ticket_id, target, target.due))
    recorded = len(sla.notifications_after(0, 100))

    with pytest.raises(IntegrityError):
        sla.breach_response_target(DeadlineFiring(ticket_id, target, target.due + timedelta(hours=1)))

    assert len(sla.notifications_after(0, 100)) == recorded
    assert sla.get_ticket(ticket_id).breached_at == target.due


def test_a_firing_of_a_deadline_the_ticket_no_longer_has_breaches_nothing(sla):
    ticket_id = uuid4()
    register(sla, ticket_id)
    stale = fire(ticket_id, OPENED_AT + timedelta(minutes=1), OPENED_AT + timedelta(minutes=1))

    sla.breach_response_target(stale)

    assert sla.get_ticket(ticket_id).breached_at is None
    assert sla.repository.get(stale.record_id).fired == stale.deadline  # done, not retried
