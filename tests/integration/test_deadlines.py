"""Deadlines on the real system: sla's 80/90/95/100% thresholds fire exactly once across a
SIGKILL, and its deadline index rebuilt from the event log holds the same pending deadlines.

The session runs sla with a test policy (conftest.FAST_SLA_POLICY): P0 responses of 15 s
(thresholds at 12, 13.5, 14.25 and 15 s), P4 responses of 2 h.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from contextlib import closing
from pathlib import Path
from uuid import UUID

import grpc

from servicehub.events.v1 import intake_pb2 as events
from servicehub.events.v1 import sla_pb2 as sla_events
from servicehub.intake.v1 import intake_pb2, intake_pb2_grpc

BURST = 400
THRESHOLDS = (80, 90, 95, 100)
ROLES = {80: "handling-team", 90: "senior-engineer", 95: "technical-manager", 100: "emergency-response"}
FIRED = "servicehub_deadlines_fired_total"
THRESHOLD_FIRED = {"kind": "sla-threshold", "outcome": "recorded"}
RETRYABLE = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED}


async def open_tickets(address: str, prefix: str, priority: int, count: int, issuer) -> list[str]:
    semaphore = asyncio.Semaphore(16)
    token = issuer.interceptor("integrator-system")
    async with grpc.aio.insecure_channel(address, interceptors=[token]) as channel:
        stub = intake_pb2_grpc.IntakeServiceStub(channel)

        async def open_one(i: int) -> str:
            request = intake_pb2.OpenTicketRequest(
                idempotency_key=f"{prefix}-{i}",
                customer_id=prefix,
                priority=priority,
                summary="nothing works",
                service_plan="7x24",
            )
            async with semaphore:
                for _ in range(600):
                    try:
                        return (await stub.OpenTicket(request, timeout=5)).ticket_id
                    except grpc.aio.AioRpcError as error:
                        if error.code() not in RETRYABLE:
                            raise
                        await asyncio.sleep(0.1)
                raise AssertionError(f"ticket {prefix}-{i} never accepted")

        return list(await asyncio.gather(*(open_one(i) for i in range(count))))


def read_only(path: Path) -> closing[sqlite3.Connection]:
    """A read-only connection closed on leaving the block (sqlite3's own context manager only
    commits, and an open reader would hold the service's WAL files while the test deletes them)."""
    return closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True))


def in_store(data_dir: Path, ticket_ids: list[str], event: str) -> Counter:
    """Events of a kind per ticket in sla's event store (read beside the running service)."""
    with read_only(data_dir / "sla.sqlite") as store:
        rows = store.execute(
            "SELECT originator_id FROM stored_events WHERE topic LIKE ?", (f"%Ticket.{event}",)
        ).fetchall()
    wanted = set(ticket_ids)
    breached = (str(UUID(hex=row[0])) for row in rows)  # eventsourcing stores ids as hex
    return Counter(ticket_id for ticket_id in breached if ticket_id in wanted)


def pending_in_index(data_dir: Path, ticket_ids: list[str]) -> list[tuple]:
    path = data_dir / "sla-deadlines.sqlite"
    if not path.exists():
        return []
    with read_only(path) as index:
        rows = index.execute("SELECT * FROM pending_deadline ORDER BY aggregate_id").fetchall()
    wanted = set(ticket_ids)
    return [row for row in rows if row[0] in wanted]


async def test_sla_killed_while_thresholds_fire_escalates_each_threshold_once(
    system, helpers, bootstrap_servers, issuer
):
    sla = system["sla"]
    prefix = helpers.unique("deadline-crash")
    baseline = helpers.metric(sla.metrics_port, FIRED, **THRESHOLD_FIRED)
    ticket_ids = await open_tickets(system["intake"].grpc_address, prefix, events.PRIORITY_P0, BURST, issuer)

    at_kill = await helpers.wait_for_metric(sla.metrics_port, FIRED, baseline + 20, **THRESHOLD_FIRED)
    sla.kill()
    assert at_kill - baseline < BURST * len(THRESHOLDS), "the kill must land while thresholds fire"
    await asyncio.to_thread(sla.start().wait_serving)

    async def all_breached():
        found = await asyncio.to_thread(in_store, sla.data_dir, ticket_ids, "SlaBreached")
        return found if len(found) == BURST else None

    breached = await helpers.eventually(all_breached, timeout=180, interval=1.0, what="all breached")
    assert set(breached.values()) == {1}, "a ticket breached twice in the store"
    escalated = await asyncio.to_thread(in_store, sla.data_dir, ticket_ids, "Escalated")
    assert set(escalated.values()) == {len(THRESHOLDS)}, "a ticket escalated other than 4 times"

    async def all_escalations_published():
        records = await helpers.read_topic(bootstrap_servers, "sla.ticket-escalated.v1")
        mine = []
        for record in records:
            message = sla_events.TicketEscalated.FromString(record.value)
            if message.ticket_id in breached:
                mine.append((helpers.headers_of(record)["ce_id"], message))
        return mine if len(mine) >= BURST * len(THRESHOLDS) else None

    escalations = await helpers.eventually(
        all_escalations_published, timeout=180, interval=1.0, what="all escalations published"
    )
    ce_ids = Counter(ce_id for ce_id, _ in escalations)
    assert set(ce_ids.values()) == {1}, f"republished: {[i for i, n in ce_ids.items() if n > 1][:5]}"
    per_threshold = Counter(
        (m.ticket_id, m.cycle, m.target_name, m.threshold_percent) for _, m in escalations
    )
    expected = {(t, 1, "response", p) for t in breached for p in THRESHOLDS}
    assert set(per_threshold) == expected, "a threshold is missing or unexpected"
    assert set(per_threshold.values()) == {1}, "a threshold was escalated twice"
    for _, message in escalations:
        assert message.role == ROLES[message.threshold_percent]
        assert (message.policy, message.policy_version) == ("TEST-FAST", 1)
        assert message.calendar_version
        assert message.escalated_at.ToDatetime() >= message.due_at.ToDatetime()

    async def all_breaches_published():
        records = await helpers.read_topic(bootstrap_servers, "sla.sla-breached.v1")
        mine = []
        for record, message in helpers.messages(records, sla_events.SlaBreached):
            if message.ticket_id in breached:
                mine.append((helpers.headers_of(record)["ce_id"], message))
        return mine if len({m.ticket_id for _, m in mine}) == BURST else None

    published = await helpers.eventually(all_breaches_published, timeout=180, interval=1.0, what="all published")
    ce_ids = Counter(ce_id for ce_id, _ in published)
    assert len(ce_ids) == BURST
    assert set(ce_ids.values()) == {1}, f"republished: {[i for i, n in ce_ids.items() if n > 1][:5]}"
    for _, message in published:
        assert message.target_name == "response"
        assert message.lateness.ToTimedelta() == (
            message.breached_at.ToDatetime() - message.due_at.ToDatetime()
        )


async def test_deleted_deadline_index_comes_back_with_the_same_pending_deadlines(system, helpers, issuer):
    sla = system["sla"]
    prefix = helpers.unique("deadline-rebuild")
    ticket_ids = await open_tickets(system["intake"].grpc_address, prefix, events.PRIORITY_P4, 5, issuer)

    async def indexed():
        rows = await asyncio.to_thread(pending_in_index, sla.data_dir, ticket_ids)
        return rows if len(rows) == len(ticket_ids) else None

    before = await helpers.eventually(indexed, what="deadlines indexed")
    assert await asyncio.to_thread(sla.stop) == 0, "SIGTERM must shut down cleanly"
    index_files = sorted(sla.data_dir.glob("sla-deadlines.sqlite*"))
    assert index_files, "the index has its own file"
    for path in index_files:
        path.unlink()
    await asyncio.to_thread(sla.start().wait_serving)

    after = await helpers.eventually(indexed, what="deadlines rebuilt")
    assert after == before
