"""Which domain events sla publishes, as which integration events."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from google.protobuf.duration_pb2 import Duration

from servicehub.events.v1.intake_pb2 import Priority as PriorityPb
from servicehub.events.v1.sla_pb2 import SlaBreached, SlaTarget
from servicehub_runtime.protobuf import timestamp
from servicehub_runtime.relay import Outbound

from .domain import Ticket


def translate(domain_event: Any) -> Outbound | None:
    if isinstance(domain_event, Ticket.SlaBreached):
        lateness = Duration()
        lateness.FromTimedelta(timedelta(seconds=domain_event.lateness_seconds))
        return Outbound(
            SlaBreached(
                ticket_id=str(domain_event.originator_id),
                priority=PriorityPb.Value(f"PRIORITY_{domain_event.priority.value}"),
                target=SlaTarget.SLA_TARGET_RESPONSE,
                policy=domain_event.policy,
                due_at=timestamp(domain_event.due_at),
                calendar_version=domain_event.calendar_version,
                breached_at=timestamp(domain_event.breached_at),
                lateness=lateness,
            ),
            key=str(domain_event.originator_id),
        )
    return None
