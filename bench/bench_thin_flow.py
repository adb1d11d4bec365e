"""End-to-end throughput of the thin flow on a real broker (a benchmark, not a test).

Starts Kafka and the four services in a temp folder, submits N applications to intake over
gRPC (16 in flight), and measures how fast intake accepts them and how long until
certification has registered every one. Usage: `uv run python bench/bench_thin_flow.py [N]`.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
import uuid
from pathlib import Path

import grpc

from servicehub.certification.v1 import certification_pb2, certification_pb2_grpc
from servicehub.events.v1.intake_pb2 import Evidence
from servicehub.intake.v1 import intake_pb2, intake_pb2_grpc
from servicehub_localinfra import kafka_bootstrap
from servicehub_localinfra.services import System
from servicehub_localinfra.tokens import TokenIssuer

IN_FLIGHT = 16
# Authentication on, as in production: the bench calls as an integrator system.
ISSUER = TokenIssuer()


async def submit(address: str, count: int, partner: str) -> float:
    semaphore = asyncio.Semaphore(IN_FLIGHT)
    async with grpc.aio.insecure_channel(
        address, interceptors=[ISSUER.interceptor("integrator-system")]
    ) as channel:
        intake = intake_pb2_grpc.IntakeServiceStub(channel)

        async def one(i: int) -> None:
            async with semaphore:
                await intake.SubmitApplication(
                    intake_pb2.SubmitApplicationRequest(
                        idempotency_key=f"{partner}-{i}",
                        partner_id=partner,
                        partner_name="Bench Partner",
                        corporate_email="ops@bench.example",
                        evidence=[Evidence(criterion="c", document_uri="d")],
                    ),
                    timeout=30,
                )

        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(count)))
        return time.perf_counter() - started


async def registered(address: str, partner: str) -> int:
    async with grpc.aio.insecure_channel(
        address, interceptors=[ISSUER.interceptor("integrator-system")]
    ) as channel:
        certification = certification_pb2_grpc.CertificationServiceStub(channel)
        count, token = 0, ""
        while True:
            page = await certification.ListApplications(
                certification_pb2.ListApplicationsRequest(page_size=1000, page_token=token), timeout=30
            )
            count += sum(a.partner_id == partner for a in page.applications)
            token = page.next_page_token
            if not token:
                return count


async def measure(system: System, count: int) -> None:
    partner = f"bench-{uuid.uuid4().hex[:8]}"
    started = time.perf_counter()
    submitting = await submit(system["intake"].grpc_address, count, partner)
    while await registered(system["certification"].grpc_address, partner) < count:
        await asyncio.sleep(0.2)
    end_to_end = time.perf_counter() - started
    print(f"intake accepted {count} submissions in {submitting:.2f}s: {count / submitting:.0f}/s")
    print(f"all {count} registered in certification after {end_to_end:.2f}s: {count / end_to_end:.0f}/s end to end")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    with tempfile.TemporaryDirectory(prefix="servicehub-bench-") as folder, kafka_bootstrap() as bootstrap:
        with System(
            bootstrap_servers=bootstrap, data_dir=Path(folder), extra_env=ISSUER.env(Path(folder))
        ) as system:
            asyncio.run(measure(system, 100))  # warm-up: connections, consumer groups, caches
            asyncio.run(measure(system, count))


if __name__ == "__main__":
    main()
