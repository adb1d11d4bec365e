"""Statement-of-work projects, acceptance and billing (DOMAIN.md §4). Pure: no I/O, no clock reads.

An intake order becomes a project: its service and package are checked against the SOW
catalogue, its milestones dated from contract signing T by the catalogue's template, and a
requested start checked against the service's lead time. Customer delays push later
milestones back. Signed on-site forms count person-days under the service's on-site rules.
Acceptance is in acceptance.py, invoices in invoicing.py.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from servicehub_businesstime import SHANGHAI, BusinessCalendar, CalendarHorizonError

from .catalogue import Catalogue, Package, Service

MAX_DELAY_DAYS = 365
MAX_REASON_CHARS = 1000
MAX_KEY_CHARS = 128
MAX_NAME_CHARS = 200
# One form is one engineer on one day: a half day or a full day.
FORM_DAYS = (Decimal("0.5"), Decimal("1"))
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


class RequestIdReused(ValueError):
    """The request id of an inbound request was used before for another request."""


_REQUEST_NAMESPACE = UUID("c4b1e0f2-5a73-4d8e-9f26-0b7d3e91a5c8")


def request_receipt_id(request_id: str) -> UUID:
    return uuid5(_REQUEST_NAMESPACE, f"project-request:{request_id}")


class RequestReceipt(Aggregate):
    """An inbound request applied: recorded with its effect, so a request id is applied once.
    The fingerprint (of the request's content) tells a re-sent request from a reused id."""

    @classmethod
    def of(cls, request_id: str, fingerprint: str) -> RequestReceipt:
        return cls(id=request_receipt_id(request_id), request_id=request_id, fingerprint=fingerprint)

    @event("Received")
    def __init__(self, id: UUID, request_id: str, fingerprint: str) -> None:
        self.request_id = request_id
        self.fingerprint = fingerprint

    def check(self, fingerprint: str) -> None:
        """RequestIdReused unless the request is the one applied."""
        if fingerprint != self.fingerprint:
            raise RequestIdReused(f"request_id {self.request_id[:128]!r} was used for another request")


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


@dataclass(frozen=True)
class OnSiteForm:
    """A signed on-site service form (现场服务单): one engineer, one Beijing day."""

    # The caller's id of the form: recording it again changes nothing.
    form_id: str
    work_date: date
    engineer: str
    days: Decimal
    # The customer's signatory and the day they signed.
    signed_by: str
    signed_on: date
    # When the customer asked for the on-site work (the notice counts from this day).
    requested_on: date
    # Person-days the form counts for: days × 3 on a statutory holiday where the service
    # says so, days otherwise (also on 调休 rest days and weekends).
    person_days: Decimal
    multiplier: int
    # The package of the order the day is booked against (Project.package_names); "" in
    # forms recorded before it was named: the order's first package.
    package: str = ""


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


def lead_time_rejection(
    service: Service, ordered_at: datetime, requested_start_on: date, calendar: BusinessCalendar
) -> str | None:
    """Why the requested start breaks the lead time, None if it does not.

    When the earliest allowed start lies past the calendar's data (an order placed in late
    December), a requested start within the data is still certainly too early: the rejection
    says so instead of naming a day the calendar cannot know. A requested start past the data
    cannot be judged: CalendarHorizonError."""
    lead = service.lead_time.working_days
    broken = f"requested {requested_start_on.isoformat()} breaks the lead time of {lead} working days"
    try:
        earliest = earliest_start(service, ordered_at, calendar)
    except CalendarHorizonError as beyond:
        if requested_start_on > calendar.horizon:
            raise
        ordered_on = ordered_at.astimezone(SHANGHAI).date()
        return (
            f"earliest allowed start lies beyond the business calendar's data (horizon"
            f" {beyond.horizon.isoformat()}; {lead} working days after {ordered_on.isoformat()},"
            f" the Beijing day of the order): {broken}"
        )
    if requested_start_on < earliest:
        return f"earliest allowed start {earliest.isoformat()}: {broken}"
    return None


# What starts the whole project's acceptance window, besides handing the project in itself.
_HANDOVER_STARTS = ("all_deliverables_received", "report_uploaded", "delivery_completed")


def handover_deliverables(service: Service, packages: tuple[str, ...]) -> dict[str, str]:
    """Code → name of what the customer must have received before the whole project's window
    starts (如客户收到…全部交付物后 §1, §18: every deliverable of the packages' phases; 上传验收报告
    §22: the reports; 交付完成 §24: the deliverables of the delivery phase), in phase order; empty
    where the window starts at submission. A phase's deliverable is named by the phase code,
    the n-th of several `<phase>-<n>`."""
    window = service.acceptance.window
    if window is None or window.starts not in _HANDOVER_STARTS or service.acceptance.scope != "project":
        return {}
    found = {}
    for phase in service.phases:
        if window.phase is not None and phase.code != window.phase:
            continue
        mine = [
            d for d in phase.deliverables
            if (not d.packages or set(d.packages) & set(packages))
            and (window.starts != "report_uploaded" or d.kind == "report")
        ]
        for n, deliverable in enumerate(mine, 1):
            found[phase.code if len(mine) == 1 else f"{phase.code}-{n}"] = deliverable.name_zh
    return found


def _named(codes: list[str]) -> str:
    shown = ", ".join(codes[:_CODES_NAMED])
    return shown if len(codes) <= _CODES_NAMED else f"{shown}, … ({len(codes)} in all)"


class Project(Aggregate):
    """A customer's statement-of-work project for the packages of one ordered service.

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
        additional_packages: tuple[str, ...] = (),
        quantities: tuple[tuple[str, Decimal], ...] = (),
    ) -> Project:
        """The project an order asks for; OrderRefused if the catalogue does not sell it, a
        package is bought without one it must be sold with, or a quantity names no pricing
        unit of the service (or one twice) or is not positive."""
        services = {service.code: service for service in catalogue.services}
        service = services.get(service_code)
        if service is None:
            raise OrderRefused(
                f"unknown service_code {service_code[:40]!r} (catalogue {catalogue.version});"
                f" known: {_named(sorted(services))}"
            )
        packages = [p.code for p in service.packages]
        ordered = (package, *additional_packages)
        for code in ordered:
            if code not in packages:
                raise OrderRefused(
                    f"service {service.code} has no package {code[:40]!r}; it has: {_named(packages)}"
                )
        for code in dict.fromkeys(ordered):
            requires = service.package(code).requires
            if requires and not set(requires) & set(ordered):
                # 必须和…联合售卖，不可单独购买: only in the same order.
                raise OrderRefused(
                    f"package {code} of {service.code} is sold only together with"
                    f" {' or '.join(requires)}: order them together"
                )
        units = [u.code for u in service.pricing_units]
        named: set[str] = set()
        for unit, amount in quantities:
            if unit not in units:
                raise OrderRefused(
                    f"service {service.code} has no pricing unit {unit[:40]!r};"
                    f" it has: {_named(units) or 'none'}"
                )
            if unit in named or not (amount.is_finite() and amount > 0):
                raise OrderRefused(f"quantity of {unit}: {amount} (each unit once, a positive amount)")
            named.add(unit)
        rejection = None
        try:
            milestones = milestone_schedule(service, contract_signed_on, calendar)
            if requested_start_on is not None:
                rejection = lead_time_rejection(service, ordered_at, requested_start_on, calendar)
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
            additional_packages=tuple(additional_packages),
            quantities=tuple(quantities),
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
        additional_packages: tuple[str, ...] = (),
        quantities: tuple[tuple[str, Decimal], ...] = (),
    ) -> None:
        self.customer_id = customer_id
        # Catalogue code of the service, e.g. "cloud-escort".
        self.service_code = service_code
        # A package code of that service, e.g. "standard": the first one ordered.
        self.package = package
        # Further packages bought in the same order (() for orders from before the field).
        self.additional_packages = tuple(additional_packages)
        # (pricing unit, amount) ordered, e.g. ("tables", Decimal("120")); () if none.
        self.quantities = tuple((unit, Decimal(amount)) for unit, amount in quantities)
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
        self.on_site_forms: tuple[OnSiteForm, ...] = ()
        # Handed-over deliverables (handover_deliverables) and when the customer received them.
        self.received: tuple[tuple[str, datetime], ...] = ()

    def receive(self, deliverable: str, at: datetime) -> None:
        """Records that the customer received a handed-over deliverable (once)."""
        if any(code == deliverable for code, _ in self.received):
            raise CommandRefused("deliverable", f"{deliverable} was received already")
        self._received(deliverable=deliverable, at=at)

    @event("DeliverableReceived")
    def _received(self, deliverable: str, at: datetime) -> None:
        self.received += ((deliverable, at),)

    @property
    def packages(self) -> tuple[str, ...]:
        """Every package bought, in the order's order; a package bought twice is named twice."""
        return (self.package, *self.additional_packages)

    def package_names(self) -> dict[str, str]:
        """Name → package code of every package bought, in the order's order: the package
        code, and for the n-th of a package bought several times `<code>-n` (n ≥ 2). Where each
        package is accepted on its own, its name is its deliverable; on-site days are booked
        against a name."""
        seen: dict[str, int] = {}
        deliverables = {}
        for code in self.packages:
            seen[code] = seen.get(code, 0) + 1
            deliverables[code if seen[code] == 1 else f"{code}-{seen[code]}"] = code
        return deliverables

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

    def record_on_site_form(
        self,
        *,
        form_id: str,
        work_date: date,
        engineer: str,
        days: Decimal,
        signed_by: str,
        signed_on: date,
        requested_on: date,
        package: str = "",
        service: Service,
        calendar: BusinessCalendar,
    ) -> OnSiteForm | None:
        """Records a signed on-site form under the service's on-site rules (notice, ×3 on
        statutory holidays) and the person-day cap of the package it is booked against
        (`package`: a name of package_names(), "" when the order bought one package); returns
        it, or None when the same form was recorded before. CommandRefused names the field."""
        names = self.package_names()
        booked = package or (next(iter(names)) if len(names) == 1 else "")
        if booked not in names:
            problem = (
                f"no package {package[:40]!r} in this order" if package
                else "the order bought several packages: name the one the day is booked against"
            )
            raise CommandRefused("package", f"{problem}; it has: {_named(list(names))}")
        for recorded in self.on_site_forms:
            if recorded.form_id == form_id:
                if (recorded.work_date, recorded.engineer, recorded.days, self.booked_package(recorded)) != (
                    work_date, engineer.strip(), days, booked
                ):
                    raise CommandRefused("form_id", "was used for another on-site form")
                return None
        if not 0 < len(form_id) <= MAX_KEY_CHARS:
            raise CommandRefused("form_id", f"must be 1–{MAX_KEY_CHARS} characters")
        if self.state is ProjectState.REJECTED:
            raise CommandRefused("project_id", "the project was rejected; it has no on-site work")
        rules = service.on_site
        if not rules.offered:
            raise CommandRefused("project_id", f"service {service.code} offers no on-site work")
        if not engineer.strip() or len(engineer) > MAX_NAME_CHARS:
            raise CommandRefused("engineer", f"must name the engineer in 1–{MAX_NAME_CHARS} characters")
        if days not in FORM_DAYS:
            raise CommandRefused("days", "one engineer's day on one form: 0.5 or 1")
        if not signed_by.strip() or len(signed_by) > MAX_NAME_CHARS:
            raise CommandRefused("signed_by", "the customer's signature is required")
        if signed_on < work_date or (rules.form_signed_same_day and signed_on != work_date):
            rule = "the same day" if rules.form_signed_same_day else "on or after the work date"
            raise CommandRefused("signed_on", f"the customer signs the form {rule} ({work_date.isoformat()})")
        try:
            if rules.notice_working_days:
                earliest = calendar.add_working_days(requested_on, rules.notice_working_days)
                if work_date < earliest:
                    raise CommandRefused(
                        "work_date",
                        f"on-site work needs {rules.notice_working_days} working days' notice:"
                        f" requested {requested_on.isoformat()}, earliest {earliest.isoformat()}",
                    )
            statutory = calendar.is_statutory_holiday(work_date)
        except CalendarHorizonError as beyond:
            raise CommandRefused("work_date", str(beyond)) from None
        if requested_on > work_date:
            raise CommandRefused("requested_on", "must not lie after the work date")
        multiplier = (rules.statutory_holiday_multiplier or 1) if statutory else 1
        form = OnSiteForm(
            form_id, work_date, engineer.strip(), days, signed_by.strip(), signed_on, requested_on,
            days * multiplier, multiplier, booked,
        )
        same_package = tuple(f for f in self.on_site_forms if self.booked_package(f) == booked)
        _check_cap(booked, service.package(names[booked]), same_package, form)
        self._on_site_form_recorded(form=form)
        return form

    def booked_package(self, form: OnSiteForm) -> str:
        """The package name a form is booked against (the first package for older forms)."""
        return form.package or next(iter(self.package_names()))

    @event("OnSiteFormRecorded")
    def _on_site_form_recorded(self, form: OnSiteForm) -> None:
        self.on_site_forms = (*self.on_site_forms, form)


def _check_cap(name: str, package: Package, recorded: tuple[OnSiteForm, ...], form: OnSiteForm) -> None:
    """The package's person-day cap over the forms booked against it (`name`): a total, or
    visits (days with on-site work) × person-days per visit. Counted person-days (×3 on
    statutory holidays) use the cap up."""
    cap = package.on_site_cap
    if cap is None:
        return
    forms = (*recorded, form)
    if cap.max_person_days is not None:
        already = sum((f.person_days for f in recorded), Decimal(0))
        if already + form.person_days > cap.max_person_days:
            raise CommandRefused(
                "days",
                f"package {name} includes at most {cap.max_person_days} on-site person-days;"
                f" {already} are recorded, this form counts {form.person_days}",
            )
    if cap.max_visits is not None:
        visits = sorted({f.work_date for f in forms})
        if len(visits) > cap.max_visits:
            raise CommandRefused(
                "work_date",
                f"package {name} includes at most {cap.max_visits} on-site visits"
                f" ({', '.join(v.isoformat() for v in visits[:-1] if v != form.work_date)} recorded)",
            )
    if cap.max_person_days_per_visit is not None:
        on_day = sum((f.person_days for f in forms if f.work_date == form.work_date), Decimal(0))
        if on_day > cap.max_person_days_per_visit:
            raise CommandRefused(
                "days",
                f"package {name} includes at most {cap.max_person_days_per_visit} person-days"
                f" per visit; {form.work_date.isoformat()} would count {on_day}",
            )
