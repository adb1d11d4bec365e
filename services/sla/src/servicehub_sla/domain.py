"""Support tickets on SLA clocks (DOMAIN.md §2). Pure: no I/O, no clock reads.

A ticket is registered from intake, its first-response target is scheduled as a deadline,
and when that deadline fires before an engineer replied the SLA is breached. Resolution
targets, warning thresholds and escalation come next.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from servicehub_runtime.deadlines import Deadline

#: The deadline kind of the first-response target.
RESPONSE_TARGET = "response-target"


class Priority(Enum):
    """SPT-001 priorities, P0 (urgent, business fully down) to P4 (general questions)."""

    P0 = "P0"
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"


class Ticket(Aggregate):
    """A customer's support ticket whose SLA this service watches.

    Its id is the id intake gave the ticket, so a ticket registered twice is the same
    aggregate — the second registration conflicts instead of duplicating it.
    """

    @event("Registered")
    def __init__(
        self,
        id: UUID,
        customer_id: str,
        priority: Priority,
        service_plan: str,
        opened_at: datetime,
    ) -> None:
        self.customer_id = customer_id
        self.priority = priority
        # "5x8", "5x12", "7x12", "7x24" or a contract plan id: the clock the SLA runs on.
        self.service_plan = service_plan
        self.opened_at = opened_at

    @property
    def registered_at(self) -> datetime:
        return self.created_on

    @event("ResponseTargetScheduled")
    def schedule_response_target(self, policy: str, deadlines: list[Deadline]) -> None:
        """`deadlines` holds the one response-target deadline (the runtime's convention)."""
        (self.response_target,) = deadlines
        self.policy = policy
        self.breached_at: datetime | None = None

    def breach(self, deadline: Deadline, at: datetime) -> None:
        """The response target ran out; a deadline this ticket no longer has changes nothing."""
        if self.breached_at is not None or deadline != self.response_target:
            return
        self._record_breach(
            policy=self.policy,
            priority=self.priority,
            due_at=deadline.due,
            calendar_version=deadline.calendar_version,
            breached_at=at,
            lateness_seconds=max(at - deadline.due, timedelta(0)).total_seconds(),
        )

    @event("SlaBreached")
    def _record_breach(
        self,
        policy: str,
        priority: Priority,
        due_at: datetime,
        calendar_version: str,
        breached_at: datetime,
        lateness_seconds: float,
    ) -> None:
        self.breached_at = breached_at
