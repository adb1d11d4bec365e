"""Which domain events certification publishes, as which integration events."""

from __future__ import annotations

from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp
from servicehub.events.v1.certification_pb2 import ApplicationRegistered
from servicehub_runtime.relay import Outbound

from .domain import Application


def translate(domain_event: Any) -> Outbound | None:
    if isinstance(domain_event, Application.Registered):
        registered_at = Timestamp()
        registered_at.FromDatetime(domain_event.timestamp)
        return Outbound(
            ApplicationRegistered(
                application_id=str(domain_event.originator_id),
                partner_id=domain_event.partner_id,
                evidence_count=len(domain_event.evidence),
                registered_at=registered_at,
            ),
            key=str(domain_event.originator_id),
        )
    return None
