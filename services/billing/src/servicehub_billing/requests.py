"""Project commands (from gRPC or billing.project-requests.v1, the same protobuf messages) →
the application's commands. Each door maps the errors to its own answer: CommandRefused,
AcceptanceRefused (the field at fault), WrongState, AggregateNotFoundError, DelayKeyReused,
RequestIdReused, CalendarHorizonError."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, date
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from google.protobuf.message import Message

from servicehub.billing.v1 import billing_pb2 as pb
from servicehub_runtime.eventstore import Tracking

from .acceptance import DeliverableAcceptance
from .application import Billing, Inbound
from .domain import CommandRefused, Project

# The topic's message; its oneof `command` holds one of the requests below.
INBOUND = pb.ProjectRequest


def project_id_of(request: Any) -> UUID:
    try:
        return UUID(request.project_id)
    except ValueError:
        raise CommandRefused("project_id", "must be a UUID") from None


def _date(field: str, value: str) -> date:
    try:
        if len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise CommandRefused(field, "must be an ISO 8601 date (YYYY-MM-DD)") from None


def submit_deliverable(
    billing: Billing, request: pb.SubmitDeliverableRequest, inbound: Inbound | None = None
) -> DeliverableAcceptance:
    submitted_at = request.submitted_at.ToDatetime(tzinfo=UTC) if request.HasField("submitted_at") else None
    return billing.submit_deliverable(project_id_of(request), request.deliverable, submitted_at, inbound=inbound)


def accept_deliverable(
    billing: Billing, request: pb.AcceptDeliverableRequest, inbound: Inbound | None = None
) -> DeliverableAcceptance:
    return billing.accept_deliverable(project_id_of(request), request.deliverable, inbound=inbound)


def raise_points(
    billing: Billing, request: pb.RaisePointsRequest, inbound: Inbound | None = None
) -> DeliverableAcceptance:
    return billing.raise_points(project_id_of(request), request.deliverable, list(request.points), inbound=inbound)


def answer_points(
    billing: Billing, request: pb.AnswerPointsRequest, inbound: Inbound | None = None
) -> DeliverableAcceptance:
    return billing.answer_points(project_id_of(request), request.deliverable, list(request.answers), inbound=inbound)


def record_meeting(
    billing: Billing, request: pb.RecordMeetingRequest, inbound: Inbound | None = None
) -> DeliverableAcceptance:
    return billing.record_meeting(project_id_of(request), request.deliverable, inbound=inbound)


def mark_in_production(
    billing: Billing, request: pb.MarkInProductionRequest, inbound: Inbound | None = None
) -> DeliverableAcceptance:
    return billing.put_into_production(project_id_of(request), request.deliverable, inbound=inbound)


def record_customer_delay(
    billing: Billing, request: pb.RecordCustomerDelayRequest, inbound: Inbound | None = None
) -> Project:
    return billing.record_customer_delay(
        project_id_of(request),
        key=request.idempotency_key,
        milestone_code=request.milestone_code,
        reason=request.reason,
        days=request.days,
        inbound=inbound,
    )


def record_on_site_form(
    billing: Billing, request: pb.RecordOnSiteFormRequest, inbound: Inbound | None = None
) -> Project:
    project_id = project_id_of(request)
    dates = {f: _date(f, getattr(request, f)) for f in ("work_date", "signed_on", "requested_on")}
    try:
        days = Decimal(request.days)
    except InvalidOperation:
        raise CommandRefused("days", 'must be "0.5" or "1"') from None
    return billing.record_on_site_form(
        project_id,
        form_id=request.form_id,
        engineer=request.engineer,
        days=days,
        signed_by=request.signed_by,
        package=request.package,
        inbound=inbound,
        **dates,
    )


# The oneof member of ProjectRequest → the command it asks for.
COMMANDS: dict[str, Callable[[Billing, Any, Inbound | None], Any]] = {
    "submit_deliverable": submit_deliverable,
    "accept_deliverable": accept_deliverable,
    "raise_points": raise_points,
    "answer_points": answer_points,
    "record_meeting": record_meeting,
    "mark_in_production": mark_in_production,
    "record_customer_delay": record_customer_delay,
    "record_on_site_form": record_on_site_form,
}


def fingerprint(command: Message) -> str:
    """SHA-256 of the command's deterministic encoding: what binds a request id to it."""
    encoded = command.DESCRIPTOR.full_name.encode() + b"\n" + command.SerializeToString(deterministic=True)
    return hashlib.sha256(encoded).hexdigest()


def project_request(billing: Billing, request: pb.ProjectRequest, position: Tracking) -> bool:
    """A request from billing's inbound topic, applied once per request id: True when
    applied, False for a request sent again (only the position is recorded)."""
    member = request.WhichOneof("command")
    if member is None:
        raise CommandRefused("command", f"must be one of: {', '.join(COMMANDS)}")
    if not request.request_id.strip():
        raise CommandRefused("request_id", "is required")
    command = getattr(request, member)
    inbound = Inbound(request.request_id, fingerprint(command), position)
    return billing.handle_request(inbound, lambda: COMMANDS[member](billing, command, inbound))
