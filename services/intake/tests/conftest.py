"""Shared fixtures for intake's tests: an Intake on a SQLite file with a fixed clock, and
valid requests to vary (tests cannot import each other under --import-mode=importlib)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from servicehub.events.v1 import intake_pb2 as events
from servicehub.intake.v1 import intake_pb2 as pb
from servicehub_intake.application import Intake

# 09:30 in Beijing: a fixed, non-UTC instant, so time-zone handling shows.
FIXED_NOW = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=8)))


@pytest.fixture
def fixed_now() -> datetime:
    return FIXED_NOW


@pytest.fixture
def open_intake(tmp_path: Path) -> Iterator[Callable[[], Intake]]:
    """Opens Intakes on one SQLite file (a second one simulates a restart)."""
    opened: list[Intake] = []

    def open_() -> Intake:
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(tmp_path / "intake.sqlite"),
        }
        opened.append(Intake(env=env, clock=lambda: FIXED_NOW))
        return opened[-1]

    yield open_
    for intake in opened:
        intake.close()


@pytest.fixture
def intake(open_intake) -> Intake:
    return open_intake()


@pytest.fixture
def application_request() -> Callable[..., pb.SubmitApplicationRequest]:
    def make(**overrides) -> pb.SubmitApplicationRequest:
        fields = dict(
            idempotency_key="app-key-1",
            partner_id="partner-7",
            partner_name="Acme Cloud Services",
            corporate_email="cert@acme-cloud.example",
            evidence=[
                events.Evidence(
                    criterion="service-content.migration",
                    summary="12 migrations in 2025",
                    document_uri="https://docs.acme-cloud.example/migrations.pdf",
                )
            ],
        )
        fields.update(overrides)
        return pb.SubmitApplicationRequest(**fields)

    return make


@pytest.fixture
def ticket_request() -> Callable[..., pb.OpenTicketRequest]:
    def make(**overrides) -> pb.OpenTicketRequest:
        fields = dict(
            idempotency_key="ticket-key-1",
            customer_id="customer-3",
            priority=events.PRIORITY_P1,
            summary="Database failover did not complete",
            service_plan="7x24",
        )
        fields.update(overrides)
        return pb.OpenTicketRequest(**fields)

    return make


@pytest.fixture
def order_request() -> Callable[..., pb.OrderServiceRequest]:
    def make(**overrides) -> pb.OrderServiceRequest:
        fields = dict(
            idempotency_key="order-key-1",
            customer_id="customer-3",
            service_code="cloud-escort",
            package="premium",
            contract_signed_on="2026-02-27",
        )
        fields.update(overrides)
        return pb.OrderServiceRequest(**fields)

    return make
