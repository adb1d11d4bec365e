"""Which domain events sla publishes, as which integration events."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from google.protobuf.duration_pb2 import Duration

from servicehub.events.v1.intake_pb2 import Priority as PriorityPb
from servicehub.events.v1.sla_pb2 import SlaBreached, SlaTarget, TicketEscalated
from servicehub_runtime.protobuf import timestamp
from servicehub_runtime.relay import Outbound

from .domain import Ticket

_TARGETS = {"response": SlaTarget.SLA_TARGET_RESPONSE, "resolution": SlaTarget.SLA_TARGET_RESOLUTION}


def translate(domain_event: Any) -> Outbound | None:
    if isinstance(domain_event, Ticket.Escalated):
        return Outbound(
            TicketEscalated(
                ticket_id=str(domain_event.originator_id),
                priority=PriorityPb.Value(f"PRIORITY_{domain_event.priority.value}"),
                target=_TARGETS.get(domain_event.target, SlaTarget.SLA_TARGET_UNSPECIFIED),
                threshold_percent=domain_event.threshold_percent,
                escalated_at=timestamp(domain_event.escalated_at),
                target_name=domain_event.target,
                role=domain_event.role,
                due_at=timestamp(domain_event.due_at),
                policy=domain_event.policy,
                policy_version=domain_event.policy_version,
                calendar_version=domain_event.calendar_version,
                cycle=domain_event.cycle,
            ),
            key=str(domain_event.originator_id),
        )
    if isinstance(domain_event, Ticket.SlaBreached):
        lateness = Duration()
        lateness.FromTimedelta(timedelta(seconds=domain_event.lateness_seconds))
        return Outbound(
            SlaBreached(
                ticket_id=str(domain_event.originator_id),
                priority=PriorityPb.Value(f"PRIORITY_{domain_event.priority.value}"),
                target=_TARGETS.get(domain_event.target, SlaTarget.SLA_TARGET_UNSPECIFIED),
                policy=domain_event.policy,
                due_at=timestamp(domain_event.due_at),
                calendar_version=domain_event.calendar_version,
                breached_at=timestamp(domain_event.breached_at),
                lateness=lateness,
                target_name=domain_event.target,
                policy_version=domain_event.policy_version,
                cycle=domain_event.cycle,
            ),
            key=str(domain_event.originator_id),
        )
    return None
