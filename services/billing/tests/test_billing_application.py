from datetime import UTC, date, datetime
from uuid import uuid4

import pytest
from eventsourcing.application import AggregateNotFoundError

from servicehub_runtime.eventstore import IntegrityError, Tracking

ORDERED_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
STREAM = "intake.service-ordered.v1:0"


def register(billing, project_id, *, customer_id="cust-7", position=None):
    billing.register_project(
        project_id=project_id,
        customer_id=customer_id,
        service_code="db-migration",
        package="premium",
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
    assert project.service_code == "db-migration"
    assert project.package == "premium"
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
    assert billing.get_project(project_id).package == "premium"


def test_a_conflicting_registration_records_no_position(billing):
    project_id = uuid4()
    register(billing, project_id, position=Tracking(application_name=STREAM, notification_id=12))

    with pytest.raises(IntegrityError):
        register(billing, project_id, position=Tracking(application_name=STREAM, notification_id=13))

    assert billing.position(STREAM) == 12


def test_an_unknown_project_is_not_found(billing):
    with pytest.raises(AggregateNotFoundError):
        billing.get_project(uuid4())
