from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from eventsourcing.application import AggregateNotFoundError

from servicehub_runtime.deadlines import Deadline, DeadlineFiring, FiredDeadline
from servicehub_runtime.eventstore import IntegrityError, Tracking
from servicehub_sla.domain import (
    THRESHOLD_DEADLINE,
    Priority,
    State,
    Ticket,
    Update,
    UpdateIdReused,
    UpdateRejected,
)

OPENED_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
STREAM = "intake.ticket-opened.v1:0"
UPDATES = "sla.ticket-updates.v1:0"


def register(sla, ticket_id, *, customer_id="cust-7", priority=Priority.P0, position=None):
    sla.register_ticket(
        ticket_id=ticket_id,
        customer_id=customer_id,
        priority=priority,
        service_plan="5x8",
        opened_at=OPENED_AT,
        position=position,
    )


def minutes(n: float) -> datetime:
    return OPENED_AT + timedelta(minutes=n)


def threshold_firing(sla, ticket_id, late=timedelta(0)):
    ticket = sla.get_ticket(ticket_id)
    deadline = Deadline(THRESHOLD_DEADLINE, ticket.escalations + 1, ticket.next_due, "prc-x")
    return DeadlineFiring(ticket_id, deadline, ticket.next_due + late)


def escalated(sla, ticket_id):
    return [
        (e.cycle, e.target, e.threshold_percent)
        for e in sla.repository.event_store.get(ticket_id)
        if isinstance(e, Ticket.Escalated)
    ]


def test_a_registered_ticket_is_read_back_from_the_sqlite_file(open_sla, sla, calendar):
    ticket_id = uuid4()
    register(sla, ticket_id, priority=Priority.P3)

    ticket = open_sla().get_ticket(ticket_id)

    assert (ticket.id, ticket.customer_id, ticket.priority, ticket.opened_at) == (
        ticket_id, "cust-7", Priority.P3, OPENED_AT,
    )
    assert (ticket.policy_id, ticket.policy_version) == ("SPT-001", 1)
    assert ticket.calendar_version == calendar.version


def test_registering_the_same_ticket_twice_conflicts_and_keeps_the_first(sla):
    ticket_id = uuid4()
    register(sla, ticket_id, customer_id="first")

    with pytest.raises(IntegrityError):
        register(sla, ticket_id, customer_id="second")

    assert sla.get_ticket(ticket_id).customer_id == "first"
    assert len(sla.notifications_after(0, 10)) == 2  # registered, first threshold scheduled


def test_the_tracking_position_commits_with_the_ticket_and_not_with_a_conflict(sla):
    ticket_id = uuid4()
    register(sla, ticket_id, position=Tracking(application_name=STREAM, notification_id=5))

    with pytest.raises(IntegrityError):
        register(sla, ticket_id, position=Tracking(application_name=STREAM, notification_id=6))

    assert sla.position(STREAM) == 5


def test_an_unknown_ticket_is_not_found(sla):
    with pytest.raises(AggregateNotFoundError):
        sla.get_ticket(uuid4())


@pytest.mark.parametrize(
    ("priority", "eighty_percent"),
    [
        (Priority.P0, timedelta(minutes=12)),
        (Priority.P1, timedelta(minutes=24)),
        (Priority.P2, timedelta(minutes=96)),
        (Priority.P3, timedelta(minutes=192)),
        (Priority.P4, timedelta(minutes=384)),
    ],
)
def test_a_registered_ticket_schedules_the_80_percent_of_its_spt_001_response_target(
    sla, calendar, priority, eighty_percent
):
    ticket_id = uuid4()
    register(sla, ticket_id, priority=priority)

    scheduled = sla.mapper.to_domain_event(sla.notifications_after(0, 10)[-1])
    assert isinstance(scheduled, Ticket.ThresholdScheduled)
    assert scheduled.deadlines == [
        Deadline(THRESHOLD_DEADLINE, 1, OPENED_AT + eighty_percent, calendar.version)
    ]


def test_each_threshold_fires_once_and_the_last_also_breaches(sla):
    ticket_id = uuid4()
    register(sla, ticket_id)  # P0: response 15 min → 12, 13.5, 14.25, 15 min

    dues = []
    for _ in range(4):
        firing = threshold_firing(sla, ticket_id, late=timedelta(seconds=42))
        dues.append((firing.deadline.cycle, firing.deadline.due))
        sla.escalate(firing)
        assert isinstance(sla.repository.get(firing.record_id), FiredDeadline)

    # The deadline's cycle counts the firings, so no two firings share a record id.
    assert dues == [(1, minutes(12)), (2, minutes(13.5)), (3, minutes(14.25)), (4, minutes(15))]
    assert escalated(sla, ticket_id) == [(1, "response", p) for p in (80, 90, 95, 100)]
    ticket = sla.get_ticket(ticket_id)
    assert (ticket.next_due, ticket.breaches) == (None, 1)
    cancelled = sla.mapper.to_domain_event(sla.notifications_after(0, 100)[-2])
    assert isinstance(cancelled, Ticket.ThresholdCancelled)
    breach = sla.mapper.to_domain_event(sla.notifications_after(0, 100)[-3])
    assert isinstance(breach, Ticket.SlaBreached)
    assert (breach.target, breach.due_at, breach.lateness_seconds) == ("response", minutes(15), 42.0)
    assert (breach.policy, breach.policy_version, breach.cycle) == ("SPT-001", 1, 1)


def test_a_second_firing_of_the_same_threshold_records_nothing(sla):
    ticket_id = uuid4()
    register(sla, ticket_id)
    firing = threshold_firing(sla, ticket_id)
    sla.escalate(firing)
    recorded = len(sla.notifications_after(0, 100))

    with pytest.raises(IntegrityError):
        sla.escalate(DeadlineFiring(ticket_id, firing.deadline, firing.fired_at + timedelta(hours=1)))

    assert len(sla.notifications_after(0, 100)) == recorded
    assert escalated(sla, ticket_id) == [(1, "response", 80)]


def test_a_firing_of_a_deadline_the_ticket_no_longer_has_escalates_nothing(sla):
    ticket_id = uuid4()
    register(sla, ticket_id)
    stale = DeadlineFiring(ticket_id, Deadline(THRESHOLD_DEADLINE, 1, minutes(1), "prc-x"), minutes(1))

    sla.escalate(stale)

    assert escalated(sla, ticket_id) == []
    assert sla.repository.get(stale.record_id).fired == stale.deadline  # done, not retried


def test_the_first_response_stops_the_response_target(sla):
    ticket_id = uuid4()
    register(sla, ticket_id)
    sla.escalate(threshold_firing(sla, ticket_id))

    assert sla.update_ticket(ticket_id, "u1", Update("first-response", minutes(13)))

    ticket = sla.get_ticket(ticket_id)
    assert (ticket.state, ticket.next_due) == (State.RESPONDED, None)
    assert escalated(sla, ticket_id) == [(1, "response", 80)]


def test_an_update_id_applies_once_and_refuses_other_content(sla):
    ticket_id = uuid4()
    register(sla, ticket_id)
    position = Tracking(application_name=UPDATES, notification_id=1)
    assert sla.update_ticket(ticket_id, "u1", Update("first-response", minutes(5)), position)
    version = sla.get_ticket(ticket_id).version

    again = Tracking(application_name=UPDATES, notification_id=2)
    assert not sla.update_ticket(ticket_id, "u1", Update("first-response", minutes(5)), again)
    with pytest.raises(UpdateIdReused, match="'u1' was used for another update"):
        sla.update_ticket(ticket_id, "u1", Update("first-response", minutes(6)))

    assert sla.get_ticket(ticket_id).version == version
    assert sla.position(UPDATES) == 2  # the repeat is consumed, nothing else recorded


def test_a_solved_ticket_closes_only_when_dispatch_engineer_and_customer_confirmed(sla):
    ticket_id = uuid4()
    register(sla, ticket_id)
    for n, kind in enumerate(("first-response", "problem-confirmed", "solution-given"), 1):
        sla.update_ticket(ticket_id, f"u{n}", Update(kind, minutes(n)))

    sla.update_ticket(ticket_id, "c1", Update("close-confirmed", minutes(10), confirmed_by="customer"))
    assert sla.get_ticket(ticket_id).state is State.SOLVED
    with pytest.raises(UpdateRejected, match="the customer confirmed already"):
        sla.update_ticket(ticket_id, "c2", Update("close-confirmed", minutes(11), confirmed_by="customer"))
    sla.update_ticket(
        ticket_id, "c3", Update("close-confirmed", minutes(12), confirmed_by="dispatch-engineer")
    )

    assert sla.get_ticket(ticket_id).state is State.CLOSED


def test_a_reopened_ticket_runs_its_targets_again_in_a_new_cycle(sla):
    ticket_id = uuid4()
    register(sla, ticket_id)
    sla.escalate(threshold_firing(sla, ticket_id))  # cycle 1: response 80%
    for n, kind in enumerate(("first-response", "problem-confirmed", "solution-given"), 1):
        sla.update_ticket(ticket_id, f"u{n}", Update(kind, minutes(12 + n)))

    sla.update_ticket(ticket_id, "r1", Update("reopened", minutes(60), reason="crashed again"))
    ticket = sla.get_ticket(ticket_id)
    assert (ticket.cycle, ticket.state, ticket.next_due) == (2, State.OPEN, minutes(72))
    sla.escalate(threshold_firing(sla, ticket_id))

    assert escalated(sla, ticket_id) == [(1, "response", 80), (2, "response", 80)]


def open_for(sla, ticket_id, *kinds):
    for n, kind in enumerate(kinds, 1):
        reason = "logs asked" if kind == "waiting-for-customer" else ""
        sla.update_ticket(ticket_id, f"setup-{n}", Update(kind, minutes(n), reason=reason))


@pytest.mark.parametrize(
    ("before", "update", "refusal"),
    [
        ((), Update("problem-confirmed", minutes(9)), "problem-confirmed is not possible: the ticket is open"),
        (("first-response",), Update("first-response", minutes(9)), "the ticket is responded"),
        (("first-response",), Update("solution-given", minutes(9)), "the ticket is responded"),
        ((), Update("close-confirmed", minutes(9), confirmed_by="customer"), "the ticket is open"),
        ((), Update("reopened", minutes(9)), "reopened is not possible: the ticket is open"),
        ((), Update("waiting-for-customer", minutes(9), reason="x"), "the ticket is open"),
        ((), Update("customer-replied", minutes(9)), "not waiting for the customer"),
        ((), Update("engineer-onsite", minutes(9)), "no on-site visit was requested"),
        (("onsite-requested",), Update("onsite-requested", minutes(9)), "recorded in this cycle already"),
        ((), Update("priority-changed", minutes(9), priority=Priority.P0), "the ticket is P0 already"),
        (("first-response", "waiting-for-customer"), Update("problem-confirmed", minutes(9)),
         "the ticket is waiting for the customer (logs asked)"),
        (("first-response",), Update("problem-confirmed", minutes(0.5)),
         "before the ticket's last update at 2026-03-02T09:31:00+00:00"),
        (("first-response", "problem-confirmed", "solution-given"),
         Update("close-confirmed", minutes(9), confirmed_by="boss"), "confirmed_by must be one of"),
    ],
)
def test_an_update_that_makes_no_sense_in_the_state_is_refused_naming_it(sla, before, update, refusal):
    ticket_id = uuid4()
    register(sla, ticket_id)
    open_for(sla, ticket_id, *before)
    version = sla.get_ticket(ticket_id).version

    with pytest.raises(UpdateRejected) as refused:
        sla.update_ticket(ticket_id, "bad", update)

    assert refusal in str(refused.value)
    assert sla.get_ticket(ticket_id).version == version


def test_a_closed_ticket_refuses_everything_but_reopening(sla):
    ticket_id = uuid4()
    register(sla, ticket_id)
    open_for(sla, ticket_id, "first-response", "problem-confirmed", "solution-given")
    for role in ("customer", "dispatch-engineer"):
        sla.update_ticket(ticket_id, role, Update("close-confirmed", minutes(5), confirmed_by=role))

    with pytest.raises(UpdateRejected, match="priority-changed is not possible: the ticket is closed"):
        sla.update_ticket(ticket_id, "p", Update("priority-changed", minutes(6), priority=Priority.P2))


def test_an_update_racing_a_threshold_firing_is_applied_to_the_newer_ticket(open_sla, sla):
    """Two processes' worth of writers: the update reads the ticket, a firing writes it,
    the update's save conflicts and is applied again on the new version."""
    ticket_id = uuid4()
    register(sla, ticket_id)
    other = open_sla()
    original_get = sla.repository.get
    fired = []

    def get_then_fire(aggregate_id, **kwargs):
        ticket = original_get(aggregate_id, **kwargs)
        if not fired:
            fired.append(True)
            other.escalate(threshold_firing(other, ticket_id))
        return ticket

    sla.repository.get = get_then_fire
    assert sla.update_ticket(ticket_id, "u1", Update("first-response", minutes(13)))

    ticket = open_sla().get_ticket(ticket_id)
    assert ticket.state is State.RESPONDED
    assert escalated(sla, ticket_id) == [(1, "response", 80)]
