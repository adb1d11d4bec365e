"""A deposed relay leader is fenced by Kafka: two OutboxRelay instances on one PostgreSQL
store and a real broker, where the first never notices that it lost its advisory lock."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from servicehub.events.v1.intake_pb2 import ApplicationSubmitted, Evidence
from servicehub_localinfra import kafka_bootstrap
from servicehub_runtime import relay as relay_module
from servicehub_runtime.cloudevents import SEQUENCE_HEADER, topic_of
from servicehub_runtime.leadership import PostgresLeadership
from servicehub_runtime.relay import Outbound, OutboxRelay
from servicehub_runtime.topics import ensure_topics, partitions_of

TOPIC = topic_of(ApplicationSubmitted)


@pytest.fixture(scope="module")
def bootstrap() -> Iterator[str]:
    with kafka_bootstrap() as servers:
        yield servers


def translate(domain_event: Any) -> Outbound | None:
    if type(domain_event).__name__ != "Written":
        return None
    key = str(domain_event.originator_id)
    return Outbound(
        ApplicationSubmitted(
            application_id=key, partner_id="p", partner_name=domain_event.text,
            corporate_email="p@p.example", evidence=[Evidence(criterion="c", document_uri="d")],
        ),
        key,
    )


class ObliviousLeadership(PostgresLeadership):
    """Never notices that its lock connection is gone: it believes it leads until fenced."""

    async def lost(self, new_events: Any) -> None:
        await asyncio.Future()


async def committed_sequences(bootstrap: str, source: str) -> Counter[int]:
    """How often each of the source's sequences is on the topic for a read_committed consumer."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, isolation_level="read_committed"
    )
    await consumer.start()
    try:
        partitions = [TopicPartition(TOPIC, p) for p in (await partitions_of(bootstrap, [TOPIC]))[TOPIC]]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        sequences: Counter[int] = Counter()
        while [tp for tp, end in ends.items() if await consumer.position(tp) < end]:
            for records in (await consumer.getmany(timeout_ms=1000)).values():
                for record in records:
                    headers = dict(record.headers)
                    if headers.get("ce_source") == source.encode():
                        sequences[int(headers[SEQUENCE_HEADER])] += 1
        return sequences
    finally:
        await consumer.stop()


def lock_holder(dsn: str, key: int) -> str | None:
    """The application_name of the session holding the advisory lock, if any."""
    with psycopg.connect(dsn, autocommit=True) as connection:
        row = connection.execute(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "  # a bigint key
            "AND ((l.classid::bigint << 32) | l.objid::bigint) = %s",
            (key,),
        ).fetchone()
        return row[0] if row else None


async def until(check: Any, what: str) -> None:
    async with asyncio.timeout(60):  # a guard against hanging, not a timing goal
        while not await asyncio.to_thread(check):
            await asyncio.sleep(0.01)


@pytest.mark.parametrize("store_env", ["postgres"], indirect=True)
async def test_a_deposed_leader_is_fenced_and_does_not_fence_the_new_leader_back(
    store_env, open_app, new_note, postgres, bootstrap, metric, monkeypatch, caplog
) -> None:
    # Relays wake only when their own process records (or, for a leader that listens, on a
    # PostgreSQL notification): no idle poll decides who publishes what.
    monkeypatch.setattr(relay_module, "IDLE_POLL_SECONDS", 3600.0)
    await ensure_topics(bootstrap, [TOPIC, "notes.dead-letter.v1"], partitions=3, replication_factor=1)
    source = f"/servicehub/fencing-{uuid.uuid4().hex[:8]}"
    stream = f"outbox-relay:{source}"
    first_app, second_app = open_app(), open_app()  # two instances of a service on one store
    connect = {"host": postgres.host, "port": postgres.port, "user": postgres.user,
               "password": postgres.password, "dbname": postgres.dbname}
    name = f"{store_env['POSTGRES_SCHEMA']}.notes"

    def relay(app: Any, leadership: PostgresLeadership) -> OutboxRelay:
        return OutboxRelay(
            app, bootstrap_servers=bootstrap, source=source, translate=translate,
            topics=[TOPIC], dead_letter_topic="notes.dead-letter.v1", leadership=leadership,
        )

    first_lead = ObliviousLeadership(
        connect, name=name, instance="first", new_events_channel=first_app.new_events_channel
    )
    second_lead = PostgresLeadership(
        connect, name=name, instance="second", new_events_channel=second_app.new_events_channel
    )
    first, second = relay(first_app, first_lead), relay(second_app, second_lead)
    fenced = metric("servicehub_relay_fenced_total")
    notes = []

    def recorded_by(app: Any, text: str) -> int:
        notes.append(new_note(text))
        app.record(notes[-1])
        return app.recorder.max_notification_id()

    def published_up_to(sequence: int) -> bool:
        return (second_app.position(stream) or 0) >= sequence

    running = [asyncio.create_task(first.run())]
    try:
        with caplog.at_level(logging.ERROR, logger="servicehub_runtime.relay"):
            one = recorded_by(first_app, "one")
            await until(lambda: published_up_to(one), "the first leader publishes")
            running.append(asyncio.create_task(second.run()))
            async with asyncio.timeout(60):
                await second.ready.wait()  # standing by: the first holds the lock
            assert lock_holder(postgres.dsn, first_lead.key) == "first"

            # The first's lock connection breaks; it does not notice and believes it leads.
            with psycopg.connect(postgres.dsn, autocommit=True) as admin:
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'first'"
                )
            await until(lambda: lock_holder(postgres.dsn, first_lead.key) == "second", "a new leader")
            two = recorded_by(second_app, "two")  # the new leader started its producer first
            await until(lambda: published_up_to(two), "the new leader publishes")

            three = recorded_by(first_app, "three")  # wakes the deposed leader: it is fenced
            await until(lambda: metric("servicehub_relay_fenced_total") == fenced + 1, "the fence")
            await until(lambda: published_up_to(three), "the new leader publishes what it missed")
            four = recorded_by(second_app, "four")
            await until(lambda: published_up_to(four), "the new leader goes on publishing")
            five = recorded_by(first_app, "five")  # the fenced one stands by now
            await until(lambda: published_up_to(five), "the new leader publishes the others' events")
    finally:
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)

    assert await committed_sequences(bootstrap, source) == Counter(
        {sequence: 1 for sequence in (one, two, three, four, five)}
    ), "every event exactly once for a read_committed consumer"
    assert metric("servicehub_relay_fenced_total") == fenced + 1, "fenced once; it did not fence back"
    assert any("was fenced" in r.getMessage() for r in caplog.records)
    assert not any("lost the lead" in r.getMessage() for r in caplog.records), "it never noticed"
