"""Crash safety: SIGKILL a service mid-burst; afterwards every submission exists exactly once.

Exactly-once effect comes from tracking positions stored with the events (consumers) and
from the relay resuming after the last record it finds on each partition (producers).
"""

from __future__ import annotations

import asyncio
import urllib.request
from collections import Counter

import grpc
from prometheus_client.parser import text_string_to_metric_families

from servicehub.certification.v1 import certification_pb2
from servicehub.events.v1 import certification_pb2 as certification_events
from servicehub.events.v1 import intake_pb2 as events
from servicehub.intake.v1 import intake_pb2, intake_pb2_grpc

BURST = 500
# The relay's burst spans several of the consumer's and the relay's batches (500 records
# each), so the relay publishes it in steps a kill can land between. One batch's worth could
# be recorded and published whole between two looks at the metric.
RELAY_BURST = 6 * 500
RETRYABLE = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED}


def requests_for(partner: str, count: int = BURST) -> list[intake_pb2.SubmitApplicationRequest]:
    return [
        intake_pb2.SubmitApplicationRequest(
            idempotency_key=f"{partner}-{i}",
            partner_id=partner,
            partner_name=f"Partner {partner}",
            corporate_email=f"ops@{partner}.example",
            evidence=[events.Evidence(criterion="service-system.ops-tools", document_uri="doc://tools")],
        )
        for i in range(count)
    ]


def metric(port: int, name: str, **labels: str) -> float:
    """A counter's value from a service's /metrics (0 when not yet reported)."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total


async def submit_all(address: str, requests, issuer) -> list[str]:
    """Submits over gRPC like a well-behaved integrator: retry with the same key until answered."""
    semaphore = asyncio.Semaphore(16)
    token = issuer.interceptor("integrator-system")
    async with grpc.aio.insecure_channel(address, interceptors=[token]) as channel:
        stub = intake_pb2_grpc.IntakeServiceStub(channel)

        async def submit(request) -> str:
            async with semaphore:
                for _ in range(600):
                    try:
                        return (await stub.SubmitApplication(request, timeout=5)).application_id
                    except grpc.aio.AioRpcError as error:
                        if error.code() not in RETRYABLE:
                            raise
                        await asyncio.sleep(0.1)
                raise AssertionError(f"{request.idempotency_key} never accepted")

        return list(await asyncio.gather(*(submit(r) for r in requests)))


async def wait_for_metric(port: int, name: str, at_least: float, **labels: str) -> float:
    for _ in range(600):
        value = await asyncio.to_thread(metric, port, name, **labels)
        if value >= at_least:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError(f"{name}{labels} never reached {at_least}")


async def registered_in_certification(clients, partner: str) -> list:
    applications, token = [], ""
    while True:
        response = await clients["certification"].ListApplications(
            certification_pb2.ListApplicationsRequest(page_size=1000, page_token=token), timeout=10
        )
        applications += [a for a in response.applications if a.partner_id == partner]
        token = response.next_page_token
        if not token:
            return applications


async def wait_until_all_registered(clients, helpers, partner: str, count: int = BURST) -> list:
    async def all_registered():
        found = await registered_in_certification(clients, partner)
        return found if len(found) >= count else None

    return await helpers.eventually(all_registered, timeout=180, interval=1.0, what=f"{count} registered")


def count_ce_ids(records, helpers, message_type, partner: str) -> Counter:
    counts: Counter = Counter()
    for record in records:
        if helpers.headers_of(record).get("content-type") != "application/protobuf":
            continue  # other tests' JSON records on the same topic: not from this burst
        message = message_type()
        message.ParseFromString(record.value)
        if message.partner_id == partner:
            counts[helpers.headers_of(record)["ce_id"]] += 1
    return counts


async def test_certification_killed_mid_burst(system, clients, helpers, bootstrap_servers, issuer):
    certification = system["certification"]
    partner = helpers.unique("crash-cert")
    processed = dict(topic="intake.application-submitted.v1", outcome="processed")
    baseline = metric(certification.metrics_port, "servicehub_messages_total", **processed)

    burst = asyncio.create_task(submit_all(system["intake"].grpc_address, requests_for(partner), issuer))
    at_kill = await wait_for_metric(
        certification.metrics_port, "servicehub_messages_total", baseline + 20, **processed
    )
    certification.kill()
    try:
        assert at_kill - baseline < BURST, "the kill must land while the burst is in flight"
    finally:  # the tests after this one need certification, and the burst ends either way
        await asyncio.to_thread(certification.start().wait_serving)
        application_ids = await burst

    registered = await wait_until_all_registered(clients, helpers, partner)
    assert sorted(a.application_id for a in registered) == sorted(set(application_ids))
    assert len(registered) == BURST

    # The read model and the relay follow the event log each at its own pace: wait for the
    # relay's last event. It publishes in log order, so a re-publication after the restart
    # would be on the topic before it.
    async def all_published():
        records = await helpers.read_topic(bootstrap_servers, "certification.application-registered.v1")
        counts = count_ce_ids(records, helpers, certification_events.ApplicationRegistered, partner)
        return counts if len(counts) >= BURST else None

    ce_ids = await helpers.eventually(all_published, timeout=180, interval=1.0, what=f"{BURST} published")
    assert len(ce_ids) == BURST
    assert set(ce_ids.values()) == {1}, f"republished: {[i for i, n in ce_ids.items() if n > 1][:5]}"


async def test_intake_relay_killed_mid_burst(system, clients, helpers, producer, bootstrap_servers):
    intake = system["intake"]
    partner = helpers.unique("crash-relay")
    baseline = metric(
        intake.metrics_port, "servicehub_relay_published_total", topic="intake.application-submitted.v1"
    )
    for request in requests_for(partner, RELAY_BURST):
        await producer.send(
            "intake.application-requests.v1",
            request.SerializeToString(),
            key=request.idempotency_key.encode(),
            headers=[
                ("ce_specversion", b"1.0"),
                ("ce_id", request.idempotency_key.encode()),
                ("ce_type", b"servicehub.intake.v1.SubmitApplicationRequest"),
                ("ce_source", b"/erp"),
                ("content-type", b"application/protobuf"),
            ],
        )
    await producer.flush()
    at_kill = await wait_for_metric(
        intake.metrics_port,
        "servicehub_relay_published_total",
        baseline + 20,
        topic="intake.application-submitted.v1",
    )
    intake.kill()
    try:
        assert at_kill - baseline < RELAY_BURST, "the kill must land while the relay is publishing"
    finally:  # the tests after this one need intake
        await asyncio.to_thread(intake.start().wait_serving)

    registered = await wait_until_all_registered(clients, helpers, partner, RELAY_BURST)
    assert len({a.application_id for a in registered}) == len(registered) == RELAY_BURST
    published = await helpers.read_topic(bootstrap_servers, "intake.application-submitted.v1")
    ce_ids = count_ce_ids(published, helpers, events.ApplicationSubmitted, partner)
    assert len(ce_ids) == RELAY_BURST
    assert set(ce_ids.values()) == {1}, f"republished: {[i for i, n in ce_ids.items() if n > 1][:5]}"
