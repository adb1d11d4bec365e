"""The billing application service: commands and queries over the event store."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from eventsourcing.persistence import JSONTranscoder

from servicehub_runtime.eventstore import DateAsISO, TracedEventApplication, Tracking

from .domain import Project


class Billing(TracedEventApplication):
    name = "billing"

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def register_project(
        self,
        *,
        project_id: UUID,
        customer_id: str,
        service_code: str,
        package: str,
        contract_signed_on: date,
        ordered_at: datetime,
        position: Tracking | None = None,
    ) -> None:
        """Starts the project an order asked for (a second registration conflicts)."""
        project = Project(
            id=project_id,
            customer_id=customer_id,
            service_code=service_code,
            package=package,
            contract_signed_on=contract_signed_on,
            ordered_at=ordered_at,
        )
        self.record(project, position=position)

    def get_project(self, project_id: UUID) -> Project:
        """Raises eventsourcing's AggregateNotFoundError for an unknown id."""
        return self.repository.get(project_id)
