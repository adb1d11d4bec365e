"""Requests (from gRPC or an inbound topic, same protobuf messages) → application commands."""

from __future__ import annotations

from uuid import UUID

from servicehub.events.v1 import intake_pb2 as events
from servicehub.intake.v1 import intake_pb2 as pb
from servicehub_runtime.eventstore import Tracking

from .application import Intake, Receipt
from .domain import Evidence, Priority, record_id

_PRIORITIES = {
    events.PRIORITY_P0: Priority.P0,
    events.PRIORITY_P1: Priority.P1,
    events.PRIORITY_P2: Priority.P2,
    events.PRIORITY_P3: Priority.P3,
    events.PRIORITY_P4: Priority.P4,
}


def submit_application(
    intake: Intake, request: pb.SubmitApplicationRequest, position: Tracking | None = None
) -> Receipt:
    return intake.submit_application(
        idempotency_key=request.idempotency_key,
        partner_id=request.partner_id,
        partner_name=request.partner_name,
        corporate_email=request.corporate_email,
        evidence=tuple(
            Evidence(e.criterion, e.summary, e.document_uri) for e in request.evidence
        ),
        position=position,
    )


def open_ticket(
    intake: Intake, request: pb.OpenTicketRequest, position: Tracking | None = None
) -> Receipt:
    return intake.open_ticket(
        idempotency_key=request.idempotency_key,
        customer_id=request.customer_id,
        priority=_PRIORITIES.get(request.priority),
        summary=request.summary,
        service_plan=request.service_plan,
        position=position,
    )


def order_service(
    intake: Intake, request: pb.OrderServiceRequest, position: Tracking | None = None
) -> Receipt:
    return intake.order_service(
        idempotency_key=request.idempotency_key,
        customer_id=request.customer_id,
        service_code=request.service_code,
        package=request.package,
        contract_signed_on=request.contract_signed_on,
        requested_start_on=request.requested_start_on,
        additional_packages=tuple(request.additional_packages),
        quantities=tuple((q.unit, q.amount) for q in request.quantities),
        position=position,
    )


_KINDS = {
    pb.SubmitApplicationRequest: "application",
    pb.OpenTicketRequest: "ticket",
    pb.OrderServiceRequest: "order",
}


def reads(request: pb.SubmitApplicationRequest | pb.OpenTicketRequest | pb.OrderServiceRequest) -> list[UUID]:
    """The record the request's command reads (the one its key would create, to tell a
    duplicate): named to the consumer and to group commit, which read a batch's at once."""
    return [record_id(_KINDS[type(request)], request.idempotency_key)]
