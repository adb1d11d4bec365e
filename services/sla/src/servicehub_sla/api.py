"""gRPC API of sla: translates requests to application commands and queries."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

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
from .availability import (
    TARGET_PERCENT,
    AvailabilityRejected,
    AvailabilityReport,
    MaintenanceKind,
    MaintenanceWindow,
    Outage,
)
from .domain import Ticket, UpdateIdReused, UpdateRejected
from .projections import Availability, Compliance, TicketQueries
from .reprojection import ReprojectionRefused, reproject

MAX_HISTORY = 200


_KINDS = {
    pb.MAINTENANCE_KIND_PLANNED: MaintenanceKind.PLANNED,
    pb.MAINTENANCE_KIND_EMERGENCY: MaintenanceKind.EMERGENCY,
}
_KIND_VALUES = {kind: value for value, kind in _KINDS.items()}


class SlaApi(sla_pb2_grpc.SlaServiceServicer):
    def __init__(self, sla: Sla, clock: Clock, availability: Availability,
                 queries: TicketQueries) -> None:
        self._sla = sla
        self._clock = clock
        self._availability = availability
        self._queries = queries

    async def ListTicketsAtRisk(
        self, request: pb.ListTicketsAtRiskRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListTicketsAtRiskResponse:
        min_percent, limit = request.min_percent or 80, request.limit or 100
        violations = []
        if not 1 <= min_percent <= 100:
            violations.append(FieldViolation("min_percent", "must be 1 to 100"))
        if not 1 <= limit <= 1000:
            violations.append(FieldViolation("limit", "must be 1 to 1000"))
        if violations:
            raise InvalidArgument(violations)
        now = self._clock()
        found = await asyncio.to_thread(self._queries.at_risk, min_percent, limit, now)
        return pb.ListTicketsAtRiskResponse(tickets=[
            pb.TicketAtRisk(
                ticket_id=r.ticket_id, customer_id=r.customer_id,
                priority=PriorityPb.Value(f"PRIORITY_{r.priority}"), policy=r.policy,
                target=r.target, percent_elapsed=r.percent_elapsed, due_at=_optional(r.due_at),
                time_left=None if r.time_left is None else _duration(r.time_left),
            )
            for r in found
        ])

    async def GetCompliance(
        self, request: pb.GetComplianceRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetComplianceResponse:
        priority = ""
        if request.priority != PriorityPb.PRIORITY_UNSPECIFIED:
            priority = PriorityPb.Name(request.priority).removeprefix("PRIORITY_")
        try:
            rows = await asyncio.to_thread(
                self._queries.compliance, request.period, request.customer_id, request.policy,
                priority)
        except ValueError as bad:
            raise InvalidArgument([FieldViolation("period", str(bad))]) from None
        return pb.GetComplianceResponse(rows=[_compliance_row(r) for r in rows[:1000]])

    async def ReprojectCompliance(
        self, request: pb.ReprojectComplianceRequest, context: grpc.aio.ServicerContext
    ) -> pb.ReprojectComplianceResponse:
        if request.policy_version < 1:
            raise InvalidArgument([FieldViolation("policy_version", "must be 1 or more")])
        try:
            result = await asyncio.to_thread(
                reproject, self._sla, request.period, request.policy, request.policy_version,
                request.clock, self._clock())
        except ReprojectionRefused as refused:
            raise InvalidArgument([FieldViolation(refused.field, refused.problem)]) from None
        return pb.ReprojectComplianceResponse(
            policy=result.policy.id, policy_version=result.policy.version,
            clock=result.clock.plan.name, calendar_version=result.clock.calendar_version,
            tickets=result.tickets, events=result.events,
            took=_duration(timedelta(seconds=result.seconds)),
            rows=[_compliance_row(r) for r in result.rows[:1000]],
        )

    async def PlanMaintenance(
        self, request: pb.PlanMaintenanceRequest, context: grpc.aio.ServicerContext
    ) -> pb.PlanMaintenanceResponse:
        kind = _KINDS.get(request.kind)
        violations = []
        if kind is None:
            violations.append(FieldViolation("kind", "must be PLANNED or EMERGENCY"))
        if not request.HasField("announced_at"):
            violations.append(FieldViolation("announced_at", "is required"))
        if request.HasField("starts_at") != request.HasField("ends_at"):
            violations.append(FieldViolation("ends_at" if request.HasField("starts_at") else "starts_at",
                                              "give both starts_at and ends_at, or neither (planned)"))
        elif not request.HasField("starts_at") and kind is MaintenanceKind.EMERGENCY:
            violations.append(FieldViolation("starts_at", "is required for emergency maintenance"))
        if violations:
            raise InvalidArgument(violations)
        assert kind is not None
        try:
            window, recorded = await asyncio.to_thread(
                self._sla.plan_maintenance, request.window_id, kind, _instant(request, "starts_at"),
                _instant(request, "ends_at"), _instant(request, "announced_at"),
                request.description, request.customer_id,
            )
        except AvailabilityRejected as rejected:
            raise InvalidArgument([FieldViolation("ends_at", str(rejected))]) from None
        except UpdateIdReused as reused:
            raise Conflict(str(reused)) from None
        return pb.PlanMaintenanceResponse(window=_window_message(window), duplicate=not recorded)

    async def RecordOutage(
        self, request: pb.RecordOutageRequest, context: grpc.aio.ServicerContext
    ) -> pb.RecordOutageResponse:
        try:
            outage, recorded = await asyncio.to_thread(
                self._sla.record_outage, request.outage_id, _instant(request, "started_at"),
                _instant(request, "ended_at"), _instant(request, "recovery_notice_at"),
                request.description,
            )
        except AvailabilityRejected as rejected:
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(rejected)[:400])
            raise
        return pb.RecordOutageResponse(outage=_outage_message(outage, self._clock()),
                                       duplicate=not recorded)

    async def GetAvailability(
        self, request: pb.GetAvailabilityRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetAvailabilityResponse:
        now = self._clock()
        try:
            report, windows, outages = await asyncio.to_thread(
                self._availability.report, request.period, now, request.customer_id)
        except ValueError as bad:
            raise InvalidArgument([FieldViolation("period", str(bad))]) from None
        months = []
        if "-" not in request.period:
            months = [
                _report_message(period, month)
                for period, month in await asyncio.to_thread(
                    self._availability.months, int(request.period), now, request.customer_id)
            ]
        return pb.GetAvailabilityResponse(
            report=_report_message(request.period, report),
            months=months,
            windows=[_window_message(w) for w in windows[:1000]],
            outages=[_outage_message(o, now) for o in outages[:1000]],
        )

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


def _instant(request, field: str) -> datetime | None:
    return request.__getattribute__(field).ToDatetime(tzinfo=UTC) if request.HasField(field) else None


def _window_message(window: MaintenanceWindow) -> pb.MaintenanceWindow:
    return pb.MaintenanceWindow(
        window_id=window.window_id,
        kind=_KIND_VALUES[window.kind],
        starts_at=timestamp(window.starts_at),
        ends_at=timestamp(window.ends_at),
        announced_at=timestamp(window.announced_at),
        description=window.description,
        notice=_duration(window.notice),
        late_notice=window.late_notice,
        outside_agreed_window=window.outside_agreed_window,
        excluded=window.excluded,
        customer_id=window.customer_id,
        agreed_starts_at=timestamp(window.agreed_starts_at),
        agreed_ends_at=timestamp(window.agreed_ends_at),
    )


def _outage_message(outage: Outage, now: datetime) -> pb.Outage:
    return pb.Outage(
        outage_id=outage.outage_id,
        started_at=timestamp(outage.started_at),
        ended_at=_optional(outage.ended_at),
        recovery_notice_at=_optional(outage.recovery_notice_at),
        description=outage.description,
        late_recovery_notice=outage.late_recovery_notice_as_of(now),
    )


def _report_message(period: str, report: AvailabilityReport) -> pb.AvailabilityReport:
    return pb.AvailabilityReport(
        period=period,
        start=timestamp(report.start),
        end=timestamp(report.end),
        measured=_duration(report.measured),
        excluded_maintenance=_duration(report.excluded_maintenance),
        downtime=_duration(report.downtime),
        allowed_downtime=_duration(report.allowed_downtime),
        availability_percent=report.availability_percent,
        target_percent=TARGET_PERCENT,
        met=report.met,
    )


def _compliance_row(row: Compliance) -> pb.ComplianceRow:
    return pb.ComplianceRow(
        policy=row.policy, policy_version=row.policy_version,
        priority=PriorityPb.Value(f"PRIORITY_{row.priority}"), target=row.target,
        met=row.met, breached=row.breached,
        **{f"p{p}": _duration(taken) for p, taken in row.taken.items()},
    )
