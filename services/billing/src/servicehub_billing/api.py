"""gRPC API of billing: translates requests to application queries."""

from __future__ import annotations

import asyncio

import grpc
from eventsourcing.application import AggregateNotFoundError

from servicehub.billing.v1 import billing_pb2 as pb
from servicehub.billing.v1 import billing_pb2_grpc
from servicehub_runtime.grpcserver import NotFound, uuid_argument
from servicehub_runtime.protobuf import timestamp

from .application import Billing
from .domain import Project


class BillingApi(billing_pb2_grpc.BillingServiceServicer):
    def __init__(self, billing: Billing) -> None:
        self._billing = billing

    async def GetProject(
        self, request: pb.GetProjectRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetProjectResponse:
        project_id = uuid_argument("project_id", request.project_id)
        try:
            project = await asyncio.to_thread(self._billing.get_project, project_id)
        except AggregateNotFoundError:
            raise NotFound(f"project {project_id} not found") from None
        return pb.GetProjectResponse(project=_project_message(project))




def _project_message(project: Project) -> pb.Project:
    return pb.Project(
        project_id=str(project.id),
        customer_id=project.customer_id,
        service_code=project.service_code,
        package=project.package,
        contract_signed_on=project.contract_signed_on.isoformat(),
        ordered_at=timestamp(project.ordered_at),
    )
