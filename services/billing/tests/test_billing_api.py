from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from servicehub.billing.v1 import billing_pb2
from servicehub_runtime import auth
from servicehub_runtime.grpcserver import Conflict, FieldViolation, InvalidArgument, NotFound

ORDERED_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
# What the billing fixtures' clock reads (conftest).
NOW = datetime(2026, 10, 2, 8, 0, tzinfo=UTC)


def register(billing, **overrides):
    project_id = uuid4()
    fields = dict(
        project_id=project_id,
        customer_id="cust-7",
        service_code="operability-consulting",
        package="standard",
        contract_signed_on=date(2026, 9, 21),
        ordered_at=ORDERED_AT,
    )
    fields.update(overrides)
    billing.register_project(**fields)
    return project_id


def milestones(*dated):
    return [billing_pb2.Milestone(code=code, name_zh=name, due_on=due) for code, name, due in dated]


async def test_get_project_returns_milestones_catalogue_version_and_state(billing, api):
    project_id = register(billing)

    response = await api.GetProject(
        billing_pb2.GetProjectRequest(project_id=str(project_id)), context=None
    )

    assert response.project == billing_pb2.Project(
        project_id=str(project_id),
        customer_id="cust-7",
        service_code="operability-consulting",
        package="standard",
        contract_signed_on="2026-09-21",
        ordered_at=response.project.ordered_at,
        catalogue_version="2026.1",
        state=billing_pb2.PROJECT_STATE_PLANNED,
        milestones=milestones(
            ("kick-off", "项目启动会议", "2026-09-24"),
            ("research-report", "可运维性调研报告", "2026-10-01"),
            ("assessment", "可运维性评估汇报", "2026-10-15"),
            ("remediation-plan", "可运维性改造方案", "2026-10-19"),
            ("acceptance", "项目验收", "2026-10-21"),
        ),
        deliverables=[
            billing_pb2.Deliverable(code=code, state=billing_pb2.ACCEPTANCE_STATE_NOT_SUBMITTED)
            for code in ("kick-off", "research-report", "assessment", "remediation-plan", "acceptance")
        ],
    )
    assert response.project.ordered_at.ToDatetime(tzinfo=UTC) == ORDERED_AT


async def test_get_project_shows_a_rejected_project_with_its_earliest_allowed_start(billing, api):
    project_id = register(
        billing, service_code="cloud-escort", package="basic", requested_start_on=date(2026, 3, 13)
    )

    response = await api.GetProject(
        billing_pb2.GetProjectRequest(project_id=str(project_id)), context=None
    )

    assert response.project.state == billing_pb2.PROJECT_STATE_REJECTED
    assert response.project.requested_start_on == "2026-03-13"
    assert response.project.rejection.startswith("earliest allowed start 2026-03-16")


async def test_get_project_rejects_an_id_that_is_not_a_uuid(billing, api):
    with pytest.raises(InvalidArgument) as raised:
        await api.GetProject(
            billing_pb2.GetProjectRequest(project_id="ORD-77"), context=None
        )
    assert raised.value.violations == [FieldViolation("project_id", "must be a UUID")]


async def test_get_project_of_an_unknown_id_is_not_found(billing, api):
    unknown = uuid4()
    with pytest.raises(NotFound, match=str(unknown)):
        await api.GetProject(
            billing_pb2.GetProjectRequest(project_id=str(unknown)), context=None
        )


def delay(project_id, **overrides):
    fields = dict(
        project_id=str(project_id),
        milestone_code="research-report",
        reason="research data handed over late",
        days=5,
        idempotency_key="ticket-88",
    )
    fields.update(overrides)
    return billing_pb2.RecordCustomerDelayRequest(**fields)


async def test_record_customer_delay_moves_the_later_milestones_and_returns_the_project(billing, api):
    project_id = register(billing)

    response = await api.RecordCustomerDelay(delay(project_id), context=None)

    assert [(m.code, m.due_on) for m in response.project.milestones] == [
        ("kick-off", "2026-09-24"),
        ("research-report", "2026-10-01"),
        ("assessment", "2026-10-20"),
        ("remediation-plan", "2026-10-24"),
        ("acceptance", "2026-10-26"),
    ]
    [recorded] = response.project.customer_delays
    assert (recorded.milestone_code, recorded.reason, recorded.days) == (
        "research-report",
        "research data handed over late",
        5,
    )
    assert recorded.recorded_at.ToDatetime(tzinfo=UTC) == NOW
    read = await api.GetProject(billing_pb2.GetProjectRequest(project_id=str(project_id)), None)
    assert read.project == response.project


@pytest.mark.parametrize(
    ("overrides", "violation"),
    [
        ({"project_id": "ORD-77"}, FieldViolation("project_id", "must be a UUID")),
        (
            {"milestone_code": "go-live"},
            FieldViolation(
                "milestone_code",
                "no milestone 'go-live' in this project; it has: kick-off, research-report,"
                " assessment, remediation-plan, acceptance",
            ),
        ),
        ({"reason": ""}, FieldViolation("reason", "must say what the customer caused")),
        ({"days": 0}, FieldViolation("days", "must be between 1 and 365")),
        ({"days": -3}, FieldViolation("days", "must be between 1 and 365")),
        ({"idempotency_key": ""}, FieldViolation("idempotency_key", "must be 1–128 characters")),
    ],
)
async def test_record_customer_delay_names_the_field_at_fault(billing, overrides, violation, api):
    project_id = register(billing)

    with pytest.raises(InvalidArgument) as raised:
        await api.RecordCustomerDelay(
            delay(overrides.pop("project_id", project_id), **overrides), context=None
        )

    assert raised.value.violations == [violation]
    assert billing.get_project(project_id).version == 1


async def test_record_customer_delay_on_a_rejected_project_names_the_project(billing, api):
    project_id = register(
        billing, service_code="cloud-escort", package="basic", requested_start_on=date(2026, 3, 13)
    )

    with pytest.raises(InvalidArgument) as raised:
        await api.RecordCustomerDelay(
            delay(project_id, milestone_code="kick-off"), context=None
        )

    assert [v.field for v in raised.value.violations] == ["project_id"]


async def test_a_retried_delay_is_recorded_once_and_a_reused_key_conflicts(billing, api):
    project_id = register(billing)
    first = await api.RecordCustomerDelay(delay(project_id), context=None)

    retried = await api.RecordCustomerDelay(delay(project_id), context=None)
    with pytest.raises(Conflict, match="'ticket-88' was used for another delay"):
        await api.RecordCustomerDelay(delay(project_id, days=9), context=None)

    assert retried.project == first.project
    assert len(retried.project.customer_delays) == 1
    assert billing.get_project(project_id).version == 2


async def test_record_customer_delay_for_an_unknown_project_is_not_found(billing, api):
    unknown = uuid4()
    with pytest.raises(NotFound, match=str(unknown)):
        await api.RecordCustomerDelay(delay(unknown), context=None)


async def test_another_customers_project_is_answered_as_an_unknown_one(billing, api):
    project_id, unknown = register(billing), uuid4()  # cust-7's
    answers = []
    with auth.acting_as(auth.Caller("u-1", "customer", auth.Tenant("customer_id", "cust-8"))):
        for target in (project_id, unknown):
            with pytest.raises(NotFound) as raised:
                await api.GetProject(
                    billing_pb2.GetProjectRequest(project_id=str(target)), context=None
                )
            answers.append(str(raised.value).replace(str(target), "<id>"))
    assert answers == ["project <id> not found"] * 2
    with auth.acting_as(auth.Caller("u-2", "customer", auth.Tenant("customer_id", "cust-7"))):
        own = await api.GetProject(
            billing_pb2.GetProjectRequest(project_id=str(project_id)), context=None
        )
    assert own.project.customer_id == "cust-7"
