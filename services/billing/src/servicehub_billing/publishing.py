"""Which domain events billing publishes, as which integration events."""

from __future__ import annotations

from typing import Any

from servicehub.events.v1.billing_pb2 import MilestoneAccepted
from servicehub_runtime.protobuf import timestamp
from servicehub_runtime.relay import Outbound

from .acceptance import DeliverableAcceptance


def translate(domain_event: Any) -> Outbound | None:
    if isinstance(domain_event, DeliverableAcceptance.Accepted):
        return Outbound(
            MilestoneAccepted(
                project_id=str(domain_event.project_id),
                milestone_id=domain_event.deliverable,
                deemed=domain_event.deemed,
                accepted_at=timestamp(domain_event.at),
                customer_id=domain_event.customer_id,
                reason=domain_event.reason,
                window_end=timestamp(domain_event.window_end) if domain_event.window_end else None,
                calendar_version=domain_event.calendar_version,
                round=domain_event.round,
            ),
            key=str(domain_event.project_id),
        )
    return None
