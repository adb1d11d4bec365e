"""Kafka subscribers: integration events in, application commands out."""

from __future__ import annotations

from datetime import date, timezone
from uuid import UUID

from servicehub.events.v1.intake_pb2 import ServiceOrdered
from servicehub_runtime.cloudevents import CloudEvent, topic_of
from servicehub_runtime.consumer import InvalidMessage, TrackingConsumer
from servicehub_runtime.eventstore import Tracking

from .application import Billing


def subscriptions(billing: Billing):
    def register_ordered(event: CloudEvent, position: Tracking) -> None:
        ordered: ServiceOrdered = event.message  # type: ignore[assignment]
        try:
            project_id = UUID(ordered.order_id)
        except ValueError:
            raise InvalidMessage(f"order_id {ordered.order_id!r} is not a UUID") from None
        try:
            contract_signed_on = date.fromisoformat(ordered.contract_signed_on)
        except ValueError:
            raise InvalidMessage(
                f"contract_signed_on {ordered.contract_signed_on!r} is not an ISO 8601 date"
            ) from None
        if not ordered.HasField("ordered_at"):
            raise InvalidMessage("ordered_at is missing")
        billing.register_project(
            project_id=project_id,
            customer_id=ordered.customer_id,
            service_code=ordered.service_code,
            package=ordered.package,
            contract_signed_on=contract_signed_on,
            ordered_at=ordered.ordered_at.ToDatetime(tzinfo=timezone.utc),
            position=position,
        )

    def subscribe(consumer: TrackingConsumer) -> None:
        consumer.subscribe(ServiceOrdered, topic_of(ServiceOrdered), register_ordered)

    return subscribe
