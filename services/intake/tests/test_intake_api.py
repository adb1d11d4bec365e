"""Intake's gRPC API: called directly, and once through a real GrpcServer."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from servicehub.events.v1 import intake_pb2 as events
from servicehub.intake.v1 import intake_pb2, intake_pb2_grpc
from servicehub_intake.api import IntakeApi
from servicehub_intake.domain import record_id
from servicehub_localinfra.tokens import TokenIssuer
from servicehub_runtime.auth import Authentication, Gate
from servicehub_runtime.grpcserver import (
    Conflict,
    FieldViolation,
    GrpcServer,
    GrpcService,
    InvalidArgument,
)


async def test_submit_application(intake, application_request) -> None:
    api = IntakeApi(intake)
    first = await api.SubmitApplication(application_request(), None)
    second = await api.SubmitApplication(application_request(), None)

    assert first.application_id == str(record_id("application", "app-key-1"))
    assert not first.duplicate
    assert (second.application_id, second.duplicate) == (first.application_id, True)


async def test_one_key_at_two_instances_at_once_is_recorded_once_the_rest_answered_duplicate(
    open_intake, application_request
) -> None:
    """Two instances on one store, each committing its calls in groups: the same request under
    one key, 16 times at once across both, creates one application; another request under
    that key is refused (Conflict: ALREADY_EXISTS), never an unhandled error."""
    first, second = open_intake(), open_intake()
    apis = [IntakeApi(first), IntakeApi(second)]
    calls = [apis[i % 2].SubmitApplication(application_request(), None) for i in range(16)]
    other = apis[1].SubmitApplication(application_request(partner_name="Someone Else"), None)
    *answers, refused = await asyncio.gather(*calls, other, return_exceptions=True)

    assert {a.application_id for a in answers} == {str(record_id("application", "app-key-1"))}
    assert [a.duplicate for a in answers].count(False) == 1
    assert isinstance(refused, Conflict)
    submitted = [n for n in first.notifications_after(0, 100) if n.topic.endswith("Submitted")]
    assert len(submitted) == 1


async def test_open_ticket_and_order_service(intake, ticket_request, order_request) -> None:
    api = IntakeApi(intake)
    ticket = await api.OpenTicket(ticket_request(), None)
    order = await api.OrderService(order_request(), None)
    assert ticket.ticket_id == str(record_id("ticket", "ticket-key-1"))
    assert order.order_id == str(record_id("order", "order-key-1"))


async def test_rejected_request_becomes_invalid_argument_with_field_violations(
    intake, application_request
) -> None:
    api = IntakeApi(intake)
    with pytest.raises(InvalidArgument) as raised:
        await api.SubmitApplication(
            application_request(corporate_email="me at example.com", evidence=[]), None
        )
    assert raised.value.violations == [
        FieldViolation("corporate_email", "must be an e-mail address"),
        FieldViolation("evidence", "at least one item is required"),
    ]


async def test_order_with_bad_date_names_the_field(intake, order_request) -> None:
    with pytest.raises(InvalidArgument) as raised:
        await IntakeApi(intake).OrderService(order_request(contract_signed_on="soon"), None)
    assert [v.field for v in raised.value.violations] == ["contract_signed_on"]


ISSUER = TokenIssuer()


@pytest.fixture
async def intake_stub(intake):
    """A client on a real server; its calls carry an integrator system's token."""
    service = intake_pb2.DESCRIPTOR.services_by_name["IntakeService"]
    server = GrpcServer(
        "127.0.0.1",
        0,
        [GrpcService(service, IntakeApi(intake), intake_pb2_grpc.add_IntakeServiceServicer_to_server)],
        gate=Gate(
            Authentication.from_jwks(ISSUER.jwks(), issuer=ISSUER.issuer, audience=ISSUER.audience),
            [service],
        ),
    )
    await server.start()
    token = ISSUER.interceptor("integrator-system")
    try:
        # default client limits
        async with grpc.aio.insecure_channel(server.address, interceptors=[token]) as channel:
            yield intake_pb2_grpc.IntakeServiceStub(channel)
    finally:
        await server.stop(grace=0)


async def test_over_grpc_a_rejection_carries_bad_request_details(intake_stub, ticket_request) -> None:
    ok = await intake_stub.OpenTicket(ticket_request())
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await intake_stub.OpenTicket(ticket_request(idempotency_key="k 2", priority=0))

    assert not ok.duplicate
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    status = rpc_status.from_call(raised.value)
    bad_request = error_details_pb2.BadRequest()
    assert status.details[0].Unpack(bad_request)
    assert [v.field for v in bad_request.field_violations] == ["idempotency_key", "priority"]


async def test_a_tenant_submits_only_in_its_own_name(intake_stub, intake, application_request, ticket_request) -> None:
    request = application_request()
    own = ISSUER.metadata("partner", partner_id=request.partner_id)
    assert not (await intake_stub.SubmitApplication(request, metadata=own)).duplicate
    other = ISSUER.metadata("partner", partner_id="someone-else")
    error = await call_error(intake_stub.SubmitApplication(application_request(idempotency_key="k-9"), metadata=other))
    assert (error.code(), error.details()) == (
        grpc.StatusCode.NOT_FOUND, f"partner_id {request.partner_id!r} not found"
    )
    customer = ISSUER.metadata("customer", customer_id="c-other")
    error = await call_error(intake_stub.SubmitApplication(application_request(idempotency_key="k-10"), metadata=customer))
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    error = await call_error(intake_stub.OpenTicket(ticket_request(), metadata=customer))
    assert error.code() == grpc.StatusCode.NOT_FOUND


async def call_error(call) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call
    return raised.value


def violations_of(error: grpc.aio.AioRpcError) -> list[tuple[str, str]]:
    status = rpc_status.from_call(error)
    bad_request = error_details_pb2.BadRequest()
    assert status.details[0].Unpack(bad_request)
    return [(v.field, v.description) for v in bad_request.field_violations]


async def test_a_reused_key_with_a_different_request_is_already_exists_naming_the_key(
    intake_stub, application_request
) -> None:
    first = await intake_stub.SubmitApplication(application_request())
    error = await call_error(intake_stub.SubmitApplication(application_request(partner_name="Other")))
    again = await intake_stub.SubmitApplication(application_request())

    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    assert "idempotency key 'app-key-1' was already used for a different request" in error.details()
    assert (again.application_id, again.duplicate) == (first.application_id, True)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"partner_name": "x" * 201}, [("partner_name", "at most 200 characters, got 201")]),
        ({"idempotency_key": "k" * 129}, [("idempotency_key", "at most 128 characters, got 129")]),
        (
            {"evidence": [events.Evidence(criterion="c", document_uri="u" * 2049)]},
            [("evidence[0].document_uri", "at most 2048 characters, got 2049")],
        ),
        ({"evidence": [events.Evidence()] * 100_000}, [("evidence", "at most 100 items, got 100000")]),
    ],
    ids=["partner_name", "idempotency_key", "document_uri", "100000-items"],
)
async def test_fields_over_their_contract_bounds_are_invalid_argument(
    intake_stub, application_request, fields, expected
) -> None:
    error = await call_error(intake_stub.SubmitApplication(application_request(**fields)))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert violations_of(error) == expected


async def test_many_empty_evidence_items_give_bounded_details_a_default_client_accepts(
    intake_stub, application_request
) -> None:
    """100 empty items (the most allowed): 200 violations, the first 8 reported, all counted."""
    error = await call_error(
        intake_stub.SubmitApplication(application_request(evidence=[events.Evidence()] * 100))
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert violations_of(error)[:2] == [
        ("evidence[0].criterion", "is required"),
        ("evidence[0].document_uri", "is required"),
    ]
    assert len(violations_of(error)) == 8
    assert error.details().startswith("200 field violations, the first 8:")


async def test_a_request_over_the_whole_request_bound_is_refused_before_intake_records_it(
    intake, intake_stub, application_request
) -> None:
    """The 1,100,000-character partner name of issue 13: never recorded, so never relayed."""
    error = await call_error(intake_stub.SubmitApplication(application_request(partner_name="x" * 1_100_000)))
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert list(intake.notifications_after(0, 10)) == []
