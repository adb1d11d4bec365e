"""sla's business metrics (metrics.py) on the day worked by hand in test_sla_queries.py:
SPT-001 (7x24), Mon 2026-10-12, Beijing — A P1 (response met, resolution at 83 %), B P0
(response breached at 10:15), C P2 (response at 91.7 %), looked at 12:50. Every ticket runs
on the shipped default policy SPT-001."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from uuid import uuid4

import pytest

from servicehub_businesstime import SHANGHAI
from servicehub_runtime.projection import Projection
from servicehub_sla.availability import MaintenanceKind
from servicehub_sla.domain import CLOSERS, Priority, Ticket, Update
from servicehub_sla.metrics import SlaMetricsView, availability_families, families
from servicehub_sla.projections import AvailabilityView

PLANNED, EMERGENCY = MaintenanceKind.PLANNED, MaintenanceKind.EMERGENCY


def open_ticket(h, priority, opened):
    ticket_id = uuid4()
    h.sla.register_ticket(ticket_id=ticket_id, customer_id="cust-7", priority=priority,
                          service_plan="7x24", opened_at=opened)
    return ticket_id


def update(h, ticket_id, kind, at, **details):
    h.run_until(at)
    h.sla.update_ticket(ticket_id, f"{kind}-{details}-{at.isoformat()}", Update(kind, at, **details))


LOOKED_AT = datetime(2026, 10, 12, 12, 50, tzinfo=SHANGHAI)


def samples(view: Projection, now: datetime = LOOKED_AT,
            policy_ids: tuple[str, ...] = ("SPT-001",)) -> dict[tuple[str, tuple[str, ...]], float]:
    """Every exported sample: (name, label values) -> value."""
    view.catch_up()
    return {
        (sample.name, tuple(sample.labels.values())): sample.value
        for family in families(view, policy_ids, now)
        for sample in family.samples
    }


def by_priority(exported: dict, name: str) -> dict[str, float]:
    """Per priority (the first label), summed over the other labels."""
    totals: Counter[str] = Counter()
    for (sample, labels), value in exported.items():
        if sample == name:
            totals[labels[0]] += value
    return dict(totals)


def named(exported: dict, name: str) -> dict[tuple[str, ...], float]:
    return {labels: value for (sample, labels), value in exported.items() if sample == name}


@pytest.fixture
def day(harness, at, tmp_path):
    h = harness(at("2026-10-12 09:00"))
    a = open_ticket(h, Priority.P1, at("2026-10-12 09:00"))
    update(h, a, "first-response", at("2026-10-12 09:20"))
    update(h, a, "problem-confirmed", at("2026-10-12 09:30"))
    h.run_until(at("2026-10-12 10:00"))
    b = open_ticket(h, Priority.P0, at("2026-10-12 10:00"))
    h.run_until(at("2026-10-12 11:00"))
    c = open_ticket(h, Priority.P2, at("2026-10-12 11:00"))
    h.run_until(at("2026-10-12 12:50"))
    view = Projection(h.sla, SlaMetricsView(), tmp_path / "sla-metrics.sqlite")
    yield h, (a, b, c), view
    view.close()


def test_open_at_risk_breached_met_and_escalations(day) -> None:
    h, tickets, view = day
    exported = samples(view)

    assert by_priority(exported, "servicehub_sla_open_tickets") == {
        "P0": 1, "P1": 1, "P2": 1, "P3": 0, "P4": 0}
    # A's resolution and C's response are past a threshold; B's response ran out: breached
    assert by_priority(exported, "servicehub_sla_tickets_at_risk") == {
        "P0": 0, "P1": 1, "P2": 1, "P3": 0, "P4": 0}
    assert by_priority(exported, "servicehub_sla_breaches_total") == {
        "P0": 1, "P1": 0, "P2": 0, "P3": 0, "P4": 0}
    assert by_priority(exported, "servicehub_sla_targets_met_total") == {
        "P0": 0, "P1": 1, "P2": 0, "P3": 0, "P4": 0}  # A's response, in 20 of 30 minutes
    escalations = Counter(
        (e.priority.value, str(e.threshold_percent))
        for ticket_id in tickets for e in h.events(ticket_id, Ticket.Escalated)
    )
    assert len(escalations) >= 3  # 80 % of A's resolution, 80 and 90 % of C's response, B's
    assert {labels: value for (name, labels), value in exported.items()
            if name == "servicehub_sla_escalations_total"} == escalations


def test_a_ticket_closed_by_both_is_no_longer_open_and_a_rebuilt_view_agrees(day, at, tmp_path) -> None:
    h, (a, b, c), view = day
    update(h, a, "solution-given", at("2026-10-12 13:10"))
    update(h, a, "close-confirmed", at("2026-10-12 13:20"), confirmed_by=CLOSERS[0])
    assert by_priority(samples(view), "servicehub_sla_open_tickets")["P1"] == 1  # one closer only
    update(h, a, "close-confirmed", at("2026-10-12 13:30"), confirmed_by=CLOSERS[1])
    update(h, b, "priority-changed", at("2026-10-12 13:40"), priority=Priority.P2)

    exported = samples(view)
    assert by_priority(exported, "servicehub_sla_open_tickets") == {
        "P0": 0, "P1": 0, "P2": 2, "P3": 0, "P4": 0}
    assert by_priority(exported, "servicehub_sla_targets_met_total")["P1"] == 2  # A resolved in time
    assert by_priority(exported, "servicehub_sla_tickets_at_risk")["P1"] == 0

    rebuilt = Projection(h.sla, SlaMetricsView(), tmp_path / "rebuilt.sqlite")
    try:
        assert samples(rebuilt) == exported
    finally:
        rebuilt.close()


def test_open_tickets_are_counted_by_priority_and_policy_and_every_loaded_policy_has_series(day) -> None:
    _, _, view = day
    open_tickets = named(samples(view, policy_ids=("SPT-001", "SPT-002")), "servicehub_sla_open_tickets")

    assert {labels: value for labels, value in open_tickets.items() if value} == {
        ("P0", "SPT-001"): 1, ("P1", "SPT-001"): 1, ("P2", "SPT-001"): 1}
    # a loaded policy without tickets yet: zeros, so its series exist before the first one
    assert {labels for labels in open_tickets if labels[1] == "SPT-002"} == {
        (p.value, "SPT-002") for p in Priority}


def test_targets_this_month_count_the_current_beijing_month_only(day, at) -> None:
    _, _, view = day

    def this_month(now):
        return {labels: value for labels, value in
                named(samples(view, now=now), "servicehub_sla_targets_this_month").items() if value}

    # B's response ran out at 10:15, A's response was met at 09:20
    assert this_month(at("2026-10-12 12:50")) == {("P0", "breached"): 1, ("P1", "met"): 1}
    assert this_month(at("2026-10-31 23:59")) == {("P0", "breached"): 1, ("P1", "met"): 1}
    # 2026-11-01 00:10 in Beijing is still October 31 in UTC: November has nothing yet
    assert this_month(at("2026-11-01 00:10")) == {}
    assert len(named(samples(view), "servicehub_sla_targets_this_month")) == 2 * len(Priority)


def test_availability_and_maintenance_notices_of_the_current_month_and_year(sla, at, tmp_path) -> None:
    """test_sla_availability.py's October (agreed window excluded, 3.5 h down of 740 h
    measured) and one emergency window announced 1 h ahead instead of 2 (1 h more down)."""
    sla.plan_maintenance("w-oct", PLANNED, None, None, at("2026-10-08 02:00"), "")
    sla.record_outage("o-1", at("2026-10-15 10:00"), at("2026-10-15 11:30"), at("2026-10-15 11:45"), "")
    sla.plan_maintenance("e-1", EMERGENCY, at("2026-10-20 22:00"), at("2026-10-20 23:00"),
                         at("2026-10-20 19:00"), "")
    sla.record_outage("o-2", at("2026-10-11 05:00"), at("2026-10-11 07:00"), at("2026-10-11 07:10"), "")
    sla.plan_maintenance("e-late", EMERGENCY, at("2026-10-25 10:00"), at("2026-10-25 11:00"),
                         at("2026-10-25 09:00"), "", customer_id="cust-7")  # a customer's: not service-wide
    view = Projection(sla, AvailabilityView(), tmp_path / "availability.sqlite")
    view.catch_up()

    def exported(now):
        return {(family.name, tuple(sample.labels.values())): sample.value
                for family in availability_families(view, sla.get_record, now) for sample in family.samples}

    try:
        october = exported(at("2026-10-31 12:00"))
        assert round(october["servicehub_sla_availability_ratio", ("month",)], 6) == round(1 - 3.5 / 740, 6)
        assert round(october["servicehub_sla_availability_ratio", ("year",)], 6) == round(1 - 3.5 / 8756, 6)
        assert {labels: value for (name, labels), value in october.items()
                if name == "servicehub_sla_maintenance_notices" and value} == {
            ("month", "planned", "true"): 1, ("month", "emergency", "true"): 1,
            ("month", "emergency", "false"): 1,
            ("year", "planned", "true"): 1, ("year", "emergency", "true"): 1,
            ("year", "emergency", "false"): 1,
        }

        november = exported(at("2026-11-01 00:10"))  # Beijing: still October 31 in UTC
        assert november["servicehub_sla_availability_ratio", ("month",)] == 1.0
        assert {labels for (name, labels), value in november.items()
                if name == "servicehub_sla_maintenance_notices" and value} == {
            ("year", "planned", "true"), ("year", "emergency", "true"), ("year", "emergency", "false")}
        assert len([name for name, _ in november if name == "servicehub_sla_maintenance_notices"]) == 8
    finally:
        view.close()
