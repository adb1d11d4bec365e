"""Billing on the real system. Deemed acceptance: billing is SIGKILLed while acceptance
windows fire and restarted; every deliverable is accepted once — one MilestoneAccepted per
project by ce_id — and invoiced once, with numbers unique. SLA credits: a real breach,
redelivered, is one credit line.

Time is driven by the submission instant, not by a test-only window: each deliverable is
recorded as handed over on a fixed day in the past (SubmitDeliverable.submitted_at), so its
5-working-day window has ended and its deadline falls due as soon as it is scheduled.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime
from uuid import uuid4

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from servicehub.billing.v1 import billing_pb2 as pb
from servicehub.billing.v1 import billing_pb2_grpc
from servicehub.events.v1 import billing_pb2 as billing_events
from servicehub.events.v1 import intake_pb2 as events
from servicehub.events.v1 import sla_pb2 as sla_events
from servicehub.intake.v1 import intake_pb2

BURST = 150
FIRED = "servicehub_deadlines_fired_total"
WINDOW_FIRED = {"kind": "acceptance-window", "outcome": "recorded"}
UNAVAILABLE = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED}
CE_TYPE = "servicehub.events.v1.ServiceOrdered"
# Fixed instants in the past, so no test depends on today's date (a window opened late in
# December would end past the calendar's data): handed over Tue 2026-09-29 15:00 Beijing, the
# 5-working-day window ended 2026-10-13 00:00, so its deadline falls due at once.
ORDERED_AT = datetime(2026, 9, 1, 2, 0, tzinfo=UTC)
HANDED_OVER_AT = datetime(2026, 9, 29, 7, 0, tzinfo=UTC)


def timestamp(at: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(at)
    return stamp


async def order_projects(
    producer, helpers, customer: str, count: int, ordered_at: datetime,
    service_code: str = "realtime-compute-tuning", package: str = "standard",
) -> list[str]:
    ids = [str(uuid4()) for _ in range(count)]
    for order_id in ids:
        message = events.ServiceOrdered(
            order_id=order_id,
            customer_id=customer,
            service_code=service_code,
            package=package,
            contract_signed_on=ordered_at.date().isoformat(),
            ordered_at=timestamp(ordered_at),
        )
        await producer.send_and_wait(
            "intake.service-ordered.v1", message.SerializeToString(), key=order_id.encode(),
            headers=ce_headers(helpers, CE_TYPE),
        )
    return ids


async def submit_all(
    addresses: list[str], project_ids: list[str], submitted_at: datetime, issuer
) -> None:
    """Submits every project's final deliverable, the projects shared round-robin among the
    instances at `addresses`, riding out the kill: a call that fails UNAVAILABLE is sent again
    (to the next instance); FAILED_PRECONDITION then means the first one was recorded."""
    semaphore = asyncio.Semaphore(8)
    token = issuer.interceptor("operator")
    channels = [grpc.aio.insecure_channel(address, interceptors=[token]) for address in addresses]
    stubs = [billing_pb2_grpc.BillingServiceStub(channel) for channel in channels]

    async def submit(project_id: str, first: int) -> None:
        request = pb.SubmitDeliverableRequest(
            project_id=project_id, deliverable="trial-run", submitted_at=timestamp(submitted_at)
        )
        async with semaphore:
            for attempt in range(1200):
                try:
                    await stubs[(first + attempt) % len(stubs)].SubmitDeliverable(request, timeout=5)
                    return
                except grpc.aio.AioRpcError as error:
                    if error.code() == grpc.StatusCode.FAILED_PRECONDITION:
                        return
                    if error.code() not in UNAVAILABLE:
                        raise
                    await asyncio.sleep(0.1)
            raise AssertionError(f"{project_id} never submitted")

    try:
        await asyncio.gather(*(submit(p, i) for i, p in enumerate(project_ids)))
    finally:
        for channel in channels:
            await channel.close()


async def test_billing_killed_while_windows_end_accepts_and_invoices_each_deliverable_once(
    system, clients, helpers, producer, bootstrap_servers, issuer
):
    billing = system["billing"]
    customer = helpers.unique("deemed")
    project_ids = await order_projects(producer, helpers, customer, BURST, ORDERED_AT)

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
    baseline = helpers.metric(billing.metrics_port, FIRED, **WINDOW_FIRED)

    submitting = asyncio.create_task(submit_all([billing.grpc_address], project_ids, HANDED_OVER_AT, issuer))
    at_kill = await helpers.wait_for_metric(billing.metrics_port, FIRED, baseline + 10, **WINDOW_FIRED)
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


async def test_two_billings_the_leader_killed_while_windows_end_invoice_each_once_numbered_without_gaps(
    system, helpers, producer, bootstrap_servers, postgres, issuer, calendar_override, tmp_path
):
    """A second billing instance on the same PostgreSQL schema: the deliverables are submitted
    to both, both fire every acceptance window (the second firing of each records nothing),
    both issue invoices from the one gapless series, and the leader is SIGKILLed meanwhile."""
    first = system["billing"]
    second = helpers.postgres_replica(
        "billing", bootstrap_servers=bootstrap_servers, postgres=postgres, auth=issuer.env(tmp_path),
        data_dir=tmp_path / "twin", BUSINESS_CALENDAR_OVERRIDE=str(calendar_override),
    )
    try:
        await asyncio.to_thread(second.start().wait_serving)
        leaders = [helpers.metric(p.metrics_port, "servicehub_relay_leader") for p in (first, second)]
        assert leaders == [1, 0], "the instance that was running relays; the new one stands by"
        customer = helpers.unique("two-billings")
        project_ids = await order_projects(producer, helpers, customer, BURST, ORDERED_AT)
        token = issuer.interceptor("operator")
        async with grpc.aio.insecure_channel(second.grpc_address, interceptors=[token]) as channel:
            billing = billing_pb2_grpc.BillingServiceStub(channel)

            async def all_registered():
                for project_id in project_ids:
                    try:
                        await billing.GetProject(pb.GetProjectRequest(project_id=project_id), timeout=5)
                    except grpc.aio.AioRpcError as error:
                        if error.code() == grpc.StatusCode.NOT_FOUND:
                            return False
                        raise
                return True

            await helpers.eventually(all_registered, timeout=120, interval=0.5, what="all orders registered")
            baseline = [helpers.metric(p.metrics_port, FIRED, **WINDOW_FIRED) for p in (first, second)]
            submitting = asyncio.create_task(
                submit_all([first.grpc_address, second.grpc_address], project_ids, HANDED_OVER_AT, issuer)
            )
            at_kill = await helpers.wait_for_metric(first.metrics_port, FIRED, baseline[0] + 10, **WINDOW_FIRED)
            fired_by_second = helpers.metric(second.metrics_port, FIRED, **WINDOW_FIRED) - baseline[1]
            first.kill()
            assert at_kill - baseline[0] + fired_by_second < BURST, "the kill must land while windows fire"
            await helpers.until(
                lambda: helpers.metric(second.metrics_port, "servicehub_relay_leader") == 1, "the standby leading"
            )
            await submitting

            async def all_invoiced():
                projects = []
                for project_id in project_ids:
                    request = pb.GetProjectRequest(project_id=project_id)
                    project = (await billing.GetProject(request, timeout=5)).project
                    if not project.invoice_id:
                        return None
                    projects.append(project)
                return projects

            projects = await helpers.eventually(all_invoiced, timeout=180, interval=1.0, what="all invoiced")
        assert all(
            d.state == pb.ACCEPTANCE_STATE_ACCEPTED and d.deemed
            for p in projects for d in p.deliverables if d.code == "trial-run"
        )

        async def published(topic: str, message_type, expected: int) -> list:
            async def mine():
                records = await helpers.read_topic(bootstrap_servers, topic)
                found = [
                    (helpers.headers_of(record)["ce_id"], message)
                    for record, message in helpers.messages(records, message_type)
                    if message.project_id in project_ids
                ]
                return found if len({m.project_id for _, m in found}) >= expected else None

            return await helpers.eventually(mine, timeout=180, interval=1.0, what=f"all on {topic}")

        accepted = await published("billing.milestone-accepted.v1", billing_events.MilestoneAccepted, BURST)
        assert len(accepted) == len({ce_id for ce_id, _ in accepted}) == BURST, "accepted or published twice"
        issued = await published("billing.invoice-issued.v1", billing_events.InvoiceIssued, BURST)
        assert len(issued) == len({ce_id for ce_id, _ in issued}) == BURST, "invoiced or published twice"
        assert {m.invoice_id for _, m in issued} == {p.invoice_id for p in projects}

        # Every invoice of the session: each series-year's numbers run 1..n, each used once.
        every = helpers.messages(
            await helpers.read_topic(bootstrap_servers, "billing.invoice-issued.v1"), billing_events.InvoiceIssued
        )
        numbers = {message.invoice_id: message.number for _, message in every}
        by_series: dict[str, list[int]] = {}
        for number in numbers.values():
            series, sequence = number.rsplit("-", 1)
            by_series.setdefault(series, []).append(int(sequence))
        for series, sequences in by_series.items():
            assert sorted(sequences) == list(range(1, len(sequences) + 1)), f"{series}: gap or number used twice"
        outcomes = {o: helpers.metric(second.metrics_port, FIRED, kind="acceptance-window", outcome=o)
                    for o in ("recorded", "already_recorded", "failed")}
        print(f"\nacceptance windows fired on the survivor: {outcomes}")

        # Put the system back: the restarted instance stands by until the second stops.
        await asyncio.to_thread(first.start().wait_serving)
        assert helpers.metric(first.metrics_port, "servicehub_relay_leader") == 0
    finally:
        second.stop()
    await helpers.until(lambda: helpers.metric(first.metrics_port, "servicehub_relay_leader") == 1, "the lead handed back")


async def test_an_sla_breach_redelivered_is_one_credit_line_on_the_customers_next_invoice(
    system, clients, helpers, producer, bootstrap_servers
):
    """A P0 ticket breaches for real (sla's 15 s test target); its SlaBreached record is then
    sent again verbatim, followed on the same partition by a marker breach of a second ticket.
    Invoices are issued until the marker's credit shows up — by then billing has read the
    redelivery — and the first ticket's credit appears on exactly one of them, once."""
    customer = helpers.unique("credited")
    now = datetime.now(UTC)
    # No acceptance window: accepting in writing, now, needs no calendar data for today.
    project_ids = await order_projects(
        producer, helpers, customer, 8, ORDERED_AT, "stability-capacity-planning", "standard"
    )
    opened = await clients["intake"].OpenTicket(
        intake_pb2.OpenTicketRequest(
            idempotency_key=helpers.unique("breach"), customer_id=customer, priority=events.PRIORITY_P0,
            summary="nothing works", service_plan="7x24",
        ),
        timeout=5,
    )

    async def breach_record():
        records = await helpers.read_topic(bootstrap_servers, "sla.sla-breached.v1")
        for record, message in helpers.messages(records, sla_events.SlaBreached):
            if message.ticket_id == opened.ticket_id:
                return record
        return None

    original = await helpers.eventually(breach_record, timeout=120, interval=1.0, what="the ticket breached")
    await producer.send_and_wait(
        "sla.sla-breached.v1", original.value, key=original.key, headers=list(original.headers)
    )
    marker_ticket = str(uuid4())
    marker_opened = events.TicketOpened(
        ticket_id=marker_ticket, customer_id=customer, priority=events.PRIORITY_P4,
        summary="marker", service_plan="7x24", opened_at=timestamp(now),
    )
    await producer.send_and_wait(
        "intake.ticket-opened.v1", marker_opened.SerializeToString(), key=marker_ticket.encode(),
        headers=ce_headers(helpers, "servicehub.events.v1.TicketOpened"),
    )
    marker = sla_events.SlaBreached(
        ticket_id=marker_ticket, priority=events.PRIORITY_P3, target=sla_events.SLA_TARGET_RESPONSE,
        policy="TEST-FAST", due_at=timestamp(now), calendar_version="test", breached_at=timestamp(now),
        target_name="response", policy_version=1, cycle=1,
    )
    await producer.send_and_wait(
        "sla.sla-breached.v1", marker.SerializeToString(), key=original.key,
        headers=ce_headers(helpers, "servicehub.events.v1.SlaBreached"),
    )

    invoices = []
    for project_id in project_ids:
        await submit_and_accept(clients["billing"], helpers, project_id)
        invoice = await invoice_of(clients["billing"], project_id)
        invoices.append(invoice)
        if any(marker_ticket in line.description for line in invoice.lines):
            break
    else:
        raise AssertionError("the marker's credit never reached an invoice")

    credits = [
        line for invoice in invoices for line in invoice.lines if opened.ticket_id in line.description
    ]
    assert [(line.kind, line.amount) for line in credits] == [("sla-credit", "-2000.00")]


def ce_headers(helpers, ce_type: str) -> list[tuple[str, bytes]]:
    return [
        ("ce_specversion", b"1.0"),
        ("ce_id", helpers.unique("test").encode()),
        ("ce_source", b"/test"),
        ("ce_type", ce_type.encode()),
        ("content-type", b"application/protobuf"),
    ]


async def submit_and_accept(billing, helpers, project_id: str) -> None:
    command = dict(project_id=project_id, deliverable="package")

    async def submitted():
        await billing.SubmitDeliverable(pb.SubmitDeliverableRequest(**command), timeout=5)
        return True

    await helpers.eventually(submitted, what=f"{project_id} registered and submitted")
    await billing.AcceptDeliverable(pb.AcceptDeliverableRequest(**command), timeout=5)


async def invoice_of(billing, project_id: str) -> pb.Invoice:
    project = (await billing.GetProject(pb.GetProjectRequest(project_id=project_id), timeout=5)).project
    return (await billing.GetInvoice(pb.GetInvoiceRequest(invoice_id=project.invoice_id), timeout=5)).invoice


async def test_a_start_inside_the_lead_time_reaches_billing_as_a_rejected_project(
    clients, helpers, producer
):
    """The order record carries its own ordered_at, so the outcome does not depend on
    today's date: one too-early start across Spring Festival, one across the end of the
    shipped PRC data (2026-12-31), which the services here run with fixture years past it
    (conftest.weekend_only_calendar: Monday–Friday, 01-01 off). The horizon refusal itself
    is unit-tested (test_billing_domain)."""
    orders = {
        # Thu 2026-02-05 10:00 Beijing; the 10th working day after it is 02-26.
        str(uuid4()): (datetime(2026, 2, 5, 2, 0, tzinfo=UTC), "2026-02-25"),
        # Fri 2026-12-18 10:00 Beijing; 9 working days are left in 2026, the fixture 2027
        # has 01-01 off: the 10th is Mon 2027-01-04.
        str(uuid4()): (datetime(2026, 12, 18, 2, 0, tzinfo=UTC), "2026-12-28"),
    }
    for order_id, (ordered_at, start) in orders.items():
        message = events.ServiceOrdered(
            order_id=order_id, customer_id=helpers.unique("early"), service_code="cloud-escort",
            package="basic", contract_signed_on="2026-09-21", ordered_at=timestamp(ordered_at),
            requested_start_on=start,
        )
        await producer.send_and_wait(
            "intake.service-ordered.v1", message.SerializeToString(), key=order_id.encode(),
            headers=ce_headers(helpers, CE_TYPE),
        )

    async def project_in_billing(order_id: str):
        # NOT_FOUND until billing has read the order: `eventually` asks again.
        request = pb.GetProjectRequest(project_id=order_id)
        return (await clients["billing"].GetProject(request, timeout=5)).project

    projects = [
        await helpers.eventually(lambda o=o: project_in_billing(o), what="project in billing") for o in orders
    ]
    assert [(p.state, p.requested_start_on, p.rejection) for p in projects] == [
        (
            pb.PROJECT_STATE_REJECTED, "2026-02-25",
            "earliest allowed start 2026-02-26: requested 2026-02-25 breaks the lead time of 10 working days",
        ),
        (
            pb.PROJECT_STATE_REJECTED, "2026-12-28",
            "earliest allowed start 2027-01-04: requested 2026-12-28 breaks the lead time of 10 working days",
        ),
    ]


async def test_project_requests_on_the_inbound_topic_are_applied_once_and_refusals_dead_lettered(
    clients, helpers, producer, bootstrap_servers
):
    """An internal system submits and accepts a deliverable on billing.project-requests.v1,
    sends the acceptance again, then raises points it no longer may: one acceptance, one
    invoice, and only the last record dead-lettered, with its reason. (Cloud migration
    consulting has no acceptance window, so nothing here depends on today's date.)"""
    customer = helpers.unique("inbound")
    [project_id] = await order_projects(
        producer, helpers, customer, 1, ORDERED_AT, "cloud-migration", "consulting"
    )
    await helpers.eventually(
        lambda: clients["billing"].GetProject(pb.GetProjectRequest(project_id=project_id), timeout=5),
        what="project registered",
    )
    deliverable = dict(project_id=project_id, deliverable="consulting")
    sent = [
        ("r-submit", pb.ProjectRequest(submit_deliverable=pb.SubmitDeliverableRequest(**deliverable))),
        ("r-accept", pb.ProjectRequest(accept_deliverable=pb.AcceptDeliverableRequest(**deliverable))),
        ("r-accept", pb.ProjectRequest(accept_deliverable=pb.AcceptDeliverableRequest(**deliverable))),
        ("r-points", pb.ProjectRequest(raise_points=pb.RaisePointsRequest(**deliverable, points=["late"]))),
    ]
    ce_ids = []
    for request_id, message in sent:
        message.request_id = f"{customer}-{request_id}"
        headers = ce_headers(helpers, "servicehub.billing.v1.ProjectRequest")
        ce_ids.append(dict(headers)["ce_id"].decode())
        await producer.send_and_wait(
            "billing.project-requests.v1", message.SerializeToString(), key=project_id.encode(), headers=headers
        )

    async def dead_lettered():
        records = await helpers.read_topic(bootstrap_servers, "billing.dead-letter.v1")
        found = {helpers.headers_of(r).get("ce_id"): helpers.headers_of(r)["dlq_reason"] for r in records}
        # The last record of the partition: once it is dead-lettered, the others were handled.
        return {ce_id: found[ce_id] for ce_id in ce_ids if ce_id in found} if ce_ids[-1] in found else None

    assert await helpers.eventually(dead_lettered, what="the refused request dead-lettered") == {
        ce_ids[-1]: "raise_points: deliverable consulting is accepted: cannot raise non-conformance points"
    }
    project = (await clients["billing"].GetProject(pb.GetProjectRequest(project_id=project_id), timeout=5)).project
    [consulting] = project.deliverables
    assert (consulting.state, consulting.deemed) == (pb.ACCEPTANCE_STATE_ACCEPTED, False)
    invoice = (await clients["billing"].GetInvoice(pb.GetInvoiceRequest(invoice_id=consulting.invoice_id), timeout=5)).invoice
    assert invoice.customer_id == customer
    assert [line.kind for line in invoice.lines] == ["package"]


async def test_packages_bought_together_and_quantities_travel_from_intake_to_billing(clients, helpers):
    """Ordered over intake's gRPC: cloud migration consulting with two implementation packs,
    accepted package by package; a database migration of 2.5 TB, invoiced by the started TB.
    Neither service has an acceptance window, so nothing here depends on today's date."""
    customer = helpers.unique("bundle")
    migration = await clients["intake"].OrderService(
        intake_pb2.OrderServiceRequest(
            idempotency_key=helpers.unique("migration"), customer_id=customer, service_code="cloud-migration",
            package="consulting", additional_packages=["implementation-basic", "implementation-basic"],
            contract_signed_on="2026-09-01",
        ),
        timeout=10,
    )
    database = await clients["intake"].OrderService(
        intake_pb2.OrderServiceRequest(
            idempotency_key=helpers.unique("database"), customer_id=customer,
            service_code="database-migration-implementation", package="premium",
            quantities=[events.OrderedQuantity(unit="database-terabytes", amount="2.5")],
            contract_signed_on="2026-09-01",
        ),
        timeout=10,
    )

    async def project(order_id: str):
        return (await clients["billing"].GetProject(pb.GetProjectRequest(project_id=order_id), timeout=5)).project

    bundle = await helpers.eventually(lambda: project(migration.order_id), what="the migration project")
    assert [d.code for d in bundle.deliverables] == ["consulting", "implementation-basic", "implementation-basic-2"]

    await clients["billing"].SubmitDeliverable(
        pb.SubmitDeliverableRequest(project_id=migration.order_id, deliverable="implementation-basic-2"), timeout=5
    )
    accepted = await clients["billing"].AcceptDeliverable(
        pb.AcceptDeliverableRequest(project_id=migration.order_id, deliverable="implementation-basic-2"), timeout=5
    )
    pack = (await clients["billing"].GetInvoice(
        pb.GetInvoiceRequest(invoice_id=accepted.deliverable.invoice_id), timeout=5
    )).invoice
    assert [line.description for line in pack.lines] == ["cloud-migration / implementation-basic (accepted)"]

    migration_of_data = await helpers.eventually(lambda: project(database.order_id), what="the database project")
    assert [(q.unit, q.amount) for q in migration_of_data.quantities] == [("database-terabytes", "2.5")]
    final = migration_of_data.deliverables[-1].code
    await clients["billing"].SubmitDeliverable(
        pb.SubmitDeliverableRequest(project_id=database.order_id, deliverable=final), timeout=5
    )
    accepted = await clients["billing"].AcceptDeliverable(
        pb.AcceptDeliverableRequest(project_id=database.order_id, deliverable=final), timeout=5
    )
    invoice = (await clients["billing"].GetInvoice(
        pb.GetInvoiceRequest(invoice_id=accepted.deliverable.invoice_id), timeout=5
    )).invoice
    assert [(line.kind, line.quantity, line.amount) for line in invoice.lines] == [
        ("package", "1", "150000.00"), ("unit", "2", "10000.00"),
    ]
