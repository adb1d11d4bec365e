"""The SLA application service: commands and queries over the event store."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.persistence import JSONTranscoder

from servicehub_runtime.eventstore import EnumAsValue, TracedEventApplication, Tracking

from .domain import Priority, Ticket


class Sla(TracedEventApplication):
    name = "sla"

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
        """Puts an opened ticket on its SLA clock (a second registration conflicts)."""
        ticket = Ticket(
            id=ticket_id,
            customer_id=customer_id,
            priority=priority,
            service_plan=service_plan,
            opened_at=opened_at,
        )
        self.record(ticket, position=position)

    def get_ticket(self, ticket_id: UUID) -> Ticket:
        """Raises eventsourcing's AggregateNotFoundError for an unknown id."""
        return self.repository.get(ticket_id)
