"""Hostile records on the real broker: none stops a partition, breaks a restart or vanishes.

Each test puts the hostile records on one partition (one Kafka key) and a valid record after
them: the valid one being processed shows the partition kept flowing. Dead letters are found
by the position of the original (`dlq_topic`, `dlq_partition`, `dlq_offset`).
"""

from __future__ import annotations

import asyncio
import json
import urllib.request
from pathlib import Path

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.partitioner import murmur2
from prometheus_client.parser import text_string_to_metric_families

from servicehub.certification.v1 import certification_pb2
from servicehub.events.v1 import intake_pb2 as events
from servicehub.intake.v1 import intake_pb2
from servicehub.sla.v1 import sla_pb2
from servicehub_intake.domain import record_id
from servicehub_runtime.topics import max_message_bytes

REQUESTS = "intake.application-requests.v1"
SUBMIT = b"servicehub.intake.v1.SubmitApplicationRequest"
MAX_REASON_CHARS = 2000  # servicehub_runtime.cloudevents.MAX_REASON_CHARS


def ce_headers(ce_id: bytes, ce_type: bytes = SUBMIT, content_type: bytes = b"application/protobuf"):
    return [
        ("ce_specversion", b"1.0"),
        ("ce_id", ce_id),
        ("ce_type", ce_type),
        ("ce_source", b"/tests"),
        ("content-type", content_type),
    ]


def metric(port: int, name: str, **labels: str) -> list[float]:
    """Every value of the metric on a service's /metrics with these labels."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    return [
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
    ]


def valid_request(helpers, partner: str) -> intake_pb2.SubmitApplicationRequest:
    return intake_pb2.SubmitApplicationRequest(
        idempotency_key=helpers.unique("valid"),
        partner_id=partner,
        partner_name="Valid Partner",
        corporate_email="ops@valid-partner.example",
        evidence=[events.Evidence(criterion="c", document_uri="d")],
    )


async def registered(clients, partner: str) -> list:
    applications, token = [], ""
    while True:
        response = await clients["certification"].ListApplications(
            certification_pb2.ListApplicationsRequest(page_size=1000, page_token=token), timeout=10
        )
        applications += [a for a in response.applications if a.partner_id == partner]
        token = response.next_page_token
        if not token:
            return applications


async def dead_letter_of(helpers, bootstrap_servers, service: str, original) -> object:
    """The dead letter of the record at `original` (a RecordMetadata), once it is there."""

    async def find():
        records = await helpers.read_topic(bootstrap_servers, f"{service}.dead-letter.v1")
        for record in records:
            headers = dict(record.headers)
            if (
                headers.get("dlq_topic") == original.topic.encode()
                and headers.get("dlq_partition") == str(original.partition).encode()
                and headers.get("dlq_offset") == str(original.offset).encode()
            ):
                return record
        return None

    return await helpers.eventually(find, what=f"dead letter of {original}")


def dlq_part(dead, original_headers: list) -> dict[str, str]:
    """Asserts the dead letter starts with the original headers exactly; returns the dlq ones."""
    assert list(dead.headers[: len(original_headers)]) == list(original_headers), "headers must be the original's"
    return {name: value.decode() for name, value in dead.headers[len(original_headers):]}


async def big_producer(bootstrap_servers: str) -> AIOKafkaProducer:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers, acks="all", max_request_size=4 * 1024 * 1024
    )
    await producer.start()
    return producer


async def set_max_message_bytes(bootstrap_servers: str, topic: str, value: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        await admin.alter_configs(
            [ConfigResource(ConfigResourceType.TOPIC, topic, configs={"max.message.bytes": str(value)})]
        )
    finally:
        await admin.close()


async def test_dead_letter_topics_take_the_largest_original_plus_the_dead_letter_headers(
    system, bootstrap_servers
):
    dead_letter_topics = [f"{name}.dead-letter.v1" for name in system.services]
    limits = await max_message_bytes(bootstrap_servers, [REQUESTS, *dead_letter_topics])
    assert limits[REQUESTS] == 1_048_588, "Kafka's default for the topics records come from"
    assert {limits[topic] for topic in dead_letter_topics} == {1_048_588 + 64 * 1024}


async def test_records_whose_dead_letter_would_be_too_large_do_not_block_the_partition(
    system, clients, helpers, bootstrap_servers
):
    """The three triggers of the issue, plus one too large for the dead-letter topic even
    with its headroom: all dead-lettered (the last kept in a file), the next one processed."""
    intake = system["intake"]
    partner = helpers.unique("oversize")
    key = partner.encode()
    log_size_before = intake.log_path.stat().st_size
    empty_evidence = json.dumps({
        "idempotencyKey": helpers.unique("empty-evidence"), "partnerId": partner,
        "partnerName": "Many Empty", "corporateEmail": "ops@many-empty.example",
        "evidence": [{}] * 13_000,
    }).encode()
    long_type = SUBMIT + b"x" * (600_000 - len(SUBMIT))
    body_1mb = b"\x0a\xff" + b"\x00" * (1_048_200 - 2)  # a length that runs past the end
    body_1_5mb = b"\x0a\xff" + b"\x01" * 1_500_000
    trigger_headers = {
        "empty-evidence": ce_headers(b"empty-evidence", content_type=b"application/json"),
        "long-ce-type": ce_headers(b"long-ce-type", ce_type=long_type),
        "1mb-body": ce_headers(b"1mb-body"),
        "1.5mb-body": ce_headers(b"1.5mb-body"),
    }
    producer = await big_producer(bootstrap_servers)
    await set_max_message_bytes(bootstrap_servers, REQUESTS, 4 * 1024 * 1024)
    try:
        sent = {
            name: await producer.send_and_wait(REQUESTS, body, key=key, headers=trigger_headers[name])
            for name, body in [
                ("empty-evidence", empty_evidence),
                ("long-ce-type", b""),
                ("1mb-body", body_1mb),
                ("1.5mb-body", body_1_5mb),
            ]
        }
        await producer.send_and_wait(
            REQUESTS, valid_request(helpers, partner).SerializeToString(), key=key,
            headers=ce_headers(helpers.unique("valid").encode()),
        )
    finally:
        await set_max_message_bytes(bootstrap_servers, REQUESTS, 1_048_588)
        await producer.stop()

    found = await helpers.eventually(lambda: registered(clients, partner), what="valid request registered")
    assert [a.partner_name for a in found] == ["Valid Partner"]

    for name, body in [("empty-evidence", empty_evidence), ("long-ce-type", b""), ("1mb-body", body_1mb)]:
        dead = await dead_letter_of(helpers, bootstrap_servers, "intake", sent[name])
        assert dead.value == body, f"{name}: the original bytes must be kept"
        dlq = dlq_part(dead, trigger_headers[name])
        assert len(dlq["dlq_reason"]) <= MAX_REASON_CHARS, name
    empty_reason = dlq_part(await dead_letter_of(helpers, bootstrap_servers, "intake", sent["empty-evidence"]),
                            trigger_headers["empty-evidence"])["dlq_reason"]
    # The contract's item bound answers before any per-item rule could list 13,000 problems.
    assert empty_reason.endswith("breaks its contract: evidence: at most 100 items, got 13000")
    long_type_reason = dlq_part(await dead_letter_of(helpers, bootstrap_servers, "intake", sent["long-ce-type"]),
                                trigger_headers["long-ce-type"])["dlq_reason"]
    assert long_type_reason.startswith("unknown ce_type 'servicehub.intake.v1.SubmitApplicationRequestxxx")

    pointer = await dead_letter_of(helpers, bootstrap_servers, "intake", sent["1.5mb-body"])
    assert pointer.value == b""
    headers = {name: value.decode() for name, value in pointer.headers}
    stored = Path(headers["dlq_stored_at"])
    assert stored.parent == intake.data_dir / "dead-letters"
    assert stored.read_bytes() == body_1_5mb, "kept intact where an operator finds it"
    meta = json.loads(stored.with_name(stored.name.removesuffix(".bin") + ".json").read_text())
    assert [name for name, _ in meta["headers"]] == [name for name, _ in trigger_headers["1.5mb-body"]]
    assert (meta["topic"], meta["partition"], meta["offset"]) == (REQUESTS, sent["1.5mb-body"].partition,
                                                                  sent["1.5mb-body"].offset)
    assert "is not a valid servicehub.intake.v1.SubmitApplicationRequest protobuf" in headers["dlq_reason"]

    grown = intake.log_path.stat().st_size - log_size_before
    assert grown < 50_000, f"the log grew by {grown} bytes for four records"


async def test_records_with_unreadable_or_ambiguous_headers_are_dead_lettered_exactly(
    system, clients, helpers, bootstrap_servers, producer
):
    intake = system["intake"]
    partner = helpers.unique("headers")
    key = partner.encode()
    body = valid_request(helpers, partner).SerializeToString()  # valid: only the headers are bad
    base = ce_headers(b"hdr")
    cases = {
        "non-utf8-ce_id": ([("ce_id", b"\xff\xfe\xfd"), *base[2:], base[0]], "header 'ce_id' is not UTF-8 text"),
        "non-utf8-traceparent": ([*base, ("traceparent", b"\xc3\x28")], "header 'traceparent' is not UTF-8 text"),
        "null-value": ([*base, ("x-null", None)], "header 'x-null' has a null value"),
        "null-ce_id": ([base[0], ("ce_id", None), *base[2:]], "header 'ce_id' has a null value"),
        "ce_type-wrong-then-valid": (
            [*base[:2], ("ce_type", b"servicehub.intake.v1.Wrong"), *base[2:]], "header(s) repeated: 'ce_type'"
        ),
        "no-specversion": (base[1:], "missing CloudEvents header(s): ce_specversion"),
        "specversion-0.3": ([("ce_specversion", b"0.3"), *base[1:]], "unsupported ce_specversion '0.3'"),
    }
    before = sum(metric(intake.metrics_port, "servicehub_messages_total", topic=REQUESTS, outcome="dead_lettered"))
    sent = {name: await producer.send_and_wait(REQUESTS, body, key=key, headers=headers)
            for name, (headers, _) in cases.items()}
    valid = valid_request(helpers, partner)
    await producer.send_and_wait(
        REQUESTS, valid.SerializeToString(), key=key,
        headers=ce_headers(b"mixed-case", content_type=b"Application/Protobuf"),
    )

    found = await helpers.eventually(lambda: registered(clients, partner), what="valid request registered")
    assert [a.application_id for a in found] == [str(record_id("application", valid.idempotency_key))]
    for name, (headers, reason) in cases.items():
        dead = await dead_letter_of(helpers, bootstrap_servers, "intake", sent[name])
        assert dead.value == body, name
        assert reason in dlq_part(dead, headers)["dlq_reason"], name
    after = sum(metric(intake.metrics_port, "servicehub_messages_total", topic=REQUESTS, outcome="dead_lettered"))
    assert after - before >= len(cases), "each one counted"


async def test_loose_json_numbers_are_dead_lettered_not_read_as_a_priority(
    system, clients, helpers, bootstrap_servers, producer
):
    customer = helpers.unique("loose")
    key = customer.encode()
    sent = {}
    for value in ["1.5", "1.99", '"1"', "true", "1.0"]:
        body = (f'{{"idempotencyKey": "{helpers.unique("loose")}", "customerId": "{customer}",'
                f' "priority": {value}, "summary": "s", "servicePlan": "7x24"}}').encode()
        headers = ce_headers(b"loose", ce_type=b"servicehub.intake.v1.OpenTicketRequest",
                             content_type=b"application/json")
        sent[value] = (await producer.send_and_wait("intake.ticket-requests.v1", body, key=key, headers=headers),
                       body, headers)
    valid_key = helpers.unique("strict")
    await producer.send_and_wait(
        "intake.ticket-requests.v1",
        (f'{{"idempotencyKey": "{valid_key}", "customerId": "{customer}", "priority": "PRIORITY_P2",'
         ' "summary": "s", "servicePlan": "7x24"}').encode(),
        key=key,
        headers=ce_headers(b"strict", ce_type=b"servicehub.intake.v1.OpenTicketRequest",
                           content_type=b"application/json"),
    )

    async def ticket_in_sla():
        request = sla_pb2.GetTicketRequest(ticket_id=str(record_id("ticket", valid_key)))
        return (await clients["sla"].GetTicket(request, timeout=5)).ticket

    ticket = await helpers.eventually(ticket_in_sla, what="valid ticket in sla")
    assert ticket.priority == events.PRIORITY_P2
    for value, (metadata, body, headers) in sent.items():
        dead = await dead_letter_of(helpers, bootstrap_servers, "intake", metadata)
        assert dead.value == body
        assert "is not a Priority name or number" in dlq_part(dead, headers)["dlq_reason"], value


def partition_of(key: str, partitions: int = 3) -> int:
    return (murmur2(key.encode()) & 0x7FFFFFFF) % partitions


async def test_forged_sequences_on_its_own_topic_do_not_break_intakes_restart(
    system, clients, helpers, bootstrap_servers
):
    intake = system["intake"]
    topic = "intake.application-submitted.v1"
    producer = await big_producer(bootstrap_servers)
    forged_body = events.ApplicationSubmitted(application_id="forged").SerializeToString()
    try:
        for partition, sequence in [(1, b"abc"), (2, None), (0, b"999999999")]:
            await producer.send_and_wait(
                topic, forged_body, key=b"forged", partition=partition,
                headers=[("ce_specversion", b"1.0"), ("ce_id", helpers.unique("forged").encode()),
                         ("ce_type", b"servicehub.events.v1.ApplicationSubmitted"),
                         ("ce_source", b"/servicehub/intake"), ("content-type", b"application/protobuf"),
                         ("ce_sequence", sequence)],
            )
    finally:
        await producer.stop()

    intake.stop()
    await asyncio.to_thread(intake.start().wait_serving)
    assert sum(metric(intake.metrics_port, "servicehub_relay_untrusted_sequences_total", topic=topic)) >= 3

    # Applications whose events the relay routes to partition 0, behind the forged 999999999.
    partner = helpers.unique("after-forgery")
    keys = [k for k in (helpers.unique("p0") for _ in range(200))
            if partition_of(str(record_id("application", k))) == 0][:3]
    for idempotency_key in keys:
        request = valid_request(helpers, partner)
        request.idempotency_key = idempotency_key
        await clients["intake"].SubmitApplication(request, timeout=10)

    async def all_registered():
        found = await registered(clients, partner)
        return found if len(found) == len(keys) else None

    found = await helpers.eventually(all_registered, what="applications on partition 0 published")
    assert sorted(a.application_id for a in found) == sorted(str(record_id("application", k)) for k in keys)


async def test_oldest_unprocessed_age_is_exported_per_group_and_partition(system, helpers, producer):
    """Caught up, every partition the service consumed from reports 0 under its group."""
    request = valid_request(helpers, helpers.unique("age"))
    await producer.send_and_wait(REQUESTS, request.SerializeToString(), headers=ce_headers(b"age"))

    async def caught_up():
        ages = metric(system["intake"].metrics_port, "servicehub_consumer_oldest_unprocessed_age_seconds",
                      group="intake", topic=REQUESTS)
        return ages if ages and set(ages) == {0.0} else None

    assert await helpers.eventually(caught_up, what="intake caught up on its requests")
    certification = metric(system["certification"].metrics_port,
                           "servicehub_consumer_oldest_unprocessed_age_seconds", group="certification")
    assert certification, "certification exports the age for what it consumes"
