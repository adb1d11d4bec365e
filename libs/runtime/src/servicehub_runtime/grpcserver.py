"""gRPC server bootstrap shared by every service.

Every server gets: the standard health service (NOT_SERVING until the process says it is
ready), reflection (so `grpcurl` works without proto files), an OpenTelemetry server span per
unary call (the streaming health Watch and reflection have none),
Prometheus call metrics, a default deadline for calls that bring none, the contracts' field
bounds checked on every request, transport limits (`GrpcLimits`), and one mapping of errors
to status codes — `InvalidArgument` becomes INVALID_ARGUMENT with `google.rpc.BadRequest`
field violations in the rich status details, bounded so they always fit a client's default
metadata limit (8 KiB).
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote
from uuid import UUID

import grpc
from google.protobuf import any_pb2
from google.protobuf.descriptor import ServiceDescriptor
from google.protobuf.message import DecodeError, Message
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from . import bounds, metrics
from .bounds import FieldViolation

log = logging.getLogger(__name__)
_tracer = trace.get_tracer(__name__)

DEFAULT_DEADLINE_SECONDS = 30.0
# The caller's deadline passes before the server's, which counts from the request's arrival;
# when the caller gives up at its deadline, grpc cancels the handler with this much or less
# of the server's left (the request's transit, long on a loaded host). A call cancelled that
# close to its deadline is counted DEADLINE_EXCEEDED, not CANCELLED.
DEADLINE_TRANSIT_SECONDS = 0.5
# Rich error details travel in trailing metadata, which clients refuse beyond 8 KiB (soft
# limit, default). These bounds keep status message + details under about 4 KiB even in the
# worst case (4-byte characters; base64 and percent-encoding on the wire).
MAX_REPORTED_VIOLATIONS = 8
MAX_FIELD_BYTES = 128
MAX_DESCRIPTION_BYTES = 200
MAX_MESSAGE_BYTES = 400


class InvalidArgument(Exception):
    """The request breaks the contract; each violation names a field and what is wrong."""

    def __init__(self, violations: Sequence[FieldViolation]) -> None:
        self.violations = list(violations)
        # Only the first few: a request may break its contract 100,000 times.
        super().__init__(bounds.describe(self.violations, limit=MAX_REPORTED_VIOLATIONS))


class NotFound(Exception):
    """The requested record does not exist (or is not visible to the caller)."""


class Unauthenticated(Exception):
    """No valid credentials came with the call: UNAUTHENTICATED with the message."""


class PermissionDenied(Exception):
    """The caller is known but its role may not call this method: PERMISSION_DENIED."""


class CallGate(Protocol):
    """Decides who may call what (servicehub_runtime.auth.Gate)."""

    def admit(self, method: str, metadata: Sequence[tuple[str, Any]]) -> Any:
        """The caller (Unauthenticated or PermissionDenied if refused); before decoding."""

    def check_request(self, method: str, caller: Any, request: Any) -> None:
        """Raises (e.g. NotFound) if the decoded request is not the caller's to make."""

    def acting_as(self, caller: Any) -> Any:
        """A context manager making `caller` the current caller for the handler."""


class Conflict(Exception):
    """The request contradicts what was recorded before (e.g. a reused idempotency key):
    ALREADY_EXISTS with the message."""


def uuid_argument(field: str, value: str) -> UUID:
    """A request field that must hold a UUID, or InvalidArgument naming the field."""
    try:
        return UUID(value)
    except ValueError:
        raise InvalidArgument([FieldViolation(field, "must be a UUID")]) from None


def _clip(text: str, max_bytes: int) -> str:
    """`text` cut to at most `max_bytes` of UTF-8, on a character boundary, marked with …."""
    encoded = text.encode()
    if len(encoded) <= max_bytes:
        return text
    return encoded[: max_bytes - 3].decode(errors="ignore") + "…"


def bad_request_status(error: InvalidArgument) -> status_pb2.Status:
    """INVALID_ARGUMENT with the first violations as BadRequest details, and their count."""
    shown = [
        error_details_pb2.BadRequest.FieldViolation(
            field=_clip(v.field, MAX_FIELD_BYTES),
            description=_clip(v.description, MAX_DESCRIPTION_BYTES),
        )
        for v in error.violations[:MAX_REPORTED_VIOLATIONS]
    ]
    detail = any_pb2.Any()
    detail.Pack(error_details_pb2.BadRequest(field_violations=shown))
    message = "; ".join(f"{v.field}: {v.description}" for v in shown)
    hidden = len(error.violations) - len(shown)
    if hidden > 0:
        message = f"{len(error.violations)} field violations, the first {len(shown)}: {message}"
    return status_pb2.Status(
        code=code_pb2.INVALID_ARGUMENT,
        message=_clip(message, MAX_MESSAGE_BYTES),
        details=[detail],
    )


@dataclass(frozen=True)
class _Failure:
    code: grpc.StatusCode
    message: str
    trailing_metadata: tuple[tuple[str, bytes], ...] = ()


def _failure(error: Exception, method: str) -> _Failure:
    """The status an exception from a call becomes (logging the unexpected ones)."""
    if isinstance(error, InvalidArgument):
        status = bad_request_status(error)
        return _Failure(
            grpc.StatusCode.INVALID_ARGUMENT,
            status.message,
            (("grpc-status-details-bin", status.SerializeToString()),),
        )
    if isinstance(error, NotFound):
        return _Failure(grpc.StatusCode.NOT_FOUND, _clip(str(error), MAX_MESSAGE_BYTES))
    if isinstance(error, Conflict):
        return _Failure(grpc.StatusCode.ALREADY_EXISTS, _clip(str(error), MAX_MESSAGE_BYTES))
    if isinstance(error, Unauthenticated):
        return _Failure(grpc.StatusCode.UNAUTHENTICATED, _clip(str(error), MAX_MESSAGE_BYTES))
    if isinstance(error, PermissionDenied):
        return _Failure(grpc.StatusCode.PERMISSION_DENIED, _clip(str(error), MAX_MESSAGE_BYTES))
    if isinstance(error, TimeoutError):
        return _Failure(grpc.StatusCode.DEADLINE_EXCEEDED, f"no answer within {DEFAULT_DEADLINE_SECONDS:.1f}s")
    log.exception("%s failed", method)
    return _Failure(grpc.StatusCode.INTERNAL, "internal error; see the service log")


def _decode(deserialize: Callable[[bytes], Any] | None, body: bytes) -> Any:
    """The request message, checked against its contract's bounds; InvalidArgument if not."""
    if deserialize is None:
        return body
    try:
        request = deserialize(body)
    except DecodeError:
        # The whole body is at fault (e.g. a string field that is not UTF-8): the empty
        # field path names the request itself.
        raise InvalidArgument(
            [FieldViolation("", "the request body is not a valid protobuf message of this method")]
        ) from None
    if isinstance(request, Message):
        violations = bounds.violations(request)
        if violations:
            raise InvalidArgument(violations)
    return request


# gRPC status codes that are the server's fault: the span's status is ERROR (as
# OpenTelemetry's gRPC instrumentation marks them); the others are the caller's.
_SERVER_FAULTS = frozenset(
    {
        grpc.StatusCode.UNKNOWN,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.UNIMPLEMENTED,
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DATA_LOSS,
    }
)


class _Method:
    """One unary method as served: its span, gate, decoding, errors and metrics in one
    wrapper around the handler, built once per method (a call allocates only what it must)."""

    def __init__(self, method: str, handler: grpc.RpcMethodHandler, gate: CallGate) -> None:
        self._method = method
        self._gate = gate
        self._inner = handler.unary_unary
        self._deserialize = handler.request_deserializer
        service, _, name = method.lstrip("/").partition("/")
        self._attributes = {"rpc.system": "grpc", "rpc.service": service, "rpc.method": name}
        self._seconds = metrics.GRPC_SECONDS.labels(method)
        self._requests: dict[grpc.StatusCode, Any] = {}
        # Requests arrive as bytes and are decoded in `call`, so an undecodable body is an
        # INVALID_ARGUMENT answered and counted here, not grpc's UNKNOWN.
        self.handler = grpc.unary_unary_rpc_method_handler(
            self.call, request_deserializer=None, response_serializer=handler.response_serializer
        )

    async def call(self, body: bytes, context: grpc.aio.ServicerContext) -> Any:
        """The handler's answer; an exception from the gate, decoding or the handler becomes
        its status. The caller is admitted before the body is looked at, so a caller without
        a token learns nothing about the contract."""
        started = time.perf_counter()
        metadata = context.invocation_metadata() or ()
        carrier = dict(metadata)
        parent = propagate.extract(carrier)
        span = _tracer.start_span(
            self._method, context=parent, kind=SpanKind.SERVER, attributes=self._attributes
        )
        span.set_attributes(_peer_attributes(context.peer(), carrier.get("user-agent")))
        attached = otel_context.attach(trace.set_span_in_context(span, parent))
        gate = self._gate
        try:
            caller = gate.admit(self._method, metadata)
            request = _decode(self._deserialize, body)
            gate.check_request(self._method, caller, request)
            with gate.acting_as(caller):
                if context.time_remaining() is None:
                    async with asyncio.timeout(DEFAULT_DEADLINE_SECONDS):
                        response = await self._inner(request, context)
                else:  # grpc itself cancels the handler at the caller's deadline
                    response = await self._inner(request, context)
        except asyncio.CancelledError:
            remaining = context.time_remaining()
            expired = remaining is not None and remaining <= DEADLINE_TRANSIT_SECONDS
            self._count(grpc.StatusCode.DEADLINE_EXCEEDED if expired else grpc.StatusCode.CANCELLED, started, span)
            raise
        except grpc.aio.AbortError:
            # The handler aborted the call itself and the status is on its way.
            self._count(context.code() or grpc.StatusCode.UNKNOWN, started, span, context.details())
            raise
        except Exception as error:
            failure = _failure(error, self._method)
            self._count(failure.code, started, span, failure.message)
            if failure.code is grpc.StatusCode.INTERNAL:
                span.record_exception(error)
        else:
            self._count(grpc.StatusCode.OK, started, span)
            return response
        finally:
            otel_context.detach(attached)
            span.end()
        # abort() sends the status at once: only after the span has ended, so that a caller
        # never holds an answer whose span is not recorded yet.
        await context.abort(failure.code, failure.message, trailing_metadata=failure.trailing_metadata)

    def _count(self, code: grpc.StatusCode, started: float, span: Any, details: str | None = None) -> None:
        requests = self._requests.get(code)
        if requests is None:
            requests = self._requests[code] = metrics.GRPC_REQUESTS.labels(self._method, code.name)
        requests.inc()
        self._seconds.observe(time.perf_counter() - started)
        span.set_attribute("rpc.grpc.status_code", code.value[0])
        if code in _SERVER_FAULTS:
            span.set_status(Status(StatusCode.ERROR, f"{code}:{details or ''}"))


def _peer_attributes(peer: str, user_agent: str | None) -> dict[str, str]:
    """The caller's address (`ipv4:127.0.0.1:57284`, `ipv6:[::1]:57284`; none for `unix:`)
    and user agent as span attributes, named as OpenTelemetry's gRPC instrumentation does."""
    attributes = {"rpc.user_agent": user_agent} if user_agent else {}
    address, _, port = peer.split(",")[0].partition(":")[2].rpartition(":")
    if address and not peer.startswith("unix:"):
        attributes.update({"net.peer.ip": unquote(address), "net.peer.port": port})
    return attributes


class _Calls(grpc.aio.ServerInterceptor):
    """Every unary call: a server span continuing the caller's trace context, the gate,
    request decoding with the contract's bounds, exceptions mapped to status codes, the
    default deadline, and the call counted by method and code (`_Method`), in one pass
    (separate interceptors, OpenTelemetry's included, cost a quarter of a query's CPU)."""

    def __init__(self, gate: CallGate) -> None:
        self._gate = gate
        self._methods: dict[str, _Method] = {}

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        served = self._methods.get(details.method)
        if served is not None:
            return served.handler
        handler = await continuation(details)
        if handler is None or handler.unary_unary is None:
            return handler  # unknown (UNIMPLEMENTED) or streaming: health Watch, reflection
        served = self._methods[details.method] = _Method(details.method, handler, self._gate)
        return served.handler


@dataclass(frozen=True)
class GrpcLimits:
    """Transport limits of a server (README: configuration). Defaults suit the services.

    A request over `max_request_bytes` is refused by grpc with RESOURCE_EXHAUSTED before any
    handler runs. A connection is closed `max_connection_age_seconds` after it was opened
    (after `max_connection_age_grace_seconds` for calls still running): that also ends
    connections stuck on a half-sent request, which no call deadline covers. Keepalive pings
    find peers that vanished without closing.
    """

    # The whole request: fits any valid request (fields are bounded in the contracts) and
    # keeps the event it becomes well inside Kafka's default 1 MB record limit.
    max_request_bytes: int = 512 * 1024
    # Above what one busy client keeps in flight plus a group commit's burst of just-finished
    # calls (grpc frees a stream after the client has seen its end), yet one connection
    # cannot hold thousands of streams.
    max_concurrent_streams: int = 512
    max_concurrent_rpcs: int = 1000
    max_connection_idle_seconds: float = 300.0
    max_connection_age_seconds: float = 600.0
    max_connection_age_grace_seconds: float = DEFAULT_DEADLINE_SECONDS + 5.0
    keepalive_seconds: float = 60.0
    keepalive_timeout_seconds: float = 20.0

    def options(self) -> list[tuple[str, int]]:
        def ms(seconds: float) -> int:
            return max(int(seconds * 1000), 1)

        return [
            ("grpc.max_receive_message_length", self.max_request_bytes),
            ("grpc.max_concurrent_streams", self.max_concurrent_streams),
            ("grpc.max_connection_idle_ms", ms(self.max_connection_idle_seconds)),
            ("grpc.max_connection_age_ms", ms(self.max_connection_age_seconds)),
            ("grpc.max_connection_age_grace_ms", ms(self.max_connection_age_grace_seconds)),
            ("grpc.keepalive_time_ms", ms(self.keepalive_seconds)),
            ("grpc.keepalive_timeout_ms", ms(self.keepalive_timeout_seconds)),
            # Clients may ping idle connections, but at most every 10 s.
            ("grpc.keepalive_permit_without_calls", 1),
            ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
        ]


@dataclass(frozen=True)
class GrpcService:
    """A servicer with its generated `add_…_to_server` function and its descriptor."""

    descriptor: ServiceDescriptor
    servicer: Any
    add_to_server: Callable[[Any, grpc.aio.Server], None]


class GrpcTlsError(Exception):
    """Unusable gRPC TLS files; the message names the variable."""


@dataclass(frozen=True)
class GrpcTls:
    """TLS of a gRPC server: its certificate chain and private key (PEM) and, for mutual TLS,
    the CA whose certificates clients must present (a client without one is refused during
    the handshake, before any call)."""

    certificate_chain: bytes
    private_key: bytes
    client_ca: bytes | None = None

    @classmethod
    def from_files(cls, cert_file: Path | None, key_file: Path | None, client_ca_file: Path | None) -> GrpcTls | None:
        """None (plaintext) when no file is given; GrpcTlsError naming the variable when the
        files do not make a usable server certificate."""
        if cert_file is None and key_file is None:
            if client_ca_file is not None:
                raise GrpcTlsError("GRPC_TLS_CLIENT_CA_FILE needs GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE")
            return None
        if cert_file is None or key_file is None:
            raise GrpcTlsError("GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE go together")
        try:  # grpc would only fail later, without saying why
            ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert_file, key_file)
        except (OSError, ssl.SSLError) as error:
            raise GrpcTlsError(f"GRPC_TLS_CERT_FILE={cert_file}, GRPC_TLS_KEY_FILE={key_file}: {error}") from None
        client_ca = None
        if client_ca_file is not None:
            try:
                ssl.create_default_context(cafile=client_ca_file)
                client_ca = client_ca_file.read_bytes()
            except (OSError, ssl.SSLError) as error:
                raise GrpcTlsError(f"GRPC_TLS_CLIENT_CA_FILE={client_ca_file}: {error}") from None
        return cls(cert_file.read_bytes(), key_file.read_bytes(), client_ca)

    def server_credentials(self) -> grpc.ServerCredentials:
        return grpc.ssl_server_credentials(
            [(self.private_key, self.certificate_chain)],
            root_certificates=self.client_ca,
            require_client_auth=self.client_ca is not None,
        )


class GrpcServer:
    """A grpc.aio server with health and reflection; call `serving()` once ready. `gate`
    (servicehub_runtime.auth.Gate) admits each call of the servicehub methods. Plaintext
    unless `tls` is given."""

    def __init__(
        self,
        host: str,
        port: int,
        services: Iterable[GrpcService],
        limits: GrpcLimits = GrpcLimits(),
        *,
        gate: CallGate,
        tls: GrpcTls | None = None,
    ) -> None:
        services = list(services)
        self._names = [service.descriptor.full_name for service in services]
        self.health = health.aio.HealthServicer()
        self.server = grpc.aio.server(
            interceptors=[_Calls(gate)],
            options=limits.options(),
            maximum_concurrent_rpcs=limits.max_concurrent_rpcs,
        )
        for service in services:
            service.add_to_server(service.servicer, self.server)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        names = self._names
        reflection.enable_server_reflection(
            [*names, health.SERVICE_NAME, reflection.SERVICE_NAME], self.server
        )
        address = f"{host}:{port}"
        if tls is None:
            self.port = self.server.add_insecure_port(address)
        else:
            self.port = self.server.add_secure_port(address, tls.server_credentials())
        self.address = f"{host}:{self.port}"

    async def start(self) -> None:
        await self._set_all(health_pb2.HealthCheckResponse.NOT_SERVING)
        await self.server.start()

    async def serving(self) -> None:
        await self._set_all(health_pb2.HealthCheckResponse.SERVING)

    async def stop(self, grace: float = 5.0) -> None:
        await self._set_all(health_pb2.HealthCheckResponse.NOT_SERVING)
        await self.server.stop(grace)

    async def _set_all(self, status: int) -> None:
        for name in ["", *self._names]:
            await self.health.set(name, status)
