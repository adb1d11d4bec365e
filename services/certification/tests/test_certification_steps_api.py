"""Steps 4–7, recertification and the public queries over a real gRPC server: the whole
way to a certificate, field violations, wrong steps, verification and the directory."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from servicehub.certification.v1 import certification_pb2 as pb
from servicehub_certification.certificates import certificate_id

from .conftest import ISSUER, NOW

# The stub's token (conftest): subject u-tester, acting in the role each step admits.
REVIEWER = pb.Actor(user_id="u-tester", role=pb.ROLE_REVIEWER)
PARTNER = pb.Actor(user_id="u-tester", role=pb.ROLE_PARTNER)
CLAIMED = ("service-content.migration", "staff.certified-engineers")
DETAILS = pb.CertificateDetails(
    holder_name="Acme Cloud Services Co., Ltd.",
    service_regions=["East China", "North China"],
    languages=["zh", "en"],
    support_plans=["5x8", "7x24"],
)


def violations(error: grpc.aio.AioRpcError) -> list[tuple[str, str]]:
    status = rpc_status.from_call(error)
    [detail] = status.details
    bad_request = error_details_pb2.BadRequest()
    detail.Unpack(bad_request)
    return [(v.field, v.description) for v in bad_request.field_violations]


@pytest.fixture
def application_id(make_eligible, register) -> str:
    make_eligible()
    return str(register())


def new_id() -> str:
    """A fresh request id: a new command, not a retry."""
    return str(uuid4())


async def report(stub, application_id: str, request_id: str | None = None) -> pb.SubmitExpertReportResponse:
    return await stub.SubmitExpertReport(
        pb.SubmitExpertReportRequest(
            application_id=application_id,
            assessments=[pb.ItemAssessment(criterion=c, assessment=pb.ASSESSMENT_MET) for c in CLAIMED],
            result=pb.REVIEW_RESULT_PASS,
            summary="meets the criteria",
            request_id=request_id or new_id(),
        )
    )


async def decide(stub, application_id: str, decision=pb.BOARD_DECISION_APPROVE, request_id: str | None = None):
    return await stub.RecordBoardDecision(
        pb.RecordBoardDecisionRequest(
            application_id=application_id, decision=decision, meeting_reference="SIG-2026-03",
            request_id=request_id or new_id(),
        )
    )


async def certify(stub, application_id: str) -> pb.ConfirmCertificateResponse:
    await report(stub, application_id)
    await decide(stub, application_id)
    await stub.PreCheckCertificate(
        pb.PreCheckCertificateRequest(application_id=application_id, details=DETAILS, request_id=new_id())
    )
    return await stub.ConfirmCertificate(pb.ConfirmCertificateRequest(application_id=application_id, request_id=new_id()))


async def test_an_application_goes_through_review_decision_and_issuance(stub, application_id):
    requested = await stub.RequestClarification(
        pb.RequestClarificationRequest(
            application_id=application_id, items=[CLAIMED[0]], question="which versions?",
            request_id=new_id(),
        )
    )
    [request] = requested.application.clarification_requests
    assert (request.number, list(request.items), request.requested_by) == (1, [CLAIMED[0]], REVIEWER)
    assert request.due_at.ToJsonString() == "2026-03-06T16:00:00Z"

    answered = await stub.AnswerClarification(
        pb.AnswerClarificationRequest(
            application_id=application_id,
            number=1,
            answers=[pb.ItemAnswer(criterion=CLAIMED[0], answer="9.2 to 5.0", document_uris=["https://docs/9"])],
            request_id=new_id(),
        )
    )
    assert answered.application.clarification_requests[0].answered_by == PARTNER
    reported = await report(stub, application_id)
    assert reported.application.expert_reports[0].result == pb.REVIEW_RESULT_PASS
    decided = await decide(stub, application_id)
    assert decided.application.status == pb.APPLICATION_STATUS_AWAITING_PRE_CHECK
    assert decided.application.decisions[0].meeting_reference == "SIG-2026-03"
    checked = await stub.PreCheckCertificate(
        pb.PreCheckCertificateRequest(application_id=application_id, details=DETAILS, request_id=new_id())
    )
    assert checked.application.status == pb.APPLICATION_STATUS_AWAITING_PARTNER_CONFIRMATION

    confirmed = await stub.ConfirmCertificate(pb.ConfirmCertificateRequest(application_id=application_id, request_id=new_id()))

    assert confirmed.application.status == pb.APPLICATION_STATUS_CERTIFIED
    assert confirmed.application.certificate_id == confirmed.certificate.certificate_id
    assert confirmed.certificate.status == pb.CERTIFICATE_STATUS_VALID
    assert confirmed.certificate.details == DETAILS
    assert confirmed.certificate.valid_until.ToJsonString() == "2027-03-01T09:00:00Z"


async def test_several_clarification_requests_are_open_and_answered_one_by_one(stub, application_id):
    for items in ([CLAIMED[0]], ["service-content.operations"]):
        await stub.RequestClarification(
            pb.RequestClarificationRequest(
                application_id=application_id, items=items, question="?", request_id=new_id()
            )
        )
    await report(stub, application_id)

    answered = await stub.AnswerClarification(
        pb.AnswerClarificationRequest(
            application_id=application_id,
            number=2,
            answers=[pb.ItemAnswer(criterion="service-content.operations", answer="daily checks")],
            request_id=new_id(),
        )
    )

    requests = answered.application.clarification_requests
    assert [(r.number, r.HasField("answered_by")) for r in requests] == [(1, False), (2, True)]
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await decide(stub, application_id)
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert raised.value.details().endswith("clarification request 1 is not answered yet")


async def test_a_command_in_a_wrong_step_is_failed_precondition_naming_the_step(stub, application_id):
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.ConfirmCertificate(pb.ConfirmCertificateRequest(application_id=application_id, request_id=new_id()))
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert raised.value.details() == (
        f"application '{application_id}' is at step 'in_review':"
        " the partner confirms the details only in step 'awaiting_partner_confirmation'"
    )


async def test_a_command_with_a_bad_id_names_the_field(stub):
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.RecordBoardDecision(pb.RecordBoardDecisionRequest(application_id="nope", meeting_reference="m", request_id="r-1"))
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert violations(raised.value) == [("application_id", "must be a UUID")]


async def test_the_actor_recorded_is_the_token_subject_in_the_role_it_acts_in(stub, application_id):
    requested = await stub.RequestClarification(
        pb.RequestClarificationRequest(
            application_id=application_id, items=[CLAIMED[0]], question="?", request_id=new_id()
        ),
        metadata=ISSUER.metadata("operator", "reviewer", subject="u-reviewer-9"),
    )
    [request] = requested.application.clarification_requests
    assert request.requested_by == pb.Actor(user_id="u-reviewer-9", role=pb.ROLE_REVIEWER)


async def test_a_role_the_step_does_not_admit_is_permission_denied(stub, application_id):
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.SubmitExpertReport(
            pb.SubmitExpertReportRequest(application_id=application_id, summary="s", request_id="r-1"),
            metadata=ISSUER.metadata("reviewer", "partner", partner_id="partner-7"),
        )
    assert raised.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_another_partners_application_is_answered_as_an_unknown_one(stub, application_id):
    other_partner = ISSUER.metadata("partner", partner_id="partner-8")
    unknown = str(uuid4())
    answers = [pb.ItemAnswer(criterion=CLAIMED[0], answer="a")]
    calls = [
        lambda target: stub.GetApplication(pb.GetApplicationRequest(application_id=target), metadata=other_partner),
        lambda target: stub.AnswerClarification(
            pb.AnswerClarificationRequest(application_id=target, number=1, answers=answers, request_id="r-1"),
            metadata=other_partner,
        ),
        lambda target: stub.ConfirmCertificate(
            pb.ConfirmCertificateRequest(application_id=target, request_id=new_id()), metadata=other_partner
        ),
    ]
    for call in calls:
        answered = []
        for target in (application_id, unknown):
            with pytest.raises(grpc.aio.AioRpcError) as raised:
                await call(target)
            answered.append((raised.value.code(), raised.value.details().replace(target, "<id>")))
        assert answered[0] == answered[1] == (grpc.StatusCode.NOT_FOUND, "application <id> not found")
    # partner-7's own token still sees it.
    own = await stub.GetApplication(pb.GetApplicationRequest(application_id=application_id))
    assert own.application.partner_id == "partner-7"


async def test_content_contradicting_the_application_is_invalid_argument(stub, application_id):
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.RequestClarification(
            pb.RequestClarificationRequest(
                application_id=application_id, items=["no.such-item"], question="?", request_id=new_id()
            )
        )
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert violations(raised.value) == [("items[0]", "'no.such-item' is not an item of criteria version v1")]


async def test_unspecified_enums_are_field_violations(stub, application_id):
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.SubmitExpertReport(
            pb.SubmitExpertReportRequest(
                application_id=application_id,
                assessments=[pb.ItemAssessment(criterion=CLAIMED[0])],
                summary="s",
                request_id=new_id(),
            )
        )
    assert violations(raised.value) == [("assessments[0].assessment", "must be given"), ("result", "must be given")]


async def test_an_unknown_application_is_not_found(stub):
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.ConfirmCertificate(pb.ConfirmCertificateRequest(application_id=str(uuid4()), request_id=new_id()))
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND


async def test_verification_answers_valid_expired_revoked_and_unknown(stub, application_id, clock):
    certificate = (await certify(stub, application_id)).certificate

    valid = await stub.VerifyCertificate(pb.VerifyCertificateRequest(certificate_id=certificate.certificate_id))
    assert (valid.status, valid.holder_name) == (pb.CERTIFICATE_STATUS_VALID, DETAILS.holder_name)
    assert (valid.valid_from, valid.valid_until) == (certificate.valid_from, certificate.valid_until)
    assert not valid.HasField("ended_at")

    unknown = await stub.VerifyCertificate(pb.VerifyCertificateRequest(certificate_id=str(uuid4())))
    assert unknown == pb.VerifyCertificateResponse(status=pb.CERTIFICATE_STATUS_UNKNOWN)

    clock.advance(timedelta(days=365))
    expired = await stub.VerifyCertificate(pb.VerifyCertificateRequest(certificate_id=certificate.certificate_id))
    assert expired.status == pb.CERTIFICATE_STATUS_EXPIRED
    assert expired.ended_at == certificate.valid_until


async def test_revocation_with_a_reason_verifies_revoked(stub, application_id):
    certificate = (await certify(stub, application_id)).certificate

    revoked = await stub.RevokeCertificate(
        pb.RevokeCertificateRequest(certificate_id=certificate.certificate_id, reason="licence withdrawn")
    )

    assert revoked.certificate.status == pb.CERTIFICATE_STATUS_REVOKED
    assert revoked.certificate.revocation_reason == "licence withdrawn"
    verified = await stub.VerifyCertificate(pb.VerifyCertificateRequest(certificate_id=certificate.certificate_id))
    assert verified.status == pb.CERTIFICATE_STATUS_REVOKED
    assert verified.ended_at.ToDatetime(tzinfo=NOW.tzinfo) == NOW


async def test_recertification_lists_each_unmet_standard_and_by_how_much(stub, application_id, scheduler, clock):
    certificate = (await certify(stub, application_id)).certificate
    clock.advance(timedelta(days=337))  # 2027-02-01: the window is open
    scheduler.fire_due()

    answer = await stub.SubmitRecertification(
        pb.SubmitRecertificationRequest(
            certificate_id=certificate.certificate_id,
            evidence=pb.RecertificationEvidence(
                expert_certificates=[pb.ExpertCertificate(holder=f"j{i}", certificate="OGCA") for i in range(5)],
                tools_built=["t1", "t2", "t3"],
            ),
            request_id=new_id(),
        )
    )

    assert not answer.passed
    assert [(s.standard, s.required, s.achieved, s.short_by) for s in answer.shortfalls] == [
        ("service-experts.intermediate", 3, 0, 3),
        ("service-experts.senior", 1, 0, 1),
        ("professional-services.new", 1, 0, 1),
        ("professional-services.strengthened", 1, 0, 1),
        ("research-and-development", 3, 0, 3),
        ("community-contribution", 3, 0, 3),
    ]
    assert answer.certificate.recertification_due
    assert answer.certificate.valid_until == certificate.valid_until


PASSING = pb.RecertificationEvidence(
    expert_certificates=[pb.ExpertCertificate(holder=f"j{i}", certificate="OGCA") for i in range(5)]
    + [pb.ExpertCertificate(holder=f"m{i}", certificate="OGCP") for i in range(3)]
    + [pb.ExpertCertificate(holder="s", certificate="OGCE")],
    new_services=["n1"], strengthened_services=["s1"], bug_fixes=["b1", "b2", "b3"],
    tools_built=["t1", "t2", "t3"], merged_pull_requests=["p1", "p2", "p3"],
)


async def test_a_recertification_is_reviewed_decided_confirmed_and_renews_the_certificate_for_the_directory_and_verifiers(
    stub, application_id, scheduler, clock, providers
):
    certificate = (await certify(stub, application_id)).certificate
    clock.advance(timedelta(days=337))  # 2027-02-01: the window is open
    scheduler.fire_due()

    checked = await stub.SubmitRecertification(
        pb.SubmitRecertificationRequest(
            certificate_id=certificate.certificate_id, evidence=PASSING, request_id=new_id()
        )
    )
    assert checked.passed
    assert checked.certificate.valid_until == certificate.valid_until  # not renewed yet
    recertification = checked.certificate.recertification_application_id
    opened = (await stub.GetApplication(pb.GetApplicationRequest(application_id=recertification))).application
    assert (opened.status, opened.recertifies, opened.criteria_version) == (
        pb.APPLICATION_STATUS_IN_REVIEW, certificate.certificate_id, "recertification",
    )
    await stub.SubmitExpertReport(
        pb.SubmitExpertReportRequest(
            application_id=recertification,
            assessments=[pb.ItemAssessment(criterion=e.criterion, assessment=pb.ASSESSMENT_MET) for e in opened.evidence],
            result=pb.REVIEW_RESULT_PASS,
            summary="every standard met",
            request_id=new_id(),
        )
    )
    decided = await decide(stub, recertification)
    assert decided.application.status == pb.APPLICATION_STATUS_AWAITING_PRE_CHECK
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.ConfirmCertificate(pb.ConfirmCertificateRequest(application_id=recertification, request_id=new_id()))
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "is at step 'awaiting_pre_check'" in raised.value.details()
    renewed_details = pb.CertificateDetails(
        holder_name="Acme Database Services Ltd", service_regions=["cn-east"], languages=["zh"],
        support_plans=["24x7"],
    )
    await stub.PreCheckCertificate(
        pb.PreCheckCertificateRequest(application_id=recertification, details=renewed_details, request_id=new_id())
    )

    confirmed = await stub.ConfirmCertificate(
        pb.ConfirmCertificateRequest(application_id=recertification, request_id="confirm-renewal")
    )

    assert confirmed.application.status == pb.APPLICATION_STATUS_RENEWED
    assert confirmed.application.certificate_id == certificate.certificate_id
    assert confirmed.certificate.certificate_id == certificate.certificate_id
    assert confirmed.certificate.valid_until.ToJsonString() == "2028-03-01T09:00:00Z"
    assert confirmed.certificate.details == renewed_details
    retried = await stub.ConfirmCertificate(
        pb.ConfirmCertificateRequest(application_id=recertification, request_id="confirm-renewal")
    )
    assert (retried.certificate, retried.duplicate, confirmed.duplicate) == (confirmed.certificate, True, False)
    verified = await stub.VerifyCertificate(pb.VerifyCertificateRequest(certificate_id=certificate.certificate_id))
    assert verified.status == pb.CERTIFICATE_STATUS_VALID
    assert verified.valid_until.ToJsonString() == "2028-03-01T09:00:00Z"
    assert verified.valid_from == certificate.valid_from
    clock.advance(timedelta(days=30))  # past the first year's end
    scheduler.fire_due()
    providers.catch_up()
    [listed] = (await stub.ListCertifiedProviders(pb.ListCertifiedProvidersRequest())).providers
    assert (listed.certificate_id, listed.partner_id) == (certificate.certificate_id, "partner-7")
    assert listed.valid_until.ToJsonString() == "2028-03-01T09:00:00Z"
    assert listed.details == renewed_details
    still = await stub.VerifyCertificate(pb.VerifyCertificateRequest(certificate_id=certificate.certificate_id))
    assert still.status == pb.CERTIFICATE_STATUS_VALID


async def test_revoking_a_certificate_under_recertification_closes_the_application_with_the_reason(
    stub, application_id, scheduler, clock
):
    certificate = (await certify(stub, application_id)).certificate
    clock.advance(timedelta(days=337))  # 2027-02-01: the window is open
    scheduler.fire_due()
    checked = await stub.SubmitRecertification(
        pb.SubmitRecertificationRequest(
            certificate_id=certificate.certificate_id, evidence=PASSING, request_id=new_id()
        )
    )
    recertification = checked.certificate.recertification_application_id

    await stub.RevokeCertificate(
        pb.RevokeCertificateRequest(certificate_id=certificate.certificate_id, reason="licence withdrawn")
    )

    closed = (await stub.GetApplication(pb.GetApplicationRequest(application_id=recertification))).application
    assert (closed.status, closed.closed_reason) == (pb.APPLICATION_STATUS_CLOSED, "licence withdrawn")
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await decide(stub, recertification)
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "is at step 'closed'" in raised.value.details()


async def test_recertification_before_the_window_is_failed_precondition(stub, application_id):
    certificate = (await certify(stub, application_id)).certificate
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.SubmitRecertification(
            pb.SubmitRecertificationRequest(certificate_id=certificate.certificate_id, request_id=new_id())
        )
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert f"certificate '{certificate.certificate_id}' is at step 'valid'" in raised.value.details()


async def test_the_directory_lists_valid_certificates_with_filters_and_no_secrets(
    stub, certification, make_eligible, register, providers
):
    make_eligible()
    first, second, revoked = (str(register()) for _ in range(3))
    await certify(stub, first)
    await report(stub, second)
    await decide(stub, second)
    await stub.PreCheckCertificate(
        pb.PreCheckCertificateRequest(
            application_id=second,
            details=pb.CertificateDetails(
                holder_name="Beta Data Ltd.", service_regions=["South China"], languages=["zh"], support_plans=["5x8"]
            ),
            request_id=new_id(),
        )
    )
    await stub.ConfirmCertificate(pb.ConfirmCertificateRequest(application_id=second, request_id=new_id()))
    await certify(stub, revoked)
    await stub.RevokeCertificate(
        pb.RevokeCertificateRequest(
            certificate_id=str(certificate_id(UUID(revoked))), reason="r"
        )
    )
    providers.catch_up()

    everyone = await stub.ListCertifiedProviders(pb.ListCertifiedProvidersRequest())
    assert [p.details.holder_name for p in everyone.providers] == [DETAILS.holder_name, "Beta Data Ltd."]
    assert everyone.providers[0].details == DETAILS
    assert set(pb.CertifiedProvider.DESCRIPTOR.fields_by_name) == {
        "certificate_id", "partner_id", "details", "valid_until"
    }
    east = await stub.ListCertifiedProviders(pb.ListCertifiedProvidersRequest(service_region="East China"))
    assert [p.details.holder_name for p in east.providers] == [DETAILS.holder_name]
    south_zh_5x8 = await stub.ListCertifiedProviders(
        pb.ListCertifiedProvidersRequest(service_region="South China", language="zh", support_plan="5x8")
    )
    assert [p.details.holder_name for p in south_zh_5x8.providers] == ["Beta Data Ltd."]
    nobody = await stub.ListCertifiedProviders(pb.ListCertifiedProvidersRequest(language="en", support_plan="9x5"))
    assert list(nobody.providers) == []

    page = await stub.ListCertifiedProviders(pb.ListCertifiedProvidersRequest(page_size=1))
    rest = await stub.ListCertifiedProviders(pb.ListCertifiedProvidersRequest(page_size=1, page_token=page.next_page_token))
    assert [p.details.holder_name for p in (*page.providers, *rest.providers)] == [DETAILS.holder_name, "Beta Data Ltd."]
    assert rest.next_page_token == ""


async def test_the_directory_drops_an_expired_certificate(stub, application_id, providers, scheduler, clock):
    await certify(stub, application_id)
    providers.catch_up()
    assert len((await stub.ListCertifiedProviders(pb.ListCertifiedProvidersRequest())).providers) == 1

    clock.advance(timedelta(days=365))
    scheduler.fire_due()
    providers.catch_up()

    assert list((await stub.ListCertifiedProviders(pb.ListCertifiedProvidersRequest())).providers) == []


async def test_a_deadline_past_the_calendars_data_is_failed_precondition_saying_what_to_add(
    stub, application_id, clock
):
    clock.advance(timedelta(days=302))  # 2026-12-28: five working days reach into 2027
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.RequestClarification(
            pb.RequestClarificationRequest(
                application_id=application_id, items=[CLAIMED[0]], question="?", request_id=new_id()
            )
        )
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "add the year 2027 with an operator override file" in raised.value.details()
    got = await stub.GetApplication(pb.GetApplicationRequest(application_id=application_id))
    assert list(got.application.clarification_requests) == []
