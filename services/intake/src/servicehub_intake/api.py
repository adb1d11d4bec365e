"""gRPC API of intake."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc

from servicehub.intake.v1 import intake_pb2 as pb
from servicehub.intake.v1 import intake_pb2_grpc
from servicehub_runtime.groupcommit import GroupCommit
from servicehub_runtime.grpcserver import Conflict, FieldViolation, InvalidArgument

from . import requests
from .application import Intake, Receipt
from .domain import IdempotencyKeyReused, RequestRejected


class IntakeApi(intake_pb2_grpc.IntakeServiceServicer):
    def __init__(self, intake: Intake) -> None:
        self._intake = intake
        self._commits = GroupCommit(intake)

    async def SubmitApplication(
        self, request: pb.SubmitApplicationRequest, context: grpc.aio.ServicerContext
    ) -> pb.SubmitApplicationResponse:
        receipt = await self._run(requests.submit_application, request)
        return pb.SubmitApplicationResponse(application_id=str(receipt.id), duplicate=receipt.duplicate)

    async def OpenTicket(
        self, request: pb.OpenTicketRequest, context: grpc.aio.ServicerContext
    ) -> pb.OpenTicketResponse:
        receipt = await self._run(requests.open_ticket, request)
        return pb.OpenTicketResponse(ticket_id=str(receipt.id), duplicate=receipt.duplicate)

    async def OrderService(
        self, request: pb.OrderServiceRequest, context: grpc.aio.ServicerContext
    ) -> pb.OrderServiceResponse:
        receipt = await self._run(requests.order_service, request)
        return pb.OrderServiceResponse(order_id=str(receipt.id), duplicate=receipt.duplicate)

    async def _run(self, command: Callable[[Intake, Any], Receipt], request: Any) -> Receipt:
        try:
            return await self._commits.run(
                lambda: command(self._intake, request), reads=requests.reads(request)
            )
        except RequestRejected as rejected:
            raise InvalidArgument(
                [FieldViolation(v.field, v.description) for v in rejected.violations]
            ) from None
        except IdempotencyKeyReused as reused:
            raise Conflict(str(reused)) from None
