"""gRPC API of billing: translates requests to application commands and queries."""

from __future__ import annotations

import asyncio

import grpc
from eventsourcing.application import AggregateNotFoundError

from servicehub.billing.v1 import billing_pb2 as pb
from servicehub.billing.v1 import billing_pb2_grpc
from servicehub_runtime.grpcserver import (
    Conflict,
    FieldViolation,
    InvalidArgument,
    NotFound,
    uuid_argument,
)
from servicehub_runtime.protobuf import timestamp

from .application import Billing
from .domain import CommandRefused, DelayKeyReused, Project, ProjectState

_STATES = {
    ProjectState.PLANNED: pb.PROJECT_STATE_PLANNED,
    ProjectState.REJECTED: pb.PROJECT_STATE_REJECTED,
}


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

    async def RecordCustomerDelay(
        self, request: pb.RecordCustomerDelayRequest, context: grpc.aio.ServicerContext
    ) -> pb.RecordCustomerDelayResponse:
        project_id = uuid_argument("project_id", request.project_id)
        try:
            project = await asyncio.to_thread(
                self._billing.record_customer_delay,
                project_id,
                key=request.idempotency_key,
                milestone_code=request.milestone_code,
                reason=request.reason,
                days=request.days,
            )
        except AggregateNotFoundError:
            raise NotFound(f"project {project_id} not found") from None
        except CommandRefused as refused:
            raise InvalidArgument([FieldViolation(refused.field, refused.description)]) from None
        except DelayKeyReused as reused:
            raise Conflict(str(reused)) from None
        return pb.RecordCustomerDelayResponse(project=_project_message(project))


def _project_message(project: Project) -> pb.Project:
    return pb.Project(
        project_id=str(project.id),
        customer_id=project.customer_id,
        service_code=project.service_code,
        package=project.package,
        contract_signed_on=project.contract_signed_on.isoformat(),
        ordered_at=timestamp(project.ordered_at),
        catalogue_version=project.catalogue_version,
        state=_STATES[project.state],
        requested_start_on=(
            project.requested_start_on.isoformat() if project.requested_start_on else ""
        ),
        rejection=project.rejection or "",
        milestones=[
            pb.Milestone(
                code=m.code,
                name_zh=m.name_zh,
                due_on=m.due_on.isoformat() if m.due_on else "",
            )
            for m in project.milestones
        ],
        customer_delays=[
            pb.CustomerDelay(
                milestone_code=d.milestone_code,
                reason=d.reason,
                days=d.days,
                recorded_at=timestamp(d.recorded_at),
            )
            for d in project.customer_delays
        ],
    )
