"""gRPC server bootstrap shared by every service.

Every server gets: the standard health service (NOT_SERVING until the process says it is
ready), reflection (so `grpcurl` works without proto files), OpenTelemetry server spans,
Prometheus call metrics, a default deadline for calls that bring none, and one mapping of
errors to status codes — `InvalidArgument` becomes INVALID_ARGUMENT with
`google.rpc.BadRequest` field violations in the rich status details.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import grpc
from google.protobuf import any_pb2
from google.protobuf.descriptor import ServiceDescriptor
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from opentelemetry.instrumentation.grpc import aio_server_interceptor

from . import metrics

log = logging.getLogger(__name__)

DEFAULT_DEADLINE_SECONDS = 30.0


@dataclass(frozen=True)
class FieldViolation:
    field: str
    description: str


class InvalidArgument(Exception):
    """The request breaks the contract; each violation names a field and what is wrong."""

    def __init__(self, violations: Sequence[FieldViolation]) -> None:
        self.violations = list(violations)
        super().__init__("; ".join(f"{v.field}: {v.description}" for v in self.violations))


class NotFound(Exception):
    """The requested record does not exist (or is not visible to the caller)."""


def uuid_argument(field: str, value: str) -> UUID:
    """A request field that must hold a UUID, or InvalidArgument naming the field."""
    try:
        return UUID(value)
    except ValueError:
        raise InvalidArgument([FieldViolation(field, "must be a UUID")]) from None


def bad_request_status(error: InvalidArgument) -> status_pb2.Status:
    detail = any_pb2.Any()
    detail.Pack(
        error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(
                    field=v.field, description=v.description
                )
                for v in error.violations
            ]
        )
    )
    return status_pb2.Status(
        code=code_pb2.INVALID_ARGUMENT, message=str(error), details=[detail]
    )


class _ErrorsAndMetrics(grpc.aio.ServerInterceptor):
    """Maps exceptions to status codes, applies the default deadline, counts calls."""

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(details)
        if handler is None or handler.unary_unary is None:
            return handler
        method = details.method
        inner = handler.unary_unary

        async def unary_unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
            started = time.perf_counter()
            code = grpc.StatusCode.OK
            remaining = context.time_remaining()
            budget = DEFAULT_DEADLINE_SECONDS if remaining is None else remaining
            try:
                async with asyncio.timeout(budget):
                    return await inner(request, context)
            except InvalidArgument as error:
                code = grpc.StatusCode.INVALID_ARGUMENT
                status = bad_request_status(error)
                await context.abort(
                    code,
                    status.message,
                    trailing_metadata=(("grpc-status-details-bin", status.SerializeToString()),),
                )
            except NotFound as error:
                code = grpc.StatusCode.NOT_FOUND
                await context.abort(code, str(error))
            except TimeoutError:
                code = grpc.StatusCode.DEADLINE_EXCEEDED
                await context.abort(code, f"no answer within {budget:.1f}s")
            except asyncio.CancelledError:
                code = grpc.StatusCode.CANCELLED
                raise
            except Exception as error:
                # abort() itself raises to end the call; keep the status it set.
                if isinstance(error, grpc.aio.AbortError):
                    code = context.code() or grpc.StatusCode.UNKNOWN
                    raise
                code = grpc.StatusCode.INTERNAL
                log.exception("%s failed", method)
                await context.abort(code, "internal error; see the service log")
            finally:
                metrics.GRPC_REQUESTS.labels(method, code.name).inc()
                metrics.GRPC_SECONDS.labels(method).observe(time.perf_counter() - started)

        return grpc.unary_unary_rpc_method_handler(
            unary_unary,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


@dataclass(frozen=True)
class GrpcService:
    """A servicer with its generated `add_…_to_server` function and its descriptor."""

    descriptor: ServiceDescriptor
    servicer: Any
    add_to_server: Callable[[Any, grpc.aio.Server], None]


class GrpcServer:
    """A grpc.aio server with health and reflection; call `serving()` once ready."""

    def __init__(self, host: str, port: int, services: Iterable[GrpcService]) -> None:
        services = list(services)
        self._names = [service.descriptor.full_name for service in services]
        self.health = health.aio.HealthServicer()
        self.server = grpc.aio.server(interceptors=[aio_server_interceptor(), _ErrorsAndMetrics()])
        for service in services:
            service.add_to_server(service.servicer, self.server)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        names = self._names
        reflection.enable_server_reflection(
            [*names, health.SERVICE_NAME, reflection.SERVICE_NAME], self.server
        )
        self.port = self.server.add_insecure_port(f"{host}:{port}")
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
