"""Two sla instances on one PostgreSQL store, the relay's owner SIGKILLed mid-load.

They run on a broker of their own: the session's sla consumes the same topics in the same
consumer group. Tickets come in through Kafka (intake.ticket-opened.v1, test policy: P0
response 15 s, thresholds at 12, 13.5, 14.25 and 15 s), the same updates are sent to both
instances' gRPC at once while the thresholds fall due on both (each instance's scheduler
fires every deadline; the second firing conflicts), and the instance that relays and sends
the e-mails is killed while it does. Then: every escalation and breach is on its topic
once (by ce_id and by ticket and threshold), recorded once in the store, each update
applied once, and each escalation e-mailed once — by the leader only, a repeat only of
the one mail the dead leader may have sent without recording it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import grpc
import psycopg
import pytest
from aiokafka import AIOKafkaProducer
from google.protobuf.timestamp_pb2 import Timestamp

from servicehub.events.v1 import intake_pb2 as events
from servicehub.events.v1 import sla_pb2 as sla_events
from servicehub.sla.v1 import sla_pb2, sla_pb2_grpc
from servicehub_localinfra import LocalKafka
from servicehub_runtime.cloudevents import encode, topic_of

TICKETS = 120
THRESHOLDS = (80, 90, 95, 100)
OPENED = topic_of(events.TicketOpened)
RETRYABLE = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED}
SENDERS = ("sla-first@servicehub.test", "sla-second@servicehub.test")


@pytest.fixture(scope="module")
def replica_broker() -> Iterator[str]:
    with LocalKafka() as broker:
        yield broker.bootstrap_servers


@pytest.fixture
def two_slas(
    replica_broker, postgres, issuer, mailbox, calendar_override, sla_policy, helpers, tmp_path
):
    """Two sla instances on the `sla` schema, each e-mailing from its own sender address."""
    auth = issuer.env(tmp_path)
    instances = [
        helpers.postgres_replica(
            "sla", bootstrap_servers=replica_broker, postgres=postgres, auth=auth,
            data_dir=tmp_path / f"sla-{n}", SLA_POLICY_FILE=str(sla_policy),
            BUSINESS_CALENDAR_OVERRIDE=str(calendar_override), SLA_SMTP_HOST="127.0.0.1",
            SLA_SMTP_PORT=str(mailbox[1]), SLA_SMTP_FROM=sender,
        )
        for n, sender in enumerate(SENDERS)
    ]
    yield instances
    for instance in instances:
        instance.stop()


def timestamp(instant: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(instant)
    return stamp


async def open_tickets(bootstrap_servers: str, ticket_ids: list[str]) -> None:
    """TicketOpened records as intake publishes them (binary-mode CloudEvents, keyed by ticket)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers, acks="all")
    await producer.start()
    try:
        now = datetime.now(UTC)
        sent = []
        for ticket_id in ticket_ids:
            body, headers = encode(
                events.TicketOpened(
                    ticket_id=ticket_id, customer_id="cust-replicas", priority=events.PRIORITY_P0,
                    summary="all down", service_plan="7x24", opened_at=timestamp(now),
                ),
                event_id=f"{ticket_id}/1", source="/servicehub/intake", subject=ticket_id, time=now,
            )
            sent.append(await producer.send(
                OPENED, body, key=ticket_id.encode(),
                headers=[(name, value.encode()) for name, value in headers.items()],
            ))
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def update_on_both(instances, ticket_ids: list[str], issuer) -> list[tuple[str, bool]]:
    """Two milestones per ticket (remote support started, an on-site visit requested; the
    test policy has no targets for them): writes of the ticket racing its threshold firings
    on both instances. Each update is sent to both instances at once; a call the killed
    instance cannot answer goes to the other, as a client retrying would. Returns (update
    id, answered duplicate)."""
    token = issuer.interceptor("integrator-system")
    channels = [grpc.aio.insecure_channel(i.grpc_address, interceptors=[token]) for i in instances]
    stubs = [sla_pb2_grpc.SlaServiceStub(channel) for channel in channels]
    semaphore = asyncio.Semaphore(16)

    async def send(request, first: int) -> tuple[str, bool]:
        for attempt in range(600):
            try:
                answer = await stubs[(first + attempt) % 2].UpdateTicket(request, timeout=5)
                return request.update_id, answer.duplicate
            except grpc.aio.AioRpcError as error:
                if error.code() not in RETRYABLE:
                    raise
                await asyncio.sleep(0.1)
        raise AssertionError(f"update {request.update_id} was never answered")

    async def pause_and_resume(ticket_id: str) -> list[tuple[str, bool]]:
        answers = []
        async with semaphore:
            for kind in (sla_pb2.UPDATE_KIND_REMOTE_SUPPORT_STARTED, sla_pb2.UPDATE_KIND_ONSITE_REQUESTED):
                request = sla_pb2.UpdateTicketRequest(
                    update_id=f"{ticket_id}-{kind}", ticket_id=ticket_id, kind=kind,
                    occurred_at=timestamp(datetime.now(UTC)),
                )
                answers += await asyncio.gather(send(request, 0), send(request, 1))
        return answers

    try:
        done = await asyncio.gather(*(pause_and_resume(ticket_id) for ticket_id in ticket_ids))
        return [answer for answers in done for answer in answers]
    finally:
        for channel in channels:
            await channel.close()


def stored(postgres, ticket_ids: list[str], event: str) -> Counter:
    """Events of a kind per ticket in the shared store."""
    with psycopg.connect(postgres.dsn) as connection:
        rows = connection.execute(
            "SELECT originator_id FROM sla.sla_events WHERE topic LIKE %s", (f"%Ticket.{event}",)
        ).fetchall()
    wanted = set(ticket_ids)
    return Counter(str(row[0]) for row in rows if str(row[0]) in wanted)


async def test_two_slas_one_killed_mid_load_lose_and_repeat_nothing_and_mail_once(
    two_slas, replica_broker, postgres, mailbox, issuer, helpers
):
    metric, until = helpers.metric, helpers.until
    first, second = two_slas
    received, _ = mailbox
    await asyncio.to_thread(first.start().wait_serving)
    await asyncio.to_thread(second.start().wait_serving)
    leaders = [metric(p.metrics_port, "servicehub_relay_leader") for p in two_slas]
    assert leaders == [1, 0], "the instance that was running relays and mails; the new one stands by"

    ticket_ids = [str(uuid.uuid4()) for _ in range(TICKETS)]
    mine = set(ticket_ids)

    def my_mails(at_least: int = 1) -> list | None:
        """The mails of these tickets in arrival order, once there are `at_least` distinct ones."""
        found = [m for m in received.mails() if m["Subject"].split("ticket ")[1].split()[0] in mine]
        return found if len({m["Message-ID"] for m in found}) >= at_least else None

    await open_tickets(replica_broker, ticket_ids)

    def registered() -> bool:
        processed = {"topic": OPENED, "outcome": "processed"}
        return sum(metric(p.metrics_port, "servicehub_messages_total", **processed) for p in two_slas) >= TICKETS

    await until(registered, "the tickets registered")
    await until(my_mails, "the first escalation mail")
    updates = asyncio.create_task(update_on_both(two_slas, ticket_ids, issuer))
    at_kill = len(await until(lambda: my_mails(40), "the leader mailing"))
    first.kill()
    assert at_kill < TICKETS * len(THRESHOLDS), "the kill must land while escalations go out"
    await until(lambda: metric(second.metrics_port, "servicehub_relay_leader") == 1, "the standby leading")

    answers = await updates
    applied_now = Counter(update_id for update_id, duplicate in answers if not duplicate)
    assert set(applied_now.values()) <= {1}, "an update answered as applied twice"

    async def all_on(topic: str, message_type, expected: int) -> list:
        async def published():
            records = await helpers.read_topic(replica_broker, topic)
            found = [
                (helpers.headers_of(record)["ce_id"], message)
                for record, message in helpers.messages(records, message_type)
                if message.ticket_id in mine
            ]
            return found if len(found) >= expected else None

        return await helpers.eventually(published, timeout=180, interval=1.0, what=f"all on {topic}")

    escalations = await all_on("sla.ticket-escalated.v1", sla_events.TicketEscalated, TICKETS * len(THRESHOLDS))
    assert set(Counter(ce_id for ce_id, _ in escalations).values()) == {1}, "an escalation republished"
    per_threshold = Counter((m.ticket_id, m.threshold_percent) for _, m in escalations)
    assert set(per_threshold) == {(t, p) for t in ticket_ids for p in THRESHOLDS}
    assert set(per_threshold.values()) == {1}, "a threshold escalated twice"
    breaches = await all_on("sla.sla-breached.v1", sla_events.SlaBreached, TICKETS)
    assert len({ce_id for ce_id, _ in breaches}) == len(breaches) == TICKETS
    assert {m.ticket_id for _, m in breaches} == mine

    assert stored(postgres, ticket_ids, "Escalated") == Counter({t: len(THRESHOLDS) for t in ticket_ids})
    assert stored(postgres, ticket_ids, "SlaBreached") == Counter(dict.fromkeys(ticket_ids, 1))
    assert stored(postgres, ticket_ids, "UpdateApplied") == Counter(dict.fromkeys(ticket_ids, 2))

    mails = await until(lambda: my_mails(TICKETS * len(THRESHOLDS)), "every escalation mailed")
    senders = [mail["From"] for mail in mails]
    assert set(senders) == set(SENDERS), "the leader mailed, then the new leader"
    switched = senders.index(SENDERS[1])
    assert set(senders[:switched]) == {SENDERS[0]} and set(senders[switched:]) == {SENDERS[1]}, (
        "only the instance that leads mails: the standby sent nothing before the leader died"
    )
    per_message = Counter(mail["Message-ID"] for mail in mails)
    repeats = [message_id for message_id, n in per_message.items() if n > 1]
    assert len(repeats) <= 1 and set(per_message.values()) <= {1, 2}, (
        f"mailed more than once (only a mail sent but not recorded when the leader died may be): {repeats}"
    )
    for message_id in repeats:
        assert [m["From"] for m in mails if m["Message-ID"] == message_id] == list(SENDERS)
    print(
        f"\nmails {len(mails)} ({at_kill} before the kill, {len(repeats)} repeated); deadline"
        " firings on the survivor:",
        {outcome: metric(second.metrics_port, "servicehub_deadlines_fired_total", outcome=outcome)
         for outcome in ("recorded", "already_recorded", "failed")},
    )
