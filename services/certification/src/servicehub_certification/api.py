"""gRPC API of certification: translates requests to application queries."""

from __future__ import annotations

import asyncio
import functools
import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

import grpc
from eventsourcing.application import AggregateNotFoundError

from servicehub.certification.v1 import certification_pb2 as pb
from servicehub.certification.v1 import certification_pb2_grpc
from servicehub.events.v1.intake_pb2 import Evidence as EvidencePb
from servicehub_businesstime import CalendarHorizonError
from servicehub_runtime import auth
from servicehub_runtime.answers import Answers
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
from .certificates import Certificate, CertificateStep, certificate_id
from .domain import (
    Actor,
    Application,
    ApplicationStatus,
    BoardDecision,
    CertificateDetails,
    ClarificationRequest,
    ExpertReport,
    InvalidCommand,
    ItemAnswer,
    ItemAssessment,
    Partner,
    PartnerConflict,
    PartnerStep,
    RequestIdReused,
    ReviewResult,
    Role,
    WrongStep,
)
from .rules.criteria import Assessment, EvidenceGap, Gap
from .rules.eligibility import DomainError, Ineligibility, canonical_domain
from .rules.recertification import ExpertCertificate, RecertificationEvidence, Shortfall

_PAGE_TOKEN = re.compile(r"[0-9]{1,18}")
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100
# A page stops before this many bytes (clients refuse answers over 4 MiB by default); it
# always holds at least one application, and one is at most about 520 KB (the request bound).
MAX_PAGE_BYTES = 1024 * 1024
_FETCH_ROWS = 50


class CertificationApi(certification_pb2_grpc.CertificationServiceServicer):
    def __init__(
        self, certification: Certification, application_list: Projection, providers: Projection
    ) -> None:
        self._certification = certification
        self._application_list = application_list
        self._providers = providers
        self._applications = Answers(
            certification,
            certification.get_application,
            lambda application: pb.GetApplicationResponse(application=_application_message(application)),
            pb.GetApplicationResponse.ByteSize,
        )

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
        partner = await self._command(
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
        partner = await self._command(
            context, self._certification.sign_cla, request.partner_id, request.cla_version
        )
        return pb.SignClaResponse(partner=self._partner_message(partner))

    async def SubmitEnterpriseInformation(
        self, request: pb.SubmitEnterpriseInformationRequest, context: grpc.aio.ServicerContext
    ) -> pb.SubmitEnterpriseInformationResponse:
        partner = await self._command(
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

    async def _command(
        self, context: grpc.aio.ServicerContext, command: Callable[..., Any], *args: Any
    ) -> Any:
        try:
            return await asyncio.to_thread(command, *args)
        except WrongStep as wrong:
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(wrong))
            raise  # abort raises; this line only tells type checkers
        except CalendarHorizonError as horizon:
            # A deadline past the calendar's data: the operator adds the year, then it works.
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(horizon))
            raise
        except (PartnerConflict, RequestIdReused) as conflict:
            raise Conflict(str(conflict)) from None
        except InvalidCommand as invalid:
            raise InvalidArgument([FieldViolation(f, r) for f, r in invalid.violations]) from None
        except AggregateNotFoundError:
            raise NotFound(f"{args[0]} not found") from None

    def _partner_message(self, partner: Partner) -> pb.Partner:
        return _partner_message(partner, self._certification.ineligibility_of(partner))

    async def GetPartner(
        self, request: pb.GetPartnerRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetPartnerResponse:
        try:
            partner = await self._certification.point_read(self._certification.get_partner, request.partner_id)
        except AggregateNotFoundError:
            raise NotFound(f"partner {request.partner_id!r} not found") from None
        return pb.GetPartnerResponse(partner=self._partner_message(partner))

    async def GetApplication(
        self, request: pb.GetApplicationRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetApplicationResponse:
        application_id = uuid_argument("application_id", request.application_id)
        try:
            answer = await self._applications.get(application_id)
        except AggregateNotFoundError:
            raise NotFound(f"application {application_id} not found") from None
        auth.require_owner("partner_id", answer.application.partner_id, f"application {application_id}")
        return answer

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

    # ------------------------------------------------------------------ steps 4–7

    async def RequestClarification(
        self, request: pb.RequestClarificationRequest, context: grpc.aio.ServicerContext
    ) -> pb.RequestClarificationResponse:
        application_id, actor = _target("application_id", request.application_id)
        application, duplicate = await self._command(
            context,
            functools.partial(
                self._certification.request_clarification,
                items=tuple(request.items), question=request.question, actor=actor,
                request_id=request.request_id,
            ),
            application_id,
        )
        return pb.RequestClarificationResponse(
            application=_application_message(application), duplicate=duplicate
        )

    async def AnswerClarification(
        self, request: pb.AnswerClarificationRequest, context: grpc.aio.ServicerContext
    ) -> pb.AnswerClarificationResponse:
        application_id, actor = _target("application_id", request.application_id)
        await self._require_own_application(application_id)
        answers = tuple(
            ItemAnswer(a.criterion, a.answer, tuple(a.document_uris)) for a in request.answers
        )
        application, duplicate = await self._command(
            context,
            functools.partial(
                self._certification.answer_clarification,
                number=request.number, answers=answers, actor=actor, request_id=request.request_id,
            ),
            application_id,
        )
        return pb.AnswerClarificationResponse(
            application=_application_message(application), duplicate=duplicate
        )

    async def SubmitExpertReport(
        self, request: pb.SubmitExpertReportRequest, context: grpc.aio.ServicerContext
    ) -> pb.SubmitExpertReportResponse:
        application_id, actor = _target("application_id", request.application_id)
        violations = [
            FieldViolation(f"assessments[{i}].assessment", "must be given")
            for i, a in enumerate(request.assessments)
            if a.assessment == pb.ASSESSMENT_UNSPECIFIED
        ]
        if request.result == pb.REVIEW_RESULT_UNSPECIFIED:
            violations.append(FieldViolation("result", "must be given"))
        if violations:
            raise InvalidArgument(violations)
        application, duplicate = await self._command(
            context,
            functools.partial(
                self._certification.submit_expert_report,
                assessments=tuple(
                    ItemAssessment(a.criterion, _ASSESSMENT_IN[a.assessment], a.comment)
                    for a in request.assessments
                ),
                result=_RESULT_IN[request.result],
                summary=request.summary,
                actor=actor,
                request_id=request.request_id,
            ),
            application_id,
        )
        return pb.SubmitExpertReportResponse(
            application=_application_message(application), duplicate=duplicate
        )

    async def RecordBoardDecision(
        self, request: pb.RecordBoardDecisionRequest, context: grpc.aio.ServicerContext
    ) -> pb.RecordBoardDecisionResponse:
        application_id, actor = _target("application_id", request.application_id)
        if request.decision == pb.BOARD_DECISION_UNSPECIFIED:
            raise InvalidArgument([FieldViolation("decision", "must be given")])
        application, duplicate = await self._command(
            context,
            functools.partial(
                self._certification.decide,
                decision=_DECISION_IN[request.decision],
                meeting_reference=request.meeting_reference,
                actor=actor,
                request_id=request.request_id,
            ),
            application_id,
        )
        return pb.RecordBoardDecisionResponse(
            application=_application_message(application), duplicate=duplicate
        )

    async def PreCheckCertificate(
        self, request: pb.PreCheckCertificateRequest, context: grpc.aio.ServicerContext
    ) -> pb.PreCheckCertificateResponse:
        application_id, actor = _target("application_id", request.application_id)
        details = request.details
        violations = [
            FieldViolation(f"details.{name}", "required")
            for name in ("holder_name", "service_regions", "languages", "support_plans")
            if not getattr(details, name)
        ]
        if violations:
            raise InvalidArgument(violations)
        application, duplicate = await self._command(
            context,
            functools.partial(
                self._certification.pre_check,
                details=CertificateDetails(
                    details.holder_name, tuple(details.service_regions), tuple(details.languages),
                    tuple(details.support_plans),
                ),
                actor=actor,
                request_id=request.request_id,
            ),
            application_id,
        )
        return pb.PreCheckCertificateResponse(
            application=_application_message(application), duplicate=duplicate
        )

    async def ConfirmCertificate(
        self, request: pb.ConfirmCertificateRequest, context: grpc.aio.ServicerContext
    ) -> pb.ConfirmCertificateResponse:
        application_id, actor = _target("application_id", request.application_id)
        await self._require_own_application(application_id)
        application, duplicate = await self._command(
            context,
            functools.partial(self._certification.confirm, actor=actor, request_id=request.request_id),
            application_id,
        )
        certificate = await self._certification.point_read(
            self._certification.get_certificate,
            application.recertifies or certificate_id(application.id),
        )
        return pb.ConfirmCertificateResponse(
            application=_application_message(application),
            certificate=self._certificate_message(certificate),
            duplicate=duplicate,
        )

    async def _require_own_application(self, application_id: UUID) -> None:
        """NotFound unless the application exists and the caller may see it: checked before
        a partner's command, so another partner's id is answered as an unknown one."""
        try:
            application = await self._certification.point_read(
                self._certification.get_application, application_id
            )
        except AggregateNotFoundError:
            raise NotFound(f"application {application_id} not found") from None
        auth.require_owner("partner_id", application.partner_id, f"application {application_id}")

    async def _require_own_certificate(self, certificate_id: UUID) -> None:
        try:
            certificate = await self._certification.point_read(
                self._certification.get_certificate, certificate_id
            )
        except AggregateNotFoundError:
            raise NotFound(f"certificate {certificate_id} not found") from None
        auth.require_owner("partner_id", certificate.partner_id, f"certificate {certificate_id}")

    # ------------------------------------------------------------------ certificates

    async def SubmitRecertification(
        self, request: pb.SubmitRecertificationRequest, context: grpc.aio.ServicerContext
    ) -> pb.SubmitRecertificationResponse:
        certificate_id, actor = _target("certificate_id", request.certificate_id)
        await self._require_own_certificate(certificate_id)
        e = request.evidence
        evidence = RecertificationEvidence(
            expert_certificates=tuple(
                ExpertCertificate(c.holder, c.certificate) for c in e.expert_certificates
            ),
            **{
                name: tuple(getattr(e, name))
                for name in (
                    "new_services", "strengthened_services", "bug_fixes", "features",
                    "tools_built", "community_tools_applied", "merged_pull_requests",
                    "requirements_and_issues", "reviews",
                )
            },
        )
        certificate, shortfalls, duplicate = await self._command(
            context,
            functools.partial(
                self._certification.submit_recertification, evidence=evidence, actor=actor,
                request_id=request.request_id,
            ),
            certificate_id,
        )
        return pb.SubmitRecertificationResponse(
            passed=not shortfalls,
            shortfalls=[_shortfall_message(s) for s in shortfalls],
            certificate=self._certificate_message(certificate),
            duplicate=duplicate,
        )

    async def RevokeCertificate(
        self, request: pb.RevokeCertificateRequest, context: grpc.aio.ServicerContext
    ) -> pb.RevokeCertificateResponse:
        certificate_id, actor = _target("certificate_id", request.certificate_id)
        certificate = await self._command(
            context,
            functools.partial(
                self._certification.revoke_certificate, reason=request.reason, actor=actor
            ),
            certificate_id,
        )
        return pb.RevokeCertificateResponse(certificate=self._certificate_message(certificate))

    async def VerifyCertificate(
        self, request: pb.VerifyCertificateRequest, context: grpc.aio.ServicerContext
    ) -> pb.VerifyCertificateResponse:
        certificate_id = uuid_argument("certificate_id", request.certificate_id)
        try:
            certificate = await self._certification.point_read(self._certification.get_certificate, certificate_id)
        except AggregateNotFoundError:
            return pb.VerifyCertificateResponse(status=pb.CERTIFICATE_STATUS_UNKNOWN)
        message = self._certificate_message(certificate)
        answer = pb.VerifyCertificateResponse(
            status=message.status,
            holder_name=certificate.details.holder_name,
            valid_from=message.valid_from,
            valid_until=message.valid_until,
        )
        if message.HasField("ended_at"):
            answer.ended_at.CopyFrom(message.ended_at)
        return answer

    def _certificate_message(self, certificate: Certificate) -> pb.Certificate:
        step = self._certification.certificate_status(certificate)
        message = pb.Certificate(
            certificate_id=str(certificate.id),
            application_id=str(certificate.application_id),
            partner_id=certificate.partner_id,
            details=_details_message(certificate.details),
            status=_CERTIFICATE_STATUS[step],
            valid_from=timestamp(certificate.valid_from),
            valid_until=timestamp(certificate.valid_until),
            recertification_due=step is CertificateStep.RECERTIFICATION_DUE,
            revocation_reason=certificate.revocation_reason,
            recertification_application_id=str(certificate.under_review or ""),
        )
        ended_at = certificate.ended_at or (certificate.valid_until if step is CertificateStep.EXPIRED else None)
        if ended_at is not None:
            message.ended_at.CopyFrom(timestamp(ended_at))
        return message

    async def ListCertifiedProviders(
        self, request: pb.ListCertifiedProvidersRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListCertifiedProvidersResponse:
        violations = []
        if not 0 <= request.page_size <= MAX_PAGE_SIZE:
            violations.append(FieldViolation("page_size", f"must be 0–{MAX_PAGE_SIZE}"))
        if request.page_token and not _PAGE_TOKEN.fullmatch(request.page_token):
            violations.append(FieldViolation("page_token", "is not a token this API issued"))
        if violations:
            raise InvalidArgument(violations)
        filters = {
            "service_region": request.service_region,
            "language": request.language,
            "support_plan": request.support_plan,
        }
        return await asyncio.to_thread(
            self._providers_page,
            {facet: value for facet, value in filters.items() if value},
            int(request.page_token or 0),
            request.page_size or DEFAULT_PAGE_SIZE,
        )

    def _providers_page(
        self, filters: dict[str, str], offset: int, size: int
    ) -> pb.ListCertifiedProvidersResponse:
        """Providers by holder name; the token is the offset of the next page."""
        where = "".join(
            " AND EXISTS (SELECT 1 FROM provider_facets f WHERE f.certificate_id = p.certificate_id"
            " AND f.facet = ? AND f.value = ?)"
            for _ in filters
        )
        parameters = tuple(x for item in filters.items() for x in item)
        rows = self._providers.query(
            f"SELECT * FROM providers p WHERE 1 = 1{where}"  # noqa: S608 (placeholders only)
            " ORDER BY holder_name, certificate_id LIMIT ? OFFSET ?",
            (*parameters, size + 1, offset),
        )
        providers = []
        for row in rows[:size]:
            facets = self._providers.query(
                "SELECT facet, value FROM provider_facets WHERE certificate_id = ? ORDER BY rowid",
                (row["certificate_id"],),
            )
            values = {name: [f["value"] for f in facets if f["facet"] == name] for name in _FACETS}
            providers.append(
                pb.CertifiedProvider(
                    certificate_id=row["certificate_id"],
                    partner_id=row["partner_id"],
                    details=pb.CertificateDetails(
                        holder_name=row["holder_name"],
                        service_regions=values["service_region"],
                        languages=values["language"],
                        support_plans=values["support_plan"],
                    ),
                    valid_until=timestamp(datetime.fromisoformat(row["valid_until"])),
                )
            )
        next_token = str(offset + size) if len(rows) > size else ""
        return pb.ListCertifiedProvidersResponse(providers=providers, next_page_token=next_token)


_FACETS = ("service_region", "language", "support_plan")


def _target(field: str, value: str) -> tuple[UUID, Actor]:
    """The command's aggregate id, and its actor: the verified caller in the role it acts in
    (the method's access option admits only the domain's roles)."""
    caller = auth.caller()
    return uuid_argument(field, value), Actor(caller.subject, Role(caller.role.replace("-", "_")))



_STATUS = {
    ApplicationStatus.SUBMITTED.value: pb.APPLICATION_STATUS_SUBMITTED,
    ApplicationStatus.IN_REVIEW.value: pb.APPLICATION_STATUS_IN_REVIEW,
    ApplicationStatus.PARTNER_NOT_ELIGIBLE.value: pb.APPLICATION_STATUS_PARTNER_NOT_ELIGIBLE,
    ApplicationStatus.REJECTED.value: pb.APPLICATION_STATUS_REJECTED,
    ApplicationStatus.AWAITING_PRE_CHECK.value: pb.APPLICATION_STATUS_AWAITING_PRE_CHECK,
    ApplicationStatus.AWAITING_PARTNER_CONFIRMATION.value: pb.APPLICATION_STATUS_AWAITING_PARTNER_CONFIRMATION,
    ApplicationStatus.CERTIFIED.value: pb.APPLICATION_STATUS_CERTIFIED,
    ApplicationStatus.RENEWED.value: pb.APPLICATION_STATUS_RENEWED,
    ApplicationStatus.LAPSED.value: pb.APPLICATION_STATUS_LAPSED,
    ApplicationStatus.CLOSED.value: pb.APPLICATION_STATUS_CLOSED,
}
_ROLE = {
    Role.PARTNER: pb.ROLE_PARTNER,
    Role.REVIEWER: pb.ROLE_REVIEWER,
    Role.EXPERT: pb.ROLE_EXPERT,
    Role.SIG_SECRETARY: pb.ROLE_SIG_SECRETARY,
    Role.COMMUNITY_OPERATOR: pb.ROLE_COMMUNITY_OPERATOR,
}
_ASSESSMENT = {
    Assessment.MET: pb.ASSESSMENT_MET,
    Assessment.UNMET: pb.ASSESSMENT_UNMET,
    Assessment.NOT_APPLICABLE: pb.ASSESSMENT_NOT_APPLICABLE,
}
_ASSESSMENT_IN = {wire: assessment for assessment, wire in _ASSESSMENT.items()}
_RESULT = {ReviewResult.PASS: pb.REVIEW_RESULT_PASS, ReviewResult.FAIL: pb.REVIEW_RESULT_FAIL}
_RESULT_IN = {wire: result for result, wire in _RESULT.items()}
_DECISION = {
    BoardDecision.APPROVE: pb.BOARD_DECISION_APPROVE,
    BoardDecision.REJECT: pb.BOARD_DECISION_REJECT,
    BoardDecision.SEND_BACK: pb.BOARD_DECISION_SEND_BACK,
}
_DECISION_IN = {wire: decision for decision, wire in _DECISION.items()}
_CERTIFICATE_STATUS = {
    CertificateStep.VALID: pb.CERTIFICATE_STATUS_VALID,
    CertificateStep.RECERTIFICATION_DUE: pb.CERTIFICATE_STATUS_VALID,
    CertificateStep.EXPIRED: pb.CERTIFICATE_STATUS_EXPIRED,
    CertificateStep.REVOKED: pb.CERTIFICATE_STATUS_REVOKED,
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


def _actor_message(actor: Actor) -> pb.Actor:
    return pb.Actor(user_id=actor.user_id, role=_ROLE[actor.role])


def _details_message(details: CertificateDetails) -> pb.CertificateDetails:
    return pb.CertificateDetails(
        holder_name=details.holder_name,
        service_regions=details.service_regions,
        languages=details.languages,
        support_plans=details.support_plans,
    )


def _shortfall_message(shortfall: Shortfall) -> pb.Shortfall:
    return pb.Shortfall(
        standard=shortfall.standard,
        rule=shortfall.rule,
        required=shortfall.required,
        achieved=shortfall.achieved,
        short_by=shortfall.short_by,
    )


def _request_message(request: ClarificationRequest) -> pb.ClarificationRequest:
    message = pb.ClarificationRequest(
        number=request.number,
        items=request.items,
        question=request.question,
        requested_by=_actor_message(request.requested_by),
        requested_at=timestamp(request.requested_at),
        due_at=timestamp(request.due),
        answers=[
            pb.ItemAnswer(criterion=a.criterion, answer=a.answer, document_uris=a.document_uris)
            for a in request.answers
        ],
    )
    if request.answered_by is not None:
        message.answered_by.CopyFrom(_actor_message(request.answered_by))
    if request.overdue_at is not None:
        message.overdue_at.CopyFrom(timestamp(request.overdue_at))
    return message


def _report_message(report: ExpertReport) -> pb.ExpertReport:
    return pb.ExpertReport(
        expert=_actor_message(report.expert),
        review_round=report.review_round,
        assessments=[
            pb.ItemAssessment(criterion=a.criterion, assessment=_ASSESSMENT[a.assessment], comment=a.comment)
            for a in report.assessments
        ],
        result=_RESULT[report.result],
        summary=report.summary,
        submitted_at=timestamp(report.submitted_at),
    )


def _application_message(application: Application) -> pb.Application:
    message = _application_summary(application)
    message.review_round = application.review_round
    message.clarification_requests.extend(_request_message(r) for r in application.requests)
    message.expert_reports.extend(_report_message(r) for r in application.reports)
    message.decisions.extend(
        pb.Decision(
            decision=_DECISION[d.decision],
            meeting_reference=d.meeting_reference,
            decided_by=_actor_message(d.decided_by),
            decided_at=timestamp(d.decided_at),
        )
        for d in application.decisions
    )
    if application.certificate_details is not None:
        message.certificate_details.CopyFrom(_details_message(application.certificate_details))
    if application.status is ApplicationStatus.CERTIFIED:
        message.certificate_id = str(certificate_id(application.id))
    if application.recertifies is not None:
        message.recertifies = message.certificate_id = str(application.recertifies)
        message.closed_reason = application.closed_reason
    message.screenings.extend(
        pb.Screening(
            screened_at=timestamp(screening.screened_at),
            partner_ineligibility=[_ineligibility_message(r) for r in screening.partner_ineligibility],
        )
        for screening in application.screenings
    )
    return message


def _application_summary(application: Application) -> pb.Application:
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
