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
from .domain import IdempotencyKeyReused, RequestRejected

INBOUND: list[tuple[type[Any], Callable[[Intake, Any, Tracking], Receipt]]] = [
    (pb.SubmitApplicationRequest, requests.submit_application),
    (pb.OpenTicketRequest, requests.open_ticket),
    (pb.OrderServiceRequest, requests.order_service),
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

    def reads(event: CloudEvent) -> list[UUID]:
        return requests.reads(event.message)

    def subscribe(consumer: TrackingConsumer) -> None:
        for message_type, command in INBOUND:
            consumer.subscribe(message_type, topic_of(message_type), handler(command), reads=reads)

    return subscribe
