"""Which domain events certification publishes, as which integration events."""

from __future__ import annotations

from typing import Any

from servicehub.events.v1.certification_pb2 import ApplicationRegistered
from servicehub_runtime.protobuf import timestamp
from servicehub_runtime.relay import Outbound

from .domain import Application


def translate(domain_event: Any) -> Outbound | None:
    if isinstance(domain_event, Application.Registered):
        return Outbound(
            ApplicationRegistered(
                application_id=str(domain_event.originator_id),
                partner_id=domain_event.partner_id,
                evidence_count=len(domain_event.evidence),
                registered_at=timestamp(domain_event.timestamp),
            ),
            key=str(domain_event.originator_id),
        )
    return None
