"""The billing application service: commands and queries over the event store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import DecimalAsStr, JSONTranscoder

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
from .domain import (
    CommandRefused,
    CustomerDelay,
    DatedMilestone,
    OnSiteForm,
    Project,
    ProjectState,
    RequestReceipt,
    handover_deliverables,
    request_receipt_id,
)
from .invoicing import (
    CREDIT_NOTE_SERIES,
    INVOICE_SERIES,
    BreachCredit,
    CreditNote,
    CreditRefused,
    CustomerAccount,
    Invoice,
    InvoiceLine,
    InvoiceSeries,
    TicketCredit,
    account_id,
    beijing_year,
    credit_note_id,
    invoice_id,
    series_id,
    ticket_credit_id,
)
from .ratecards import RateCards, load_rate_cards

# A command that lost to a concurrent writer is applied again to the newer version this
# many times in all; issuers share an invoice series, so 8 at once may each lose 7 times.
_WRITE_ATTEMPTS = 20
_DELAY_ATTEMPTS = 3
T = TypeVar("T")


@dataclass(frozen=True)
class Inbound:
    """Where a command came from when it came on billing's inbound topic: its request id,
    the fingerprint of its content, and the record's position — recorded with its effect."""

    request_id: str
    fingerprint: str
    position: Tracking


class Billing(TracedEventApplication):
    name = "billing"

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        calendar: BusinessCalendar,
        catalogue: Catalogue | None = None,
        rate_cards: RateCards | None = None,
        clock: Clock = utc_now,
    ) -> None:
        super().__init__(env)
        self._calendar = calendar
        self._catalogue = catalogue if catalogue is not None else load_catalogue()
        self._rate_cards = rate_cards if rate_cards is not None else load_rate_cards(self._catalogue)
        self._clock = clock

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())
        transcoder.register(DataclassAsDict(DatedMilestone))
        transcoder.register(DataclassAsDict(CustomerDelay))
        transcoder.register(DataclassAsDict(AcceptanceRules))
        transcoder.register(DecimalAsStr())
        transcoder.register(DataclassAsDict(InvoiceLine))
        transcoder.register(DataclassAsDict(BreachCredit))
        transcoder.register(DataclassAsDict(OnSiteForm))

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
        additional_packages: tuple[str, ...] = (),
        quantities: tuple[tuple[str, Decimal], ...] = (),
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
            additional_packages=additional_packages,
            quantities=quantities,
        )
        self.record(project, position=position)

    def record_customer_delay(
        self,
        project_id: UUID,
        *,
        key: str,
        milestone_code: str,
        reason: str,
        days: int,
        inbound: Inbound | None = None,
    ) -> Project:
        """AggregateNotFoundError for an unknown id, CommandRefused for a delay that breaks a
        rule, DelayKeyReused for a key used before for another delay; a retry records nothing."""

        def delay() -> Project:
            project: Project = self.repository.get(project_id)
            project.record_customer_delay(
                key=key,
                milestone_code=milestone_code,
                reason=reason,
                days=days,
                recorded_at=self._clock(),
            )
            self._save(project, inbound=inbound)
            return project

        return self._retrying(delay, attempts=_DELAY_ATTEMPTS)

    def record_on_site_form(
        self,
        project_id: UUID,
        *,
        form_id: str,
        work_date: date,
        engineer: str,
        days: Decimal,
        signed_by: str,
        signed_on: date,
        requested_on: date,
        package: str = "",
        inbound: Inbound | None = None,
    ) -> Project:
        """Records a signed on-site form, booked against one of the order's packages; where
        the service charges on-site work per person-day, the form is a billing point and its
        invoice is issued with it."""

        def record() -> Project:
            project: Project = self.repository.get(project_id)
            service = self._catalogue.service(project.service_code)
            form = project.record_on_site_form(
                form_id=form_id,
                work_date=work_date,
                engineer=engineer,
                days=days,
                signed_by=signed_by,
                signed_on=signed_on,
                requested_on=requested_on,
                package=package,
                service=service,
                calendar=self._calendar,
            )
            invoiced: list[Any] = []
            if form is not None and service.on_site.charged_per_person_day:
                rate = self._rate_cards.for_customer(project.customer_id).person_day_rate
                holiday = f", statutory holiday ×{form.multiplier}" if form.multiplier > 1 else ""
                line = InvoiceLine.of(
                    "on-site",
                    f"on-site {form.work_date.isoformat()} {form.engineer} ({form.days} d{holiday})",
                    form.person_days,
                    rate,
                )
                invoiced = self._issue(
                    project.customer_id, project.id, f"{project.id}:on-site:{form.form_id}", [line]
                )
            self._save(project, *invoiced, inbound=inbound)
            return project

        return self._retrying(record)

    def on_site_invoice(self, project_id: UUID, form_id: str) -> Invoice | None:
        return self._get_or_none(invoice_id(f"{project_id}:on-site:{form_id}"))

    def get_project(self, project_id: UUID) -> Project:
        """Raises eventsourcing's AggregateNotFoundError for an unknown id."""
        return self.repository.get(project_id)

    # Acceptance --------------------------------------------------------------------------

    def deliverables(self, project: Project) -> list[str]:
        """What the customer receives and accepts, in order: each package on its own where
        the service says so (per_package); else the deliverables handed over before the
        project's window starts (if any), then the milestones, or the packages as a whole."""
        service = self._catalogue.service(project.service_code)
        if service.acceptance.per_package:
            return list(project.package_names())
        return [
            *handover_deliverables(service, project.packages),
            *([m.code for m in project.milestones] or [PACKAGE_DELIVERABLE]),
        ]

    def handover(self, project: Project) -> dict[str, str]:
        """The deliverables only received, whose receipt starts the project's window."""
        return handover_deliverables(self._catalogue.service(project.service_code), project.packages)

    def billing_point(self, project: Project, deliverable: str) -> tuple[str, tuple[str, ...]] | None:
        """What accepting the deliverable invoices — (billing point key, packages) — or None:
        where each package is accepted on its own, its deliverable invoices that package;
        otherwise the final deliverable invoices every package of the order."""
        if self._catalogue.service(project.service_code).acceptance.per_package:
            package = project.package_names().get(deliverable)
            return None if package is None else (f"{project.id}:package-accepted:{deliverable}", (package,))
        if deliverable == self.deliverables(project)[-1]:
            return f"{project.id}:package-accepted", project.packages
        return None

    def deliverable_invoice(self, project: Project, deliverable: str) -> Invoice | None:
        """The invoice the deliverable's acceptance issued, if it is a billing point."""
        point = self.billing_point(project, deliverable)
        return None if point is None else self._get_or_none(invoice_id(point[0]))

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
        self,
        project_id: UUID,
        deliverable: str,
        submitted_at: datetime | None = None,
        *,
        inbound: Inbound | None = None,
    ) -> DeliverableAcceptance | Project:
        """Hands a deliverable in (again, after answering points): its acceptance window
        starts. `submitted_at` records a hand-over that happened earlier (default: now).
        A deliverable that is only received (`handover`) is recorded on the project (returned);
        once all are, the final deliverable counts as submitted when the last one arrived."""
        now = self._clock()
        at = now if submitted_at is None else submitted_at
        project = self.get_project(project_id)
        if at > now:
            raise CommandRefused("submitted_at", "must not lie in the future")
        if at < project.ordered_at:
            raise CommandRefused("submitted_at", "must not lie before the order")
        if project.state is ProjectState.REJECTED:
            raise CommandRefused("project_id", "the project was rejected; it delivers nothing")
        self._known_deliverable(project, deliverable)
        handover = self.handover(project)
        if deliverable in handover:
            return self._retrying(lambda: self._receive(project_id, deliverable, at, handover, inbound))
        if handover and self._starts_when_delivered(project) and not self._exists(acceptance_id(project_id, deliverable)):
            # Only the delivery starts this window (交付完成后之日起): handing the project in
            # before it would start the window at the wrong instant.
            raise CommandRefused(
                "deliverable",
                f"the window of {deliverable} starts when the delivery is completed: submit"
                f" {', '.join(handover)} when it was delivered",
            )

        def submit() -> DeliverableAcceptance:
            acceptance = self._get_or_none(acceptance_id(project_id, deliverable))
            if acceptance is None:
                acceptance = self._first_submission(project, deliverable, at)
            else:
                acceptance.resubmit(at, self._calendar)
            self._save(acceptance, inbound=inbound)
            return acceptance

        return self._retrying(submit)

    def _starts_when_delivered(self, project: Project) -> bool:
        window = self._catalogue.service(project.service_code).acceptance.window
        return window is not None and window.starts == "delivery_completed"

    def _first_submission(self, project: Project, deliverable: str, at: datetime) -> DeliverableAcceptance:
        return DeliverableAcceptance.submit_first(
            project_id=project.id,
            deliverable=deliverable,
            customer_id=project.customer_id,
            final=self.billing_point(project, deliverable) is not None,
            rules=AcceptanceRules.of(self._catalogue.service(project.service_code).acceptance),
            submitted_at=at,
            calendar=self._calendar,
        )

    def _receive(
        self,
        project_id: UUID,
        deliverable: str,
        at: datetime,
        handover: dict[str, str],
        inbound: Inbound | None,
    ) -> Project:
        """Records a received deliverable; with the last of them, the project's final
        deliverable is submitted as of the latest receipt (unless it was handed in already)."""
        project = self.get_project(project_id)
        project.receive(deliverable, at)
        touched: list[Any] = [project]
        received = dict(project.received)
        final = self.deliverables(project)[-1]
        if set(handover) <= set(received) and not self._exists(acceptance_id(project_id, final)):
            touched.append(self._first_submission(project, final, max(received.values())))
        self._save(*touched, inbound=inbound)
        return project

    def accept_deliverable(
        self, project_id: UUID, deliverable: str, *, inbound: Inbound | None = None
    ) -> DeliverableAcceptance:
        return self._change_acceptance(project_id, deliverable, lambda a: a.accept(self._clock()), inbound)

    def put_into_production(
        self, project_id: UUID, deliverable: str, *, inbound: Inbound | None = None
    ) -> DeliverableAcceptance:
        return self._change_acceptance(
            project_id, deliverable, lambda a: a.put_into_production(self._clock()), inbound
        )

    def raise_points(
        self, project_id: UUID, deliverable: str, points: list[str], *, inbound: Inbound | None = None
    ) -> DeliverableAcceptance:
        return self._change_acceptance(
            project_id, deliverable, lambda a: a.raise_points(points, self._clock(), self._calendar), inbound
        )

    def answer_points(
        self, project_id: UUID, deliverable: str, answers: list[str], *, inbound: Inbound | None = None
    ) -> DeliverableAcceptance:
        return self._change_acceptance(
            project_id, deliverable, lambda a: a.answer_points(answers, self._clock()), inbound
        )

    def record_meeting(
        self, project_id: UUID, deliverable: str, *, inbound: Inbound | None = None
    ) -> DeliverableAcceptance:
        return self._change_acceptance(
            project_id, deliverable, lambda a: a.record_meeting(self._clock()), inbound
        )

    def acceptance_deadline(self, firing: DeadlineFiring) -> None:
        """Handler of the acceptance deadlines: deems accepted (and invoices, at the billing
        point) or flags overdue — recorded with the firing's outcome, so once."""

        def fire() -> None:
            acceptance: DeliverableAcceptance = self.repository.get(firing.aggregate_id)
            acceptance.deadline_fell_due(firing.deadline, firing.fired_at)
            self.record(acceptance, *self._billing_point(acceptance), firing.outcome())

        # Fired by another instance (or before a crash): that conflict never clears.
        self._retrying(fire, settled=lambda: self._exists(firing.record_id))

    def _change_acceptance(
        self,
        project_id: UUID,
        deliverable: str,
        change: Callable[[DeliverableAcceptance], None],
        inbound: Inbound | None,
    ) -> DeliverableAcceptance:
        """AggregateNotFoundError for an unknown project, CommandRefused for an unknown
        deliverable, WrongState for one not submitted yet or in a state the change does not fit."""
        project = self.get_project(project_id)
        self._known_deliverable(project, deliverable)
        if deliverable in self.handover(project):
            raise CommandRefused(
                "deliverable",
                f"{deliverable} is only received; it is accepted with the whole project:"
                f" {self.deliverables(project)[-1]}",
            )
        return self._retrying(
            lambda: self._apply(acceptance_id(project_id, deliverable), deliverable, change, inbound)
        )

    def _known_deliverable(self, project: Project, deliverable: str) -> list[str]:
        deliverables = self.deliverables(project)
        if deliverable not in deliverables:
            raise CommandRefused(
                "deliverable", f"no deliverable {deliverable[:40]!r}; it has: {', '.join(deliverables)}"
            )
        return deliverables

    def _apply(
        self,
        id: UUID,
        deliverable: str,
        change: Callable[[DeliverableAcceptance], None],
        inbound: Inbound | None,
    ) -> DeliverableAcceptance:
        try:
            acceptance: DeliverableAcceptance = self.repository.get(id)
        except AggregateNotFoundError:
            raise WrongState(deliverable, AcceptanceState.NOT_SUBMITTED, "do this before it is submitted") from None
        change(acceptance)
        self._save(acceptance, *self._billing_point(acceptance), inbound=inbound)
        return acceptance

    # Inbound requests --------------------------------------------------------------------

    def handle_request(self, inbound: Inbound, command: Callable[[], object]) -> bool:
        """Runs a command from billing's inbound topic once per request id (the command
        records the receipt with its effect). A request id applied before: with the same
        content, False, recording only the position; with other content, RequestIdReused."""
        receipt: RequestReceipt | None = self._get_or_none(request_receipt_id(inbound.request_id))
        if receipt is not None:
            receipt.check(inbound.fingerprint)
            self.record(position=inbound.position)
            return False
        command()
        return True

    def _save(self, *aggregates: Any, inbound: Inbound | None) -> None:
        """Records a command's aggregates; for a command from the inbound topic, in the same
        transaction, its receipt and the record's position."""
        if inbound is None:
            self.record(*aggregates)
        else:
            receipt = RequestReceipt.of(inbound.request_id, inbound.fingerprint)
            self.record(*aggregates, receipt, position=inbound.position)

    # Invoices ----------------------------------------------------------------------------

    def _billing_point(self, acceptance: DeliverableAcceptance) -> list[Any]:
        """The billing point is the acceptance of a package (its own deliverable, or the final
        one for all packages of the order, see `billing_point`): then the packages are
        invoiced, one line each, with the customer's pending SLA credits. Returns the
        aggregates to record with the acceptance (nothing before, or if already invoiced)."""
        if not (acceptance.final and _just_accepted(acceptance)):
            return []
        project = self.get_project(acceptance.project_id)
        point = self.billing_point(project, acceptance.deliverable)
        if point is None or self._exists(invoice_id(point[0])):
            return []
        key, packages = point
        card = self._rate_cards.for_customer(project.customer_id)
        lines = [
            InvoiceLine.of(
                "package",
                f"{project.service_code} / {package} (accepted)",
                Decimal(1),
                card.package_price(project.service_code, package),
            )
            for package in packages
        ]
        if key == self._first_billing_point(project):
            lines += self._unit_lines(project, card)
        return self._issue(project.customer_id, project.id, key, lines)

    def _first_billing_point(self, project: Project) -> str:
        """Pricing units are invoiced once, with the order's first package."""
        points = (self.billing_point(project, d) for d in self.deliverables(project))
        return next(point[0] for point in points if point is not None)

    def _unit_lines(self, project: Project, card: Any) -> list[InvoiceLine]:
        """The ordered units beyond what the package includes (a part counting as a whole:
        120 tables, 50 included, then per 50 → 2 more units), at the card's unit price."""
        service = self._catalogue.service(project.service_code)
        lines = []
        for unit, amount in project.quantities:
            rule = service.pricing_unit(unit)
            extra = rule.units_for(amount) - 1
            if extra > 0:
                lines.append(
                    InvoiceLine.of(
                        "unit",
                        f"{project.service_code} / {unit}: {amount} ordered, {rule.included}"
                        f" included, then per {rule.unit_size}",
                        Decimal(extra),
                        card.unit_price(project.service_code, unit),
                    )
                )
        return lines

    def _issue(
        self, customer_id: str, project_id: UUID, billing_point: str, lines: list[InvoiceLine]
    ) -> list[Any]:
        issued_at = self._clock()
        id = invoice_id(billing_point)
        account = self._get_or_none(account_id(customer_id))
        touched: list[Any] = []
        if account is not None:
            lines += account.take_credits(id, sum((line.amount for line in lines), Decimal(0)))
            touched.append(account)
        series = self._series(INVOICE_SERIES, beijing_year(issued_at))
        invoice = Invoice(
            id=id,
            number=series.take_number(id),
            customer_id=customer_id,
            project_id=project_id,
            billing_point=billing_point,
            lines=lines,
            issued_at=issued_at,
            rate_card_version=self._rate_cards.version,
        )
        return [series, invoice, *touched]

    def _series(self, series: str, year: int) -> InvoiceSeries:
        found = self._get_or_none(series_id(series, year))
        return found if found is not None else InvoiceSeries.start(series, year)

    def _exists(self, id: UUID) -> bool:
        return self._get_or_none(id) is not None

    def _get_or_none(self, id: UUID) -> Any:
        try:
            return self.repository.get(id)
        except AggregateNotFoundError:
            return None

    def get_invoice(self, id: UUID) -> Invoice:
        """AggregateNotFoundError for an unknown id."""
        invoice = self.repository.get(id)
        if not isinstance(invoice, Invoice):
            raise AggregateNotFoundError(id)
        return invoice

    def project_invoice(self, project_id: UUID) -> Invoice | None:
        """The project's package invoice, once issued."""
        return self._get_or_none(invoice_id(f"{project_id}:package-accepted"))

    def issue_credit_note(
        self, invoice: UUID, *, key: str, amount: Decimal, reason: str
    ) -> CreditNote:
        """Corrects an issued invoice by a credit note (the invoice stays as issued). The
        caller's `key` makes a retry return the same note; AggregateNotFoundError for an
        unknown invoice, CreditRefused for a bad amount, reason or key."""
        if not 0 < len(key) <= 128:
            raise CreditRefused("idempotency_key", "must be 1–128 characters")
        if not reason.strip() or len(reason) > 1000:
            raise CreditRefused("reason", "must say why, in 1–1000 characters")
        if not (amount.is_finite() and amount > 0 and amount == amount.quantize(Decimal("0.01"))):
            raise CreditRefused("amount", "must be a positive CNY amount in fen, e.g. \"120.50\"")
        note_id = credit_note_id(invoice, key)

        def issue() -> CreditNote:
            issued: CreditNote | None = self._get_or_none(note_id)
            if issued is not None:
                if (issued.amount, issued.reason) != (amount, reason.strip()):
                    raise CreditRefused("idempotency_key", "was used for another credit note")
                return issued
            target = self.get_invoice(invoice)
            target.attach_credit_note(note_id, amount)
            issued_at = self._clock()
            series = self._series(CREDIT_NOTE_SERIES, beijing_year(issued_at))
            note = CreditNote(
                id=note_id,
                number=series.take_number(note_id),
                invoice_id=invoice,
                invoice_number=target.number,
                customer_id=target.customer_id,
                amount=amount,
                reason=reason.strip(),
                issued_at=issued_at,
            )
            self.record(target, series, note)
            return note

        return self._retrying(issue)

    def ticket_opened(self, *, ticket_id: str, customer_id: str, position: Tracking | None = None) -> None:
        """Notes a support ticket's customer, so that its SLA breach can be credited."""
        self._on_ticket(ticket_id, lambda ticket: ticket.opened(customer_id), position)

    def sla_breached(
        self, *, ticket_id: str, priority: str, breached_at: datetime, position: Tracking | None = None
    ) -> None:
        """Notes a ticket's SLA breach; credited once its customer is known."""
        self._on_ticket(ticket_id, lambda ticket: ticket.breached(priority, breached_at), position)

    def _on_ticket(
        self, ticket_id: str, change: Callable[[TicketCredit], None], position: Tracking | None
    ) -> None:
        """Books the contract's credit for a breach on the customer's account (the next
        invoice takes it as a credit line) once the ticket's customer and breach are both
        known, in the transaction that records the second of them — so once per ticket."""

        def note() -> None:
            ticket = self._get_or_none(ticket_credit_id(ticket_id)) or TicketCredit.start(ticket_id)
            change(ticket)
            touched: list[Any] = [ticket]
            if ticket.credit_due():
                customer_id = ticket.customer_id
                priority, breached_at = ticket.breach
                card = self._rate_cards.for_customer(customer_id)
                account = self._get_or_none(account_id(customer_id)) or CustomerAccount.open(customer_id)
                account.add_breach_credit(
                    BreachCredit(ticket_id, priority, card.sla_breach_credit[priority], breached_at)
                )
                ticket.mark_credited()
                touched.append(account)
            self.record(*touched, position=position)

        self._retrying(note)

    def customer_account(self, customer_id: str) -> CustomerAccount | None:
        return self._get_or_none(account_id(customer_id))

    def _retrying(
        self, command: Callable[[], T], attempts: int = _WRITE_ATTEMPTS,
        settled: Callable[[], bool] = lambda: False,
    ) -> T:
        """Runs a read-change-record command again on a newer version when another writer
        changed an aggregate since it was read (optimistic concurrency), a bounded number of
        times; an IntegrityError that persists (e.g. a position recorded before), or one
        after which `settled()` says no retry can succeed, is raised."""
        for _ in range(attempts - 1):
            try:
                return command()
            except IntegrityError:
                if settled():
                    raise
        return command()


def _just_accepted(acceptance: DeliverableAcceptance) -> bool:
    return any(
        isinstance(e, DeliverableAcceptance.Accepted) for e in acceptance.pending_events
    )
