"""Support tickets on SLA clocks (DOMAIN.md §2). Pure: no I/O, no clock reads.

So far a ticket is registered from intake with what its SLA clock will need; response and
resolution targets, warning thresholds, escalation and breach come next.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from uuid import UUID

from eventsourcing.domain import Aggregate, event


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
