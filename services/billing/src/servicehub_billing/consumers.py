"""Kafka subscribers: integration events in, application commands out."""

from __future__ import annotations

import re
from datetime import date

from servicehub.events.v1.intake_pb2 import ServiceOrdered
from servicehub_runtime.cloudevents import CloudEvent, topic_of
from servicehub_runtime.consumer import (
    InvalidMessage,
    TrackingConsumer,
    required_instant,
    required_uuid,
)
from servicehub_runtime.eventstore import Tracking

from .application import Billing
from .domain import OrderRefused

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(ordered: ServiceOrdered, field: str) -> date:
    value = getattr(ordered, field)
    try:
        if not _ISO_DATE.fullmatch(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidMessage(f"{field} {value!r} is not an ISO 8601 date (YYYY-MM-DD)") from None


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
                position=position,
            )
        except OrderRefused as refused:
            raise InvalidMessage(str(refused)) from None

    def subscribe(consumer: TrackingConsumer) -> None:
        consumer.subscribe(ServiceOrdered, topic_of(ServiceOrdered), register_ordered)

    return subscribe
