"""Projection: a disposable SQLite view kept up to date from the event log."""

from __future__ import annotations

import asyncio
import concurrent.futures
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from servicehub_runtime import projection as projection_module
from servicehub_runtime.projection import Projection, SqliteView, topics_of

from .conftest import Note


class NoteTexts(SqliteView):
    schema = """
        CREATE TABLE IF NOT EXISTS notes (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            note_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            text TEXT NOT NULL,
            at TEXT NOT NULL
        );
    """

    def apply(self, connection: sqlite3.Connection, domain_event: Any) -> None:
        connection.execute(
            "INSERT INTO notes (note_id, version, text, at) VALUES (?, ?, ?, ?)",
            (
                str(domain_event.originator_id),
                domain_event.originator_version,
                domain_event.text,
                domain_event.timestamp.isoformat(),
            ),
        )


class Failing(NoteTexts):
    def apply(self, connection: sqlite3.Connection, domain_event: Any) -> None:
        super().apply(connection, domain_event)
        if domain_event.text == "poison":
            raise ValueError("cannot apply")


@pytest.fixture
def view_path(tmp_path: Path) -> Path:
    return tmp_path / "views" / "notes-views.sqlite"


def rows(projection: Projection) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in projection.query("SELECT * FROM notes ORDER BY seq")]


def record_notes(app, new_note) -> None:
    first = new_note("a")
    first.edit("a2")
    app.record(first, new_note("b"))


def test_catch_up_applies_each_event_once(app, new_note, view_path) -> None:
    record_notes(app, new_note)
    projection = Projection(app, NoteTexts(), view_path)

    assert projection.catch_up() == 3
    assert projection.catch_up() == 0
    assert [row[3] for row in rows(projection)] == ["a", "a2", "b"]
    assert projection.position == app.notifications_after(0, 10)[-1].id

    app.record(new_note("c"))
    assert projection.catch_up() == 1
    assert [row[3] for row in rows(projection)] == ["a", "a2", "b", "c"]
    projection.close()


def test_catch_up_works_in_batches(app, new_note, view_path, monkeypatch) -> None:
    monkeypatch.setattr(projection_module, "BATCH_SIZE", 2)
    app.record(*[new_note(str(i)) for i in range(5)])
    projection = Projection(app, NoteTexts(), view_path)
    assert projection.catch_up() == 5
    assert [row[3] for row in rows(projection)] == ["0", "1", "2", "3", "4"]
    projection.close()


def test_position_survives_reopening_the_view(app, new_note, view_path) -> None:
    record_notes(app, new_note)
    first = Projection(app, NoteTexts(), view_path)
    first.catch_up()
    first.close()

    reopened = Projection(app, NoteTexts(), view_path)
    assert reopened.catch_up() == 0
    assert len(rows(reopened)) == 3
    reopened.close()


def test_deleting_the_view_and_catching_up_gives_identical_rows(app, new_note, view_path) -> None:
    record_notes(app, new_note)
    projection = Projection(app, NoteTexts(), view_path)
    projection.catch_up()
    before = rows(projection)
    projection.close()
    for file in view_path.parent.glob(view_path.name + "*"):  # the file and its WAL files
        file.unlink()

    rebuilt = Projection(app, NoteTexts(), view_path)
    assert rebuilt.catch_up() == 3
    assert rows(rebuilt) == before
    rebuilt.close()


def test_concurrent_catch_ups_apply_each_event_once(app, new_note, view_path, monkeypatch) -> None:
    """One thread has read a page of the log when another catches up all of it: the first
    then applies none of the page again. The interleaving is driven, not timed."""
    record_notes(app, new_note)
    projection = Projection(app, NoteTexts(), view_path)
    page_read, other_done = threading.Event(), threading.Event()
    read = app.notifications_after
    stalled: list[int] = []

    def notifications_after(position: int, limit: int):
        page = read(position, limit)
        if threading.current_thread() is not threading.main_thread() and not stalled:
            stalled.append(len(page))
            page_read.set()
            other_done.wait()
        return page

    monkeypatch.setattr(app, "notifications_after", notifications_after)
    with concurrent.futures.ThreadPoolExecutor(1) as worker:
        first = worker.submit(projection.catch_up)
        page_read.wait()
        assert projection.catch_up() == 3  # the other thread, while the first holds its page
        other_done.set()
        assert first.result() == 0

    assert stalled == [3]
    assert [row[3] for row in rows(projection)] == ["a", "a2", "b"]
    projection.close()


def test_a_view_skips_events_of_topics_it_does_not_list(app, new_note, view_path) -> None:
    record_notes(app, new_note)  # a written, a edited, b written

    class WrittenNotes(NoteTexts):
        topics = topics_of(Note.Written)

    projection = Projection(app, WrittenNotes(), view_path)
    assert projection.catch_up() == 3  # read past the edit, not applied
    assert [row[3] for row in rows(projection)] == ["a", "b"]
    assert projection.position == app.notifications_after(0, 10)[-1].id
    projection.close()


def test_a_view_far_behind_the_log_end_keeps_no_decoded_events_for_other_readers(
    app, new_note, view_path, monkeypatch
) -> None:
    """Decoded events are kept for the log's other readers only near its end: the readers
    at the end are past the rest."""
    monkeypatch.setattr(projection_module, "BATCH_SIZE", 2)
    monkeypatch.setattr(app.mapper, "DECODED_NOTIFICATIONS", 2)
    app.record(*[new_note(str(i)) for i in range(6)])
    notifications = {(n.originator_id, n.originator_version): n for n in app.notifications_after(0, 10)}
    kept_when_applied: list[bool] = []

    class Watching(NoteTexts):
        def apply(self, connection: sqlite3.Connection, domain_event: Any) -> None:
            super().apply(connection, domain_event)
            notification = notifications[(domain_event.originator_id, domain_event.originator_version)]
            kept_when_applied.append(app.mapper.to_domain_event(notification, keep=False) is domain_event)

    projection = Projection(app, Watching(), view_path)
    assert projection.catch_up() == 6
    assert [row[3] for row in rows(projection)] == ["0", "1", "2", "3", "4", "5"]
    assert kept_when_applied == [False, False, False, False, True, True]  # the last page only
    projection.close()


def test_a_failing_batch_is_rolled_back_with_its_position(app, new_note, view_path) -> None:
    app.record(new_note("fine"))
    app.record(new_note("poison"))
    projection = Projection(app, Failing(), view_path)

    with pytest.raises(ValueError, match="cannot apply"):
        projection.catch_up()

    assert rows(projection) == []
    assert projection.position == 0
    projection.close()


async def test_run_is_woken_by_new_events(app, new_note, view_path, monkeypatch) -> None:
    monkeypatch.setattr(projection_module, "IDLE_POLL_SECONDS", 600)  # only a wake-up helps
    projection = Projection(app, NoteTexts(), view_path)
    caught_up, applied = asyncio.Event(), asyncio.Event()
    loop = asyncio.get_running_loop()
    original = projection.catch_up

    def catch_up() -> int:  # runs in a worker thread
        count = original()
        loop.call_soon_threadsafe((applied if count else caught_up).set)
        return count

    projection.catch_up = catch_up  # type: ignore[method-assign]
    task = asyncio.create_task(projection.run())
    try:
        await asyncio.wait_for(caught_up.wait(), 5)  # the empty log is caught up
        app.record(new_note("live"))
        await asyncio.wait_for(applied.wait(), 5)
        assert [row[3] for row in rows(projection)] == ["live"]
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        projection.close()


# ---------------------------------------------------------------- personal data sealed


class SealedNoteTexts(NoteTexts):
    sealed_columns = frozenset({"text"})

    def apply(self, connection: sqlite3.Connection, domain_event: Any) -> None:
        connection.execute(
            "INSERT INTO notes (note_id, version, text, at) VALUES (?, ?, ?, ?)",
            (str(domain_event.originator_id), domain_event.originator_version, self.seal(domain_event.text),
             domain_event.timestamp.isoformat()),
        )


def encrypted_notes(tmp_path: Path, key: str | None):
    from servicehub_runtime.encryption import CIPHER_TOPIC

    from .conftest import Notes, sqlite_env

    cipher = {"CIPHER_TOPIC": CIPHER_TOPIC, "CIPHER_KEY": key} if key else {}
    tmp_path.mkdir(parents=True, exist_ok=True)
    return Notes(env={**sqlite_env(tmp_path / "notes.sqlite"), **cipher})


def file_bytes(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(path.parent.glob(path.name + "*")))


def test_sealed_columns_are_encrypted_on_disk_and_read_back_in_the_clear(tmp_path, view_path, new_note) -> None:
    key = "q" * 43 + "="  # base64 of 32 bytes
    app = encrypted_notes(tmp_path, key)
    app.record(new_note("alice@example.com, Alice Liddell"))
    projection = Projection(app, SealedNoteTexts(), view_path)
    projection.catch_up()

    assert [row["text"] for row in projection.query("SELECT text FROM notes")] == ["alice@example.com, Alice Liddell"]
    projection.close()
    assert b"alice@example.com" not in file_bytes(view_path)
    assert b"Liddell" not in file_bytes(view_path)
    app.close()


def test_a_view_written_in_plain_text_is_rebuilt_sealed_once_a_key_is_set(tmp_path, view_path, new_note) -> None:
    plain = encrypted_notes(tmp_path / "plain", None)
    plain.record(new_note("bob@example.com"))
    before = Projection(plain, SealedNoteTexts(), view_path)
    before.catch_up()
    before.close()
    assert b"bob@example.com" in file_bytes(view_path)

    sealed = encrypted_notes(tmp_path / "sealed", "q" * 43 + "=")
    sealed.record(new_note("carol@example.com"))
    after = Projection(sealed, SealedNoteTexts(), view_path)
    assert after.position == 0, "the plain file was dropped"
    after.catch_up()
    assert [row["text"] for row in after.query("SELECT text FROM notes")] == ["carol@example.com"]
    after.close()
    assert b"bob@example.com" not in file_bytes(view_path)
    assert b"carol@example.com" not in file_bytes(view_path)
    plain.close()
    sealed.close()
