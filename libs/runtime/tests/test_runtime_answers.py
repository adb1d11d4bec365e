"""Answers kept while their aggregate is unchanged, and point reads, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from uuid import uuid4

import pytest
from eventsourcing.application import AggregateNotFoundError

from servicehub_runtime.answers import Answers


def answers_of(app, kept_bytes: int = 1000):
    loaded = []

    def load(note_id):
        loaded.append(note_id)
        return app.repository.get(note_id)

    return Answers(app, load, lambda note: {"text": note.text}, lambda answer: len(answer["text"]), kept_bytes), loaded


def test_an_unchanged_aggregate_is_answered_without_loading_it_again(app, new_note) -> None:
    note = new_note("first")
    app.record(note)
    answers, loaded = answers_of(app)
    answer = answers.get(note.id)
    assert answers.get(note.id) is answer == {"text": "first"}
    assert loaded == [note.id]


def test_a_changed_aggregate_is_answered_as_it_is_now(app, new_note) -> None:
    note = new_note("first")
    app.record(note)
    answers, loaded = answers_of(app)
    answers.get(note.id)
    again = app.repository.get(note.id)
    again.edit("second")
    app.record(again)  # e.g. by a consumer: the next query sees it
    assert answers.get(note.id) == {"text": "second"}
    assert answers.get(note.id) == {"text": "second"}
    assert loaded == [note.id, note.id]


def test_an_unknown_aggregate_raises_what_load_raises(app) -> None:
    answers, _ = answers_of(app)
    with pytest.raises(AggregateNotFoundError):
        answers.get(uuid4())


def test_answers_are_kept_up_to_their_weight_the_oldest_dropped_first(app, new_note) -> None:
    notes = [new_note(f"note {i}") for i in range(3)]  # 6 bytes each
    big = new_note("x" * 13)
    app.record(*notes, big)
    answers, loaded = answers_of(app, kept_bytes=12)
    for note in notes:
        answers.get(note.id)
    answers.get(notes[2].id)
    answers.get(notes[0].id)  # dropped for notes[2]: loaded again
    answers.get(big.id)
    answers.get(big.id)  # over the whole weight: never kept
    assert loaded == [notes[0].id, notes[1].id, notes[2].id, notes[0].id, big.id, big.id]


async def test_a_point_read_leaves_the_event_loop_only_on_postgresql(app, store_env) -> None:
    reader = await app.point_read(threading.get_ident)
    assert (reader == threading.get_ident()) is (store_env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite")
