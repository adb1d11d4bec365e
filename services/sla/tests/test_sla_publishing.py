from datetime import UTC, datetime, timedelta
from uuid import uuid4

from servicehub.events.v1.intake_pb2 import Priority as PriorityPb
from servicehub.events.v1.sla_pb2 import SlaBreached, SlaTarget, TicketEscalated
from servicehub_sla.domain import Priority
from servicehub_sla.publishing import translate

OPENED_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_each_threshold_is_published_as_ticket_escalated_and_the_breach_as_sla_breached(
    harness, calendar
):
    """The whole path in one process: ticket → deadlines → scheduler → integration events."""
    h = harness(OPENED_AT)
    ticket_id = uuid4()
    h.sla.register_ticket(
        ticket_id=ticket_id, customer_id="cust-7", priority=Priority.P1, service_plan="5x8",
        opened_at=OPENED_AT,
    )
    h.clock.advance(timedelta(minutes=23, seconds=59))
    assert h.scheduler.fire_due()[0] == 0
    h.clock.advance(timedelta(seconds=3))  # 80% (24 min) fired 2 s late
    assert h.scheduler.fire_due()[0] == 1
    h.run_until(OPENED_AT + timedelta(hours=1))

    outbound = [translate(h.sla.mapper.to_domain_event(n)) for n in h.sla.notifications_after(0, 100)]
    published = [o for o in outbound if o is not None]
    assert [type(o.message).__name__ for o in published] == [
        "TicketEscalated", "TicketEscalated", "TicketEscalated", "TicketEscalated", "SlaBreached",
    ]
    assert {o.key for o in published} == {str(ticket_id)}
    first = published[0].message
    assert isinstance(first, TicketEscalated)
    assert first == TicketEscalated(
        ticket_id=str(ticket_id),
        priority=PriorityPb.PRIORITY_P1,
        target=SlaTarget.SLA_TARGET_RESPONSE,
        threshold_percent=80,
        escalated_at=first.escalated_at,
        target_name="response",
        role="handling-team",
        due_at=first.due_at,
        policy="SPT-001",
        policy_version=1,
        calendar_version=calendar.version,
        cycle=1,
    )
    assert first.due_at.ToDatetime(tzinfo=UTC) == OPENED_AT + timedelta(minutes=24)
    assert first.escalated_at.ToDatetime(tzinfo=UTC) == OPENED_AT + timedelta(minutes=24, seconds=2)
    assert [(o.message.threshold_percent, o.message.role) for o in published[1:4]] == [
        (90, "senior-engineer"), (95, "technical-manager"), (100, "emergency-response"),
    ]
    breach = published[4].message
    assert isinstance(breach, SlaBreached)
    assert (breach.target, breach.target_name, breach.policy, breach.policy_version, breach.cycle) == (
        SlaTarget.SLA_TARGET_RESPONSE, "response", "SPT-001", 1, 1,
    )
    assert breach.due_at.ToDatetime(tzinfo=UTC) == OPENED_AT + timedelta(minutes=30)
    assert breach.lateness.ToTimedelta() == timedelta(0)


def test_a_target_without_an_enum_value_is_published_by_its_name(harness, stress_customer):
    customer, policies = stress_customer
    h = harness(OPENED_AT, policies)
    ticket_id = uuid4()
    h.sla.register_ticket(
        ticket_id=ticket_id, customer_id=customer, priority=Priority.P0, service_plan="7x12",
        opened_at=OPENED_AT,  # 17:30 Beijing: 7x12 runs until 20:00
    )
    h.run_until(OPENED_AT + timedelta(minutes=13))  # remote support 15 min: 80% at 12 min

    names = [
        (o.message.target, o.message.target_name, o.message.threshold_percent)
        for n in h.sla.notifications_after(0, 100)
        if isinstance((o := translate(h.sla.mapper.to_domain_event(n))) and o.message, TicketEscalated)
    ]
    assert (SlaTarget.SLA_TARGET_UNSPECIFIED, "remote-support", 80) in names
