"""OutboxRelay pieces that need no broker: partition choice and one `_publish` pass.

Resuming after a crash and acknowledgement handling belong to the real-broker
integration tests.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiokafka.errors import KafkaConnectionError
from aiokafka.partitioner import DefaultPartitioner
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from servicehub.events.v1.intake_pb2 import ApplicationSubmitted, Evidence
from servicehub_runtime.cloudevents import (
    SEQUENCE_HEADER,
    MessageTypes,
    header_map,
    topic_of,
)
from servicehub_runtime.relay import Outbound, OutboxRelay

TOPIC = topic_of(ApplicationSubmitted)
SOURCE = "/servicehub/notes"


class FakeBroker:
    """Records publishes; each returns an acknowledgement that is already complete."""

    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []

    async def publish(self, body: bytes, topic: str, **kwargs: Any) -> asyncio.Future[None]:
        span = trace.get_current_span().get_span_context()
        self.published.append({"body": body, "topic": topic, "span": span, **kwargs})
        acknowledgement = asyncio.get_running_loop().create_future()
        acknowledgement.set_result(None)
        return acknowledgement


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


def relay_for(app: Any, broker: Any, partitions: list[int]) -> OutboxRelay:
    relay = OutboxRelay(
        app, broker, bootstrap_servers="unused:9092", source=SOURCE,
        translate=translate, topics=[TOPIC],
    )
    relay._partitions = {TOPIC: partitions}  # what _inspect_topics learns from the broker
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
    broker = FakeBroker()
    relay = relay_for(app, broker, [0, 1, 2])

    await relay._publish(app.notifications_after(0, 10))

    assert len(broker.published) == 2  # the edit is not published
    types = MessageTypes([ApplicationSubmitted])
    written = [n for n in app.notifications_after(0, 10) if n.originator_version == 1]
    for (note, text), sent, notification in zip(
        [(first, "one"), (second, "two")], broker.published, written
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
    broker = FakeBroker()
    relay = relay_for(app, broker, [0])
    relay._published_up_to[(TOPIC, 0)] = notifications[1].id  # seen on the partition at start

    await relay._publish(notifications)

    assert [p["headers"][SEQUENCE_HEADER] for p in broker.published] == [
        str(n.id) for n in notifications[2:]
    ]


async def test_publish_continues_the_stored_trace(app, new_note) -> None:
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("submit") as span:
        app.record(new_note())
        recorded_in = span.get_span_context()
    broker = FakeBroker()

    await relay_for(app, broker, [0])._publish(app.notifications_after(0, 10))

    [sent] = broker.published
    assert (sent["span"].trace_id, sent["span"].span_id) == (
        recorded_in.trace_id,
        recorded_in.span_id,
    )
    assert not trace.get_current_span().get_span_context().is_valid  # context detached again


class FlakyBroker(FakeBroker):
    """Fails the first acknowledgement, as when the broker connection drops mid-batch."""

    def __init__(self) -> None:
        super().__init__()
        self.failures_left = 1

    async def publish(self, body: bytes, topic: str, **kwargs: Any) -> asyncio.Future[None]:
        acknowledgement = await super().publish(body, topic, **kwargs)
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
    broker = FlakyBroker()
    relay = relay_for(app, broker, [0])
    resumed: list[int] = []

    async def inspect_topics() -> None:  # the broker is fake: nothing to learn from it
        resumed.append(len(broker.published))

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
    assert len(broker.published) == 2, "the event is sent again after the failed attempt"
    assert app.position(f"outbox-relay:{SOURCE}") == app.notifications_after(0, 10)[-1].id
