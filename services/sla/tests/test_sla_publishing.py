from datetime import UTC, datetime, timedelta
from uuid import uuid4

from servicehub.events.v1.intake_pb2 import Priority as PriorityPb
from servicehub.events.v1.sla_pb2 import SlaBreached, SlaTarget
from servicehub_runtime.deadlines import DeadlineFiring, DeadlineScheduler
from servicehub_runtime.wallclock import ManualClock
from servicehub_sla.domain import RESPONSE_TARGET, Priority
from servicehub_sla.publishing import translate

OPENED_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_a_response_target_fires_on_time_and_publishes_the_breach(sla, calendar, tmp_path):
    """The whole path in one process: ticket → deadline → scheduler → breach → integration event."""
    clock = ManualClock(OPENED_AT)
    scheduler = DeadlineScheduler(
        sla, tmp_path / "sla-deadlines.sqlite", {RESPONSE_TARGET: sla.breach_response_target}, clock
    )
    try:
        ticket_id = uuid4()
        sla.register_ticket(
            ticket_id=ticket_id,
            customer_id="cust-7",
            priority=Priority.P1,
            service_plan="5x8",
            opened_at=OPENED_AT,
        )
        clock.advance(timedelta(minutes=29, seconds=59))
        assert scheduler.fire_due()[0] == 0

        clock.advance(timedelta(seconds=3))
        assert scheduler.fire_due()[0] == 1
    finally:
        scheduler.close()

    outbound = [translate(sla.mapper.to_domain_event(n)) for n in sla.notifications_after(0, 10)]
    published = [o for o in outbound if o is not None]
    assert len(published) == 1
    message = published[0].message
    assert isinstance(message, SlaBreached)
    assert published[0].key == str(ticket_id)
    assert message.ticket_id == str(ticket_id)
    assert message.priority == PriorityPb.PRIORITY_P1
    assert message.target == SlaTarget.SLA_TARGET_RESPONSE
    assert message.policy == "SPT-001"
    assert message.calendar_version == calendar.version
    assert message.due_at.ToDatetime(tzinfo=UTC) == OPENED_AT + timedelta(minutes=30)
    assert message.breached_at.ToDatetime(tzinfo=UTC) == OPENED_AT + timedelta(minutes=30, seconds=2)
    assert message.lateness.ToTimedelta() == timedelta(seconds=2)


def test_only_the_breach_is_published(sla):
    ticket_id = uuid4()
    sla.register_ticket(
        ticket_id=ticket_id, customer_id="c", priority=Priority.P0, service_plan="7x24",
        opened_at=OPENED_AT,
    )
    target = sla.get_ticket(ticket_id).response_target
    sla.breach_response_target(DeadlineFiring(ticket_id, target, target.due))

    topics = [
        n.topic.rsplit(".", 1)[-1]
        for n in sla.notifications_after(0, 10)
        if translate(sla.mapper.to_domain_event(n)) is not None
    ]
    assert topics == ["SlaBreached"]
