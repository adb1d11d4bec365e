"""The billing application service: commands and queries over the event store."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from eventsourcing.persistence import JSONTranscoder

from servicehub_businesstime import BusinessCalendar
from servicehub_runtime.eventstore import (
    DataclassAsDict,
    DateAsISO,
    IntegrityError,
    TracedEventApplication,
    Tracking,
)
from servicehub_runtime.wallclock import Clock, utc_now

from .catalogue import Catalogue, load_catalogue
from .domain import CustomerDelay, DatedMilestone, Project

_CONCURRENT_WRITE_ATTEMPTS = 3


class Billing(TracedEventApplication):
    name = "billing"

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        calendar: BusinessCalendar,
        catalogue: Catalogue | None = None,
        clock: Clock = utc_now,
    ) -> None:
        super().__init__(env)
        self._calendar = calendar
        self._catalogue = catalogue if catalogue is not None else load_catalogue()
        self._clock = clock

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())
        transcoder.register(DataclassAsDict(DatedMilestone))
        transcoder.register(DataclassAsDict(CustomerDelay))

    def register_project(
        self,
        *,
        project_id: UUID,
        customer_id: str,
        service_code: str,
        package: str,
        contract_signed_on: date,
        requested_start_on: date | None = None,
        ordered_at: datetime,
        position: Tracking | None = None,
    ) -> None:
        """Starts the project an order asked for (a second registration conflicts).
        OrderRefused, recording nothing, for a service or package the catalogue lacks."""
        project = Project.order(
            id=project_id,
            customer_id=customer_id,
            service_code=service_code,
            package=package,
            contract_signed_on=contract_signed_on,
            requested_start_on=requested_start_on,
            ordered_at=ordered_at,
            catalogue=self._catalogue,
            calendar=self._calendar,
        )
        self.record(project, position=position)

    def record_customer_delay(
        self, project_id: UUID, *, key: str, milestone_code: str, reason: str, days: int
    ) -> Project:
        """AggregateNotFoundError for an unknown id, CommandRefused for a delay that breaks a
        rule, DelayKeyReused for a key used before for another delay; a retry records nothing."""
        attempts_left = _CONCURRENT_WRITE_ATTEMPTS
        while True:
            project: Project = self.repository.get(project_id)
            project.record_customer_delay(
                key=key,
                milestone_code=milestone_code,
                reason=reason,
                days=days,
                recorded_at=self._clock(),
            )
            try:
                self.record(project)
                return project
            except IntegrityError:
                # Another command changed the project since it was read: apply this one to
                # the newer version (optimistic concurrency), a bounded number of times.
                attempts_left -= 1
                if not attempts_left:
                    raise

    def get_project(self, project_id: UUID) -> Project:
        """Raises eventsourcing's AggregateNotFoundError for an unknown id."""
        return self.repository.get(project_id)
