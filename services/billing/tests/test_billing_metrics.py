"""billing's business metrics (metrics.py) on the hand-worked acceptance window of
test_billing_acceptance.py: trial-run submitted Tue 2026-09-29 15:00 Beijing, its window
ending 2026-10-13 00:00, silence then deeming it accepted and billing cust-7 48,000.00."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from servicehub_billing.acceptance import ACCEPTANCE_WINDOW, ANSWER_DUE, MEETING_DUE
from servicehub_billing.metrics import BillingMetricsView, families
from servicehub_runtime.deadlines import DeadlineScheduler
from servicehub_runtime.projection import Projection
from servicehub_runtime.wallclock import ManualClock

from .test_billing_acceptance import SUBMITTED, beijing, project


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(SUBMITTED)


@pytest.fixture
def billing(open_billing, clock):
    return open_billing(clock)


def samples(view: Projection, now: datetime) -> dict[tuple[str, tuple[str, ...]], float]:
    view.catch_up()
    return {
        (sample.name, tuple(sample.labels.values())): sample.value
        for family in families(view, now)
        for sample in family.samples
    }


def of(exported: dict, name: str) -> dict[tuple[str, ...], float]:
    return {labels: value for (sample, labels), value in exported.items() if sample == name}


def test_projects_deliverables_windows_acceptances_and_invoices(billing, clock, tmp_path) -> None:
    view = Projection(billing, BillingMetricsView(), tmp_path / "metrics.sqlite")
    scheduler = DeadlineScheduler(
        billing, tmp_path / "deadlines.sqlite",
        dict.fromkeys((ACCEPTANCE_WINDOW, ANSWER_DUE, MEETING_DUE), billing.acceptance_deadline), clock,
    )
    try:
        first, second = project(billing), project(billing)
        billing.submit_deliverable(first, "verification")
        billing.accept_deliverable(first, "verification")
        billing.submit_deliverable(first, "trial-run")
        billing.submit_deliverable(second, "trial-run")
        billing.raise_points(second, "trial-run", ["missing chart"])

        exported = samples(view, clock())
        assert of(exported, "servicehub_billing_projects") == {("planned",): 2, ("rejected",): 0}
        assert of(exported, "servicehub_billing_deliverables") == {
            ("submitted",): 1, ("points_raised",): 1, ("points_answered",): 0, ("accepted",): 1}
        assert of(exported, "servicehub_billing_acceptance_windows_ending") == {("1",): 0, ("7",): 0}
        assert of(exported, "servicehub_billing_acceptances_total") == {("deemed",): 0, ("written",): 1}

        now = beijing(2026, 10, 12, 12, 0)  # 12 hours before the window ends
        assert of(samples(view, now), "servicehub_billing_acceptance_windows_ending") == {
            ("1",): 1, ("7",): 1}

        clock.advance(beijing(2026, 10, 13, 0, 0, 5) - clock())
        scheduler.fire_due()
        invoice = billing.project_invoice(first)
        billing.issue_credit_note(invoice.id, key="fix-1", amount=Decimal("1200.50"), reason="discount agreed")

        exported = samples(view, clock())
        assert of(exported, "servicehub_billing_acceptances_total") == {("deemed",): 1, ("written",): 1}
        assert of(exported, "servicehub_billing_deliverables")[("accepted",)] == 2
        assert of(exported, "servicehub_billing_invoices_issued_total") == {(): 1}
        assert of(exported, "servicehub_billing_invoiced_yuan_total") == {(): 48000.0}
        assert of(exported, "servicehub_billing_credit_notes_issued_total") == {(): 1}
        assert of(exported, "servicehub_billing_credited_yuan_total") == {(): 1200.5}
        assert set(of(exported, "servicehub_billing_acceptance_overdue_total")) == {
            (ANSWER_DUE,), (MEETING_DUE,)}

        rebuilt = Projection(billing, BillingMetricsView(), tmp_path / "rebuilt.sqlite")
        try:
            assert samples(rebuilt, clock()) == exported
        finally:
            rebuilt.close()
    finally:
        scheduler.close()
        view.close()
