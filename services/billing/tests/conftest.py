from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from servicehub_billing.api import BillingApi
from servicehub_billing.application import Billing
from servicehub_billing.catalogue import Catalogue, load_catalogue
from servicehub_billing.projections import IssuedDocuments
from servicehub_businesstime import BusinessCalendar
from servicehub_runtime import auth
from servicehub_runtime.projection import Projection
from servicehub_runtime.wallclock import Clock

# What the injected clock reads: delays recorded in tests carry this instant.
NOW = datetime(2026, 10, 2, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def calendar() -> BusinessCalendar:
    return BusinessCalendar.load()


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture
def open_billing(
    tmp_path: Path, calendar: BusinessCalendar, catalogue: Catalogue
) -> Iterator[Callable[[], Billing]]:
    """Opens (another) Billing application on the same SQLite file; all closed at the end."""
    opened: list[Billing] = []
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(tmp_path / "billing.sqlite"),
    }

    def open_(clock: Clock = lambda: NOW) -> Billing:
        opened.append(Billing(env=env, calendar=calendar, catalogue=catalogue, clock=clock))
        return opened[-1]

    yield open_
    for application in opened:
        application.close()


@pytest.fixture
def billing(open_billing: Callable[[], Billing]) -> Billing:
    return open_billing()


@pytest.fixture(autouse=True)
def staff_caller() -> Iterator[auth.Caller]:
    """API handlers called directly (not over gRPC) run as an operator; a test acting as a
    customer sets its own with `auth.acting_as`."""
    with auth.acting_as(auth.Caller("u-operator", "operator", None)) as caller:
        yield caller



@pytest.fixture
def documents(billing: Billing, tmp_path: Path) -> Iterator[Projection]:
    """The read model the list queries page through (catch_up() brings it up to date)."""
    projection = Projection(billing, IssuedDocuments(), tmp_path / "billing-views.sqlite")
    yield projection
    projection.close()


@pytest.fixture
def api(billing: Billing, documents: Projection) -> BillingApi:
    return BillingApi(billing, documents)
