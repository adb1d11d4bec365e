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
import base64
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import pytest
from aiokafka import TopicPartition
from aiokafka.errors import KafkaConnectionError, MessageSizeTooLargeError
from aiokafka.structs import ConsumerRecord
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from faststream.kafka import KafkaBroker, TestKafkaBroker
from faststream.kafka.message import KafkaMessage as KafkaStreamMessage
from faststream.kafka.parser import AioKafkaBatchParser, AioKafkaParser

from servicehub.events.v1.intake_pb2 import ApplicationSubmitted, Evidence
from servicehub_runtime import consumer as consumer_module
from servicehub_runtime.cloudevents import MAX_REASON_CHARS, MessageTypes, encode, topic_of
from servicehub_runtime.consumer import InvalidMessage, TrackingConsumer
from servicehub_runtime.eventstore import Tracking

from .conftest import Note

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


class RecordingDeadLetters(list):
    """A dead-letter sender keeping each record as sent (headers as the raw list)."""

    async def publish(self, value: bytes | None, topic: str, *, key: Any, headers: Any) -> None:
        self.append(SimpleNamespace(topic=topic, value=value, key=key, headers=list(headers)))


@pytest.fixture
def wired(app, handler, tmp_path):
    """A broker with the tracking consumer installed, and the dead letters it sends."""
    broker = KafkaBroker()
    dead_letters = RecordingDeadLetters()
    consumer = TrackingConsumer(
        broker, app, group_id=GROUP, dead_letter_topic=DLQ, dead_letters=dead_letters,
        overflow_dir=tmp_path / "dead-letters",
    )
    consumer.subscribe(ApplicationSubmitted, TOPIC, handler)
    consumer.install()
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
    """Records dead letters: `headers` as text for reading, `raw_headers` exactly as sent."""

    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []

    async def publish(self, body: bytes | None, topic: str, *, headers: Any, **kwargs: Any) -> None:
        if body is None and kwargs.get("key") is None:
            raise AssertionError("Need at least one: key or value")  # as aiokafka's send
        text = {name: (value or b"").decode(errors="replace") for name, value in headers}
        self.published.append(
            {"body": body, "topic": topic, "headers": text, "raw_headers": list(headers), **kwargs}
        )


def consumer_with(app: Any, dead_letters: Any, overflow_dir: Path = Path("unused")) -> TrackingConsumer:
    return TrackingConsumer(
        FakeBroker(), app, group_id=GROUP, dead_letter_topic=DLQ,  # type: ignore[arg-type]
        dead_letters=dead_letters, overflow_dir=overflow_dir,
    )


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
def direct(app, handler, tmp_path):
    broker = FakeBroker()
    consumer = consumer_with(app, broker, tmp_path / "dead-letters")

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
    consumer = consumer_with(restarted_app, FakeBroker())
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
    consumer = consumer_with(app, FakeBroker())
    kafka = FakeKafkaConsumer(assigned={TopicPartition(TOPIC, 0)})
    types = MessageTypes([ApplicationSubmitted])
    body, headers = good()
    for offset, partition in [(0, 0), (1, 0), (0, 1)]:  # partition 1 was since revoked
        await consumer._consume(FakeMessage(consumer=kafka), record(offset, body, headers, partition), types, handler)

    await consumer.commit()
    await consumer.commit()  # nothing new: no second commit

    assert kafka.commits == [{TopicPartition(TOPIC, 0): 2}]


async def test_committer_commits_once_more_when_stopped(app, handler) -> None:
    consumer = consumer_with(app, FakeBroker())
    kafka = FakeKafkaConsumer(assigned={TopicPartition(TOPIC, 0)})
    body, headers = good()
    committer = asyncio.create_task(consumer.run_committer())
    await consumer._consume(
        FakeMessage(consumer=kafka), record(7, body, headers), MessageTypes([ApplicationSubmitted]), handler
    )

    committer.cancel()
    await asyncio.gather(committer, return_exceptions=True)

    assert kafka.commits == [{TopicPartition(TOPIC, 0): 8}]


class UnreachableBroker(FakeBroker):
    async def publish(self, body: bytes | None, topic: str, **kwargs: Any) -> None:
        raise KafkaConnectionError("dead-letter topic unreachable")


async def test_poison_that_cannot_be_dead_lettered_is_retried_not_skipped(
    app, handler, monkeypatch
) -> None:
    monkeypatch.setattr(consumer_module, "RETRY_PAUSE_SECONDS", 0)
    consumer = consumer_with(app, UnreachableBroker())
    message = FakeMessage()
    _, headers = good()

    await consumer._consume(message, record(0, b"\x0a\xff", headers), MessageTypes([ApplicationSubmitted]), handler)

    assert message.nacked == 1
    assert app.position(f"{TOPIC}:0") is None, "its position must stay unrecorded until dead-lettered"
    assert consumer._to_commit == {}


# ---------------------------------------------------------------- hostile records


def raw_record(offset: int, body: bytes | None, headers: list, timestamp_ms: int = 1) -> ConsumerRecord:
    return ConsumerRecord(
        topic=TOPIC, partition=0, offset=offset, timestamp=timestamp_ms, timestamp_type=0,
        key=b"key", value=body, checksum=None, serialized_key_size=3,
        serialized_value_size=len(body or b""), headers=headers,
    )


def raw_headers(headers: dict[str, str]) -> list[tuple[str, bytes | None]]:
    return [(name, value.encode()) for name, value in headers.items()]


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ([("ce_id", b"\xff\xfe\xfd")], "header(s) repeated: 'ce_id'"),
        ([("traceparent", b"\xc3\x28")], "header 'traceparent' is not UTF-8 text"),
        ([("x-null", None)], "header 'x-null' has a null value"),
        ([("ce_type", b"servicehub.events.v1.ApplicationSubmitted")], "header(s) repeated: 'ce_type'"),
    ],
    ids=["non-utf8-ce_id-twice", "non-utf8-traceparent", "null-value", "ce_type-twice"],
)
async def test_headers_faststream_cannot_read_reach_the_handler_and_are_dead_lettered_exactly(
    app, handler, direct, metric, extra, reason
) -> None:
    """FastStream's own parser raises on these before any handler runs: the record vanished."""
    consume, broker = direct
    body, headers = good()
    original = raw_record(0, body, [*raw_headers(headers), *extra])
    parsed = await consumer_module._parse_any_headers(
        (original,), AioKafkaBatchParser(KafkaStreamMessage, None).parse_batch
    )
    dead = metric("servicehub_messages_total", topic=TOPIC, outcome="dead_lettered")

    [handed_over] = parsed.raw_message
    await consume(handed_over)

    assert handed_over is original
    assert handler.calls == []
    [published] = broker.published
    assert published["body"] == body
    assert published["raw_headers"][: len(original.headers)] == original.headers, "exact copy"
    assert dict(published["raw_headers"][len(original.headers):])["dlq_reason"] == reason.encode()
    assert metric("servicehub_messages_total", topic=TOPIC, outcome="dead_lettered") == dead + 1
    assert app.position(f"{TOPIC}:0") == 1


async def test_faststream_parser_alone_fails_on_such_headers() -> None:
    """Why the consumer parses for FastStream: without it the record never reaches us."""
    with pytest.raises((UnicodeDecodeError, AttributeError)):
        await AioKafkaParser(KafkaStreamMessage, None).parse_message(raw_record(0, b"", [("x", None)]))


async def test_tombstone_is_dead_lettered_as_a_tombstone(handler, direct) -> None:
    consume, broker = direct
    _, headers = good()
    await consume(raw_record(0, None, [*raw_headers(headers), ("x-null", None)]))
    [published] = broker.published
    assert published["body"] is None


async def test_record_without_key_and_value_is_dead_lettered_saying_so(handler, direct) -> None:
    """Java or librdkafka clients can write one; aiokafka cannot send one."""
    consume, broker = direct
    _, headers = good()
    rec = raw_record(0, None, [*raw_headers(headers), ("x-null", None)])
    rec.key = None
    await consume(rec)
    [published] = broker.published
    assert (published["body"], published["key"]) == (b"", None)
    assert published["headers"]["dlq_value_was_null"] == "true"


class SizeLimitedDeadLetters(FakeBroker):
    """Accepts dead letters up to `limit` bytes of value, as a topic's max.message.bytes."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    async def publish(self, body: bytes | None, topic: str, **kwargs: Any) -> None:
        if len(body or b"") > self.limit:
            raise MessageSizeTooLargeError("the message is too large")
        await super().publish(body, topic, **kwargs)


async def test_record_too_large_for_the_dead_letter_topic_is_kept_in_a_file(
    app, handler, tmp_path, metric
) -> None:
    sender = SizeLimitedDeadLetters(limit=1000)
    consumer = consumer_with(app, sender, tmp_path / "dead-letters")
    types = MessageTypes([ApplicationSubmitted])
    _, headers = good()
    huge = b"\x0a\xff" + bytes(range(256)) * 40  # corrupt protobuf of 10 KB
    original_headers = [*raw_headers(headers), ("x-null", None), ("x-twice", b"1"), ("x-twice", b"2")]
    kept = metric("servicehub_dead_letters_kept_in_files_total", topic=TOPIC)
    body, _ = good("a-9")

    await consumer._consume(SimpleNamespace(), raw_record(41, huge, original_headers, 1_700_000_000_000), types, handler)
    await consumer._consume(SimpleNamespace(), raw_record(42, body, raw_headers(headers)), types, handler)

    [pointer] = sender.published
    assert pointer["body"] == b""
    stored = Path(pointer["headers"]["dlq_stored_at"])
    assert stored == tmp_path / "dead-letters" / f"{TOPIC}-0-41.bin"
    assert stored.read_bytes() == huge
    meta = json.loads(stored.with_name(f"{TOPIC}-0-41.json").read_text())
    assert [[n, v and base64.b64decode(v)] for n, v in meta["headers"]] == [
        [n, v] for n, v in original_headers
    ]
    assert base64.b64decode(meta["key"]) == b"key"
    assert (meta["offset"], meta["timestamp"]) == (41, 1_700_000_000_000)
    assert meta["reason"] == "header(s) repeated: 'x-twice'"
    assert pointer["headers"]["dlq_offset"] == "41"
    assert int(pointer["headers"]["dlq_original_bytes"]) > len(huge)
    assert metric("servicehub_dead_letters_kept_in_files_total", topic=TOPIC) == kept + 1
    assert handler.calls == [("a-9", Tracking(f"{TOPIC}:0", 43))], "the partition moved on"


async def test_long_reason_is_cut_in_the_dead_letter_and_logged_once(
    app, handler, direct, caplog
) -> None:
    consume, broker = direct
    handler.error = InvalidMessage("; ".join(f"evidence[{i}]: is empty" for i in range(13_000)))
    body, headers = good()
    with caplog.at_level("WARNING", logger="servicehub_runtime.consumer"):
        await consume(record(0, body, headers))

    [published] = broker.published
    assert len(published["headers"]["dlq_reason"]) == MAX_REASON_CHARS
    assert published["headers"]["dlq_reason"].endswith("more characters cut]")
    [line] = caplog.records
    assert len(line.getMessage()) < MAX_REASON_CHARS + 200


async def test_a_failure_repeating_on_the_same_record_logs_its_traceback_once(
    app, handler, direct, caplog, monkeypatch
) -> None:
    monkeypatch.setattr(consumer_module, "RETRY_PAUSE_SECONDS", 0)
    consume, _ = direct
    handler.error = RuntimeError("database is down " + "x" * 1_000_000)
    body, headers = good()
    with caplog.at_level("WARNING", logger="servicehub_runtime.consumer"):
        for _ in range(3):
            await consume(record(0, body, headers), FakeMessage())

    assert [r.levelname for r in caplog.records] == ["ERROR", "WARNING", "WARNING"]
    assert all(len(r.getMessage()) < MAX_REASON_CHARS + 200 for r in caplog.records)
    assert caplog.records[0].exc_info is None, "a traceback would repeat the 1 MB message"


async def test_short_failure_is_logged_with_its_traceback(handler, direct, caplog, monkeypatch) -> None:
    monkeypatch.setattr(consumer_module, "RETRY_PAUSE_SECONDS", 0)
    consume, _ = direct
    handler.error = RuntimeError("database is down")
    body, headers = good()
    with caplog.at_level("WARNING", logger="servicehub_runtime.consumer"):
        await consume(record(0, body, headers), FakeMessage())
    [line] = caplog.records
    assert line.exc_info is not None and "database is down" in line.getMessage()


def age(metric) -> float:
    return metric(
        "servicehub_consumer_oldest_unprocessed_age_seconds", group=GROUP, topic=TOPIC, partition="0"
    )


async def test_oldest_unprocessed_age_grows_while_a_record_is_retried(
    app, handler, direct, metric, monkeypatch
) -> None:
    monkeypatch.setattr(consumer_module, "RETRY_PAUSE_SECONDS", 0)
    consume, _ = direct
    handler.error = RuntimeError("database is down")
    body, headers = good()
    an_hour_ago_ms = int((time.time() - 3600) * 1000)
    caught_up = SimpleNamespace(consumer=SimpleNamespace(highwater=lambda tp: 1, assignment=lambda: {TopicPartition(TOPIC, 0)}))

    await consume(raw_record(0, body, raw_headers(headers), an_hour_ago_ms), FakeMessage(**vars(caught_up)))
    assert 3590 < age(metric) < 3700, "stuck on an hour-old record"

    handler.error = None
    await consume(raw_record(0, body, raw_headers(headers), an_hour_ago_ms), caught_up)
    assert age(metric) == 0, "processed, and nothing else waits"


async def test_oldest_unprocessed_age_stays_while_records_wait_behind(
    app, handler, direct, metric
) -> None:
    consume, _ = direct
    body, headers = good()
    ten_minutes_ago_ms = int((time.time() - 600) * 1000)
    behind = SimpleNamespace(consumer=SimpleNamespace(highwater=lambda tp: 5, assignment=lambda: {TopicPartition(TOPIC, 0)}))
    await consume(raw_record(0, body, raw_headers(headers), ten_minutes_ago_ms), behind)
    assert age(metric) >= 590, "four more records wait: the partition is not caught up"


async def test_oldest_unprocessed_age_is_zero_for_a_partition_no_longer_ours(
    app, handler, direct, metric
) -> None:
    consume, _ = direct
    body, headers = good()
    revoked = SimpleNamespace(consumer=SimpleNamespace(highwater=lambda tp: 5, assignment=lambda: set()))
    await consume(raw_record(0, body, raw_headers(headers), int((time.time() - 600) * 1000)), revoked)
    assert age(metric) == 0


async def test_oldest_unprocessed_age_of_a_future_dated_record_counts_from_first_take(
    app, handler, direct, metric, monkeypatch
) -> None:
    """A producer may set any timestamp: a stuck record dated in the future must still show."""
    monkeypatch.setattr(consumer_module, "RETRY_PAUSE_SECONDS", 0)
    consume, _ = direct
    handler.error = RuntimeError("database is down")
    body, headers = good()
    next_year_ms = int((time.time() + 365 * 86400) * 1000)
    now = [1_000_000.0]
    monkeypatch.setattr(consumer_module.time, "time", lambda: now[0])
    stuck = SimpleNamespace(consumer=SimpleNamespace(highwater=lambda tp: 1, assignment=lambda: {TopicPartition(TOPIC, 0)}))

    await consume(raw_record(0, body, raw_headers(headers), next_year_ms), FakeMessage(**vars(stuck)))
    now[0] += 600
    await consume(raw_record(0, body, raw_headers(headers), next_year_ms), FakeMessage(**vars(stuck)))

    assert age(metric) == 600, "ten minutes since it was first taken up, redelivery or not"


async def test_reason_quoting_a_lone_surrogate_still_makes_a_dead_letter(app, handler, direct) -> None:
    consume, broker = direct
    handler.error = InvalidMessage("partner_name '\ud800' is not text")
    body, headers = good()
    await consume(record(0, body, headers))
    [published] = broker.published
    assert dict(published["raw_headers"])["dlq_reason"] == b"partner_name '\\ud800' is not text"
    assert app.position(f"{TOPIC}:0") == 1


# ---------------------------------------------------------------- batches


@dataclass
class NoteTaker:
    """Records one note per message (named after its application id); refuses "bad-*" ones
    as invalid and fails on those in `failing` as a database outage would."""

    app: Any
    failing: set[str] = field(default_factory=set)

    def __call__(self, event, position: Tracking) -> None:
        application_id = event.message.application_id
        if application_id.startswith("bad-"):
            raise InvalidMessage(f"{application_id} is refused")
        if application_id in self.failing:
            raise RuntimeError("database unreachable")
        self.app.record(Note(id=uuid5(NAMESPACE_URL, application_id), text=application_id), position=position)


def notes_of(app: Any) -> list[str]:
    return [
        app.mapper.to_domain_event(n).text
        for n in app.recorder.select_notifications(start=1, limit=100)
    ]


@pytest.fixture
def batches(app, tmp_path, monkeypatch):
    """A consumer whose one topic goes to a NoteTaker; `consume(records)` hands it a batch."""
    monkeypatch.setattr(consumer_module, "RETRY_PAUSE_SECONDS", 0)
    broker = FakeBroker()
    consumer = consumer_with(app, broker, tmp_path / "dead-letters")
    taker = NoteTaker(app)
    consumer.subscribe(ApplicationSubmitted, TOPIC, taker)
    transactions = []
    insert_events = app.recorder.insert_events
    monkeypatch.setattr(
        app.recorder, "insert_events", lambda *a, **kw: transactions.append(kw) or insert_events(*a, **kw)
    )

    async def consume(records: list[Any], message: Any = None) -> Any:
        message = message or FakeMessage()
        await consumer._consume_batch(message, tuple(records))
        return message

    return SimpleNamespace(consume=consume, broker=broker, taker=taker, transactions=transactions)


def submitted(offset: int, application_id: str, partition: int = 0) -> Any:
    return record(offset, *good(application_id), partition=partition)


async def test_a_batch_from_two_partitions_is_one_transaction_with_each_partitions_position(
    app, batches, metric
) -> None:
    processed = metric("servicehub_messages_total", topic=TOPIC, outcome="processed")
    await batches.consume(
        [submitted(0, "a-1"), submitted(1, "a-2"), submitted(7, "b-1", partition=1)]
    )

    assert notes_of(app) == ["a-1", "a-2", "b-1"]
    [transaction] = batches.transactions
    assert sorted(transaction["trackings"], key=str) == [Tracking(f"{TOPIC}:0", 2), Tracking(f"{TOPIC}:1", 8)]
    assert app.position(f"{TOPIC}:0") == 2 and app.position(f"{TOPIC}:1") == 8
    assert metric("servicehub_messages_total", topic=TOPIC, outcome="processed") == processed + 3


@pytest.mark.parametrize("poison", ["refused by the handler", "undecodable"])
async def test_a_poison_record_in_a_batch_is_dead_lettered_and_the_others_applied_once(
    app, batches, poison
) -> None:
    bad = submitted(1, "bad-1")
    if poison == "undecodable":
        bad.value = b"\x0a\xff"
    await batches.consume([submitted(0, "a-1"), bad, submitted(2, "a-2")])
    await batches.consume([submitted(0, "a-1"), bad, submitted(2, "a-2")])  # redelivered

    assert notes_of(app) == ["a-1", "a-2"]
    assert [p["headers"]["dlq_offset"] for p in batches.broker.published] == ["1"]
    assert app.position(f"{TOPIC}:0") == 3


async def test_a_failing_record_leaves_it_and_the_rest_for_redelivery_without_reapplying_the_done(
    app, batches
) -> None:
    batches.taker.failing.add("a-2")
    batch = [submitted(0, "a-1"), submitted(1, "a-2"), submitted(2, "a-3")]
    message = await batches.consume(batch)

    assert message.nacked == 1, "sought back for redelivery"
    assert notes_of(app) == ["a-1"]
    assert app.position(f"{TOPIC}:0") == 1

    batches.taker.failing.clear()
    await batches.consume(batch)  # redelivered from the start of the batch
    assert notes_of(app) == ["a-1", "a-2", "a-3"]
    assert app.position(f"{TOPIC}:0") == 3


@dataclass
class NoteReader(NoteTaker):
    """A NoteTaker that first reads the note (as a command reads its aggregate to decide),
    remembering whether it existed, and writes it only if it did not."""

    found: list[bool] = field(default_factory=list)

    def __call__(self, event, position: Tracking) -> None:
        try:
            self.app.repository.get(uuid5(NAMESPACE_URL, event.message.application_id))
        except AggregateNotFoundError:
            self.found.append(False)
            super().__call__(event, position)
        else:
            self.found.append(True)
            self.app.record(position=position)


def note_read(event) -> list[UUID]:
    if event.message.application_id == "unreadable":
        raise ValueError("no id to read")
    return [uuid5(NAMESPACE_URL, event.message.application_id)]


@pytest.fixture
def reading(app, tmp_path, monkeypatch):
    """A consumer whose handler reads a note, naming it in `reads`; counts preload queries."""
    consumer = consumer_with(app, FakeBroker(), tmp_path / "dead-letters")
    reader = NoteReader(app)
    consumer.subscribe(ApplicationSubmitted, TOPIC, reader, reads=note_read)
    queries = []
    select_events_of = app.recorder._select_events_of
    monkeypatch.setattr(
        app.recorder, "_select_events_of", lambda ids: queries.append(ids) or select_events_of(ids)
    )
    return SimpleNamespace(consumer=consumer, reader=reader, queries=queries)


async def test_a_batch_reads_what_its_handlers_name_in_one_query(app, reading) -> None:
    app.record(Note(id=uuid5(NAMESPACE_URL, "a-0"), text="there before"))
    batch = [submitted(0, "a-0"), submitted(1, "a-1"), submitted(5, "b-1", partition=1)]

    await reading.consumer._consume_batch(FakeMessage(), tuple(batch))

    assert reading.queries == [[uuid5(NAMESPACE_URL, i) for i in ("a-0", "a-1", "b-1")]]
    assert reading.reader.found == [True, False, False]
    assert notes_of(app) == ["there before", "a-1", "b-1"]
    assert app.position(f"{TOPIC}:0") == 2 and app.position(f"{TOPIC}:1") == 6


async def test_a_batch_whose_reads_fail_is_handled_one_by_one(app, reading) -> None:
    batch = [submitted(0, "a-1"), submitted(1, "unreadable"), submitted(2, "a-2")]

    await reading.consumer._consume_batch(FakeMessage(), tuple(batch))

    assert reading.queries == []
    assert notes_of(app) == ["a-1", "unreadable", "a-2"]
    assert app.position(f"{TOPIC}:0") == 3
