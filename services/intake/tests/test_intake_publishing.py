"""Which intake records become which integration events, with which fields and key."""

from __future__ import annotations

from types import SimpleNamespace
from uuid import uuid4

from servicehub.events.v1 import intake_pb2 as events
from servicehub_intake import requests
from servicehub_intake.publishing import PUBLISHES, translate
from servicehub_runtime.cloudevents import topic_of


def translated(intake):
    [notification] = intake.notifications_after(0, 10)
    return translate(intake.mapper.to_domain_event(notification))


def test_application_submitted(intake, application_request, fixed_now) -> None:
    receipt = requests.submit_application(intake, application_request())
    outbound = translated(intake)

    key = str(receipt.id)
    assert outbound.key == key
    expected = events.ApplicationSubmitted(
        application_id=key,
        partner_id="partner-7",
        partner_name="Acme Cloud Services",
        corporate_email="cert@acme-cloud.example",
        evidence=[
            events.Evidence(
                criterion="service-content.migration",
                summary="12 migrations in 2025",
                document_uri="https://docs.acme-cloud.example/migrations.pdf",
            )
        ],
    )
    expected.submitted_at.FromDatetime(fixed_now)
    assert outbound.message == expected
    assert outbound.message.submitted_at.ToJsonString() == "2026-03-02T01:30:15.123456Z"


def test_ticket_opened(intake, ticket_request) -> None:
    receipt = requests.open_ticket(intake, ticket_request(priority=events.PRIORITY_P0))
    outbound = translated(intake)

    assert outbound.key == str(receipt.id)
    message = outbound.message
    assert isinstance(message, events.TicketOpened)
    assert (message.ticket_id, message.customer_id, message.priority) == (
        str(receipt.id),
        "customer-3",
        events.PRIORITY_P0,
    )
    assert (message.summary, message.service_plan) == ("Database failover did not complete", "7x24")
    assert message.opened_at.ToJsonString() == "2026-03-02T01:30:15.123456Z"


def test_service_ordered(intake, order_request) -> None:
    receipt = requests.order_service(intake, order_request())
    outbound = translated(intake)

    assert outbound.key == str(receipt.id)
    assert outbound.message == events.ServiceOrdered(
        order_id=str(receipt.id),
        customer_id="customer-3",
        service_code="cloud-escort",
        package="premium",
        contract_signed_on="2026-02-27",
        ordered_at=outbound.message.ordered_at,
    )
    assert outbound.message.ordered_at.ToJsonString() == "2026-03-02T01:30:15.123456Z"


def test_service_ordered_carries_the_requested_start(intake, order_request) -> None:
    requests.order_service(intake, order_request(requested_start_on="2026-03-16"))

    assert translated(intake).message.requested_start_on == "2026-03-16"


def test_other_events_stay_private() -> None:
    assert translate(SimpleNamespace(originator_id=uuid4())) is None


def test_published_types_name_their_topics() -> None:
    assert [topic_of(t) for t in PUBLISHES] == [
        "intake.application-submitted.v1",
        "intake.ticket-opened.v1",
        "intake.service-ordered.v1",
    ]


def test_service_ordered_carries_the_further_packages_and_quantities(intake, order_request) -> None:
    request = order_request(package="consulting")
    request.additional_packages.extend(["implementation-basic", "implementation-basic"])
    request.quantities.add(unit="tables", amount="120")
    requests.order_service(intake, request)

    message = translated(intake).message
    assert (message.package, list(message.additional_packages)) == (
        "consulting", ["implementation-basic", "implementation-basic"]
    )
    assert list(message.quantities) == [events.OrderedQuantity(unit="tables", amount="120")]
