"""Every gRPC method of the four services fed generated requests: messages built by hypothesis
from the protobuf descriptors (any field values, bounds broken or kept, ids that exist or
not) and random bytes, through real GrpcServers with authentication on, each service on its
own SQLite event store.

Each answer must be a deliberate status — never INTERNAL or UNKNOWN (a crash) — and a call
that is refused must not have written anything to its service's store.

`make test` runs FUZZ_CASES=300; `make fuzz` runs FUZZ_CASES=100000 and prints the count.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from fuzzcases import messages
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from servicehub.billing.v1 import billing_pb2, billing_pb2_grpc
from servicehub.certification.v1 import certification_pb2, certification_pb2_grpc
from servicehub.intake.v1 import intake_pb2, intake_pb2_grpc
from servicehub.sla.v1 import sla_pb2, sla_pb2_grpc
from servicehub_billing.api import BillingApi
from servicehub_billing.application import Billing
from servicehub_billing.projections import IssuedDocuments
from servicehub_businesstime import BusinessCalendar
from servicehub_certification.api import CertificationApi
from servicehub_certification.application import Certification
from servicehub_certification.projections import ApplicationList, CertifiedProviders
from servicehub_intake.api import IntakeApi
from servicehub_intake.application import Intake
from servicehub_localinfra.tokens import TokenIssuer
from servicehub_runtime.auth import Authentication, Gate
from servicehub_runtime.grpcserver import GrpcServer, GrpcService
from servicehub_runtime.projection import Projection
from servicehub_sla.api import SlaApi
from servicehub_sla.application import Sla
from servicehub_sla.policy import PolicyBook
from servicehub_sla.projections import Availability, AvailabilityView, TargetsView, TicketQueries

CASES = int(os.environ.get("FUZZ_CASES", "300"))
CRASHES = {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN}
ISSUER = TokenIssuer()
# Ids some generated requests reuse, so calls reach records that exist.
PARTNER, CUSTOMER = "partner-fuzz", "customer-fuzz"

# ---------------------------------------------------------------------------- the services


class Services:
    """The four APIs on real GrpcServers in a background event loop, with their stores."""

    def __init__(self, directory: Path) -> None:
        calendar = BusinessCalendar.load()

        def env(name: str) -> dict[str, str]:
            return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(directory / f"{name}.sqlite")}

        self.intake = Intake(env=env("intake"))
        self.sla = Sla(env=env("sla"), calendar=calendar, policies=PolicyBook.load())
        self.certification = Certification(env=env("certification"), calendar=calendar)
        self.billing = Billing(env=env("billing"), calendar=calendar)
        self.projections = [
            Projection(self.certification, ApplicationList(), directory / "views.sqlite"),
            Projection(self.certification, CertifiedProviders(), directory / "providers.sqlite"),
            Projection(self.sla, AvailabilityView(), directory / "sla-availability.sqlite"),
            Projection(self.sla, TargetsView(), directory / "sla-targets.sqlite"),
            Projection(self.billing, IssuedDocuments(), directory / "billing-views.sqlite"),
        ]
        availability, targets, billing_documents = self.projections[2:]
        self.services = {
            "intake": (GrpcService(
                intake_pb2.DESCRIPTOR.services_by_name["IntakeService"], IntakeApi(self.intake),
                intake_pb2_grpc.add_IntakeServiceServicer_to_server), self.intake),
            "sla": (GrpcService(
                sla_pb2.DESCRIPTOR.services_by_name["SlaService"], SlaApi(
                    self.sla, lambda: _now(), Availability(availability, self.sla.get_record),
                    TicketQueries(targets, self.sla),
                ),
                sla_pb2_grpc.add_SlaServiceServicer_to_server), self.sla),
            "certification": (GrpcService(
                certification_pb2.DESCRIPTOR.services_by_name["CertificationService"],
                CertificationApi(self.certification, *self.projections[:2]),
                certification_pb2_grpc.add_CertificationServiceServicer_to_server), self.certification),
            "billing": (GrpcService(
                billing_pb2.DESCRIPTOR.services_by_name["BillingService"], BillingApi(self.billing, billing_documents),
                billing_pb2_grpc.add_BillingServiceServicer_to_server), self.billing),
        }
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        authentication = Authentication.from_jwks(ISSUER.jwks(), issuer=ISSUER.issuer, audience=ISSUER.audience)

        async def start(service: GrpcService) -> GrpcServer:  # grpc.aio needs the server's loop
            server = GrpcServer("127.0.0.1", 0, [service], gate=Gate(authentication, [service.descriptor]))
            await server.start()
            return server

        self.servers = {
            name: asyncio.run_coroutine_threadsafe(start(service), self.loop).result()
            for name, (service, _) in self.services.items()
        }
        self.channels = {name: grpc.insecure_channel(s.address) for name, s in self.servers.items()}

    def close(self) -> None:
        for channel in self.channels.values():
            channel.close()
        for server in self.servers.values():
            asyncio.run_coroutine_threadsafe(server.stop(grace=0), self.loop).result()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        for projection in self.projections:
            projection.close()
        for _, application in self.services.values():
            application.close()


def _now():
    from datetime import UTC, datetime

    return datetime.now(UTC)


@pytest.fixture(scope="module")
def services(tmp_path_factory) -> Iterator[Services]:
    running = Services(tmp_path_factory.mktemp("fuzz"))
    yield running
    running.close()


def calls(services: Services) -> st.SearchStrategy[tuple[str, str, bytes, tuple]]:
    """(service, method path, request body, metadata)."""
    known = st.sampled_from([PARTNER, CUSTOMER, "00000000-0000-0000-0000-000000000000"])
    tokens = st.sampled_from([
        ISSUER.token(*ROLES, subject="fuzz", partner_id=PARTNER, customer_id=CUSTOMER, lifetime_seconds=86400),
        ISSUER.token(*STAFF, subject="fuzz-staff", lifetime_seconds=86400),
    ])
    options = []
    for name, (service, _) in services.services.items():
        for method in service.descriptor.methods:
            path = f"/{service.descriptor.full_name}/{method.name}"
            body = st.one_of(
                messages(method.input_type, known).map(lambda m: m.SerializeToString()),
                st.binary(max_size=200),
            )
            options.append(st.tuples(st.just(name), st.just(path), body, tokens))
    return st.one_of(options).map(lambda c: (c[0], c[1], c[2], (("authorization", f"Bearer {c[3]}"),)))


ROLES = ("partner", "customer", "reviewer", "expert", "sig-secretary", "community-operator", "operator",
         "integrator-system")
STAFF = ROLES[2:]


def test_no_generated_request_crashes_a_service_or_writes_when_refused(services: Services) -> None:
    answered: dict[str, int] = {}

    @settings(max_examples=CASES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(calls(services))
    def one(call) -> None:
        service, path, body, metadata = call
        application = services.services[service][1]
        before = application.recorder.max_notification_id() or 0
        try:
            services.channels[service].unary_unary(path)(body, metadata=metadata, timeout=30)
            code = grpc.StatusCode.OK
        except grpc.RpcError as error:
            code = error.code()
            assert code not in CRASHES, f"{path}: {code.name} {error.details()}"
            after = application.recorder.max_notification_id() or 0
            assert after == before, f"{path}: refused with {code.name} but wrote {after - before} event(s)"
        answered[code.name] = answered.get(code.name, 0) + 1

    one()
    total = sum(answered.values())
    print(f"\nfuzz: {total} gRPC cases, 0 failures; answers {dict(sorted(answered.items()))}")
    assert total >= CASES * 0.9  # hypothesis ran (nearly) every case asked for
