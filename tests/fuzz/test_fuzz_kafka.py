"""Every topic a service consumes fed generated Kafka records (fuzzcases.kafka_records: random
bytes, truncated or garbled protobuf and JSON built from the descriptors, CloudEvents
headers dropped, repeated, null, not UTF-8, oversized or of another type, any key), through
each service's real subscriptions and the runtime's TrackingConsumer, each service on its
own SQLite event store.

The topics are the ones the services' own subscriptions declare. Records go to an
in-memory log that gives them Kafka's offsets and hands them to every consuming group in
batches of one to three, as aiokafka does (FastStream's TestKafkaBroker gives every record
offset 0, which tracking would take for a redelivery). For every batch and group:

* nothing is retried (a retry would be an input the consumer cannot get past);
* every rejected record is on the group's dead-letter topic with a reason, its original
  value and key, and its position, and a batch whose records were all rejected wrote
  nothing to the store;
* the group's position is past the batch (the flow goes on);

and at the end, over all groups, records in == dead-lettered + accepted (the consumers'
servicehub_messages_total, none failed), and a valid record sent to every topic after the
fuzzing is processed.

`make test` runs FUZZ_CASES=300 batches; `make fuzz` runs FUZZ_CASES=100000 and prints the
count.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from aiokafka.structs import ConsumerRecord
from faststream.kafka import KafkaBroker
from fuzzcases import (
    ConsumingService,
    KafkaRecord,
    consuming_services,
    kafka_records,
    valid_record,
    valid_records,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import REGISTRY

from servicehub_runtime.consumer import TrackingConsumer

CASES = int(os.environ.get("FUZZ_CASES", "300"))
PARTITIONS = 3


class DeadLetters(list):
    """A dead-letter topic in memory: each record as the consumer sent it."""

    async def publish(self, value: bytes | None, topic: str, *, key: Any, headers: Any) -> None:
        # The dlq_* headers come after the original ones: the last of each name is the consumer's.
        self.append(SimpleNamespace(topic=topic, value=value, key=key, headers=dict(headers)))


class Batch:
    """What TrackingConsumer needs of FastStream's batch message: nack (seek back)."""

    def __init__(self) -> None:
        self.nacked = 0

    async def nack(self) -> None:
        self.nacked += 1


class Group:
    """One service's TrackingConsumer with its dead letters."""

    def __init__(self, service: ConsumingService, directory: Any) -> None:
        self.service = service
        self.dead_letters = DeadLetters()
        self.consumer = TrackingConsumer(
            KafkaBroker(), service.application, group_id=service.name,
            dead_letter_topic=service.dead_letter_topic, dead_letters=self.dead_letters,
            overflow_dir=directory / f"{service.name}-dead-letters",
        )
        service.subscribe(self.consumer)
        self.topics = service.consumed()
        self.received = 0

    async def take(self, records: list[ConsumerRecord]) -> None:
        batch = Batch()
        await self.consumer._consume_batch(batch, tuple(records))  # noqa: SLF001 - as FastStream does
        assert batch.nacked == 0, f"{self.service.name} could not get past {records[0].topic}: retried"
        self.received += len(records)

    def stored(self) -> int:
        return self.service.application.recorder.max_notification_id() or 0


class InMemoryLog:
    """Topic partitions as lists: appended records get the offsets Kafka would give them."""

    def __init__(self) -> None:
        self.ends: Counter[tuple[str, int]] = Counter()

    def append(self, topic: str, partition: int, records: list[KafkaRecord]) -> list[ConsumerRecord]:
        appended = []
        for record in records:
            offset = self.ends[(topic, partition)]
            self.ends[(topic, partition)] += 1
            appended.append(ConsumerRecord(
                topic=topic, partition=partition, offset=offset, timestamp=1_700_000_000_000, timestamp_type=0,
                key=record.key, value=record.value, checksum=None, serialized_key_size=len(record.key or b""),
                serialized_value_size=len(record.value or b""), headers=record.headers,
            ))
        return appended


@pytest.fixture(scope="module")
def groups(tmp_path_factory) -> Iterator[list[Group]]:
    directory = tmp_path_factory.mktemp("fuzz-kafka")
    services = consuming_services(None)
    yield [Group(service, directory) for service in services if service.consumed()]
    for service in services:
        service.application.close()


def outcomes(topics: set[str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for topic in topics:
        for outcome in ("processed", "duplicate", "dead_lettered", "failed"):
            value = REGISTRY.get_sample_value("servicehub_messages_total", {"topic": topic, "outcome": outcome})
            counts[outcome] += int(value or 0)
    return counts


def test_no_generated_record_stops_a_consumer_escapes_the_dead_letters_or_writes_when_rejected(groups) -> None:
    topics = {topic: message_type for group in groups for topic, message_type in group.topics.items()}
    assert len(topics) >= 8, f"the services consume fewer topics than they did: {sorted(topics)}"
    log = InMemoryLog()
    loop = asyncio.new_event_loop()
    before = outcomes(set(topics))
    known = st.sampled_from(["fuzz-partner", "fuzz-customer", "00000000-0000-0000-0000-000000000000"])
    generated_records = {topic: st.lists(kafka_records(t, known), min_size=1, max_size=3) for topic, t in topics.items()}
    batches = st.sampled_from(sorted(topics)).flatmap(
        lambda topic: st.tuples(st.just(topic), st.integers(0, PARTITIONS - 1), generated_records[topic]))
    examples = 0

    @settings(max_examples=CASES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(batches)
    def one(batch: tuple[str, int, list[KafkaRecord]]) -> None:
        nonlocal examples
        topic, partition, generated = batch
        records = log.append(topic, partition, generated)
        for group in (g for g in groups if topic in g.topics):
            stored, dead = group.stored(), len(group.dead_letters)
            loop.run_until_complete(group.take(records))
            rejected = group.dead_letters[dead:]
            for letter, record in zip(rejected, (r for r in records if _offset_in(r, rejected))):
                assert letter.headers["dlq_reason"], "a dead letter without a reason"
                assert (letter.value or None, letter.key) == (record.value or None, record.key)
            offsets = [int(d.headers["dlq_offset"]) for d in rejected]
            assert len(offsets) == len(set(offsets)), "a record dead-lettered twice"
            assert all(d.headers["dlq_topic"] == topic.encode() for d in rejected)
            if len(rejected) == len(records):
                assert group.stored() == stored, f"{group.service.name} wrote events for rejected records"
            position = group.service.application.position(f"{topic}:{partition}")
            assert position == records[-1].offset + 1, f"{group.service.name} did not get past {topic}"
        examples += 1

    one()
    fuzzed = outcomes(set(topics)) - before
    received = sum(g.received for g in groups)
    dead_lettered = sum(len(g.dead_letters) for g in groups)
    accepted = fuzzed["processed"] + fuzzed["duplicate"]
    assert fuzzed["failed"] == 0
    assert fuzzed["dead_lettered"] == dead_lettered
    assert received == dead_lettered + accepted, f"{received} in, {dead_lettered} dead-lettered, {accepted} accepted"

    # The flow goes on: a valid record on every topic after the fuzzing is processed.
    samples = valid_records(datetime.now(UTC), uuid.uuid4())
    missing = {t for t, message_type in topics.items() if message_type not in samples}
    assert not missing, f"fuzzcases.valid_records has no valid message for {sorted(missing)}"
    for message_type, message in samples.items():
        topic = next((t for t, m in topics.items() if m is message_type), None)
        if topic is None:
            continue
        [record] = log.append(topic, 0, [valid_record(message)])
        for group in (g for g in groups if topic in g.topics):
            stored, dead = group.stored(), len(group.dead_letters)
            loop.run_until_complete(group.take([record]))
            refused = [d.headers["dlq_reason"] for d in group.dead_letters[dead:]]
            assert refused == [], f"{group.service.name} refused a valid {message_type.__name__}"
            assert group.stored() > stored, f"{group.service.name} did not record a valid {message_type.__name__}"
    loop.close()
    print(f"\nfuzz: {received} Kafka records in {examples} batches over {len(topics)} topics "
          f"({len(groups)} consumer groups): {dead_lettered} dead-lettered, {accepted} accepted, 0 failures")
    assert examples >= CASES * 0.9  # hypothesis ran (nearly) every case asked for


def _offset_in(record: ConsumerRecord, letters: list[SimpleNamespace]) -> bool:
    return str(record.offset).encode() in {d.headers["dlq_offset"] for d in letters}
