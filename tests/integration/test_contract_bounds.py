"""Records out of their contract's bounds are dead-lettered by whichever service consumes
them, and the partition goes on: the next valid record is processed (issue 13, items 2, 10, 11)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from google.protobuf import json_format

from servicehub.billing.v1 import billing_pb2
from servicehub.certification.v1 import certification_pb2
from servicehub.events.v1 import intake_pb2 as events
from servicehub.intake.v1 import intake_pb2
from servicehub.sla.v1 import sla_pb2
from servicehub_intake.domain import record_id


def ce_headers(message, ce_id: str, content_type: str = "application/protobuf") -> list[tuple[str, bytes]]:
    return [
        ("ce_specversion", b"1.0"),
        ("ce_id", ce_id.encode()),
        ("ce_type", type(message).DESCRIPTOR.full_name.encode()),
        ("ce_source", b"/tests"),
        ("content-type", content_type.encode()),
    ]


async def send(producer, topic: str, message, ce_id: str, key: bytes, *, as_json: bool = False) -> bytes:
    body = json_format.MessageToJson(message).encode() if as_json else message.SerializeToString()
    content_type = "application/json" if as_json else "application/protobuf"
    await producer.send_and_wait(topic, body, key=key, headers=ce_headers(message, ce_id, content_type))
    return body


async def dead_letter(helpers, bootstrap_servers, service: str, ce_id: str):
    async def found():
        records = await helpers.read_topic(bootstrap_servers, f"{service}.dead-letter.v1")
        return [r for r in records if helpers.headers_of(r).get("ce_id") == ce_id]

    [record] = await helpers.eventually(found, what=f"dead letter {ce_id} from {service}")
    return record


def now() -> datetime:
    return datetime.now(UTC)


def submitted(**overrides) -> events.ApplicationSubmitted:
    message = events.ApplicationSubmitted(
        application_id=str(uuid.uuid4()), partner_id="p-bounds", partner_name="Bounded Ltd",
        corporate_email="ops@bounded.example",
        evidence=[events.Evidence(criterion="c", document_uri="https://bounded.example/d")],
    )
    message.submitted_at.FromDatetime(now())
    for name, value in overrides.items():
        if name == "evidence":
            del message.evidence[:]
            message.evidence.extend(value)
        else:
            setattr(message, name, value)
    return message


async def test_certification_dead_letters_13000_empty_evidence_items_and_registers_the_next(
    clients, helpers, producer, bootstrap_servers
):
    """The 52 KB JSON application of issue 13: one short reason, not one line per item."""
    key = uuid.uuid4().hex.encode()  # both on one partition, the good one after the hostile one
    hostile_id = helpers.unique("13000-items")
    hostile = submitted(evidence=[events.Evidence()] * 13_000)
    body = await send(producer, "intake.application-submitted.v1", hostile, hostile_id, key, as_json=True)
    good = submitted()
    await send(producer, "intake.application-submitted.v1", good, helpers.unique("good"), key)

    async def registered():
        request = certification_pb2.GetApplicationRequest(application_id=good.application_id)
        return (await clients["certification"].GetApplication(request, timeout=5)).application

    assert (await helpers.eventually(registered, what="next application registered")).partner_name == "Bounded Ltd"
    dead = await dead_letter(helpers, bootstrap_servers, "certification", hostile_id)
    reason = helpers.headers_of(dead)["dlq_reason"]
    assert reason == (
        "servicehub.events.v1.ApplicationSubmitted breaks its contract: evidence: at most 100 items, got 13000"
    )
    assert dead.value == body


async def test_sla_and_billing_dead_letter_empty_fields_and_absurd_instants(
    clients, helpers, producer, bootstrap_servers
):
    ticket_key, order_key = uuid.uuid4().hex.encode(), uuid.uuid4().hex.encode()
    blank_plan = events.TicketOpened(
        ticket_id=str(uuid.uuid4()), customer_id="c", priority=events.PRIORITY_P2, summary="s", service_plan=""
    )
    blank_plan.opened_at.FromJsonString("0001-01-01T00:00:00Z")
    year_9999 = events.ServiceOrdered(
        order_id=str(uuid.uuid4()), customer_id="c", service_code="cloud-escort", package="basic",
        contract_signed_on="2026-02-27",
    )
    year_9999.ordered_at.FromJsonString("9999-12-31T23:59:59Z")
    good_ticket = events.TicketOpened(
        ticket_id=str(uuid.uuid4()), customer_id="c", priority=events.PRIORITY_P2, summary="s", service_plan="5x8"
    )
    good_ticket.opened_at.FromDatetime(now())
    good_order = events.ServiceOrdered(
        order_id=str(uuid.uuid4()), customer_id="c", service_code="cloud-escort", package="basic",
        contract_signed_on="2026-02-27",
    )
    good_order.ordered_at.FromDatetime(now())

    ticket_ce, order_ce = helpers.unique("blank-plan"), helpers.unique("year-9999")
    await send(producer, "intake.ticket-opened.v1", blank_plan, ticket_ce, ticket_key)
    await send(producer, "intake.ticket-opened.v1", good_ticket, helpers.unique("good"), ticket_key)
    await send(producer, "intake.service-ordered.v1", year_9999, order_ce, order_key)
    await send(producer, "intake.service-ordered.v1", good_order, helpers.unique("good"), order_key)

    async def ticket():
        request = sla_pb2.GetTicketRequest(ticket_id=good_ticket.ticket_id)
        return (await clients["sla"].GetTicket(request, timeout=5)).ticket

    async def project():
        request = billing_pb2.GetProjectRequest(project_id=good_order.order_id)
        return (await clients["billing"].GetProject(request, timeout=5)).project

    await helpers.eventually(ticket, what="next ticket registered by sla")
    await helpers.eventually(project, what="next order registered by billing")
    sla_reason = helpers.headers_of(await dead_letter(helpers, bootstrap_servers, "sla", ticket_ce))["dlq_reason"]
    billing_reason = helpers.headers_of(
        await dead_letter(helpers, bootstrap_servers, "billing", order_ce)
    )["dlq_reason"]
    assert "service_plan: is required" in sla_reason
    assert "opened_at: must lie in [1970-01-01, 2200-01-01) UTC" in sla_reason
    assert "ordered_at: must lie in [1970-01-01, 2200-01-01) UTC" in billing_reason


async def test_intake_dead_letters_a_reused_key_with_a_different_request(
    clients, helpers, producer, bootstrap_servers
):
    key = helpers.unique("reused")
    partition_key = key.encode()
    request = intake_pb2.SubmitApplicationRequest(
        idempotency_key=key, partner_id=key, partner_name="First", corporate_email="ops@first.example",
        evidence=[events.Evidence(criterion="c", document_uri="d")],
    )
    changed = intake_pb2.SubmitApplicationRequest()
    changed.CopyFrom(request)
    changed.partner_name = "Second"
    over_bound = intake_pb2.SubmitApplicationRequest()
    over_bound.CopyFrom(request)
    over_bound.idempotency_key, over_bound.partner_name = helpers.unique("long"), "x" * 201
    sentinel = intake_pb2.SubmitApplicationRequest()
    sentinel.CopyFrom(request)
    sentinel.idempotency_key = helpers.unique("sentinel")

    topic = "intake.application-requests.v1"
    changed_ce, over_bound_ce = helpers.unique("changed"), helpers.unique("over-bound")
    await send(producer, topic, request, helpers.unique("first"), partition_key)
    await send(producer, topic, changed, changed_ce, partition_key)
    await send(producer, topic, over_bound, over_bound_ce, partition_key)
    await send(producer, topic, sentinel, helpers.unique("sentinel"), partition_key)

    async def sentinel_registered():
        application_id = str(record_id("application", sentinel.idempotency_key))
        request = certification_pb2.GetApplicationRequest(application_id=application_id)
        return (await clients["certification"].GetApplication(request, timeout=5)).application

    await helpers.eventually(sentinel_registered, what="sentinel from the topic registered")
    changed_reason = helpers.headers_of(await dead_letter(helpers, bootstrap_servers, "intake", changed_ce))["dlq_reason"]
    over_bound_reason = helpers.headers_of(
        await dead_letter(helpers, bootstrap_servers, "intake", over_bound_ce)
    )["dlq_reason"]
    assert f"idempotency key '{key}' was already used for a different request" in changed_reason
    assert over_bound_reason == (
        "servicehub.intake.v1.SubmitApplicationRequest breaks its contract: "
        "partner_name: at most 200 characters, got 201"
    )
    first = await clients["intake"].SubmitApplication(request, timeout=5)
    assert first.duplicate
