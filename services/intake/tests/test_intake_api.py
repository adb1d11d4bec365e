"""Intake's gRPC API: called directly, and once through a real GrpcServer."""

from __future__ import annotations

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from servicehub.intake.v1 import intake_pb2, intake_pb2_grpc
from servicehub_intake.api import IntakeApi
from servicehub_intake.domain import record_id
from servicehub_runtime.grpcserver import (
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
            application_request(corporate_email="me@gmail.com", evidence=[]), None
        )
    assert raised.value.violations == [
        FieldViolation(
            "corporate_email", "must be at the partner's own domain, not a free mail provider"
        ),
        FieldViolation("evidence", "at least one item is required"),
    ]


async def test_order_with_bad_date_names_the_field(intake, order_request) -> None:
    with pytest.raises(InvalidArgument) as raised:
        await IntakeApi(intake).OrderService(order_request(contract_signed_on="soon"), None)
    assert [v.field for v in raised.value.violations] == ["contract_signed_on"]


async def test_over_grpc_a_rejection_carries_bad_request_details(intake, ticket_request) -> None:
    server = GrpcServer(
        "127.0.0.1",
        0,
        [
            GrpcService(
                intake_pb2.DESCRIPTOR.services_by_name["IntakeService"],
                IntakeApi(intake),
                intake_pb2_grpc.add_IntakeServiceServicer_to_server,
            )
        ],
    )
    await server.start()
    try:
        async with grpc.aio.insecure_channel(server.address) as channel:
            stub = intake_pb2_grpc.IntakeServiceStub(channel)
            ok = await stub.OpenTicket(ticket_request())
            with pytest.raises(grpc.aio.AioRpcError) as raised:
                await stub.OpenTicket(ticket_request(idempotency_key="k 2", priority=0))
    finally:
        await server.stop(grace=0)

    assert not ok.duplicate
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    status = rpc_status.from_call(raised.value)
    bad_request = error_details_pb2.BadRequest()
    assert status.details[0].Unpack(bad_request)
    assert [v.field for v in bad_request.field_violations] == ["idempotency_key", "priority"]
