"""Generated Kafka records on the real broker, to the real service processes: a smaller run of
tests/fuzz/test_fuzz_kafka.py (same generator, fuzzcases.kafka_records) on every topic the
services consume, as their own subscriptions declare them.

All records of a topic go to partition 0, followed by a valid record. Once every consuming
group has committed past the valid one, for each group and topic: the services still run, the valid record was not refused, every rejected
record is on the group's dead-letter topic at its position with a reason, none failed, the
service counted exactly as many dead-lettered as arrived on its dead-letter topic, and every
other record as accepted. (Records the services publish meanwhile — the valid requests become
events on the consumed topics — are counted too, so here accepted is at least, not exactly,
the records sent minus the dead-lettered ones; tests/fuzz counts exactly.)
"""

from __future__ import annotations

import asyncio
import urllib.request
import uuid
from collections import Counter
from datetime import UTC, datetime

from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from fuzzcases import KafkaRecord, consuming_services, kafka_records, valid_record, valid_records
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families

RECORDS_PER_TOPIC = 25
MAX_RECORD_BYTES = 900_000  # the broker's default limit is 1 MB


def generated(message_type) -> list[KafkaRecord]:
    drawn: list[KafkaRecord] = []
    known = st.sampled_from(["fuzz-partner", "fuzz-customer", str(uuid.uuid4())])

    @settings(max_examples=RECORDS_PER_TOPIC, phases=[Phase.generate], database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(kafka_records(message_type, known))
    def draw(record: KafkaRecord) -> None:
        drawn.append(record)

    draw()
    # aiokafka cannot send a record without key and value (tests/fuzz covers those).
    return [r for r in drawn if _size(r) < MAX_RECORD_BYTES and (r.key, r.value) != (None, None)]


def _size(record: KafkaRecord) -> int:
    return len(record.key or b"") + len(record.value or b"") + sum(len(n) + len(v or b"") for n, v in record.headers)


def outcomes(port: int, topic: str) -> Counter[str]:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    return Counter({
        sample.labels["outcome"]: int(sample.value)
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "servicehub_messages_total" and sample.labels.get("topic") == topic
    })


async def dead_letters(helpers, bootstrap_servers: str, service: str) -> dict[tuple[str, int, int], dict]:
    """The service's dead letters by the position of their original."""
    letters = {}
    for letter in await helpers.read_topic(bootstrap_servers, f"{service}.dead-letter.v1"):
        headers = helpers.headers_of(letter)  # the dlq_* headers come last: the last one wins
        letters[(headers["dlq_topic"], int(headers["dlq_partition"]), int(headers["dlq_offset"]))] = headers
    return letters


async def test_generated_records_on_every_consumed_topic_are_dead_lettered_or_accepted_and_the_flow_goes_on(
    system, bootstrap_servers, producer, helpers, tmp_path
) -> None:
    services = consuming_services(tmp_path)
    consumers = {s.name: s.consumed() for s in services}
    for service in services:
        service.application.close()
    topics = {topic: message_type for consumed in consumers.values() for topic, message_type in consumed.items()}
    groups = {topic: [name for name, consumed in consumers.items() if topic in consumed] for topic in topics}
    names = sorted({name for names in groups.values() for name in names})
    before = {(name, topic): outcomes(system[name].metrics_port, topic) for topic in topics for name in groups[topic]}
    letters_before = {name: await dead_letters(helpers, bootstrap_servers, name) for name in names}

    sent: dict[str, list[int]] = {}
    for topic, message_type in topics.items():
        records = generated(message_type)
        results = await asyncio.gather(*(
            producer.send_and_wait(topic, r.value, key=r.key, headers=r.headers, partition=0) for r in records
        ))
        sent[topic] = [metadata.offset for metadata in results]
    # The valid records go one by one, each once its groups are past the one before: a ticket
    # update or a project request needs its ticket or order applied first, and topics are not
    # ordered with each other.
    valid: dict[str, int] = {}
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        for message_type, message in valid_records(datetime.now(UTC), uuid.uuid4()).items():
            topic = next((t for t, m in topics.items() if m is message_type), None)
            if topic is None:
                continue
            record = valid_record(message)
            metadata = await producer.send_and_wait(
                topic, record.value, key=record.key, headers=record.headers, partition=0)
            valid[topic] = metadata.offset
            for name in groups[topic]:
                async def committed_past(name=name, topic=topic, offset=metadata.offset) -> bool:
                    partition = TopicPartition(topic, 0)
                    committed = await admin.list_consumer_group_offsets(name, partitions=[partition])
                    return partition in committed and committed[partition].offset > offset

                await helpers.eventually(committed_past, timeout=120, what=f"{name} past the valid {topic} record")
    finally:
        await admin.close()
    assert set(valid) == set(topics), f"no valid message for {sorted(set(topics) - set(valid))}"

    assert all(system[name].running for name in consumers), "a service stopped"
    total = dead_total = 0
    for name in names:
        letters = await dead_letters(helpers, bootstrap_servers, name)
        for topic in (t for t in topics if name in groups[t]):
            assert (topic, 0, valid[topic]) not in letters, f"{name} refused the valid {topic} record: " + \
                letters[(topic, 0, valid[topic])]["dlq_reason"]
            dead = [letters[(topic, 0, offset)] for offset in sent[topic] if (topic, 0, offset) in letters]
            assert all(d["dlq_reason"] and d["dlq_consumer_group"] == name for d in dead)
            counted = outcomes(system[name].metrics_port, topic) - before[(name, topic)]
            assert counted["failed"] == 0, f"{name} failed on {topic}"
            arrived = {p for p in letters if p[0] == topic} - set(letters_before[name])
            assert counted["dead_lettered"] == len(arrived), f"{name} on {topic}: {counted}, {len(arrived)} arrived"
            accepted = counted["processed"] + counted["duplicate"]
            assert accepted >= len(sent[topic]) + 1 - len(dead), f"{name} on {topic}: {counted}, {len(dead)} dead"
            total += len(sent[topic])
            dead_total += len(dead)
    print(f"\nfuzz on the broker: {total} records consumed over {len(topics)} topics: {dead_total} dead-lettered, "
          f"{total - dead_total} accepted")
