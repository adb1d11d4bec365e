from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from servicehub_businesstime import BusinessCalendar
from servicehub_sla.application import Sla
from servicehub_sla.policy import ResponsePolicy


@pytest.fixture(scope="session")
def calendar() -> BusinessCalendar:
    return BusinessCalendar.load()


@pytest.fixture
def open_sla(tmp_path: Path, calendar: BusinessCalendar) -> Iterator[Callable[[], Sla]]:
    """Opens (another) Sla application on the same SQLite file; all closed at the end."""
    opened: list[Sla] = []
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "sla.sqlite")}

    def open_() -> Sla:
        opened.append(Sla(env=env, calendar=calendar, policy=ResponsePolicy.load()))
        return opened[-1]

    yield open_
    for application in opened:
        application.close()


@pytest.fixture
def sla(open_sla: Callable[[], Sla]) -> Sla:
    return open_sla()
