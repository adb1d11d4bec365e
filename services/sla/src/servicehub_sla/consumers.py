"""Kafka subscribers: integration events in, application commands out."""

from __future__ import annotations

from datetime import timezone
from uuid import UUID

from servicehub.events.v1.intake_pb2 import Priority as PriorityPb
from servicehub.events.v1.intake_pb2 import TicketOpened
from servicehub_runtime.cloudevents import CloudEvent, topic_of
from servicehub_runtime.consumer import InvalidMessage, TrackingConsumer
from servicehub_runtime.eventstore import Tracking

from .application import Sla
from .domain import Priority

_PRIORITIES = {PriorityPb.Value(f"PRIORITY_{p.value}"): p for p in Priority}


def subscriptions(sla: Sla):
    def register_opened(event: CloudEvent, position: Tracking) -> None:
        opened: TicketOpened = event.message  # type: ignore[assignment]
        try:
            ticket_id = UUID(opened.ticket_id)
        except ValueError:
            raise InvalidMessage(f"ticket_id {opened.ticket_id!r} is not a UUID") from None
        if opened.priority == PriorityPb.PRIORITY_UNSPECIFIED:
            raise InvalidMessage("priority is unspecified; it must be one of P0–P4")
        priority = _PRIORITIES.get(opened.priority)
        if priority is None:
            raise InvalidMessage(f"priority {opened.priority} is not one of P0–P4")
        if not opened.HasField("opened_at"):
            raise InvalidMessage("opened_at is missing")
        sla.register_ticket(
            ticket_id=ticket_id,
            customer_id=opened.customer_id,
            priority=priority,
            service_plan=opened.service_plan,
            opened_at=opened.opened_at.ToDatetime(tzinfo=timezone.utc),
            position=position,
        )

    def subscribe(consumer: TrackingConsumer) -> None:
        consumer.subscribe(TicketOpened, topic_of(TicketOpened), register_opened)

    return subscribe
