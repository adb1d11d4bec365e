"""TracedEventApplication on a real SQLite file: tracking positions, atomicity, trace context."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from uuid import uuid4

import pytest
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, UUIDAsHex
from opentelemetry import propagate, trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from servicehub_runtime.eventstore import DataclassAsDict, EnumAsValue, IntegrityError, Tracking

STREAM = "orders.v1:0"


def stored_events(app):
    return list(app.notifications_after(0, 100))


def test_record_saves_events_and_position_together(app, new_note) -> None:
    note = new_note("first")
    app.record(note, position=Tracking(STREAM, 5))

    assert app.position(STREAM) == 5
    assert app.repository.get(note.id).text == "first"
    assert len(stored_events(app)) == 1


def test_aggregate_conflict_leaves_position_unrecorded_and_no_events(app, new_note) -> None:
    existing = new_note("original")
    app.record(existing)

    with pytest.raises(IntegrityError):
        app.record(new_note("clash", id=existing.id), position=Tracking(STREAM, 1))

    assert app.position(STREAM) is None
    assert len(stored_events(app)) == 1
    assert app.repository.get(existing.id).text == "original"


def test_position_conflict_leaves_no_events(app, new_note) -> None:
    app.record(position=Tracking(STREAM, 3))
    late = new_note("late")

    with pytest.raises(IntegrityError):
        app.record(late, position=Tracking(STREAM, 3))

    assert stored_events(app) == []
    assert app.position(STREAM) == 3


def test_a_position_cannot_be_recorded_twice(app) -> None:
    app.record(position=Tracking(STREAM, 1))
    with pytest.raises(IntegrityError):
        app.record(position=Tracking(STREAM, 1))


def test_position_returns_the_highest_per_stream(app, new_note) -> None:
    assert app.position(STREAM) is None
    app.record(position=Tracking(STREAM, 3))
    app.record(new_note(), position=Tracking(STREAM, 7))
    app.record(position=Tracking("other:0", 100))
    with pytest.raises(IntegrityError):
        app.record(position=Tracking(STREAM, 5))  # behind the recorded position

    assert app.position(STREAM) == 7
    assert app.position("other:0") == 100


def test_position_survives_reopening_the_store(app, open_app) -> None:
    app.record(position=Tracking(STREAM, 9))
    assert open_app().position(STREAM) == 9


def test_notifications_after_is_exclusive_and_limited(app, new_note) -> None:
    for text in "abcd":
        app.record(new_note(text))
    ids = [n.id for n in app.notifications_after(0, 100)]
    assert [n.id for n in app.notifications_after(ids[1], 1)] == [ids[2]]


def test_on_recorded_listeners_run_after_each_successful_write(app, new_note) -> None:
    calls = []
    app.on_recorded(lambda: calls.append("written"))
    note = new_note()
    app.record(note)
    app.record(position=Tracking(STREAM, 1))
    with pytest.raises(IntegrityError):
        app.record(new_note(id=note.id))
    assert calls == ["written", "written"]


@pytest.fixture
def tracer():
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield provider.get_tracer("test"), exporter
    provider.shutdown()


def test_tracing_mapper_stores_the_current_trace_context(app, new_note, tracer) -> None:
    test_tracer, exporter = tracer
    with test_tracer.start_as_current_span("submit") as span:
        note = new_note("traced")
        app.record(note)
        recorded_in = span.get_span_context()

    [notification] = stored_events(app)
    event, carrier = app.mapper.to_domain_event_with_trace(notification)
    stored = trace.get_current_span(propagate.extract(carrier)).get_span_context()
    assert (stored.trace_id, stored.span_id) == (recorded_in.trace_id, recorded_in.span_id)
    assert carrier["traceparent"].startswith(f"00-{recorded_in.trace_id:032x}-")
    assert event.text == "traced"
    assert "__trace__" not in vars(event)
    assert [s.name for s in exporter.get_finished_spans()] == ["submit"]


def test_to_domain_event_drops_the_trace_key(app, new_note, tracer) -> None:
    test_tracer, _ = tracer
    with test_tracer.start_as_current_span("submit"):
        note = new_note("traced")
        app.record(note)

    [notification] = stored_events(app)
    assert b"traceparent" in notification.state
    event = app.mapper.to_domain_event(notification)
    assert "__trace__" not in vars(event)
    assert event.originator_id == note.id
    assert not hasattr(app.repository.get(note.id), "__trace__")


def test_without_a_current_span_no_trace_is_stored(app, new_note) -> None:
    app.record(new_note())
    [notification] = stored_events(app)
    assert b"__trace__" not in notification.state
    assert app.mapper.to_domain_event_with_trace(notification)[1] == {}


@dataclass(frozen=True)
class Money:
    amount: int
    currency: str
    due: datetime


def test_dataclass_as_dict_round_trips() -> None:
    transcoder = JSONTranscoder()
    transcoder.register(DatetimeAsISO())
    transcoder.register(UUIDAsHex())
    transcoder.register(DataclassAsDict(Money))
    value = {"items": [Money(5, "CNY", datetime(2026, 1, 2, tzinfo=UTC))], "id": uuid4()}

    decoded = transcoder.decode(transcoder.encode(value))

    assert decoded == value
    assert isinstance(decoded["items"][0], Money)


def test_dataclass_as_dict_names_the_type_by_module_and_qualname() -> None:
    transcoding = DataclassAsDict(Money)
    assert transcoding.name == f"{__name__}.Money"
    assert transcoding.encode(Money(1, "EUR", datetime(2026, 1, 1))) == {
        "amount": 1,
        "currency": "EUR",
        "due": datetime(2026, 1, 1),
    }


@dataclass(frozen=True)
class Window:
    days: tuple[int, ...]
    label: str = "none"

    def __post_init__(self) -> None:
        object.__setattr__(self, "days", tuple(self.days))


def test_dataclass_as_dict_decodes_equal_values_with_defaults_and_post_init_conversions() -> None:
    money = DataclassAsDict(Money)
    stored = money.encode(Money(7, "CNY", datetime(2026, 1, 1)))
    decoded = money.decode(dict(stored))
    assert decoded == Money(7, "CNY", datetime(2026, 1, 1))
    assert hash(decoded) == hash(Money(7, "CNY", datetime(2026, 1, 1)))
    window = DataclassAsDict(Window)
    assert window.decode({"days": [1, 2]}) == Window((1, 2))  # stored before `label` existed
    assert window.decode({"days": [1, 2], "label": "x"}).days == (1, 2)  # __post_init__ ran


class Colour(Enum):
    RED = "red"
    BLUE = "blue"


def test_enum_as_value_stores_a_member_by_its_value_and_refuses_an_unknown_one() -> None:
    transcoding = EnumAsValue(Colour)
    assert transcoding.encode(Colour.BLUE) == "blue"
    assert transcoding.decode("blue") is Colour.BLUE
    with pytest.raises(ValueError, match="'green' is not a valid Colour"):
        transcoding.decode("green")


def test_a_batch_reads_preloaded_aggregates_as_they_were_when_it_began(app, open_app, new_note) -> None:
    note, absent = new_note("first"), uuid4()
    app.record(note)
    other_writer = open_app()

    with app.batch(preload=[note.id, absent]):
        edited = other_writer.repository.get(note.id)
        edited.edit("changed meanwhile")
        other_writer.record(edited)
        # Answered from the preload: no second read sees the other writer's edit.
        assert app.repository.get(note.id).text == "first"
        assert app.repository.get(note.id).version == 1
        with pytest.raises(AggregateNotFoundError):
            app.repository.get(absent)
        # Aggregates not preloaded are read from the store.
        assert other_writer.repository.get(note.id).text == "changed meanwhile"

    assert app.repository.get(note.id).text == "changed meanwhile"


def test_a_batch_deciding_on_a_preloaded_state_that_changed_records_nothing(
    app, open_app, new_note
) -> None:
    note = new_note("first")
    app.record(note)
    other_writer = open_app()

    with pytest.raises(IntegrityError), app.batch([Tracking(STREAM, 1)], preload=[note.id]):
        stale = app.repository.get(note.id)
        fresh = other_writer.repository.get(note.id)
        fresh.edit("won")
        other_writer.record(fresh)
        stale.edit("lost")
        app.record(stale)

    assert app.repository.get(note.id).text == "won"
    assert app.position(STREAM) is None


def test_a_notification_is_decoded_once_for_all_its_readers(app, new_note) -> None:
    note = new_note("shared")
    app.record(note)
    [notification] = stored_events(app)
    [again] = stored_events(app)

    first = app.mapper.to_domain_event_with_trace(notification)
    assert app.mapper.to_domain_event_with_trace(again) is first
    assert app.mapper.to_domain_event(again) is first[0]
    # An aggregate's own read decodes afresh: an aggregate may change what its events hold.
    [stored] = app.recorder.select_events(note.id)
    assert app.mapper.to_domain_event(stored) is not first[0]


def test_a_notification_decoded_without_keeping_is_not_kept(app, new_note) -> None:
    first, second = new_note("alone"), new_note("shared")
    app.record(first, second)
    [alone, shared] = stored_events(app)

    kept = app.mapper.to_domain_event(shared)
    assert app.mapper.to_domain_event(shared, keep=False) is kept  # one kept is still used
    event = app.mapper.to_domain_event(alone, keep=False)
    assert event.text == "alone"
    assert app.mapper.to_domain_event(alone) is not event  # decoded afresh: it was not kept
