"""Answers kept while their aggregate is unchanged, and point reads, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from uuid import uuid4

import psycopg
import pytest
from eventsourcing.application import AggregateNotFoundError

from servicehub_runtime.answers import Answers
from servicehub_runtime.eventstore import LOOP_CONNECTIONS_NAME, TracedEventApplication


@pytest.fixture
async def answers_of(app):
    """Answers of the `app` fixture's notes; closes the connections the test's event loop
    opened, as a service does when it stops."""

    def answers_of_(kept_bytes: int = 1000):
        loaded = []

        def load(note_id):
            loaded.append(note_id)
            return app.repository.get(note_id)

        answers = Answers(app, load, lambda note: {"text": note.text}, lambda answer: len(answer["text"]), kept_bytes)
        return answers, loaded

    yield answers_of_
    await app.close_loop_connections()


async def test_an_unchanged_aggregate_is_answered_without_loading_it_again(app, new_note, answers_of) -> None:
    note = new_note("first")
    app.record(note)
    answers, loaded = answers_of()
    answer = await answers.get(note.id)
    assert await answers.get(note.id) is answer == {"text": "first"}
    assert loaded == [note.id]


async def test_a_changed_aggregate_is_answered_as_it_is_now(app, new_note, answers_of) -> None:
    note = new_note("first")
    app.record(note)
    answers, loaded = answers_of()
    await answers.get(note.id)
    again = app.repository.get(note.id)
    again.edit("second")
    app.record(again)  # e.g. by a consumer: the next query sees it
    assert await answers.get(note.id) == {"text": "second"}
    assert await answers.get(note.id) == {"text": "second"}
    assert loaded == [note.id, note.id]


async def test_an_unknown_aggregate_raises_what_load_raises(answers_of) -> None:
    answers, _ = answers_of()
    with pytest.raises(AggregateNotFoundError):
        await answers.get(uuid4())


async def test_answers_are_kept_up_to_their_weight_the_oldest_dropped_first(app, new_note, answers_of) -> None:
    notes = [new_note(f"note {i}") for i in range(3)]  # 6 bytes each
    big = new_note("x" * 13)
    app.record(*notes, big)
    answers, loaded = answers_of(kept_bytes=12)
    for note in notes:
        await answers.get(note.id)
    await answers.get(notes[2].id)
    await answers.get(notes[0].id)  # dropped for notes[2]: loaded again
    await answers.get(big.id)
    await answers.get(big.id)  # over the whole weight: never kept
    assert loaded == [notes[0].id, notes[1].id, notes[2].id, notes[0].id, big.id, big.id]


async def test_a_point_read_leaves_the_event_loop_only_on_postgresql(app, store_env) -> None:
    reader = await app.point_read(threading.get_ident)
    assert (reader == threading.get_ident()) is (store_env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite")


async def test_an_event_another_process_records_is_in_the_next_answer(app, open_app, new_note, answers_of) -> None:
    note = new_note("first")
    app.record(note)
    answers, loaded = answers_of()
    assert await answers.get(note.id) == {"text": "first"}
    other = open_app()  # another instance of the service on the same store
    again = other.repository.get(note.id)
    again.edit("second")
    other.record(again)
    assert await answers.get(note.id) == {"text": "second"}
    assert loaded == [note.id, note.id]


def loop_connections(server) -> set[int]:
    """The backends of latest-version connections (a closed one may linger a moment)."""
    with psycopg.connect(server.dsn, autocommit=True) as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s", (LOOP_CONNECTIONS_NAME,)
        ).fetchall()
    return {pid for (pid,) in rows}


class PostgresNotes(TracedEventApplication):
    name = "notes"


@pytest.fixture
def postgres_app(postgres):
    schema = f"notes_{uuid4().hex[:12]}"
    with psycopg.connect(postgres.dsn, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    application = PostgresNotes(env={"PERSISTENCE_MODULE": "eventsourcing.postgres", **postgres.env, "POSTGRES_SCHEMA": schema})
    yield application
    application.close()


async def test_on_postgresql_the_latest_version_is_asked_on_a_connection_opened_at_the_first_query(
    postgres, postgres_app, new_note
) -> None:
    note = new_note("first")
    postgres_app.record(note)
    before = loop_connections(postgres)
    try:
        assert await postgres_app.latest_version(note.id) == 1
        assert await postgres_app.latest_version(uuid4()) is None
        assert len(loop_connections(postgres) - before) == 1
    finally:
        await postgres_app.close_loop_connections()


async def test_on_postgresql_a_lost_connection_is_opened_again_for_the_same_query(postgres, postgres_app, new_note) -> None:
    note = new_note("first")
    postgres_app.record(note)
    before = loop_connections(postgres)
    try:
        assert await postgres_app.latest_version(note.id) == 1
        (lost,) = loop_connections(postgres) - before
        with psycopg.connect(postgres.dsn, autocommit=True) as connection:
            connection.execute("SELECT pg_terminate_backend(%s, 5000)", (lost,))  # waits for it
        again = postgres_app.repository.get(note.id)
        again.edit("second")
        postgres_app.record(again)
        assert await postgres_app.latest_version(note.id) == 2
        assert lost not in loop_connections(postgres)
    finally:
        await postgres_app.close_loop_connections()
