from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime
from importlib import resources
from pathlib import Path
from uuid import UUID

import grpc
import pytest

from servicehub.sla.v1 import sla_pb2, sla_pb2_grpc
from servicehub_businesstime import SHANGHAI, BusinessCalendar
from servicehub_localinfra.tokens import TokenIssuer
from servicehub_runtime import auth
from servicehub_runtime.auth import Authentication, Gate
from servicehub_runtime.deadlines import DeadlineScheduler
from servicehub_runtime.grpcserver import GrpcServer, GrpcService
from servicehub_runtime.wallclock import ManualClock
from servicehub_sla.api import SlaApi
from servicehub_sla.application import Sla
from servicehub_sla.domain import THRESHOLD_DEADLINE, Ticket
from servicehub_sla.policy import PolicyBook


@pytest.fixture(scope="session")
def calendar() -> BusinessCalendar:
    return BusinessCalendar.load()


def shipped_policies(tmp_path: Path, *changes: tuple[str, str]) -> PolicyBook:
    """The shipped policy file with a few changes, each made once (old, new)."""
    text = resources.files("servicehub_sla").joinpath("policies.toml").read_text()
    for old, new in changes:
        assert old in text
        text = text.replace(old, new, 1)
    path = tmp_path / f"policies-{abs(hash(changes))}.toml"
    path.write_text(text)
    return PolicyBook.load(path)


@pytest.fixture
def policies_on(tmp_path: Path) -> Callable[[str], PolicyBook]:
    """The shipped policies with SPT-001 on another clock (e.g. 5x8)."""
    return lambda clock: shipped_policies(tmp_path, ('clock = "7x24"', f'clock = "{clock}"'))


@pytest.fixture
def stress_customer(tmp_path: Path) -> tuple[str, PolicyBook]:
    """A customer on seed 002's STRESS-002 policy, and the policies saying so."""
    return "stress-co", shipped_policies(tmp_path, ("customers = []", 'customers = ["stress-co"]'))


@pytest.fixture
def open_sla(tmp_path: Path, calendar: BusinessCalendar) -> Iterator[Callable[..., Sla]]:
    """Opens (another) Sla application on the same SQLite file; all closed at the end."""
    opened: list[Sla] = []
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "sla.sqlite")}

    def open_(policies: PolicyBook | None = None, **settings: str) -> Sla:
        opened.append(Sla(env=env | settings, calendar=calendar, policies=policies or PolicyBook.load()))
        return opened[-1]

    yield open_
    for application in opened:
        application.close()


@pytest.fixture
def sla(open_sla: Callable[..., Sla]) -> Sla:
    return open_sla()


def at(text: str) -> datetime:
    """'2026-09-25 17:59' (or with seconds) in Beijing time."""
    pattern = "%Y-%m-%d %H:%M:%S" if text.count(":") == 2 else "%Y-%m-%d %H:%M"
    return datetime.strptime(text, pattern).replace(tzinfo=SHANGHAI)


def shown(instant: datetime | None) -> str | None:
    """An instant as Beijing wall time with the weekday, as the tests write them."""
    return None if instant is None else instant.astimezone(SHANGHAI).strftime("%a %Y-%m-%d %H:%M:%S")


class Harness:
    """An Sla application with its deadline scheduler on a manual clock."""

    def __init__(self, sla: Sla, index: Path, start: datetime) -> None:
        self.sla = sla
        self.clock = ManualClock(start)
        self.scheduler = DeadlineScheduler(sla, index, {THRESHOLD_DEADLINE: sla.escalate}, self.clock)

    def run_until(self, instant: datetime) -> None:
        """Moves the clock to `instant`, stopping at every due deadline to fire it on time."""
        while True:
            self.scheduler.catch_up()
            pending = self.scheduler.pending()
            if not pending or pending[0][1].due > instant:
                break
            due = max(pending[0][1].due, self.clock())
            self.clock.advance(due - self.clock())
            self.scheduler.fire_due()
        self.clock.advance(instant - self.clock())
        self.scheduler.fire_due()

    def events(self, ticket_id: UUID, kind: type) -> list:
        return [
            event
            for event in self.sla.repository.event_store.get(ticket_id)
            if isinstance(event, kind)
        ]

    def escalations(self, ticket_id: UUID) -> list[tuple[str, int, str, str | None, str | None]]:
        """(target, percent, role, due, fired) of every escalation, in Beijing time."""
        return [
            (e.target, e.threshold_percent, e.role, shown(e.due_at), shown(e.escalated_at))
            for e in self.events(ticket_id, Ticket.Escalated)
        ]


@pytest.fixture
def harness(open_sla, tmp_path: Path) -> Iterator[Callable[..., Harness]]:
    made: list[Harness] = []

    def make(start: datetime, policies: PolicyBook | None = None, **settings: str) -> Harness:
        made.append(Harness(open_sla(policies, **settings), tmp_path / f"deadlines-{len(made)}.sqlite", start))
        return made[-1]

    yield make
    for harness_ in made:
        harness_.scheduler.close()


@pytest.fixture(name="at")
def at_fixture() -> Callable[[str], datetime]:
    return at


@pytest.fixture(name="shown")
def shown_fixture() -> Callable[[datetime | None], str | None]:
    return shown


@pytest.fixture(autouse=True)
def staff_caller() -> Iterator[auth.Caller]:
    """API handlers called directly (not over gRPC) run as an operator; a test acting as a
    customer sets its own with `auth.acting_as`."""
    with auth.acting_as(auth.Caller("u-operator", "operator", None)) as caller:
        yield caller



ISSUER = TokenIssuer()
SERVICE = sla_pb2.DESCRIPTOR.services_by_name["SlaService"]


@contextlib.asynccontextmanager
async def served(api: SlaApi) -> AsyncIterator[sla_pb2_grpc.SlaServiceStub]:
    """sla's API on a real gRPC server with token checks (ISSUER's tokens), and a channel to it."""
    server = GrpcServer(
        "127.0.0.1", 0, [GrpcService(SERVICE, api, sla_pb2_grpc.add_SlaServiceServicer_to_server)],
        gate=Gate(Authentication.from_jwks(ISSUER.jwks(), issuer=ISSUER.issuer, audience=ISSUER.audience),
                  [SERVICE]),
    )
    await server.start()
    try:
        async with grpc.aio.insecure_channel(server.address) as channel:
            yield sla_pb2_grpc.SlaServiceStub(channel)
    finally:
        await server.stop(grace=0)
