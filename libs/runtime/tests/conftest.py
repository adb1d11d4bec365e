"""Shared fixtures for the runtime tests: a tiny event-sourced application on a SQLite file.

With --import-mode=importlib tests cannot import each other, so what they share lives
here and reaches them as fixtures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from eventsourcing.domain import Aggregate, event
from prometheus_client import REGISTRY
from servicehub_runtime.eventstore import TracedEventApplication


class Note(Aggregate):
    """A minimal aggregate: written once, edited any number of times."""

    @event("Written")
    def __init__(self, id: UUID, text: str) -> None:
        self.text = text

    @event("Edited")
    def edit(self, text: str) -> None:
        self.text = text


class Notes(TracedEventApplication):
    name = "notes"


def sqlite_env(path: Path) -> dict[str, str]:
    return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)}


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "notes.sqlite"


@pytest.fixture
def app(store_path: Path) -> Iterator[Notes]:
    application = Notes(env=sqlite_env(store_path))
    yield application
    application.close()


@pytest.fixture
def open_app(store_path: Path) -> Iterator[Callable[[], Notes]]:
    """Opens further applications on the same SQLite file (e.g. to simulate a restart)."""
    opened: list[Notes] = []

    def open_() -> Notes:
        opened.append(Notes(env=sqlite_env(store_path)))
        return opened[-1]

    yield open_
    for application in opened:
        application.close()


@pytest.fixture
def new_note() -> Callable[..., Note]:
    def make(text: str = "hello", id: UUID | None = None) -> Note:
        return Note(id=id or uuid4(), text=text)

    return make


@pytest.fixture
def metric() -> Callable[..., float]:
    """Current value of a Prometheus sample (0 when it was never observed)."""

    def value(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    return value
