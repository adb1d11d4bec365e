"""The system on a real Kafka broker: four service processes, real gRPC, real traces.

One broker and one OTLP trace receiver serve the whole session; the four services run as
separate processes exporting their spans to that receiver. certification and billing keep
their events in a real PostgreSQL server (each in its own schema, the production set-up),
intake and sla in SQLite files (the default), so every flow crosses both kinds of store.
Records are told apart by the unique ids each test creates, so tests share the system.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
import threading
import time
import urllib.request
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from concurrent import futures
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from pathlib import Path

import grpc
import pytest
import pytest_asyncio
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.structs import ConsumerRecord
from aiosmtpd.controller import Controller
from eventsourcing.cryptography import AESCipher
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1 import (
    trace_service_pb2,
    trace_service_pb2_grpc,
)
from prometheus_client.parser import text_string_to_metric_families

from servicehub.billing.v1 import billing_pb2_grpc
from servicehub.certification.v1 import certification_pb2, certification_pb2_grpc
from servicehub.events.v1.intake_pb2 import Evidence
from servicehub.intake.v1 import intake_pb2, intake_pb2_grpc
from servicehub.sla.v1 import sla_pb2_grpc
from servicehub_businesstime import BusinessCalendar
from servicehub_localinfra import LocalPostgres, kafka_bootstrap
from servicehub_localinfra.services import ServiceProcess, System
from servicehub_localinfra.tokens import TokenIssuer

pytestmark = pytest.mark.integration


class TraceReceiver(trace_service_pb2_grpc.TraceServiceServicer):
    """An OTLP/gRPC trace endpoint that keeps every span it receives, by service."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.spans: dict[str, list] = defaultdict(list)

    def Export(self, request, context):  # noqa: N802 - gRPC method name
        with self._lock:
            for resource_spans in request.resource_spans:
                service = next(
                    (
                        a.value.string_value
                        for a in resource_spans.resource.attributes
                        if a.key == "service.name"
                    ),
                    "unknown",
                )
                for scope_spans in resource_spans.scope_spans:
                    self.spans[service].extend(scope_spans.spans)
        return trace_service_pb2.ExportTraceServiceResponse()

    def spans_of(self, service: str) -> list:
        with self._lock:
            return list(self.spans[service])


@pytest.fixture(scope="session")
def trace_receiver() -> Iterator[tuple[TraceReceiver, str]]:
    receiver = TraceReceiver()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(receiver, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield receiver, f"http://127.0.0.1:{port}"
    server.stop(grace=None)


@pytest.fixture(scope="session")
def bootstrap_servers() -> Iterator[str]:
    with kafka_bootstrap() as bootstrap:
        yield bootstrap


_running_systems: list[System] = []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test's report ends with each service's log tail (temp folders are removed)."""
    outcome = yield
    report = outcome.get_result()
    if report.failed and _running_systems:
        for name, service in _running_systems[-1].services.items():
            report.sections.append((f"{name} log (last lines)", service.log_tail(40)))


@pytest.fixture(scope="session")
def postgres() -> Iterator[LocalPostgres]:
    with LocalPostgres() as server:
        yield server


def postgres_store(server: LocalPostgres, service: str) -> dict[str, str]:
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        **server.env,
        f"{service.upper()}_POSTGRES_SCHEMA": service,
    }


# sla runs on real time with short targets: P0-P3 responses run out within seconds (their
# 80/90/95/100% thresholds fall due 12, 13.5, 14.25 and 15 s after submission: the deadline
# crash test), P4 tickets and resolutions stay pending for the whole session (the deadline
# rebuild test, the lifecycle test).
FAST_SLA_POLICY = """
[[policy]]
id = "TEST-FAST"
version = 1
default = true
clock = "7x24"

[policy.escalation]
80 = "handling-team"
90 = "senior-engineer"
95 = "technical-manager"
100 = "emergency-response"

[policy.notify]
P0 = ["sms", "phone", "email"]

[policy.contacts.handling-team]
email = ["team@sla.test"]

[policy.contacts.senior-engineer]
email = ["senior@sla.test"]

[policy.contacts.technical-manager]
email = ["manager@sla.test"]

[policy.contacts.emergency-response]
email = ["emergency@sla.test"]

[[policy.target]]
priorities = ["P0", "P1", "P2", "P3"]
name = "response"
seconds = 15
start = "opened"
stop = "first-response"

[[policy.target]]
priorities = ["P4"]
name = "response"
seconds = 7200
start = "opened"
stop = "first-response"

[[policy.target]]
priorities = ["P0", "P1", "P2", "P3", "P4"]
name = "resolution"
seconds = 7200
start = "problem-confirmed"
stop = "solution-given"
"""


CIPHER_KEY = AESCipher.create_key(32)


def weekend_only_calendar(path: Path) -> Path:
    """An override file that carries the calendar from the shipped horizon to two years after
    today with fixture years (Monday–Friday working, New Year's Day off, status "test"): the
    flows run with real dates, and must not start failing when the shipped PRC data ends.
    The horizon rule itself is tested in libs/businesstime and the services' unit tests."""
    first = BusinessCalendar.load().horizon.year + 1
    years = range(first, dt.date.today().year + 3)
    path.write_text('format = "servicehub.businesstime/1"\n' + "".join(
        f'\n["{year}"]\nsource = "servicehub integration-test fixture, not a State Council schedule"\n'
        f'status = "test"\n["{year}".holidays]\n{year}-01-01 = "New Year\'s Day"\n'
        for year in years
    ))
    return path


class Mailbox:
    """An SMTP server's handler (aiosmtpd) keeping every mail sla sends; refuses (451) the
    first mail whose subject holds a marker given to `refuse_first`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._mails: list[EmailMessage] = []
        self._refuse: set[str] = set()
        self.refused: list[EmailMessage] = []

    def refuse_first(self, marker: str) -> None:
        with self._lock:
            self._refuse.add(marker)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        mail = message_from_bytes(envelope.content, policy=email_policy.default)
        with self._lock:
            marker = next((m for m in self._refuse if m in mail["Subject"]), None)
            if marker is not None:
                self._refuse.discard(marker)
                self.refused.append(mail)
                return "451 4.3.0 mail system busy, try again later"
            self._mails.append(mail)
        return "250 OK"

    def mails(self) -> list[EmailMessage]:
        with self._lock:
            return list(self._mails)


@pytest.fixture(scope="session")
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    """A real SMTP server on 127.0.0.1 receiving sla's escalation e-mails, and its port."""
    with socket.socket() as probe:  # aiosmtpd needs a fixed port to check it started
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    received = Mailbox()
    controller = Controller(received, hostname="127.0.0.1", port=port)
    controller.start()
    yield received, port
    controller.stop()


@pytest.fixture(scope="session")
def calendar_override(tmp_path_factory) -> Path:
    return weekend_only_calendar(tmp_path_factory.mktemp("calendar") / "override.toml")


@pytest.fixture(scope="session")
def sla_policy(tmp_path_factory) -> Path:
    """sla's policy file: FAST_SLA_POLICY."""
    path = tmp_path_factory.mktemp("sla-policy") / "policy.toml"
    path.write_text(FAST_SLA_POLICY)
    return path


@pytest.fixture(scope="session")
def system(
    bootstrap_servers, trace_receiver, postgres, mailbox, issuer, calendar_override, sla_policy,
    tmp_path_factory,
) -> Iterator[System]:
    _, endpoint = trace_receiver
    otel = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
        "OTEL_EXPORTER_OTLP_INSECURE": "true",
        "OTEL_BSP_SCHEDULE_DELAY": "200",
    }
    # Authentication is on, as in production: the services trust the test issuer's key.
    auth = issuer.env(tmp_path_factory.mktemp("auth"))
    # Every event store is encrypted, SQLite ones too (required on PostgreSQL).
    encryption = {"CIPHER_KEY": CIPHER_KEY}
    running = System(
        bootstrap_servers=bootstrap_servers,
        data_dir=tmp_path_factory.mktemp("system"),
        extra_env={**otel, **auth, **encryption, "BUSINESS_CALENDAR_OVERRIDE": str(calendar_override)},
        service_env={
            **{name: postgres_store(postgres, name) for name in ("certification", "billing")},
            "sla": {
                "SLA_POLICY_FILE": str(sla_policy),
                "SLA_SMTP_HOST": "127.0.0.1",
                "SLA_SMTP_PORT": str(mailbox[1]),
                "SLA_SMTP_FROM": "sla@servicehub.test",
            },
        },
    )
    with running:
        _running_systems.append(running)
        yield running
        _running_systems.remove(running)


# The roles of the `clients` fixture's token: every role that is not scoped to a tenant, so
# each method acts in the first of them it admits. Partner- and customer-only calls send
# their own token (`issuer.metadata("partner", partner_id=...)`).
STAFF_ROLES = (
    "reviewer", "expert", "sig-secretary", "community-operator", "operator", "integrator-system",
)


@pytest.fixture(scope="session")
def issuer() -> TokenIssuer:
    """Mints the tokens the tests call with; the services trust its key (AUTH_JWKS_FILE)."""
    return TokenIssuer()


@pytest_asyncio.fixture
async def clients(system: System, issuer: TokenIssuer) -> AsyncIterator[dict]:
    staff = issuer.interceptor(*STAFF_ROLES, subject="u-staff")
    channels = {
        name: grpc.aio.insecure_channel(system[name].grpc_address, interceptors=[staff])
        for name in system.services
    }
    yield {
        "intake": intake_pb2_grpc.IntakeServiceStub(channels["intake"]),
        "certification": certification_pb2_grpc.CertificationServiceStub(channels["certification"]),
        "sla": sla_pb2_grpc.SlaServiceStub(channels["sla"]),
        "billing": billing_pb2_grpc.BillingServiceStub(channels["billing"]),
    }
    for channel in channels.values():
        await channel.close()


@pytest_asyncio.fixture
async def registered_application(clients, helpers) -> str:
    """One application submitted through intake and registered by certification: its id.

    For tests that need stored data whatever ran before them."""
    receipt = await clients["intake"].SubmitApplication(
        intake_pb2.SubmitApplicationRequest(
            idempotency_key=helpers.unique("fixture"),
            partner_id=helpers.unique("fixture-partner"),
            partner_name="Fixture Partner",
            corporate_email="ops@fixture-partner.example",
            evidence=[Evidence(criterion="service-content.migration", document_uri="https://f.example/m.pdf")],
        ),
        timeout=10,
    )

    async def registered():
        request = certification_pb2.GetApplicationRequest(application_id=receipt.application_id)
        return (await clients["certification"].GetApplication(request, timeout=5)).application

    await helpers.eventually(registered, what="the fixture application registered")
    return receipt.application_id


@pytest_asyncio.fixture
async def producer(bootstrap_servers, system) -> AsyncIterator[AIOKafkaProducer]:
    """A plain Kafka producer, as another company system would use (topics exist once the
    system runs)."""
    kafka = AIOKafkaProducer(bootstrap_servers=bootstrap_servers, acks="all")
    await kafka.start()
    yield kafka
    await kafka.stop()


async def read_topic(bootstrap_servers: str, topic: str) -> list[ConsumerRecord]:
    """Every committed record on the topic right now, all partitions (as the services'
    consumers read them: never a record of an aborted transaction)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers, enable_auto_commit=False, isolation_level="read_committed"
    )
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in await _partitions(consumer, topic)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        records: list[ConsumerRecord] = []
        while [tp for tp, end in ends.items() if await consumer.position(tp) < end]:
            batch = await consumer.getmany(timeout_ms=1000)
            for partition_records in batch.values():
                records.extend(partition_records)
        return records
    finally:
        await consumer.stop()


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    for _ in range(50):
        partitions = consumer.partitions_for_topic(topic)
        if partitions:
            return partitions
        await consumer._client.force_metadata_update()  # noqa: SLF001 - test helper only
        await asyncio.sleep(0.1)
    raise AssertionError(f"topic {topic} does not exist")


def headers_of(record: ConsumerRecord) -> dict[str, str]:
    return {name: (value or b"").decode(errors="replace") for name, value in record.headers}


def messages(records: list[ConsumerRecord], message_type: type) -> list[tuple[ConsumerRecord, object]]:
    """The records that decode as `message_type`, with their message. Topics are shared by the
    session's tests, and the Kafka fuzz test leaves undecodable records on every consumed one:
    callers still pick their own records by id."""
    decoded = []
    for record in records:
        try:
            decoded.append((record, message_type.FromString(record.value or b"")))
        except DecodeError:
            continue
    return decoded


async def eventually(check, *, timeout: float = 60.0, interval: float = 0.2, what: str = "condition"):
    """Polls an async `check` until it returns a truthy value, which it returns."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last_error: Exception | None = None
    while loop.time() < deadline:
        try:
            result = await check()
            if result:
                return result
        except grpc.aio.AioRpcError as error:
            last_error = error
        await asyncio.sleep(interval)
    raise AssertionError(f"{what} not reached within {timeout}s (last error: {last_error})")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def metric(port: int, name: str, **labels: str) -> float:
    """A sample's value (summed over other labels) from a service's /metrics, 0 if absent."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
    )


async def until(check, what: str, timeout: float = 180.0):
    """Polls a blocking `check` until truthy (a guard against hanging, not a timing goal)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = await asyncio.to_thread(check)
        if result:
            return result
        await asyncio.sleep(0.1)
    raise AssertionError(f"{what} not reached within {timeout:.0f}s")


async def wait_for_metric(port: int, name: str, at_least: float, **labels: str) -> float:
    """A sample's value once it is at least `at_least` (a guard against hanging: 120 s)."""
    for _ in range(2400):
        value = await asyncio.to_thread(metric, port, name, **labels)
        if value >= at_least:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError(f"{name}{labels} never reached {at_least}")


def postgres_replica(
    name: str, *, bootstrap_servers: str, postgres: LocalPostgres, auth: dict[str, str],
    data_dir: Path, **env: str,
) -> ServiceProcess:
    """One more instance of a service on its PostgreSQL schema (postgres_store), encrypted as
    the system's are: its own data folder (read models), ports and log."""
    return ServiceProcess(
        name, bootstrap_servers=bootstrap_servers, data_dir=data_dir,
        extra_env={**postgres_store(postgres, name), "CIPHER_KEY": CIPHER_KEY, **auth, **env},
    )


@pytest.fixture
def helpers():
    """The module-level helpers, for tests (importlib mode cannot import conftest)."""

    class Helpers:
        read_topic = staticmethod(read_topic)
        headers_of = staticmethod(headers_of)
        messages = staticmethod(messages)
        eventually = staticmethod(eventually)
        unique = staticmethod(unique)
        metric = staticmethod(metric)
        wait_for_metric = staticmethod(wait_for_metric)
        until = staticmethod(until)
        postgres_replica = staticmethod(postgres_replica)
        staff_roles = STAFF_ROLES
        cipher_key = CIPHER_KEY

    return Helpers

