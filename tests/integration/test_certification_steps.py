"""The seven steps on the real broker with real service processes: an eligible partner's
application submitted through intake is reviewed, decided, pre-checked and confirmed, with
certification SIGKILLed between the two confirmations; one certificate is issued, published
once, listed in the public directory and verified valid."""

from __future__ import annotations

import asyncio

from servicehub.certification.v1 import certification_pb2 as pb
from servicehub.events.v1 import certification_pb2 as certification_events
from servicehub.events.v1 import intake_pb2 as events
from servicehub.intake.v1 import intake_pb2

CRITERION = "service-content.migration"


async def make_eligible(certification, partner: str) -> None:
    await certification.RegisterPartner(
        pb.RegisterPartnerRequest(partner_id=partner, name="Acme Database Services", declared_domains=["acme-db.example"]),
        timeout=10,
    )
    await certification.SignCla(pb.SignClaRequest(partner_id=partner, cla_version="2.0"), timeout=10)
    verdict = await certification.SubmitEnterpriseInformation(
        pb.SubmitEnterpriseInformationRequest(
            partner_id=partner,
            company_name="Acme Database Services Co., Ltd.",
            business_licence_document="https://docs.acme-db.example/licence.pdf",
            unified_social_credit_code="91310115MA1K4Q7B4Y",
            corporate_email="certification@acme-db.example",
        ),
        timeout=10,
    )
    assert verdict.partner.step == pb.PARTNER_STEP_ELIGIBLE


async def test_an_application_goes_through_all_seven_steps_to_one_certificate_across_a_crash(
    system, clients, helpers, bootstrap_servers, issuer
):
    certification = clients["certification"]
    partner = helpers.unique("certified")
    # The partner's own steps carry its token; the staff's steps the clients' staff token.
    as_partner = issuer.metadata("partner", subject="u-partner", partner_id=partner)
    holder = f"Acme Database Services {partner}"
    await make_eligible(certification, partner)  # steps 1–2
    receipt = await clients["intake"].SubmitApplication(  # step 3
        intake_pb2.SubmitApplicationRequest(
            idempotency_key=helpers.unique("seven-steps"),
            partner_id=partner,
            partner_name="Acme Database Services",
            corporate_email="certification@acme-db.example",
            evidence=[
                events.Evidence(
                    criterion=CRITERION,
                    summary="12 Oracle-to-openGauss migrations in 2026",
                    document_uri="https://docs.acme-db.example/migrations.pdf",
                )
            ],
        ),
        timeout=10,
    )
    application_id = receipt.application_id

    async def in_review():
        application = (
            await certification.GetApplication(pb.GetApplicationRequest(application_id=application_id), timeout=5)
        ).application
        return application if application.status == pb.APPLICATION_STATUS_IN_REVIEW else None

    await helpers.eventually(in_review, what="application registered and in review")

    # Step 4: a clarification request and its answer, an expert's report.
    requested = await certification.RequestClarification(
        pb.RequestClarificationRequest(
            application_id=application_id, items=[CRITERION], question="which versions?",
            request_id="clarify-1",
        ),
        timeout=10,
    )
    assert requested.application.clarification_requests[0].HasField("due_at")
    answered = await certification.AnswerClarification(
        pb.AnswerClarificationRequest(
            application_id=application_id,
            number=1,
            answers=[pb.ItemAnswer(criterion=CRITERION, answer="Oracle 19c to openGauss 5.0")],
            request_id="answer-1",
        ),
        metadata=as_partner,
        timeout=10,
    )
    # Each actor is the verified caller, in the role the step admits.
    [clarification] = answered.application.clarification_requests
    assert (clarification.requested_by, clarification.answered_by) == (
        pb.Actor(user_id="u-staff", role=pb.ROLE_REVIEWER),
        pb.Actor(user_id="u-partner", role=pb.ROLE_PARTNER),
    )
    await certification.SubmitExpertReport(
        pb.SubmitExpertReportRequest(
            application_id=application_id,
            assessments=[pb.ItemAssessment(criterion=CRITERION, assessment=pb.ASSESSMENT_MET, comment="seen")],
            result=pb.REVIEW_RESULT_PASS,
            summary="meets the criteria",
            request_id="report-1",
        ),
        timeout=10,
    )
    # Step 5: the board approves (the secretary's retry records nothing more). Step 6: the
    # community pre-checks the details.
    decision = pb.RecordBoardDecisionRequest(
        application_id=application_id, decision=pb.BOARD_DECISION_APPROVE,
        meeting_reference="SIG-2026-11", request_id="decision:SIG-2026-11",
    )
    decided = await certification.RecordBoardDecision(decision, timeout=10)
    retried = await certification.RecordBoardDecision(decision, timeout=10)
    assert (decided.duplicate, retried.duplicate) == (False, True)
    assert len(retried.application.decisions) == 1
    details = pb.CertificateDetails(
        holder_name=holder, service_regions=["East China"], languages=["zh"], support_plans=["7x24"]
    )
    await certification.PreCheckCertificate(
        pb.PreCheckCertificateRequest(application_id=application_id, details=details, request_id="pre-check-1"),
        timeout=10,
    )

    # A crash between the two confirmations.
    system["certification"].kill()
    await asyncio.to_thread(system["certification"].start().wait_serving)
    after_crash = (
        await certification.GetApplication(pb.GetApplicationRequest(application_id=application_id), timeout=10)
    ).application
    assert after_crash.status == pb.APPLICATION_STATUS_AWAITING_PARTNER_CONFIRMATION
    assert after_crash.certificate_details == details
    assert len(after_crash.clarification_requests) == 1 and len(after_crash.expert_reports) == 1

    # Step 7: the partner confirms (and, retrying, confirms again).
    confirm = pb.ConfirmCertificateRequest(application_id=application_id, request_id="confirm-1")
    confirmed = await certification.ConfirmCertificate(confirm, metadata=as_partner, timeout=10)
    again = await certification.ConfirmCertificate(confirm, metadata=as_partner, timeout=10)
    certificate_id = confirmed.certificate.certificate_id
    assert again.certificate.certificate_id == certificate_id
    assert (confirmed.duplicate, again.duplicate) == (False, True)
    assert confirmed.certificate.status == pb.CERTIFICATE_STATUS_VALID

    async def issued_records():
        records = await helpers.read_topic(bootstrap_servers, "certification.certificate-issued.v1")
        mine = [r for r in records if r.key == certificate_id.encode()]
        return mine or None

    [record] = await helpers.eventually(issued_records, what="CertificateIssued published")
    message = certification_events.CertificateIssued.FromString(record.value)
    assert (message.application_id, message.partner_id, message.holder_name) == (application_id, partner, holder)

    async def listed():
        response = await certification.ListCertifiedProviders(
            pb.ListCertifiedProvidersRequest(service_region="East China", page_size=1000), timeout=10
        )
        return [p for p in response.providers if p.partner_id == partner] or None

    [provider] = await helpers.eventually(listed, what="the directory lists the partner")
    assert (provider.certificate_id, provider.details) == (certificate_id, details)

    verified = await certification.VerifyCertificate(pb.VerifyCertificateRequest(certificate_id=certificate_id), timeout=10)
    assert verified.status == pb.CERTIFICATE_STATUS_VALID
    assert verified.holder_name == holder
    assert verified.valid_until == confirmed.certificate.valid_until


async def test_an_application_held_for_its_partner_proceeds_once_the_partner_is_eligible(clients, helpers):
    """Submitted through intake before the partner registered: kept, marked, and re-screened
    by the running service once the partner has done steps 1–2; the marks stay in history."""
    certification = clients["certification"]
    partner = helpers.unique("late-partner")
    receipt = await clients["intake"].SubmitApplication(
        intake_pb2.SubmitApplicationRequest(
            idempotency_key=helpers.unique("held"),
            partner_id=partner,
            partner_name="Acme Database Services",
            corporate_email="certification@acme-db.example",
            evidence=[events.Evidence(criterion=CRITERION, summary="12 migrations", document_uri="https://d/1")],
        ),
        timeout=10,
    )
    request = pb.GetApplicationRequest(application_id=receipt.application_id)

    async def status_is(status):
        application = (await certification.GetApplication(request, timeout=5)).application
        return application if application.status == status else None

    await helpers.eventually(lambda: status_is(pb.APPLICATION_STATUS_PARTNER_NOT_ELIGIBLE), what="application held")
    await make_eligible(certification, partner)

    released = await helpers.eventually(lambda: status_is(pb.APPLICATION_STATUS_IN_REVIEW), what="application released")
    assert [[r.field for r in s.partner_ineligibility] for s in released.screenings] == [["partner_id"], []]
