"""Lifecycle updates (from gRPC or sla.ticket-updates.v1, same protobuf message) → the
application's command. Each door maps the two errors to its own answer."""

from __future__ import annotations

from datetime import UTC
from uuid import UUID

from servicehub.events.v1 import intake_pb2 as events
from servicehub.sla.v1 import sla_pb2 as pb
from servicehub_runtime.eventstore import Tracking

from .application import Sla
from .domain import (
    CLOSE_CONFIRMED,
    CUSTOMER_REPLIED,
    PRIORITY_CHANGED,
    REOPENED,
    WAITING_FOR_CUSTOMER,
    Priority,
    Update,
)

KINDS = {
    pb.UPDATE_KIND_FIRST_RESPONSE: "first-response",
    pb.UPDATE_KIND_PROBLEM_CONFIRMED: "problem-confirmed",
    pb.UPDATE_KIND_WAITING_FOR_CUSTOMER: WAITING_FOR_CUSTOMER,
    pb.UPDATE_KIND_CUSTOMER_REPLIED: CUSTOMER_REPLIED,
    pb.UPDATE_KIND_SOLUTION_GIVEN: "solution-given",
    pb.UPDATE_KIND_CLOSE_CONFIRMED: CLOSE_CONFIRMED,
    pb.UPDATE_KIND_REOPENED: REOPENED,
    pb.UPDATE_KIND_PRIORITY_CHANGED: PRIORITY_CHANGED,
    pb.UPDATE_KIND_REMOTE_SUPPORT_STARTED: "remote-support-started",
    pb.UPDATE_KIND_ONSITE_REQUESTED: "onsite-requested",
    pb.UPDATE_KIND_ENGINEER_ONSITE: "engineer-onsite",
}
CLOSERS = {pb.CLOSER_DISPATCH_ENGINEER: "dispatch-engineer", pb.CLOSER_CUSTOMER: "customer"}
PRIORITIES = {events.Priority.Value(f"PRIORITY_{p.value}"): p for p in Priority}


class BadUpdate(ValueError):
    """A field of the update is missing or wrong: (field, what is wrong)."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field} {problem}")
        self.field = field
        self.problem = problem


def update_of(request: pb.UpdateTicketRequest) -> Update:
    kind = KINDS.get(request.kind)
    if kind is None:
        raise BadUpdate("kind", "must be one of the UpdateKind values")
    if not request.HasField("occurred_at"):
        raise BadUpdate("occurred_at", "is required")
    at = request.occurred_at.ToDatetime(tzinfo=UTC)
    reason = request.reason.strip()
    if kind == WAITING_FOR_CUSTOMER and not reason:
        raise BadUpdate("reason", "is required when waiting for the customer")
    confirmed_by = ""
    if kind == CLOSE_CONFIRMED:
        if request.confirmed_by not in CLOSERS:
            raise BadUpdate("confirmed_by", "must be DISPATCH_ENGINEER or CUSTOMER")
        confirmed_by = CLOSERS[request.confirmed_by]
    priority = None
    if kind == PRIORITY_CHANGED:
        priority = PRIORITIES.get(request.priority)
        if priority is None:
            raise BadUpdate("priority", "must be one of P0-P4")
    return Update(kind, at, reason, confirmed_by, priority)


def update_ticket(sla: Sla, request: pb.UpdateTicketRequest, position: Tracking | None = None) -> bool:
    """Raises ValueError (bad ticket id), BadUpdate, AggregateNotFoundError, UpdateRejected
    or UpdateIdReused; True when applied, False for a repeated update id."""
    return sla.update_ticket(UUID(request.ticket_id), request.update_id, update_of(request), position)
