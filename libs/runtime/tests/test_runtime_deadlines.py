"""Deadline scheduling, firing and the index, with time moved by hand."""

from __future__ import annotations

import asyncio
import random
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from eventsourcing.domain import Aggregate, event

from servicehub_runtime.deadlines import (
    Deadline,
    DeadlineFiring,
    DeadlineScheduler,
    FiredDeadline,
)
from servicehub_runtime.eventstore import IntegrityError, TracedEventApplication
from servicehub_runtime.wallclock import ManualClock

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CALENDAR = "prc-test"
GUARD_SECONDS = 30  # a hang fails the test instead of blocking the run; never a timing goal


class Errand(Aggregate):
    """A toy aggregate with one deadline kind, "reminder"."""

    @event("Planned")
    def __init__(self, id: UUID, deadlines: list[Deadline]) -> None:
        self.reminded: list[tuple[int, float]] = []

    @event("Rescheduled")
    def reschedule(self, deadlines: list[Deadline]) -> None:
        pass

    @event("Dropped")
    def drop(self, cancelled_deadlines: list[str]) -> None:
        pass

    @event("Reminded")
    def remind(self, cycle: int, lateness_seconds: float) -> None:
        self.reminded.append((cycle, lateness_seconds))


class Errands(TracedEventApplication):
    name = "errands"

    def plan(self, due: datetime, cycle: int = 1) -> UUID:
        errand = Errand(id=uuid4(), deadlines=[reminder(due, cycle)])
        self.record(errand)
        return errand.id

    def reschedule(self, errand_id: UUID, due: datetime, cycle: int = 1) -> None:
        errand = self.repository.get(errand_id)
        errand.reschedule([reminder(due, cycle)])
        self.record(errand)

    def drop(self, errand_id: UUID) -> None:
        errand = self.repository.get(errand_id)
        errand.drop(["reminder"])
        self.record(errand)

    def remind(self, firing: DeadlineFiring) -> None:
        errand = self.repository.get(firing.aggregate_id)
        errand.remind(firing.deadline.cycle, firing.lateness.total_seconds())
        self.record(errand, firing.outcome())


def reminder(due: datetime, cycle: int = 1) -> Deadline:
    return Deadline(kind="reminder", cycle=cycle, due=due, calendar_version=CALENDAR)


@pytest.fixture
def world(tmp_path: Path):
    """An Errands application, a hand-moved clock, and schedulers opened on its store."""
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "e.sqlite")}
    opened: list = []

    class World:
        clock = ManualClock(T0)
        errands = Errands(env=env)
        fired: list[DeadlineFiring] = []
        index_path = tmp_path / "errands-deadlines.sqlite"

        def scheduler(self) -> DeadlineScheduler:
            def handle(firing: DeadlineFiring) -> None:
                self.errands.remind(firing)
                self.fired.append(firing)

            opened.append(
                DeadlineScheduler(self.errands, self.index_path, {"reminder": handle}, self.clock)
            )
            return opened[-1]

    yield World()
    for scheduler in opened:
        scheduler.close()
    World.errands.close()


def reminders_recorded(errands: Errands) -> list:
    return [
        n for n in errands.notifications_after(0, 1000) if n.topic.endswith("Errand.Reminded")
    ]


def test_schedule_move_and_cancel_change_the_pending_deadlines(world):
    scheduler = world.scheduler()
    kept = world.errands.plan(T0 + timedelta(hours=2))
    moved = world.errands.plan(T0 + timedelta(hours=3))
    dropped = world.errands.plan(T0 + timedelta(hours=1))

    world.errands.reschedule(moved, T0 + timedelta(minutes=30), cycle=2)
    world.errands.drop(dropped)
    scheduler.catch_up()

    assert scheduler.pending() == [
        (moved, Deadline("reminder", 2, T0 + timedelta(minutes=30), CALENDAR)),
        (kept, Deadline("reminder", 1, T0 + timedelta(hours=2), CALENDAR)),
    ]


def test_pending_deadlines_are_counted_per_kind(world, metric):
    scheduler = world.scheduler()
    world.errands.plan(T0 + timedelta(hours=1))
    world.errands.plan(T0 + timedelta(hours=2))

    scheduler.catch_up()

    assert metric("servicehub_deadlines_pending", kind="reminder") == 2


def test_nothing_fires_before_it_is_due(world):
    scheduler = world.scheduler()
    world.errands.plan(T0 + timedelta(minutes=5))

    assert scheduler.fire_due() == (0, T0 + timedelta(minutes=5))
    world.clock.advance(timedelta(minutes=4, seconds=59))
    assert scheduler.fire_due() == (0, T0 + timedelta(minutes=5))
    assert world.fired == []


def test_a_round_with_nothing_due_writes_nothing(world):
    """A write wakes the running scheduler: an empty round announcing one would spin it."""
    scheduler = world.scheduler()
    world.errands.plan(T0 + timedelta(minutes=5))
    writes: list[None] = []
    world.errands.on_recorded(lambda: writes.append(None))

    assert scheduler.fire_due() == (0, T0 + timedelta(minutes=5))

    assert writes == []


def test_a_due_deadline_fires_exactly_once(world, metric):
    scheduler = world.scheduler()
    errand_id = world.errands.plan(T0 + timedelta(minutes=5))
    world.clock.advance(timedelta(minutes=5, seconds=3))
    fired_before = metric("servicehub_deadlines_fired_total", kind="reminder", outcome="recorded")

    assert scheduler.fire_due() == (1, None)
    assert scheduler.fire_due() == (0, None)

    firing = world.fired[0]
    assert firing.lateness == timedelta(seconds=3)
    assert world.errands.repository.get(errand_id).reminded == [(1, 3.0)]
    outcome = world.errands.repository.get(firing.record_id)
    assert isinstance(outcome, FiredDeadline)
    assert outcome.lateness_seconds == 3.0
    assert scheduler.pending() == []
    assert metric("servicehub_deadlines_fired_total", kind="reminder", outcome="recorded") == (
        fired_before + 1
    )


def test_a_re_fire_of_the_same_deadline_records_nothing(world):
    """As after a crash between recording the outcome and the index catching up."""
    scheduler = world.scheduler()
    errand_id = world.errands.plan(T0)
    scheduler.fire_due()
    recorded = len(world.errands.notifications_after(0, 1000))

    world.clock.advance(timedelta(minutes=1))
    again = DeadlineFiring(errand_id, reminder(T0), world.clock())
    assert again.record_id == world.fired[0].record_id
    with pytest.raises(IntegrityError):
        world.errands.remind(again)

    assert len(world.errands.notifications_after(0, 1000)) == recorded
    assert len(reminders_recorded(world.errands)) == 1


def test_an_index_rebuilt_after_the_firing_does_not_fire_again(world):
    first = world.scheduler()
    world.errands.plan(T0)
    first.fire_due()
    first.close()
    world.index_path.unlink()

    assert world.scheduler().fire_due() == (0, None)
    assert len(reminders_recorded(world.errands)) == 1


def test_the_earliest_of_many_fires_first(world):
    scheduler = world.scheduler()
    offsets = list(range(1, 21))
    random.Random(7).shuffle(offsets)
    by_id = {world.errands.plan(T0 + timedelta(seconds=s)): s for s in offsets}
    world.clock.advance(timedelta(minutes=1))

    assert scheduler.fire_due() == (20, None)

    assert [by_id[f.aggregate_id] for f in world.fired] == list(range(1, 21))


def test_a_deadline_overdue_at_start_fires_once_saying_how_late(world):
    errand_id = world.errands.plan(T0 - timedelta(minutes=10))

    assert world.scheduler().fire_due() == (1, None)
    assert world.scheduler().fire_due() == (0, None)  # a second start-up

    assert world.errands.repository.get(errand_id).reminded == [(1, 600.0)]
    assert world.errands.repository.get(world.fired[0].record_id).lateness_seconds == 600.0
    assert len(reminders_recorded(world.errands)) == 1


def test_a_failing_handler_is_counted_and_retried_with_backoff_not_in_a_loop(world, metric):
    outage = [True, True]  # the handler's store is down for the first two attempts

    def flaky(firing: DeadlineFiring) -> None:
        if outage:
            outage.pop()
            raise OSError("database unreachable")
        world.errands.remind(firing)

    scheduler = DeadlineScheduler(world.errands, world.index_path, {"reminder": flaky}, world.clock)
    try:
        errand_id = world.errands.plan(T0)
        failed = metric("servicehub_deadlines_fired_total", kind="reminder", outcome="failed")

        assert scheduler.fire_due() == (1, None)  # fails; next try in 1 s
        assert scheduler.fire_due() == (0, T0 + timedelta(seconds=1))
        world.clock.advance(timedelta(seconds=1))
        assert scheduler.fire_due()[0] == 1  # fails again; next try 2 s later
        assert scheduler.fire_due() == (0, T0 + timedelta(seconds=3))
        world.clock.advance(timedelta(seconds=2))
        assert scheduler.fire_due()[0] == 1  # the store is back: recorded

        assert metric("servicehub_deadlines_fired_total", kind="reminder", outcome="failed") == (
            failed + 2
        )
        assert world.errands.repository.get(errand_id).reminded == [(1, 3.0)]
        scheduler.catch_up()
        assert scheduler.pending() == []
    finally:
        scheduler.close()


def test_a_firing_that_conflicts_again_after_catching_up_is_a_failure_not_a_loop(world, metric):
    def conflicts(firing: DeadlineFiring) -> None:
        raise IntegrityError("conflicting write")

    scheduler = DeadlineScheduler(world.errands, world.index_path, {"reminder": conflicts}, world.clock)
    try:
        world.errands.plan(T0)
        failed = metric("servicehub_deadlines_fired_total", kind="reminder", outcome="failed")

        assert scheduler.fire_due() == (1, None)  # a re-fire is normal once
        assert scheduler.fire_due() == (1, None)  # still pending and conflicting: failed
        assert scheduler.fire_due() == (0, T0 + timedelta(seconds=1))  # backing off

        assert metric("servicehub_deadlines_fired_total", kind="reminder", outcome="failed") == (
            failed + 1
        )
    finally:
        scheduler.close()


def test_deadlines_due_together_are_recorded_in_one_transaction(world, metric):
    scheduler = world.scheduler()
    errand_ids = [world.errands.plan(T0 + timedelta(seconds=s)) for s in range(5)]
    world.clock.advance(timedelta(minutes=1))
    transactions: list[None] = []
    world.errands.on_recorded(lambda: transactions.append(None))
    recorded = metric("servicehub_deadlines_fired_total", kind="reminder", outcome="recorded")

    assert scheduler.fire_due() == (5, None)

    assert len(transactions) == 1
    assert len(reminders_recorded(world.errands)) == 5
    assert [len(world.errands.repository.get(e).reminded) for e in errand_ids] == [1] * 5
    assert metric("servicehub_deadlines_fired_total", kind="reminder", outcome="recorded") == recorded + 5
    scheduler.catch_up()
    assert scheduler.pending() == []


def test_a_failing_firing_leaves_the_rest_of_its_batch_recorded(world, metric):
    broken = world.errands.plan(T0)
    fine = [world.errands.plan(T0 + timedelta(seconds=s)) for s in (1, 2)]

    def handle(firing: DeadlineFiring) -> None:
        if firing.aggregate_id == broken:
            world.errands.remind(firing)  # recorded into the batch, then taken out again
            raise OSError("mail server unreachable")
        world.errands.remind(firing)

    scheduler = DeadlineScheduler(world.errands, world.index_path, {"reminder": handle}, world.clock)
    try:
        failed = metric("servicehub_deadlines_fired_total", kind="reminder", outcome="failed")
        world.clock.advance(timedelta(seconds=2))

        assert scheduler.fire_due() == (3, None)
        assert scheduler.fire_due() == (0, T0 + timedelta(seconds=3))  # the broken one, 1 s later

        assert [len(world.errands.repository.get(e).reminded) for e in fine] == [1, 1]
        assert world.errands.repository.get(broken).reminded == []
        assert len(reminders_recorded(world.errands)) == 2
        assert metric("servicehub_deadlines_fired_total", kind="reminder", outcome="failed") == failed + 1
        scheduler.catch_up()
        assert [a for a, _ in scheduler.pending()] == [broken]
    finally:
        scheduler.close()


def test_a_batch_that_conflicts_when_committed_fires_each_deadline_on_its_own(world, metric):
    raced = world.errands.plan(T0)
    others = [world.errands.plan(T0 + timedelta(seconds=s)) for s in (1, 2)]
    races: list[None] = []

    def handle(firing: DeadlineFiring) -> None:
        errand = world.errands.repository.get(firing.aggregate_id)
        if firing.aggregate_id == raced and not races:
            races.append(None)
            # Another writer (its own thread, its own transaction) changes the errand after
            # this firing read it: the batch's commit conflicts and records nothing.
            writer = threading.Thread(target=world.errands.reschedule, args=(raced, T0))
            writer.start()
            writer.join()
        errand.remind(firing.deadline.cycle, firing.lateness.total_seconds())
        world.errands.record(errand, firing.outcome())

    scheduler = DeadlineScheduler(world.errands, world.index_path, {"reminder": handle}, world.clock)
    try:
        recorded = metric("servicehub_deadlines_fired_total", kind="reminder", outcome="recorded")
        conflicts = metric("servicehub_deadlines_fired_total", kind="reminder", outcome="already_recorded")
        world.clock.advance(timedelta(seconds=2))

        assert scheduler.fire_due() == (3, None)

        assert races == [None]
        for errand_id in (raced, *others):
            assert len(world.errands.repository.get(errand_id).reminded) == 1
        assert len(reminders_recorded(world.errands)) == 3
        assert metric("servicehub_deadlines_fired_total", kind="reminder", outcome="recorded") == recorded + 3
        assert metric(
            "servicehub_deadlines_fired_total", kind="reminder", outcome="already_recorded"
        ) == conflicts
        scheduler.catch_up()
        assert scheduler.pending() == []
    finally:
        scheduler.close()


async def until(condition) -> None:
    async with asyncio.timeout(GUARD_SECONDS):
        while not condition():
            await asyncio.sleep(0.01)


async def test_the_running_scheduler_fires_when_the_clock_reaches_the_deadline(world):
    scheduler = world.scheduler()
    world.errands.plan(T0 + timedelta(hours=1))
    task = asyncio.create_task(scheduler.run())
    try:
        await asyncio.wait_for(scheduler.idle.wait(), GUARD_SECONDS)
        assert world.fired == []

        world.clock.advance(timedelta(hours=1))
        await until(lambda: len(world.fired) == 1)
    finally:
        task.cancel()


async def test_a_deadline_moved_earlier_wakes_the_sleeping_scheduler(world):
    scheduler = world.scheduler()
    errand_id = world.errands.plan(T0 + timedelta(hours=1))
    task = asyncio.create_task(scheduler.run())
    try:
        await asyncio.wait_for(scheduler.idle.wait(), GUARD_SECONDS)

        # Due now, and the clock does not move: only the recorded event can wake it.
        world.errands.reschedule(errand_id, T0, cycle=2)
        await until(lambda: len(world.fired) == 1)

        assert world.fired[0].deadline == reminder(T0, cycle=2)
    finally:
        task.cancel()


async def test_a_deadline_another_instance_schedules_fires_here_without_a_write_of_this_one(
    world, tmp_path
):
    """Two instances on one store: this one writes nothing and its clock does not move, yet
    its scheduler learns of the other's deadline from the log and fires it."""
    other = Errands(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                         "SQLITE_DBNAME": str(tmp_path / "e.sqlite")})
    scheduler = world.scheduler()
    task = asyncio.create_task(scheduler.run())
    try:
        await asyncio.wait_for(scheduler.idle.wait(), GUARD_SECONDS)
        planned = other.plan(T0)
        await until(lambda: world.fired)
        assert [firing.aggregate_id for firing in world.fired] == [planned]
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        other.close()


def test_two_instances_firing_the_same_deadline_record_it_once_the_second_counted_already_recorded(
    world, tmp_path, metric
):
    other = Errands(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                         "SQLITE_DBNAME": str(tmp_path / "e.sqlite")})
    here = world.scheduler()

    def fire_there(firing: DeadlineFiring) -> None:
        # This instance fires the deadline meanwhile (its own thread and transaction).
        racer = threading.Thread(target=here.fire_due)
        racer.start()
        racer.join()
        other.remind(firing)

    there = DeadlineScheduler(other, tmp_path / "other-deadlines.sqlite", {"reminder": fire_there}, world.clock)
    try:
        world.errands.plan(T0)
        outcomes = ("recorded", "already_recorded", "failed")
        before = {o: metric("servicehub_deadlines_fired_total", kind="reminder", outcome=o) for o in outcomes}

        assert there.fire_due()[0] == 1

        after = {o: metric("servicehub_deadlines_fired_total", kind="reminder", outcome=o) for o in outcomes}
        assert {o: after[o] - before[o] for o in outcomes} == {
            "recorded": 1, "already_recorded": 1, "failed": 0
        }
        assert len(world.fired) == 1 and len(reminders_recorded(world.errands)) == 1
        assert there.fire_due() == (0, None), "its next round reads the other's firing off the log"
        assert there.pending() == here.pending() == []
    finally:
        there.close()
        other.close()
