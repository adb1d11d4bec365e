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

Records come in batches (up to `BATCH_MAX_RECORDS`). The handlers of a batch's new records
run inside one event-store transaction that also records the last position of every
partition in it (step 3 for all of them at once: one COMMIT instead of one per record). If
any record of the batch is poison, conflicts or fails, that transaction records nothing and
the batch is handled record by record as above, so a poison record is dead-lettered and the
others applied once. A subscription may name the aggregates its handler reads for an event
(`reads`); the batch reads all of them in one query before its handlers run.

Because step 1 makes redelivery harmless, offsets of processed records are committed in the
background about once a second (and on shutdown) rather than one broker round trip per
record — the event store, not Kafka, is the record of what was done.

A handler that raises anything else leaves the offset uncommitted: the consumer seeks back
and the record is redelivered after a short pause, so a database outage loses nothing. Its
traceback is logged once per record; each further retry logs one bounded line.

A dead letter always fits: its reason is cut to `MAX_REASON_CHARS`, the dead-letter topic
leaves room for the original plus the `dlq_*` headers, and a record that still cannot be
copied is kept intact in `<overflow_dir>/<topic>-<partition>-<offset>.bin` (its value) and
`.json` (key, headers, timestamp, reason), with a dead-letter record pointing to it
(`dlq_stored_at`; empty body). A copy keeps the original headers exactly, null values and
repeated names included, followed by the `dlq_*` ones.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
import logging
import os
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from google.protobuf.message import Message
from opentelemetry import propagate, trace

from . import kafkasecurity, metrics
from .cloudevents import (
    MAX_REASON_CHARS,
    CloudEvent,
    MessageTypes,
    PoisonMessage,
    bounded,
    header_map,
)
from .eventstore import IntegrityError, TracedEventApplication, Tracking
from .topics import DEAD_LETTER_MAX_MESSAGE_BYTES, TOO_LARGE_ERRORS

log = logging.getLogger(__name__)
_tracer = trace.get_tracer(__name__)

# A handler runs in a worker thread (the event store is synchronous) and records its
# aggregates together with the given position.
Handler = Callable[[CloudEvent, Tracking], None]
# The ids of the aggregates a handler will read for an event (see `subscribe`).
Reads = Callable[[CloudEvent], Iterable[UUID]]

RETRY_PAUSE_SECONDS = 1.0
BATCH_MAX_RECORDS = 500  # records fetched, and handled in one transaction, at most at once
COMMIT_INTERVAL_SECONDS = 1.0
Headers = list[tuple[str, bytes | None]]


class DeadLetterSender(Protocol):
    async def publish(
        self, value: bytes | None, topic: str, *, key: bytes | None, headers: Headers
    ) -> None: ...


class KafkaDeadLetterSender:
    """Sends dead letters with aiokafka itself: FastStream publishes headers from a dict of
    strings, which would turn null values into empty ones and merge repeated names."""

    def __init__(self, bootstrap_servers: str, *, client_id: str) -> None:
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap_servers,
            **kafkasecurity.client_options(),
            client_id=f"{client_id}-dead-letters",
            acks="all",
            # Not idempotent: a record the broker rejects as too large would leave an
            # idempotent producer out of sequence on that partition, failing every later
            # dead letter there. A repeated dead letter after a crash is harmless.
            enable_idempotence=False,
            max_request_size=DEAD_LETTER_MAX_MESSAGE_BYTES,
        )

    async def start(self) -> None:
        await self._producer.start()

    async def stop(self) -> None:
        await self._producer.stop()

    async def publish(
        self, value: bytes | None, topic: str, *, key: bytes | None, headers: Headers
    ) -> None:
        await self._producer.send_and_wait(topic, value, key=key, headers=headers)


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
        dead_letters: DeadLetterSender,
        overflow_dir: Path,
        group_instance_id: str | None = None,
    ) -> None:
        """Dead letters go to `dead_letter_topic` through `dead_letters`; originals too large
        for that topic are kept in `overflow_dir`. With a `group_instance_id` the consumer is
        a static member of its group (see README, KAFKA_GROUP_INSTANCE_ID)."""
        self._broker = broker
        self._group_instance_id = group_instance_id
        self._application = application
        self._group_id = group_id
        self.dead_letter_topic = dead_letter_topic
        self._dead_letters = dead_letters
        self._overflow_dir = overflow_dir
        self._positions: dict[str, int] = {}
        self._routes: dict[str, tuple[MessageTypes, Handler]] = {}
        self._reads: dict[str, Reads] = {}
        self._kafka_consumer: AIOKafkaConsumer | None = None
        self._to_commit: dict[TopicPartition, int] = {}
        self._failing: dict[str, int] = {}  # stream → offset whose failure was logged in full
        # (topic, partition) → (offset, since when in seconds) of the oldest record not known
        # to be processed
        self._unprocessed_since: dict[tuple[str, int], tuple[int, float]] = {}

    def subscribe(
        self,
        message_type: type[Message],
        topic: str,
        handler: Handler,
        *,
        reads: Reads | None = None,
    ) -> None:
        """Routes the topic's records, decoded as `message_type`, to `handler`. `reads` names
        the aggregates the handler will read for an event: a batch reads them all in one
        query beforehand (an optimisation; an aggregate it leaves out is read as usual)."""
        self._routes[topic] = (MessageTypes([message_type]), handler)
        if reads is not None:
            self._reads[topic] = reads

    def install(self) -> None:
        """Registers one batch subscriber for all routed topics: one group member per process."""
        if not self._routes:
            return

        async def on_batch(message: KafkaMessage) -> None:
            records = message.raw_message  # a tuple from aiokafka, a list from the test broker
            assert isinstance(records, tuple | list)
            await self._consume_batch(message, tuple(records))

        subscriber = self._broker.subscriber(
            *self._routes,
            batch=True,
            max_records=BATCH_MAX_RECORDS,
            group_id=self._group_id,
            group_instance_id=self._group_instance_id,
            auto_offset_reset="earliest",
            isolation_level="read_committed",  # never a relay's aborted transaction
            ack_policy=AckPolicy.MANUAL,
            parser=_parse_any_headers,
            decoder=_raw_body,
        )
        subscriber(on_batch)

    async def _consume_batch(self, message: KafkaMessage, records: tuple[Any, ...]) -> None:
        """Handles the fetched records together in one transaction; when that cannot be (a
        poison record, a conflict, a failure), one by one, as `_consume` says."""
        fresh = []
        for record in records:
            if record.offset + 1 > await self._position(f"{record.topic}:{record.partition}"):
                fresh.append(record)
            else:  # processed before: counted and marked done (before any later one)
                await self._consume(message, record, *self._routes[record.topic])
        if len(fresh) > 1 and await self._process_together(message, fresh):
            return
        for record in fresh:
            if not await self._consume(message, record, *self._routes[record.topic]):
                return  # the batch was sought back: the rest comes again

    async def _process_together(self, message: KafkaMessage, records: list[Any]) -> bool:
        """Runs the records' handlers in one event-store transaction that also records the
        position of each partition; False (and nothing recorded) if any of them fails."""
        work = []
        positions: dict[str, Tracking] = {}
        preload: list[UUID] = []
        for record in records:
            types, handler = self._routes[record.topic]
            self._track_age(record)
            try:
                headers = header_map(record.headers)
                event = types.decode(headers, record.value)
                if reads := self._reads.get(record.topic):
                    preload.extend(reads(event))
            except Exception:  # noqa: BLE001 - poison (or worse): one by one says what it is
                return False
            stream = f"{record.topic}:{record.partition}"
            position = Tracking(application_name=stream, notification_id=record.offset + 1)
            positions[stream] = position
            work.append((record, headers, event, handler, position))
        started = time.perf_counter()
        try:
            await asyncio.to_thread(self._handle_together, work, positions.values(), preload)
        except Exception as error:  # noqa: BLE001 - one by one tells which record and why
            log.debug("a batch of %d falls back to one by one: %s", len(records), bounded(repr(error)))
            return False
        share = (time.perf_counter() - started) / len(records)
        last_of_partition = {(r.topic, r.partition): r for r, *_ in work}
        for record in last_of_partition.values():
            self._failing.pop(f"{record.topic}:{record.partition}", None)
            self._done(message, record, self._records_behind(message, record))
        for topic, count in Counter(record.topic for record, *_ in work).items():
            metrics.MESSAGES.labels(topic, "processed").inc(count)
            handler_seconds = metrics.HANDLER_SECONDS.labels(topic)
            for _ in range(count):
                handler_seconds.observe(share)
        for stream, position in positions.items():
            self._positions[stream] = position.notification_id
        return True

    def _handle_together(self, work: list[Any], positions: Any, preload: list[UUID]) -> None:
        with self._application.batch(positions, preload=preload):
            for record, headers, event, handler, position in work:
                with _consume_span(record.topic, headers):
                    handler(event, position)

    async def _consume(
        self, message: KafkaMessage, record: Any, types: MessageTypes, handler: Handler
    ) -> bool:
        """Handles one record; False if it failed and the batch was sought back to retry."""
        topic, stream = record.topic, f"{record.topic}:{record.partition}"
        position = Tracking(application_name=stream, notification_id=record.offset + 1)
        self._track_age(record)
        waiting = self._records_behind(message, record)
        if position.notification_id <= await self._position(stream):
            metrics.MESSAGES.labels(topic, "duplicate").inc()
            self._done(message, record, waiting)
            return True
        started = time.perf_counter()
        try:
            outcome = await self._process(record, types, handler, position)
        except Exception as error:
            # Anything else (the database or the dead-letter topic unreachable) is retried.
            metrics.MESSAGES.labels(topic, "failed").inc()
            self._log_failure(stream, record.offset, error)
            await asyncio.sleep(RETRY_PAUSE_SECONDS)
            await message.nack()  # seek back to this record
            return False
        self._failing.pop(stream, None)
        self._positions[stream] = position.notification_id
        self._done(message, record, waiting)
        metrics.MESSAGES.labels(topic, outcome).inc()
        metrics.HANDLER_SECONDS.labels(topic).observe(time.perf_counter() - started)
        return True

    def _log_failure(self, stream: str, offset: int, error: Exception) -> None:
        """The traceback once per record; a retry that fails again adds one bounded line."""
        text = bounded(f"{type(error).__name__}: {error}")
        if self._failing.get(stream) == offset:
            log.warning("handling %s offset %d failed again: %s", stream, offset, text)
            return
        self._failing[stream] = offset
        log.error(
            "handling %s offset %d failed; it will be redelivered: %s",
            stream,
            offset,
            text,
            # A traceback would repeat the message in full: only for messages of sane size.
            exc_info=error if len(str(error)) <= MAX_REASON_CHARS else None,
        )

    async def _process(
        self, record: Any, types: MessageTypes, handler: Handler, position: Tracking
    ) -> str:
        """Handles or dead-letters the record; returns the outcome for the metrics."""
        try:
            headers = header_map(record.headers)
            event = types.decode(headers, record.value)
            with _consume_span(record.topic, headers):
                await asyncio.to_thread(self._handle, handler, event, position)
            return "processed"
        except PoisonMessage as poison:
            await self._dead_letter(record, poison.reason)
            await asyncio.to_thread(self._skip, position)
            return "dead_lettered"
        except _AlreadyRecorded:
            return "duplicate"

    def _done(self, message: KafkaMessage, record: Any, waiting: int | None) -> None:
        """Marks the record's offset for the next background commit."""
        self._kafka_consumer = getattr(message, "consumer", None)
        self._to_commit[TopicPartition(record.topic, record.partition)] = record.offset + 1
        if not waiting:
            # Caught up (or unknown): nothing on the partition waits. Otherwise the age stays
            # that of this record until the next one is taken up.
            self._unprocessed_since.pop((record.topic, record.partition), None)

    def _track_age(self, record: Any) -> None:
        """Exports how old the oldest unprocessed record of the partition is, so a partition
        stuck on one record shows while health says SERVING. The age counts from the record's
        timestamp, or from when this process first took the record up if that is earlier (a
        producer may set any timestamp, a future one too)."""
        key = (record.topic, record.partition)
        if key not in self._unprocessed_since:
            metrics.CONSUMER_OLDEST_UNPROCESSED_AGE.labels(
                self._group_id, record.topic, str(record.partition)
            ).set_function(lambda: self._unprocessed_age(key))
        offset, since = self._unprocessed_since.get(key, (None, time.time()))
        if offset != record.offset:  # a redelivered record keeps its first time
            since = time.time()
        timestamp_ms = getattr(record, "timestamp", None) or 0
        if timestamp_ms > 0:
            since = min(since, timestamp_ms / 1000)
        self._unprocessed_since[key] = (record.offset, since)

    def _unprocessed_age(self, key: tuple[str, int]) -> float:
        _, since = self._unprocessed_since.get(key, (None, None))
        assignment = getattr(self._kafka_consumer, "assignment", None)
        if since is None or (assignment is not None and TopicPartition(*key) not in assignment()):
            return 0.0  # caught up, or the partition is another member's now
        return max(time.time() - since, 0.0)

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
        """Copies the record, original headers exactly, plus `dlq_*` headers; a record the
        dead-letter topic cannot take is kept in a file the dead letter points to."""
        log.warning(
            "dead-lettering %s:%d@%d: %s", record.topic, record.partition, record.offset, reason
        )
        dlq_headers: Headers = [
            ("dlq_reason", reason.encode(errors="backslashreplace")),  # lone surrogates
            ("dlq_topic", record.topic.encode()),
            ("dlq_partition", str(record.partition).encode()),
            ("dlq_offset", str(record.offset).encode()),
            ("dlq_consumer_group", self._group_id.encode()),
        ]
        value = record.value
        if value is None and record.key is None:
            # Other clients may write a record with neither; aiokafka cannot.
            value = b""
            dlq_headers.append(("dlq_value_was_null", b"true"))
        try:
            await self._dead_letters.publish(
                value,
                self.dead_letter_topic,
                key=record.key,
                headers=[*record.headers, *dlq_headers],
            )
            return
        except TOO_LARGE_ERRORS as error:
            stored = await asyncio.to_thread(self._keep_in_file, record, reason)
            log.warning(
                "%s:%d@%d is too large for %s (%s); kept in %s",
                record.topic,
                record.partition,
                record.offset,
                self.dead_letter_topic,
                type(error).__name__,
                stored,
            )
        size = len(record.value or b"") + len(record.key or b"")
        size += sum(len(n) + len(v or b"") for n, v in record.headers)
        await self._dead_letters.publish(
            b"",  # Kafka needs a key or a value; the original key may be what is too large
            self.dead_letter_topic,
            key=None,
            headers=[
                *dlq_headers,
                ("dlq_stored_at", str(stored).encode()),
                ("dlq_original_bytes", str(size).encode()),
            ],
        )
        metrics.DEAD_LETTERS_KEPT_IN_FILES.labels(record.topic).inc()

    def _keep_in_file(self, record: Any, reason: str) -> Path:
        """Writes the record intact (value as is, the rest as JSON); returns the value's path."""
        self._overflow_dir.mkdir(parents=True, exist_ok=True)
        base = f"{record.topic}-{record.partition}-{record.offset}"
        meta = {
            "topic": record.topic,
            "partition": record.partition,
            "offset": record.offset,
            "timestamp": getattr(record, "timestamp", None),
            "key": _base64(record.key),
            "value_is_null": record.value is None,
            "headers": [[name, _base64(value)] for name, value in record.headers],
            "consumer_group": self._group_id,
            "reason": reason,
        }
        _write_durably(self._overflow_dir / f"{base}.json", json.dumps(meta, indent=1).encode())
        _write_durably(self._overflow_dir / f"{base}.bin", record.value or b"")
        return self._overflow_dir / f"{base}.bin"

    @staticmethod
    def _records_behind(message: KafkaMessage, record: Any) -> int | None:
        """Records behind this one on its partition, or None if unknown (the exported lag
        comes from committed offsets, consumerlag.py)."""
        consumer = getattr(message, "consumer", None)
        highwater = getattr(consumer, "highwater", None)
        if highwater is None:
            return None
        end = highwater(TopicPartition(record.topic, record.partition))
        if end is None:
            return None
        return max(end - record.offset - 1, 0)


class _AlreadyRecorded(Exception):
    pass


def _consume_span(topic: str, headers: dict[str, str]) -> Any:
    """A span per record, child of the span that produced it: the trace crosses each hop here
    (no FastStream telemetry middleware, whose batch span would only start a trace of its own)."""
    return _tracer.start_as_current_span(
        f"{topic} process", context=propagate.extract(headers), kind=trace.SpanKind.CONSUMER
    )


def _base64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode()


def _write_durably(path: Path, data: bytes) -> None:
    """Writes via a temporary file, synced and renamed, so a crash leaves no half file."""
    partial = path.with_name(path.name + ".partial")
    with open(partial, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    os.replace(partial, path)


async def _parse_any_headers(
    records: tuple[Any, ...], parse: Callable[[Any], Awaitable[KafkaMessage]]
) -> KafkaMessage:
    """FastStream decodes every header value as UTF-8 before any handler runs, so a record
    with a null or non-UTF-8 value would vanish with only its log line. FastStream gets
    readable copies (the records themselves when every header value is ASCII, as is usual);
    the handler gets the original records, to dead-letter them byte for byte."""
    readable = tuple(
        record
        if all(value is not None and value.isascii() for _, value in record.headers)
        else dataclasses.replace(
            record,
            headers=[(name, (value or b"").decode(errors="replace").encode()) for name, value in record.headers],
        )
        for record in records
    )
    message = await parse(readable)
    message.raw_message = records
    return message


async def _raw_body(message: Any) -> bytes:
    """Hands the handler the body untouched; decoding is ours, so errors can be dead-lettered."""
    return message.body
