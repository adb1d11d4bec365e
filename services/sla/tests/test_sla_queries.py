"""At-risk tickets and compliance, worked by hand on SPT-001 (7x24), Mon 2026-10-12, Beijing:

A  P1 09:00 opened; 09:20 first response (30 min target: met in 20 min); 09:30 problem
   confirmed (4 h resolution due 13:30; 80% 12:42, 90% 13:06); 13:10 solution (3 h 40 min).
B  P0 10:00 opened; 15 min response due 10:15 (80% 10:12 ... breached 10:15); 12:55 first
   response (2 h 55 min, late).
C  P2 11:00 opened; 2 h response due 13:00 (80% 12:36, 90% 12:48, 95% 12:54); 12:58 first
   response (1 h 58 min, met).
At 12:50: B 1133.3% (due 10:15, 2 h 35 min ago), C 91.7% (10 min left), A 83.3% (40 min left).
"""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from servicehub_runtime.projection import Projection
from servicehub_sla.domain import Priority, Ticket, Update
from servicehub_sla.projections import TargetsView, TicketQueries, percentile


def open_ticket(h, priority, opened, customer_id="cust-7"):
    ticket_id = uuid4()
    h.sla.register_ticket(ticket_id=ticket_id, customer_id=customer_id, priority=priority,
                          service_plan="7x24", opened_at=opened)
    return ticket_id


def update(h, ticket_id, kind, at):
    h.run_until(at)
    h.sla.update_ticket(ticket_id, f"{kind}-{at.isoformat()}", Update(kind, at))


@pytest.fixture
def day(harness, at, tmp_path):
    h = harness(at("2026-10-12 09:00"))
    a = open_ticket(h, Priority.P1, at("2026-10-12 09:00"), customer_id="acme")
    update(h, a, "first-response", at("2026-10-12 09:20"))
    update(h, a, "problem-confirmed", at("2026-10-12 09:30"))
    h.run_until(at("2026-10-12 10:00"))
    b = open_ticket(h, Priority.P0, at("2026-10-12 10:00"))
    h.run_until(at("2026-10-12 11:00"))
    c = open_ticket(h, Priority.P2, at("2026-10-12 11:00"))
    h.run_until(at("2026-10-12 12:50"))
    projection = Projection(h.sla, TargetsView(), tmp_path / "targets.sqlite")
    yield h, (a, b, c), projection, TicketQueries(projection, h.sla)
    projection.close()


def test_tickets_at_risk_least_time_left_first(day, at):
    h, (a, b, c), projection, queries = day
    projection.catch_up()

    at_risk = queries.at_risk(80, 100, at("2026-10-12 12:50"))
    assert [(r.ticket_id, r.target, round(r.percent_elapsed, 1), r.time_left) for r in at_risk] == [
        (str(b), "response", 1133.3, -timedelta(hours=2, minutes=35)),
        (str(c), "response", 91.7, timedelta(minutes=10)),
        (str(a), "resolution", 83.3, timedelta(minutes=40)),
    ]
    assert at_risk[0].due_at == at("2026-10-12 10:15") and at_risk[2].customer_id == "acme"
    assert [r.ticket_id for r in queries.at_risk(90, 100, at("2026-10-12 12:50"))] == [str(b), str(c)]
    assert [r.ticket_id for r in queries.at_risk(80, 1, at("2026-10-12 12:50"))] == [str(b)]


def test_compliance_per_policy_priority_and_target_and_for_one_customer(day, at, tmp_path):
    h, (a, b, c), projection, queries = day
    update(h, b, "first-response", at("2026-10-12 12:55"))
    update(h, c, "first-response", at("2026-10-12 12:58"))
    update(h, a, "solution-given", at("2026-10-12 13:10"))
    [late] = [e for e in h.events(b, Ticket.TargetStopped)]
    assert (late.met, late.elapsed_seconds) == (False, timedelta(hours=2, minutes=55).total_seconds())
    projection.catch_up()

    rows = queries.compliance("2026-10")
    assert [(r.policy, r.policy_version, r.priority, r.target, r.met, r.breached, r.taken[50])
            for r in rows] == [
        ("SPT-001", 1, "P0", "response", 0, 1, timedelta(hours=2, minutes=55)),
        ("SPT-001", 1, "P1", "resolution", 1, 0, timedelta(hours=3, minutes=40)),
        ("SPT-001", 1, "P1", "response", 1, 0, timedelta(minutes=20)),
        ("SPT-001", 1, "P2", "response", 1, 0, timedelta(hours=1, minutes=58)),
    ]
    assert [(r.priority, r.target) for r in queries.compliance("2026-10", customer_id="acme")] == [
        ("P1", "resolution"), ("P1", "response")]
    assert [r.priority for r in queries.compliance("2026", priority="P0")] == ["P0"]
    assert queries.compliance("2026-11") == []
    assert queries.at_risk(80, 100, at("2026-10-12 13:10")) == []

    rebuilt = Projection(h.sla, TargetsView(), tmp_path / "rebuilt.sqlite")
    try:
        rebuilt.catch_up()
        assert TicketQueries(rebuilt, h.sla).compliance("2026-10") == rows
    finally:
        rebuilt.close()


def test_percentiles_are_nearest_rank():
    values = [float(v) for v in range(1, 11)]
    assert [percentile(values, p) for p in (50, 90, 95, 100)] == [5.0, 9.0, 10.0, 10.0]
    assert percentile([7.0], 50) == 7.0
