"""Shared fixtures for certification's tests: the application on a SQLite file with a fixed
clock, its ApplicationList projection, eligible partners, and valid ApplicationSubmitted
events to vary."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID, uuid4

import grpc
import pytest

from servicehub.certification.v1 import certification_pb2 as pb
from servicehub.certification.v1 import certification_pb2_grpc
from servicehub.events.v1.intake_pb2 import ApplicationSubmitted, Evidence
from servicehub_businesstime import BusinessCalendar
from servicehub_certification.api import CertificationApi
from servicehub_certification.application import Certification
from servicehub_certification.certificates import EXPIRY, RECERTIFICATION_WINDOW
from servicehub_certification.domain import CLARIFICATION_DEADLINE
from servicehub_certification.domain import Evidence as DomainEvidence
from servicehub_certification.projections import ApplicationList, CertifiedProviders, Rescreening
from servicehub_localinfra.tokens import TokenIssuer
from servicehub_runtime import auth
from servicehub_runtime.deadlines import DeadlineScheduler
from servicehub_runtime.grpcserver import GrpcServer, GrpcService
from servicehub_runtime.projection import Projection
from servicehub_runtime.wallclock import ManualClock

ISSUER = TokenIssuer()
# The stub's calls carry a token with every role, as partner-7 (whose applications the tests
# register): each method acts in the first role it admits. A test needing another caller
# sends its own `metadata=ISSUER.metadata(...)`.
EVERY_ROLE = (
    "partner", "customer", "reviewer", "expert", "sig-secretary", "community-operator",
    "operator", "integrator-system",
)
SUBMITTED_AT = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
VALID_CREDIT_CODE = "91310115MA1K4Q7B4Y"  # check characters worked in test_rules_social_credit_code
ENTERPRISE = dict(
    company_name="Acme Cloud Services Co., Ltd.",
    business_licence_document="https://docs.acme-cloud.example/licence.pdf",
    unified_social_credit_code=VALID_CREDIT_CODE,
    corporate_email="cert@acme-cloud.example",
)


@pytest.fixture
def submitted_at() -> datetime:
    return SUBMITTED_AT


@pytest.fixture(scope="session")
def calendar() -> BusinessCalendar:
    return BusinessCalendar.load()


@pytest.fixture
def clock() -> ManualClock:
    """The service's clock, standing at NOW until a test moves it."""
    return ManualClock(NOW)


@pytest.fixture
def open_certification(tmp_path: Path, calendar, clock) -> Iterator[Callable[[], Certification]]:
    """Opens (another) Certification on the same SQLite file; all closed at the end."""
    opened: list[Certification] = []
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(tmp_path / "certification.sqlite"),
    }

    def open_() -> Certification:
        opened.append(Certification(env=env, calendar=calendar, clock=clock))
        return opened[-1]

    yield open_
    for application in opened:
        application.close()


@pytest.fixture
def certification(open_certification) -> Certification:
    return open_certification()


@pytest.fixture
def scheduler(certification: Certification, tmp_path: Path, clock: ManualClock) -> Iterator[DeadlineScheduler]:
    deadlines = DeadlineScheduler(
        certification,
        tmp_path / "deadlines.sqlite",
        {
            CLARIFICATION_DEADLINE: certification.flag_clarification_overdue,
            RECERTIFICATION_WINDOW: certification.open_recertification_window,
            EXPIRY: certification.expire_certificate,
        },
        clock,
    )
    yield deadlines
    deadlines.close()


@pytest.fixture
def view_path(tmp_path: Path) -> Path:
    return tmp_path / "certification-views.sqlite"


@pytest.fixture(autouse=True)
def staff_caller() -> Iterator[auth.Caller]:
    """API handlers called directly (not over gRPC) run as an operator."""
    with auth.acting_as(auth.Caller("u-operator", "operator", None)) as caller:
        yield caller


@pytest.fixture
def application_list(certification, view_path) -> Iterator[Projection]:
    projection = Projection(certification, ApplicationList(), view_path)
    yield projection
    projection.close()


@pytest.fixture
def providers(certification, tmp_path: Path) -> Iterator[Projection]:
    projection = Projection(certification, CertifiedProviders(), tmp_path / "certification-providers.sqlite")
    yield projection
    projection.close()


@pytest.fixture
def rescreening(certification, tmp_path: Path) -> Iterator[Rescreening]:
    """Re-screens held applications on each catch_up() (the service runs it in the background)."""
    projection = Rescreening(certification, tmp_path / "certification-rescreening.sqlite")
    yield projection
    projection.close()


@pytest.fixture
async def stub(certification, application_list, providers):
    """A client of certification's API on a real gRPC server (127.0.0.1)."""
    server = GrpcServer(
        "127.0.0.1",
        0,
        [
            GrpcService(
                pb.DESCRIPTOR.services_by_name["CertificationService"],
                CertificationApi(certification, application_list, providers),
                certification_pb2_grpc.add_CertificationServiceServicer_to_server,
            )
        ],
        gate=auth.Gate(
            auth.Authentication.from_jwks(
                ISSUER.jwks(), issuer=ISSUER.issuer, audience=ISSUER.audience
            ),
            [pb.DESCRIPTOR.services_by_name["CertificationService"]],
        ),
    )
    await server.start()
    token = ISSUER.interceptor(*EVERY_ROLE, subject="u-tester", partner_id="partner-7", customer_id="c-1")
    try:
        async with grpc.aio.insecure_channel(server.address, interceptors=[token]) as channel:
            yield certification_pb2_grpc.CertificationServiceStub(channel)
    finally:
        await server.stop(grace=0)


@pytest.fixture
def make_eligible(certification) -> Callable[..., None]:
    """Takes a partner through steps 1–2 with valid information, directly."""

    def make(partner_id: str = "partner-7") -> None:
        certification.register_partner(partner_id, "Acme Cloud Services", ("acme-cloud.example",))
        certification.sign_cla(partner_id, "2.0")
        certification.submit_enterprise_information(partner_id, **ENTERPRISE)

    return make


@pytest.fixture
def register(certification) -> Callable[..., UUID]:
    """Registers an application directly through the application service."""

    def register_(application_id: UUID | None = None, partner_id: str = "partner-7", **kwargs) -> UUID:
        application_id = application_id or uuid4()
        certification.register_application(
            application_id=application_id,
            partner_id=partner_id,
            partner_name=kwargs.get("partner_name", "Acme Cloud Services"),
            corporate_email="cert@acme-cloud.example",
            evidence=(
                DomainEvidence("service-content.migration", "12 migrations", "https://docs/1"),
                DomainEvidence("staff.certified-engineers", "8 engineers", "https://docs/2"),
            ),
            submitted_at=SUBMITTED_AT,
            position=kwargs.get("position"),
        )
        return application_id

    return register_


@pytest.fixture
def submitted() -> Callable[..., ApplicationSubmitted]:
    def make(**overrides) -> ApplicationSubmitted:
        fields = dict(
            application_id=str(uuid4()),
            partner_id="partner-7",
            partner_name="Acme Cloud Services",
            corporate_email="cert@acme-cloud.example",
            evidence=[
                Evidence(criterion="service-content.migration", summary="12", document_uri="https://docs/1")
            ],
        )
        fields.update(overrides)
        message = ApplicationSubmitted(**fields)
        if "submitted_at" not in overrides:
            message.submitted_at.FromDatetime(SUBMITTED_AT)
        return message

    return make
