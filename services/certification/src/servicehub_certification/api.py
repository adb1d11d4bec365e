"""gRPC API of certification: translates requests to application queries."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import datetime

import grpc
from eventsourcing.application import AggregateNotFoundError

from servicehub.certification.v1 import certification_pb2 as pb
from servicehub.certification.v1 import certification_pb2_grpc
from servicehub.events.v1.intake_pb2 import Evidence as EvidencePb
from servicehub_runtime.grpcserver import (
    FieldViolation,
    InvalidArgument,
    NotFound,
    uuid_argument,
)
from servicehub_runtime.projection import Projection
from servicehub_runtime.protobuf import timestamp

from .application import Certification
from .domain import Application

_PAGE_TOKEN = re.compile(r"[0-9]{1,18}")
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100
# A page stops before this many bytes (clients refuse answers over 4 MiB by default); it
# always holds at least one application, and one is at most about 520 KB (the request bound).
MAX_PAGE_BYTES = 1024 * 1024
_FETCH_ROWS = 50


class CertificationApi(certification_pb2_grpc.CertificationServiceServicer):
    def __init__(self, certification: Certification, application_list: Projection) -> None:
        self._certification = certification
        self._application_list = application_list

    async def GetApplication(
        self, request: pb.GetApplicationRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetApplicationResponse:
        application_id = uuid_argument("application_id", request.application_id)
        try:
            application = await asyncio.to_thread(
                self._certification.get_application, application_id
            )
        except AggregateNotFoundError:
            raise NotFound(f"application {application_id} not found") from None
        return pb.GetApplicationResponse(application=_application_message(application))

    async def ListApplications(
        self, request: pb.ListApplicationsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListApplicationsResponse:
        violations = []
        if not 0 <= request.page_size <= MAX_PAGE_SIZE:
            violations.append(FieldViolation("page_size", f"must be 0–{MAX_PAGE_SIZE}"))
        after = 0
        if request.page_token:
            if not _PAGE_TOKEN.fullmatch(request.page_token):
                violations.append(FieldViolation("page_token", "is not a token this API issued"))
            else:
                after = int(request.page_token)
        if violations:
            raise InvalidArgument(violations)
        return await asyncio.to_thread(
            self._page, after, request.page_size or DEFAULT_PAGE_SIZE
        )

    def _page(self, after: int, size: int) -> pb.ListApplicationsResponse:
        """Applications after position `after`: at most `size`, and under MAX_PAGE_BYTES."""
        page: list[pb.Application] = []
        page_bytes, cursor = 0, after
        while True:
            rows = self._application_list.query(
                "SELECT * FROM applications WHERE seq > ? ORDER BY seq LIMIT ?",
                (cursor, _FETCH_ROWS),
            )
            for row in rows:
                message = _row_message(row)
                item_bytes = message.ByteSize() + 8  # + the field's tag and length
                if len(page) == size or (page and page_bytes + item_bytes > MAX_PAGE_BYTES):
                    return pb.ListApplicationsResponse(applications=page, next_page_token=str(cursor))
                page.append(message)
                page_bytes += item_bytes
                cursor = row["seq"]
            if len(rows) < _FETCH_ROWS:
                return pb.ListApplicationsResponse(applications=page)


_STATUS = {"in_review": pb.APPLICATION_STATUS_IN_REVIEW}


def _application_message(application: Application) -> pb.Application:
    return pb.Application(
        application_id=str(application.id),
        partner_id=application.partner_id,
        partner_name=application.partner_name,
        corporate_email=application.corporate_email,
        evidence=[
            EvidencePb(criterion=e.criterion, summary=e.summary, document_uri=e.document_uri)
            for e in application.evidence
        ],
        status=_STATUS[application.status.value],
        submitted_at=timestamp(application.submitted_at),
        registered_at=timestamp(application.registered_at),
    )


def _row_message(row) -> pb.Application:
    return pb.Application(
        application_id=row["application_id"],
        partner_id=row["partner_id"],
        partner_name=row["partner_name"],
        corporate_email=row["corporate_email"],
        evidence=[EvidencePb(**e) for e in json.loads(row["evidence"])],
        status=_STATUS[row["status"]],
        submitted_at=timestamp(datetime.fromisoformat(row["submitted_at"])),
        registered_at=timestamp(datetime.fromisoformat(row["registered_at"])),
    )
