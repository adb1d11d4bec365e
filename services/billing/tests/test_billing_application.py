from datetime import UTC, date, datetime
from uuid import uuid4

import pytest
from eventsourcing.application import AggregateNotFoundError

from servicehub_billing.domain import CommandRefused, CustomerDelay, OrderRefused, ProjectState
from servicehub_runtime.eventstore import IntegrityError, Tracking

ORDERED_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
# What the billing fixtures' clock reads (conftest).
NOW = datetime(2026, 10, 2, 8, 0, tzinfo=UTC)
STREAM = "intake.service-ordered.v1:0"
PACKAGE = "standard"


def register(billing, project_id, *, customer_id="cust-7", position=None):
    billing.register_project(
        project_id=project_id,
        customer_id=customer_id,
        service_code="operability-consulting",
        package=PACKAGE,
        contract_signed_on=date(2026, 2, 27),
        ordered_at=ORDERED_AT,
        position=position,
    )


def test_a_registered_project_is_read_back_from_the_sqlite_file(open_billing, billing):
    project_id = uuid4()
    register(billing, project_id)

    project = open_billing().get_project(project_id)

    assert project.id == project_id
    assert project.customer_id == "cust-7"
    assert project.service_code == "operability-consulting"
    assert project.package == PACKAGE
    assert type(project.contract_signed_on) is date
    assert project.contract_signed_on == date(2026, 2, 27)
    assert project.ordered_at == ORDERED_AT


def test_registering_the_same_project_twice_conflicts_and_keeps_the_first(billing):
    project_id = uuid4()
    register(billing, project_id, customer_id="first")

    with pytest.raises(IntegrityError):
        register(billing, project_id, customer_id="second")

    project = billing.get_project(project_id)
    assert project.customer_id == "first"
    assert project.version == 1
    assert len(billing.notifications_after(0, 10)) == 1


def test_the_tracking_position_commits_with_the_project(billing):
    project_id = uuid4()
    assert billing.position(STREAM) is None

    register(billing, project_id, position=Tracking(application_name=STREAM, notification_id=12))

    assert billing.position(STREAM) == 12
    assert billing.get_project(project_id).package == PACKAGE


def test_a_conflicting_registration_records_no_position(billing):
    project_id = uuid4()
    register(billing, project_id, position=Tracking(application_name=STREAM, notification_id=12))

    with pytest.raises(IntegrityError):
        register(
            billing, project_id, position=Tracking(application_name=STREAM, notification_id=13)
        )

    assert billing.position(STREAM) == 12


def test_an_unknown_project_is_not_found(billing):
    with pytest.raises(AggregateNotFoundError):
        billing.get_project(uuid4())


def test_the_schedule_delays_and_state_are_read_back_from_the_sqlite_file(open_billing, billing):
    project_id = uuid4()
    register(billing, project_id)
    billing.record_customer_delay(
        project_id,
        key="delay-1",
        milestone_code="research-report",
        reason="data handed over late",
        days=5,
    )

    project = open_billing().get_project(project_id)

    # T = 2026-02-27: T+3, T+10, T+24, T+28, T+30 calendar days; then 5 days' delay after
    # the research report.
    assert [(m.code, m.due_on) for m in project.milestones] == [
        ("kick-off", date(2026, 3, 2)),
        ("research-report", date(2026, 3, 9)),
        ("assessment", date(2026, 3, 28)),
        ("remediation-plan", date(2026, 4, 1)),
        ("acceptance", date(2026, 4, 3)),
    ]
    assert all(type(m.due_on) is date for m in project.milestones)
    assert project.catalogue_version == "2026.1"
    assert project.state is ProjectState.PLANNED
    assert project.requested_start_on is None
    assert project.customer_delays == (
        CustomerDelay("delay-1", "research-report", "data handed over late", 5, NOW),
    )
    assert project.version == 2


def test_a_rejected_project_is_kept_with_its_reason(open_billing, billing):
    project_id = uuid4()
    # Ordered Mon 2026-03-02 17:30 Beijing: the tenth working day after is 03-16.
    billing.register_project(
        project_id=project_id,
        customer_id="cust-7",
        service_code="cloud-escort",
        package="basic",
        contract_signed_on=date(2026, 3, 2),
        requested_start_on=date(2026, 3, 13),
        ordered_at=ORDERED_AT,
    )

    project = open_billing().get_project(project_id)

    assert project.state is ProjectState.REJECTED
    assert project.rejection.startswith("earliest allowed start 2026-03-16")
    assert project.requested_start_on == date(2026, 3, 13)


def test_an_order_the_catalogue_lacks_records_nothing(billing):
    with pytest.raises(OrderRefused, match="no package 'premium'"):
        billing.register_project(
            project_id=uuid4(),
            customer_id="cust-7",
            service_code="operability-consulting",
            package="premium",
            contract_signed_on=date(2026, 2, 27),
            ordered_at=ORDERED_AT,
            position=Tracking(application_name=STREAM, notification_id=5),
        )

    assert billing.notifications_after(0, 10) == []
    assert billing.position(STREAM) is None


def test_a_refused_delay_records_nothing(billing):
    project_id = uuid4()
    register(billing, project_id)

    with pytest.raises(CommandRefused):
        billing.record_customer_delay(
            project_id, key="delay-2", milestone_code="go-live", reason="late", days=1
        )

    assert billing.get_project(project_id).version == 1
    assert len(billing.notifications_after(0, 10)) == 1


def test_a_delay_for_an_unknown_project_is_not_found(billing):
    with pytest.raises(AggregateNotFoundError):
        billing.record_customer_delay(
            uuid4(), key="delay-3", milestone_code="kick-off", reason="late", days=1
        )


def test_a_delay_is_applied_again_to_the_newer_version_after_a_concurrent_write(
    open_billing, billing
):
    project_id = uuid4()
    register(billing, project_id)
    other = open_billing()
    interleaved = []

    def clock_that_lets_another_writer_in():
        # Read between loading the project and saving it: the other writer saves first,
        # exactly once, so the first save conflicts.
        if not interleaved:
            interleaved.append(True)
            other.record_customer_delay(
                project_id, key="delay-4", milestone_code="kick-off", reason="first", days=1
            )
        return NOW

    writer = open_billing(clock=clock_that_lets_another_writer_in)
    writer.record_customer_delay(
        project_id, key="delay-5", milestone_code="kick-off", reason="second", days=2
    )

    project = open_billing().get_project(project_id)
    assert [d.reason for d in project.customer_delays] == ["first", "second"]
    assert project.version == 3
    # acceptance T+30 = 2026-03-29, pushed 1 + 2 days.
    assert project.milestones[-1].due_on == date(2026, 4, 1)
