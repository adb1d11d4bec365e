"""The outbox relay: publishes a service's recorded events to Kafka, in order, once.

The service's own event store is the outbox. The relay tails its notification log, turns
each domain event into a protobuf integration event (or skips it: not every domain event
is published), and publishes with its own transactional aiokafka producer (acks=all) a
batch at a time, one Kafka transaction per batch: every event of a batch (up to BATCH_SIZE)
is handed to the producer without waiting, the producer packs them into one record batch
per partition (keeping their order there), the relay waits for every delivery and commits
the transaction. Only after the commit does it record how far it got, as a tracking
position in the same store. Consumers read committed records only (`read_committed`), so
what a failed or fenced batch left on a partition is never consumed. The stored trace
context of each event becomes the parent of its publish span, whose context travels in the
record's `traceparent` header.

With several instances of a service on one store, only the leader relays (leadership.py):
the relay waits until it leads, relays while it does, and stops publishing (and closes its
producer) as soon as it loses the lead; a new leader resumes as after a crash, below.
A leader may not notice at once that it lost the lead (its lock connection broke while it
lives); Kafka fences it: every instance's producer has the same transactional id
(`outbox-relay:<source>`), and a new leader starts its producer before it reads anything,
which bumps the id's epoch, aborts the old leader's open transaction and makes each later
send or commit of the old producer fail with ProducerFenced. A fenced relay does not retry
(a new producer would fence the new leader in turn): it logs an ERROR, counts
`servicehub_relay_fenced_total`, gives up the lead and stands by.
The relay reads on as soon as events are recorded: its own process's writes wake it
directly, other instances' through the leadership (a PostgreSQL notification); it polls
every IDLE_POLL_SECONDS in case a wake-up was missed.

After a crash the relay resumes from the recorded position. Events published after that
position but before the crash are already on their partitions: before resuming (and after
its producer's start has settled every earlier transaction), the relay reads the last
committed record of every partition it writes to and skips every event whose sequence
number is not above that partition's last one. Partitions are chosen by the relay itself
(murmur2 of the key, as the Java client does) so it knows where each event went. So each
event appears on its topic once, even across SIGKILL; consumers still de-duplicate by
`ce_id` as a second line of defence. Anyone allowed to write to the topic could forge such
a record, so only sequences that can be the relay's own count (a whole number, positive, not
beyond its own log); others are logged, counted and passed over, looking further back.

An event larger than its topic accepts (its `max.message.bytes`, read at start-up, less
room for what the producer adds; checked before sending, since a record the broker rejects
would put the idempotent producer out of sequence on that partition) can never be
published: it is parked — left in the event store, announced by a record on the service's
dead-letter topic (`dlq_reason`, `dlq_topic`, `dlq_sequence`, its `ce_*` headers, no body),
counted and logged as an ERROR — and the relay goes on with the next event, so one event
never stops all the others; its notice is part of the batch's transaction. Any
other failure (broker unreachable) is retried until it succeeds, with a new producer (whose
start aborts the failed batch's transaction): the ERROR is logged once,
`servicehub_relay_blocked_seconds` says for how long publishing has been failing, and
`servicehub_relay_backlog_events` how many events wait. A relay stopped in the middle of a
batch (SIGTERM, SIGKILL) leaves that batch's transaction open, and read-committed consumers
of its partitions wait for it: until the next producer of the transactional id starts (the
restarted process, or the instance that takes the lead within seconds) or, with no other,
until the broker aborts it (`transaction.timeout.ms`, 60 s).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError, ProducerFenced
from aiokafka.partitioner import murmur2
from aiokafka.record.default_records import DefaultRecordBatchBuilder
from eventsourcing.domain import DomainEventProtocol
from google.protobuf.message import Message
from opentelemetry import propagate, trace

from . import kafkasecurity, metrics
from .cloudevents import SEQUENCE_HEADER, bounded, encode, topic_of
from .eventstore import IntegrityError, Notification, TracedEventApplication, Tracking
from .leadership import Leadership, SoleInstance
from .topics import TOO_LARGE_ERRORS, max_message_bytes, partitions_of
from .waiting import wait_set

log = logging.getLogger(__name__)
_tracer = trace.get_tracer(__name__)

BATCH_SIZE = 500
IDLE_POLL_SECONDS = 1.0  # the fallback: recorded events wake the relay (module doc)
RETRY_PAUSE_SECONDS = 1.0
# The producer's max_request_size (aiokafka's default, which the service's broker keeps).
PRODUCER_MAX_REQUEST_BYTES = 1_048_576
# Room for what the producer adds to an event's record: batch header, tracing headers.
PUBLISH_OVERHEAD_BYTES = 1024
# Largest record batch the producer builds per partition (aiokafka's default is 16 KiB, and
# it accepts no more records for a partition while its batch waits: small batches would
# cost a round trip each). Never above what a topic takes (max.message.bytes bounds a batch).
RECORD_BATCH_BYTES = 512 * 1024
BLOCKED_REMINDER_SECONDS = 300.0  # while blocked, one WARNING line this often
# How far back from a partition's end recovery looks for the relay's own last record.
RECOVERY_SCAN_RECORDS = 1000
RECOVERY_SCAN_CHUNK = 100
RECOVERY_POLL_MS = 200
RECOVERY_STALL_SECONDS = 5.0


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
        *,
        bootstrap_servers: str,
        source: str,
        translate: Translator,
        topics: list[str],
        dead_letter_topic: str,
        leadership: Leadership | None = None,
    ) -> None:
        self._application = application
        self._dead_letter_topic = dead_letter_topic
        self._leadership = leadership or SoleInstance()
        self._producer: AIOKafkaProducer | None = None
        self._bootstrap_servers = bootstrap_servers
        self._source = source
        self._translate = translate
        self._topics = topics
        self._stream = transactional_id(source)
        self._partitions: dict[str, list[int]] = {}
        self._max_bytes: dict[str, int] = {}  # topic → largest record it accepts
        self._published_up_to: dict[tuple[str, int], int] = {}
        self._position = 0
        self._wake = asyncio.Event()
        self.ready = asyncio.Event()
        self._blocked_since: float | None = None  # monotonic time of the first failure
        self._reminded_at = 0.0
        metrics.RELAY_BLOCKED_SECONDS.set_function(self._blocked_seconds)

    def wake_from_any_thread(self, loop: asyncio.AbstractEventLoop) -> Callable[[], None]:
        return lambda: loop.call_soon_threadsafe(self._wake.set)

    async def run(self) -> None:
        """Relays whenever this instance leads, until cancelled. `ready` is set once the
        relay has resumed as leader or knows another instance leads."""
        loop = asyncio.get_running_loop()
        self._application.on_recorded(self.wake_from_any_thread(loop))
        while True:
            await self._leadership.acquire(standing_by=self.ready.set)
            metrics.RELAY_LEADER.set(1)
            relaying = asyncio.create_task(self._relay(), name="outbox-relay-leading")
            watching = asyncio.create_task(
                self._leadership.lost(new_events=self._wake.set), name="outbox-relay-leadership"
            )
            try:
                await asyncio.wait({relaying, watching}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in (relaying, watching):
                    task.cancel()
                await asyncio.gather(relaying, watching, return_exceptions=True)
                # A standby reports nothing pending or blocked: that is the leader's to say.
                metrics.RELAY_LEADER.set(0)
                metrics.RELAY_BACKLOG.set(0)
                self._blocked_since = None
                await self._stop_producer()
                await self._leadership.release()
            if relaying.done() and not relaying.cancelled():
                relaying.result()  # raises if relaying failed (the service stops); else fenced
                continue
            log.error("outbox relay %s stopped publishing: this instance lost the lead", self._source)

    async def _relay(self) -> None:
        """Relays while leading; a failed batch is retried from the recorded position.
        Returns when fenced: another instance's producer took the transactional id."""
        resumed = False
        while True:
            self._wake.clear()
            try:
                if not resumed:
                    await self._resume()
                    resumed = True
                    self.ready.set()
                published = await self._relay_batch()
            except ProducerFenced as error:
                # Not retried: a new producer would fence the new leader in turn.
                metrics.RELAY_FENCED.inc()
                log.error(
                    "outbox relay %s was fenced: another instance's producer took the "
                    "transactional id %s (or the broker expired the open transaction): this "
                    "instance stops publishing and stands by (%s)",
                    self._source, self._stream, bounded(repr(error)),
                )
                return
            except KafkaError as error:
                resumed = False
                self._report_blocked(error)
                await self._update_backlog(self._position)
                await asyncio.sleep(RETRY_PAUSE_SECONDS)
                continue
            if self._blocked_since is not None:
                log.info(
                    "outbox relay %s publishes again after %.0f s",
                    self._source,
                    self._blocked_seconds(),
                )
                self._blocked_since = None
            if published < BATCH_SIZE:
                await wait_set(self._wake, IDLE_POLL_SECONDS)

    def _report_blocked(self, error: KafkaError) -> None:
        """ERROR with the traceback on the first failure; then a reminder now and then."""
        now = time.monotonic()
        if self._blocked_since is None:
            self._blocked_since = self._reminded_at = now
            log.error(
                "outbox relay %s cannot publish after notification %d; retrying until it can: %s",
                self._source,
                self._position,
                bounded(repr(error)),
                exc_info=error,
            )
        elif now - self._reminded_at >= BLOCKED_REMINDER_SECONDS:
            self._reminded_at = now
            log.warning(
                "outbox relay %s still cannot publish after %.0f s: %s",
                self._source,
                self._blocked_seconds(),
                bounded(repr(error)),
            )

    def _blocked_seconds(self) -> float:
        return 0.0 if self._blocked_since is None else time.monotonic() - self._blocked_since

    async def _resume(self) -> None:
        """Starts a fresh producer (after a failure the old one may be out of sequence), which
        fences any earlier one, and only then learns where publishing stopped: what is on the
        topics, committed, and the recorded position."""
        await self._stop_producer()
        await self._read_topic_settings()
        await self._start_producer()
        await self._inspect_topics()
        self._position = await asyncio.to_thread(self._application.position, self._stream) or 0
        log.info("outbox relay %s resuming after notification %d", self._source, self._position)

    async def _start_producer(self) -> None:
        """Starts a transactional producer. Its start (InitProducerId) fences every earlier
        producer of the transactional id, whichever instance runs it, and aborts the
        transaction such a producer left open."""
        producer = AIOKafkaProducer(
            bootstrap_servers=self._bootstrap_servers,
            **kafkasecurity.client_options(),
            client_id=self._stream,
            transactional_id=self._stream,
            acks="all",
            max_request_size=PRODUCER_MAX_REQUEST_BYTES,
            max_batch_size=min([RECORD_BATCH_BYTES, *self._max_bytes.values()]),
        )
        await producer.start()
        self._producer = producer

    async def _stop_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            try:
                await producer.stop()
            except KafkaError as error:  # undelivered records: the next leader or retry resends
                log.warning("outbox relay %s: producer stopped with %r", self._source, error)

    async def _relay_batch(self) -> int:
        batch = await asyncio.to_thread(
            self._application.notifications_after, self._position, BATCH_SIZE
        )
        if batch:
            await self._publish(batch)
            self._position = batch[-1].id
            try:
                await asyncio.to_thread(
                    self._application.process_recorder.insert_tracking,
                    Tracking(application_name=self._stream, notification_id=self._position),
                )
            except IntegrityError:
                # A deposed leader whose last batch committed before the fence recorded a
                # position at or past this one after this leader read it. What it published
                # is on the topics' tails this leader read, so its own position stays right.
                log.info(
                    "outbox relay %s: a position at or past %d was recorded by another instance",
                    self._source, self._position,
                )
        await self._update_backlog(self._position)
        return len(batch)

    async def _publish(self, batch: list[Notification] | Any) -> None:
        """Publishes the batch in one Kafka transaction: hands every event (and any dead-letter
        notice) to the producer, waits for every delivery, then commits. A failure leaves
        the transaction open; the next producer's start aborts it."""
        assert self._producer is not None
        await self._producer.begin_transaction()
        deliveries = []
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
            size = _record_size(key, body, headers)
            limit = self._max_bytes.get(topic, PRODUCER_MAX_REQUEST_BYTES - PUBLISH_OVERHEAD_BYTES)
            if size > limit:
                # Checked before sending: a record the broker rejects would leave the
                # idempotent producer out of sequence on that partition for good.
                await self._park(topic, key, headers, size, f"it takes up to {limit} bytes")
                continue
            try:
                delivery = await self._send(topic, partition, key, body, headers, carrier)
            except TOO_LARGE_ERRORS as error:  # the producer's own check
                await self._park(topic, key, headers, size, repr(error))
                continue
            deliveries.append((topic, delivery))
        # Every delivery is awaited, so a failed batch leaves no unretrieved errors for
        # asyncio to log one by one.
        results = await asyncio.gather(*(d for _, d in deliveries), return_exceptions=True)
        failures = [r for r in results if isinstance(r, BaseException)]
        if failures:
            raise failures[0]
        await self._producer.commit_transaction()
        for topic, _ in deliveries:
            metrics.RELAY_PUBLISHED.labels(topic).inc()

    async def _send(
        self,
        topic: str,
        partition: int,
        key: bytes,
        body: bytes,
        headers: dict[str, str],
        carrier: dict[str, str],
    ) -> asyncio.Future[Any]:
        """Queues one record in the producer, in a publish span that continues the stored
        trace; returns its delivery."""
        assert self._producer is not None
        with _tracer.start_as_current_span(
            f"{topic} publish",
            context=propagate.extract(carrier),
            kind=trace.SpanKind.PRODUCER,
            attributes={
                "messaging.system": "kafka",
                "messaging.operation.type": "send",
                "messaging.destination.name": topic,
                "messaging.destination.partition.id": str(partition),
                "messaging.message.id": headers["ce_id"],
            },
        ):
            traced = dict(headers)
            propagate.inject(traced)
            return await self._producer.send(
                topic, body, key=key, partition=partition,
                headers=[(name, value.encode()) for name, value in traced.items()],
            )

    async def _park(
        self, topic: str, key: bytes, headers: dict[str, str], size: int, why: str
    ) -> None:
        """Leaves an event too large for its topic in the store and says so (see above)."""
        reason = f"event of {size} bytes is too large to publish to {topic}: {why}"
        log.error(
            "outbox relay %s parks event %s (sequence %s): %s",
            self._source,
            headers["ce_id"],
            headers[SEQUENCE_HEADER],
            bounded(reason),
        )
        notice = {
            **headers,
            "dlq_reason": bounded(reason),
            "dlq_topic": topic,
            "dlq_sequence": headers[SEQUENCE_HEADER],
        }
        assert self._producer is not None
        delivery = await self._producer.send(
            self._dead_letter_topic, b"", key=key,
            headers=[(name, value.encode()) for name, value in notice.items()],
        )
        await delivery
        metrics.RELAY_PARKED.labels(topic).inc()

    def _partition_for(self, topic: str, key: bytes) -> int:
        partitions = self._partitions[topic]
        return partitions[(murmur2(key) & 0x7FFFFFFF) % len(partitions)]

    async def _read_topic_settings(self) -> None:
        """Learns each topic's partitions and the largest record it accepts."""
        self._partitions = await partitions_of(self._bootstrap_servers, self._topics)
        self._max_bytes = {
            topic: min(limit, PRODUCER_MAX_REQUEST_BYTES) - PUBLISH_OVERHEAD_BYTES
            for topic, limit in (await max_message_bytes(self._bootstrap_servers, self._topics)).items()
        }

    async def _inspect_topics(self) -> None:
        """Learns the last sequence already published to each partition: committed records
        only, up to the last stable offset (the producer's start completed or aborted every
        earlier transaction of the relay, so nothing of its own is left undecided)."""
        self._published_up_to = {}
        if not self._topics:
            return
        newest = await asyncio.to_thread(self._application.recorder.max_notification_id) or 0
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap_servers, enable_auto_commit=False,
            isolation_level="read_committed", **kafkasecurity.client_options(),
        )
        await consumer.start()
        try:
            assigned = [TopicPartition(t, p) for t in self._topics for p in self._partitions[t]]
            consumer.assign(assigned)
            ends = await consumer.end_offsets(assigned)
            for tp, end in ends.items():
                if end > 0:
                    last = await _last_sequence(consumer, tp, end, self._source, newest)
                    if last:
                        self._published_up_to[(tp.topic, tp.partition)] = last
        finally:
            await consumer.stop()

    async def _update_backlog(self, position: int) -> None:
        newest = await asyncio.to_thread(self._application.recorder.max_notification_id)
        metrics.RELAY_BACKLOG.set((newest or 0) - position)


async def _last_sequence(
    consumer: AIOKafkaConsumer, tp: TopicPartition, end: int, source: str, newest: int
) -> int | None:
    """The outbox sequence of the newest record this source wrote to the partition, looking
    back at most RECOVERY_SCAN_RECORDS records (then the consumers' de-duplication by
    `ce_id` covers what might be published again)."""
    stop = end
    while stop > max(end - RECOVERY_SCAN_RECORDS, 0):
        start = max(stop - RECOVERY_SCAN_CHUNK, end - RECOVERY_SCAN_RECORDS, 0)
        for record in reversed(await _read(consumer, tp, start, stop)):
            sequence = _own_sequence(record, source, newest)
            if sequence is not None:
                return sequence
        stop = start
    return None


async def _read(consumer: AIOKafkaConsumer, tp: TopicPartition, start: int, stop: int) -> list[Any]:
    """The committed records of offsets start..stop-1: fewer than the offsets, since
    transaction markers and aborted records take offsets too (the consumer's position moves
    past them, so polls are short) and the log may have gaps. Gives up on what is left once
    the position has not moved for RECOVERY_STALL_SECONDS."""
    consumer.seek(tp, start)
    records: list[Any] = []
    position, moved_at = start, time.monotonic()
    while position < stop:
        fetched = (await consumer.getmany(tp, timeout_ms=RECOVERY_POLL_MS)).get(tp, [])
        records += [r for r in fetched if r.offset < stop]
        now, previous, position = time.monotonic(), position, await consumer.position(tp)
        if position > previous:
            moved_at = now
        elif now - moved_at > RECOVERY_STALL_SECONDS:
            break
    return records


def _own_sequence(record: Any, source: str, newest: int) -> int | None:
    """The record's sequence if it can be this relay's own, else None (logged, counted)."""
    headers = dict(record.headers)
    if headers.get("ce_source") != source.encode() or SEQUENCE_HEADER not in headers:
        return None
    raw = headers[SEQUENCE_HEADER] or b""
    sequence = int(raw) if raw.isdigit() and len(raw) <= 19 else None  # 19 digits: int64
    if sequence is not None and 0 < sequence <= newest:
        return sequence
    log.warning(
        "ignoring %s:%d@%d: %s %s cannot be this relay's (its log ends at %d)",
        record.topic,
        record.partition,
        record.offset,
        SEQUENCE_HEADER,
        bounded(repr(raw), 100),
        newest,
    )
    metrics.RELAY_UNTRUSTED_SEQUENCES.labels(record.topic).inc()
    return None


def transactional_id(source: str) -> str:
    """The relay's Kafka transactional id (and its tracking stream's name): the same for
    every instance of a service, so each new leader's producer fences the previous one."""
    return f"outbox-relay:{source}"


def _record_size(key: bytes, body: bytes, headers: dict[str, str]) -> int:
    encoded = [(name, value.encode()) for name, value in headers.items()]
    return DefaultRecordBatchBuilder.estimate_size_in_bytes(key, body, encoded)


def _event_time(domain_event: DomainEventProtocol[Any]) -> datetime:
    return domain_event.timestamp
