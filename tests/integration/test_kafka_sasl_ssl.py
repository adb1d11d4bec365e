"""A service on a broker that, as in production, only speaks SASL_SSL with SCRAM-SHA-512: a
LocalKafka of its own with a throw-away CA and SCRAM users, intake configured through the
variables deploy/k8s passes (KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_*, KAFKA_SSL_CAFILE).

A request record flows in, through intake's consumer, store and relay, out as its event, and
a poison record reaches the dead-letter topic: every Kafka client of the service (admin,
consumer, relay producer and reader, dead-letter producer) authenticated over TLS. A wrong
password stops the service with a message saying the broker refused the credentials.
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from servicehub.events.v1 import intake_pb2 as events
from servicehub.intake.v1 import intake_pb2
from servicehub_localinfra import LocalKafka
from servicehub_localinfra.services import ServiceProcess
from servicehub_localinfra.tokens import TokenIssuer
from servicehub_runtime.cloudevents import encode

REQUESTS = "intake.application-requests.v1"
SUBMITTED = "intake.application-submitted.v1"
DEAD_LETTERS = "intake.dead-letter.v1"


@pytest.fixture(scope="module")
def kafka() -> Iterator[LocalKafka]:
    users = {"intake": secrets.token_hex(16), "tester": secrets.token_hex(16)}
    with LocalKafka(scram_users=users) as broker:
        yield broker


def intake_process(kafka: LocalKafka, directory, **kafka_env: str) -> ServiceProcess:
    return ServiceProcess(
        "intake",
        bootstrap_servers=kafka.bootstrap_servers,
        data_dir=directory,
        extra_env={**TokenIssuer().env(directory), **kafka.client_env("intake"), **kafka_env},
    )


async def records_of(kafka: LocalKafka, topic: str, count: int) -> list:
    """The first `count` records of the topic's partitions, read as the test's own user."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka.bootstrap_servers, enable_auto_commit=False, **kafka.client_options("tester")
    )
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(3)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        records: list = []
        while len(records) < count:
            batch = await consumer.getmany(timeout_ms=60_000)
            assert batch, f"only {len(records)} of {count} records on {topic} within 60 s"
            records += [r for rs in batch.values() for r in rs]
        return records
    finally:
        await consumer.stop()


async def test_a_record_flows_through_intake_on_a_sasl_ssl_broker(kafka: LocalKafka, tmp_path) -> None:
    intake = intake_process(kafka, tmp_path).start()
    try:
        intake.wait_serving()
        request = intake_pb2.SubmitApplicationRequest(
            idempotency_key=f"sasl-{uuid.uuid4().hex[:8]}", partner_id="p-sasl", partner_name="SASL Partner",
            corporate_email="ops@sasl.example",
            evidence=[events.Evidence(criterion="service-content.migration", document_uri="https://s.example/m.pdf")],
        )
        body, headers = encode(request, event_id="sasl-1", source="/tests", subject="", time=datetime.now(UTC))
        producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers, **kafka.client_options("tester"))
        await producer.start()
        try:
            await producer.send_and_wait(REQUESTS, b"\xff not protobuf", headers=[(n, v.encode()) for n, v in headers.items()])
            await producer.send_and_wait(REQUESTS, body, headers=[(n, v.encode()) for n, v in headers.items()])
        finally:
            await producer.stop()

        [submitted] = await records_of(kafka, SUBMITTED, 1)
        event = events.ApplicationSubmitted.FromString(submitted.value)
        assert (event.partner_id, event.corporate_email) == ("p-sasl", "ops@sasl.example")
        [dead] = await records_of(kafka, DEAD_LETTERS, 1)
        assert dict(dead.headers)["dlq_reason"].startswith(b"body is not a valid")
    finally:
        intake.stop()
    assert "Traceback" not in intake.log_path.read_text(), intake.log_tail()


def test_a_wrong_password_stops_the_service_naming_the_refusal(kafka: LocalKafka, tmp_path) -> None:
    intake = intake_process(kafka, tmp_path, KAFKA_SASL_PASSWORD="not" + secrets.token_hex(8)).start()
    deadline = time.monotonic() + 120
    while intake.running and time.monotonic() < deadline:
        time.sleep(0.2)
    code = intake.stop()  # its exit code (stopped here only if it ran on past the deadline)
    log = intake.log_path.read_text()
    assert code != 0, intake.log_tail()
    assert "Kafka refused the credentials of user 'intake' (SCRAM-SHA-512)" in log, intake.log_tail()
