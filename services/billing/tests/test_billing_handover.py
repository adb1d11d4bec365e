"""Windows that start when everything was handed over (seed 001 §1, §18: 如客户收到阿里云提交的
全部交付物后，5个工作日内未反馈则自动完成项目验收) or when the acceptance report was uploaded (§22:
上传验收报告的7天后自动确认服务完结). Instants are Beijing time, worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from servicehub.billing.v1 import billing_pb2 as pb
from servicehub_billing.acceptance import ACCEPTANCE_WINDOW, AcceptanceState
from servicehub_billing.domain import CommandRefused
from servicehub_businesstime import SHANGHAI
from servicehub_runtime.deadlines import DeadlineScheduler
from servicehub_runtime.wallclock import ManualClock

ARCHITECTURE = "data-platform-architecture-consulting"
# Tue 2026-09-29 15:00: 5 working days on are 09-30, 10-08, 10-09, Sat 10-10 (make-up), 10-12.
LAST_RECEIVED = datetime(2026, 9, 29, 15, 0, tzinfo=SHANGHAI)
WINDOW_END = datetime(2026, 10, 13, 0, 0, tzinfo=SHANGHAI)


@pytest.fixture
def clock():
    return ManualClock(datetime(2026, 10, 2, 9, 0, tzinfo=SHANGHAI))


@pytest.fixture
def billing(open_billing, clock):
    return open_billing(clock)


def project(billing, service_code=ARCHITECTURE, package="standard"):
    project_id = uuid4()
    billing.register_project(
        project_id=project_id, customer_id="walk-in", service_code=service_code, package=package,
        contract_signed_on=date(2026, 9, 1), ordered_at=datetime(2026, 9, 1, tzinfo=UTC),
    )
    return project_id


def package_acceptance(billing, project_id):
    return billing.acceptances(billing.get_project(project_id)).get("package")


def test_every_deliverable_of_the_phases_is_received_before_the_project_is_accepted(billing):
    project_id = project(billing)

    assert billing.deliverables(billing.get_project(project_id)) == [
        "preparation", "technical-research", "data-resource-inventory",
        "architecture-design-1", "architecture-design-2", "knowledge-transfer", "package",
    ]


def test_the_window_starts_when_the_last_deliverable_was_received(billing, clock, tmp_path):
    project_id = project(billing)
    items = billing.deliverables(billing.get_project(project_id))[:-1]
    # Handed over out of order: the latest receipt, not the last one recorded, starts it.
    for n, item in enumerate(items[:-1]):
        billing.submit_deliverable(project_id, item, LAST_RECEIVED - timedelta(days=n))
        assert package_acceptance(billing, project_id) is None
    billing.submit_deliverable(project_id, items[-1], LAST_RECEIVED - timedelta(days=7))

    window = package_acceptance(billing, project_id)
    assert window.state is AcceptanceState.SUBMITTED
    assert (window.submitted_at, window.window_end) == (LAST_RECEIVED, WINDOW_END)

    scheduler = DeadlineScheduler(billing, tmp_path / "d.sqlite", {ACCEPTANCE_WINDOW: billing.acceptance_deadline}, clock)
    try:
        clock.advance(WINDOW_END + timedelta(seconds=5) - clock())
        assert scheduler.fire_due()[0] == 1
    finally:
        scheduler.close()
    accepted = package_acceptance(billing, project_id)
    assert (accepted.state, accepted.deemed, accepted.accepted_at) == (AcceptanceState.ACCEPTED, True, WINDOW_END)
    assert billing.project_invoice(project_id).number == "INV-2026-000001"


def test_a_received_deliverable_is_not_accepted_on_its_own_nor_received_twice(billing):
    project_id = project(billing)
    billing.submit_deliverable(project_id, "preparation", LAST_RECEIVED)

    with pytest.raises(CommandRefused) as alone:
        billing.accept_deliverable(project_id, "preparation")
    with pytest.raises(CommandRefused) as twice:
        billing.submit_deliverable(project_id, "preparation", LAST_RECEIVED)

    assert str(alone.value) == (
        "deliverable: preparation is only received; it is accepted with the whole project: package"
    )
    assert str(twice.value) == "deliverable: preparation was received already"


def test_the_project_may_be_handed_in_as_a_whole_when_a_deliverable_does_not_apply(billing):
    # §18's software deliverable exists only "（如有独立部署）": the provider hands the project in.
    project_id = project(billing, "data-platform-implementation-guidance")
    billing.submit_deliverable(project_id, "package", LAST_RECEIVED)
    for item in billing.deliverables(billing.get_project(project_id))[:-1]:
        billing.submit_deliverable(project_id, item, LAST_RECEIVED + timedelta(days=1))

    window = package_acceptance(billing, project_id)
    assert (window.round, window.submitted_at, window.window_end) == (1, LAST_RECEIVED, WINDOW_END)


def test_seven_days_after_the_acceptance_report_is_uploaded_the_service_is_accepted(billing, clock, tmp_path):
    project_id = project(billing, "mpaas-guidance")
    assert billing.deliverables(billing.get_project(project_id)) == ["guidance", "package"]

    # Uploaded Mon 2026-10-12 10:00; the 7th calendar day after it is Mon 10-19.
    clock.advance(datetime(2026, 10, 12, 10, 0, tzinfo=SHANGHAI) - clock())
    billing.submit_deliverable(project_id, "guidance")

    window_end = datetime(2026, 10, 20, 0, 0, tzinfo=SHANGHAI)
    assert package_acceptance(billing, project_id).window_end == window_end
    scheduler = DeadlineScheduler(billing, tmp_path / "d.sqlite", {ACCEPTANCE_WINDOW: billing.acceptance_deadline}, clock)
    try:
        clock.advance(window_end + timedelta(seconds=1) - clock())
        assert scheduler.fire_due()[0] == 1
    finally:
        scheduler.close()
    assert package_acceptance(billing, project_id).deemed


async def test_get_project_shows_what_was_received(billing, api):
    project_id = project(billing, "mpaas-guidance")
    answer = await api.SubmitDeliverable(
        pb.SubmitDeliverableRequest(project_id=str(project_id), deliverable="guidance"), context=None
    )

    shown = (await api.GetProject(pb.GetProjectRequest(project_id=str(project_id)), context=None)).project

    assert (answer.deliverable.code, answer.deliverable.state) == ("guidance", pb.ACCEPTANCE_STATE_RECEIVED)
    assert [(d.code, d.state) for d in shown.deliverables] == [
        ("guidance", pb.ACCEPTANCE_STATE_RECEIVED), ("package", pb.ACCEPTANCE_STATE_SUBMITTED),
    ]
    assert shown.deliverables[1].submitted_at == answer.deliverable.submitted_at


def test_thirty_days_from_the_completed_delivery_the_growth_plan_is_accepted(billing, clock, tmp_path):
    # §24: 交付完成后之日起【30】日内，逾期未出具验收报告，则视为验收通过. The last session was held
    # Wed 2026-09-30 until 16:00; the archive (签到表, 现场照片 …) was handed over on Fri 10-09.
    # 之日起 counts from the day after (民法典 §201): 10-01 is day 1, Fri 10-30 day 30, National
    # Day holidays included (bare 日: calendar days) → the window ends 2026-10-31 00:00 Beijing,
    # not 30 days after the archive (11-09 00:00).
    project_id = project(billing, "expert-growth-plan", "growth-plan")
    assert billing.deliverables(billing.get_project(project_id)) == ["delivery", "package"]
    delivered = datetime(2026, 9, 30, 16, 0, tzinfo=SHANGHAI)
    window_end = datetime(2026, 10, 31, 0, 0, tzinfo=SHANGHAI)
    clock.advance(datetime(2026, 10, 9, 11, 0, tzinfo=SHANGHAI) - clock())

    with pytest.raises(CommandRefused) as early:
        billing.submit_deliverable(project_id, "package")
    assert str(early.value) == (
        "deliverable: the window of package starts when the delivery is completed:"
        " submit delivery when it was delivered"
    )
    assert package_acceptance(billing, project_id) is None

    billing.submit_deliverable(project_id, "delivery", delivered)
    window = package_acceptance(billing, project_id)
    assert (window.state, window.submitted_at, window.window_end) == (
        AcceptanceState.SUBMITTED, delivered, window_end,
    )

    scheduler = DeadlineScheduler(billing, tmp_path / "d.sqlite", {ACCEPTANCE_WINDOW: billing.acceptance_deadline}, clock)
    try:
        clock.advance(window_end - timedelta(seconds=1) - clock())
        assert scheduler.fire_due()[0] == 0
        assert package_acceptance(billing, project_id).state is AcceptanceState.SUBMITTED
        clock.advance(timedelta(seconds=6))
        assert scheduler.fire_due()[0] == 1
    finally:
        scheduler.close()
    accepted = package_acceptance(billing, project_id)
    assert (accepted.state, accepted.deemed, accepted.accepted_at) == (AcceptanceState.ACCEPTED, True, window_end)
    assert billing.project_invoice(project_id).number == "INV-2026-000001"
