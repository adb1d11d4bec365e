"""OutboxRelay pieces that need no broker: partition choice, one `_publish` pass, retries,
leadership hand-over and wake-ups with a producer that records what it is given.

Resuming after a crash and acknowledgement handling belong to the real-broker
integration tests.
"""

from __future__ import annotations

import asyncio
import logging
import re
from types import SimpleNamespace
from typing import Any

import pytest
from aiokafka import TopicPartition
from aiokafka.errors import KafkaConnectionError, MessageSizeTooLargeError, ProducerFenced
from aiokafka.partitioner import DefaultPartitioner
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from servicehub.events.v1.intake_pb2 import ApplicationSubmitted, Evidence
from servicehub_runtime import relay as relay_module
from servicehub_runtime.cloudevents import (
    SEQUENCE_HEADER,
    MessageTypes,
    header_map,
    topic_of,
)
from servicehub_runtime.eventstore import Tracking
from servicehub_runtime.leadership import PostgresLeadership
from servicehub_runtime.relay import Outbound, OutboxRelay, _last_sequence

TOPIC = topic_of(ApplicationSubmitted)
SOURCE = "/servicehub/notes"
DLQ = "notes.dead-letter.v1"


class FakeProducer:
    """Records sends (headers as text); each returns a delivery that is already complete.
    `transactions` lists, per committed transaction, how many sends it held."""

    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []
        self.transactions: list[int] = []
        self._began_at: int | None = None

    async def begin_transaction(self) -> None:
        self._began_at = len(self.published)  # a failed one was never committed: dropped

    async def commit_transaction(self) -> None:
        assert self._began_at is not None, "commit without a transaction"
        self.transactions.append(len(self.published) - self._began_at)
        self._began_at = None

    async def send(
        self, topic: str, value: bytes, *, key: bytes, headers: list[tuple[str, bytes]], **kwargs: Any
    ) -> asyncio.Future[None]:
        span = trace.get_current_span().get_span_context()
        text = {name: raw.decode() for name, raw in headers}
        assert len(text) == len(headers), "a header name repeated"
        self.published.append(
            {"body": value, "topic": topic, "key": key, "headers": text, "span": span, **kwargs}
        )
        acknowledgement = asyncio.get_running_loop().create_future()
        acknowledgement.set_result(None)
        return acknowledgement

    async def stop(self) -> None:
        pass


def translate(domain_event: Any) -> Outbound | None:
    if type(domain_event).__name__ != "Written":
        return None  # edits stay private
    key = str(domain_event.originator_id)
    return Outbound(submitted(key, domain_event.text), key)


def submitted(key: str, text: str) -> ApplicationSubmitted:
    """An event within its contract's bounds, carrying the note's text."""
    return ApplicationSubmitted(
        application_id=key, partner_id="p", partner_name=text, corporate_email="p@p.example",
        evidence=[Evidence(criterion="c", document_uri="d")],
    )


def relay_for(app: Any, producer: Any, partitions: list[int], **options: Any) -> OutboxRelay:
    relay = OutboxRelay(
        app, bootstrap_servers="unused:9092", source=SOURCE,
        translate=translate, topics=[TOPIC], dead_letter_topic=DLQ, **options,
    )
    relay._partitions = {TOPIC: partitions}  # what _read_topic_settings learns from the broker
    relay._producer = producer  # what _start_producer starts

    async def read_topic_settings() -> None:  # the broker is fake: nothing to learn from it
        pass

    relay._read_topic_settings = read_topic_settings  # type: ignore[method-assign]

    async def start_producer() -> None:  # a fresh producer after each failure: the same fake
        relay._producer = producer

    relay._start_producer = start_producer  # type: ignore[method-assign]
    return relay


KEYS = [b"", b"a", b"ab", b"abc", b"123456789", b"\x00 ", b"6f1d3e5c-93a4-4c4e-9d0e-7b8a1f2c3d4e",
        "客户-42".encode()]


@pytest.mark.parametrize("partition_count", [1, 3, 7, 12, 1000])
def test_partition_for_matches_kafkas_default_partitioner(partition_count: int) -> None:
    partitions = list(range(partition_count))
    relay = relay_for(None, None, partitions)
    default = DefaultPartitioner()
    for key in KEYS:
        assert relay._partition_for(TOPIC, key) == default(key, partitions, partitions), key


@pytest.mark.parametrize(
    ("key", "partition"),
    [(b"", 681), (b"a", 524), (b"ab", 434), (b"abc", 107), (b"123456789", 566), (b"\x00 ", 742)],
)
def test_partition_for_matches_the_java_client(key: bytes, partition: int) -> None:
    # Values of org.apache.kafka.clients.producer.Partitioner over 1000 partitions, as
    # quoted by kafka-python's test_murmur2_java_compatibility.
    assert relay_for(None, None, list(range(1000)))._partition_for(TOPIC, key) == partition


async def test_publish_sends_cloudevents_keyed_and_partitioned(app, new_note) -> None:
    first, second = new_note("one"), new_note("two")
    second.edit("two, edited")
    app.record(first, second)
    producer = FakeProducer()
    relay = relay_for(app, producer, [0, 1, 2])

    await relay._publish(app.notifications_after(0, 10))

    assert len(producer.published) == 2  # the edit is not published
    types = MessageTypes([ApplicationSubmitted])
    written = [n for n in app.notifications_after(0, 10) if n.originator_version == 1]
    for (note, text), sent, notification in zip(
        [(first, "one"), (second, "two")], producer.published, written
    ):
        key = str(note.id)
        assert sent["topic"] == TOPIC
        assert sent["key"] == key.encode()
        assert sent["partition"] == relay._partition_for(TOPIC, key.encode())
        event = types.decode(header_map((k, v.encode()) for k, v in sent["headers"].items()), sent["body"])
        assert event.message == submitted(key, text)
        assert event.id == f"{note.id}/1"
        assert event.source == SOURCE
        assert event.subject == key
        assert sent["headers"][SEQUENCE_HEADER] == str(notification.id)


async def test_publish_skips_events_already_on_their_partition(app, new_note) -> None:
    notes = [new_note(str(i)) for i in range(4)]
    app.record(*notes)
    notifications = app.notifications_after(0, 10)
    producer = FakeProducer()
    relay = relay_for(app, producer, [0])
    relay._published_up_to[(TOPIC, 0)] = notifications[1].id  # seen on the partition at start

    await relay._publish(notifications)

    assert [p["headers"][SEQUENCE_HEADER] for p in producer.published] == [
        str(n.id) for n in notifications[2:]
    ]


async def test_publish_continues_the_stored_trace(app, new_note, monkeypatch) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(relay_module, "_tracer", provider.get_tracer("relay"))
    with provider.get_tracer("test").start_as_current_span("submit") as span:
        app.record(new_note())
        recorded_in = span.get_span_context()
    producer = FakeProducer()

    await relay_for(app, producer, [0])._publish(app.notifications_after(0, 10))

    [sent] = producer.published
    publish = next(s for s in exporter.get_finished_spans() if s.name == f"{TOPIC} publish")
    assert publish.kind == trace.SpanKind.PRODUCER
    assert publish.parent is not None
    assert (publish.parent.trace_id, publish.parent.span_id) == (
        recorded_in.trace_id,
        recorded_in.span_id,
    ), "the publish span continues the trace stored with the event"
    assert sent["headers"]["traceparent"].startswith(
        f"00-{recorded_in.trace_id:032x}-{publish.context.span_id:016x}-"
    ), "the record carries the publish span, which its consumers continue"
    assert publish.attributes["messaging.message.id"] == sent["headers"]["ce_id"]
    assert not trace.get_current_span().get_span_context().is_valid  # context detached again
    provider.shutdown()


class FlakyProducer(FakeProducer):
    """Fails the first acknowledgement, as when the broker connection drops mid-batch."""

    def __init__(self) -> None:
        super().__init__()
        self.failures_left = 1

    async def send(self, topic: str, value: bytes, **kwargs: Any) -> asyncio.Future[None]:
        acknowledgement = await super().send(topic, value, **kwargs)
        if self.failures_left:
            self.failures_left -= 1
            failed = asyncio.get_running_loop().create_future()
            failed.set_exception(KafkaConnectionError("connection to broker lost"))
            return failed
        return acknowledgement


async def test_a_failed_batch_is_retried_and_only_then_the_position_recorded(
    app, new_note, monkeypatch
) -> None:
    app.record(new_note("one"))
    producer = FlakyProducer()
    relay = relay_for(app, producer, [0])
    resumed: list[int] = []

    async def inspect_topics() -> None:  # the broker is fake: nothing to learn from it
        resumed.append(len(producer.published))

    monkeypatch.setattr(relay, "_inspect_topics", inspect_topics)
    monkeypatch.setattr("servicehub_runtime.relay.RETRY_PAUSE_SECONDS", 0)
    running = asyncio.create_task(relay.run())
    try:
        async with asyncio.timeout(10):
            while app.position(f"outbox-relay:{SOURCE}") is None:
                await asyncio.sleep(0.01)
    finally:
        running.cancel()

    assert resumed == [0, 1], "after the failure the relay resumes (re-reading the topics)"
    assert len(producer.published) == 2, "the event is sent again after the failed attempt"
    assert producer.transactions == [1], "only the retried batch's transaction is committed"
    assert app.position(f"outbox-relay:{SOURCE}") == app.notifications_after(0, 10)[-1].id


class SizeLimitedProducer(FakeProducer):
    """Refuses bodies over `limit` bytes at send time, as aiokafka's max_request_size check."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    async def send(self, topic: str, value: bytes, **kwargs: Any) -> asyncio.Future[None]:
        if len(value) > self.limit:
            raise MessageSizeTooLargeError("The message is 1100123 bytes when serialized")
        return await super().send(topic, value, **kwargs)


async def test_event_too_large_for_its_topic_is_parked_and_the_next_ones_published(
    app, new_note, metric, caplog
) -> None:
    small, huge, after = new_note("small"), new_note("x" * 5000), new_note("after")
    app.record(small, huge, after)
    notifications = app.notifications_after(0, 10)
    producer = SizeLimitedProducer(limit=1000)
    relay = relay_for(app, producer, [0, 1, 2])
    parked = metric("servicehub_relay_parked_events_total", topic=TOPIC)

    with caplog.at_level(logging.ERROR, logger="servicehub_runtime.relay"):
        await relay._publish(notifications)

    assert [p["topic"] for p in producer.published] == [TOPIC, DLQ, TOPIC]
    assert producer.transactions == [3], "the notice is published with the batch, in its transaction"
    notice = producer.published[1]
    assert notice["body"] == b""
    assert notice["key"] == str(huge.id).encode()
    assert notice["headers"]["dlq_topic"] == TOPIC
    assert notice["headers"]["dlq_sequence"] == str(notifications[1].id)
    assert notice["headers"]["ce_id"] == f"{huge.id}/1"
    assert re.match(rf"event of 5\d{{3}} bytes is too large to publish to {TOPIC}: ", notice["headers"]["dlq_reason"])
    assert metric("servicehub_relay_parked_events_total", topic=TOPIC) == parked + 1
    [line] = caplog.records
    assert f"{huge.id}/1" in line.getMessage()


async def test_event_over_the_topics_limit_is_parked_before_it_is_sent(app, new_note) -> None:
    """The broker would reject it and leave the idempotent producer out of sequence."""
    app.record(new_note("small"), new_note("y" * 2000))
    producer = FakeProducer()
    relay = relay_for(app, producer, [0])
    relay._max_bytes = {TOPIC: 1500}  # what _inspect_topics reads from the topic's config

    await relay._publish(app.notifications_after(0, 10))

    assert [p["topic"] for p in producer.published] == [TOPIC, DLQ]
    assert "it takes up to 1500 bytes" in producer.published[1]["headers"]["dlq_reason"]


def test_record_size_estimate_is_what_aiokafka_checks() -> None:
    from aiokafka.record.default_records import DefaultRecordBatchBuilder

    from servicehub_runtime.relay import _record_size

    headers = {"ce_id": "x" * 100, "content-type": "application/protobuf"}
    expected = DefaultRecordBatchBuilder.estimate_size_in_bytes(
        b"k", b"v" * 5000, [(n, v.encode()) for n, v in headers.items()]
    )
    assert _record_size(b"k", b"v" * 5000, headers) == expected > 5100


class DownProducer(FakeProducer):
    """Every acknowledgement fails until `heal()`, as with a broker that is unreachable."""

    def __init__(self) -> None:
        super().__init__()
        self.down = True

    async def send(self, topic: str, value: bytes, **kwargs: Any) -> asyncio.Future[None]:
        acknowledgement = await super().send(topic, value, **kwargs)
        if not self.down:
            return acknowledgement
        failed = asyncio.get_running_loop().create_future()
        failed.set_exception(KafkaConnectionError("connection to broker lost"))
        return failed


async def test_a_relay_that_cannot_publish_says_so_once_and_shows_it_in_metrics(
    app, new_note, metric, caplog, monkeypatch
) -> None:
    app.record(new_note("one"), new_note("two"))
    producer = DownProducer()
    relay = relay_for(app, producer, [0])

    async def inspect_topics() -> None:
        pass

    monkeypatch.setattr(relay, "_inspect_topics", inspect_topics)
    monkeypatch.setattr(relay_module, "RETRY_PAUSE_SECONDS", 0.001)
    stream = f"outbox-relay:{SOURCE}"
    with caplog.at_level(logging.INFO, logger="servicehub_runtime.relay"):
        running = asyncio.create_task(relay.run())
        try:
            async with asyncio.timeout(10):  # a guard against hanging, not a timing goal
                while len(producer.published) < 10:  # five failed attempts at the batch of two
                    await asyncio.sleep(0.001)
                assert metric("servicehub_relay_backlog_events") == 2
                assert metric("servicehub_relay_blocked_seconds") > 0
                assert app.position(stream) is None
                producer.down = False
                while metric("servicehub_relay_blocked_seconds") > 0:
                    await asyncio.sleep(0.001)
        finally:
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)

    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, "one ERROR however often the retry fails"
    assert "cannot publish after notification 0" in errors[0].getMessage()
    assert any("publishes again" in r.getMessage() for r in caplog.records)
    assert app.position(stream) == app.notifications_after(0, 10)[-1].id
    assert metric("servicehub_relay_backlog_events") == 0


def on_partition(offset: int, headers: list[tuple[str, bytes | None]]) -> Any:
    return SimpleNamespace(topic=TOPIC, partition=0, offset=offset, headers=headers)


def own(sequence: bytes | None, source: bytes = SOURCE.encode()) -> list[tuple[str, bytes | None]]:
    return [("ce_source", source), (SEQUENCE_HEADER, sequence)]


class PartitionReader:
    """What _last_sequence needs of an AIOKafkaConsumer, over an in-memory partition."""

    def __init__(self, records: list[Any]) -> None:
        self.records = records
        self._position = 0

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self._position = offset

    async def position(self, tp: TopicPartition) -> int:
        return self._position

    async def getmany(self, tp: TopicPartition, timeout_ms: int) -> dict:
        batch = [r for r in self.records if r.offset >= self._position][:7]
        if batch:
            self._position = batch[-1].offset + 1
        return {tp: batch}


async def last_sequence(records: list[Any], newest: int) -> int | None:
    tp = TopicPartition(TOPIC, 0)
    return await _last_sequence(PartitionReader(records), tp, len(records), SOURCE, newest)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "forged",
    [b"abc", b"999999999", b"0", b"-5", b"", None, b"\xff\xfe", b"12abc", b"1" * 5000, b" 7"],
    ids=["text", "beyond-own-log", "zero", "negative", "empty", "null", "non-utf8", "mixed",
         "5000-digits", "space"],
)
async def test_recovery_passes_over_sequences_that_cannot_be_its_own(forged, metric) -> None:
    untrusted = metric("servicehub_relay_untrusted_sequences_total", topic=TOPIC)
    records = [on_partition(0, own(b"40")), on_partition(1, own(b"41")), on_partition(2, own(forged))]

    assert await last_sequence(records, newest=100) == 41
    assert metric("servicehub_relay_untrusted_sequences_total", topic=TOPIC) == untrusted + 1


async def test_recovery_looks_back_past_many_forged_records() -> None:
    records = [on_partition(0, own(b"17"))]
    records += [on_partition(i, own(b"abc")) for i in range(1, 250)]  # three chunks of forgery
    assert await last_sequence(records, newest=100) == 17


async def test_recovery_ignores_other_sources_and_gives_up_after_its_scan_limit(monkeypatch) -> None:
    monkeypatch.setattr(relay_module, "RECOVERY_SCAN_RECORDS", 50)
    records = [on_partition(0, own(b"17"))]
    records += [on_partition(i, own(b"99", source=b"/other")) for i in range(1, 60)]
    assert await last_sequence(records, newest=100) is None
    assert await last_sequence(records[:40], newest=100) == 17


class HeldProducer(FakeProducer):
    """Holds every delivery until `deliver()`, as a broker that has not answered yet."""

    def __init__(self) -> None:
        super().__init__()
        self.deliveries: list[asyncio.Future[None]] = []

    async def send(self, topic: str, value: bytes, **kwargs: Any) -> asyncio.Future[None]:
        await super().send(topic, value, **kwargs)
        self.deliveries.append(asyncio.get_running_loop().create_future())
        return self.deliveries[-1]

    def deliver(self) -> None:
        for delivery in self.deliveries:
            delivery.set_result(None)


async def test_a_batch_is_sent_whole_before_any_delivery_and_recorded_once_all_are_delivered(
    app, new_note
) -> None:
    app.record(*(new_note(str(i)) for i in range(20)))
    producer = HeldProducer()
    relay = relay_for(app, producer, [0, 1, 2])
    stream = f"outbox-relay:{SOURCE}"

    relaying = asyncio.create_task(relay._relay_batch())
    async with asyncio.timeout(10):  # a guard against hanging, not a timing goal
        while len(producer.published) < 20:
            await asyncio.sleep(0.001)
    assert not relaying.done(), "the relay waits for the deliveries"
    assert app.position(stream) is None, "nothing is recorded before the broker acknowledged"
    assert producer.transactions == [], "nor committed"
    sequences = [int(p["headers"][SEQUENCE_HEADER]) for p in producer.published]
    assert sequences == sorted(sequences), "handed to the producer in the log's order"

    producer.deliver()
    assert await relaying == 20
    assert producer.transactions == [20], "one transaction per batch"
    assert app.position(stream) == app.notifications_after(0, 100)[-1].id


async def test_a_position_another_instance_recorded_past_this_batch_does_not_stop_the_relay(
    app, new_note
) -> None:
    """A deposed leader's last batch committed before the fence; it records its position
    after the new leader read the older one (leadership.py, relay.py)."""
    app.record(*(new_note(str(i)) for i in range(3)))
    producer = FakeProducer()
    relay = relay_for(app, producer, [0])
    stream = f"outbox-relay:{SOURCE}"
    deposed_position = app.notifications_after(0, 10)[-1].id
    app.process_recorder.insert_tracking(Tracking(stream, deposed_position))

    assert await relay._relay_batch() == 3
    assert app.position(stream) == deposed_position
    app.record(new_note("after"))
    assert await relay._relay_batch() == 1, "the relay carries on with the next events"
    assert app.position(stream) == app.notifications_after(0, 10)[-1].id
    assert producer.transactions == [3, 1]


class SwitchedLeadership:
    """Leads while `leading` is set; `acquire` reports standing by until then."""

    def __init__(self) -> None:
        self.leading = asyncio.Event()
        self.released = 0

    async def acquire(self, standing_by: Any) -> None:
        while not self.leading.is_set():
            standing_by()
            await asyncio.sleep(0.001)

    async def lost(self, new_events: Any) -> None:
        while self.leading.is_set():
            await asyncio.sleep(0.001)

    async def release(self) -> None:
        self.released += 1


async def test_only_the_leader_relays_and_a_lost_lead_stops_publishing(
    app, new_note, metric, monkeypatch, caplog
) -> None:
    app.record(new_note("one"))
    producer = FakeProducer()
    leadership = SwitchedLeadership()
    relay = relay_for(app, producer, [0], leadership=leadership)
    resumed: list[int] = []

    async def inspect_topics() -> None:
        resumed.append(len(producer.published))

    monkeypatch.setattr(relay, "_inspect_topics", inspect_topics)
    stream = f"outbox-relay:{SOURCE}"
    running = asyncio.create_task(relay.run())
    try:
        async with asyncio.timeout(10):  # guards against hanging, not timing goals
            await relay.ready.wait()
            assert metric("servicehub_relay_leader") == 0
            assert producer.published == [] and app.position(stream) is None, "a standby relays nothing"

            leadership.leading.set()
            while app.position(stream) is None:
                await asyncio.sleep(0.001)
            assert metric("servicehub_relay_leader") == 1
            assert len(producer.published) == 1

            with caplog.at_level(logging.ERROR, logger="servicehub_runtime.relay"):
                leadership.leading.clear()
                while leadership.released == 0:
                    await asyncio.sleep(0.001)
                await asyncio.sleep(0)
            assert metric("servicehub_relay_leader") == 0
            assert relay._producer is None, "the producer is closed with the lead"
            assert any("lost the lead" in r.getMessage() for r in caplog.records)
            app.record(new_note("two"))
            relay._wake.set()
            await asyncio.sleep(0.05)
            assert len(producer.published) == 1, "nothing is published without the lead"

            leadership.leading.set()
            while app.position(stream) != app.notifications_after(0, 10)[-1].id:
                await asyncio.sleep(0.001)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)

    assert resumed == [0, 1], "each new lead resumes from the store and the topics"
    assert [p["headers"][SEQUENCE_HEADER] for p in producer.published] == [
        str(n.id) for n in app.notifications_after(0, 10)
    ], "each event once"


@pytest.mark.parametrize("store_env", ["postgres"], indirect=True)
async def test_events_another_instance_records_wake_the_leaders_relay(
    store_env, open_app, new_note, postgres, monkeypatch
) -> None:
    # Once idle, the relay is woken only by a notification: its poll would take an hour.
    monkeypatch.setattr(relay_module, "IDLE_POLL_SECONDS", 3600.0)
    leading, standby = open_app(), open_app()  # two instances of a service on one store
    standby.record(new_note("before the lead"))
    leadership = PostgresLeadership(
        {"host": postgres.host, "port": postgres.port, "user": postgres.user,
         "password": postgres.password, "dbname": postgres.dbname},
        name=f"{store_env['POSTGRES_SCHEMA']}.notes", instance="leading",
        new_events_channel=leading.new_events_channel,
    )
    producer = FakeProducer()
    relay = relay_for(leading, producer, [0], leadership=leadership)

    async def inspect_topics() -> None:  # the broker is fake: nothing to learn from it
        pass

    monkeypatch.setattr(relay, "_inspect_topics", inspect_topics)
    stream = f"outbox-relay:{SOURCE}"
    running = asyncio.create_task(relay.run())
    try:
        async with asyncio.timeout(30):  # guards against hanging, not a timing goal
            while leading.position(stream) is None:  # its first read is done: it idles next
                await asyncio.sleep(0.01)
            standby.record(new_note("from the standby"))
            while len(producer.published) < 2:
                await asyncio.sleep(0.01)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
    assert [ApplicationSubmitted.FromString(p["body"]).partner_name for p in producer.published] == [
        "before the lead", "from the standby",
    ]


class FencedProducer(FakeProducer):
    """Every delivery fails with ProducerFenced, as after another producer took the id."""

    async def send(self, topic: str, value: bytes, **kwargs: Any) -> asyncio.Future[None]:
        await super().send(topic, value, **kwargs)
        fenced = asyncio.get_running_loop().create_future()
        fenced.set_exception(ProducerFenced())
        return fenced


class TakenOverLeadership(SwitchedLeadership):
    """Another instance holds the lead once this one gave it up."""

    def __init__(self) -> None:
        super().__init__()
        self.standing_by = 0

    async def acquire(self, standing_by: Any) -> None:
        await super().acquire(lambda: setattr(self, "standing_by", self.standing_by + 1))

    async def release(self) -> None:
        await super().release()
        self.leading.clear()


async def test_a_fenced_relay_stops_gives_up_the_lead_and_does_not_retry(
    app, new_note, metric, monkeypatch, caplog
) -> None:
    app.record(new_note("one"))
    producer = FencedProducer()
    leadership = TakenOverLeadership()
    leadership.leading.set()
    relay = relay_for(app, producer, [0], leadership=leadership)
    started: list[int] = []

    async def start_producer() -> None:
        started.append(len(producer.published))
        relay._producer = producer

    async def inspect_topics() -> None:
        pass

    relay._start_producer = start_producer  # type: ignore[method-assign]
    monkeypatch.setattr(relay, "_inspect_topics", inspect_topics)
    monkeypatch.setattr(relay_module, "RETRY_PAUSE_SECONDS", 0)
    fenced = metric("servicehub_relay_fenced_total")
    with caplog.at_level(logging.ERROR, logger="servicehub_runtime.relay"):
        running = asyncio.create_task(relay.run())
        try:
            async with asyncio.timeout(10):  # a guard against hanging, not a timing goal
                while leadership.standing_by == 0:
                    await asyncio.sleep(0.001)
        finally:
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)

    assert started == [0], "no second producer: it would fence the new leader"
    assert len(producer.published) == 1 and producer.transactions == []
    assert metric("servicehub_relay_fenced_total") == fenced + 1
    assert leadership.released == 1 and metric("servicehub_relay_leader") == 0
    assert app.position(f"outbox-relay:{SOURCE}") is None
    assert any("was fenced" in r.getMessage() for r in caplog.records)
    assert not any("cannot publish" in r.getMessage() for r in caplog.records), "not a retried failure"
