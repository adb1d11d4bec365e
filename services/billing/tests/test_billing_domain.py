from datetime import UTC, date, datetime
from uuid import uuid4

from servicehub_billing.domain import Project

ORDERED_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_a_project_is_registered_from_an_order():
    project_id = uuid4()

    project = Project(
        id=project_id,
        customer_id="cust-7",
        service_code="cloud-escort",
        package="standard",
        contract_signed_on=date(2026, 3, 1),
        ordered_at=ORDERED_AT,
    )

    assert project.id == project_id
    assert (
        project.customer_id,
        project.service_code,
        project.package,
        project.contract_signed_on,
        project.ordered_at,
    ) == ("cust-7", "cloud-escort", "standard", date(2026, 3, 1), ORDERED_AT)
    assert project.version == 1
    [registered] = project.collect_events()
    assert isinstance(registered, Project.Registered)
    assert registered.originator_id == project_id
    assert project.registered_at == registered.timestamp
