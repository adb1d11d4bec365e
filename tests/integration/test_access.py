"""Who may call what, over the real services with authentication on.

The cross-tenant matrix: partner and customer B own real records (an application, a
certificate, a ticket, a project, an invoice); a token of partner/customer A asking for any of them —
to read or to write — is answered exactly as for an id that does not exist. Every method
without a token (or with a forged one) is UNAUTHENTICATED, except the public ones.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest
from google.protobuf.message_factory import GetMessageClass

from servicehub.billing.v1 import billing_pb2
from servicehub.certification.v1 import certification_pb2 as cert
from servicehub.events.v1 import contract_pb2
from servicehub.events.v1 import intake_pb2 as events
from servicehub.intake.v1 import intake_pb2
from servicehub.sla.v1 import sla_pb2
from servicehub_localinfra.tokens import TokenIssuer

SERVICES = {
    "intake": intake_pb2.DESCRIPTOR.services_by_name["IntakeService"],
    "sla": sla_pb2.DESCRIPTOR.services_by_name["SlaService"],
    "certification": cert.DESCRIPTOR.services_by_name["CertificationService"],
    "billing": billing_pb2.DESCRIPTOR.services_by_name["BillingService"],
}
CRITERION = "service-content.migration"
DETAILS = cert.CertificateDetails(
    holder_name="Tenant B Services", service_regions=["East China"], languages=["zh"], support_plans=["7x24"]
)


@dataclass(frozen=True)
class TenantB:
    partner_id: str
    application_id: str
    certificate_id: str
    customer_id: str
    ticket_id: str
    project_id: str
    invoice_id: str


async def make_eligible(certification, partner: str) -> None:
    await certification.RegisterPartner(
        cert.RegisterPartnerRequest(partner_id=partner, name="Tenant Services", declared_domains=["tenant.example"]),
        timeout=10,
    )
    await certification.SignCla(cert.SignClaRequest(partner_id=partner, cla_version="2.0"), timeout=10)
    await certification.SubmitEnterpriseInformation(
        cert.SubmitEnterpriseInformationRequest(
            partner_id=partner,
            company_name="Tenant Services Co., Ltd.",
            business_licence_document="https://docs.tenant.example/licence.pdf",
            unified_social_credit_code="91310115MA1K4Q7B4Y",
            corporate_email="certification@tenant.example",
        ),
        timeout=10,
    )


@pytest.fixture
async def tenant_b(clients, helpers, issuer: TokenIssuer) -> TenantB:
    """Partner B with a certified application, customer B with a ticket and a project."""
    certification, intake = clients["certification"], clients["intake"]
    partner = helpers.unique("partner-b")
    await make_eligible(certification, partner)
    receipt = await intake.SubmitApplication(
        intake_pb2.SubmitApplicationRequest(
            idempotency_key=helpers.unique("b-app"),
            partner_id=partner,
            partner_name="Tenant Services",
            corporate_email="certification@tenant.example",
            evidence=[events.Evidence(criterion=CRITERION, summary="12 migrations", document_uri="https://d/1")],
        ),
        timeout=10,
    )
    application_id = receipt.application_id

    async def in_review():
        request = cert.GetApplicationRequest(application_id=application_id)
        application = (await certification.GetApplication(request, timeout=5)).application
        return application.status == cert.APPLICATION_STATUS_IN_REVIEW

    await helpers.eventually(in_review, what="B's application in review")
    await certification.SubmitExpertReport(
        cert.SubmitExpertReportRequest(
            application_id=application_id,
            assessments=[cert.ItemAssessment(criterion=CRITERION, assessment=cert.ASSESSMENT_MET)],
            result=cert.REVIEW_RESULT_PASS,
            summary="fine",
            request_id="report-1",
        ),
        timeout=10,
    )
    await certification.RecordBoardDecision(
        cert.RecordBoardDecisionRequest(
            application_id=application_id, decision=cert.BOARD_DECISION_APPROVE, meeting_reference="SIG-1",
            request_id="decision:SIG-1",
        ),
        timeout=10,
    )
    await certification.PreCheckCertificate(
        cert.PreCheckCertificateRequest(application_id=application_id, details=DETAILS, request_id="pre-check-1"),
        timeout=10,
    )
    confirmed = await certification.ConfirmCertificate(
        cert.ConfirmCertificateRequest(application_id=application_id, request_id="confirm-1"),
        metadata=issuer.metadata("partner", partner_id=partner),
        timeout=10,
    )

    customer = helpers.unique("customer-b")
    ticket = await intake.OpenTicket(
        intake_pb2.OpenTicketRequest(
            idempotency_key=helpers.unique("b-ticket"), customer_id=customer,
            priority=events.PRIORITY_P4, summary="slow queries", service_plan="7x24",
        ),
        timeout=10,
    )
    signed_on = (datetime.now(UTC) - timedelta(days=2)).date().isoformat()
    order = await intake.OrderService(
        intake_pb2.OrderServiceRequest(
            idempotency_key=helpers.unique("b-order"), customer_id=customer,
            # No acceptance window: handing in and accepting now needs no calendar data for today.
            service_code="stability-capacity-planning", package="standard", contract_signed_on=signed_on,
        ),
        timeout=10,
    )
    as_b = issuer.metadata("customer", customer_id=customer)

    async def arrived():
        # B itself sees its records: the refusals below are about A, not about missing data.
        got_ticket = await clients["sla"].GetTicket(
            sla_pb2.GetTicketRequest(ticket_id=ticket.ticket_id), metadata=as_b, timeout=5
        )
        got_project = await clients["billing"].GetProject(
            billing_pb2.GetProjectRequest(project_id=order.order_id), metadata=as_b, timeout=5
        )
        return got_ticket.ticket.customer_id == got_project.project.customer_id == customer

    await helpers.eventually(arrived, what="B's ticket in sla and project in billing")
    # The provider hands the final deliverable in, B accepts it: an invoice is issued to B.
    final = dict(project_id=order.order_id, deliverable="package")
    await clients["billing"].SubmitDeliverable(billing_pb2.SubmitDeliverableRequest(**final), timeout=10)
    await clients["billing"].AcceptDeliverable(
        billing_pb2.AcceptDeliverableRequest(**final), metadata=as_b, timeout=10
    )
    project = await clients["billing"].GetProject(
        billing_pb2.GetProjectRequest(project_id=order.order_id), metadata=as_b, timeout=10
    )
    assert project.project.invoice_id
    return TenantB(
        partner, application_id, confirmed.certificate.certificate_id, customer, ticket.ticket_id,
        order.order_id, project.project.invoice_id,
    )


def tenant_calls(b: TenantB) -> dict[str, tuple[str, Callable[[str], Any], str]]:
    """For each method a partner or customer may call: (tenant role, request naming a target,
    B's target). Another partner's or customer's target must look exactly like an unknown one."""
    answers = [cert.ItemAnswer(criterion=CRITERION, answer="a")]
    return {
        "IntakeService.SubmitApplication": ("partner", lambda t: intake_pb2.SubmitApplicationRequest(
            idempotency_key=str(uuid.uuid4()), partner_id=t, partner_name="A", corporate_email="a@tenant.example",
            evidence=[events.Evidence(criterion=CRITERION, summary="s", document_uri="https://d/2")],
        ), b.partner_id),
        "IntakeService.OpenTicket": ("customer", lambda t: intake_pb2.OpenTicketRequest(
            idempotency_key=str(uuid.uuid4()), customer_id=t, priority=events.PRIORITY_P4, summary="s",
            service_plan="7x24",
        ), b.customer_id),
        "IntakeService.OrderService": ("customer", lambda t: intake_pb2.OrderServiceRequest(
            idempotency_key=str(uuid.uuid4()), customer_id=t, service_code="cloud-escort", package="standard",
            contract_signed_on="2026-12-01",
        ), b.customer_id),
        "SlaService.GetTicket": ("customer", lambda t: sla_pb2.GetTicketRequest(ticket_id=t), b.ticket_id),
        "SlaService.GetAvailability": ("customer", lambda t: sla_pb2.GetAvailabilityRequest(
            period="2026", customer_id=t), b.customer_id),
        "BillingService.GetProject": ("customer", lambda t: billing_pb2.GetProjectRequest(project_id=t), b.project_id),
        "BillingService.GetInvoice": ("customer", lambda t: billing_pb2.GetInvoiceRequest(invoice_id=t), b.invoice_id),
        "BillingService.AcceptDeliverable": ("customer", lambda t: billing_pb2.AcceptDeliverableRequest(
            project_id=t, deliverable="package"), b.project_id),
        "BillingService.RaisePoints": ("customer", lambda t: billing_pb2.RaisePointsRequest(
            project_id=t, deliverable="package", points=["the report is missing"]), b.project_id),
        "BillingService.MarkInProduction": ("customer", lambda t: billing_pb2.MarkInProductionRequest(
            project_id=t, deliverable="package"), b.project_id),
        "BillingService.ListInvoices": ("customer", lambda t: billing_pb2.ListInvoicesRequest(
            customer_id=t), b.customer_id),
        "BillingService.ListCreditNotes": ("customer", lambda t: billing_pb2.ListCreditNotesRequest(
            customer_id=t), b.customer_id),
        "CertificationService.RegisterPartner": ("partner", lambda t: cert.RegisterPartnerRequest(
            partner_id=t, name="A", declared_domains=["tenant.example"]), b.partner_id),
        "CertificationService.SignCla": ("partner", lambda t: cert.SignClaRequest(
            partner_id=t, cla_version="3.0"), b.partner_id),
        "CertificationService.SubmitEnterpriseInformation": ("partner", lambda t: cert.SubmitEnterpriseInformationRequest(
            partner_id=t, company_name="A", business_licence_document="https://d/3",
            unified_social_credit_code="91310115MA1K4Q7B4Y", corporate_email="a@tenant.example",
        ), b.partner_id),
        "CertificationService.GetPartner": ("partner", lambda t: cert.GetPartnerRequest(partner_id=t), b.partner_id),
        "CertificationService.GetApplication": ("partner", lambda t: cert.GetApplicationRequest(
            application_id=t), b.application_id),
        "CertificationService.AnswerClarification": ("partner", lambda t: cert.AnswerClarificationRequest(
            application_id=t, number=1, answers=answers, request_id="answer-1"), b.application_id),
        "CertificationService.ConfirmCertificate": ("partner", lambda t: cert.ConfirmCertificateRequest(
            application_id=t, request_id="confirm-1"), b.application_id),
        "CertificationService.SubmitRecertification": ("partner", lambda t: cert.SubmitRecertificationRequest(
            certificate_id=t, request_id="recertify-1"), b.certificate_id),
    }


def unknown_like(target: str) -> str:
    try:
        uuid.UUID(target)
    except ValueError:
        return f"unknown-{uuid.uuid4().hex[:12]}"
    return str(uuid.uuid4())


def access(service: str, method: str) -> contract_pb2.Access:
    options = SERVICES[service].methods_by_name[method].GetOptions()
    return options.Extensions[contract_pb2.access]


async def answer(call, request, metadata) -> tuple[grpc.StatusCode, str]:
    try:
        await call(request, metadata=metadata, timeout=10)
    except grpc.aio.AioRpcError as error:
        return error.code(), error.details()
    return grpc.StatusCode.OK, ""


async def test_a_tenant_asking_for_another_tenants_record_gets_what_an_unknown_id_gets(
    clients, tenant_b: TenantB, issuer: TokenIssuer, helpers
):
    tokens = {
        "partner": issuer.metadata("partner", partner_id=helpers.unique("partner-a")),
        "customer": issuer.metadata("customer", customer_id=helpers.unique("customer-a")),
    }
    calls = tenant_calls(tenant_b)
    checked = []
    for service, descriptor in SERVICES.items():
        for method in descriptor.methods:
            name = f"{descriptor.name}.{method.name}"
            rule = access(service, method.name)
            call = getattr(clients[service], method.name)
            for role, metadata in tokens.items():
                if rule.public:
                    continue
                if role not in rule.roles:
                    code, _ = await answer(call, GetMessageClass(method.input_type)(), metadata)
                    assert code == grpc.StatusCode.PERMISSION_DENIED, (name, role)
                    checked.append((name, role, "PERMISSION_DENIED"))
                    continue
                tenant_role, request_for, target = calls[name]  # KeyError: a tenant method without a case
                assert tenant_role == role, name
                unknown = unknown_like(target)
                code_b, details_b = await answer(call, request_for(target), metadata)
                code_unknown, details_unknown = await answer(call, request_for(unknown), metadata)
                assert code_b == grpc.StatusCode.NOT_FOUND, (name, details_b)
                assert details_b.replace(target, "<id>") == details_unknown.replace(unknown, "<id>"), name
                checked.append((name, role, "NOT_FOUND"))
    assert {name for name, _, outcome in checked if outcome == "NOT_FOUND"} == set(calls)

    # Nothing of B's changed: its certificate is still valid, its partner still on CLA 2.0.
    partner = await clients["certification"].GetPartner(
        cert.GetPartnerRequest(partner_id=tenant_b.partner_id), timeout=10
    )
    assert (partner.partner.cla_version, partner.partner.company_name) == ("2.0", "Tenant Services Co., Ltd.")
    verified = await clients["certification"].VerifyCertificate(
        cert.VerifyCertificateRequest(certificate_id=tenant_b.certificate_id), timeout=10
    )
    assert verified.status == cert.CERTIFICATE_STATUS_VALID


@pytest.mark.parametrize("credentials", ["none", "forged", "expired"])
async def test_every_method_but_the_public_ones_needs_a_valid_token(system, credentials, issuer):
    forger = TokenIssuer(issuer=issuer.issuer, audience=issuer.audience)
    metadata = {
        "none": None,
        "forged": forger.metadata("operator", "integrator-system"),
        "expired": issuer.metadata("operator", "integrator-system", lifetime_seconds=-120),
    }[credentials]
    open_methods = []
    for service, descriptor in SERVICES.items():
        async with grpc.aio.insecure_channel(system[service].grpc_address) as channel:
            for method in descriptor.methods:
                raw = channel.unary_unary(f"/{descriptor.full_name}/{method.name}")
                try:
                    await raw(b"", metadata=metadata, timeout=10)
                    code = grpc.StatusCode.OK
                except grpc.aio.AioRpcError as error:
                    code = error.code()
                if access(service, method.name).public:
                    assert code != grpc.StatusCode.UNAUTHENTICATED, method.full_name
                    open_methods.append(method.name)
                else:
                    assert code == grpc.StatusCode.UNAUTHENTICATED, method.full_name
    assert sorted(open_methods) == ["ListCertifiedProviders", "VerifyCertificate"]
