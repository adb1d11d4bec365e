from datetime import UTC, datetime
from uuid import uuid4

from servicehub_sla.domain import Priority, Ticket

OPENED_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_a_ticket_is_registered_with_what_its_sla_clock_needs():
    ticket_id = uuid4()

    ticket = Ticket(
        id=ticket_id,
        customer_id="cust-7",
        priority=Priority.P1,
        service_plan="7x24",
        opened_at=OPENED_AT,
    )

    assert ticket.id == ticket_id
    assert (ticket.customer_id, ticket.priority, ticket.service_plan, ticket.opened_at) == (
        "cust-7",
        Priority.P1,
        "7x24",
        OPENED_AT,
    )
    assert ticket.version == 1
    [registered] = ticket.collect_events()
    assert isinstance(registered, Ticket.Registered)
    assert registered.originator_id == ticket_id
    assert ticket.registered_at == registered.timestamp


def test_priorities_are_p0_to_p4():
    assert [p.value for p in Priority] == ["P0", "P1", "P2", "P3", "P4"]
