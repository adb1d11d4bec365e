"""The outbox relay: publishes a service's recorded events to Kafka, in order, once.

The service's own event store is the outbox. The relay tails its notification log, turns
each domain event into a protobuf integration event (or skips it: not every domain event
is published), and publishes with an idempotent producer (acks=all). Only after the broker
acknowledged a batch does it record how far it got, as a tracking position in the same
store. The stored trace context of each event becomes the parent of its publish span.

After a crash the relay resumes from the recorded position. Events published after that
position but before the crash are already on their partitions: before resuming, the relay
reads the last record of every partition it writes to and skips every event whose sequence
number is not above that partition's last one. Partitions are chosen by the relay itself
(murmur2 of the key, as the Java client does) so it knows where each event went. So each
event appears on its topic once, even across SIGKILL; consumers still de-duplicate by
`ce_id` as a second line of defence.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError
from aiokafka.partitioner import murmur2
from eventsourcing.domain import DomainEventProtocol
from faststream.kafka import KafkaBroker
from google.protobuf.message import Message
from opentelemetry import context, propagate

from . import metrics
from .cloudevents import SEQUENCE_HEADER, encode, topic_of
from .eventstore import Notification, TracedEventApplication, Tracking
from .topics import partitions_of

log = logging.getLogger(__name__)

BATCH_SIZE = 500
IDLE_POLL_SECONDS = 1.0
RETRY_PAUSE_SECONDS = 1.0


@dataclass(frozen=True)
class Outbound:
    """An integration event to publish, keyed by the aggregate it is about."""

    message: Message
    key: str


# Turns a domain event into the integration event to publish, or None to keep it private.
Translator = Callable[[DomainEventProtocol[Any]], Outbound | None]


class OutboxRelay:
    def __init__(
        self,
        application: TracedEventApplication,
        broker: KafkaBroker,
        *,
        bootstrap_servers: str,
        source: str,
        translate: Translator,
        topics: list[str],
    ) -> None:
        self._application = application
        self._broker = broker
        self._bootstrap_servers = bootstrap_servers
        self._source = source
        self._translate = translate
        self._topics = topics
        self._stream = f"outbox-relay:{source}"
        self._partitions: dict[str, list[int]] = {}
        self._published_up_to: dict[tuple[str, int], int] = {}
        self._position = 0
        self._wake = asyncio.Event()
        self.ready = asyncio.Event()

    def wake_from_any_thread(self, loop: asyncio.AbstractEventLoop) -> Callable[[], None]:
        return lambda: loop.call_soon_threadsafe(self._wake.set)

    async def run(self) -> None:
        """Relays until cancelled; a failed batch is retried from the recorded position."""
        loop = asyncio.get_running_loop()
        self._application.on_recorded(self.wake_from_any_thread(loop))
        await self._resume()
        self.ready.set()
        while True:
            self._wake.clear()
            try:
                published = await self._relay_batch()
            except KafkaError:
                log.exception("outbox relay %s failed; retrying", self._source)
                await asyncio.sleep(RETRY_PAUSE_SECONDS)
                await self._resume()
                continue
            if published < BATCH_SIZE:
                try:
                    await asyncio.wait_for(self._wake.wait(), IDLE_POLL_SECONDS)
                except TimeoutError:
                    pass

    async def _resume(self) -> None:
        """Learns where publishing stopped: the recorded position and what is on the topics."""
        await self._inspect_topics()
        self._position = await asyncio.to_thread(self._application.position, self._stream) or 0
        log.info("outbox relay %s resuming after notification %d", self._source, self._position)

    async def _relay_batch(self) -> int:
        batch = await asyncio.to_thread(
            self._application.notifications_after, self._position, BATCH_SIZE
        )
        if batch:
            await self._publish(batch)
            self._position = batch[-1].id
            await asyncio.to_thread(
                self._application.process_recorder.insert_tracking,
                Tracking(application_name=self._stream, notification_id=self._position),
            )
        await self._update_backlog(self._position)
        return len(batch)

    async def _publish(self, batch: list[Notification] | Any) -> None:
        acknowledgements = []
        for notification in batch:
            domain_event, carrier = self._application.mapper.to_domain_event_with_trace(
                notification
            )
            outbound = self._translate(domain_event)
            if outbound is None:
                continue
            topic = topic_of(type(outbound.message))
            key = outbound.key.encode()
            partition = self._partition_for(topic, key)
            if notification.id <= self._published_up_to.get((topic, partition), 0):
                continue  # published before a crash, after the last recorded position
            body, headers = encode(
                outbound.message,
                event_id=f"{notification.originator_id}/{notification.originator_version}",
                source=self._source,
                subject=outbound.key,
                time=_event_time(domain_event),
                sequence=notification.id,
            )
            token = context.attach(propagate.extract(carrier))
            try:
                acknowledgement = await self._broker.publish(
                    body, topic, key=key, partition=partition, headers=headers, no_confirm=True
                )
            finally:
                context.detach(token)
            acknowledgements.append((topic, acknowledgement))
        for topic, acknowledgement in acknowledgements:
            await acknowledgement
            metrics.RELAY_PUBLISHED.labels(topic).inc()

    def _partition_for(self, topic: str, key: bytes) -> int:
        partitions = self._partitions[topic]
        return partitions[(murmur2(key) & 0x7FFFFFFF) % len(partitions)]

    async def _inspect_topics(self) -> None:
        """Learns each topic's partitions and the last sequence already published to each."""
        self._partitions = await partitions_of(self._bootstrap_servers, self._topics)
        if not self._topics:
            return
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap_servers, enable_auto_commit=False
        )
        await consumer.start()
        try:
            assigned = [TopicPartition(t, p) for t in self._topics for p in self._partitions[t]]
            consumer.assign(assigned)
            ends = await consumer.end_offsets(assigned)
            for tp, end in ends.items():
                if end > 0:
                    last = await _last_sequence(consumer, tp, end, self._source)
                    if last:
                        self._published_up_to[(tp.topic, tp.partition)] = last
        finally:
            await consumer.stop()

    async def _update_backlog(self, position: int) -> None:
        newest = await asyncio.to_thread(self._application.recorder.max_notification_id)
        metrics.RELAY_BACKLOG.set((newest or 0) - position)


async def _last_sequence(
    consumer: AIOKafkaConsumer, tp: TopicPartition, end: int, source: str
) -> int | None:
    """The outbox sequence of the newest record this source wrote to the partition."""
    consumer.seek(tp, end - 1)
    records = (await consumer.getmany(tp, timeout_ms=5000)).get(tp, [])
    for record in reversed(records):
        headers = dict(record.headers)
        if headers.get("ce_source", b"").decode() == source and SEQUENCE_HEADER in headers:
            return int(headers[SEQUENCE_HEADER])
    return None


def _event_time(domain_event: DomainEventProtocol[Any]) -> datetime:
    return domain_event.timestamp
