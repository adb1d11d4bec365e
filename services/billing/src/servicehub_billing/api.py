"""gRPC API of billing: translates requests to application queries."""

from __future__ import annotations

import asyncio
from datetime import datetime
from uuid import UUID

import grpc
from eventsourcing.application import AggregateNotFoundError
from google.protobuf.timestamp_pb2 import Timestamp
from servicehub.billing.v1 import billing_pb2 as pb
from servicehub.billing.v1 import billing_pb2_grpc
from servicehub_runtime.grpcserver import FieldViolation, InvalidArgument, NotFound

from .application import Billing
from .domain import Project


class BillingApi(billing_pb2_grpc.BillingServiceServicer):
    def __init__(self, billing: Billing) -> None:
        self._billing = billing

    async def GetProject(
        self, request: pb.GetProjectRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetProjectResponse:
        project_id = _uuid_field("project_id", request.project_id)
        try:
            project = await asyncio.to_thread(self._billing.get_project, project_id)
        except AggregateNotFoundError:
            raise NotFound(f"project {project_id} not found") from None
        return pb.GetProjectResponse(project=_project_message(project))


def _uuid_field(name: str, value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise InvalidArgument([FieldViolation(name, "must be a UUID")]) from None


def _timestamp(value: datetime) -> Timestamp:
    timestamp = Timestamp()
    timestamp.FromDatetime(value)
    return timestamp


def _project_message(project: Project) -> pb.Project:
    return pb.Project(
        project_id=str(project.id),
        customer_id=project.customer_id,
        service_code=project.service_code,
        package=project.package,
        contract_signed_on=project.contract_signed_on.isoformat(),
        ordered_at=_timestamp(project.ordered_at),
    )
