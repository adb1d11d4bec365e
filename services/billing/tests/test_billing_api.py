from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from servicehub.billing.v1 import billing_pb2
from servicehub_billing.api import BillingApi
from servicehub_runtime.grpcserver import FieldViolation, InvalidArgument, NotFound

ORDERED_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


async def test_get_project_returns_the_registered_project(billing):
    project_id = uuid4()
    billing.register_project(
        project_id=project_id,
        customer_id="cust-7",
        service_code="health-check",
        package="basic",
        contract_signed_on=date(2026, 1, 5),
        ordered_at=ORDERED_AT,
    )

    response = await BillingApi(billing).GetProject(
        billing_pb2.GetProjectRequest(project_id=str(project_id)), context=None
    )

    assert response.project == billing_pb2.Project(
        project_id=str(project_id),
        customer_id="cust-7",
        service_code="health-check",
        package="basic",
        contract_signed_on="2026-01-05",
        ordered_at=response.project.ordered_at,
    )
    assert response.project.ordered_at.ToDatetime(tzinfo=UTC) == ORDERED_AT


async def test_get_project_rejects_an_id_that_is_not_a_uuid(billing):
    with pytest.raises(InvalidArgument) as raised:
        await BillingApi(billing).GetProject(
            billing_pb2.GetProjectRequest(project_id="ORD-77"), context=None
        )

    assert raised.value.violations == [FieldViolation("project_id", "must be a UUID")]


async def test_get_project_of_an_unknown_id_is_not_found(billing):
    unknown = uuid4()
    with pytest.raises(NotFound, match=str(unknown)):
        await BillingApi(billing).GetProject(
            billing_pb2.GetProjectRequest(project_id=str(unknown)), context=None
        )
