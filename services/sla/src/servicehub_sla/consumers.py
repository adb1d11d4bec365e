"""Kafka subscribers: integration events in, application commands out."""

from __future__ import annotations

from eventsourcing.application import AggregateNotFoundError

from servicehub.events.v1.intake_pb2 import Priority as PriorityPb
from servicehub.events.v1.intake_pb2 import TicketOpened
from servicehub.sla.v1.sla_pb2 import UpdateTicketRequest
from servicehub_runtime.cloudevents import CloudEvent, topic_of
from servicehub_runtime.consumer import (
    InvalidMessage,
    TrackingConsumer,
    required_instant,
    required_uuid,
)
from servicehub_runtime.eventstore import Tracking

from . import requests
from .application import Sla
from .domain import Priority, UpdateIdReused, UpdateRejected

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

    def update(event: CloudEvent, position: Tracking) -> None:
        request: UpdateTicketRequest = event.message  # type: ignore[assignment]
        try:
            requests.update_ticket(sla, request, position)
        except requests.BadUpdate as bad:
            raise InvalidMessage(str(bad)) from None
        except ValueError:
            raise InvalidMessage(f"ticket_id {request.ticket_id!r} is not a UUID") from None
        except AggregateNotFoundError:
            raise InvalidMessage(f"ticket {request.ticket_id} is not known to sla") from None
        except (UpdateRejected, UpdateIdReused) as refused:
            raise InvalidMessage(str(refused)) from None

    def subscribe(consumer: TrackingConsumer) -> None:
        consumer.subscribe(TicketOpened, topic_of(TicketOpened), register_opened)
        consumer.subscribe(UpdateTicketRequest, topic_of(UpdateTicketRequest), update)

    return subscribe
