"""Runs one service process: event store, Kafka consumers, outbox relay, gRPC, metrics.

A service describes itself with a `ServiceDefinition`; `run_service` wires the parts in
the right order. gRPC starts first and answers calls at once: they need only the event
store (what they record waits in the outbox for the relay), so a restarted process answers
commands while it connects to Kafka. Health reports SERVING once the relay has resumed;
the consumers join their group in the background (with KAFKA_GROUP_INSTANCE_ID set, as a
static member that gets its partitions back at once). SIGTERM or SIGINT shuts everything
down in reverse order.

On PostgreSQL a service may run as several instances: all consume and answer gRPC, one
relays (leadership.py), woken by the events any of them records, and does the other work
only one instance may do (`ServiceDefinition.lead`, lead.py). On SQLite it runs as one: a second process on the same file stops
at start-up with a message naming the file.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import psycopg
import psycopg.sql
from eventsourcing.utils import Environment
from faststream.kafka import KafkaBroker
from google.protobuf.message import Message

from servicehub_businesstime import (
    BusinessCalendar,
    CalendarDataError,
    log_horizon_status,
    register_horizon_gauge,
)

from . import auth, encryption, kafkasecurity
from .brokeroutage import BrokerOutageLog
from .cloudevents import topic_of
from .consumer import KafkaDeadLetterSender, TrackingConsumer
from .consumerlag import LagMonitor
from .deadlines import DeadlineScheduler
from .eventstore import TracedEventApplication
from .grpcserver import GrpcServer, GrpcService, GrpcTlsError
from .lead import Lead, ObservedLeadership
from .leadership import (
    AnotherInstanceRuns,
    Leadership,
    PostgresLeadership,
    SoleInstance,
    single_instance,
)
from .metrics import serve_metrics
from .projection import Projection
from .relay import OutboxRelay, Translator
from .settings import ServiceSettings
from .telemetry import configure_tracing
from .topics import DEAD_LETTER_TOPIC_CONFIG, ensure_topics
from .wallclock import Clock, utc_now

log = logging.getLogger(__name__)


@dataclass
class ServiceDefinition:
    """What one service is made of; the runtime supplies everything else."""

    name: str
    application: TracedEventApplication
    grpc_services: list[GrpcService]
    # Subscribes the service's handlers; called once with the service's consumer.
    subscribe: Callable[[TrackingConsumer], None] = lambda consumer: None
    # Integration events the relay publishes, and how domain events become them.
    publishes: list[type[Message]] = field(default_factory=list)
    translate: Translator = lambda domain_event: None
    # Topics the service reads (so they exist before its consumers start).
    consumes: list[type[Message]] = field(default_factory=list)
    # Read models kept up to date while the service runs.
    projections: list[Projection] = field(default_factory=list)
    # The business calendar the service computes deadlines with; its data horizon is
    # logged at start-up and exported as a metric so operators renew it in time.
    calendar: BusinessCalendar | None = None
    # Fires the deadlines the service's aggregates schedule (see deadlines.py).
    deadlines: DeadlineScheduler | None = None
    # The service's one clock: give the same one to its application and deadline scheduler.
    clock: Clock = utc_now
    # Held while this instance relays: work only one instance may do checks it (lead.py).
    lead: Lead = field(default_factory=Lead)

    @property
    def dead_letter_topic(self) -> str:
        return f"{self.name}.dead-letter.v1"


def load_business_calendar(settings: ServiceSettings) -> BusinessCalendar:
    """The PRC calendar plus the operator's override file; a bad file stops the process."""
    try:
        return BusinessCalendar.load(settings.business_calendar_override)
    except (CalendarDataError, OSError) as error:
        sys.exit(f"invalid BUSINESS_CALENDAR_OVERRIDE: {error}")


def application_env(settings: ServiceSettings, service_name: str) -> dict[str, str]:
    """eventsourcing settings: a SQLite file per service unless PostgreSQL is chosen, and the
    store's encryption (encryption.py).

    With PostgreSQL, the connection comes from eventsourcing's `POSTGRES_*` variables (each
    may be prefixed with the service name, e.g. `CERTIFICATION_POSTGRES_SCHEMA`), and the
    service's schema is created if it does not exist yet.
    """
    env = {"PERSISTENCE_MODULE": settings.persistence_module}
    try:
        env.update(encryption.cipher_env(settings))
    except encryption.EncryptionConfigurationError as error:
        sys.exit(f"invalid configuration: {error}")
    if settings.persistence_module == "eventsourcing.sqlite":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        env["SQLITE_DBNAME"] = str(sqlite_store(settings, service_name))
    else:
        ensure_postgres_schema(Environment(service_name, dict(os.environ)))
    return env


def sqlite_store(settings: ServiceSettings, service_name: str) -> Path:
    return settings.data_dir / f"{service_name}.sqlite"


def postgres_connect_args(env: Environment) -> dict[str, Any]:
    """psycopg connection arguments from eventsourcing's `POSTGRES_*` variables."""
    return {
        "host": env.get("POSTGRES_HOST", "127.0.0.1"),
        "port": int(env.get("POSTGRES_PORT", "5432")),
        "user": env.get("POSTGRES_USER"),
        "password": env.get("POSTGRES_PASSWORD"),
        "dbname": env.get("POSTGRES_DBNAME"),
    }


def ensure_postgres_schema(env: Environment) -> None:
    schema = env.get("POSTGRES_SCHEMA")
    if not schema:
        return
    with psycopg.connect(**postgres_connect_args(env), autocommit=True) as connection:
        connection.execute(
            psycopg.sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(psycopg.sql.Identifier(schema))
        )


def event_source(service_name: str) -> str:
    """The CloudEvents `ce_source` of the service's events (and so its relay's names)."""
    return f"/servicehub/{service_name}"


def relay_leadership(
    settings: ServiceSettings, service_name: str, application: TracedEventApplication
) -> Leadership:
    """Who relays: on PostgreSQL the holder of the service's advisory lock (which also hears
    of the events other instances record), on SQLite the one instance there can be."""
    channel = application.new_events_channel
    if channel is None:
        return SoleInstance()
    env = Environment(service_name, dict(os.environ))
    return PostgresLeadership(
        postgres_connect_args(env),
        name=f"{env.get('POSTGRES_SCHEMA') or 'public'}.{service_name}",
        instance=settings.kafka_group_instance_id or f"{socket.gethostname()}-{os.getpid()}",
        new_events_channel=channel,
    )


async def run_service(definition: ServiceDefinition, settings: ServiceSettings) -> None:
    logging.basicConfig(
        level=settings.log_level,
        format=f"%(asctime)s {definition.name} %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    store_lock = _single_instance_on_sqlite(settings, definition.name)
    outage = BrokerOutageLog.install()  # one line per outage, not a hundred a second
    try:
        authentication = auth.Authentication.from_settings(settings)
    except auth.AuthConfigurationError as error:
        sys.exit(f"invalid configuration: {error}")
    try:
        kafka_security = kafkasecurity.KafkaSecurity.from_settings(settings)
        kafka_security.client_options()  # reads the CA file now
    except kafkasecurity.KafkaSecurityError as error:
        sys.exit(f"invalid configuration: {error}")
    kafkasecurity.configure(kafka_security)
    tracer_provider = configure_tracing(definition.name)
    serve_metrics(settings.metrics_host, settings.metrics_port)
    if definition.calendar is not None:
        log_horizon_status(definition.calendar, definition.clock())
        register_horizon_gauge(definition.calendar)

    try:
        grpc_tls = settings.grpc_tls()
    except GrpcTlsError as error:
        sys.exit(f"invalid configuration: {error}")
    grpc_server = GrpcServer(
        settings.grpc_host,
        settings.grpc_port,
        definition.grpc_services,
        settings.grpc_limits(),
        gate=auth.Gate(authentication, [s.descriptor for s in definition.grpc_services]),
        tls=grpc_tls,
    )
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)

    # Callbacks run in reverse: stop background work, stop taking calls, then close stores.
    async with contextlib.AsyncExitStack() as running:
        if store_lock is not None:
            running.callback(store_lock.close)  # last: held for the process's whole life
        running.callback(tracer_provider.shutdown)
        running.callback(definition.application.close)
        running.push_async_callback(definition.application.close_loop_connections)
        for projection in definition.projections:
            running.callback(projection.close)
        if definition.deadlines is not None:
            running.callback(definition.deadlines.close)
        await grpc_server.start()
        running.push_async_callback(grpc_server.stop)
        relay, tasks = await _start_background(definition, settings, running)
        monitor = LagMonitor(
            settings.kafka_bootstrap_servers,
            group_id=definition.name,
            topics=[topic_of(t) for t in definition.consumes],
            outage=outage,
        )
        tasks.append(asyncio.create_task(monitor.run(), name="lag-monitor"))  # cancelled with them
        await _until(relay.ready.wait(), tasks)
        await grpc_server.serving()
        _tune_garbage_collector()
        log.info(
            "SERVING gRPC on %s, metrics on %s:%d",
            grpc_server.address,
            settings.metrics_host,
            settings.metrics_port,
        )
        await _until(stopping.wait(), tasks)
        log.info("shutting down")


def _tune_garbage_collector() -> None:
    """What start-up made (modules, rules data, schemas) lives as long as the process: out
    of the collector's sight, a full collection takes milliseconds, not the 50-100 ms that
    stalled every call in flight at 1,000 queries/s. A consumed batch keeps thousands of
    objects alive at once, each 700 of which set off a young collection with the default
    threshold: at 10,000, certification spent 0.3 s instead of 0.8 s of 6-7 s collecting
    while consuming 5,000 records (gc callbacks, bench_throughput kafka)."""
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


def _single_instance_on_sqlite(settings: ServiceSettings, service_name: str) -> IO[str] | None:
    """The lock that keeps a second instance off the SQLite store; it stops if one runs."""
    if settings.persistence_module != "eventsourcing.sqlite":
        return None
    try:
        return single_instance(sqlite_store(settings, service_name))
    except AnotherInstanceRuns as error:
        sys.exit(f"{service_name}: {error}")


async def _start_background(
    definition: ServiceDefinition,
    settings: ServiceSettings,
    running: contextlib.AsyncExitStack,
) -> tuple[OutboxRelay, list[asyncio.Task[None]]]:
    """Starts consumers, relay, projections and deadlines (stopped by `running`)."""
    try:
        await kafkasecurity.check_credentials(settings.kafka_bootstrap_servers)
    except kafkasecurity.KafkaSecurityError as error:
        sys.exit(f"invalid configuration: {error}")
    published_topics = [topic_of(t) for t in definition.publishes]
    await ensure_topics(
        settings.kafka_bootstrap_servers,
        [*published_topics, *(topic_of(t) for t in definition.consumes), definition.dead_letter_topic],
        partitions=settings.kafka_topic_partitions,
        replication_factor=settings.kafka_replication_factor,
        configs={definition.dead_letter_topic: DEAD_LETTER_TOPIC_CONFIG},
    )
    broker = KafkaBroker(
        settings.kafka_bootstrap_servers,
        client_id=definition.name,
        enable_idempotence=True,
        acks="all",
        security=kafkasecurity.faststream_security(),
        logger=logging.getLogger("faststream"),
        log_level=logging.DEBUG,  # per-message lines only when debugging
    )
    dead_letters = KafkaDeadLetterSender(settings.kafka_bootstrap_servers, client_id=definition.name)
    consumer = TrackingConsumer(
        broker,
        definition.application,
        group_id=definition.name,
        dead_letter_topic=definition.dead_letter_topic,
        dead_letters=dead_letters,
        overflow_dir=settings.data_dir / "dead-letters",
        group_instance_id=settings.kafka_group_instance_id,
    )
    definition.subscribe(consumer)
    consumer.install()
    relay = OutboxRelay(
        definition.application,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        source=event_source(definition.name),
        translate=definition.translate,
        topics=published_topics,
        dead_letter_topic=definition.dead_letter_topic,
        leadership=ObservedLeadership(
            relay_leadership(settings, definition.name, definition.application), definition.lead
        ),
    )
    await dead_letters.start()
    running.push_async_callback(dead_letters.stop)
    await broker.start()
    running.push_async_callback(broker.stop)
    tasks = [
        asyncio.create_task(relay.run(), name="outbox-relay"),
        asyncio.create_task(consumer.run_committer(), name="offset-committer"),
    ]
    tasks += [asyncio.create_task(p.run(), name="projection") for p in definition.projections]
    if definition.deadlines is not None:
        tasks.append(asyncio.create_task(definition.deadlines.run(), name="deadline-scheduler"))
    running.push_async_callback(_cancel, tasks)
    return relay, tasks


async def _cancel(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def _until(awaitable: Any, tasks: list[asyncio.Task[None]]) -> None:
    """Waits for `awaitable`, but re-raises at once if a background task fails."""
    waiter = asyncio.ensure_future(awaitable)
    done, _ = await asyncio.wait({waiter, *tasks}, return_when=asyncio.FIRST_COMPLETED)
    if waiter not in done:
        waiter.cancel()
        for task in done:
            task.result()
        raise RuntimeError("a background task ended unexpectedly")
