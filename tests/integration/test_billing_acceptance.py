"""Deemed acceptance on the real system: billing is SIGKILLed while acceptance windows fire
and restarted; every deliverable is accepted once — one MilestoneAccepted per project by
ce_id — and invoiced once, with numbers unique.

Time is driven by the submission instant, not by a test-only window: each deliverable is
recorded as handed over 30 days ago (SubmitDeliverable.submitted_at), so its 5-working-day
window has ended and its deadline falls due as soon as it is scheduled.
"""

from __future__ import annotations

import asyncio
import urllib.request
from collections import Counter
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from prometheus_client.parser import text_string_to_metric_families

from servicehub.billing.v1 import billing_pb2 as pb
from servicehub.billing.v1 import billing_pb2_grpc
from servicehub.events.v1 import billing_pb2 as billing_events
from servicehub.events.v1 import intake_pb2 as events

BURST = 150
FIRED = "servicehub_deadlines_fired_total"
WINDOW_FIRED = {"kind": "acceptance-window", "outcome": "recorded"}
UNAVAILABLE = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED}
CE_TYPE = "servicehub.events.v1.ServiceOrdered"


def metric(port: int, name: str, **labels: str) -> float:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
    )


async def wait_for_metric(port: int, name: str, at_least: float, **labels: str) -> float:
    for _ in range(2400):
        value = await asyncio.to_thread(metric, port, name, **labels)
        if value >= at_least:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError(f"{name}{labels} never reached {at_least}")


def timestamp(at: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(at)
    return stamp


async def order_projects(producer, helpers, customer: str, count: int, ordered_at: datetime) -> list[str]:
    ids = [str(uuid4()) for _ in range(count)]
    for order_id in ids:
        message = events.ServiceOrdered(
            order_id=order_id,
            customer_id=customer,
            service_code="realtime-compute-tuning",
            package="standard",
            contract_signed_on=ordered_at.date().isoformat(),
            ordered_at=timestamp(ordered_at),
        )
        headers = [
            ("ce_specversion", b"1.0"),
            ("ce_id", helpers.unique("order").encode()),
            ("ce_source", b"/test/orders"),
            ("ce_type", CE_TYPE.encode()),
            ("content-type", b"application/protobuf"),
        ]
        await producer.send_and_wait(
            "intake.service-ordered.v1", message.SerializeToString(), key=order_id.encode(), headers=headers
        )
    return ids


async def submit_all(address: str, project_ids: list[str], submitted_at: datetime) -> None:
    """Submits every project's final deliverable, riding out the kill: a call that fails
    UNAVAILABLE is sent again; FAILED_PRECONDITION then means the first one was recorded."""
    semaphore = asyncio.Semaphore(8)
    async with grpc.aio.insecure_channel(address) as channel:
        stub = billing_pb2_grpc.BillingServiceStub(channel)

        async def submit(project_id: str) -> None:
            request = pb.SubmitDeliverableRequest(
                project_id=project_id, deliverable="trial-run", submitted_at=timestamp(submitted_at)
            )
            async with semaphore:
                for _ in range(1200):
                    try:
                        await stub.SubmitDeliverable(request, timeout=5)
                        return
                    except grpc.aio.AioRpcError as error:
                        if error.code() == grpc.StatusCode.FAILED_PRECONDITION:
                            return
                        if error.code() not in UNAVAILABLE:
                            raise
                        await asyncio.sleep(0.1)
                raise AssertionError(f"{project_id} never submitted")

        await asyncio.gather(*(submit(p) for p in project_ids))


async def test_billing_killed_while_windows_end_accepts_and_invoices_each_deliverable_once(
    system, clients, helpers, producer, bootstrap_servers
):
    billing = system["billing"]
    customer = helpers.unique("deemed")
    now = datetime.now(UTC)
    project_ids = await order_projects(producer, helpers, customer, BURST, now - timedelta(days=40))

    async def all_registered():
        for project_id in project_ids:
            try:
                await clients["billing"].GetProject(pb.GetProjectRequest(project_id=project_id), timeout=5)
            except grpc.aio.AioRpcError as error:
                if error.code() == grpc.StatusCode.NOT_FOUND:
                    return False
                raise
        return True

    await helpers.eventually(all_registered, timeout=120, interval=0.5, what="all orders registered")
    baseline = metric(billing.metrics_port, FIRED, **WINDOW_FIRED)

    submitting = asyncio.create_task(submit_all(billing.grpc_address, project_ids, now - timedelta(days=30)))
    at_kill = await wait_for_metric(billing.metrics_port, FIRED, baseline + 10, **WINDOW_FIRED)
    billing.kill()
    assert at_kill - baseline < BURST, "the kill must land while the windows are firing"
    await asyncio.to_thread(billing.start().wait_serving)
    await submitting

    async def all_invoiced():
        projects = []
        for project_id in project_ids:
            request = pb.GetProjectRequest(project_id=project_id)
            project = (await clients["billing"].GetProject(request, timeout=5)).project
            if not project.invoice_id:
                return None
            projects.append(project)
        return projects

    projects = await helpers.eventually(all_invoiced, timeout=180, interval=1.0, what="all invoiced")
    for project in projects:
        (trial_run,) = [d for d in project.deliverables if d.code == "trial-run"]
        assert trial_run.state == pb.ACCEPTANCE_STATE_ACCEPTED
        assert trial_run.deemed
        assert trial_run.accepted_at == trial_run.window_end

    async def published(topic: str, message_type, key: str) -> list:
        records = await helpers.read_topic(bootstrap_servers, topic)
        mine = []
        for record in records:
            message = message_type.FromString(record.value)
            if getattr(message, key) in project_ids:
                mine.append((helpers.headers_of(record)["ce_id"], message))
        return mine

    async def all_accepted():
        found = await published("billing.milestone-accepted.v1", billing_events.MilestoneAccepted, "project_id")
        return found if len({m.project_id for _, m in found}) == BURST else None

    accepted = await helpers.eventually(all_accepted, timeout=180, interval=1.0, what="all accepted published")
    assert set(Counter(ce_id for ce_id, _ in accepted).values()) == {1}, "a MilestoneAccepted published twice"
    assert len(accepted) == BURST, "a deliverable accepted twice"

    async def all_issued():
        found = await published("billing.invoice-issued.v1", billing_events.InvoiceIssued, "project_id")
        return found if len({m.project_id for _, m in found}) == BURST else None

    issued = await helpers.eventually(all_issued, timeout=180, interval=1.0, what="all invoices published")
    assert len(issued) == BURST, "a project invoiced twice"
    assert len({m.number for _, m in issued}) == BURST, "an invoice number used twice"
    assert {m.total for _, m in issued} == {"60000.00"}
    invoice_ids = {m.invoice_id for _, m in issued}
    assert invoice_ids == {p.invoice_id for p in projects}
