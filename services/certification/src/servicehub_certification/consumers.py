"""Kafka subscribers: integration events in, application commands out."""

from __future__ import annotations

from servicehub.events.v1.intake_pb2 import ApplicationSubmitted
from servicehub_runtime.cloudevents import CloudEvent, topic_of
from servicehub_runtime.consumer import (
    TrackingConsumer,
    required_instant,
    required_uuid,
)
from servicehub_runtime.eventstore import Tracking

from .application import Certification
from .domain import Evidence, partner_aggregate_id


def subscriptions(certification: Certification):
    def register_submitted(event: CloudEvent, position: Tracking) -> None:
        submitted: ApplicationSubmitted = event.message  # type: ignore[assignment]
        certification.register_application(
            application_id=required_uuid(submitted, "application_id"),
            partner_id=submitted.partner_id,
            partner_name=submitted.partner_name,
            corporate_email=submitted.corporate_email,
            evidence=tuple(
                Evidence(e.criterion, e.summary, e.document_uri) for e in submitted.evidence
            ),
            submitted_at=required_instant(submitted, "submitted_at"),
            position=position,
        )

    def subscribe(consumer: TrackingConsumer) -> None:
        consumer.subscribe(
            ApplicationSubmitted,
            topic_of(ApplicationSubmitted),
            register_submitted,
            # Registering reads the partner, to screen the application.
            reads=lambda event: [partner_aggregate_id(event.message.partner_id)],
        )

    return subscribe
