"""Statement-of-work projects, acceptance and billing (DOMAIN.md §4). Pure: no I/O, no clock reads.

An intake order becomes a project: its service and package are checked against the SOW
catalogue, its milestones dated from contract signing T by the catalogue's template, and a
requested start checked against the service's lead time. Customer delays push later
milestones back. Acceptance windows and invoices come next.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from servicehub_businesstime import SHANGHAI, BusinessCalendar, CalendarHorizonError

from .catalogue import Catalogue, Service

MAX_DELAY_DAYS = 365
MAX_REASON_CHARS = 1000
MAX_KEY_CHARS = 128
# Known codes named in a refusal, so a dead-letter reason stays short.
_CODES_NAMED = 5


class OrderRefused(ValueError):
    """The order cannot become a project: the catalogue does not sell what it names, or its
    dates lie beyond the business calendar's data (replay it once the calendar covers them)."""


class CommandRefused(ValueError):
    """A command breaks a rule; `field` names the part of the command at fault."""

    def __init__(self, field: str, description: str) -> None:
        super().__init__(f"{field}: {description}")
        self.field = field
        self.description = description


class DelayKeyReused(ValueError):
    """The idempotency key was used before for a different delay."""


class ProjectState(StrEnum):
    PLANNED = "planned"
    # The requested start breaks the lead time; the project is kept, with the reason.
    REJECTED = "rejected"


@dataclass(frozen=True)
class DatedMilestone:
    code: str
    name_zh: str
    # None when the seed leaves the date to the project plan.
    due_on: date | None


@dataclass(frozen=True)
class CustomerDelay:
    # The caller's idempotency key: a retried command finds its delay recorded.
    key: str
    milestone_code: str
    reason: str
    days: int
    recorded_at: datetime


def milestone_schedule(
    service: Service, contract_signed_on: date, calendar: BusinessCalendar
) -> tuple[DatedMilestone, ...]:
    """The service's milestone template dated from contract signing T."""

    def due(offset: int | None, day_kind: str | None) -> date | None:
        if offset is None:
            return None
        if day_kind == "working":
            return calendar.add_working_days(contract_signed_on, offset)
        return contract_signed_on + timedelta(days=offset)

    return tuple(
        DatedMilestone(m.code, m.name_zh, due(m.offset, m.day_kind)) for m in service.milestones
    )


def earliest_start(service: Service, ordered_at: datetime, calendar: BusinessCalendar) -> date:
    """The lead time-th working day after the Beijing day the order was placed: applying on
    Mon 2026-03-02 with 10 working days' lead allows a start from Mon 2026-03-16."""
    ordered_on = ordered_at.astimezone(SHANGHAI).date()
    return calendar.add_working_days(ordered_on, service.lead_time.working_days)


def _named(codes: list[str]) -> str:
    shown = ", ".join(codes[:_CODES_NAMED])
    return shown if len(codes) <= _CODES_NAMED else f"{shown}, … ({len(codes)} in all)"


class Project(Aggregate):
    """A customer's statement-of-work project for one ordered service package.

    Its id is the id intake gave the order, so an order registered twice is the same
    aggregate — the second registration conflicts instead of duplicating it.
    """

    @classmethod
    def order(
        cls,
        *,
        id: UUID,
        customer_id: str,
        service_code: str,
        package: str,
        contract_signed_on: date,
        requested_start_on: date | None,
        ordered_at: datetime,
        catalogue: Catalogue,
        calendar: BusinessCalendar,
    ) -> Project:
        """The project an order asks for; OrderRefused if the catalogue does not sell it."""
        services = {service.code: service for service in catalogue.services}
        service = services.get(service_code)
        if service is None:
            raise OrderRefused(
                f"unknown service_code {service_code[:40]!r} (catalogue {catalogue.version});"
                f" known: {_named(sorted(services))}"
            )
        packages = [p.code for p in service.packages]
        if package not in packages:
            raise OrderRefused(
                f"service {service.code} has no package {package[:40]!r}; it has: {_named(packages)}"
            )
        rejection = None
        try:
            milestones = milestone_schedule(service, contract_signed_on, calendar)
            if requested_start_on is not None:
                earliest = earliest_start(service, ordered_at, calendar)
                if requested_start_on < earliest:
                    rejection = (
                        f"earliest allowed start {earliest.isoformat()}: requested"
                        f" {requested_start_on.isoformat()} breaks the lead time of"
                        f" {service.lead_time.working_days} working days"
                    )
        except CalendarHorizonError as beyond:
            raise OrderRefused(f"cannot date the order: {beyond}") from None
        return cls(
            id=id,
            customer_id=customer_id,
            service_code=service_code,
            package=package,
            contract_signed_on=contract_signed_on,
            requested_start_on=requested_start_on,
            ordered_at=ordered_at,
            catalogue_version=catalogue.version,
            milestones=milestones,
            rejection=rejection,
        )

    @event("Registered")
    def __init__(
        self,
        id: UUID,
        customer_id: str,
        service_code: str,
        package: str,
        contract_signed_on: date,
        requested_start_on: date | None,
        ordered_at: datetime,
        catalogue_version: str,
        milestones: tuple[DatedMilestone, ...],
        rejection: str | None,
    ) -> None:
        self.customer_id = customer_id
        # Catalogue code of the service, e.g. "cloud-escort".
        self.service_code = service_code
        # A package code of that service, e.g. "standard".
        self.package = package
        # Contract signing date T (Beijing calendar date) that milestones count from.
        self.contract_signed_on = contract_signed_on
        self.requested_start_on = requested_start_on
        self.ordered_at = ordered_at
        # The project keeps the rules of the catalogue version it was ordered under.
        self.catalogue_version = catalogue_version
        self.milestones = tuple(milestones)
        # Why the order was rejected (with the earliest allowed start), None if it was not.
        self.rejection = rejection
        self.customer_delays: tuple[CustomerDelay, ...] = ()

    @property
    def state(self) -> ProjectState:
        return ProjectState.PLANNED if self.rejection is None else ProjectState.REJECTED

    @property
    def registered_at(self) -> datetime:
        return self.created_on

    def record_customer_delay(
        self, *, key: str, milestone_code: str, reason: str, days: int, recorded_at: datetime
    ) -> None:
        """The customer held up `milestone_code` by `days` calendar days: every later dated
        milestone moves back by as many days; the milestone itself keeps its date. The same
        `key` with the same delay again changes nothing; with another delay: DelayKeyReused."""
        if not 0 < len(key) <= MAX_KEY_CHARS:
            raise CommandRefused("idempotency_key", f"must be 1–{MAX_KEY_CHARS} characters")
        for recorded in self.customer_delays:
            if recorded.key == key:
                if (recorded.milestone_code, recorded.reason, recorded.days) != (
                    milestone_code,
                    reason.strip(),
                    days,
                ):
                    raise DelayKeyReused(f"idempotency_key {key!r} was used for another delay")
                return
        if self.state is ProjectState.REJECTED:
            raise CommandRefused("project_id", "the project was rejected; it has no schedule to delay")
        codes = [m.code for m in self.milestones]
        if milestone_code not in codes:
            raise CommandRefused(
                "milestone_code",
                f"no milestone {milestone_code[:40]!r} in this project; it has: {_named(codes) or 'none'}",
            )
        if self.milestones[codes.index(milestone_code)].due_on is None:
            raise CommandRefused("milestone_code", "the milestones of this service are not dated")
        if not reason.strip():
            raise CommandRefused("reason", "must say what the customer caused")
        if len(reason) > MAX_REASON_CHARS:
            raise CommandRefused("reason", f"must be at most {MAX_REASON_CHARS} characters")
        if not 1 <= days <= MAX_DELAY_DAYS:
            raise CommandRefused("days", f"must be between 1 and {MAX_DELAY_DAYS}")
        self._delayed(
            delay=CustomerDelay(key, milestone_code, reason.strip(), days, recorded_at)
        )

    @event("CustomerDelayRecorded")
    def _delayed(self, delay: CustomerDelay) -> None:
        held_up = [m.code for m in self.milestones].index(delay.milestone_code)
        self.milestones = tuple(
            replace(m, due_on=m.due_on + timedelta(days=delay.days)) if i > held_up else m
            for i, m in enumerate(self.milestones)
        )
        self.customer_delays += (delay,)
