"""Inbound topics: internal systems publish the same requests integrators send over gRPC."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from servicehub.intake.v1 import intake_pb2 as pb
from servicehub_runtime.cloudevents import CloudEvent, topic_of
from servicehub_runtime.consumer import InvalidMessage, TrackingConsumer
from servicehub_runtime.eventstore import Tracking

from . import requests
from .application import Intake, Receipt
from .domain import IdempotencyKeyReused, RequestRejected, record_id

# Message type, command, and the kind of record it creates (its id derives from the key).
INBOUND: list[tuple[type[Any], Callable[[Intake, Any, Tracking], Receipt], str]] = [
    (pb.SubmitApplicationRequest, requests.submit_application, "application"),
    (pb.OpenTicketRequest, requests.open_ticket, "ticket"),
    (pb.OrderServiceRequest, requests.order_service, "order"),
]


def subscriptions(intake: Intake) -> Callable[[TrackingConsumer], None]:
    def handler(command: Callable[[Intake, Any, Tracking], Receipt]):
        def handle(event: CloudEvent, position: Tracking) -> None:
            try:
                command(intake, event.message, position)
            except RequestRejected as rejected:
                raise InvalidMessage(f"request rejected: {rejected}") from None
            except IdempotencyKeyReused as reused:
                raise InvalidMessage(str(reused)) from None

        return handle

    def reads(kind: str) -> Callable[[CloudEvent], list[UUID]]:
        # A command reads the record its key would create, to tell a duplicate.
        return lambda event: [record_id(kind, event.message.idempotency_key)]

    def subscribe(consumer: TrackingConsumer) -> None:
        for message_type, command, kind in INBOUND:
            consumer.subscribe(message_type, topic_of(message_type), handler(command), reads=reads(kind))

    return subscribe
