from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from servicehub_billing.application import Billing


@pytest.fixture
def open_billing(tmp_path: Path) -> Iterator[Callable[[], Billing]]:
    """Opens (another) Billing application on the same SQLite file; all closed at the end."""
    opened: list[Billing] = []
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(tmp_path / "billing.sqlite"),
    }

    def open_() -> Billing:
        opened.append(Billing(env=env))
        return opened[-1]

    yield open_
    for application in opened:
        application.close()


@pytest.fixture
def billing(open_billing: Callable[[], Billing]) -> Billing:
    return open_billing()
