"""Acceptance on business time, hand-worked on the PRC calendar of 2026 (National Day: 10-01 to
10-07 off, 10-01..10-03 statutory, Sat 10-10 a make-up working day), with the runtime's real
deadline scheduler on the same SQLite store and a clock moved by hand."""

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from servicehub.events.v1.billing_pb2 import DeliverableOverdue, MilestoneAccepted
from servicehub_billing.acceptance import (
    ACCEPTANCE_WINDOW,
    ANSWER_DUE,
    MEETING_DUE,
    AcceptanceRefused,
    AcceptanceState,
    DeliverableAcceptance,
    WrongState,
)
from servicehub_billing.domain import CommandRefused
from servicehub_billing.publishing import translate
from servicehub_businesstime import SHANGHAI, DayType
from servicehub_runtime.deadlines import DeadlineFiring, DeadlineScheduler
from servicehub_runtime.eventstore import IntegrityError
from servicehub_runtime.wallclock import ManualClock

TUNING = "realtime-compute-tuning"  # §25: 5 / 10 / 3 working days, production use deems accepted
SUBMITTED = datetime(2026, 9, 29, 15, 0, tzinfo=SHANGHAI)  # a Tuesday


def beijing(*args):
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def clock():
    return ManualClock(SUBMITTED)


@pytest.fixture
def billing(open_billing, clock):
    return open_billing(clock)


@pytest.fixture
def scheduler(billing, clock, tmp_path):
    kinds = (ACCEPTANCE_WINDOW, ANSWER_DUE, MEETING_DUE)
    scheduler = DeadlineScheduler(
        billing, tmp_path / "deadlines.sqlite", dict.fromkeys(kinds, billing.acceptance_deadline), clock
    )
    yield scheduler
    scheduler.close()


def project(billing, service_code=TUNING, package="standard"):
    project_id = uuid4()
    billing.register_project(
        project_id=project_id,
        customer_id="cust-7",
        service_code=service_code,
        package=package,
        contract_signed_on=date(2026, 9, 15),
        ordered_at=datetime(2026, 9, 1, tzinfo=UTC),
    )
    return project_id


def accepted_events(billing):
    events = (billing.mapper.to_domain_event(n) for n in billing.notifications_after(0, 1000))
    return [e for e in events if isinstance(e, DeliverableAcceptance.Accepted)]


def test_the_calendar_has_the_days_the_hand_worked_window_relies_on(calendar):
    assert [calendar.is_working_day(date(2026, 10, d)) for d in range(1, 8)] == [False] * 7
    assert calendar.day_type(date(2026, 10, 10)) is DayType.MAKEUP_WORKDAY
    assert calendar.day_type(date(2026, 10, 11)) is DayType.REST_DAY


def test_silence_until_the_window_ends_deems_the_deliverable_accepted_at_the_window_end(
    billing, scheduler, clock, calendar
):
    project_id = project(billing)
    acceptance = billing.submit_deliverable(project_id, "trial-run")
    # Working days after Tue 09-29: 09-30 (1), 10-01..10-07 off, 10-08 (2), 10-09 (3),
    # Sat 10-10 make-up (4), Sun 10-11 off, 10-12 (5) → the window ends 10-13 00:00 Beijing.
    window_end = beijing(2026, 10, 13, 0, 0)
    assert acceptance.window_end == window_end
    assert acceptance.calendar_version == calendar.version

    clock.advance(beijing(2026, 10, 12, 23, 59, 59) - clock())
    assert scheduler.fire_due()[0] == 0
    assert billing.acceptances(billing.get_project(project_id))["trial-run"].state is AcceptanceState.SUBMITTED

    clock.advance(window_end - clock())
    assert scheduler.fire_due()[0] == 1
    accepted = billing.acceptances(billing.get_project(project_id))["trial-run"]
    assert accepted.state is AcceptanceState.ACCEPTED
    assert accepted.deemed is True
    assert accepted.accepted_at == window_end
    assert scheduler.fire_due()[0] == 0
    assert scheduler.pending() == []

    (event,) = accepted_events(billing)
    message = translate(event).message
    assert isinstance(message, MilestoneAccepted)
    assert message.project_id == str(project_id)
    assert message.milestone_id == "trial-run"
    assert message.deemed is True
    assert message.accepted_at.ToDatetime(tzinfo=UTC) == window_end
    assert message.window_end.ToDatetime(tzinfo=UTC) == window_end
    assert message.calendar_version == calendar.version
    assert message.reason == "no written non-conformance points within the window"


def test_a_firing_repeated_after_a_crash_records_nothing_twice(billing, scheduler, clock):
    project_id = project(billing)
    billing.submit_deliverable(project_id, "trial-run")
    clock.advance(beijing(2026, 10, 13, 0, 0) - clock())
    ((aggregate_id, deadline),) = _pending(scheduler)
    firing = DeadlineFiring(aggregate_id, deadline, clock())
    billing.acceptance_deadline(firing)
    reads = []
    get = billing.repository.get
    billing.repository.get = lambda *args, **kwargs: reads.append(args[0]) or get(*args, **kwargs)

    with pytest.raises(IntegrityError):
        billing.acceptance_deadline(firing)
    assert len(accepted_events(billing)) == 1
    # Given up at once (as when another instance fired it), not retried as a race would be.
    assert reads.count(aggregate_id) == 1


def test_two_rounds_of_non_conformance_points_with_their_10_and_3_working_day_deadlines(
    billing, scheduler, clock
):
    project_id = project(billing)
    billing.submit_deliverable(project_id, "trial-run")

    # Round 1: points on Fri 10-09 10:00, inside the window. Answer within 10 working days:
    # 10-10 (Sat, make-up), 12, 13, 14, 15, 16, 19, 20, 21, 22 → due 10-23 00:00 Beijing.
    clock.advance(beijing(2026, 10, 9, 10, 0) - clock())
    raised = billing.raise_points(project_id, "trial-run", ["latency report lacks p99", "no rollback test"])
    assert raised.state is AcceptanceState.POINTS_RAISED
    assert raised.answer_due == beijing(2026, 10, 23, 0, 0)
    assert raised.meeting_due is None
    assert [d.kind for _, d in _pending(scheduler)] == [ANSWER_DUE]

    clock.advance(beijing(2026, 10, 14, 9, 0) - clock())
    with pytest.raises(AcceptanceRefused) as refused:
        billing.answer_points(project_id, "trial-run", ["added p99"])
    assert refused.value.field == "answers"
    billing.answer_points(project_id, "trial-run", ["added p99", "rollback tested 10-13"])

    # Resubmitted Thu 10-15 09:00: 16, 19, 20, 21, 22 → window ends 10-23 00:00.
    clock.advance(beijing(2026, 10, 15, 9, 0) - clock())
    resubmitted = billing.submit_deliverable(project_id, "trial-run")
    assert (resubmitted.round, resubmitted.window_end) == (2, beijing(2026, 10, 23, 0, 0))
    assert [(d.kind, d.cycle) for _, d in _pending(scheduler)] == [(ACCEPTANCE_WINDOW, 2)]

    # Round 2: points again Tue 10-20 11:00. Meet within 3 working days: 21, 22, 23 → 10-24
    # 00:00; answer within 10: 21, 22, 23, 26, 27, 28, 29, 30, 11-02, 11-03 → 11-04 00:00.
    clock.advance(beijing(2026, 10, 20, 11, 0) - clock())
    again = billing.raise_points(project_id, "trial-run", ["p99 still above target"])
    assert again.meeting_due == beijing(2026, 10, 24, 0, 0)
    assert again.answer_due == beijing(2026, 11, 4, 0, 0)
    assert sorted((d.kind, d.due) for _, d in _pending(scheduler)) == [
        (ANSWER_DUE, beijing(2026, 11, 4, 0, 0)),
        (MEETING_DUE, beijing(2026, 10, 24, 0, 0)),
    ]

    # Nobody met by 10-24 00:00: flagged overdue; the answer is not overdue yet.
    clock.advance(beijing(2026, 10, 24, 0, 0) - clock())
    assert scheduler.fire_due()[0] == 1
    flagged = billing.acceptances(billing.get_project(project_id))["trial-run"]
    assert flagged.overdue == (MEETING_DUE,)
    assert flagged.state is AcceptanceState.POINTS_RAISED

    # The answer is late too: flagged when its deadline passes.
    clock.advance(beijing(2026, 11, 4, 0, 0) - clock())
    assert scheduler.fire_due()[0] == 1
    assert billing.acceptances(billing.get_project(project_id))["trial-run"].overdue == (
        MEETING_DUE,
        ANSWER_DUE,
    )
    assert accepted_events(billing) == []

    # Each flag is published as DeliverableOverdue, keyed by the project.
    published = [translate(billing.mapper.to_domain_event(n)) for n in billing.notifications_after(0, 1000)]
    overdue = [o for o in published if o is not None and isinstance(o.message, DeliverableOverdue)]
    assert [
        (o.key, o.message.kind, o.message.due.ToDatetime(tzinfo=UTC), o.message.noticed_at.ToDatetime(tzinfo=UTC))
        for o in overdue
    ] == [
        (str(project_id), MEETING_DUE, beijing(2026, 10, 24, 0, 0), beijing(2026, 10, 24, 0, 0)),
        (str(project_id), ANSWER_DUE, beijing(2026, 11, 4, 0, 0), beijing(2026, 11, 4, 0, 0)),
    ]
    assert {(o.message.deliverable, o.message.customer_id, o.message.round) for o in overdue} == {
        ("trial-run", "cust-7", 2)
    }


def test_an_overdue_flag_recorded_before_it_was_published_is_not_published():
    # Such an event lacks the project, deliverable and customer the message requires; the
    # store's mapper builds events from their stored attributes, as here.
    old = object.__new__(DeliverableAcceptance.Overdue)
    old.__dict__.update(
        originator_id=uuid4(), originator_version=3, timestamp=datetime(2026, 10, 24, tzinfo=UTC),
        kind=ANSWER_DUE, due=datetime(2026, 10, 23, 16, 0, tzinfo=UTC),
        noticed_at=datetime(2026, 10, 23, 16, 0, tzinfo=UTC),
    )

    assert translate(old) is None


def test_points_raised_after_the_window_ended_are_refused_naming_the_state(billing, clock):
    project_id = project(billing)
    billing.submit_deliverable(project_id, "trial-run")
    clock.advance(beijing(2026, 10, 13, 0, 0) - clock())  # not fired yet

    with pytest.raises(WrongState) as wrong:
        billing.raise_points(project_id, "trial-run", ["too late"])
    assert str(wrong.value).startswith("deliverable trial-run is submitted: cannot raise points after")


def test_an_explicit_acceptance_cancels_the_window_and_a_second_one_names_the_state(
    billing, scheduler, clock
):
    project_id = project(billing)
    billing.submit_deliverable(project_id, "trial-run")
    clock.advance(beijing(2026, 10, 8, 10, 0) - clock())
    accepted = billing.accept_deliverable(project_id, "trial-run")
    assert (accepted.state, accepted.deemed, accepted.accepted_at) == (
        AcceptanceState.ACCEPTED,
        False,
        beijing(2026, 10, 8, 10, 0),
    )
    assert _pending(scheduler) == []

    with pytest.raises(WrongState) as wrong:
        billing.accept_deliverable(project_id, "trial-run")
    assert str(wrong.value) == "deliverable trial-run is accepted: cannot accept"
    assert len(accepted_events(billing)) == 1


def test_production_use_deems_accepted_at_once_even_with_points_open(billing, scheduler, clock):
    project_id = project(billing)
    billing.submit_deliverable(project_id, "trial-run")
    clock.advance(beijing(2026, 10, 8, 10, 0) - clock())
    billing.raise_points(project_id, "trial-run", ["missing chart"])
    clock.advance(beijing(2026, 10, 9, 16, 30) - clock())

    accepted = billing.put_into_production(project_id, "trial-run")

    assert (accepted.state, accepted.deemed, accepted.accepted_at) == (
        AcceptanceState.ACCEPTED,
        True,
        beijing(2026, 10, 9, 16, 30),
    )
    assert accepted.acceptance_reason == "put into production use"
    assert _pending(scheduler) == []


def test_production_use_is_refused_where_the_terms_do_not_deem_it_acceptance(billing):
    project_id = project(billing, service_code="operability-consulting", package="standard")
    billing.submit_deliverable(project_id, "research-report")

    with pytest.raises(AcceptanceRefused) as refused:
        billing.put_into_production(project_id, "research-report")
    assert refused.value.field == "deliverable"


def test_silence_is_no_acceptance_where_the_terms_give_it_no_effect(billing, scheduler, clock):
    project_id = project(billing, service_code="operability-consulting", package="standard")
    submitted = billing.submit_deliverable(project_id, "research-report")
    assert submitted.window_end == beijing(2026, 10, 13, 0, 0)
    clock.advance(beijing(2026, 10, 13, 0, 0) - clock())

    assert scheduler.fire_due()[0] == 1
    assert billing.acceptances(billing.get_project(project_id))["research-report"].state is (
        AcceptanceState.SUBMITTED
    )
    assert accepted_events(billing) == []


def test_commands_on_unknown_or_unsubmitted_deliverables_are_refused(billing):
    project_id = project(billing)
    with pytest.raises(CommandRefused) as unknown:
        billing.submit_deliverable(project_id, "kick-off")
    assert unknown.value.field == "deliverable"
    with pytest.raises(WrongState) as unsubmitted:
        billing.accept_deliverable(project_id, "trial-run")
    assert unsubmitted.value.state is AcceptanceState.NOT_SUBMITTED
    with pytest.raises(CommandRefused) as future:
        billing.submit_deliverable(project_id, "trial-run", submitted_at=beijing(2026, 9, 30, 9, 0))
    assert future.value.field == "submitted_at"


def test_a_service_without_milestones_is_accepted_as_one_package(billing):
    project_id = project(billing, service_code="cloud-escort", package="basic")
    assert billing.deliverables(billing.get_project(project_id)) == ["package"]
    assert billing.submit_deliverable(project_id, "package").final is True


def _pending(scheduler):
    scheduler.catch_up()
    return scheduler.pending()


def test_a_meeting_not_held_is_overdue_even_after_a_resubmission_and_a_held_one_is_not(
    billing, scheduler, clock
):
    first, second = project(billing), project(billing)
    for project_id in (first, second):
        billing.submit_deliverable(project_id, "trial-run")
    clock.advance(beijing(2026, 10, 9, 10, 0) - clock())
    for project_id in (first, second):
        billing.raise_points(project_id, "trial-run", ["gap"])
        billing.answer_points(project_id, "trial-run", ["closed"])
        billing.submit_deliverable(project_id, "trial-run")
    clock.advance(beijing(2026, 10, 12, 10, 0) - clock())
    for project_id in (first, second):
        billing.raise_points(project_id, "trial-run", ["gap again"])
    # Meeting due within 3 working days of Mon 10-12: 13, 14, 15 → 10-16 00:00.
    clock.advance(beijing(2026, 10, 13, 9, 0) - clock())
    billing.record_meeting(second, "trial-run")
    for project_id in (first, second):
        billing.answer_points(project_id, "trial-run", ["closed again"])
        billing.submit_deliverable(project_id, "trial-run")
    with pytest.raises(WrongState):
        billing.record_meeting(second, "trial-run")

    clock.advance(beijing(2026, 10, 16, 0, 0) - clock())
    assert scheduler.fire_due()[0] == 1

    acceptances = [billing.acceptances(billing.get_project(p))["trial-run"] for p in (first, second)]
    assert [a.overdue for a in acceptances] == [(MEETING_DUE,), ()]
    assert [a.state for a in acceptances] == [AcceptanceState.SUBMITTED] * 2


def test_a_written_acceptance_after_a_silent_window_finds_it_deemed_at_the_window_end(billing, clock):
    project_id = project(billing)
    billing.submit_deliverable(project_id, "trial-run")
    clock.advance(beijing(2026, 10, 13, 9, 0) - clock())  # the deadline has not fired yet

    accepted = billing.accept_deliverable(project_id, "trial-run")

    assert (accepted.deemed, accepted.accepted_at, accepted.acceptance_reason) == (
        True,
        beijing(2026, 10, 13, 0, 0),
        "no written non-conformance points within the window",
    )
