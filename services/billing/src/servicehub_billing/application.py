"""The billing application service: commands and queries over the event store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import JSONTranscoder

from servicehub_businesstime import BusinessCalendar
from servicehub_runtime.deadlines import DeadlineFiring
from servicehub_runtime.eventstore import (
    DataclassAsDict,
    DateAsISO,
    IntegrityError,
    TracedEventApplication,
    Tracking,
)
from servicehub_runtime.wallclock import Clock, utc_now

from .acceptance import (
    PACKAGE_DELIVERABLE,
    AcceptanceRules,
    AcceptanceState,
    DeliverableAcceptance,
    WrongState,
    acceptance_id,
)
from .catalogue import Catalogue, load_catalogue
from .domain import CommandRefused, CustomerDelay, DatedMilestone, Project, ProjectState

_CONCURRENT_WRITE_ATTEMPTS = 3
T = TypeVar("T")


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
        transcoder.register(DataclassAsDict(AcceptanceRules))

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

    # Acceptance --------------------------------------------------------------------------

    def deliverables(self, project: Project) -> list[str]:
        """What the customer accepts, in order: the milestones, or the package as a whole."""
        return [m.code for m in project.milestones] or [PACKAGE_DELIVERABLE]

    def acceptances(self, project: Project) -> dict[str, DeliverableAcceptance]:
        """The project's deliverables handed in so far, by deliverable."""
        found = {}
        for deliverable in self.deliverables(project):
            try:
                found[deliverable] = self.repository.get(acceptance_id(project.id, deliverable))
            except AggregateNotFoundError:
                continue
        return found

    def submit_deliverable(
        self, project_id: UUID, deliverable: str, submitted_at: datetime | None = None
    ) -> DeliverableAcceptance:
        """Hands a deliverable in (again, after answering points): its acceptance window
        starts. `submitted_at` records a hand-over that happened earlier (default: now)."""
        now = self._clock()
        at = now if submitted_at is None else submitted_at
        project = self.get_project(project_id)
        if at > now:
            raise CommandRefused("submitted_at", "must not lie in the future")
        if at < project.ordered_at:
            raise CommandRefused("submitted_at", "must not lie before the order")
        if project.state is ProjectState.REJECTED:
            raise CommandRefused("project_id", "the project was rejected; it delivers nothing")
        deliverables = self._known_deliverable(project, deliverable)
        try:
            acceptance: DeliverableAcceptance = self.repository.get(
                acceptance_id(project_id, deliverable)
            )
        except AggregateNotFoundError:
            rules = self._catalogue.service(project.service_code).acceptance
            acceptance = DeliverableAcceptance.submit_first(
                project_id=project_id,
                deliverable=deliverable,
                customer_id=project.customer_id,
                final=deliverable == deliverables[-1],
                rules=AcceptanceRules.of(rules),
                submitted_at=at,
                calendar=self._calendar,
            )
        else:
            acceptance.resubmit(at, self._calendar)
        self.record(acceptance)
        return acceptance

    def accept_deliverable(self, project_id: UUID, deliverable: str) -> DeliverableAcceptance:
        return self._change_acceptance(project_id, deliverable, lambda a: a.accept(self._clock()))

    def put_into_production(self, project_id: UUID, deliverable: str) -> DeliverableAcceptance:
        return self._change_acceptance(
            project_id, deliverable, lambda a: a.put_into_production(self._clock())
        )

    def raise_points(
        self, project_id: UUID, deliverable: str, points: list[str]
    ) -> DeliverableAcceptance:
        return self._change_acceptance(
            project_id, deliverable, lambda a: a.raise_points(points, self._clock(), self._calendar)
        )

    def answer_points(
        self, project_id: UUID, deliverable: str, answers: list[str]
    ) -> DeliverableAcceptance:
        return self._change_acceptance(
            project_id, deliverable, lambda a: a.answer_points(answers, self._clock())
        )

    def record_meeting(self, project_id: UUID, deliverable: str) -> DeliverableAcceptance:
        return self._change_acceptance(
            project_id, deliverable, lambda a: a.record_meeting(self._clock())
        )

    def acceptance_deadline(self, firing: DeadlineFiring) -> None:
        """Handler of the acceptance deadlines: deems accepted or flags overdue, once."""
        acceptance: DeliverableAcceptance = self.repository.get(firing.aggregate_id)
        acceptance.deadline_fell_due(firing.deadline, firing.fired_at)
        self.record(acceptance, firing.outcome())

    def _change_acceptance(
        self, project_id: UUID, deliverable: str, change: Callable[[DeliverableAcceptance], None]
    ) -> DeliverableAcceptance:
        """AggregateNotFoundError for an unknown project, CommandRefused for an unknown
        deliverable, WrongState for one not submitted yet or in a state the change does not fit."""
        self._known_deliverable(self.get_project(project_id), deliverable)
        return self._retrying(lambda: self._apply(acceptance_id(project_id, deliverable), deliverable, change))

    def _known_deliverable(self, project: Project, deliverable: str) -> list[str]:
        deliverables = self.deliverables(project)
        if deliverable not in deliverables:
            raise CommandRefused(
                "deliverable", f"no deliverable {deliverable[:40]!r}; it has: {', '.join(deliverables)}"
            )
        return deliverables

    def _apply(
        self, id: UUID, deliverable: str, change: Callable[[DeliverableAcceptance], None]
    ) -> DeliverableAcceptance:
        try:
            acceptance: DeliverableAcceptance = self.repository.get(id)
        except AggregateNotFoundError:
            raise WrongState(deliverable, AcceptanceState.NOT_SUBMITTED, "do this before it is submitted") from None
        change(acceptance)
        self.record(acceptance)
        return acceptance

    def _retrying(self, command: Callable[[], T]) -> T:
        """Runs a read-change-record command again on a newer version when another writer
        changed the aggregate since it was read (optimistic concurrency), a few times."""
        for _ in range(_CONCURRENT_WRITE_ATTEMPTS - 1):
            try:
                return command()
            except IntegrityError:
                continue
        return command()
