"""LocalKafka end to end: jars cached, broker up on 127.0.0.1, topics, produce/consume, stop."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaTimeoutError, UnknownTopicOrPartitionError

import servicehub_localinfra.kafka as kafka_mod
from servicehub_localinfra import (
    LocalKafka,
    create_topics,
    fetch_kafka,
    kafka_bootstrap,
    kafka_libs_dir,
)


def test_fetch_kafka_is_cached_and_idempotent():
    libs = fetch_kafka()  # cold in a fresh checkout: Maven downloads ~43 MB
    assert libs == kafka_libs_dir()
    assert (libs / "kafka_2.13-4.1.1.jar").is_file()
    assert (libs.parent / ".complete").is_file()
    assert list(libs.glob("log4j-slf4j-impl-*.jar")) and list(libs.glob("log4j-core-*.jar"))
    started = time.monotonic()
    assert fetch_kafka() == libs
    assert time.monotonic() - started < 0.5


def test_fetch_kafka_redoes_a_half_done_copy(monkeypatch, infra_tmp):
    """No marker means an interrupted copy: the folder is emptied and fetched again."""
    monkeypatch.setenv("SERVICEHUB_CACHE_DIR", str(infra_tmp / "cache"))
    libs = kafka_libs_dir()
    libs.mkdir(parents=True)
    (libs / "truncated.jar").write_bytes(b"half")
    try:
        assert fetch_kafka() == libs
        assert not (libs / "truncated.jar").exists()
        assert (libs / "kafka_2.13-4.1.1.jar").is_file() and (libs.parent / ".complete").is_file()
    finally:
        shutil.rmtree(infra_tmp / "cache")


async def _roundtrip(bootstrap: str, topic: str) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            topic, b"hello", key=b"k1", headers=[("ce_type", b"test.v1"), ("trace", b"42")]
        )
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=f"g-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
    )  # fmt: skip
    await consumer.start()
    try:
        record = await asyncio.wait_for(consumer.getone(), timeout=60)
    finally:
        await consumer.stop()
    assert (record.key, record.value) == (b"k1", b"hello")
    assert list(record.headers) == [("ce_type", b"test.v1"), ("trace", b"42")]


async def _assert_no_auto_create(bootstrap: str) -> None:
    """auto.create.topics.enable=false: producing to an unknown topic fails and creates nothing."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, request_timeout_ms=2000)
    await producer.start()
    try:
        with pytest.raises((UnknownTopicOrPartitionError, KafkaTimeoutError)):
            await producer.send_and_wait("no-such-topic", b"x")
    finally:
        await producer.stop()
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        assert "no-such-topic" not in await admin.list_topics()
    finally:
        await admin.close()


async def test_local_broker_topics_produce_consume_and_stop(assert_gone):
    broker = LocalKafka()
    started = time.monotonic()
    broker.start()
    print(f"LocalKafka start() -> ready: {time.monotonic() - started:.1f}s")
    try:
        assert re.fullmatch(r"127\.0\.0\.1:\d+", broker.bootstrap_servers)
        assert broker.running and (broker.data_dir / "broker.log").is_file()
        await create_topics(broker.bootstrap_servers, {"orders": 3, "audit": 1})
        await create_topics(broker.bootstrap_servers, {"orders": 3})  # exists: no error
        admin = AIOKafkaAdminClient(bootstrap_servers=broker.bootstrap_servers)
        await admin.start()
        try:
            described = {t["topic"]: t for t in await admin.describe_topics(["orders", "audit"])}
        finally:
            await admin.close()
        assert len(described["orders"]["partitions"]) == 3
        assert len(described["audit"]["partitions"]) == 1
        await _roundtrip(broker.bootstrap_servers, "orders")
        await _assert_no_auto_create(broker.bootstrap_servers)
        pid, data_dir = broker.pid, broker.data_dir
    finally:
        broker.stop()
    assert not broker.running
    assert_gone(pid)
    assert not data_dir.exists()


def test_kafka_bootstrap_prefers_env_and_starts_nothing(monkeypatch):
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")

    def refuse(*a, **k):
        raise AssertionError("LocalKafka must not start when KAFKA_BOOTSTRAP_SERVERS is set")

    monkeypatch.setattr(kafka_mod, "LocalKafka", refuse)
    with kafka_bootstrap() as bootstrap:
        assert bootstrap == "127.0.0.1:1"


async def test_kafka_bootstrap_falls_back_to_local_broker(monkeypatch):
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    monkeypatch.setenv("SERVICEHUB_KAFKA_BACKEND", "local")
    with kafka_bootstrap() as bootstrap:
        assert bootstrap.startswith("127.0.0.1:")
        await create_topics(bootstrap, {"events": 3})
        await _roundtrip(bootstrap, "events")


def test_startup_failure_reports_log_tail():
    broker = LocalKafka(extra_config={"num.partitions": "not-a-number"}, startup_timeout=60)
    with pytest.raises(RuntimeError, match="num.partitions"):
        broker.start()
    assert not broker.running and not broker.data_dir.exists()


def test_cli_kafka_prints_bootstrap_and_stops_on_sigterm(assert_gone):
    proc = subprocess.Popen(
        [sys.executable, "-m", "servicehub_localinfra", "kafka"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        line = proc.stdout.readline()
        assert re.fullmatch(r"KAFKA_BOOTSTRAP_SERVERS=127\.0\.0\.1:\d+\n", line), line
        ready = proc.stderr.readline()
        jvm_pid = int(re.search(r"pid (\d+)", ready).group(1))
        os.kill(jvm_pid, 0)  # the broker is running
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert_gone(jvm_pid)


def test_cli_fetch_kafka_prints_the_cache():
    out = subprocess.run(
        [sys.executable, "-m", "servicehub_localinfra", "fetch-kafka"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert out.stdout.strip() == str(kafka_libs_dir())
