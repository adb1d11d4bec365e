"""gRPC API of billing: translates requests to application commands and queries."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar
from uuid import UUID

import grpc
from eventsourcing.application import AggregateNotFoundError

from servicehub.billing.v1 import billing_pb2 as pb
from servicehub.billing.v1 import billing_pb2_grpc
from servicehub.events.v1.intake_pb2 import OrderedQuantity
from servicehub_businesstime import CalendarHorizonError
from servicehub_runtime import auth
from servicehub_runtime.grpcserver import (
    Conflict,
    FieldViolation,
    InvalidArgument,
    NotFound,
    uuid_argument,
)
from servicehub_runtime.projection import Projection
from servicehub_runtime.protobuf import timestamp

from . import requests
from .acceptance import AcceptanceRefused, AcceptanceState, DeliverableAcceptance, WrongState
from .application import Billing
from .domain import CommandRefused, DelayKeyReused, Project, ProjectState
from .invoicing import CreditNote, CreditRefused, Invoice
from .publishing import CURRENCY, line_message

_STATES = {
    ProjectState.PLANNED: pb.PROJECT_STATE_PLANNED,
    ProjectState.REJECTED: pb.PROJECT_STATE_REJECTED,
}
R = TypeVar("R")
T = TypeVar("T")
M = TypeVar("M", pb.Invoice, pb.CreditNote)


@dataclass(frozen=True)
class ProjectBilling:
    """What GetProject shows beside the project: deliverables in order, the invoices."""

    acceptances: list[tuple[str, DeliverableAcceptance | None]]
    # The packages' invoice where they are accepted together ("" before, and per package).
    invoice_id: str
    # Deliverable → the invoice its acceptance issued (billing points only).
    deliverable_invoices: dict[str, str]
    # On-site form id → its invoice id ("" where on-site work is not charged).
    on_site_invoices: dict[str, str]
    # Every invoice of the project, in the order issued.
    invoice_ids: list[str]


_ACCEPTANCE_STATES = {
    AcceptanceState.NOT_SUBMITTED: pb.ACCEPTANCE_STATE_NOT_SUBMITTED,
    AcceptanceState.SUBMITTED: pb.ACCEPTANCE_STATE_SUBMITTED,
    AcceptanceState.POINTS_RAISED: pb.ACCEPTANCE_STATE_POINTS_RAISED,
    AcceptanceState.POINTS_ANSWERED: pb.ACCEPTANCE_STATE_POINTS_ANSWERED,
    AcceptanceState.ACCEPTED: pb.ACCEPTANCE_STATE_ACCEPTED,
}


# List pages: at most this many documents, and cut short before this many bytes.
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_BYTES = 1024 * 1024
_PAGE_TOKEN = re.compile(r"[0-9]{1,18}")


class BillingApi(billing_pb2_grpc.BillingServiceServicer):
    def __init__(self, billing: Billing, documents: Projection) -> None:
        self._billing = billing
        # Read model of issued invoices and credit notes (projections.IssuedDocuments).
        self._documents = documents

    async def GetProject(
        self, request: pb.GetProjectRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetProjectResponse:
        project, billing = await self._owned(
            "project", request.project_id, self._project_view, lambda view: view[0].customer_id
        )
        return pb.GetProjectResponse(project=_project_message(project, billing))

    async def RecordOnSiteForm(
        self, request: pb.RecordOnSiteFormRequest, context: grpc.aio.ServicerContext
    ) -> pb.RecordOnSiteFormResponse:
        return await self._project_command(request, pb.RecordOnSiteFormResponse, requests.record_on_site_form)

    async def RecordCustomerDelay(
        self, request: pb.RecordCustomerDelayRequest, context: grpc.aio.ServicerContext
    ) -> pb.RecordCustomerDelayResponse:
        return await self._project_command(request, pb.RecordCustomerDelayResponse, requests.record_customer_delay)

    async def _project_command(
        self, request: Any, response_type: type[R], command: Callable[[Billing, Any], Project]
    ) -> R:
        """Runs a command that changes the project and answers with the project."""
        project_id = uuid_argument("project_id", request.project_id)
        try:
            project = await asyncio.to_thread(command, self._billing, request)
        except AggregateNotFoundError:
            raise NotFound(f"project {project_id} not found") from None
        except CommandRefused as refused:
            raise InvalidArgument([FieldViolation(refused.field, refused.description)]) from None
        except DelayKeyReused as reused:
            raise Conflict(str(reused)) from None
        billing = await asyncio.to_thread(self._project_billing, project)
        return response_type(project=_project_message(project, billing))

    async def GetInvoice(
        self, request: pb.GetInvoiceRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetInvoiceResponse:
        invoice, notes = await self._owned(
            "invoice", request.invoice_id, self._invoice_with_notes, lambda found: found[0].customer_id
        )
        return pb.GetInvoiceResponse(invoice=_invoice_message(invoice, notes))

    async def _owned(self, kind: str, id: str, load: Callable[[UUID], T], customer_of: Callable[[T], str]) -> T:
        """What `load` finds for the id (field `<kind>_id`): NOT_FOUND for an unknown id and,
        exactly alike, for another customer's (a customer's token sees only its own)."""
        found_id = uuid_argument(f"{kind}_id", id)
        try:
            found = await asyncio.to_thread(load, found_id)
        except AggregateNotFoundError:
            raise NotFound(f"{kind} {found_id} not found") from None
        auth.require_owner("customer_id", customer_of(found), f"{kind} {found_id}")
        return found

    async def IssueCreditNote(
        self, request: pb.IssueCreditNoteRequest, context: grpc.aio.ServicerContext
    ) -> pb.IssueCreditNoteResponse:
        invoice_id = uuid_argument("invoice_id", request.invoice_id)
        try:
            amount = Decimal(request.amount)
        except InvalidOperation:
            raise InvalidArgument(
                [FieldViolation("amount", "must be a CNY decimal string, e.g. \"120.50\"")]
            ) from None
        try:
            note = await asyncio.to_thread(
                self._billing.issue_credit_note,
                invoice_id,
                key=request.idempotency_key,
                amount=amount,
                reason=request.reason,
            )
            invoice, notes = await asyncio.to_thread(self._invoice_with_notes, invoice_id)
        except AggregateNotFoundError:
            raise NotFound(f"invoice {invoice_id} not found") from None
        except CreditRefused as refused:
            raise InvalidArgument([FieldViolation(refused.field, refused.description)]) from None
        return pb.IssueCreditNoteResponse(
            credit_note=_credit_note_message(note), invoice=_invoice_message(invoice, notes)
        )

    async def ListInvoices(
        self, request: pb.ListInvoicesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListInvoicesResponse:
        # A customer's token may name only its own customer_id: the gate checks it (proto).
        after, size = _page_arguments(request)

        def render(invoice_id: str) -> pb.Invoice:
            return _invoice_message(*self._invoice_with_notes(UUID(invoice_id)))

        invoices, token = await asyncio.to_thread(
            self._page, "invoices", "invoice_id", request.customer_id, after, size, render
        )
        return pb.ListInvoicesResponse(invoices=invoices, next_page_token=token)

    async def ListCreditNotes(
        self, request: pb.ListCreditNotesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListCreditNotesResponse:
        after, size = _page_arguments(request)

        def render(credit_note_id: str) -> pb.CreditNote:
            return _credit_note_message(self._billing.repository.get(UUID(credit_note_id)))

        notes, token = await asyncio.to_thread(
            self._page, "credit_notes", "credit_note_id", request.customer_id, after, size, render
        )
        return pb.ListCreditNotesResponse(credit_notes=notes, next_page_token=token)

    def _page(
        self,
        table: str,
        id_column: str,
        customer_id: str,
        after: int,
        size: int,
        render: Callable[[str], M],
    ) -> tuple[list[M], str]:
        """The documents issued after position `after` (of one customer, unless empty): at
        most `size` and under MAX_PAGE_BYTES, with the token of the next page ("" if none)."""
        where, parameters = "seq > ?", [after]
        if customer_id:
            where, parameters = where + " AND customer_id = ?", [after, customer_id]
        # One row more than the page: whether a next page exists.
        rows = self._documents.query(
            f"SELECT seq, {id_column} FROM {table} WHERE {where} ORDER BY seq LIMIT ?",
            (*parameters, size + 1),
        )
        page: list[M] = []
        page_bytes, last = 0, after
        for row in rows[:size]:
            message = render(row[id_column])
            page_bytes += message.ByteSize() + 8  # + the field's tag and length
            if page and page_bytes > MAX_PAGE_BYTES:
                return page, str(last)
            page.append(message)
            last = row["seq"]
        return page, str(last) if len(rows) > size else ""

    def _invoice_with_notes(self, invoice_id: UUID) -> tuple[Invoice, list[CreditNote]]:
        invoice = self._billing.get_invoice(invoice_id)
        return invoice, [self._billing.repository.get(n) for n in invoice.credit_notes]

    def _project_view(self, project_id: UUID) -> tuple[Project, ProjectBilling]:
        project = self._billing.get_project(project_id)
        return project, self._project_billing(project)

    def _project_billing(self, project: Project) -> ProjectBilling:
        found = self._billing.acceptances(project)
        invoice = self._billing.project_invoice(project.id)
        on_site = {f.form_id: self._billing.on_site_invoice(project.id, f.form_id) for f in project.on_site_forms}
        deliverables = self._billing.deliverables(project)
        invoiced = {d: self._billing.deliverable_invoice(project, d) for d in deliverables}
        issued = [i for i in (*invoiced.values(), *on_site.values()) if i is not None]
        # Numbers run in issue order within a series and year; the instant orders across years.
        issued.sort(key=lambda i: (i.issued_at, i.number))
        return ProjectBilling(
            [(d, found.get(d)) for d in deliverables],
            str(invoice.id) if invoice else "",
            {d: str(i.id) for d, i in invoiced.items() if i is not None},
            {form_id: str(i.id) if i else "" for form_id, i in on_site.items()},
            [str(i.id) for i in issued],
        )

    async def SubmitDeliverable(
        self, request: pb.SubmitDeliverableRequest, context: grpc.aio.ServicerContext
    ) -> pb.SubmitDeliverableResponse:
        return await self._deliverable_command(
            context, request, pb.SubmitDeliverableResponse, requests.submit_deliverable
        )

    async def AcceptDeliverable(
        self, request: pb.AcceptDeliverableRequest, context: grpc.aio.ServicerContext
    ) -> pb.AcceptDeliverableResponse:
        return await self._deliverable_command(
            context, request, pb.AcceptDeliverableResponse, requests.accept_deliverable
        )

    async def RaisePoints(
        self, request: pb.RaisePointsRequest, context: grpc.aio.ServicerContext
    ) -> pb.RaisePointsResponse:
        return await self._deliverable_command(context, request, pb.RaisePointsResponse, requests.raise_points)

    async def AnswerPoints(
        self, request: pb.AnswerPointsRequest, context: grpc.aio.ServicerContext
    ) -> pb.AnswerPointsResponse:
        return await self._deliverable_command(context, request, pb.AnswerPointsResponse, requests.answer_points)

    async def RecordMeeting(
        self, request: pb.RecordMeetingRequest, context: grpc.aio.ServicerContext
    ) -> pb.RecordMeetingResponse:
        return await self._deliverable_command(context, request, pb.RecordMeetingResponse, requests.record_meeting)

    async def MarkInProduction(
        self, request: pb.MarkInProductionRequest, context: grpc.aio.ServicerContext
    ) -> pb.MarkInProductionResponse:
        return await self._deliverable_command(
            context, request, pb.MarkInProductionResponse, requests.mark_in_production
        )

    async def _deliverable_command(
        self,
        context: grpc.aio.ServicerContext,
        request: Any,
        response_type: type[R],
        command: Callable[[Billing, Any], DeliverableAcceptance | Project],
    ) -> R:
        project_id = uuid_argument("project_id", request.project_id)
        try:
            # A customer acts on its own projects only: checked before the command.
            project = await asyncio.to_thread(self._billing.get_project, project_id)
            auth.require_owner("customer_id", project.customer_id, f"project {project_id}")
            acceptance = await asyncio.to_thread(command, self._billing, request)
        except AggregateNotFoundError:
            raise NotFound(f"project {project_id} not found") from None
        except (CommandRefused, AcceptanceRefused) as refused:
            raise InvalidArgument([FieldViolation(refused.field, refused.description)]) from None
        except WrongState as wrong:
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(wrong))
            raise  # abort raises; this line only tells type checkers
        except CalendarHorizonError as beyond:
            # A deadline past the calendar's data: the operator must extend the calendar.
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, f"cannot compute the deadline: {beyond}")
            raise
        if isinstance(acceptance, Project):  # a deliverable only received
            return response_type(deliverable=_received_message(request.deliverable, dict(acceptance.received)))
        invoice = await asyncio.to_thread(self._billing.deliverable_invoice, project, acceptance.deliverable)
        return response_type(
            deliverable=_deliverable_message(acceptance.deliverable, acceptance, str(invoice.id) if invoice else "")
        )


def _page_arguments(request: pb.ListInvoicesRequest | pb.ListCreditNotesRequest) -> tuple[int, int]:
    """(position after which the page starts, page size), or InvalidArgument."""
    violations = []
    if not 0 <= request.page_size <= MAX_PAGE_SIZE:
        violations.append(FieldViolation("page_size", f"must be 0–{MAX_PAGE_SIZE} (0: {DEFAULT_PAGE_SIZE})"))
    if request.page_token and not _PAGE_TOKEN.fullmatch(request.page_token):
        violations.append(FieldViolation("page_token", "is not a token this API issued"))
    if violations:
        raise InvalidArgument(violations)
    return int(request.page_token or 0), request.page_size or DEFAULT_PAGE_SIZE


def _credit_note_message(note: CreditNote) -> pb.CreditNote:
    return pb.CreditNote(
        credit_note_id=str(note.id),
        number=note.number,
        amount=str(note.amount),
        reason=note.reason,
        issued_at=timestamp(note.issued_at),
        invoice_id=str(note.invoice_id),
        invoice_number=note.invoice_number,
        customer_id=note.customer_id,
    )


def _invoice_message(invoice: Invoice, notes: list[CreditNote]) -> pb.Invoice:
    return pb.Invoice(
        invoice_id=str(invoice.id),
        number=invoice.number,
        customer_id=invoice.customer_id,
        project_id=str(invoice.project_id),
        lines=[line_message(line) for line in invoice.lines],
        total=str(invoice.total),
        currency=CURRENCY,
        issued_at=timestamp(invoice.issued_at),
        credited=str(invoice.credited),
        credit_notes=[_credit_note_message(note) for note in notes],
    )


def _received_message(code: str, received: dict[str, datetime]) -> pb.Deliverable:
    return pb.Deliverable(code=code, state=pb.ACCEPTANCE_STATE_RECEIVED, submitted_at=timestamp(received[code]))


def _deliverable_message(
    code: str, acceptance: DeliverableAcceptance | None, invoice_id: str
) -> pb.Deliverable:
    if acceptance is None:
        return pb.Deliverable(code=code, state=pb.ACCEPTANCE_STATE_NOT_SUBMITTED)

    def instant(value):
        return timestamp(value) if value is not None else None

    a = acceptance
    return pb.Deliverable(
        code=code,
        state=_ACCEPTANCE_STATES[a.state],
        round=a.round,
        submitted_at=timestamp(a.submitted_at),
        window_end=instant(a.window_end),
        calendar_version=a.calendar_version,
        points=a.points,
        answers=a.answers,
        answer_due=instant(a.answer_due),
        meeting_due=instant(a.meeting_due),
        meeting_held_at=instant(a.meeting_held_at),
        overdue=a.overdue,
        accepted_at=instant(a.accepted_at),
        deemed=a.deemed,
        acceptance_reason=a.acceptance_reason,
        invoice_id=invoice_id,
    )


def _project_message(project: Project, billing: ProjectBilling) -> pb.Project:
    received = dict(project.received)
    return pb.Project(
        project_id=str(project.id),
        customer_id=project.customer_id,
        service_code=project.service_code,
        package=project.package,
        contract_signed_on=project.contract_signed_on.isoformat(),
        ordered_at=timestamp(project.ordered_at),
        catalogue_version=project.catalogue_version,
        state=_STATES[project.state],
        requested_start_on=(
            project.requested_start_on.isoformat() if project.requested_start_on else ""
        ),
        rejection=project.rejection or "",
        milestones=[
            pb.Milestone(
                code=m.code,
                name_zh=m.name_zh,
                due_on=m.due_on.isoformat() if m.due_on else "",
            )
            for m in project.milestones
        ],
        customer_delays=[
            pb.CustomerDelay(
                milestone_code=d.milestone_code,
                reason=d.reason,
                days=d.days,
                recorded_at=timestamp(d.recorded_at),
            )
            for d in project.customer_delays
        ],
        deliverables=[
            _received_message(code, received)
            if code in received
            else _deliverable_message(code, a, billing.deliverable_invoices.get(code, ""))
            for code, a in billing.acceptances
        ],
        additional_packages=project.additional_packages,
        quantities=[OrderedQuantity(unit=unit, amount=str(amount)) for unit, amount in project.quantities],
        invoice_id=billing.invoice_id,
        invoice_ids=billing.invoice_ids,
        on_site_forms=[
            pb.OnSiteForm(
                form_id=f.form_id,
                work_date=f.work_date.isoformat(),
                engineer=f.engineer,
                days=str(f.days),
                signed_by=f.signed_by,
                signed_on=f.signed_on.isoformat(),
                requested_on=f.requested_on.isoformat(),
                person_days=str(f.person_days),
                invoice_id=billing.on_site_invoices[f.form_id],
                package=project.booked_package(f),
            )
            for f in project.on_site_forms
        ],
    )
