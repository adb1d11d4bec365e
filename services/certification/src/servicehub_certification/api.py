"""gRPC API of certification: translates requests to application queries."""

from __future__ import annotations

import asyncio
import functools
import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import grpc
from eventsourcing.application import AggregateNotFoundError

from servicehub.certification.v1 import certification_pb2 as pb
from servicehub.certification.v1 import certification_pb2_grpc
from servicehub.events.v1.intake_pb2 import Evidence as EvidencePb
from servicehub_runtime.grpcserver import (
    Conflict,
    FieldViolation,
    InvalidArgument,
    NotFound,
    uuid_argument,
)
from servicehub_runtime.projection import Projection
from servicehub_runtime.protobuf import timestamp

from .application import Certification
from .domain import Application, Partner, PartnerConflict, PartnerStep, WrongStep
from .rules.criteria import EvidenceGap, Gap
from .rules.eligibility import DomainError, Ineligibility, canonical_domain

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

    async def RegisterPartner(
        self, request: pb.RegisterPartnerRequest, context: grpc.aio.ServicerContext
    ) -> pb.RegisterPartnerResponse:
        violations = []
        for index, domain in enumerate(request.declared_domains):
            try:
                canonical_domain(domain)
            except DomainError as exc:
                violations.append(FieldViolation(f"declared_domains[{index}]", str(exc)))
        if violations:
            raise InvalidArgument(violations)
        partner = await self._partner_command(
            context,
            self._certification.register_partner,
            request.partner_id,
            request.name,
            tuple(request.declared_domains),
        )
        return pb.RegisterPartnerResponse(partner=self._partner_message(partner))

    async def SignCla(
        self, request: pb.SignClaRequest, context: grpc.aio.ServicerContext
    ) -> pb.SignClaResponse:
        partner = await self._partner_command(
            context, self._certification.sign_cla, request.partner_id, request.cla_version
        )
        return pb.SignClaResponse(partner=self._partner_message(partner))

    async def SubmitEnterpriseInformation(
        self, request: pb.SubmitEnterpriseInformationRequest, context: grpc.aio.ServicerContext
    ) -> pb.SubmitEnterpriseInformationResponse:
        partner = await self._partner_command(
            context,
            functools.partial(
                self._certification.submit_enterprise_information,
                company_name=request.company_name,
                business_licence_document=request.business_licence_document,
                unified_social_credit_code=request.unified_social_credit_code,
                corporate_email=request.corporate_email,
            ),
            request.partner_id,
        )
        return pb.SubmitEnterpriseInformationResponse(partner=self._partner_message(partner))

    async def _partner_command(
        self, context: grpc.aio.ServicerContext, command: Callable[..., Partner], *args: Any
    ) -> Partner:
        try:
            return await asyncio.to_thread(command, *args)
        except WrongStep as wrong:
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(wrong))
            raise  # abort raises; this line only tells type checkers
        except PartnerConflict as conflict:
            raise Conflict(str(conflict)) from None

    def _partner_message(self, partner: Partner) -> pb.Partner:
        return _partner_message(partner, self._certification.ineligibility_of(partner))

    async def GetPartner(
        self, request: pb.GetPartnerRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetPartnerResponse:
        try:
            partner = await asyncio.to_thread(self._certification.get_partner, request.partner_id)
        except AggregateNotFoundError:
            raise NotFound(f"partner {request.partner_id!r} not found") from None
        return pb.GetPartnerResponse(partner=self._partner_message(partner))

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


_STATUS = {
    "submitted": pb.APPLICATION_STATUS_SUBMITTED,
    "in_review": pb.APPLICATION_STATUS_IN_REVIEW,
    "partner_not_eligible": pb.APPLICATION_STATUS_PARTNER_NOT_ELIGIBLE,
}
_GAP = {
    Gap.MISSING: pb.EVIDENCE_GAP_KIND_MISSING,
    Gap.UNMET: pb.EVIDENCE_GAP_KIND_UNMET,
    Gap.NOT_APPLICABLE: pb.EVIDENCE_GAP_KIND_NOT_APPLICABLE,
    Gap.UNSUPPORTED: pb.EVIDENCE_GAP_KIND_UNSUPPORTED,
    Gap.REPEATED: pb.EVIDENCE_GAP_KIND_REPEATED,
    Gap.UNKNOWN: pb.EVIDENCE_GAP_KIND_UNKNOWN,
}
_STEP = {
    PartnerStep.AWAITING_CLA: pb.PARTNER_STEP_AWAITING_CLA,
    PartnerStep.AWAITING_ENTERPRISE_INFORMATION: pb.PARTNER_STEP_AWAITING_ENTERPRISE_INFORMATION,
    PartnerStep.ELIGIBLE: pb.PARTNER_STEP_ELIGIBLE,
    PartnerStep.NOT_ELIGIBLE: pb.PARTNER_STEP_NOT_ELIGIBLE,
}


def _partner_message(partner: Partner, reasons: tuple[Ineligibility, ...]) -> pb.Partner:
    message = pb.Partner(
        partner_id=partner.partner_id,
        name=partner.name,
        declared_domains=partner.declared_domains,
        step=_STEP[partner.step],
        ineligibility=[_ineligibility_message(r) for r in reasons],
        registered_at=timestamp(partner.registered_at),
    )
    if partner.cla is not None:
        message.cla_version = partner.cla.version
        message.cla_signed_at.CopyFrom(timestamp(partner.cla.signed_at))
    if partner.enterprise is not None:
        message.company_name = partner.enterprise.company_name
        message.business_licence_document = partner.enterprise.business_licence_document
        message.unified_social_credit_code = partner.enterprise.unified_social_credit_code
        message.corporate_email = partner.enterprise.corporate_email
    return message


def _ineligibility_message(reason: Ineligibility) -> pb.Ineligibility:
    return pb.Ineligibility(field=reason.field, reason=reason.reason)


def _gap_message(gap: EvidenceGap) -> pb.EvidenceGap:
    return pb.EvidenceGap(criterion=gap.criterion, kind=_GAP[gap.gap], explanation=gap.explanation)


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
        partner_ineligibility=[_ineligibility_message(r) for r in application.partner_ineligibility],
        criteria_version=application.criteria_version,
        evidence_gaps=[_gap_message(g) for g in application.evidence_gaps],
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
        partner_ineligibility=[pb.Ineligibility(**r) for r in json.loads(row["partner_ineligibility"])],
        criteria_version=row["criteria_version"],
        evidence_gaps=[
            pb.EvidenceGap(criterion=g["criterion"], kind=_GAP[Gap(g["gap"])], explanation=g["explanation"])
            for g in json.loads(row["evidence_gaps"])
        ],
    )
