"""gRPC API of sla: translates requests to application queries."""

from __future__ import annotations

import asyncio

import grpc
from eventsourcing.application import AggregateNotFoundError

from servicehub.events.v1.intake_pb2 import Priority as PriorityPb
from servicehub.sla.v1 import sla_pb2 as pb
from servicehub.sla.v1 import sla_pb2_grpc
from servicehub_runtime.grpcserver import NotFound, uuid_argument
from servicehub_runtime.protobuf import timestamp

from .application import Sla
from .domain import Ticket


class SlaApi(sla_pb2_grpc.SlaServiceServicer):
    def __init__(self, sla: Sla) -> None:
        self._sla = sla

    async def GetTicket(
        self, request: pb.GetTicketRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetTicketResponse:
        ticket_id = uuid_argument("ticket_id", request.ticket_id)
        try:
            ticket = await asyncio.to_thread(self._sla.get_ticket, ticket_id)
        except AggregateNotFoundError:
            raise NotFound(f"ticket {ticket_id} not found") from None
        return pb.GetTicketResponse(ticket=_ticket_message(ticket))




def _ticket_message(ticket: Ticket) -> pb.Ticket:
    return pb.Ticket(
        ticket_id=str(ticket.id),
        customer_id=ticket.customer_id,
        priority=PriorityPb.Value(f"PRIORITY_{ticket.priority.value}"),
        service_plan=ticket.service_plan,
        opened_at=timestamp(ticket.opened_at),
    )
