"""TrackingConsumer: tracking, de-duplication and dead-lettering without a real broker.

Two levels:
* through FastStream's in-memory TestKafkaBroker (real subscriber wiring, decoder and
  publish path). Its records always carry offset 0 and partition 0 (see
  faststream/kafka/testing.py `build_message`), so it can show "same offset twice is
  handled once" but not a sequence of offsets;
* `TrackingConsumer._consume` called directly with small fake records, for everything
  that needs distinct offsets, a high-water mark, or a broker that records publishes.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from aiokafka import TopicPartition
from aiokafka.errors import KafkaConnectionError
from eventsourcing.persistence import IntegrityError
from faststream.kafka import KafkaBroker, TestKafkaBroker
from faststream.kafka.annotations import KafkaMessage

from servicehub.events.v1.intake_pb2 import ApplicationSubmitted, Evidence
from servicehub_runtime import consumer as consumer_module
from servicehub_runtime.cloudevents import MessageTypes, encode, topic_of
from servicehub_runtime.consumer import InvalidMessage, TrackingConsumer
from servicehub_runtime.eventstore import Tracking

TOPIC = topic_of(ApplicationSubmitted)
DLQ = "test.dead-letter.v1"
GROUP = "test-group"


def good(application_id: str = "a-1") -> tuple[bytes, dict[str, str]]:
    return encode(
        ApplicationSubmitted(  # within its contract's bounds
            application_id=application_id, partner_id="p", partner_name="P",
            corporate_email="p@p.example", evidence=[Evidence(criterion="c", document_uri="d")],
        ),
        event_id=f"ev-{application_id}",
        source="/servicehub/intake",
        subject=application_id,
        time=datetime(2026, 1, 5, tzinfo=UTC),
    )


@dataclass
class RecordingHandler:
    """Records each call and, like a real handler, the position with it."""

    app: Any
    calls: list[tuple[str, Tracking]] = field(default_factory=list)
    error: Exception | None = None

    def __call__(self, event, position: Tracking) -> None:
        self.calls.append((event.message.application_id, position))
        if self.error is not None:
            raise self.error
        self.app.record(position=position)


@pytest.fixture
def handler(app) -> RecordingHandler:
    return RecordingHandler(app)


# ---------------------------------------------------------------- TestKafkaBroker level


@pytest.fixture
def wired(app, handler):
    """A broker with the tracking consumer installed and a subscriber on the DLQ."""
    broker = KafkaBroker()
    consumer = TrackingConsumer(broker, app, group_id=GROUP, dead_letter_topic=DLQ)
    consumer.subscribe(ApplicationSubmitted, TOPIC, handler)
    consumer.install()
    dead_letters: list[Any] = []

    @broker.subscriber(DLQ, decoder=lambda message: message.body)
    async def on_dead_letter(message: KafkaMessage) -> None:
        dead_letters.append(message.raw_message)

    return broker, dead_letters


async def test_good_message_calls_handler_once_with_its_position(app, handler, wired) -> None:
    broker, dead_letters = wired
    body, headers = good("a-1")
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(body, TOPIC, key=b"a-1", headers=headers)

    assert handler.calls == [("a-1", Tracking(f"{TOPIC}:0", 1))]
    assert app.position(f"{TOPIC}:0") == 1
    assert dead_letters == []


async def test_same_record_delivered_twice_is_handled_once(handler, wired, metric) -> None:
    broker, _ = wired
    body, headers = good("a-1")
    duplicates = metric("servicehub_messages_total", topic=TOPIC, outcome="duplicate")
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(body, TOPIC, headers=headers)  # offset 0
        await test_broker.publish(body, TOPIC, headers=headers)  # offset 0 again

    assert len(handler.calls) == 1
    assert metric("servicehub_messages_total", topic=TOPIC, outcome="duplicate") == duplicates + 1


async def test_poison_message_goes_to_dead_letter_topic_untouched(app, handler, wired) -> None:
    broker, dead_letters = wired
    corrupt = b"\x0a\xff\xff"
    _, headers = good()
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(corrupt, TOPIC, key=b"k-1", headers=headers)

    assert handler.calls == []
    [record] = dead_letters
    dlq_headers = {name: value.decode() for name, value in record.headers}
    assert record.value == corrupt
    assert record.key == b"k-1"
    assert "not a valid servicehub.events.v1.ApplicationSubmitted protobuf" in dlq_headers["dlq_reason"]
    assert dlq_headers["dlq_topic"] == TOPIC
    assert dlq_headers["dlq_offset"] == "0"
    assert dlq_headers["dlq_partition"] == "0"
    assert dlq_headers["dlq_consumer_group"] == GROUP
    assert dlq_headers["ce_id"] == headers["ce_id"]  # original headers travel along
    assert app.position(f"{TOPIC}:0") == 1  # never retried


async def test_handler_raising_invalid_message_is_dead_lettered(app, handler, wired) -> None:
    broker, dead_letters = wired
    handler.error = InvalidMessage("partner_id is unknown")
    body, headers = good()
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(body, TOPIC, headers=headers)

    [record] = dead_letters
    assert record.value == body
    assert dict(record.headers)["dlq_reason"] == b"partner_id is unknown"
    assert app.position(f"{TOPIC}:0") == 1


# ---------------------------------------------------------------- direct `_consume` level


class FakeBroker:
    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []

    async def publish(self, body: bytes, topic: str, **kwargs: Any) -> None:
        self.published.append({"body": body, "topic": topic, **kwargs})


def record(offset: int, body: bytes, headers: dict[str, str], partition: int = 0) -> Any:
    return SimpleNamespace(
        topic=TOPIC,
        partition=partition,
        offset=offset,
        key=b"key",
        value=body,
        headers=[(name, value.encode()) for name, value in headers.items()],
    )


@pytest.fixture
def direct(app, handler):
    broker = FakeBroker()
    consumer = TrackingConsumer(broker, app, group_id=GROUP, dead_letter_topic=DLQ)  # type: ignore[arg-type]

    async def consume(rec: Any, message: Any = None) -> None:
        await consumer._consume(
            message or SimpleNamespace(), rec, MessageTypes([ApplicationSubmitted]), handler
        )

    return consume, broker


async def test_next_good_message_after_poison_is_processed(app, handler, direct) -> None:
    consume, broker = direct
    body, headers = good("a-7")
    await consume(record(5, b"\x0a\xff", headers))
    await consume(record(6, body, headers))

    assert [p["headers"]["dlq_offset"] for p in broker.published] == ["5"]
    assert broker.published[0]["topic"] == DLQ
    assert handler.calls == [("a-7", Tracking(f"{TOPIC}:0", 7))]
    assert app.position(f"{TOPIC}:0") == 7


async def test_non_utf8_header_is_dead_lettered_with_body_untouched(handler, direct) -> None:
    consume, broker = direct
    body, headers = good()
    rec = record(0, body, headers)
    rec.headers.append(("x-bad", b"\xff"))
    await consume(rec)

    assert handler.calls == []
    [published] = broker.published
    assert published["body"] == body
    assert published["headers"]["dlq_reason"] == "header 'x-bad' is not UTF-8 text"


async def test_already_processed_offsets_are_skipped_after_restart(app, open_app, direct) -> None:
    consume, _ = direct
    body, headers = good()
    await consume(record(0, body, headers))
    await consume(record(1, body, headers))

    restarted_app = open_app()
    restarted = RecordingHandler(restarted_app)
    consumer = TrackingConsumer(FakeBroker(), restarted_app, group_id=GROUP, dead_letter_topic=DLQ)  # type: ignore[arg-type]
    types = MessageTypes([ApplicationSubmitted])
    for offset in (0, 1, 2):
        await consumer._consume(SimpleNamespace(), record(offset, body, headers), types, restarted)

    assert [p.notification_id for _, p in restarted.calls] == [3]


async def test_partitions_are_tracked_separately(app, handler, direct) -> None:
    consume, _ = direct
    body, headers = good()
    await consume(record(4, body, headers, partition=0))
    await consume(record(0, body, headers, partition=1))

    assert [p for _, p in handler.calls] == [Tracking(f"{TOPIC}:0", 5), Tracking(f"{TOPIC}:1", 1)]


async def test_handler_integrity_error_counts_as_duplicate_and_records_position(
    app, handler, direct, metric
) -> None:
    consume, broker = direct
    handler.error = IntegrityError("aggregate exists already")
    duplicates = metric("servicehub_messages_total", topic=TOPIC, outcome="duplicate")
    body, headers = good()
    await consume(record(3, body, headers))

    assert app.position(f"{TOPIC}:0") == 4
    assert broker.published == []
    assert metric("servicehub_messages_total", topic=TOPIC, outcome="duplicate") == duplicates + 1

    handler.error = None
    await consume(record(3, body, headers))  # redelivered: skipped
    assert len(handler.calls) == 1


class FakeKafkaConsumer:
    """What the consumer needs of aiokafka's: commit, assignment, seek (via nack)."""

    def __init__(self, assigned: set) -> None:
        self.assigned = assigned
        self.commits: list[dict] = []

    def assignment(self) -> set:
        return self.assigned

    async def commit(self, offsets: dict) -> None:
        self.commits.append(dict(offsets))


class FakeMessage(SimpleNamespace):
    nacked = 0

    async def nack(self) -> None:
        self.nacked += 1


async def test_other_handler_errors_seek_back_and_leave_the_record_for_redelivery(
    app, handler, direct, metric, monkeypatch
) -> None:
    monkeypatch.setattr(consumer_module, "RETRY_PAUSE_SECONDS", 0)
    consume, broker = direct
    failed = metric("servicehub_messages_total", topic=TOPIC, outcome="failed")
    handler.error = RuntimeError("database is down")
    body, headers = good()
    message = FakeMessage()

    await consume(record(0, body, headers), message)

    assert message.nacked == 1, "the consumer must seek back to the failed record"
    assert app.position(f"{TOPIC}:0") is None
    assert broker.published == []
    assert metric("servicehub_messages_total", topic=TOPIC, outcome="failed") == failed + 1
    handler.error = None
    await consume(record(0, body, headers))  # the redelivery is processed
    assert app.position(f"{TOPIC}:0") == 1
    assert len(handler.calls) == 2


async def test_processed_offsets_are_committed_for_partitions_still_assigned(app, handler) -> None:
    consumer = TrackingConsumer(FakeBroker(), app, group_id=GROUP, dead_letter_topic=DLQ)  # type: ignore[arg-type]
    kafka = FakeKafkaConsumer(assigned={TopicPartition(TOPIC, 0)})
    types = MessageTypes([ApplicationSubmitted])
    body, headers = good()
    for offset, partition in [(0, 0), (1, 0), (0, 1)]:  # partition 1 was since revoked
        await consumer._consume(FakeMessage(consumer=kafka), record(offset, body, headers, partition), types, handler)

    await consumer.commit()
    await consumer.commit()  # nothing new: no second commit

    assert kafka.commits == [{TopicPartition(TOPIC, 0): 2}]


async def test_committer_commits_once_more_when_stopped(app, handler) -> None:
    consumer = TrackingConsumer(FakeBroker(), app, group_id=GROUP, dead_letter_topic=DLQ)  # type: ignore[arg-type]
    kafka = FakeKafkaConsumer(assigned={TopicPartition(TOPIC, 0)})
    body, headers = good()
    committer = asyncio.create_task(consumer.run_committer())
    await consumer._consume(
        FakeMessage(consumer=kafka), record(7, body, headers), MessageTypes([ApplicationSubmitted]), handler
    )

    committer.cancel()
    await asyncio.gather(committer, return_exceptions=True)

    assert kafka.commits == [{TopicPartition(TOPIC, 0): 8}]


async def test_consumer_lag_is_high_water_mark_minus_next_offset(direct, metric) -> None:
    consume, _ = direct
    body, headers = good()
    message = SimpleNamespace(consumer=SimpleNamespace(highwater=lambda tp: 10))
    await consume(record(4, body, headers, partition=2), message)
    assert metric("servicehub_consumer_lag_messages", topic=TOPIC, partition="2") == 5


class UnreachableBroker(FakeBroker):
    async def publish(self, body: bytes, topic: str, **kwargs: Any) -> None:
        raise KafkaConnectionError("dead-letter topic unreachable")


async def test_poison_that_cannot_be_dead_lettered_is_retried_not_skipped(
    app, handler, monkeypatch
) -> None:
    monkeypatch.setattr(consumer_module, "RETRY_PAUSE_SECONDS", 0)
    consumer = TrackingConsumer(UnreachableBroker(), app, group_id=GROUP, dead_letter_topic=DLQ)  # type: ignore[arg-type]
    message = FakeMessage()
    _, headers = good()

    await consumer._consume(message, record(0, b"\x0a\xff", headers), MessageTypes([ApplicationSubmitted]), handler)

    assert message.nacked == 1
    assert app.position(f"{TOPIC}:0") is None, "its position must stay unrecorded until dead-lettered"
    assert consumer._to_commit == {}
