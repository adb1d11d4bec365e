"""gRPC API of sla: translates requests to application commands and queries."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import grpc
from eventsourcing.application import AggregateNotFoundError
from google.protobuf.duration_pb2 import Duration

from servicehub.events.v1.intake_pb2 import Priority as PriorityPb
from servicehub.sla.v1 import sla_pb2 as pb
from servicehub.sla.v1 import sla_pb2_grpc
from servicehub_businesstime import CalendarHorizonError
from servicehub_runtime import auth
from servicehub_runtime.bounds import FieldViolation
from servicehub_runtime.grpcserver import Conflict, InvalidArgument, NotFound, uuid_argument
from servicehub_runtime.protobuf import timestamp
from servicehub_runtime.wallclock import Clock

from . import requests
from .application import Sla
from .domain import Ticket, UpdateIdReused, UpdateRejected

MAX_HISTORY = 200


class SlaApi(sla_pb2_grpc.SlaServiceServicer):
    def __init__(self, sla: Sla, clock: Clock) -> None:
        self._sla = sla
        self._clock = clock

    async def GetTicket(
        self, request: pb.GetTicketRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetTicketResponse:
        ticket_id = uuid_argument("ticket_id", request.ticket_id)
        try:
            ticket = await asyncio.to_thread(self._sla.get_ticket, ticket_id)
        except AggregateNotFoundError:
            raise NotFound(f"ticket {ticket_id} not found") from None
        auth.require_owner("customer_id", ticket.customer_id, f"ticket {ticket_id}")
        try:
            return pb.GetTicketResponse(ticket=self._ticket_message(ticket))
        except CalendarHorizonError as error:
            await context.abort(
                grpc.StatusCode.FAILED_PRECONDITION,
                f"the business calendar ends before this ticket's targets ({error}); extend it"
                " with BUSINESS_CALENDAR_OVERRIDE"[:400],
            )
            raise

    async def UpdateTicket(
        self, request: pb.UpdateTicketRequest, context: grpc.aio.ServicerContext
    ) -> pb.UpdateTicketResponse:
        ticket_id = uuid_argument("ticket_id", request.ticket_id)
        try:
            applied = await asyncio.to_thread(requests.update_ticket, self._sla, request)
            ticket = await asyncio.to_thread(self._sla.get_ticket, ticket_id)
        except requests.BadUpdate as bad:
            raise InvalidArgument([FieldViolation(bad.field, bad.problem)]) from None
        except AggregateNotFoundError:
            raise NotFound(f"ticket {ticket_id} not found") from None
        except UpdateIdReused as reused:
            raise Conflict(str(reused)) from None
        except UpdateRejected as rejected:
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(rejected)[:400])
        return pb.UpdateTicketResponse(ticket=self._ticket_message(ticket), duplicate=not applied)

    def _ticket_message(self, ticket: Ticket) -> pb.Ticket:
        now = self._clock()
        policy, clock = self._sla.policy_of(ticket)
        waiting = bool(ticket.pauses) and ticket.pauses[-1][1] is None
        return pb.Ticket(
            ticket_id=str(ticket.id),
            customer_id=ticket.customer_id,
            priority=PriorityPb.Value(f"PRIORITY_{ticket.priority.value}"),
            service_plan=ticket.service_plan,
            opened_at=timestamp(ticket.opened_at),
            policy=ticket.policy_id,
            policy_version=ticket.policy_version,
            calendar_version=ticket.calendar_version,
            state=ticket.state.value,
            cycle=ticket.cycle,
            waiting_reason=ticket.pause_reason if waiting else "",
            targets=[
                pb.TargetStatus(
                    name=view.name,
                    duration=_duration(view.duration),
                    started_at=_optional(view.started_at),
                    stopped_at=_optional(view.stopped_at),
                    due_at=_optional(view.due_at),
                    elapsed=_duration(view.elapsed),
                    percent_elapsed=view.percent_elapsed,
                    paused=_duration(view.paused),
                    thresholds_fired=view.fired,
                )
                for view in ticket.targets(policy, clock, now)
            ],
            history=[
                pb.HistoryEntry(at=timestamp(at), what=what, detail=detail[:2000])
                for at, what, detail in ticket.history[-MAX_HISTORY:]
            ],
        )


def _duration(value: timedelta) -> Duration:
    result = Duration()
    result.FromTimedelta(value)
    return result


def _optional(value: datetime | None):
    return None if value is None else timestamp(value)
