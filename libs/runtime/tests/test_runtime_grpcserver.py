"""A real GrpcServer on 127.0.0.1 with the generated CertificationService servicer."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import time

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from grpc_status import rpc_status
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from servicehub.certification.v1 import certification_pb2 as pb
from servicehub.certification.v1 import certification_pb2_grpc
from servicehub_localinfra.tls import make_grpc_pki
from servicehub_runtime import grpcserver
from servicehub_runtime.auth import Authentication, Gate
from servicehub_runtime.grpcserver import (
    FieldViolation,
    GrpcLimits,
    GrpcServer,
    GrpcService,
    GrpcTls,
    GrpcTlsError,
    InvalidArgument,
    NotFound,
)
from servicehub_runtime.settings import ServiceSettings

SERVICE = "servicehub.certification.v1.CertificationService"
GET = f"/{SERVICE}/GetApplication"
SECRET = "password=hunter2"


class Servicer(certification_pb2_grpc.CertificationServiceServicer):
    """Behaves according to the requested id, so each test picks an outcome."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.release = asyncio.Event()
        self.spans: list[trace.Span] = []

    async def GetApplication(self, request, context):
        self.spans.append(trace.get_current_span())
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
            case "hold":
                self.entered.set()
                await self.release.wait()
            case "many":
                raise InvalidArgument(
                    [FieldViolation(f"evidence[{i}].summary", "必须" * 1000) for i in range(100_000)]
                )
        return pb.GetApplicationResponse(
            application=pb.Application(application_id=request.application_id)
        )


def open_gate() -> Gate:
    """Authentication disabled: these tests are about the server, test_runtime_auth about
    the gate."""
    return Gate(Authentication.disabled(), [pb.DESCRIPTOR.services_by_name["CertificationService"]])


def certification_service(servicer: Servicer | None = None) -> GrpcService:
    return GrpcService(
        pb.DESCRIPTOR.services_by_name["CertificationService"],
        servicer or Servicer(),
        certification_pb2_grpc.add_CertificationServiceServicer_to_server,
    )


@pytest.fixture
async def server():
    server = GrpcServer("127.0.0.1", 0, [certification_service()], gate=open_gate())
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


async def test_a_call_past_the_clients_deadline_is_counted_as_such(channel, metric) -> None:
    before = metric("servicehub_grpc_requests_total", method=GET, code="DEADLINE_EXCEEDED")
    await get_error(channel, "hang", timeout=0.2)
    # The client's own timer ends its call; the server counts once grpc has cancelled the handler.
    async with asyncio.timeout(5):
        while metric("servicehub_grpc_requests_total", method=GET, code="DEADLINE_EXCEEDED") == before:
            await asyncio.sleep(0.01)
    assert metric("servicehub_grpc_requests_total", method=GET, code="DEADLINE_EXCEEDED") == before + 1


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
    # Deterministic: the server counts a call before its status is sent.
    assert metric("servicehub_grpc_requests_total", method=GET, code=code) == before + 1


@pytest.fixture
def spans(monkeypatch) -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(grpcserver, "_tracer", provider.get_tracer("test"))
    return exporter


async def test_each_call_is_a_server_span_continuing_the_callers_trace(spans) -> None:
    servicer = Servicer()
    server = GrpcServer("127.0.0.1", 0, [certification_service(servicer)], gate=open_gate())
    await server.start()
    trace_id, caller_span = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    try:
        async with grpc.aio.insecure_channel(server.address) as channel:
            await get(channel, "a-1", metadata=(("traceparent", f"00-{trace_id}-{caller_span}-01"),))
    finally:
        await server.stop(grace=0)
    [span] = spans.get_finished_spans()
    assert (span.name, span.kind) == (GET, trace.SpanKind.SERVER)
    assert (f"{span.context.trace_id:032x}", f"{span.parent.span_id:016x}") == (trace_id, caller_span)
    assert servicer.spans[0].get_span_context() == span.context, "the handler runs in the span"
    assert span.attributes["rpc.method"] == "GetApplication"
    assert span.attributes["rpc.service"] == SERVICE
    assert span.attributes["rpc.grpc.status_code"] == grpc.StatusCode.OK.value[0]
    assert span.attributes["net.peer.ip"] == "127.0.0.1"
    assert span.status.status_code is trace.StatusCode.UNSET


@pytest.mark.parametrize(
    ("application_id", "code", "status"),
    [("missing", grpc.StatusCode.NOT_FOUND, trace.StatusCode.UNSET),  # the caller's fault
     ("boom", grpc.StatusCode.INTERNAL, trace.StatusCode.ERROR)],
)
async def test_a_failed_call_has_its_code_on_its_span(spans, channel, application_id, code, status) -> None:
    await get_error(channel, application_id)
    [span] = spans.get_finished_spans()
    assert span.attributes["rpc.grpc.status_code"] == code.value[0]
    assert span.status.status_code is status
    assert [e.name for e in span.events] == (["exception"] if code is grpc.StatusCode.INTERNAL else [])


async def test_services_may_be_given_as_any_iterable() -> None:
    server = GrpcServer("127.0.0.1", 0, (s for s in [certification_service()]), gate=open_gate())
    await server.start()
    try:
        async with grpc.aio.insecure_channel(server.address) as channel:
            assert (await get(channel, "a-1")).application.application_id == "a-1"
    finally:
        await server.stop(grace=0)


# --- the door: bounds, undecodable bodies, bounded errors, transport limits ---------------


async def test_a_request_over_its_contract_bounds_is_refused_before_the_handler(
    channel, metric
) -> None:
    before = metric("servicehub_grpc_requests_total", method=GET, code="INVALID_ARGUMENT")
    error = await get_error(channel, "x" * 65)  # the servicer would answer OK
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(error) == [("application_id", "at most 64 characters, got 65")]
    assert metric("servicehub_grpc_requests_total", method=GET, code="INVALID_ARGUMENT") == before + 1


@pytest.mark.parametrize(
    "body",
    [b"\x0a\x02\xc3\x28", b"\x0a\x05ab", b"\xff\xff\xff"],
    ids=["string-not-utf8", "truncated", "bad-tag"],
)
async def test_an_undecodable_body_is_invalid_argument_and_counted(
    channel, metric, caplog, body: bytes
) -> None:
    before = metric("servicehub_grpc_requests_total", method=GET, code="INVALID_ARGUMENT")
    raw = channel.unary_unary(GET)  # no serializer: the bytes go out as they are
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await raw(body)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(raised.value) == [
        ("", "the request body is not a valid protobuf message of this method")
    ]
    assert metric("servicehub_grpc_requests_total", method=GET, code="INVALID_ARGUMENT") == before + 1
    assert "Traceback" not in caplog.text


async def test_a_request_over_the_whole_request_bound_is_refused(server) -> None:
    limits = GrpcLimits()
    async with grpc.aio.insecure_channel(server.address) as channel:
        error = await get_error(channel, "x" * (limits.max_request_bytes + 1))
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


async def test_100_000_violations_give_a_bounded_invalid_argument_a_default_client_accepts(
    channel,
) -> None:
    started = time.perf_counter()
    error = await get_error(channel, "many")  # default client: 8 KiB metadata soft limit
    elapsed = time.perf_counter() - started
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    violations = field_violations(error)
    assert [field for field, _ in violations] == [f"evidence[{i}].summary" for i in range(8)]
    assert all(len(description.encode()) <= 200 for _, description in violations)
    assert error.details().startswith("100000 field violations, the first 8: evidence[0].summary: 必须")
    assert len(error.details().encode()) <= 400
    print(f"100,000 violations answered in {elapsed:.3f}s")


def field_violations(error: grpc.aio.AioRpcError) -> list[tuple[str, str]]:
    status = rpc_status.from_call(error)
    assert status is not None
    [detail] = status.details
    bad_request = error_details_pb2.BadRequest()
    assert detail.Unpack(bad_request)
    return [(v.field, v.description) for v in bad_request.field_violations]


@contextlib.asynccontextmanager
async def limited_server(limits: GrpcLimits, servicer: Servicer | None = None):
    server = GrpcServer("127.0.0.1", 0, [certification_service(servicer)], limits, gate=open_gate())
    await server.start()
    try:
        yield server
    finally:
        await server.stop(grace=0)


def test_limits_become_grpc_server_options() -> None:
    options = dict(GrpcLimits().options())
    assert options["grpc.max_receive_message_length"] == 512 * 1024
    assert options["grpc.max_concurrent_streams"] == 512
    assert options["grpc.max_connection_idle_ms"] == 300_000
    assert options["grpc.max_connection_age_ms"] == 600_000
    assert options["grpc.max_connection_age_grace_ms"] == 35_000
    assert options["grpc.keepalive_time_ms"] == 60_000


async def test_the_server_announces_its_concurrent_stream_limit_to_each_connection() -> None:
    async with limited_server(GrpcLimits(max_concurrent_streams=7)) as server:
        settings = await asyncio.to_thread(server_http2_settings, server.port)
    MAX_CONCURRENT_STREAMS = 0x3
    assert settings[MAX_CONCURRENT_STREAMS] == 7


async def test_streams_beyond_the_per_connection_limit_wait_for_a_free_one() -> None:
    """With one stream per connection, a second call on the same channel reaches the server
    only after the first ended — and then succeeds (queued by the client, not lost)."""
    servicer = Servicer()
    order: list[str] = []
    held_call = servicer.GetApplication

    async def recording(request, context):
        order.append(f"enter {request.application_id}")
        try:
            return await held_call(request, context)
        finally:
            order.append(f"leave {request.application_id}")

    servicer.GetApplication = recording  # type: ignore[method-assign]
    async with limited_server(GrpcLimits(max_concurrent_streams=1), servicer) as server:
        async with grpc.aio.insecure_channel(server.address) as channel:
            held = asyncio.create_task(get(channel, "hold"))
            await servicer.entered.wait()
            queued = asyncio.create_task(get(channel, "a-1"))
            await asyncio.sleep(0)  # let the second call start sending
            servicer.release.set()
            await held
            response = await queued
    assert response.application.application_id == "a-1"
    assert order == ["enter hold", "leave hold", "enter a-1", "leave a-1"]


async def test_a_client_ignoring_the_stream_limit_has_the_extra_stream_refused() -> None:
    """The 2,000 streams on one connection of issue 13: the server itself refuses streams over
    its limit (RST_STREAM REFUSED_STREAM) instead of trusting the client to queue them."""
    servicer = Servicer()
    async with limited_server(GrpcLimits(max_concurrent_streams=1), servicer) as server:
        try:
            kind, error_code = await asyncio.to_thread(open_two_streams, server.port)
        finally:
            servicer.release.set()
    REFUSED_STREAM = 0x7
    assert (kind, error_code) == (_RST_STREAM, REFUSED_STREAM)


async def test_calls_beyond_the_concurrent_rpc_limit_are_refused_not_queued() -> None:
    servicer = Servicer()
    async with limited_server(GrpcLimits(max_concurrent_rpcs=1), servicer) as server:
        async with grpc.aio.insecure_channel(server.address) as channel:
            held = asyncio.create_task(get(channel, "hold"))
            await servicer.entered.wait()
            error = await get_error(channel, "a-1")
            servicer.release.set()
            await held
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


async def test_an_idle_connection_is_closed_by_the_server() -> None:
    async with limited_server(GrpcLimits(max_connection_idle_seconds=0.2)) as server:
        async with grpc.aio.insecure_channel(server.address) as channel:
            await get(channel, "a-1")
            assert channel.get_state() == grpc.ChannelConnectivity.READY
            async with asyncio.timeout(10):  # fail, rather than hang, if nothing closes it
                await channel.wait_for_state_change(grpc.ChannelConnectivity.READY)
            assert channel.get_state() != grpc.ChannelConnectivity.READY


async def test_a_connection_stuck_on_a_half_sent_request_is_closed() -> None:
    """Headers and half a body: no call deadline covers it, the connection age limit does."""
    limits = GrpcLimits(max_connection_age_seconds=0.2, max_connection_age_grace_seconds=0.2)
    async with limited_server(limits) as server:
        async with asyncio.timeout(10):  # fail, rather than hang, if it stays open
            closed = await asyncio.to_thread(send_half_a_request, server.port)
    assert closed


# Just enough HTTP/2 (RFC 9113) to open a connection and stall a request on it.
_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
_DATA, _HEADERS, _RST_STREAM, _SETTINGS = 0x0, 0x1, 0x3, 0x4
_END_STREAM, _ACK, _END_HEADERS = 0x1, 0x1, 0x4


def _frame(kind: int, flags: int, stream: int, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def _literal(name: str, value: str) -> bytes:
    """HPACK literal header field without indexing, new name, no Huffman coding."""
    return b"\x00" + bytes([len(name)]) + name.encode() + bytes([len(value)]) + value.encode()


def _read_frame(sock: socket.socket) -> tuple[int, bytes] | None:
    frame = _read_frame_of_stream(sock)
    return None if frame is None else frame[:2]


def _read_frame_of_stream(sock: socket.socket) -> tuple[int, bytes, int] | None:
    """The next frame's type, payload and stream id; None once the server closed."""
    header = _read_exactly(sock, 9)
    if header is None:
        return None
    length = int.from_bytes(header[:3], "big")
    payload = _read_exactly(sock, length) if length else b""
    return header[3], payload or b"", int.from_bytes(header[5:9], "big") & 0x7FFFFFFF


def _read_exactly(sock: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def server_http2_settings(port: int) -> dict[int, int]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(_PREFACE + _frame(_SETTINGS, 0, 0, b""))
        while (frame := _read_frame(sock)) is not None:
            kind, payload = frame
            if kind == _SETTINGS and payload:
                return {
                    int.from_bytes(payload[i : i + 2], "big"): int.from_bytes(payload[i + 2 : i + 6], "big")
                    for i in range(0, len(payload), 6)
                }
    raise AssertionError("the server sent no SETTINGS")


def _request_headers(port: int) -> bytes:
    return b"".join(
        _literal(name, value)
        for name, value in [
            (":method", "POST"), (":scheme", "http"), (":path", GET),
            (":authority", f"127.0.0.1:{port}"), ("content-type", "application/grpc"), ("te", "trailers"),
        ]
    )


def _grpc_message(application_id: str) -> bytes:
    message = pb.GetApplicationRequest(application_id=application_id).SerializeToString()
    return b"\x00" + struct.pack(">I", len(message)) + message


def send_half_a_request(port: int) -> bool:
    """Sends a request's headers and half its body; True once the server closed the socket."""
    half_body = b"\x00" + struct.pack(">I", 100) + b"\x0a\x05"  # announces 100 bytes, sends 2
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            _PREFACE
            + _frame(_SETTINGS, 0, 0, b"")
            + _frame(_HEADERS, _END_HEADERS, 1, _request_headers(port))
            + _frame(_DATA, 0, 1, half_body)
        )
        while _read_frame(sock) is not None:
            pass  # SETTINGS, acks, GOAWAY: read on until the server closes
    return True


def open_two_streams(port: int) -> tuple[int, int]:
    """Acknowledges the server's settings, then opens two calls at once (the first one held
    by the servicer); returns the type and error code of the server's first frame on the second."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(_PREFACE + _frame(_SETTINGS, 0, 0, b""))
        while (frame := _read_frame(sock)) is not None and not (frame[0] == _SETTINGS and frame[1]):
            pass
        sock.sendall(
            _frame(_SETTINGS, _ACK, 0, b"")  # from here on the server's limit applies
            + _frame(_HEADERS, _END_HEADERS, 1, _request_headers(port))
            + _frame(_DATA, _END_STREAM, 1, _grpc_message("hold"))
            + _frame(_HEADERS, _END_HEADERS, 3, _request_headers(port))
            + _frame(_DATA, _END_STREAM, 3, _grpc_message("a-1"))
        )
        while (frame := _read_frame_of_stream(sock)) is not None:
            kind, payload, stream = frame
            if stream == 3:
                return kind, int.from_bytes(payload[:4], "big")
    raise AssertionError("the server closed the connection without answering stream 3")


# ---------------------------------------------------------------- mutual TLS


@pytest.fixture
def pki(tmp_path):
    return make_grpc_pki(tmp_path / "pki")


@pytest.fixture
async def mtls_server(pki):
    tls = GrpcTls.from_files(pki.server_certificate, pki.server_key, pki.ca)
    server = GrpcServer("127.0.0.1", 0, [certification_service()], gate=open_gate(), tls=tls)
    await server.start()
    yield server
    await server.stop(grace=0)


async def test_mtls_admits_a_client_with_a_certificate_from_the_ca(mtls_server, pki) -> None:
    async with grpc.aio.secure_channel(mtls_server.address, pki.channel_credentials()) as channel:
        response = await get(channel, "a-1", timeout=10)
    assert response.application.application_id == "a-1"


async def test_mtls_refuses_a_client_without_a_certificate(mtls_server, pki) -> None:
    credentials = pki.channel_credentials(with_certificate=False)
    async with grpc.aio.secure_channel(mtls_server.address, credentials) as channel:
        error = await get_error(channel, "a-1", timeout=10)
    assert error.code() == grpc.StatusCode.UNAVAILABLE  # the handshake fails: no call is made


async def test_mtls_refuses_a_certificate_from_another_ca(mtls_server, pki, tmp_path) -> None:
    stranger = make_grpc_pki(tmp_path / "stranger")
    credentials = grpc.ssl_channel_credentials(
        root_certificates=pki.ca.read_bytes(),
        private_key=stranger.client_key.read_bytes(),
        certificate_chain=stranger.client_certificate.read_bytes(),
    )
    async with grpc.aio.secure_channel(mtls_server.address, credentials) as channel:
        error = await get_error(channel, "a-1", timeout=10)
    assert error.code() == grpc.StatusCode.UNAVAILABLE


async def test_mtls_refuses_a_plaintext_client(mtls_server) -> None:
    async with grpc.aio.insecure_channel(mtls_server.address) as channel:
        error = await get_error(channel, "a-1", timeout=10)
    assert error.code() == grpc.StatusCode.UNAVAILABLE


def test_plaintext_unless_tls_files_are_given() -> None:
    assert ServiceSettings().grpc_tls() is None


def test_tls_settings_name_the_variable(pki, monkeypatch) -> None:
    monkeypatch.setenv("GRPC_TLS_CLIENT_CA_FILE", str(pki.ca))
    with pytest.raises(GrpcTlsError, match="GRPC_TLS_CLIENT_CA_FILE needs GRPC_TLS_CERT_FILE"):
        ServiceSettings().grpc_tls()
    monkeypatch.setenv("GRPC_TLS_CERT_FILE", str(pki.server_certificate))
    with pytest.raises(GrpcTlsError, match="GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE go together"):
        ServiceSettings().grpc_tls()
    monkeypatch.setenv("GRPC_TLS_KEY_FILE", str(pki.client_key))  # not the certificate's key
    with pytest.raises(GrpcTlsError, match="GRPC_TLS_CERT_FILE=.*GRPC_TLS_KEY_FILE="):
        ServiceSettings().grpc_tls()
    monkeypatch.setenv("GRPC_TLS_KEY_FILE", str(pki.server_key))
    assert ServiceSettings().grpc_tls().client_ca == pki.ca.read_bytes()
