"""Shared fixtures for the runtime tests: a tiny event-sourced application.

The event-store fixtures run every test twice: on a SQLite file and on a real PostgreSQL
server (a throw-away cluster, one schema per test, as production gives each service its own).

With --import-mode=importlib tests cannot import each other, so what they share lives
here and reaches them as fixtures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from uuid import UUID, uuid4

import psycopg
import pytest
from eventsourcing.domain import Aggregate, event
from prometheus_client import REGISTRY

from servicehub_localinfra import LocalPostgres
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


@pytest.fixture(scope="session")
def postgres() -> Iterator[LocalPostgres]:
    with LocalPostgres() as server:
        yield server


def postgres_env(server: LocalPostgres, schema: str) -> dict[str, str]:
    return {"PERSISTENCE_MODULE": "eventsourcing.postgres", **server.env, "POSTGRES_SCHEMA": schema}


@pytest.fixture(params=["sqlite", "postgres"])
def store_env(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """Where the application stores its events; every user of it runs on both databases."""
    if request.param == "sqlite":
        return sqlite_env(tmp_path / "notes.sqlite")
    server = request.getfixturevalue("postgres")
    schema = f"notes_{uuid4().hex[:12]}"
    with psycopg.connect(server.dsn, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    return postgres_env(server, schema)


@pytest.fixture
def app(store_env: dict[str, str]) -> Iterator[Notes]:
    application = Notes(env=store_env)
    yield application
    application.close()


@pytest.fixture
def open_app(store_env: dict[str, str]) -> Iterator[Callable[[], Notes]]:
    """Opens further applications on the same store (e.g. to simulate a restart)."""
    opened: list[Notes] = []

    def open_() -> Notes:
        opened.append(Notes(env=store_env))
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
