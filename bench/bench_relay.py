"""Outbox relay throughput against a bare idempotent aiokafka producer, in one run (a benchmark).

Records N events in a fresh event store (SQLite, or a throw-away PostgreSQL server), then
times the runtime's `OutboxRelay` publishing all of them to a 3-partition topic — from
start-up (reading the topics' ends) until its recorded position reaches the last event —
and, on the same broker, a bare `AIOKafkaProducer` (idempotent, acks=all) sending the same
number of records of the same size, keyed, all sends first and then one wait for every
delivery. The last line printed is one JSON object with both figures and their ratio.
Usage: `uv run python bench/bench_relay.py [N] [sqlite|postgres]` (default 20,000 on SQLite).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
from aiokafka import AIOKafkaProducer
from eventsourcing.domain import Aggregate, event
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from servicehub.events.v1.intake_pb2 import ApplicationSubmitted, Evidence
from servicehub_localinfra import LocalPostgres, kafka_bootstrap
from servicehub_runtime.cloudevents import topic_of
from servicehub_runtime.eventstore import TracedEventApplication
from servicehub_runtime.relay import Outbound, OutboxRelay
from servicehub_runtime.topics import ensure_topics

TOPIC = topic_of(ApplicationSubmitted)
SOURCE = "/servicehub/bench-relay"


class Submission(Aggregate):
    @event("Submitted")
    def __init__(self, id: uuid.UUID, partner: str) -> None:
        self.partner = partner


class Submissions(TracedEventApplication):
    name = "bench_relay"


def translate(domain_event: Any) -> Outbound:
    key = str(domain_event.originator_id)
    return Outbound(
        ApplicationSubmitted(
            application_id=key,
            partner_id=domain_event.partner,
            partner_name="Bench Partner",
            corporate_email="ops@bench.example",
            evidence=[Evidence(criterion="c", summary="s", document_uri="https://bench.example/d")],
        ),
        key,
    )


def record(app: Submissions, count: int) -> None:
    for start in range(0, count, 500):
        app.record(*(Submission(id=uuid.uuid4(), partner=f"p-{i % 100}") for i in range(start, min(start + 500, count))))


async def relay_all(app: Submissions, bootstrap: str) -> float:
    newest = app.recorder.max_notification_id()
    relay = OutboxRelay(
        app, bootstrap_servers=bootstrap, source=SOURCE, translate=translate,
        topics=[TOPIC], dead_letter_topic="bench-relay.dead-letter.v1",
    )
    started = time.perf_counter()
    running = asyncio.create_task(relay.run())
    try:
        while (app.position(f"outbox-relay:{SOURCE}") or 0) < newest:
            if running.done():
                running.result()
            await asyncio.sleep(0.01)
        return time.perf_counter() - started
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)


async def bare_producer(bootstrap: str, count: int, size: int) -> float:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        body = b"x" * size
        started = time.perf_counter()
        for chunk in range(0, count, 500):
            deliveries = [
                await producer.send(TOPIC, body, key=str(uuid.uuid4()).encode())
                for _ in range(chunk, min(chunk + 500, count))
            ]
            await asyncio.gather(*deliveries)
        return time.perf_counter() - started
    finally:
        await producer.stop()


async def run(count: int, store_env: dict[str, str], bootstrap: str) -> dict[str, Any]:
    await ensure_topics(bootstrap, [TOPIC], partitions=3, replication_factor=1)
    app = Submissions(env=store_env)
    try:
        record(app, count)
        first = app.mapper.to_domain_event(app.notifications_after(0, 1)[0])
        size = len(translate(first).message.SerializeToString())
        bare = await bare_producer(bootstrap, count, size)
        relayed = await relay_all(app, bootstrap)
    finally:
        app.close()
    return {
        "events": count,
        "relay_per_s": round(count / relayed),
        "bare_producer_per_s": round(count / bare),
        "relay_ratio": round(bare / relayed, 2),
    }


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    store = sys.argv[2] if len(sys.argv) > 2 else "sqlite"
    trace.set_tracer_provider(TracerProvider())  # as a service has one: spans made, not exported
    with tempfile.TemporaryDirectory() as folder, kafka_bootstrap() as bootstrap:
        if store == "postgres":
            with LocalPostgres() as server:
                schema = f"bench_{uuid.uuid4().hex[:8]}"
                with psycopg.connect(server.dsn, autocommit=True) as connection:
                    connection.execute(f"CREATE SCHEMA {schema}")
                env = {"PERSISTENCE_MODULE": "eventsourcing.postgres", **server.env, "POSTGRES_SCHEMA": schema}
                result = asyncio.run(run(count, env, bootstrap))
        else:
            env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(Path(folder) / "relay.sqlite")}
            result = asyncio.run(run(count, env, bootstrap))
    print(json.dumps({"store": store, "cpus": os.cpu_count(), **result}))


if __name__ == "__main__":
    main()
