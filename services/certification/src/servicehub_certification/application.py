"""The certification application service: commands and queries over the event store."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.persistence import JSONTranscoder

from servicehub_runtime.eventstore import (
    DataclassAsDict,
    TracedEventApplication,
    Tracking,
)

from .domain import Application, Evidence


class Certification(TracedEventApplication):
    name = "certification"

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DataclassAsDict(Evidence))

    def register_application(
        self,
        *,
        application_id: UUID,
        partner_id: str,
        partner_name: str,
        corporate_email: str,
        evidence: tuple[Evidence, ...],
        submitted_at: datetime,
        position: Tracking | None = None,
    ) -> None:
        """Takes a submitted application into review (a second registration conflicts)."""
        application = Application(
            id=application_id,
            partner_id=partner_id,
            partner_name=partner_name,
            corporate_email=corporate_email,
            evidence=evidence,
            submitted_at=submitted_at,
        )
        self.record(application, position=position)

    def get_application(self, application_id: UUID) -> Application:
        """Raises eventsourcing's AggregateNotFoundError for an unknown id."""
        return self.repository.get(application_id)
