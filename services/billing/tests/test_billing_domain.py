"""Orders become projects: catalogue checks, milestone dates, lead time, customer delays.
Every date below is worked out by hand from the 2026 PRC calendar."""

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from servicehub_billing.catalogue import Milestone
from servicehub_billing.domain import (
    CommandRefused,
    CustomerDelay,
    DelayKeyReused,
    OrderRefused,
    Project,
    ProjectState,
    milestone_schedule,
)

ORDERED_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
DELAY_RECORDED_AT = datetime(2026, 10, 2, 8, 0, tzinfo=UTC)


def order(catalogue, calendar, **overrides):
    fields = dict(
        id=uuid4(),
        customer_id="cust-7",
        service_code="operability-consulting",
        package="standard",
        contract_signed_on=date(2026, 9, 21),
        requested_start_on=None,
        ordered_at=ORDERED_AT,
        catalogue=catalogue,
        calendar=calendar,
    )
    fields.update(overrides)
    return Project.order(**fields)


def due_dates(project):
    return [(m.code, m.due_on) for m in project.milestones]


def test_operability_consulting_milestones_are_calendar_days_from_signing(catalogue, calendar):
    # T = Mon 2026-09-21; T+3/T+10/T+24/T+28/T+30 are calendar days, National Day included.
    project = order(catalogue, calendar)

    assert due_dates(project) == [
        ("kick-off", date(2026, 9, 24)),
        ("research-report", date(2026, 10, 1)),
        ("assessment", date(2026, 10, 15)),
        ("remediation-plan", date(2026, 10, 19)),
        ("acceptance", date(2026, 10, 21)),
    ]
    assert project.catalogue_version == catalogue.version == "2026.1"
    assert project.state is ProjectState.PLANNED
    assert project.rejection is None
    [registered] = project.collect_events()
    assert isinstance(registered, Project.Registered)
    assert registered.catalogue_version == "2026.1"


def test_working_day_offsets_count_business_days(catalogue, calendar):
    # No seed template uses working days yet; one that did: T = Tue 2026-09-29, T+5 working
    # days skips National Day (10-01…10-07 holiday, 09-30 W1, 10-08 W2, 10-09 W3) and counts
    # the make-up Saturday 10-10 (W4): due Mon 10-12.
    service = catalogue.service("operability-consulting").model_copy(
        update={
            "milestones": (
                Milestone(code="plan", name_zh="计划", offset=1, day_kind="working"),
                Milestone(code="report", name_zh="报告", offset=5, day_kind="working"),
            )
        }
    )

    schedule = milestone_schedule(service, date(2026, 9, 29), calendar)

    assert [(m.code, m.due_on) for m in schedule] == [
        ("plan", date(2026, 9, 30)),
        ("report", date(2026, 10, 12)),
    ]


def test_undated_milestones_stay_undated(catalogue, calendar):
    # §29 leaves the dates to the project plan.
    project = order(catalogue, calendar, service_code="big-data-platform-migration", package="consulting")

    assert len(project.milestones) == 5
    assert {m.due_on for m in project.milestones} == {None}


def test_an_unknown_service_is_refused_naming_known_codes(catalogue, calendar):
    with pytest.raises(OrderRefused) as refused:
        order(catalogue, calendar, service_code="tea-ceremony")

    reason = str(refused.value)
    assert reason.startswith("unknown service_code 'tea-ceremony' (catalogue 2026.1); known: ")
    assert "(29 in all)" in reason
    assert len(reason) < 300


def test_a_package_the_service_lacks_is_refused_naming_its_packages(catalogue, calendar):
    with pytest.raises(OrderRefused, match=r"^service operability-consulting has no package 'gold'; it has: standard$"):
        order(catalogue, calendar, package="gold")


def test_a_huge_unknown_code_still_gives_a_short_reason(catalogue, calendar):
    with pytest.raises(OrderRefused) as refused:
        order(catalogue, calendar, service_code="x" * 5000)

    assert len(str(refused.value)) < 300


# Lead time around Spring Festival 2026: holidays 02-15…02-23 (02-15, 02-21, 02-22 rest
# days), make-up working Saturdays 02-14 and 02-28. Ordered Thu 02-05 10:00 Beijing, ten
# working days on: 02-06 W1, 02-09…02-13 W2–W6, Sat 02-14 W7, 02-24 W8, 02-25 W9, 02-26 W10.
ORDERED_BEFORE_SPRING_FESTIVAL = datetime(2026, 2, 5, 2, 0, tzinfo=UTC)


def test_a_start_before_the_lead_time_is_rejected_with_the_earliest_allowed_start(
    catalogue, calendar
):
    project = order(
        catalogue,
        calendar,
        service_code="cloud-escort",
        package="basic",
        ordered_at=ORDERED_BEFORE_SPRING_FESTIVAL,
        requested_start_on=date(2026, 2, 25),
    )

    assert project.state is ProjectState.REJECTED
    assert project.rejection.startswith("earliest allowed start 2026-02-26: requested 2026-02-25")
    assert "10 working days" in project.rejection
    assert project.requested_start_on == date(2026, 2, 25)


def test_a_start_on_the_earliest_allowed_day_is_accepted(catalogue, calendar):
    project = order(
        catalogue,
        calendar,
        service_code="cloud-escort",
        package="basic",
        ordered_at=ORDERED_BEFORE_SPRING_FESTIVAL,
        requested_start_on=date(2026, 2, 26),
    )

    assert project.state is ProjectState.PLANNED
    assert project.rejection is None


def test_the_lead_time_counts_from_the_beijing_day_of_the_order(catalogue, calendar):
    # 2026-02-05 17:00 UTC is Fri 02-06 01:00 in Beijing: the tenth working day is 02-27.
    late_evening_utc = datetime(2026, 2, 5, 17, 0, tzinfo=UTC)

    project = order(
        catalogue,
        calendar,
        service_code="cloud-escort",
        package="basic",
        ordered_at=late_evening_utc,
        requested_start_on=date(2026, 2, 26),
    )

    assert project.rejection.startswith("earliest allowed start 2026-02-27")


def test_migration_needs_fifteen_working_days(catalogue, calendar):
    # 02-26 W10, 02-27 W11, Sat 02-28 W12, 03-02 W13, 03-03 W14, 03-04 W15.
    def start(on):
        return order(
            catalogue,
            calendar,
            service_code="cloud-migration",
            package="consulting",
            ordered_at=ORDERED_BEFORE_SPRING_FESTIVAL,
            requested_start_on=on,
        ).state

    assert start(date(2026, 3, 3)) is ProjectState.REJECTED
    assert start(date(2026, 3, 4)) is ProjectState.PLANNED


# The shipped calendar ends 2026-12-31. Ordered Thu 12-17 10:00 Beijing, ten working days
# on: 12-18 W1, 12-21…12-25 W2–W6, 12-28…12-31 W7–W10. Ordered Fri 12-18, the 10th working
# day would fall in 2027, past the calendar's data.
ORDERED_THU_DECEMBER_17 = datetime(2026, 12, 17, 2, 0, tzinfo=UTC)
ORDERED_FRI_DECEMBER_18 = datetime(2026, 12, 18, 2, 0, tzinfo=UTC)


def test_the_last_working_day_of_the_calendar_can_be_the_earliest_start(catalogue, calendar):
    def start(on):
        return order(
            catalogue, calendar, service_code="cloud-escort", package="basic",
            ordered_at=ORDERED_THU_DECEMBER_17, requested_start_on=on,
        )

    assert start(date(2026, 12, 31)).state is ProjectState.PLANNED
    assert start(date(2026, 12, 30)).rejection == (
        "earliest allowed start 2026-12-31: requested 2026-12-30 breaks the lead time of 10 working days"
    )


def test_a_start_inside_the_lead_time_is_rejected_when_the_earliest_start_is_past_the_calendar(
    catalogue, calendar
):
    # 2026-12-28 is only the 6th working day after the order: too early whatever 2027 holds.
    project = order(
        catalogue, calendar, service_code="cloud-escort", package="basic",
        ordered_at=ORDERED_FRI_DECEMBER_18, requested_start_on=date(2026, 12, 28),
    )

    assert project.state is ProjectState.REJECTED
    assert project.rejection == (
        "earliest allowed start lies beyond the business calendar's data (horizon 2026-12-31;"
        " 10 working days after 2026-12-18, the Beijing day of the order):"
        " requested 2026-12-28 breaks the lead time of 10 working days"
    )


def test_a_start_past_the_calendar_cannot_be_judged_and_the_order_is_refused(catalogue, calendar):
    with pytest.raises(OrderRefused) as refused:
        order(
            catalogue, calendar, service_code="cloud-escort", package="basic",
            ordered_at=ORDERED_FRI_DECEMBER_18, requested_start_on=date(2027, 1, 11),
        )

    assert str(refused.value).startswith(
        "cannot date the order: business calendar has no data for 2027-01-01: its data horizon is 2026-12-31"
    )


def test_a_customer_delay_pushes_only_the_later_milestones(catalogue, calendar):
    project = order(catalogue, calendar)
    project.collect_events()

    project.record_customer_delay(
        key="delay-1",
        milestone_code="research-report",
        reason="research data handed over late",
        days=5,
        recorded_at=DELAY_RECORDED_AT,
    )

    assert due_dates(project) == [
        ("kick-off", date(2026, 9, 24)),
        ("research-report", date(2026, 10, 1)),
        ("assessment", date(2026, 10, 20)),
        ("remediation-plan", date(2026, 10, 24)),
        ("acceptance", date(2026, 10, 26)),
    ]
    [recorded] = project.collect_events()
    assert isinstance(recorded, Project.CustomerDelayRecorded)
    assert recorded.delay == CustomerDelay(
        "delay-1",
        "research-report", "research data handed over late", 5, DELAY_RECORDED_AT
    )


def test_customer_delays_add_up(catalogue, calendar):
    project = order(catalogue, calendar)

    project.record_customer_delay(
        key="delay-2",
        milestone_code="kick-off", reason="no meeting room", days=2, recorded_at=DELAY_RECORDED_AT
    )
    project.record_customer_delay(
        key="delay-3",
        milestone_code="assessment", reason="approver away", days=3, recorded_at=DELAY_RECORDED_AT
    )

    assert due_dates(project) == [
        ("kick-off", date(2026, 9, 24)),
        ("research-report", date(2026, 10, 3)),
        ("assessment", date(2026, 10, 17)),
        ("remediation-plan", date(2026, 10, 24)),
        ("acceptance", date(2026, 10, 26)),
    ]
    assert [d.days for d in project.customer_delays] == [2, 3]


@pytest.mark.parametrize(
    ("command", "field", "description"),
    [
        (dict(milestone_code="go-live"), "milestone_code", "no milestone 'go-live' in this project; it has: kick-off, research-report, assessment, remediation-plan, acceptance"),
        (dict(reason="  "), "reason", "must say what the customer caused"),
        (dict(reason="x" * 1001), "reason", "must be at most 1000 characters"),
        (dict(days=0), "days", "must be between 1 and 365"),
        (dict(days=366), "days", "must be between 1 and 365"),
        (dict(key=""), "idempotency_key", "must be 1–128 characters"),
        (dict(key="k" * 129), "idempotency_key", "must be 1–128 characters"),
    ],
)
def test_a_delay_breaking_a_rule_is_refused_and_changes_nothing(
    catalogue, calendar, command, field, description
):
    project = order(catalogue, calendar)
    project.collect_events()
    before = due_dates(project)

    with pytest.raises(CommandRefused) as refused:
        project.record_customer_delay(
            **{"key": "k-1", "milestone_code": "kick-off", "reason": "late", "days": 1, **command},
            recorded_at=DELAY_RECORDED_AT,
        )

    assert (refused.value.field, refused.value.description) == (field, description)
    assert due_dates(project) == before
    assert project.collect_events() == []


def test_a_rejected_project_takes_no_delay(catalogue, calendar):
    project = order(
        catalogue,
        calendar,
        ordered_at=ORDERED_BEFORE_SPRING_FESTIVAL,
        requested_start_on=date(2026, 2, 6),
    )

    with pytest.raises(CommandRefused, match="project_id: the project was rejected"):
        project.record_customer_delay(
            key="delay-5",
            milestone_code="kick-off", reason="late", days=1, recorded_at=DELAY_RECORDED_AT
        )


def test_undated_milestones_take_no_delay(catalogue, calendar):
    project = order(catalogue, calendar, service_code="big-data-platform-migration", package="consulting")
    first = project.milestones[0].code

    with pytest.raises(CommandRefused, match="milestone_code: the milestones of this service are not dated"):
        project.record_customer_delay(
            key="delay-6",
            milestone_code=first, reason="late", days=1, recorded_at=DELAY_RECORDED_AT
        )


def test_a_retried_delay_changes_nothing_and_a_reused_key_is_refused(catalogue, calendar):
    project = order(catalogue, calendar)
    delay = dict(milestone_code="kick-off", reason="no meeting room", days=2, recorded_at=DELAY_RECORDED_AT)
    project.record_customer_delay(key="ticket-88", **delay)
    project.collect_events()
    before = due_dates(project)

    project.record_customer_delay(key="ticket-88", **delay)
    with pytest.raises(DelayKeyReused, match="'ticket-88' was used for another delay"):
        project.record_customer_delay(key="ticket-88", **{**delay, "days": 3})

    assert due_dates(project) == before
    assert project.collect_events() == []
    assert len(project.customer_delays) == 1
