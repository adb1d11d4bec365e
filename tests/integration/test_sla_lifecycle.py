"""A ticket's lifecycle on the real system: updates arrive as CloudEvents on
sla.ticket-updates.v1 and over gRPC, each applied once; one that makes no sense in the
ticket's state is a dead letter with the reason, or FAILED_PRECONDITION naming the state."""

from __future__ import annotations

from datetime import UTC, datetime

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from servicehub.events.v1 import intake_pb2 as events
from servicehub.intake.v1 import intake_pb2
from servicehub.sla.v1 import sla_pb2

TOPIC = "sla.ticket-updates.v1"
CE_TYPE = b"servicehub.sla.v1.UpdateTicketRequest"


def update(ticket_id: str, update_id: str, kind: int, **fields) -> sla_pb2.UpdateTicketRequest:
    occurred_at = Timestamp()
    occurred_at.FromDatetime(datetime.now(UTC))
    return sla_pb2.UpdateTicketRequest(
        update_id=update_id, ticket_id=ticket_id, kind=kind, occurred_at=occurred_at, **fields
    )


async def publish(producer, request: sla_pb2.UpdateTicketRequest, ce_id: str) -> None:
    await producer.send_and_wait(
        TOPIC,
        request.SerializeToString(),
        key=request.ticket_id.encode(),  # one ticket's updates in order on one partition
        headers=[
            ("ce_specversion", b"1.0"), ("ce_id", ce_id.encode()), ("ce_type", CE_TYPE),
            ("ce_source", b"/tests"), ("content-type", b"application/protobuf"),
        ],
    )


async def test_updates_from_the_topic_and_grpc_run_the_ticket_through_its_lifecycle(
    clients, helpers, producer, bootstrap_servers
):
    opened = await clients["intake"].OpenTicket(
        intake_pb2.OpenTicketRequest(
            idempotency_key=helpers.unique("lifecycle"), customer_id="cust-life",
            priority=events.PRIORITY_P4, summary="slow reports", service_plan="7x24",
        ),
        timeout=5,
    )
    ticket_id = opened.ticket_id

    async def registered():
        try:
            return (await clients["sla"].GetTicket(sla_pb2.GetTicketRequest(ticket_id=ticket_id), timeout=5)).ticket
        except grpc.aio.AioRpcError as error:
            if error.code() != grpc.StatusCode.NOT_FOUND:
                raise
            return None

    await helpers.eventually(registered, what="ticket registered in sla")

    responded = update(ticket_id, helpers.unique("u"), sla_pb2.UPDATE_KIND_FIRST_RESPONSE)
    await publish(producer, responded, helpers.unique("ce"))
    await publish(producer, responded, helpers.unique("ce"))  # the same update again
    wrong = helpers.unique("wrong")
    await publish(producer, update(ticket_id, helpers.unique("u"), sla_pb2.UPDATE_KIND_SOLUTION_GIVEN), wrong)
    await publish(
        producer, update(ticket_id, helpers.unique("u"), sla_pb2.UPDATE_KIND_PROBLEM_CONFIRMED),
        helpers.unique("ce"),
    )

    async def confirmed():
        ticket = await registered()
        return ticket if ticket.state == "confirmed" else None

    ticket = await helpers.eventually(confirmed, what="problem confirmed")
    assert [h.what for h in ticket.history] == ["opened", "first-response", "problem-confirmed"]
    response, resolution = ticket.targets
    assert response.HasField("stopped_at") and not resolution.HasField("stopped_at")
    assert resolution.HasField("due_at")

    async def dead_lettered():
        records = await helpers.read_topic(bootstrap_servers, "sla.dead-letter.v1")
        found = [r for r in records if helpers.headers_of(r).get("ce_id") == wrong]
        return found or None

    [letter] = await helpers.eventually(dead_lettered, what="wrong update dead-lettered")
    assert helpers.headers_of(letter)["dlq_reason"].endswith(
        "solution-given is not possible: the ticket is responded"
    )

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await clients["sla"].UpdateTicket(
            update(ticket_id, helpers.unique("u"), sla_pb2.UPDATE_KIND_FIRST_RESPONSE), timeout=5
        )
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert refused.value.details() == "first-response is not possible: the ticket is confirmed"

    waiting = update(ticket_id, helpers.unique("u"), sla_pb2.UPDATE_KIND_WAITING_FOR_CUSTOMER, reason="logs")
    first = await clients["sla"].UpdateTicket(waiting, timeout=5)
    again = await clients["sla"].UpdateTicket(waiting, timeout=5)
    assert (first.duplicate, again.duplicate) == (False, True)
    assert again.ticket.waiting_reason == "logs"
    assert not again.ticket.targets[1].HasField("due_at")  # paused before it runs out
