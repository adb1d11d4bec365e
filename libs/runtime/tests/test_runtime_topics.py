"""Topic creation at start-up (topics.py) against a real broker: the clients a service starts
right after `ensure_topics` find the new topics in the broker's metadata at once."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from servicehub_localinfra import LocalKafka
from servicehub_runtime.topics import await_leaders, ensure_topics


@pytest.fixture(scope="module")
def kafka() -> Iterator[LocalKafka]:
    with LocalKafka() as broker:
        yield broker


async def test_clients_started_after_creation_log_no_missing_topic(
    kafka: LocalKafka, caplog: pytest.LogCaptureFixture
) -> None:
    """The broker answers CreateTopics a moment before it serves the new topic; a client
    asking meanwhile logs "Topic … not found in cluster metadata" or NotLeaderForPartition
    at ERROR (it did on about every other start-up before ensure_topics waited).  Several
    rounds of new topics, each followed at once by a consumer and a producer, as a service's
    start-up does."""
    caplog.set_level(logging.WARNING, logger="aiokafka")
    for round_ in range(5):
        names = [f"notes.created-{round_}-{n}.v1" for n in range(4)]
        await ensure_topics(kafka.bootstrap_servers, names, partitions=3, replication_factor=1)
        consumer = AIOKafkaConsumer(*names, bootstrap_servers=kafka.bootstrap_servers)
        producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers)
        await consumer.start()
        await producer.start()
        try:
            await producer.send_and_wait(names[-1], b"first record")
        finally:
            await producer.stop()
            await consumer.stop()
    noise = [f"{r.levelname} {r.name}: {r.getMessage()}" for r in caplog.records if r.name.startswith("aiokafka")]
    assert noise == []


async def test_waiting_for_a_topic_that_never_appears_names_it(kafka: LocalKafka) -> None:
    with pytest.raises(RuntimeError, match=r"\['notes.never-created.v1'\] have no serving leader"):
        await await_leaders(kafka.bootstrap_servers, ["notes.never-created.v1"], timeout=0.5)
