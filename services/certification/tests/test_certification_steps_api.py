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

from .conftest import NOW

PARTNER = pb.Actor(user_id="u-partner", role=pb.ROLE_PARTNER)
REVIEWER = pb.Actor(user_id="u-reviewer", role=pb.ROLE_REVIEWER)
EXPERT = pb.Actor(user_id="u-expert", role=pb.ROLE_EXPERT)
SECRETARY = pb.Actor(user_id="u-sig", role=pb.ROLE_SIG_SECRETARY)
OPERATOR = pb.Actor(user_id="u-community", role=pb.ROLE_COMMUNITY_OPERATOR)
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


async def report(stub, application_id: str) -> pb.SubmitExpertReportResponse:
    return await stub.SubmitExpertReport(
        pb.SubmitExpertReportRequest(
            application_id=application_id,
            actor=EXPERT,
            assessments=[pb.ItemAssessment(criterion=c, assessment=pb.ASSESSMENT_MET) for c in CLAIMED],
            result=pb.REVIEW_RESULT_PASS,
            summary="meets the criteria",
        )
    )


async def decide(stub, application_id: str, decision=pb.BOARD_DECISION_APPROVE):
    return await stub.RecordBoardDecision(
        pb.RecordBoardDecisionRequest(
            application_id=application_id, actor=SECRETARY, decision=decision, meeting_reference="SIG-2026-03"
        )
    )


async def certify(stub, application_id: str) -> pb.ConfirmCertificateResponse:
    await report(stub, application_id)
    await decide(stub, application_id)
    await stub.PreCheckCertificate(
        pb.PreCheckCertificateRequest(application_id=application_id, actor=OPERATOR, details=DETAILS)
    )
    return await stub.ConfirmCertificate(pb.ConfirmCertificateRequest(application_id=application_id, actor=PARTNER))


async def test_an_application_goes_through_review_decision_and_issuance(stub, application_id):
    requested = await stub.RequestClarification(
        pb.RequestClarificationRequest(
            application_id=application_id, actor=REVIEWER, items=[CLAIMED[0]], question="which versions?"
        )
    )
    [request] = requested.application.clarification_requests
    assert (request.number, list(request.items), request.requested_by) == (1, [CLAIMED[0]], REVIEWER)
    assert request.due_at.ToJsonString() == "2026-03-06T16:00:00Z"

    answered = await stub.AnswerClarification(
        pb.AnswerClarificationRequest(
            application_id=application_id,
            actor=PARTNER,
            number=1,
            answers=[pb.ItemAnswer(criterion=CLAIMED[0], answer="9.2 to 5.0", document_uris=["https://docs/9"])],
        )
    )
    assert answered.application.clarification_requests[0].answered_by == PARTNER
    reported = await report(stub, application_id)
    assert reported.application.expert_reports[0].result == pb.REVIEW_RESULT_PASS
    decided = await decide(stub, application_id)
    assert decided.application.status == pb.APPLICATION_STATUS_AWAITING_PRE_CHECK
    assert decided.application.decisions[0].meeting_reference == "SIG-2026-03"
    checked = await stub.PreCheckCertificate(
        pb.PreCheckCertificateRequest(application_id=application_id, actor=OPERATOR, details=DETAILS)
    )
    assert checked.application.status == pb.APPLICATION_STATUS_AWAITING_PARTNER_CONFIRMATION

    confirmed = await stub.ConfirmCertificate(pb.ConfirmCertificateRequest(application_id=application_id, actor=PARTNER))

    assert confirmed.application.status == pb.APPLICATION_STATUS_CERTIFIED
    assert confirmed.application.certificate_id == confirmed.certificate.certificate_id
    assert confirmed.certificate.status == pb.CERTIFICATE_STATUS_VALID
    assert confirmed.certificate.details == DETAILS
    assert confirmed.certificate.valid_until.ToJsonString() == "2027-03-01T09:00:00Z"


async def test_a_command_in_a_wrong_step_is_failed_precondition_naming_the_step(stub, application_id):
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.ConfirmCertificate(pb.ConfirmCertificateRequest(application_id=application_id, actor=PARTNER))
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert raised.value.details() == (
        f"application '{application_id}' is at step 'in_review':"
        " the partner confirms the details only in step 'awaiting_partner_confirmation'"
    )


async def test_a_command_without_actor_or_with_a_bad_id_names_every_field(stub):
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.RecordBoardDecision(pb.RecordBoardDecisionRequest(application_id="nope", meeting_reference="m"))
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert violations(raised.value) == [
        ("application_id", "must be a UUID"),
        ("actor.user_id", "required"),
        ("actor.role", "must be given"),
    ]


async def test_content_contradicting_the_application_is_invalid_argument(stub, application_id):
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.RequestClarification(
            pb.RequestClarificationRequest(
                application_id=application_id, actor=REVIEWER, items=["no.such-item"], question="?"
            )
        )
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert violations(raised.value) == [("items[0]", "'no.such-item' is not an item of criteria version v1")]


async def test_unspecified_enums_are_field_violations(stub, application_id):
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.SubmitExpertReport(
            pb.SubmitExpertReportRequest(
                application_id=application_id,
                actor=EXPERT,
                assessments=[pb.ItemAssessment(criterion=CLAIMED[0])],
                summary="s",
            )
        )
    assert violations(raised.value) == [("assessments[0].assessment", "must be given"), ("result", "must be given")]


async def test_an_unknown_application_is_not_found(stub):
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.ConfirmCertificate(pb.ConfirmCertificateRequest(application_id=str(uuid4()), actor=PARTNER))
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
        pb.RevokeCertificateRequest(certificate_id=certificate.certificate_id, actor=OPERATOR, reason="licence withdrawn")
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
            actor=PARTNER,
            evidence=pb.RecertificationEvidence(
                expert_certificates=[pb.ExpertCertificate(holder=f"j{i}", certificate="OGCA") for i in range(5)],
                tools_built=["t1", "t2", "t3"],
            ),
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


async def test_recertification_before_the_window_is_failed_precondition(stub, application_id):
    certificate = (await certify(stub, application_id)).certificate
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.SubmitRecertification(
            pb.SubmitRecertificationRequest(certificate_id=certificate.certificate_id, actor=PARTNER)
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
            actor=OPERATOR,
            details=pb.CertificateDetails(
                holder_name="Beta Data Ltd.", service_regions=["South China"], languages=["zh"], support_plans=["5x8"]
            ),
        )
    )
    await stub.ConfirmCertificate(pb.ConfirmCertificateRequest(application_id=second, actor=PARTNER))
    await certify(stub, revoked)
    await stub.RevokeCertificate(
        pb.RevokeCertificateRequest(
            certificate_id=str(certificate_id(UUID(revoked))), actor=OPERATOR, reason="r"
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
                application_id=application_id, actor=REVIEWER, items=[CLAIMED[0]], question="?"
            )
        )
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "add the year 2027 with an operator override file" in raised.value.details()
    got = await stub.GetApplication(pb.GetApplicationRequest(application_id=application_id))
    assert list(got.application.clarification_requests) == []
