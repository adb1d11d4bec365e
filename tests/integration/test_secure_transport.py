"""A service with every transport secured: Kafka through a broker that, as in production, only
speaks SASL_SSL with SCRAM-SHA-512 (a LocalKafka of its own with a throw-away CA and SCRAM
users; intake configured through the variables deploy/k8s passes: KAFKA_SECURITY_PROTOCOL,
KAFKA_SASL_*, KAFKA_SSL_CAFILE), and gRPC with mutual TLS (GRPC_TLS_*).

A request record flows in, through intake's consumer, store and relay, out as its event, and
a poison record reaches the dead-letter topic: every Kafka client of the service (admin,
consumer, relay producer and reader, dead-letter producer) authenticated over TLS. A gRPC
client with a certificate from the CA is served, one without is refused. A wrong Kafka
password stops the service with a message saying the broker refused the credentials.
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import grpc
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from servicehub.events.v1 import intake_pb2 as events
from servicehub.intake.v1 import intake_pb2, intake_pb2_grpc
from servicehub_localinfra import LocalKafka
from servicehub_localinfra.services import ServiceProcess
from servicehub_localinfra.tls import GrpcPki, make_grpc_pki
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


ISSUER = TokenIssuer()


def intake_process(kafka: LocalKafka, directory, pki: GrpcPki | None = None, **kafka_env: str) -> ServiceProcess:
    return ServiceProcess(
        "intake",
        bootstrap_servers=kafka.bootstrap_servers,
        data_dir=directory,
        extra_env={
            **ISSUER.env(directory), **kafka.client_env("intake"), **(pki.server_env() if pki else {}), **kafka_env,
        },
        grpc_credentials=pki.channel_credentials() if pki else None,
    )


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> GrpcPki:
    return make_grpc_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def intake(kafka: LocalKafka, pki: GrpcPki, tmp_path_factory) -> Iterator[ServiceProcess]:
    process = intake_process(kafka, tmp_path_factory.mktemp("intake"), pki).start()
    try:
        process.wait_serving()
        yield process
    finally:
        process.stop()
    assert "Traceback" not in process.log_path.read_text(), process.log_tail()


async def record_of(kafka: LocalKafka, topic: str, matches: Callable[[Any], bool]) -> Any:
    """The first record of the topic that `matches`, read as the test's own user."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka.bootstrap_servers, enable_auto_commit=False, isolation_level="read_committed",
        **kafka.client_options("tester"),
    )
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(3)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        while True:
            batch = await consumer.getmany(timeout_ms=60_000)
            assert batch, f"no such record on {topic} within 60 s"
            for record in (r for records in batch.values() for r in records):
                if matches(record):
                    return record
    finally:
        await consumer.stop()


def application_request(partner: str) -> intake_pb2.SubmitApplicationRequest:
    return intake_pb2.SubmitApplicationRequest(
        idempotency_key=f"secure-{uuid.uuid4().hex[:8]}", partner_id=partner, partner_name="Secure Partner",
        corporate_email=f"ops@{partner}.example",
        evidence=[events.Evidence(criterion="service-content.migration", document_uri="https://s.example/m.pdf")],
    )


async def test_a_record_flows_through_intake_on_a_sasl_ssl_broker(kafka: LocalKafka, intake) -> None:
    body, headers = encode(
        application_request("p-sasl"), event_id="sasl-1", source="/tests", subject="", time=datetime.now(UTC)
    )
    raw_headers = [(name, value.encode()) for name, value in headers.items()]
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers, **kafka.client_options("tester"))
    await producer.start()
    try:
        poison = await producer.send_and_wait(REQUESTS, b"\xff not protobuf", headers=raw_headers)
        await producer.send_and_wait(REQUESTS, body, headers=raw_headers)
    finally:
        await producer.stop()

    submitted = await record_of(
        kafka, SUBMITTED, lambda r: events.ApplicationSubmitted.FromString(r.value).partner_id == "p-sasl"
    )
    assert events.ApplicationSubmitted.FromString(submitted.value).corporate_email == "ops@p-sasl.example"
    dead = await record_of(kafka, DEAD_LETTERS, lambda r: dict(r.headers)["dlq_offset"] == str(poison.offset).encode())
    assert dict(dead.headers)["dlq_reason"].startswith(b"body is not a valid")


async def test_grpc_with_mutual_tls_serves_a_client_with_a_certificate_and_refuses_one_without(intake, pki) -> None:
    token = [("authorization", f"Bearer {ISSUER.token('integrator-system', subject='mtls-client')}")]
    async with grpc.aio.secure_channel(intake.grpc_address, pki.channel_credentials()) as channel:
        receipt = await intake_pb2_grpc.IntakeServiceStub(channel).SubmitApplication(
            application_request("p-mtls"), metadata=token, timeout=10)
    assert receipt.application_id

    credentials = pki.channel_credentials(with_certificate=False)
    async with grpc.aio.secure_channel(intake.grpc_address, credentials) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await intake_pb2_grpc.IntakeServiceStub(channel).SubmitApplication(
                application_request("p-no-cert"), metadata=token, timeout=10)
    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE  # the TLS handshake fails
    async with grpc.aio.insecure_channel(intake.grpc_address) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as plaintext:
            await intake_pb2_grpc.IntakeServiceStub(channel).SubmitApplication(
                application_request("p-plain"), metadata=token, timeout=10)
    assert plaintext.value.code() == grpc.StatusCode.UNAVAILABLE


def test_a_wrong_password_stops_the_service_naming_the_refusal(kafka: LocalKafka, tmp_path) -> None:
    intake = intake_process(kafka, tmp_path, KAFKA_SASL_PASSWORD="not" + secrets.token_hex(8)).start()
    deadline = time.monotonic() + 120
    while intake.running and time.monotonic() < deadline:
        time.sleep(0.2)
    code = intake.stop()  # its exit code (stopped here only if it ran on past the deadline)
    log = intake.log_path.read_text()
    assert code != 0, intake.log_tail()
    assert "Kafka refused the credentials of user 'intake' (SCRAM-SHA-512)" in log, intake.log_tail()
