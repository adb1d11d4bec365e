"""The SLA application service: commands and queries over the event store."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.persistence import JSONTranscoder

from servicehub_businesstime import BusinessCalendar
from servicehub_runtime.deadlines import Deadline, DeadlineFiring
from servicehub_runtime.eventstore import EnumAsValue, TracedEventApplication, Tracking

from .domain import RESPONSE_TARGET, Priority, Ticket
from .policy import ResponsePolicy


class Sla(TracedEventApplication):
    name = "sla"

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        calendar: BusinessCalendar,
        policy: ResponsePolicy,
    ) -> None:
        super().__init__(env)
        self._policy = policy
        self._policy_clock = calendar.clock(policy.clock)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(EnumAsValue(Priority))

    def register_ticket(
        self,
        *,
        ticket_id: UUID,
        customer_id: str,
        priority: Priority,
        service_plan: str,
        opened_at: datetime,
        position: Tracking | None = None,
    ) -> None:
        """Puts an opened ticket on its SLA clock (a second registration conflicts): its
        first-response target is due when the policy's target has run on the policy's clock."""
        ticket = Ticket(
            id=ticket_id,
            customer_id=customer_id,
            priority=priority,
            service_plan=service_plan,
            opened_at=opened_at,
        )
        due = self._policy_clock.add(opened_at, self._policy.response[priority])
        ticket.schedule_response_target(
            self._policy.name,
            [Deadline(RESPONSE_TARGET, 1, due, self._policy_clock.calendar_version)],
        )
        self.record(ticket, position=position)

    def breach_response_target(self, firing: DeadlineFiring) -> None:
        """Handler of the response-target deadline: the ticket records the breach, once."""
        ticket: Ticket = self.repository.get(firing.aggregate_id)
        ticket.breach(firing.deadline, firing.fired_at)
        self.record(ticket, firing.outcome())

    def get_ticket(self, ticket_id: UUID) -> Ticket:
        """Raises eventsourcing's AggregateNotFoundError for an unknown id."""
        return self.repository.get(ticket_id)
