"""Poison messages go to the consuming service's dead-letter topic; consumption goes on."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from servicehub.billing.v1 import billing_pb2
from servicehub.certification.v1 import certification_pb2
from servicehub.events.v1 import intake_pb2 as events
from servicehub.intake.v1 import intake_pb2

GARBAGE = b"\x0a\xff\x01not protobuf"  # field 1 claims 255 bytes that are not there


def ce_headers(ce_type: str, content_type: str, ce_id: str) -> list[tuple[str, bytes]]:
    return [
        ("ce_specversion", b"1.0"),
        ("ce_id", ce_id.encode()),
        ("ce_type", ce_type.encode()),
        ("ce_source", b"/tests"),
        ("content-type", content_type.encode()),
    ]


async def dead_letters(helpers, bootstrap_servers, service: str, ce_id: str):
    records = await helpers.read_topic(bootstrap_servers, f"{service}.dead-letter.v1")
    return [r for r in records if helpers.headers_of(r).get("ce_id") == ce_id]


async def test_poison_requests_are_dead_lettered_and_the_next_is_processed(
    clients, helpers, producer, bootstrap_servers
):
    topic = "intake.application-requests.v1"
    request_type = "servicehub.intake.v1.SubmitApplicationRequest"
    partner = helpers.unique("poison")
    key = partner.encode()  # all on one partition, so the good one comes after the poison
    corrupt, unlabelled, rejected = (helpers.unique(n) for n in ("corrupt", "unlabelled", "rejected"))

    await producer.send_and_wait(
        topic, GARBAGE, key=key, headers=ce_headers(request_type, "application/protobuf", corrupt)
    )
    await producer.send_and_wait(
        topic, b'{"partnerId": "x"}', key=key, headers=[("ce_id", unlabelled.encode())]
    )
    malformed_email = intake_pb2.SubmitApplicationRequest(
        idempotency_key=rejected,
        partner_id=partner,
        partner_name="No Mailbox Ltd",
        corporate_email="boss at 163.com",
        evidence=[events.Evidence(criterion="c", document_uri="d")],
    )
    await producer.send_and_wait(
        topic,
        malformed_email.SerializeToString(),
        key=key,
        headers=ce_headers(request_type, "application/protobuf", rejected),
    )
    good = intake_pb2.SubmitApplicationRequest(
        idempotency_key=helpers.unique("good"),
        partner_id=partner,
        partner_name="Good Partner",
        corporate_email="ops@good-partner.example",
        evidence=[events.Evidence(criterion="c", document_uri="d")],
    )
    await producer.send_and_wait(
        topic,
        good.SerializeToString(),
        key=key,
        headers=ce_headers(request_type, "application/protobuf", helpers.unique("good")),
    )

    async def good_registered():
        response = await clients["certification"].ListApplications(
            certification_pb2.ListApplicationsRequest(page_size=1000), timeout=10
        )
        applications, token = list(response.applications), response.next_page_token
        while token:
            response = await clients["certification"].ListApplications(
                certification_pb2.ListApplicationsRequest(page_size=1000, page_token=token), timeout=10
            )
            applications += response.applications
            token = response.next_page_token
        return [a for a in applications if a.partner_id == partner]

    registered = await helpers.eventually(good_registered, what="good request registered")
    assert [a.partner_name for a in registered] == ["Good Partner"]

    expectations = {
        corrupt: (GARBAGE, "is not a valid servicehub.intake.v1.SubmitApplicationRequest protobuf"),
        unlabelled: (b'{"partnerId": "x"}', "missing CloudEvents header(s): ce_type, ce_source"),
        rejected: (malformed_email.SerializeToString(), "corporate_email: must be an e-mail address"),
    }
    for ce_id, (body, reason) in expectations.items():
        [dead] = await dead_letters(helpers, bootstrap_servers, "intake", ce_id)
        headers = helpers.headers_of(dead)
        assert dead.value == body, "the original bytes must be kept untouched"
        assert reason in headers["dlq_reason"]
        assert headers["dlq_topic"] == topic
        assert headers["dlq_consumer_group"] == "intake"
        assert int(headers["dlq_offset"]) >= 0


async def test_invalid_event_is_dead_lettered_by_certification(helpers, producer, bootstrap_servers):
    ce_id = helpers.unique("bad-event")
    bad = events.ApplicationSubmitted(
        application_id="not-a-uuid", partner_id="p", partner_name="P", corporate_email="p@p.example",
        evidence=[events.Evidence(criterion="c", document_uri="d")],
    )
    await producer.send_and_wait(
        "intake.application-submitted.v1",
        bad.SerializeToString(),
        key=b"not-a-uuid",
        headers=ce_headers("servicehub.events.v1.ApplicationSubmitted", "application/protobuf", ce_id),
    )

    async def dead_lettered():
        return await dead_letters(helpers, bootstrap_servers, "certification", ce_id)

    [dead] = await helpers.eventually(dead_lettered, what="dead letter from certification")
    assert "application_id 'not-a-uuid' is not a UUID" in helpers.headers_of(dead)["dlq_reason"]
    assert dead.value == bad.SerializeToString()


async def test_an_order_for_an_unknown_service_or_package_is_dead_lettered_by_billing(
    clients, helpers, producer, bootstrap_servers
):
    def order(service_code: str, package: str) -> events.ServiceOrdered:
        message = events.ServiceOrdered(
            order_id=str(uuid4()), customer_id="c", service_code=service_code, package=package,
            contract_signed_on="2026-09-21",
        )
        message.ordered_at.FromDatetime(datetime.now(UTC))
        return message

    topic = "intake.service-ordered.v1"
    ce_type = "servicehub.events.v1.ServiceOrdered"
    key = helpers.unique("orders").encode()  # one partition: the good order comes last
    unknown_service, unknown_package = helpers.unique("tea"), helpers.unique("gold")
    good = order("operability-consulting", "standard")
    for message, ce_id in (
        (order("tea-ceremony", "basic"), unknown_service),
        (order("operability-consulting", "gold"), unknown_package),
        (good, helpers.unique("good")),
    ):
        await producer.send_and_wait(
            topic, message.SerializeToString(), key=key,
            headers=ce_headers(ce_type, "application/protobuf", ce_id),
        )

    async def project():
        request = billing_pb2.GetProjectRequest(project_id=good.order_id)
        return (await clients["billing"].GetProject(request, timeout=5)).project

    registered = await helpers.eventually(project, what="the good order registered by billing")
    assert [(m.code, m.due_on) for m in registered.milestones][-1] == ("acceptance", "2026-10-21")
    assert registered.catalogue_version == "2026.1"

    async def reasons():
        found = {}
        for ce_id in (unknown_service, unknown_package):
            records = await dead_letters(helpers, bootstrap_servers, "billing", ce_id)
            if records:
                found[ce_id] = helpers.headers_of(records[0])["dlq_reason"]
        return found if len(found) == 2 else None

    found = await helpers.eventually(reasons, what="both orders dead-lettered by billing")
    assert found[unknown_service].startswith("unknown service_code 'tea-ceremony' (catalogue 2026.1)")
    assert found[unknown_package] == (
        "service operability-consulting has no package 'gold'; it has: standard"
    )
