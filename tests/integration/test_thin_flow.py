"""The thin flow: intake records a submission, certification registers and answers it."""

from __future__ import annotations

import grpc
from google.protobuf import json_format
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from servicehub.billing.v1 import billing_pb2
from servicehub.certification.v1 import certification_pb2
from servicehub.events.v1 import intake_pb2 as events
from servicehub.intake.v1 import intake_pb2
from servicehub.sla.v1 import sla_pb2


def submission(key: str, partner_id: str = "partner-7") -> intake_pb2.SubmitApplicationRequest:
    return intake_pb2.SubmitApplicationRequest(
        idempotency_key=key,
        partner_id=partner_id,
        partner_name="Acme Database Services",
        corporate_email="certification@acme-db.example",
        evidence=[
            events.Evidence(
                criterion="service-content.migration",
                summary="12 Oracle-to-openGauss migrations in 2026",
                document_uri="https://docs.acme-db.example/migrations.pdf",
            )
        ],
    )


async def get_application(clients, application_id: str):
    response = await clients["certification"].GetApplication(
        certification_pb2.GetApplicationRequest(application_id=application_id), timeout=5
    )
    return response.application


async def test_grpc_submission_reaches_certification_once(clients, helpers, bootstrap_servers):
    key = helpers.unique("grpc")
    first = await clients["intake"].SubmitApplication(submission(key), timeout=10)
    again = await clients["intake"].SubmitApplication(submission(key), timeout=10)

    assert (first.duplicate, again.duplicate) == (False, True)
    assert again.application_id == first.application_id
    application = await helpers.eventually(
        lambda: get_application(clients, first.application_id), what="application registered"
    )
    assert application.partner_name == "Acme Database Services"
    # partner-7 never registered with certification: the application is kept, marked why
    assert application.status == certification_pb2.APPLICATION_STATUS_PARTNER_NOT_ELIGIBLE
    assert [(r.field, r.reason) for r in application.partner_ineligibility] == [
        ("partner_id", "partner 'partner-7' is not registered")
    ]
    assert [e.criterion for e in application.evidence] == ["service-content.migration"]
    published = [
        r for r in await helpers.read_topic(bootstrap_servers, "intake.application-submitted.v1")
        if r.key == first.application_id.encode()
    ]
    assert len(published) == 1, "the same idempotency key must publish one ApplicationSubmitted"


async def test_an_eligible_partners_submission_proceeds_to_review(clients, helpers):
    """Steps 1–2 over certification's gRPC API, then a submission through intake."""
    partner = helpers.unique("partner")
    certification = clients["certification"]
    await certification.RegisterPartner(
        certification_pb2.RegisterPartnerRequest(
            partner_id=partner, name="Acme Database Services", declared_domains=["acme-db.example"]
        ),
        timeout=10,
    )
    await certification.SignCla(
        certification_pb2.SignClaRequest(partner_id=partner, cla_version="2.0"), timeout=10
    )
    verdict = await certification.SubmitEnterpriseInformation(
        certification_pb2.SubmitEnterpriseInformationRequest(
            partner_id=partner,
            company_name="Acme Database Services Co., Ltd.",
            business_licence_document="https://docs.acme-db.example/licence.pdf",
            unified_social_credit_code="91310115MA1K4Q7B4Y",
            corporate_email="certification@acme-db.example",
        ),
        timeout=10,
    )
    assert verdict.partner.step == certification_pb2.PARTNER_STEP_ELIGIBLE

    receipt = await clients["intake"].SubmitApplication(
        submission(helpers.unique("eligible"), partner_id=partner), timeout=10
    )
    application = await helpers.eventually(
        lambda: get_application(clients, receipt.application_id), what="application registered"
    )
    assert application.status == certification_pb2.APPLICATION_STATUS_IN_REVIEW
    assert list(application.partner_ineligibility) == []
    assert application.criteria_version == "v1"
    assert "service-content.migration" not in {g.criterion for g in application.evidence_gaps}
    assert len(application.evidence_gaps) == 19  # v1's other required items


async def list_applications(clients) -> list:
    applications, token = [], ""
    while True:
        response = await clients["certification"].ListApplications(
            certification_pb2.ListApplicationsRequest(page_size=1000, page_token=token), timeout=10
        )
        applications += response.applications
        token = response.next_page_token
        if not token:
            return applications


async def test_published_submission_reaches_certification_once(clients, helpers, producer):
    """An internal system publishes the same request twice to intake's inbound topic."""
    partner = helpers.unique("partner")
    kafka_key = partner.encode()  # one partition: the sentinel is consumed after both copies

    async def publish(request, ce_id: str) -> None:
        headers = [
            ("ce_specversion", b"1.0"),
            ("ce_id", ce_id.encode()),
            ("ce_type", b"servicehub.intake.v1.SubmitApplicationRequest"),
            ("ce_source", b"/crm"),
            ("content-type", b"application/json"),
        ]
        body = json_format.MessageToJson(request).encode()
        await producer.send_and_wait(
            "intake.application-requests.v1", body, key=kafka_key, headers=headers
        )

    request = submission(helpers.unique("kafka"), partner_id=partner)
    await publish(request, "first-copy")
    await publish(request, "second-copy")
    await publish(submission(helpers.unique("kafka"), partner_id=f"{partner}-sentinel"), "sentinel")

    async def sentinel_registered():
        return [a for a in await list_applications(clients) if a.partner_id == f"{partner}-sentinel"]

    await helpers.eventually(sentinel_registered, what="sentinel registered")
    registered = [a for a in await list_applications(clients) if a.partner_id == partner]
    assert len(registered) == 1
    receipt = await clients["intake"].SubmitApplication(request, timeout=10)
    assert receipt.duplicate and receipt.application_id == registered[0].application_id


async def test_invalid_submission_gets_field_violations(clients):
    bad = submission("has spaces in key")
    bad.corporate_email = "someone at example.com"
    try:
        await clients["intake"].SubmitApplication(bad, timeout=5)
    except grpc.aio.AioRpcError as error:
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        status = rpc_status.from_call(error)
    else:
        raise AssertionError("an invalid submission was accepted")
    bad_request = error_details_pb2.BadRequest()
    assert status.details[0].Unpack(bad_request)
    assert {v.field for v in bad_request.field_violations} == {"idempotency_key", "corporate_email"}


async def test_ticket_reaches_sla_and_order_reaches_billing(clients, helpers):
    ticket = await clients["intake"].OpenTicket(
        intake_pb2.OpenTicketRequest(
            idempotency_key=helpers.unique("ticket"),
            customer_id="customer-1",
            priority=events.PRIORITY_P1,
            summary="Primary database unreachable",
            service_plan="7x24",
        ),
        timeout=10,
    )
    order = await clients["intake"].OrderService(
        intake_pb2.OrderServiceRequest(
            idempotency_key=helpers.unique("order"),
            customer_id="customer-1",
            service_code="cloud-escort",
            package="standard",
            contract_signed_on="2026-12-01",
        ),
        timeout=10,
    )

    async def ticket_in_sla():
        return (await clients["sla"].GetTicket(sla_pb2.GetTicketRequest(ticket_id=ticket.ticket_id), timeout=5)).ticket

    async def project_in_billing():
        request = billing_pb2.GetProjectRequest(project_id=order.order_id)
        return (await clients["billing"].GetProject(request, timeout=5)).project

    sla_ticket = await helpers.eventually(ticket_in_sla, what="ticket in sla")
    project = await helpers.eventually(project_in_billing, what="project in billing")
    assert (sla_ticket.priority, sla_ticket.service_plan) == (events.PRIORITY_P1, "7x24")
    assert (project.service_code, project.package) == ("cloud-escort", "standard")
