"""A chaos run of the whole system (`make soak`; not part of `make test`).

Starts a Kafka broker, a throw-away PostgreSQL server (certification and billing on it, as in
production; intake and sla on SQLite) and the four services — certification as two
instances, so killing its relay's owner hands the lead to the other — then for SOAK_SECONDS drives
steady load — certification applications submitted over intake's gRPC and published to
intake's inbound Kafka topic — while SIGKILLing a random service (and starting it again) at
least SOAK_KILLS times, and the broker once, half-way. Each submission has its own partner id,
so it can be followed downstream. A submission counts as accepted when gRPC answered it or
the broker acknowledged it; both sides retry with the same idempotency key until then.

Afterwards it waits until certification has registered every accepted submission (or
SOAK_DRAIN_SECONDS pass), reads both topics of the application flow from the start, and
checks that every accepted submission is on `intake.application-submitted.v1` and on
`certification.application-registered.v1` exactly once, and that no `ce_id` appears twice
on either. It prints one JSON line of counts and exits 1 if a check failed.

Settings (environment): SOAK_SECONDS (300), SOAK_KILLS (24), SOAK_RATE (submissions per
second per channel, 20), SOAK_DRAIN_SECONDS (600).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import signal
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import grpc
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError
from eventsourcing.cryptography import AESCipher

from servicehub.events.v1 import certification_pb2 as certification_events
from servicehub.events.v1 import intake_pb2 as events
from servicehub.intake.v1 import intake_pb2, intake_pb2_grpc
from servicehub_localinfra import LocalKafka, LocalPostgres
from servicehub_localinfra._process import free_port, stop_process
from servicehub_localinfra.services import ServiceProcess, System
from servicehub_localinfra.tokens import TokenIssuer
from servicehub_runtime.cloudevents import topic_of

INBOUND = topic_of(intake_pb2.SubmitApplicationRequest)
SUBMITTED = topic_of(events.ApplicationSubmitted)
REGISTERED = topic_of(certification_events.ApplicationRegistered)
RETRYABLE = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED}


def request(key: str) -> intake_pb2.SubmitApplicationRequest:
    return intake_pb2.SubmitApplicationRequest(
        idempotency_key=key,
        partner_id=key,  # one partner per submission: followed downstream by it
        partner_name="Soak Partner",
        corporate_email="ops@soak.example",
        evidence=[events.Evidence(criterion="c", summary="s", document_uri="https://soak.example/d")],
    )


class Load:
    """Steady submissions on both channels until `stop` is set; keeps the accepted keys."""

    def __init__(self, system: System, bootstrap: str, issuer: TokenIssuer, run: str, rate: float) -> None:
        self.system, self.bootstrap, self.issuer, self.run, self.rate = system, bootstrap, issuer, run, rate
        self.accepted = {"grpc": set(), "kafka": set()}
        self.retries = Counter()
        self.stop = asyncio.Event()

    async def paced(self, submit, channel: str) -> None:
        pending: set[asyncio.Task[None]] = set()
        started, sent = time.monotonic(), 0
        while not self.stop.is_set():
            key = f"{self.run}-{channel}-{sent}"
            task = asyncio.create_task(submit(key))
            pending.add(task)
            task.add_done_callback(pending.discard)
            sent += 1
            await asyncio.sleep(max(0.0, started + sent / self.rate - time.monotonic()))
        await asyncio.gather(*pending)

    async def via_grpc(self) -> None:
        token = self.issuer.interceptor("integrator-system")
        async with grpc.aio.insecure_channel(self.system["intake"].grpc_address, interceptors=[token]) as channel:
            stub = intake_pb2_grpc.IntakeServiceStub(channel)

            async def submit(key: str) -> None:
                while True:
                    try:
                        await stub.SubmitApplication(request(key), timeout=5)
                        self.accepted["grpc"].add(key)
                        return
                    except grpc.aio.AioRpcError as error:
                        if error.code() not in RETRYABLE:
                            raise
                        self.retries["grpc"] += 1
                        await asyncio.sleep(0.5)

            await self.paced(submit, "grpc")

    async def via_kafka(self) -> None:
        producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, acks="all", request_timeout_ms=10_000)
        await producer.start()
        try:

            async def submit(key: str) -> None:
                headers = [
                    ("ce_specversion", b"1.0"), ("ce_id", key.encode()),
                    ("ce_type", b"servicehub.intake.v1.SubmitApplicationRequest"),
                    ("ce_source", b"/soak"), ("content-type", b"application/protobuf"),
                ]
                while True:
                    try:
                        await producer.send_and_wait(
                            INBOUND, request(key).SerializeToString(), key=key.encode(), headers=headers
                        )
                        self.accepted["kafka"].add(key)
                        return
                    except KafkaError:
                        self.retries["kafka"] += 1
                        await asyncio.sleep(0.5)

            await self.paced(submit, "kafka")
        finally:
            await producer.stop()


def kill_broker(kafka: LocalKafka) -> float:
    """SIGKILLs the broker and starts it again on the same port and data; returns the seconds
    it was away."""
    started = time.monotonic()
    assert kafka._proc is not None  # noqa: SLF001 - LocalKafka offers a graceful stop only
    stop_process(kafka._proc, sig=signal.SIGKILL, timeout=10)  # noqa: SLF001
    kafka.stop()  # forgets the dead process; the given data dir is kept
    kafka.start()
    return time.monotonic() - started


def restart(service: ServiceProcess) -> None:
    service.start().wait_serving(timeout=180)


async def chaos(processes: list[ServiceProcess], kafka: LocalKafka, seconds: float, kills: int) -> dict:
    """Kills a random service process every seconds/kills, and the broker once half-way."""
    killed: Counter = Counter()
    broker_down = 0.0
    interval = seconds / kills
    started = time.monotonic()
    for round_ in range(kills):  # back to back when restarts take longer than the interval
        await asyncio.sleep(max(0.0, started + interval * (round_ + 1) - time.monotonic()))
        if round_ == kills // 2:
            broker_down = await asyncio.to_thread(kill_broker, kafka)
        service = random.choice(processes)
        await asyncio.to_thread(service.kill)
        await asyncio.to_thread(restart, service)
        killed[f"{service.name}@{service.grpc_port}"] += 1
    return {"service_kills": dict(killed), "broker_kills": 1, "broker_away_seconds": round(broker_down, 1)}


async def read_topic(bootstrap: str, topic: str) -> list:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, isolation_level="read_committed")
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        if not partitions:
            await consumer._client.force_metadata_update()  # noqa: SLF001 - a fresh client
            partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        records = []
        while [tp for tp, end in ends.items() if await consumer.position(tp) < end]:
            for batch in (await consumer.getmany(timeout_ms=1000)).values():
                records.extend(batch)
        return records
    finally:
        await consumer.stop()


def partners_and_ce_ids(records: list, message_type, run: str) -> tuple[Counter, Counter]:
    """How often each of this run's partners, and each ce_id, appears on a topic."""
    partners: Counter = Counter()
    ce_ids: Counter = Counter()
    for record in records:
        headers = {name: (value or b"").decode(errors="replace") for name, value in record.headers}
        message = message_type()
        message.ParseFromString(record.value)
        if message.partner_id.startswith(f"{run}-"):
            partners[message.partner_id] += 1
            ce_ids[headers["ce_id"]] += 1
    return partners, ce_ids


async def drained(bootstrap: str, run: str, accepted: set[str], seconds: float) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        registered, _ = partners_and_ce_ids(await read_topic(bootstrap, REGISTERED), certification_events.ApplicationRegistered, run)
        if accepted <= set(registered) or time.monotonic() > deadline:
            break
        await asyncio.sleep(5)
    counts: dict = {}
    for name, topic, message_type in (
        ("submitted", SUBMITTED, events.ApplicationSubmitted),
        ("registered", REGISTERED, certification_events.ApplicationRegistered),
    ):
        partners, ce_ids = partners_and_ce_ids(await read_topic(bootstrap, topic), message_type, run)
        counts[f"{name}_records"] = sum(partners.values())
        counts[f"{name}_missing"] = len(accepted - set(partners))
        counts[f"{name}_repeated"] = sum(1 for n in partners.values() if n > 1)
        counts[f"{name}_repeated_ce_ids"] = sum(1 for n in ce_ids.values() if n > 1)
    return counts


async def soak(
    processes: list[ServiceProcess], system: System, kafka: LocalKafka, issuer: TokenIssuer, settings: dict
) -> dict:
    run = f"soak-{uuid.uuid4().hex[:8]}"
    load = Load(system, kafka.bootstrap_servers, issuer, run, settings["rate"])
    started = time.monotonic()
    loading = [asyncio.create_task(load.via_grpc()), asyncio.create_task(load.via_kafka())]
    chaos_counts = await chaos(processes, kafka, settings["seconds"], settings["kills"])
    load.stop.set()
    await asyncio.gather(*loading)
    loaded = time.monotonic() - started
    accepted = load.accepted["grpc"] | load.accepted["kafka"]
    counts = await drained(kafka.bootstrap_servers, run, accepted, settings["drain_seconds"])
    return {
        "seconds": round(loaded),
        "accepted_grpc": len(load.accepted["grpc"]),
        "accepted_kafka": len(load.accepted["kafka"]),
        "retries": dict(load.retries),
        **chaos_counts,
        **counts,
        "drain_seconds": round(time.monotonic() - started - loaded),
    }


def main() -> int:
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # retries while the broker is down
    settings = {
        "seconds": float(os.environ.get("SOAK_SECONDS", "300")),
        "kills": int(os.environ.get("SOAK_KILLS", "24")),
        "rate": float(os.environ.get("SOAK_RATE", "20")),
        "drain_seconds": float(os.environ.get("SOAK_DRAIN_SECONDS", "600")),
    }
    with tempfile.TemporaryDirectory(prefix="servicehub-soak-") as folder, LocalPostgres() as postgres:
        issuer = TokenIssuer()
        auth_dir = Path(folder) / "auth"
        auth_dir.mkdir()
        with LocalKafka(Path(folder) / "kafka", port=free_port()) as kafka:
            postgres_store = {
                name: {"PERSISTENCE_MODULE": "eventsourcing.postgres", **postgres.env,
                       f"{name.upper()}_POSTGRES_SCHEMA": name}
                for name in ("certification", "billing")
            }
            common_env = {**issuer.env(auth_dir), "CIPHER_KEY": AESCipher.create_key(32)}
            system = System(
                bootstrap_servers=kafka.bootstrap_servers,
                data_dir=Path(folder) / "system",
                extra_env=common_env,
                service_env=postgres_store,
            )
            # certification runs as two instances on its PostgreSQL store: one relays, and a
            # killed relay owner hands the lead to the other.
            twin = ServiceProcess(
                "certification", bootstrap_servers=kafka.bootstrap_servers,
                data_dir=Path(folder) / "certification-2", extra_env={**common_env, **postgres_store["certification"]},
            )
            with system:
                try:
                    twin.start().wait_serving()
                    result = asyncio.run(soak([*system.services.values(), twin], system, kafka, issuer, settings))
                finally:
                    twin.stop()
    failed = any(v for k, v in result.items() if k.endswith(("_missing", "_repeated", "_repeated_ce_ids")))
    print(json.dumps({"ok": not failed, **result}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
