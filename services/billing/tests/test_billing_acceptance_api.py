"""The acceptance commands over a real gRPC server: field violations, NOT_FOUND,
FAILED_PRECONDITION naming the state, and GetProject showing each deliverable's window."""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime
from uuid import uuid4

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from servicehub.billing.v1 import billing_pb2 as pb
from servicehub.billing.v1 import billing_pb2_grpc
from servicehub_billing.api import BillingApi
from servicehub_billing.projections import IssuedDocuments
from servicehub_businesstime import SHANGHAI
from servicehub_localinfra.tokens import TokenIssuer
from servicehub_runtime.auth import Authentication, Gate
from servicehub_runtime.grpcserver import GrpcServer, GrpcService
from servicehub_runtime.projection import Projection
from servicehub_runtime.wallclock import ManualClock

NOW = datetime(2026, 9, 29, 15, 0, tzinfo=SHANGHAI)
ISSUER = TokenIssuer()


@pytest.fixture
def billing(open_billing):
    return open_billing(ManualClock(NOW))


@contextlib.asynccontextmanager
async def serve(billing, documents):
    server = GrpcServer(
        "127.0.0.1",
        0,
        [
            GrpcService(
                pb.DESCRIPTOR.services_by_name["BillingService"],
                BillingApi(billing, documents),
                billing_pb2_grpc.add_BillingServiceServicer_to_server,
            )
        ],
        gate=Gate(
            Authentication.from_jwks(ISSUER.jwks(), issuer=ISSUER.issuer, audience=ISSUER.audience),
            [pb.DESCRIPTOR.services_by_name["BillingService"]],
        ),
    )
    await server.start()
    # Calls as the provider's staff (operator); the customer-side commands admit it too.
    token = ISSUER.interceptor("operator", "integrator-system")
    try:
        async with grpc.aio.insecure_channel(server.address, interceptors=[token]) as channel:
            yield billing_pb2_grpc.BillingServiceStub(channel)
    finally:
        await server.stop(grace=0)


@pytest.fixture
async def stub(billing, documents):
    async with serve(billing, documents) as stub:
        yield stub


@pytest.fixture
def project_id(billing):
    project_id = uuid4()
    billing.register_project(
        project_id=project_id,
        customer_id="cust-7",
        service_code="realtime-compute-tuning",
        package="standard",
        contract_signed_on=date(2026, 9, 15),
        ordered_at=datetime(2026, 9, 1, tzinfo=UTC),
    )
    return str(project_id)


async def call_error(call) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call
    return raised.value


def violations(error: grpc.aio.AioRpcError) -> list[tuple[str, str]]:
    (detail,) = rpc_status.from_call(error).details
    bad_request = error_details_pb2.BadRequest()
    detail.Unpack(bad_request)
    return [(v.field, v.description) for v in bad_request.field_violations]


async def test_get_project_shows_each_deliverable_with_its_state_and_window_end(stub, project_id):
    await stub.SubmitDeliverable(pb.SubmitDeliverableRequest(project_id=project_id, deliverable="trial-run"))

    project = (await stub.GetProject(pb.GetProjectRequest(project_id=project_id))).project

    assert [(d.code, d.state) for d in project.deliverables] == [
        ("research", pb.ACCEPTANCE_STATE_NOT_SUBMITTED),
        ("job-tuning", pb.ACCEPTANCE_STATE_NOT_SUBMITTED),
        ("verification", pb.ACCEPTANCE_STATE_NOT_SUBMITTED),
        ("trial-run", pb.ACCEPTANCE_STATE_SUBMITTED),
    ]
    trial_run = project.deliverables[3]
    assert trial_run.round == 1
    assert trial_run.window_end.ToDatetime(tzinfo=UTC) == datetime(2026, 10, 13, tzinfo=SHANGHAI)
    assert trial_run.calendar_version.startswith("prc-")
    assert not project.deliverables[0].HasField("window_end")


async def test_points_then_answers_then_resubmission_over_grpc(stub, project_id):
    command = dict(project_id=project_id, deliverable="trial-run")
    await stub.SubmitDeliverable(pb.SubmitDeliverableRequest(**command))
    raised = (await stub.RaisePoints(pb.RaisePointsRequest(**command, points=["a", "b"]))).deliverable
    assert raised.state == pb.ACCEPTANCE_STATE_POINTS_RAISED
    assert list(raised.points) == ["a", "b"]
    assert raised.answer_due.ToDatetime(tzinfo=UTC) == datetime(2026, 10, 20, tzinfo=SHANGHAI)

    answered = await stub.AnswerPoints(pb.AnswerPointsRequest(**command, answers=["fixed a", "fixed b"]))
    assert answered.deliverable.state == pb.ACCEPTANCE_STATE_POINTS_ANSWERED
    again = (await stub.SubmitDeliverable(pb.SubmitDeliverableRequest(**command))).deliverable
    assert (again.state, again.round) == (pb.ACCEPTANCE_STATE_SUBMITTED, 2)


async def test_a_wrong_state_command_is_failed_precondition_naming_the_state(stub, project_id):
    command = dict(project_id=project_id, deliverable="trial-run")
    error = await call_error(stub.AcceptDeliverable(pb.AcceptDeliverableRequest(**command)))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "is not_submitted" in error.details()

    await stub.SubmitDeliverable(pb.SubmitDeliverableRequest(**command))
    accepted = (await stub.AcceptDeliverable(pb.AcceptDeliverableRequest(**command))).deliverable
    assert (accepted.state, accepted.deemed) == (pb.ACCEPTANCE_STATE_ACCEPTED, False)

    error = await call_error(stub.RaisePoints(pb.RaisePointsRequest(**command, points=["late"])))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error.details() == "deliverable trial-run is accepted: cannot raise non-conformance points"


async def test_bad_commands_are_invalid_argument_naming_the_field(stub, project_id):
    error = await call_error(
        stub.SubmitDeliverable(pb.SubmitDeliverableRequest(project_id=project_id, deliverable="nope"))
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert violations(error)[0][0] == "deliverable"

    command = dict(project_id=project_id, deliverable="trial-run")
    await stub.SubmitDeliverable(pb.SubmitDeliverableRequest(**command))
    error = await call_error(stub.RaisePoints(pb.RaisePointsRequest(**command, points=["ok", " "])))
    assert violations(error) == [("points[1]", "must be 1–2000 characters")]

    error = await call_error(stub.AcceptDeliverable(pb.AcceptDeliverableRequest(project_id="P-1", deliverable="x")))
    assert violations(error) == [("project_id", "must be a UUID")]


async def test_an_unknown_project_is_not_found(stub):
    error = await call_error(
        stub.MarkInProduction(pb.MarkInProductionRequest(project_id=str(uuid4()), deliverable="trial-run"))
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND


async def test_the_invoice_of_an_accepted_package_and_a_credit_note_over_grpc(stub, project_id):
    command = dict(project_id=project_id, deliverable="trial-run")
    await stub.SubmitDeliverable(pb.SubmitDeliverableRequest(**command))
    await stub.AcceptDeliverable(pb.AcceptDeliverableRequest(**command))
    invoice_id = (await stub.GetProject(pb.GetProjectRequest(project_id=project_id))).project.invoice_id

    invoice = (await stub.GetInvoice(pb.GetInvoiceRequest(invoice_id=invoice_id))).invoice
    assert (invoice.number, invoice.total, invoice.currency) == ("INV-2026-000001", "48000.00", "CNY")
    assert [(line.kind, line.amount) for line in invoice.lines] == [("package", "48000.00")]

    request = pb.IssueCreditNoteRequest(
        invoice_id=invoice_id, amount="100.00", reason="late report", idempotency_key="k1"
    )
    response = await stub.IssueCreditNote(request)
    assert response.credit_note.number == "CN-2026-000001"
    assert (response.invoice.total, response.invoice.credited) == ("48000.00", "100.00")

    error = await call_error(stub.IssueCreditNote(pb.IssueCreditNoteRequest(
        invoice_id=invoice_id, amount="lots", reason="x", idempotency_key="k2"
    )))
    assert violations(error)[0][0] == "amount"
    error = await call_error(stub.GetInvoice(pb.GetInvoiceRequest(invoice_id=str(uuid4()))))
    assert error.code() == grpc.StatusCode.NOT_FOUND


async def test_an_on_site_form_over_grpc_counts_a_statutory_holiday_three_times(stub, billing):
    project_id = uuid4()
    billing.register_project(
        project_id=project_id,
        customer_id="cust-7",
        service_code="cloud-escort",
        package="basic",
        contract_signed_on=date(2026, 9, 1),
        ordered_at=datetime(2026, 8, 1, tzinfo=UTC),
    )
    request = pb.RecordOnSiteFormRequest(
        project_id=str(project_id), form_id="F-1", work_date="2026-10-02", engineer="Wang Wei",
        days="1", signed_by="Li Na", signed_on="2026-10-02", requested_on="2026-09-20",
    )
    (form,) = (await stub.RecordOnSiteForm(request)).project.on_site_forms
    # The order bought one package: the form may leave it unnamed and is booked against it.
    assert (form.person_days, form.work_date, form.package) == ("3", "2026-10-02", "basic")
    invoice = (await stub.GetInvoice(pb.GetInvoiceRequest(invoice_id=form.invoice_id))).invoice
    # cust-7's contract: 2,800.00 a person-day.
    assert invoice.total == "8400.00"

    bad = pb.RecordOnSiteFormRequest()
    bad.CopyFrom(request)
    bad.work_date = "02/10/2026"
    error = await call_error(stub.RecordOnSiteForm(bad))
    assert violations(error) == [("work_date", "must be an ISO 8601 date (YYYY-MM-DD)")]
    bad.work_date, bad.package = request.work_date, "premium"
    error = await call_error(stub.RecordOnSiteForm(bad))
    assert violations(error) == [("package", "no package 'premium' in this order; it has: basic")]


async def test_a_window_beyond_the_calendar_data_is_failed_precondition_and_records_nothing(
    open_billing, calendar, tmp_path
):
    billing = open_billing(ManualClock(datetime(2026, 12, 28, 10, 0, tzinfo=SHANGHAI)))
    project_id = uuid4()
    billing.register_project(
        project_id=project_id,
        customer_id="cust-7",
        service_code="realtime-compute-tuning",
        package="standard",
        contract_signed_on=date(2026, 12, 1),
        ordered_at=datetime(2026, 11, 20, tzinfo=UTC),
    )
    documents = Projection(billing, IssuedDocuments(), tmp_path / "december-views.sqlite")
    async with serve(billing, documents) as stub:
        error = await call_error(
            stub.SubmitDeliverable(pb.SubmitDeliverableRequest(project_id=str(project_id), deliverable="trial-run"))
        )
        assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert error.details().startswith("cannot compute the deadline:")
        assert str(calendar.horizon) in error.details()
        project = (await stub.GetProject(pb.GetProjectRequest(project_id=str(project_id)))).project
    documents.close()
    assert project.deliverables[-1].state == pb.ACCEPTANCE_STATE_NOT_SUBMITTED
