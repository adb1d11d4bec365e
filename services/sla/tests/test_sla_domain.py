from datetime import UTC, datetime
from uuid import uuid4

from servicehub_sla.domain import Priority, State, Ticket

OPENED_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_a_ticket_records_its_policy_version_and_calendar_version():
    ticket_id = uuid4()

    ticket = Ticket(
        id=ticket_id,
        customer_id="cust-7",
        priority=Priority.P1,
        service_plan="7x24",
        opened_at=OPENED_AT,
        policy_id="SPT-001",
        policy_version=3,
        calendar_version="prc-2004-2026-x",
    )

    assert ticket.id == ticket_id
    assert (ticket.customer_id, ticket.priority, ticket.service_plan, ticket.opened_at) == (
        "cust-7", Priority.P1, "7x24", OPENED_AT,
    )
    assert (ticket.policy_id, ticket.policy_version, ticket.calendar_version) == (
        "SPT-001", 3, "prc-2004-2026-x",
    )
    assert (ticket.state, ticket.cycle, ticket.milestones) == (State.OPEN, 1, {"opened": OPENED_AT})
    [registered] = ticket.collect_events()
    assert isinstance(registered, Ticket.Registered)


def test_priorities_are_p0_to_p4():
    assert [p.value for p in Priority] == ["P0", "P1", "P2", "P3", "P4"]
