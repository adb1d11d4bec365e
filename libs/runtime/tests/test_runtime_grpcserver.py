"""A real GrpcServer on 127.0.0.1 with the generated CertificationService servicer."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from grpc_status import rpc_status

from servicehub.certification.v1 import certification_pb2 as pb
from servicehub.certification.v1 import certification_pb2_grpc
from servicehub_runtime import grpcserver
from servicehub_runtime.grpcserver import (
    FieldViolation,
    GrpcServer,
    GrpcService,
    InvalidArgument,
    NotFound,
)

SERVICE = "servicehub.certification.v1.CertificationService"
GET = f"/{SERVICE}/GetApplication"
SECRET = "password=hunter2"


class Servicer(certification_pb2_grpc.CertificationServiceServicer):
    """Behaves according to the requested id, so each test picks an outcome."""

    async def GetApplication(self, request, context):
        match request.application_id:
            case "invalid":
                raise InvalidArgument(
                    [
                        FieldViolation("application_id", "must be a UUID"),
                        FieldViolation("other", "is required"),
                    ]
                )
            case "missing":
                raise NotFound("application missing not found")
            case "boom":
                raise RuntimeError(SECRET)
            case "hang":
                await asyncio.Event().wait()
        return pb.GetApplicationResponse(
            application=pb.Application(application_id=request.application_id)
        )


def certification_service() -> GrpcService:
    return GrpcService(
        pb.DESCRIPTOR.services_by_name["CertificationService"],
        Servicer(),
        certification_pb2_grpc.add_CertificationServiceServicer_to_server,
    )


@pytest.fixture
async def server():
    server = GrpcServer("127.0.0.1", 0, [certification_service()])
    await server.start()
    yield server
    await server.stop(grace=0)


@pytest.fixture
async def channel(server):
    async with grpc.aio.insecure_channel(server.address) as channel:
        yield channel


async def get(channel, application_id: str, **kwargs) -> pb.GetApplicationResponse:
    stub = certification_pb2_grpc.CertificationServiceStub(channel)
    return await stub.GetApplication(
        pb.GetApplicationRequest(application_id=application_id), **kwargs
    )


async def get_error(channel, application_id: str, **kwargs) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await get(channel, application_id, **kwargs)
    return raised.value


async def health(channel, service: str) -> int:
    stub = health_pb2_grpc.HealthStub(channel)
    response = await stub.Check(health_pb2.HealthCheckRequest(service=service))
    return response.status


async def test_binds_an_ephemeral_port(server) -> None:
    assert server.port > 0
    assert server.address == f"127.0.0.1:{server.port}"


async def test_health_is_not_serving_until_serving_is_called(server, channel) -> None:
    NOT_SERVING, SERVING = (
        health_pb2.HealthCheckResponse.NOT_SERVING,
        health_pb2.HealthCheckResponse.SERVING,
    )
    assert await health(channel, "") == NOT_SERVING
    assert await health(channel, SERVICE) == NOT_SERVING

    await server.serving()

    assert await health(channel, "") == SERVING
    assert await health(channel, SERVICE) == SERVING


async def test_reflection_lists_the_service(channel) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    requests = iter([reflection_pb2.ServerReflectionRequest(list_services="")])
    names = [
        service.name
        async for response in stub.ServerReflectionInfo(requests)
        for service in response.list_services_response.service
    ]
    assert SERVICE in names
    assert "grpc.health.v1.Health" in names


async def test_successful_call(channel) -> None:
    response = await get(channel, "a-1")
    assert response.application.application_id == "a-1"


async def test_invalid_argument_carries_bad_request_field_violations(channel) -> None:
    error = await get_error(channel, "invalid")
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT

    status = rpc_status.from_call(error)
    assert status is not None
    [detail] = status.details
    bad_request = error_details_pb2.BadRequest()
    assert detail.Unpack(bad_request)
    assert [(v.field, v.description) for v in bad_request.field_violations] == [
        ("application_id", "must be a UUID"),
        ("other", "is required"),
    ]
    assert error.details() == "application_id: must be a UUID; other: is required"


async def test_not_found(channel) -> None:
    error = await get_error(channel, "missing")
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error.details() == "application missing not found"


async def test_unexpected_exception_is_internal_without_leaking_the_message(channel) -> None:
    error = await get_error(channel, "boom")
    assert error.code() == grpc.StatusCode.INTERNAL
    assert SECRET not in (error.details() or "")
    assert error.details() == "internal error; see the service log"


async def test_client_deadline_is_honoured(channel) -> None:
    error = await get_error(channel, "hang", timeout=0.2)
    assert error.code() == grpc.StatusCode.DEADLINE_EXCEEDED


async def test_default_deadline_applies_to_calls_without_one(channel, monkeypatch) -> None:
    monkeypatch.setattr(grpcserver, "DEFAULT_DEADLINE_SECONDS", 0.2)
    async with asyncio.timeout(5):  # fail, rather than hang, if no default applies
        error = await get_error(channel, "hang")  # the call brings no deadline
    assert error.code() == grpc.StatusCode.DEADLINE_EXCEEDED


@pytest.mark.parametrize(
    ("application_id", "code"),
    [("a-1", "OK"), ("invalid", "INVALID_ARGUMENT"), ("missing", "NOT_FOUND"), ("boom", "INTERNAL")],
)
async def test_request_counter_counts_by_method_and_code(
    channel, metric, application_id: str, code: str
) -> None:
    before = metric("servicehub_grpc_requests_total", method=GET, code=code)
    try:
        await get(channel, application_id)
    except grpc.aio.AioRpcError:
        pass
    assert metric("servicehub_grpc_requests_total", method=GET, code=code) == before + 1


async def test_services_may_be_given_as_any_iterable() -> None:
    server = GrpcServer("127.0.0.1", 0, (s for s in [certification_service()]))
    await server.start()
    try:
        async with grpc.aio.insecure_channel(server.address) as channel:
            assert (await get(channel, "a-1")).application.application_id == "a-1"
    finally:
        await server.stop(grace=0)
