"""Throughput of the system against bare aiokafka, in one run on the same payloads (a benchmark).

Starts Kafka and the four services in a temp folder (SQLite stores, or all four on a
throw-away PostgreSQL server) and measures, for N
certification applications encoded once as binary-mode CloudEvents:

(a) `passthrough`: a bare aiokafka consumer group copying them from one topic to another
    with an idempotent acks=all producer — the floor any Kafka service in Python pays;
(b) `kafka_e2e`: published to intake's inbound topic until certification has registered
    every one (intake consumes, records, relays; certification consumes, records);
(c) `grpc_e2e`: submitted over intake's gRPC, 64 in flight, until certification has
    registered every one (`grpc_accept` is how fast intake answered them);
(d) `rebuild`: certification's application list rebuilt from its event log (the runtime's
    Projection, as after deleting the view's file) against a raw scan of the same SQLite rows;
(e) `restart`: intake SIGKILLed and started again; seconds from the new process's start
    until it answers a gRPC command, and until its health reports SERVING.

Each timing runs from the first record sent to the last one done. The last line printed is
one JSON object with every figure. Usage:
`uv run python bench/bench_throughput.py [N] [sqlite|postgres]` (default 5,000 on SQLite;
about 3 minutes on the 2-core development machine).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import sqlite3
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path

import grpc
import psycopg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from eventsourcing.cryptography import AESCipher

from servicehub.certification.v1 import certification_pb2, certification_pb2_grpc
from servicehub.events.v1.intake_pb2 import Evidence
from servicehub.intake.v1 import intake_pb2, intake_pb2_grpc
from servicehub_certification.application import Certification
from servicehub_certification.projections import ApplicationList
from servicehub_localinfra import LocalPostgres, kafka_bootstrap
from servicehub_localinfra.services import SERVICES, System
from servicehub_localinfra.tokens import TokenIssuer
from servicehub_runtime.cloudevents import encode, topic_of
from servicehub_runtime.projection import Projection
from servicehub_runtime.topics import ensure_topics

IN_FLIGHT = 64
INBOUND = topic_of(intake_pb2.SubmitApplicationRequest)
REGISTERED = 'servicehub_messages_total{outcome="processed",topic="intake.application-submitted.v1"}'

Payload = tuple[bytes, bytes, list[tuple[str, bytes]]]  # key, body, headers


def requests(count: int, run: str) -> list[intake_pb2.SubmitApplicationRequest]:
    return [
        intake_pb2.SubmitApplicationRequest(
            idempotency_key=f"{run}-{i}",
            partner_id=f"{run}-partner-{i % 100}",
            partner_name="Bench Partner",
            corporate_email="ops@bench.example",
            evidence=[Evidence(criterion="c", summary="s", document_uri="https://bench.example/d")],
        )
        for i in range(count)
    ]


def payloads(batch: list[intake_pb2.SubmitApplicationRequest]) -> list[Payload]:
    now = datetime.now(UTC)
    encoded = []
    for request in batch:
        body, headers = encode(
            request, event_id=str(uuid.uuid4()), source="/bench", subject=request.idempotency_key, time=now
        )
        encoded.append(
            (request.idempotency_key.encode(), body, [(k, v.encode()) for k, v in headers.items()])
        )
    return encoded


async def produce(bootstrap: str, topic: str, records: list[Payload]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5)
    await producer.start()
    try:
        sent = [await producer.send(topic, body, key=key, headers=headers) for key, body, headers in records]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def passthrough(bootstrap: str, records: list[Payload]) -> float:
    """Seconds to publish the records to one topic and copy them all to another."""
    source, target = f"bench.in.{uuid.uuid4().hex[:6]}", f"bench.out.{uuid.uuid4().hex[:6]}"
    await ensure_topics(bootstrap, [source, target], partitions=3, replication_factor=1)
    consumer = AIOKafkaConsumer(
        source,
        bootstrap_servers=bootstrap,
        group_id=f"bench-{source}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5)
    await consumer.start()
    await producer.start()
    try:
        while not consumer.assignment():
            await consumer.getmany(timeout_ms=100)
        started = time.perf_counter()
        feeding = asyncio.create_task(produce(bootstrap, source, records))
        copied = 0
        while copied < len(records):
            batch = await consumer.getmany(timeout_ms=500, max_records=500)
            sent = [
                await producer.send(target, r.value, key=r.key, headers=list(r.headers))
                for rs in batch.values()
                for r in rs
            ]
            await asyncio.gather(*sent)
            await consumer.commit()
            copied += len(sent)
        elapsed = time.perf_counter() - started
        await feeding
        return elapsed
    finally:
        await producer.stop()
        await consumer.stop()


def registered_count(metrics_port: int) -> float:
    with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5) as response:
        text = response.read().decode()
    match = re.search(re.escape(REGISTERED) + r" (\S+)", text)
    return float(match.group(1)) if match else 0.0


async def until_registered(system: System, target: float) -> None:
    port = system["certification"].metrics_port
    while await asyncio.to_thread(registered_count, port) < target:
        await asyncio.sleep(0.05)


async def listed(address: str, run: str) -> int:
    """Applications of this run in certification's list (the check that they really are)."""
    async with grpc.aio.insecure_channel(address, interceptors=[TOKEN]) as channel:
        certification = certification_pb2_grpc.CertificationServiceStub(channel)
        count, token = 0, ""
        while True:
            page = await certification.ListApplications(
                certification_pb2.ListApplicationsRequest(page_size=1000, page_token=token), timeout=30
            )
            count += sum(a.partner_id.startswith(f"{run}-") for a in page.applications)
            token = page.next_page_token
            if not token:
                return count


async def via_kafka(system: System, bootstrap: str, records: list[Payload]) -> float:
    before = await asyncio.to_thread(registered_count, system["certification"].metrics_port)
    started = time.perf_counter()
    await produce(bootstrap, INBOUND, records)
    await until_registered(system, before + len(records))
    return time.perf_counter() - started


async def via_grpc(
    system: System, batch: list[intake_pb2.SubmitApplicationRequest], unavailable: list[str]
) -> tuple[float, float]:
    """Seconds until intake answered every submission, and until certification registered
    them; calls answered UNAVAILABLE are retried and listed in `unavailable`."""
    before = await asyncio.to_thread(registered_count, system["certification"].metrics_port)
    semaphore = asyncio.Semaphore(IN_FLIGHT)
    async with grpc.aio.insecure_channel(system["intake"].grpc_address, interceptors=[TOKEN]) as channel:
        intake = intake_pb2_grpc.IntakeServiceStub(channel)

        async def one(request: intake_pb2.SubmitApplicationRequest) -> None:
            async with semaphore:
                while True:
                    try:
                        await intake.SubmitApplication(request, timeout=60)
                        return
                    except grpc.aio.AioRpcError as error:
                        if error.code() != grpc.StatusCode.UNAVAILABLE:
                            raise
                        unavailable.append(error.details())  # retried, as gRPC clients do

        started = time.perf_counter()
        await asyncio.gather(*(one(r) for r in batch))
        accepted = time.perf_counter() - started
    await until_registered(system, before + len(batch))
    return accepted, time.perf_counter() - started


def rebuild_and_scan(store_env: dict[str, str], folder: Path) -> tuple[int, float, float]:
    """Events in certification's log, and seconds to rebuild its application list from them
    and to scan their rows raw (certification is stopped meanwhile)."""
    certification = Certification(env=store_env)
    projection = Projection(certification, ApplicationList(), folder / "rebuilt-views.sqlite")
    try:
        started = time.perf_counter()
        events = projection.catch_up()
        rebuild = time.perf_counter() - started
    finally:
        projection.close()
        certification.close()
    started = time.perf_counter()
    rows = raw_scan(store_env)
    scan = time.perf_counter() - started
    assert rows == events, f"scanned {rows} rows, rebuilt from {events} events"
    return events, rebuild, scan


def raw_scan(store_env: dict[str, str]) -> int:
    if store_env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite":
        with sqlite3.connect(store_env["SQLITE_DBNAME"]) as connection:
            return sum(1 for _ in connection.execute("SELECT * FROM stored_events"))
    dsn = " ".join(f"{k}={store_env['POSTGRES_' + k.upper()]}" for k in ("host", "port", "user", "password", "dbname"))
    with psycopg.connect(dsn) as connection, connection.cursor(name="scan") as cursor:
        cursor.execute("SELECT * FROM certification.certification_events")
        return sum(1 for _ in cursor)


def store_envs(store: str, folder: Path, postgres: LocalPostgres | None) -> dict[str, dict[str, str]]:
    if postgres is None:
        return {
            name: {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(folder / name / f"{name}.sqlite")}
            for name in SERVICES
        }
    return {
        name: {"PERSISTENCE_MODULE": "eventsourcing.postgres", **postgres.env, "POSTGRES_SCHEMA": name}
        for name in SERVICES
    }


ISSUER = TokenIssuer()
TOKEN = ISSUER.interceptor("integrator-system", "operator")
# Reconnect at once: a channel's default backoff (1 s, growing 1.6x) would be measured too.
FAST_RECONNECT = [("grpc.initial_reconnect_backoff_ms", 20), ("grpc.max_reconnect_backoff_ms", 50)]


async def answers_command(address: str) -> None:
    async with grpc.aio.insecure_channel(address, options=FAST_RECONNECT, interceptors=[TOKEN]) as channel:
        intake = intake_pb2_grpc.IntakeServiceStub(channel)
        while True:
            try:
                await intake.SubmitApplication(requests(1, f"restart-{uuid.uuid4().hex[:6]}")[0], timeout=1)
                return
            except grpc.aio.AioRpcError:
                await asyncio.sleep(0.02)


def restart_seconds(system: System) -> tuple[float, float]:
    """SIGKILLs intake and starts it again: seconds from the new process's start until it
    answers a command, and until its health says SERVING."""
    intake = system["intake"]
    intake.kill()
    started = time.perf_counter()
    intake.start()
    asyncio.run(answers_command(intake.grpc_address))
    answering = time.perf_counter() - started
    while not intake.is_serving():
        time.sleep(0.02)
    return answering, time.perf_counter() - started


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    store = sys.argv[2] if len(sys.argv) > 2 else "sqlite"
    if store not in ("sqlite", "postgres"):
        sys.exit(f"store must be sqlite or postgres, not {store!r}")
    figures: dict[str, object] = {
        "count": count,
        "machine": f"{cpu_model()}, {os.cpu_count()} cores",
        "store": store,
    }
    with contextlib.ExitStack() as running:
        folder = Path(running.enter_context(tempfile.TemporaryDirectory(prefix="servicehub-bench-")))
        bootstrap = running.enter_context(kafka_bootstrap())
        postgres = running.enter_context(LocalPostgres()) if store == "postgres" else None
        stores = store_envs(store, folder, postgres)
        service_env = {
            name: {"KAFKA_GROUP_INSTANCE_ID": f"{name}-1", **stores[name]} for name in SERVICES
        }
        # Production settings: callers authenticated, event stores encrypted.
        security = {**ISSUER.env(folder), "CIPHER_KEY": AESCipher.create_key(32)}
        with System(
            bootstrap_servers=bootstrap, data_dir=folder, extra_env=security, service_env=service_env
        ) as system:
            warm = f"warm-{uuid.uuid4().hex[:6]}"
            asyncio.run(via_kafka(system, bootstrap, payloads(requests(200, warm))))
            unavailable: list[str] = []
            asyncio.run(via_grpc(system, requests(200, f"{warm}g"), unavailable))

            kafka_run, grpc_run = f"k{uuid.uuid4().hex[:6]}", f"g{uuid.uuid4().hex[:6]}"
            kafka_records = payloads(requests(count, kafka_run))
            passthrough_s = asyncio.run(passthrough(bootstrap, kafka_records))
            kafka_s = asyncio.run(via_kafka(system, bootstrap, kafka_records))
            accepted_s, grpc_s = asyncio.run(via_grpc(system, requests(count, grpc_run), unavailable))
            address = system["certification"].grpc_address
            for run in (kafka_run, grpc_run):
                found = asyncio.run(listed(address, run))
                if found != count:
                    sys.exit(f"certification lists {found} applications of run {run}, expected {count}")
            restart_s = [restart_seconds(system) for _ in range(3)]
            system["certification"].stop()
            events, rebuild_s, scan_s = rebuild_and_scan(stores["certification"], folder)

    figures["passthrough_per_s"] = round(count / passthrough_s)
    figures["kafka_e2e_per_s"] = round(count / kafka_s)
    figures["grpc_accept_per_s"] = round(count / accepted_s)
    figures["grpc_e2e_per_s"] = round(count / grpc_s)
    figures["e2e_ratio"] = round(passthrough_s / kafka_s, 3)
    figures["grpc_e2e_ratio"] = round(passthrough_s / grpc_s, 3)
    figures["rebuild_events"] = events
    figures["rebuild_per_s"] = round(events / rebuild_s)
    figures["raw_scan_per_s"] = round(events / scan_s)
    figures["rebuild_ratio"] = round(scan_s / rebuild_s, 3)
    figures["restart_to_grpc_s"] = [round(answering, 2) for answering, _ in restart_s]
    figures["restart_to_serving_s"] = [round(serving, 2) for _, serving in restart_s]
    figures["grpc_unavailable_retries"] = len(unavailable)
    if unavailable:
        print(f"{len(unavailable)} gRPC calls answered UNAVAILABLE and were retried, e.g. {unavailable[0]}")
    print(f"passthrough (bare aiokafka): {figures['passthrough_per_s']}/s")
    print(f"end to end via Kafka: {figures['kafka_e2e_per_s']}/s ({figures['e2e_ratio']} x passthrough)")
    print(
        f"end to end via gRPC ({IN_FLIGHT} in flight): {figures['grpc_e2e_per_s']}/s, "
        f"intake answered {figures['grpc_accept_per_s']}/s"
    )
    print(
        f"read-model rebuild: {figures['rebuild_per_s']} events/s, raw {store} scan "
        f"{figures['raw_scan_per_s']} rows/s ({figures['rebuild_ratio']} x)"
    )
    print(
        f"SIGKILLed intake answers gRPC again after {figures['restart_to_grpc_s']} s, "
        f"reports SERVING after {figures['restart_to_serving_s']} s"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
