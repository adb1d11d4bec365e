"""Kafka consumption with exactly-once effect on the event store.

For every record of a subscribed topic:

1. its position (`<topic>:<partition>`, offset + 1) is compared with the tracking position
   stored in the service's event store: a record already processed is skipped;
2. it is decoded as a CloudEvent; a record that cannot be (or that the handler rejects as
   invalid) is copied byte for byte to the dead-letter topic with the reason in headers,
   and its position is recorded so it is never retried;
3. the handler runs the application command, which records the new aggregate events *and*
   the position in one event-store transaction;
4. only then is the offset committed to Kafka (auto-commit is off). A crash between 3 and 4
   redelivers the record, and step 1 recognises it.

Because step 1 makes redelivery harmless, offsets of processed records are committed in the
background about once a second (and on shutdown) rather than one broker round trip per
record — the event store, not Kafka, is the record of what was done.

A handler that raises anything else leaves the offset uncommitted: the consumer seeks back
and the record is redelivered after a short pause, so a database outage loses nothing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from google.protobuf.message import Message

from . import metrics
from .cloudevents import CloudEvent, MessageTypes, PoisonMessage, header_map
from .eventstore import IntegrityError, TracedEventApplication, Tracking

log = logging.getLogger(__name__)

# A handler runs in a worker thread (the event store is synchronous) and records its
# aggregates together with the given position.
Handler = Callable[[CloudEvent, Tracking], None]

RETRY_PAUSE_SECONDS = 1.0
COMMIT_INTERVAL_SECONDS = 1.0


class InvalidMessage(PoisonMessage):
    """Raised by a handler for a well-formed message whose content breaks the contract."""


def required_uuid(message: Message, field: str) -> UUID:
    """A string field that must hold a UUID, or InvalidMessage naming the field."""
    value = getattr(message, field)
    try:
        return UUID(value)
    except ValueError:
        raise InvalidMessage(f"{field} {value!r} is not a UUID") from None


def required_instant(message: Message, field: str) -> datetime:
    """A Timestamp field that must be set and in range, as an aware UTC datetime."""
    if not message.HasField(field):
        raise InvalidMessage(f"{field} is missing")
    try:
        return getattr(message, field).ToDatetime(tzinfo=UTC)
    except ValueError as error:
        raise InvalidMessage(f"{field} is out of range: {error}") from None


class TrackingConsumer:
    """Subscribes handlers to topics with tracking, dead-lettering and metrics."""

    def __init__(
        self,
        broker: KafkaBroker,
        application: TracedEventApplication,
        *,
        group_id: str,
        dead_letter_topic: str,
    ) -> None:
        self._broker = broker
        self._application = application
        self._group_id = group_id
        self.dead_letter_topic = dead_letter_topic
        self._positions: dict[str, int] = {}
        self._routes: dict[str, tuple[MessageTypes, Handler]] = {}
        self._kafka_consumer: AIOKafkaConsumer | None = None
        self._to_commit: dict[TopicPartition, int] = {}

    def subscribe(self, message_type: type[Message], topic: str, handler: Handler) -> None:
        """Routes the topic's records, decoded as `message_type`, to `handler`."""
        self._routes[topic] = (MessageTypes([message_type]), handler)

    def install(self) -> None:
        """Registers one subscriber for all routed topics: one group member per process."""
        if not self._routes:
            return

        async def on_record(message: KafkaMessage) -> None:
            record = message.raw_message
            assert not isinstance(record, tuple)
            types, handler = self._routes[record.topic]
            await self._consume(message, record, types, handler)

        subscriber = self._broker.subscriber(
            *self._routes,
            group_id=self._group_id,
            auto_offset_reset="earliest",
            ack_policy=AckPolicy.MANUAL,
            decoder=_raw_body,
        )
        subscriber(on_record)

    async def _consume(
        self, message: KafkaMessage, record: Any, types: MessageTypes, handler: Handler
    ) -> None:
        topic, stream = record.topic, f"{record.topic}:{record.partition}"
        position = Tracking(application_name=stream, notification_id=record.offset + 1)
        self._observe_lag(message, record)
        if position.notification_id <= await self._position(stream):
            metrics.MESSAGES.labels(topic, "duplicate").inc()
            self._done(message, record)
            return
        started = time.perf_counter()
        try:
            outcome = await self._process(record, types, handler, position)
        except Exception:
            # Anything else (the database or the dead-letter topic unreachable) is retried.
            metrics.MESSAGES.labels(topic, "failed").inc()
            log.exception("handling %s offset %d failed; it will be redelivered", stream, record.offset)
            await asyncio.sleep(RETRY_PAUSE_SECONDS)
            await message.nack()  # seek back to this record
            return
        self._positions[stream] = position.notification_id
        self._done(message, record)
        metrics.MESSAGES.labels(topic, outcome).inc()
        metrics.HANDLER_SECONDS.labels(topic).observe(time.perf_counter() - started)

    async def _process(
        self, record: Any, types: MessageTypes, handler: Handler, position: Tracking
    ) -> str:
        """Handles or dead-letters the record; returns the outcome for the metrics."""
        try:
            event = types.decode(header_map(record.headers), record.value)
            await asyncio.to_thread(self._handle, handler, event, position)
            return "processed"
        except PoisonMessage as poison:
            await self._dead_letter(record, poison.reason)
            await asyncio.to_thread(self._skip, position)
            return "dead_lettered"
        except _AlreadyRecorded:
            return "duplicate"

    def _done(self, message: KafkaMessage, record: Any) -> None:
        """Marks the record's offset for the next background commit."""
        self._kafka_consumer = getattr(message, "consumer", None)
        self._to_commit[TopicPartition(record.topic, record.partition)] = record.offset + 1

    async def run_committer(self) -> None:
        """Commits processed offsets about once a second, and once more when cancelled."""
        try:
            while True:
                await asyncio.sleep(COMMIT_INTERVAL_SECONDS)
                await self.commit()
        finally:
            await asyncio.shield(self.commit())

    async def commit(self) -> None:
        """Commits the offsets of records processed so far (only of partitions still ours)."""
        consumer, offsets = self._kafka_consumer, self._to_commit
        if consumer is None or not offsets:
            return
        self._to_commit = {}
        owned = {tp: offset for tp, offset in offsets.items() if tp in consumer.assignment()}
        try:
            await consumer.commit(owned)
        except KafkaError as error:
            # Harmless: whoever consumes these records next finds them in the tracking table.
            log.warning("committing offsets failed (%s); records may be redelivered", error)

    def _handle(self, handler: Handler, event: CloudEvent, position: Tracking) -> None:
        try:
            handler(event, position)
        except IntegrityError:
            # The command's effect exists already (a re-published message whose aggregate
            # id is derived from its idempotency key): record only that we saw it.
            self._skip(position)
            raise _AlreadyRecorded from None

    def _skip(self, position: Tracking) -> None:
        try:
            self._application.record(position=position)
        except IntegrityError:
            pass  # another delivery recorded this position first

    async def _position(self, stream: str) -> int:
        if stream not in self._positions:
            recorded = await asyncio.to_thread(self._application.position, stream)
            self._positions[stream] = recorded or 0
        return self._positions[stream]

    async def _dead_letter(self, record: Any, reason: str) -> None:
        log.warning(
            "dead-lettering %s:%d@%d: %s", record.topic, record.partition, record.offset, reason
        )
        headers = {name: (value or b"").decode(errors="replace") for name, value in record.headers}
        headers.update(
            {
                "dlq_reason": reason,
                "dlq_topic": record.topic,
                "dlq_partition": str(record.partition),
                "dlq_offset": str(record.offset),
                "dlq_consumer_group": self._group_id,
            }
        )
        await self._broker.publish(
            record.value or b"", self.dead_letter_topic, key=record.key, headers=headers
        )

    @staticmethod
    def _observe_lag(message: KafkaMessage, record: Any) -> None:
        consumer = getattr(message, "consumer", None)
        highwater = getattr(consumer, "highwater", None)
        if highwater is None:
            return
        end = highwater(TopicPartition(record.topic, record.partition))
        if end is not None:
            metrics.CONSUMER_LAG.labels(record.topic, str(record.partition)).set(
                max(end - record.offset - 1, 0)
            )


class _AlreadyRecorded(Exception):
    pass


async def _raw_body(message: Any) -> bytes:
    """Hands the handler the body untouched; decoding is ours, so errors can be dead-lettered."""
    return message.body
