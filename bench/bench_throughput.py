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
(e) `query`: certification's GetApplication p50/p99 at 1,000 requests/s on a fixed schedule,
    next to a bare grpc.aio echo server's (own process, answering with the same bytes);
(f) `restart`: intake SIGKILLed and started again; seconds from the new process's start
    until it answers a gRPC command, and until its health reports SERVING.

Each timing runs from the first record sent to the last one done. The last line printed is
one JSON object with every figure. Usage:
`uv run python bench/bench_throughput.py [N] [sqlite|postgres] [all|kafka|query|rebuild]`
(default 5,000 on SQLite, every part; about 3 minutes on the 2-core development machine).
`kafka` runs only (a) and (b) (when working on the consumed path); `query` only (e), on N
applications (about 40 s); `rebuild` only (d), in this process, without Kafka or the
services: N applications (2 events each) registered straight into an encrypted
certification store, then rebuilt and scanned as above. `BENCH_QUERY_PAUSE=<seconds>` waits
that long before (e), e.g. to attach `py-spy` to certification, whose pid is printed. With
`BENCH_PROFILE=<folder>`, intake and certification are sampled with py-spy during (b), as
collapsed stacks in that folder.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import multiprocessing
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
import psycopg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from eventsourcing.cryptography import AESCipher

from servicehub.certification.v1 import certification_pb2, certification_pb2_grpc
from servicehub.events.v1.intake_pb2 import Evidence
from servicehub.intake.v1 import intake_pb2, intake_pb2_grpc
from servicehub_businesstime import BusinessCalendar
from servicehub_certification.application import Certification
from servicehub_certification.domain import Evidence as CertificationEvidence
from servicehub_certification.projections import ApplicationList
from servicehub_localinfra import LocalPostgres, kafka_bootstrap
from servicehub_localinfra.services import SERVICES, System
from servicehub_localinfra.tokens import TokenIssuer
from servicehub_runtime.cloudevents import encode, topic_of
from servicehub_runtime.encryption import CIPHER_TOPIC
from servicehub_runtime.projection import Projection
from servicehub_runtime.topics import ensure_topics

IN_FLIGHT = 64
PROFILED = ("intake", "certification")  # the services a Kafka submission passes through
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
    # Only the one counter: scraping everything 20 times a second would cost the service
    # several percent of its CPU.
    url = f"http://127.0.0.1:{metrics_port}/metrics?name[]=servicehub_messages_total"
    with urllib.request.urlopen(url, timeout=5) as response:
        text = response.read().decode()
    match = re.search(re.escape(REGISTERED) + r" (\S+)", text)
    return float(match.group(1)) if match else 0.0


async def until_registered(system: System, target: float) -> None:
    """Polls certification's counter until it reaches `target`: every 20 ms near the end,
    seldom before. A scrape costs certification about 1.5 ms of CPU: polling every 50 ms
    all along was 6 % of its CPU in a run via Kafka."""
    port = system["certification"].metrics_port
    count, at = await asyncio.to_thread(registered_count, port), time.perf_counter()
    pause = 0.02
    while count < target:
        await asyncio.sleep(pause)
        previous, previous_at = count, at
        count, at = await asyncio.to_thread(registered_count, port), time.perf_counter()
        rate = (count - previous) / (at - previous_at)
        # Half the time the rest should take at the last rate, within [20 ms, 500 ms].
        pause = 0.05 if rate <= 0 else min(max((target - count) / rate / 2, 0.02), 0.5)


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


async def first_application(address: str) -> str:
    async with grpc.aio.insecure_channel(address, interceptors=[TOKEN]) as channel:
        certification = certification_pb2_grpc.CertificationServiceStub(channel)
        page = await certification.ListApplications(
            certification_pb2.ListApplicationsRequest(page_size=1), timeout=30
        )
        return page.applications[0].application_id


async def via_kafka(
    system: System, bootstrap: str, records: list[Payload], profile: Path | None = None
) -> tuple[float, dict[str, float]]:
    """Seconds until certification registered every record, and the CPU milliseconds per
    record that intake and certification spent meanwhile (unlike the rate, hardly changed
    by what else runs on the machine)."""
    before = await asyncio.to_thread(registered_count, system["certification"].metrics_port)
    with profiled(system, profile):
        cpu_before = {name: cpu_seconds(system[name].pid) for name in PROFILED}
        started = time.perf_counter()
        await produce(bootstrap, INBOUND, records)
        await until_registered(system, before + len(records))
        elapsed = time.perf_counter() - started
        spent = {n: cpu_seconds(system[n].pid) - cpu_before[n] for n in PROFILED}
    return elapsed, {n: round(s * 1000 / len(records), 3) for n, s in spent.items()}


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of a process (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def profiled(system: System, folder: Path | None) -> Iterator[None]:
    """With a folder, samples intake and certification with py-spy meanwhile (collapsed
    stacks of the thread holding the GIL, `<service>.txt`; py-spy must be on PATH:
    `uv tool install py-spy`)."""
    if folder is None:
        yield
        return
    folder.mkdir(parents=True, exist_ok=True)
    samplers = [
        subprocess.Popen(
            ["py-spy", "record", "--pid", str(system[name].pid), "--format", "raw",
             "--rate", "200", "--gil", "--output", str(folder / f"{name}.txt")],
            stdout=subprocess.DEVNULL,
        )
        for name in PROFILED
    ]
    try:
        time.sleep(1)  # attached before the first record
        yield
    finally:
        for sampler in samplers:
            sampler.send_signal(signal.SIGINT)
        for sampler in samplers:
            sampler.wait(timeout=60)


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


def rebuild_and_scan(store_env: dict[str, str], folder: Path) -> tuple[int, float, float, float]:
    """Events in certification's log, seconds to rebuild its application list from them, the
    CPU seconds this process spent on it (a PostgreSQL server's are not counted), and seconds
    to scan their rows raw (certification is stopped meanwhile)."""
    certification = Certification(env=store_env, calendar=BusinessCalendar.load())
    projection = Projection(certification, ApplicationList(), folder / "rebuilt-views.sqlite")
    try:
        started, cpu_started = time.perf_counter(), time.process_time()
        events = projection.catch_up()
        rebuild, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    finally:
        projection.close()
        certification.close()
    started = time.perf_counter()
    rows = raw_scan(store_env)
    scan = time.perf_counter() - started
    assert rows == events, f"scanned {rows} rows, rebuilt from {events} events"
    return events, rebuild, cpu, scan


def rebuild_only(count: int, store: str) -> dict[str, object]:
    """Part (d) alone: `count` applications registered in-process, then rebuilt and scanned."""
    cipher = {"CIPHER_TOPIC": CIPHER_TOPIC, "CIPHER_KEY": AESCipher.create_key(32)}
    with contextlib.ExitStack() as running:
        folder = Path(running.enter_context(tempfile.TemporaryDirectory(prefix="servicehub-bench-")))
        (folder / "certification").mkdir()
        postgres = running.enter_context(LocalPostgres(durable=True)) if store == "postgres" else None
        if postgres is not None:  # the service makes its schema at start-up
            with psycopg.connect(postgres.dsn, autocommit=True) as connection:
                connection.execute("CREATE SCHEMA certification")
        store_env = {**store_envs(store, folder, postgres)["certification"], **cipher}
        certification = Certification(env=store_env, calendar=BusinessCalendar.load())
        try:
            submitted_at = datetime.now(UTC)
            every = requests(count, "r")
            for start in range(0, count, 500):
                with certification.batch() as batch:
                    for request in every[start : start + 500]:
                        batch.run(
                            functools.partial(
                                certification.register_application,
                                application_id=uuid.uuid4(),
                                partner_id=request.partner_id,
                                partner_name=request.partner_name,
                                corporate_email=request.corporate_email,
                                evidence=tuple(
                                    CertificationEvidence(e.criterion, e.summary, e.document_uri)
                                    for e in request.evidence
                                ),
                                submitted_at=submitted_at,
                            )
                        )
        finally:
            certification.close()
        events, rebuild_s, cpu_s, scan_s = rebuild_and_scan(store_env, folder)
    return rebuild_figures(events, rebuild_s, cpu_s, scan_s)


def rebuild_figures(events: int, rebuild_s: float, cpu_s: float, scan_s: float) -> dict[str, object]:
    return {
        "rebuild_events": events,
        "rebuild_per_s": round(events / rebuild_s),
        "rebuild_cpu_us_per_event": round(cpu_s / events * 1e6, 1),
        "raw_scan_per_s": round(events / scan_s),
        "rebuild_ratio": round(scan_s / rebuild_s, 3),
    }


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


QUERY_RATE = 1000  # requests/s offered, on a fixed schedule (open loop)
QUERY_SECONDS = 5.0
ECHO_METHOD = "/bench.Echo/Echo"


async def query_latencies(address: str, call: str, request: bytes, token: bool) -> tuple[list[float], int]:
    """Milliseconds each of QUERY_RATE × QUERY_SECONDS unary calls took, sent on a fixed
    schedule whatever the answers' pace (a late answer does not delay the next call), and
    how many failed."""
    # One token for the whole run, as a client sends the token it holds until it expires.
    metadata = ISSUER.metadata("integrator-system", "operator") if token else None
    async with grpc.aio.insecure_channel(address) as channel:
        method = channel.unary_unary(call)  # bytes in, bytes out
        await method(request, timeout=10, metadata=metadata)  # connected before timing
        latencies: list[float] = []
        failures = 0

        async def one() -> None:
            nonlocal failures
            started = time.perf_counter()
            try:
                await method(request, timeout=10, metadata=metadata)
            except grpc.aio.AioRpcError:
                failures += 1
                return
            latencies.append((time.perf_counter() - started) * 1000)

        calls = []
        start = time.perf_counter()
        for i in range(int(QUERY_RATE * QUERY_SECONDS)):
            delay = start + i / QUERY_RATE - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            calls.append(asyncio.create_task(one()))
        await asyncio.gather(*calls)
        return latencies, failures


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(int(len(ordered) * share), len(ordered) - 1)], 2) if ordered else float("nan")


async def serve_echo(port_out: Any) -> None:
    """A bare grpc.aio server answering ECHO_METHOD with the request's bytes."""

    async def echo(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        return request

    server = grpc.aio.server()
    server.add_generic_rpc_handlers(
        [grpc.method_handlers_generic_handler("bench.Echo", {"Echo": grpc.unary_unary_rpc_method_handler(echo)})]
    )
    port_out.send(server.add_insecure_port("127.0.0.1:0"))
    await server.start()
    await server.wait_for_termination()


def run_echo_server(port_out: Any) -> None:
    asyncio.run(serve_echo(port_out))


def query_figures(certification_address: str, certification_pid: int, application_id: str) -> dict[str, float]:
    """GetApplication p50/p99 at QUERY_RATE next to a bare echo server's, each in its own
    process (the echo answers with the GetApplication response's bytes), and the CPU
    milliseconds certification spent per call meanwhile (steadier than latency on a busy
    machine)."""
    request = certification_pb2.GetApplicationRequest(application_id=application_id)

    async def response_bytes() -> bytes:
        async with grpc.aio.insecure_channel(certification_address, interceptors=[TOKEN]) as channel:
            stub = certification_pb2_grpc.CertificationServiceStub(channel)
            return (await stub.GetApplication(request, timeout=10)).SerializeToString()

    answer = asyncio.run(response_bytes())
    spawn = multiprocessing.get_context("spawn")  # grpc does not survive fork
    port_in, port_out = spawn.Pipe(duplex=False)
    echo_server = spawn.Process(target=run_echo_server, args=(port_out,), daemon=True)
    echo_server.start()
    try:
        echo_port = port_in.recv()
        echo_cpu_before = cpu_seconds(echo_server.pid)
        echo, echo_failed = asyncio.run(
            query_latencies(f"127.0.0.1:{echo_port}", ECHO_METHOD, answer, token=False)
        )
        echo_cpu_ms = (cpu_seconds(echo_server.pid) - echo_cpu_before) * 1000
    finally:
        echo_server.terminate()
        echo_server.join()
    cpu_before = cpu_seconds(certification_pid)
    query, query_failed = asyncio.run(
        query_latencies(
            certification_address,
            "/servicehub.certification.v1.CertificationService/GetApplication",
            request.SerializeToString(),
            token=True,
        )
    )
    cpu_ms = (cpu_seconds(certification_pid) - cpu_before) * 1000
    return {
        "query_cpu_ms_per_call": round(cpu_ms / (QUERY_RATE * QUERY_SECONDS), 3),
        "query_p50_ms": percentile(query, 0.5),
        "query_p99_ms": percentile(query, 0.99),
        "query_failed": query_failed,
        "echo_cpu_ms_per_call": round(echo_cpu_ms / (QUERY_RATE * QUERY_SECONDS), 3),
        "echo_p50_ms": percentile(echo, 0.5),
        "echo_p99_ms": percentile(echo, 0.99),
        "echo_failed": echo_failed,
    }


def queries(system: System) -> dict[str, float]:
    """query_figures on an application certification holds, printed as well."""
    certification = system["certification"]
    print(f"certification pid {certification.pid}", flush=True)
    time.sleep(float(os.environ.get("BENCH_QUERY_PAUSE", "0")))
    figures = query_figures(
        certification.grpc_address,
        certification.pid,
        asyncio.run(first_application(certification.grpc_address)),
    )
    print(
        f"GetApplication at {QUERY_RATE}/s: p50 {figures['query_p50_ms']} ms, p99 "
        f"{figures['query_p99_ms']} ms ({figures['query_failed']} failed); bare grpc.aio echo: "
        f"p50 {figures['echo_p50_ms']} ms, p99 {figures['echo_p99_ms']} ms; CPU ms per call: "
        f"certification {figures['query_cpu_ms_per_call']}, echo {figures['echo_cpu_ms_per_call']}",
        flush=True,
    )
    return figures


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    store = sys.argv[2] if len(sys.argv) > 2 else "sqlite"
    parts = sys.argv[3] if len(sys.argv) > 3 else "all"
    profile = Path(os.environ["BENCH_PROFILE"]) if os.environ.get("BENCH_PROFILE") else None
    if parts not in ("all", "kafka", "query", "rebuild"):
        sys.exit(f"parts must be all, kafka, query or rebuild, not {parts!r}")
    if store not in ("sqlite", "postgres"):
        sys.exit(f"store must be sqlite or postgres, not {store!r}")
    figures: dict[str, object] = {
        "count": count,
        "machine": f"{cpu_model()}, {os.cpu_count()} cores",
        "store": store,
    }
    if parts == "rebuild":
        figures.update(rebuild_only(count, store))
        print(
            f"read-model rebuild: {figures['rebuild_per_s']} events/s, raw {store} scan "
            f"{figures['raw_scan_per_s']} rows/s ({figures['rebuild_ratio']} x),"
            f" CPU µs per event: {figures['rebuild_cpu_us_per_event']}"
        )
        print(json.dumps(figures))
        return
    with contextlib.ExitStack() as running:
        folder = Path(running.enter_context(tempfile.TemporaryDirectory(prefix="servicehub-bench-")))
        bootstrap = running.enter_context(kafka_bootstrap())
        # Durable as in production: synchronous commits are part of what is measured.
        postgres = running.enter_context(LocalPostgres(durable=True)) if store == "postgres" else None
        stores = store_envs(store, folder, postgres)
        service_env = {
            name: {"KAFKA_GROUP_INSTANCE_ID": f"{name}-1", **stores[name]} for name in SERVICES
        }
        # Production settings: callers authenticated, event stores encrypted.
        cipher = {"CIPHER_TOPIC": CIPHER_TOPIC, "CIPHER_KEY": AESCipher.create_key(32)}
        security = {**ISSUER.env(folder), "CIPHER_KEY": cipher["CIPHER_KEY"]}
        with System(
            bootstrap_servers=bootstrap, data_dir=folder, extra_env=security, service_env=service_env
        ) as system:
            warm = f"warm-{uuid.uuid4().hex[:6]}"
            if parts == "query":
                asyncio.run(via_kafka(system, bootstrap, payloads(requests(count, warm))))
                figures.update(queries(system))
                print(json.dumps(figures))
                return
            asyncio.run(via_kafka(system, bootstrap, payloads(requests(200, warm))))
            unavailable: list[str] = []
            asyncio.run(via_grpc(system, requests(200, f"{warm}g"), unavailable))

            kafka_run, grpc_run = f"k{uuid.uuid4().hex[:6]}", f"g{uuid.uuid4().hex[:6]}"
            kafka_records = payloads(requests(count, kafka_run))
            passthrough_s = asyncio.run(passthrough(bootstrap, kafka_records))
            print(f"passthrough (bare aiokafka): {round(count / passthrough_s)}/s", flush=True)
            kafka_s, kafka_cpu = asyncio.run(via_kafka(system, bootstrap, kafka_records, profile))
            print(f"end to end via Kafka: {round(count / kafka_s)}/s", flush=True)
            figures["passthrough_per_s"] = round(count / passthrough_s)
            figures["kafka_e2e_per_s"] = round(count / kafka_s)
            figures["e2e_ratio"] = round(passthrough_s / kafka_s, 3)
            figures["kafka_cpu_ms_per_record"] = kafka_cpu
            if parts == "kafka":
                print(json.dumps(figures))
                return
            accepted_s, grpc_s = asyncio.run(via_grpc(system, requests(count, grpc_run), unavailable))
            address = system["certification"].grpc_address
            for run in (kafka_run, grpc_run):
                found = asyncio.run(listed(address, run))
                if found != count:
                    sys.exit(f"certification lists {found} applications of run {run}, expected {count}")
            figures.update(queries(system))
            restart_s = [restart_seconds(system) for _ in range(3)]
            system["certification"].stop()
            events, rebuild_s, cpu_s, scan_s = rebuild_and_scan({**stores["certification"], **cipher}, folder)

    figures["grpc_accept_per_s"] = round(count / accepted_s)
    figures["grpc_e2e_per_s"] = round(count / grpc_s)
    figures["grpc_e2e_ratio"] = round(passthrough_s / grpc_s, 3)
    figures.update(rebuild_figures(events, rebuild_s, cpu_s, scan_s))
    figures["restart_to_grpc_s"] = [round(answering, 2) for answering, _ in restart_s]
    figures["restart_to_serving_s"] = [round(serving, 2) for _, serving in restart_s]
    figures["grpc_unavailable_retries"] = len(unavailable)
    if unavailable:
        print(f"{len(unavailable)} gRPC calls answered UNAVAILABLE and were retried, e.g. {unavailable[0]}")
    print(f"passthrough (bare aiokafka): {figures['passthrough_per_s']}/s")
    print(
        f"end to end via Kafka: {figures['kafka_e2e_per_s']}/s ({figures['e2e_ratio']} x passthrough),"
        f" CPU ms per record: {kafka_cpu}"
    )
    print(
        f"end to end via gRPC ({IN_FLIGHT} in flight): {figures['grpc_e2e_per_s']}/s, "
        f"intake answered {figures['grpc_accept_per_s']}/s"
    )
    print(
        f"read-model rebuild: {figures['rebuild_per_s']} events/s, raw {store} scan "
        f"{figures['raw_scan_per_s']} rows/s ({figures['rebuild_ratio']} x),"
        f" CPU µs per event: {figures['rebuild_cpu_us_per_event']}"
    )
    print(
        f"SIGKILLed intake answers gRPC again after {figures['restart_to_grpc_s']} s, "
        f"reports SERVING after {figures['restart_to_serving_s']} s"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
