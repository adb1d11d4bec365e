"""Kafka subscribers: integration events in, application commands out."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from eventsourcing.application import AggregateNotFoundError

from servicehub.billing.v1.billing_pb2 import ProjectRequest
from servicehub.events.v1.intake_pb2 import Priority, ServiceOrdered, TicketOpened
from servicehub.events.v1.sla_pb2 import SlaBreached
from servicehub_businesstime import CalendarHorizonError
from servicehub_runtime.cloudevents import CloudEvent, topic_of
from servicehub_runtime.consumer import (
    InvalidMessage,
    TrackingConsumer,
    required_instant,
    required_uuid,
)
from servicehub_runtime.eventstore import Tracking

from . import requests
from .acceptance import AcceptanceRefused, WrongState
from .application import Billing
from .domain import CommandRefused, DelayKeyReused, OrderRefused, RequestIdReused

# As the rate cards name them.
_PRIORITIES = {
    Priority.PRIORITY_P0: "P0",
    Priority.PRIORITY_P1: "P1",
    Priority.PRIORITY_P2: "P2",
    Priority.PRIORITY_P3: "P3",
    Priority.PRIORITY_P4: "P4",
}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DECIMAL = re.compile(r"[0-9]{1,12}(\.[0-9]{1,3})?")


def _iso_date(ordered: ServiceOrdered, field: str) -> date:
    value = getattr(ordered, field)
    try:
        if not _ISO_DATE.fullmatch(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidMessage(f"{field} {value!r} is not an ISO 8601 date (YYYY-MM-DD)") from None


def _quantities(ordered: ServiceOrdered) -> tuple[tuple[str, Decimal], ...]:
    found = []
    for i, quantity in enumerate(ordered.quantities):
        try:
            if not _DECIMAL.fullmatch(quantity.amount):
                raise InvalidOperation
            found.append((quantity.unit, Decimal(quantity.amount)))
        except InvalidOperation:
            raise InvalidMessage(f"quantities[{i}].amount {quantity.amount!r} is not a decimal, e.g. 120 or 2.5") from None
    return tuple(found)


def subscriptions(billing: Billing):
    def register_ordered(event: CloudEvent, position: Tracking) -> None:
        ordered: ServiceOrdered = event.message  # type: ignore[assignment]
        try:
            billing.register_project(
                project_id=required_uuid(ordered, "order_id"),
                customer_id=ordered.customer_id,
                service_code=ordered.service_code,
                package=ordered.package,
                contract_signed_on=_iso_date(ordered, "contract_signed_on"),
                requested_start_on=(
                    _iso_date(ordered, "requested_start_on") if ordered.requested_start_on else None
                ),
                ordered_at=required_instant(ordered, "ordered_at"),
                additional_packages=tuple(ordered.additional_packages),
                quantities=_quantities(ordered),
                position=position,
            )
        except OrderRefused as refused:
            raise InvalidMessage(str(refused)) from None

    def ticket_opened(event: CloudEvent, position: Tracking) -> None:
        opened: TicketOpened = event.message  # type: ignore[assignment]
        billing.ticket_opened(
            ticket_id=str(required_uuid(opened, "ticket_id")),
            customer_id=opened.customer_id,
            position=position,
        )

    def sla_breached(event: CloudEvent, position: Tracking) -> None:
        breached: SlaBreached = event.message  # type: ignore[assignment]
        priority = _PRIORITIES.get(breached.priority)
        if priority is None:
            raise InvalidMessage(f"priority {breached.priority} is not one of P0–P4: credits are per priority")
        billing.sla_breached(
            ticket_id=str(required_uuid(breached, "ticket_id")),
            priority=priority,
            breached_at=required_instant(breached, "breached_at"),
            position=position,
        )

    def project_request(event: CloudEvent, position: Tracking) -> None:
        request: ProjectRequest = event.message  # type: ignore[assignment]
        member = request.WhichOneof("command") or "request"
        try:
            requests.project_request(billing, request, position)
        except (CommandRefused, AcceptanceRefused, WrongState, DelayKeyReused, RequestIdReused) as refused:
            raise InvalidMessage(f"{member}: {refused}") from None
        except AggregateNotFoundError:
            # Only once a command was found; its project may not have been ordered yet.
            project_id = getattr(request, member).project_id
            raise InvalidMessage(f"{member}: project {project_id} is not known to billing") from None
        except CalendarHorizonError as beyond:
            # Replay it once the operator extended the calendar.
            raise InvalidMessage(f"{member}: cannot compute the deadline: {beyond}") from None

    def subscribe(consumer: TrackingConsumer) -> None:
        consumer.subscribe(ServiceOrdered, topic_of(ServiceOrdered), register_ordered)
        consumer.subscribe(TicketOpened, topic_of(TicketOpened), ticket_opened)
        consumer.subscribe(SlaBreached, topic_of(SlaBreached), sla_breached)
        consumer.subscribe(requests.INBOUND, topic_of(requests.INBOUND), project_request)

    return subscribe

