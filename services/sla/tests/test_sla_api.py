from datetime import UTC, datetime
from uuid import uuid4

import pytest

from servicehub.events.v1.intake_pb2 import Priority as PriorityPb
from servicehub.sla.v1 import sla_pb2
from servicehub_runtime.grpcserver import FieldViolation, InvalidArgument, NotFound
from servicehub_sla.api import SlaApi
from servicehub_sla.domain import Priority

OPENED_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


async def test_get_ticket_returns_the_registered_ticket(sla):
    ticket_id = uuid4()
    sla.register_ticket(
        ticket_id=ticket_id,
        customer_id="cust-7",
        priority=Priority.P4,
        service_plan="5x12",
        opened_at=OPENED_AT,
    )

    response = await SlaApi(sla).GetTicket(
        sla_pb2.GetTicketRequest(ticket_id=str(ticket_id)), context=None
    )

    assert response.ticket == sla_pb2.Ticket(
        ticket_id=str(ticket_id),
        customer_id="cust-7",
        priority=PriorityPb.PRIORITY_P4,
        service_plan="5x12",
        opened_at=response.ticket.opened_at,
    )
    assert response.ticket.opened_at.ToDatetime(tzinfo=UTC) == OPENED_AT


async def test_get_ticket_rejects_an_id_that_is_not_a_uuid(sla):
    with pytest.raises(InvalidArgument) as raised:
        await SlaApi(sla).GetTicket(sla_pb2.GetTicketRequest(ticket_id="T-1001"), context=None)

    assert raised.value.violations == [FieldViolation("ticket_id", "must be a UUID")]


async def test_get_ticket_of_an_unknown_id_is_not_found(sla):
    unknown = uuid4()
    with pytest.raises(NotFound, match=str(unknown)):
        await SlaApi(sla).GetTicket(sla_pb2.GetTicketRequest(ticket_id=str(unknown)), context=None)
