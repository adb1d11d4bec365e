"""Two instances of a service on one PostgreSQL store: both consume, one relays, and when the
relay's owner is SIGKILLed mid-stream the other takes over without losing or repeating an
event. On SQLite a second instance is refused at start-up."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import grpc
import pytest

from servicehub.certification.v1 import certification_pb2, certification_pb2_grpc
from servicehub.events.v1 import certification_pb2 as certification_events
from servicehub.events.v1 import intake_pb2 as events
from servicehub.intake.v1 import intake_pb2, intake_pb2_grpc
from servicehub_localinfra.services import ServiceProcess

BURST = 500
CONSUMED = "intake.application-submitted.v1"
PUBLISHED = "certification.application-registered.v1"
RETRYABLE = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED}


async def submit_all(address: str, requests, issuer) -> list[str]:
    """Submits over gRPC as an integrator would: retries with the same key until answered."""
    semaphore = asyncio.Semaphore(16)
    token = issuer.interceptor("integrator-system")
    async with grpc.aio.insecure_channel(address, interceptors=[token]) as channel:
        stub = intake_pb2_grpc.IntakeServiceStub(channel)

        async def submit(request) -> str:
            async with semaphore:
                while True:
                    try:
                        return (await stub.SubmitApplication(request, timeout=5)).application_id
                    except grpc.aio.AioRpcError as error:
                        if error.code() not in RETRYABLE:
                            raise
                        await asyncio.sleep(0.1)

        return list(await asyncio.gather(*(submit(r) for r in requests)))


async def registered(address: str, issuer, partner: str) -> list:
    """Every application of `partner` in the certification instance's application list."""
    staff = issuer.interceptor("reviewer", subject="u-staff")
    applications, token = [], ""
    async with grpc.aio.insecure_channel(address, interceptors=[staff]) as channel:
        stub = certification_pb2_grpc.CertificationServiceStub(channel)
        while True:
            response = await stub.ListApplications(
                certification_pb2.ListApplicationsRequest(page_size=1000, page_token=token), timeout=10
            )
            applications += [a for a in response.applications if a.partner_id == partner]
            token = response.next_page_token
            if not token:
                return applications


@pytest.fixture
def second_certification(system, bootstrap_servers, postgres, issuer, helpers, tmp_path):
    """Another instance of the system's certification: the same PostgreSQL schema and
    consumer group, its own read-model files and ports."""
    twin = helpers.postgres_replica(
        "certification", bootstrap_servers=bootstrap_servers, postgres=postgres,
        auth=issuer.env(tmp_path), data_dir=tmp_path / "twin",
    )
    yield twin
    twin.stop()


async def test_relay_owner_killed_mid_stream_the_other_instance_takes_over(
    system, second_certification, helpers, bootstrap_servers, issuer
):
    metric, until = helpers.metric, helpers.until
    first, second = system["certification"], second_certification
    await asyncio.to_thread(second.start().wait_serving)
    leaders = [metric(p.metrics_port, "servicehub_relay_leader") for p in (first, second)]
    assert leaders == [1, 0], "the instance that was running keeps relaying; the new one stands by"
    partner = helpers.unique("failover")
    processed = {"topic": CONSUMED, "outcome": "processed"}
    consumed_before = [metric(p.metrics_port, "servicehub_messages_total", **processed) for p in (first, second)]
    published_before = metric(first.metrics_port, "servicehub_relay_published_total", topic=PUBLISHED)
    requests = [
        intake_pb2.SubmitApplicationRequest(
            idempotency_key=f"{partner}-{i}",
            partner_id=partner,
            partner_name=f"Partner {partner}",
            corporate_email=f"ops@{partner}.example",
            evidence=[events.Evidence(criterion="service-system.ops-tools", document_uri="doc://tools")],
        )
        for i in range(BURST)
    ]

    def published_by_first() -> float | None:
        published = metric(first.metrics_port, "servicehub_relay_published_total", topic=PUBLISHED)
        return published if published >= published_before + 20 else None

    burst = asyncio.create_task(submit_all(system["intake"].grpc_address, requests, issuer))
    at_kill = await until(published_by_first, "the leader publishing the burst")
    first.kill()
    killed_at = time.monotonic()
    assert at_kill - published_before < BURST, "the kill must land while the relay is publishing"
    await until(lambda: metric(second.metrics_port, "servicehub_relay_leader") == 1, "the standby leading")
    print(f"\nthe standby took the lead {time.monotonic() - killed_at:.1f} s after the SIGKILL")
    application_ids = await burst

    async def all_registered() -> list | None:
        applications = await registered(second.grpc_address, issuer, partner)
        return applications if len(applications) >= BURST else None

    found = await helpers.eventually(
        all_registered, timeout=180, interval=1.0, what=f"{BURST} applications registered"
    )
    assert sorted(a.application_id for a in found) == sorted(set(application_ids))
    assert len(found) == BURST, "each application registered once"
    consumed_by_second = metric(second.metrics_port, "servicehub_messages_total", **processed) - consumed_before[1]
    assert consumed_by_second > 0, "the partitions are shared: the second instance consumed too"

    records = await helpers.read_topic(bootstrap_servers, PUBLISHED)
    ce_ids: Counter = Counter()
    for record in records:
        if helpers.headers_of(record).get("content-type") != "application/protobuf":
            continue
        message = certification_events.ApplicationRegistered()
        message.ParseFromString(record.value)
        if message.partner_id == partner:
            ce_ids[helpers.headers_of(record)["ce_id"]] += 1
    assert len(ce_ids) == BURST, "every registration is on the topic"
    assert set(ce_ids.values()) == {1}, f"republished: {[i for i, n in ce_ids.items() if n > 1][:5]}"

    # Put the system back as it was: the restarted instance stands by until the second stops.
    await asyncio.to_thread(first.start().wait_serving)
    assert metric(first.metrics_port, "servicehub_relay_leader") == 0
    await asyncio.to_thread(second.stop)
    await until(lambda: metric(first.metrics_port, "servicehub_relay_leader") == 1, "the lead handed back")


def test_a_second_instance_on_a_sqlite_store_stops_naming_the_file(system, bootstrap_servers):
    intake = system["intake"]
    twin = ServiceProcess("intake", bootstrap_servers=bootstrap_servers, data_dir=intake.data_dir)
    twin.log_path = intake.data_dir / "intake-twin.log"
    try:
        with pytest.raises(RuntimeError, match="exited with code 1") as refused:
            twin.start().wait_serving()
    finally:
        twin.stop()
    store = intake.data_dir / "intake.sqlite"
    assert f"another instance already runs on the SQLite event store {store}" in str(refused.value)
    assert intake.is_serving(), "the running instance is untouched"
