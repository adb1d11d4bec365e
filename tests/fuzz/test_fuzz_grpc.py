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
from typing import Any

import grpc
import pytest
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from servicehub.billing.v1 import billing_pb2, billing_pb2_grpc
from servicehub.certification.v1 import certification_pb2, certification_pb2_grpc
from servicehub.events.v1 import contract_pb2
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

# ---------------------------------------------------------------------------- strategies

_INTS = {
    FieldDescriptor.TYPE_INT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SINT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SFIXED32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_INT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SINT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_UINT32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_FIXED32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_UINT64: (0, 2**64 - 1),
    FieldDescriptor.TYPE_FIXED64: (0, 2**64 - 1),
}


def _bounds(field: FieldDescriptor) -> contract_pb2.Bounds:
    options = field.GetOptions()
    return options.Extensions[contract_pb2.bounds] if options.HasExtension(contract_pb2.bounds) else contract_pb2.Bounds()


def _scalar(field: FieldDescriptor, known: st.SearchStrategy[str], depth: int) -> st.SearchStrategy[Any]:
    kind = field.type
    if kind in _INTS:
        low, high = _INTS[kind]
        return st.one_of(st.integers(-3, 400), st.integers(low, high))
    if kind == FieldDescriptor.TYPE_BOOL:
        return st.booleans()
    if kind in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        return st.floats(width=32 if kind == FieldDescriptor.TYPE_FLOAT else 64)
    if kind == FieldDescriptor.TYPE_ENUM:
        values = [v.number for v in field.enum_type.values]
        return st.one_of(st.sampled_from(values), st.integers(-(2**31), 2**31 - 1))
    if kind == FieldDescriptor.TYPE_STRING:
        limit = _bounds(field).max_len or 64
        return st.one_of(
            known,
            st.text(max_size=min(limit, 40)),
            st.text(min_size=limit, max_size=limit + 2) if limit <= 300 else st.just("x" * (limit + 1)),
            st.sampled_from(["", " ", "2026-12-01", "1970-01-01", "a@b.example", "\u0000", "../../etc/passwd"]),
        )
    if kind == FieldDescriptor.TYPE_BYTES:
        return st.binary(max_size=64)
    if kind == FieldDescriptor.TYPE_MESSAGE:
        return messages(field.message_type, known, depth + 1)
    raise AssertionError(f"no strategy for {field.full_name}")


def messages(descriptor: Descriptor, known: st.SearchStrategy[str], depth: int = 0) -> st.SearchStrategy[Message]:
    """Messages of `descriptor`: each field left unset or given any value of its type."""
    cls = GetMessageClass(descriptor)
    if descriptor.full_name == "google.protobuf.Timestamp":
        return st.builds(
            lambda seconds, nanos: cls(seconds=seconds, nanos=nanos),
            st.one_of(st.integers(0, 7_258_118_400), st.integers(-(2**40), 2**40)),
            st.one_of(st.integers(0, 999_999_999), st.integers(-(2**31), 2**31 - 1)),
        )
    if depth > 3:
        return st.just(cls())
    fields = {}
    for field in descriptor.fields:
        value = _scalar(field, known, depth)
        if field.is_repeated:
            limit = _bounds(field).max_items or 3
            value = st.lists(value, max_size=min(limit, 3) if depth else min(limit + 1, 4))
        fields[field.name] = st.one_of(st.none(), value)

    def build(values: dict[str, Any]) -> Message:
        message = cls()
        for name, value in values.items():
            if value is None:
                continue
            field = descriptor.fields_by_name[name]
            if field.is_repeated:
                if field.type == FieldDescriptor.TYPE_MESSAGE:
                    for item in value:
                        getattr(message, name).add().CopyFrom(item)
                else:
                    getattr(message, name).extend(value)
            elif field.type == FieldDescriptor.TYPE_MESSAGE:
                getattr(message, name).CopyFrom(value)
            else:
                try:
                    setattr(message, name, value)
                except ValueError:  # a value protobuf itself refuses to hold (e.g. enum range)
                    pass
        return message

    return st.fixed_dictionaries(fields).map(build)


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
