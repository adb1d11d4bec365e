"""Kafka subscribers: integration events in, application commands out."""

from __future__ import annotations

from servicehub.events.v1.intake_pb2 import Priority as PriorityPb
from servicehub.events.v1.intake_pb2 import TicketOpened
from servicehub_runtime.cloudevents import CloudEvent, topic_of
from servicehub_runtime.consumer import (
    InvalidMessage,
    TrackingConsumer,
    required_instant,
    required_uuid,
)
from servicehub_runtime.eventstore import Tracking

from .application import Sla
from .domain import Priority

_PRIORITIES = {PriorityPb.Value(f"PRIORITY_{p.value}"): p for p in Priority}


def subscriptions(sla: Sla):
    def register_opened(event: CloudEvent, position: Tracking) -> None:
        opened: TicketOpened = event.message  # type: ignore[assignment]
        if opened.priority == PriorityPb.PRIORITY_UNSPECIFIED:
            raise InvalidMessage("priority is unspecified; it must be one of P0–P4")
        priority = _PRIORITIES.get(opened.priority)
        if priority is None:
            raise InvalidMessage(f"priority {opened.priority} is not one of P0–P4")
        sla.register_ticket(
            ticket_id=required_uuid(opened, "ticket_id"),
            customer_id=opened.customer_id,
            priority=priority,
            service_plan=opened.service_plan,
            opened_at=required_instant(opened, "opened_at"),
            position=position,
        )

    def subscribe(consumer: TrackingConsumer) -> None:
        consumer.subscribe(TicketOpened, topic_of(TicketOpened), register_opened)

    return subscribe
