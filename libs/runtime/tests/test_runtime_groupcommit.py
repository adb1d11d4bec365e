"""GroupCommit: concurrent commands share one transaction, each caller gets its own outcome."""

from __future__ import annotations

import asyncio
import threading
from typing import Any
from uuid import NAMESPACE_URL, uuid5

import pytest
from eventsourcing.application import AggregateNotFoundError

from servicehub_runtime.groupcommit import GroupCommit

from .conftest import Note


@pytest.fixture
def transactions(app, monkeypatch) -> list[Any]:
    """Every insert into the store, as its stored events."""
    inserts: list[Any] = []
    insert_events = app.recorder.insert_events

    def counting(stored_events: Any, **kwargs: Any) -> Any:
        inserts.append(list(stored_events))
        return insert_events(stored_events, **kwargs)

    monkeypatch.setattr(app.recorder, "insert_events", counting)
    return inserts


def note_id(key: str):
    return uuid5(NAMESPACE_URL, key)


def write_once(app: Any, key: str) -> str:
    """A create-once command, as intake's: "created", or "duplicate" if the note exists."""
    try:
        app.repository.get(note_id(key))
        return "duplicate"
    except AggregateNotFoundError:
        app.record(Note(id=note_id(key), text=key))
        return "created"


def texts(app: Any) -> list[str]:
    return sorted(app.repository.get(n.originator_id).text for n in app.recorder.select_notifications(start=1, limit=100))


async def test_concurrent_commands_share_one_transaction_and_are_durable_when_answered(
    app, open_app, transactions
) -> None:
    commits = GroupCommit(app)
    results = await asyncio.gather(*(commits.run(lambda k=k: write_once(app, k)) for k in "abcdefgh"))

    assert results == ["created"] * 8
    assert [len(t) for t in transactions] == [8]
    assert texts(open_app()) == list("abcdefgh"), "durable: another connection reads them"


async def test_a_failing_command_gets_its_error_and_leaves_nothing_the_others_are_recorded(
    app, transactions
) -> None:
    def write_then_fail() -> None:
        app.record(Note(id=note_id("x"), text="x"))
        raise ValueError("refused after recording")

    commits = GroupCommit(app)
    results = await asyncio.gather(
        commits.run(lambda: write_once(app, "a")),
        commits.run(write_then_fail),
        commits.run(lambda: write_once(app, "b")),
        return_exceptions=True,
    )

    assert results[0] == "created" and results[2] == "created"
    assert isinstance(results[1], ValueError)
    assert texts(app) == ["a", "b"]
    assert len(transactions) == 1


async def test_conflicting_commands_in_one_group_each_get_the_outcome_they_would_alone(
    app, transactions
) -> None:
    commits = GroupCommit(app)
    results = await asyncio.gather(
        commits.run(lambda: write_once(app, "same")),
        commits.run(lambda: write_once(app, "other")),
        commits.run(lambda: write_once(app, "same")),
    )

    assert results == ["created", "created", "duplicate"]
    assert texts(app) == ["other", "same"]


async def test_a_group_holds_at_most_max_commands(app, transactions) -> None:
    commits = GroupCommit(app, max_commands=2)
    await asyncio.gather(*(commits.run(lambda k=k: write_once(app, k)) for k in "abcde"))

    assert [len(t) for t in transactions] == [2, 2, 1]
    assert texts(app) == list("abcde")


async def test_callers_still_waiting_when_the_writer_is_cancelled_are_cancelled_too(app) -> None:
    started, release = threading.Event(), threading.Event()

    def blocking() -> None:
        started.set()
        release.wait()

    commits = GroupCommit(app)
    first = asyncio.ensure_future(commits.run(blocking))
    await asyncio.to_thread(started.wait)  # the writer is inside the first group
    second = asyncio.ensure_future(commits.run(lambda: write_once(app, "late")))
    await asyncio.sleep(0)
    commits._writer.cancel()  # as at shutdown
    try:
        results = await asyncio.gather(first, second, return_exceptions=True)
    finally:
        release.set()
    assert all(isinstance(r, asyncio.CancelledError) for r in results)


async def test_a_group_reads_what_its_commands_name_in_one_query(app, monkeypatch) -> None:
    app.record(Note(id=note_id("a"), text="a"))
    queries: list[Any] = []
    select_events_of = app.recorder._select_events_of
    monkeypatch.setattr(
        app.recorder, "_select_events_of", lambda ids: queries.append(ids) or select_events_of(ids)
    )
    commits = GroupCommit(app)

    results = await asyncio.gather(
        *(commits.run(lambda k=k: write_once(app, k), reads=[note_id(k)]) for k in "abc")
    )

    assert results == ["duplicate", "created", "created"]
    assert queries == [[note_id(k) for k in "abc"]]
    assert texts(app) == list("abc")


async def test_commands_conflicting_over_a_preloaded_aggregate_each_get_the_outcome_they_would_alone(
    app,
) -> None:
    commits = GroupCommit(app)
    results = await asyncio.gather(
        *(commits.run(lambda: write_once(app, "same"), reads=[note_id("same")]) for _ in range(3))
    )

    assert sorted(results) == ["created", "duplicate", "duplicate"]
    assert texts(app) == ["same"]
