"""Hand-worked SLA examples: every instant is written out in Beijing time and was worked by
hand from the calendar data (2026: Fri 09-25 Mid-Autumn holiday; 10-01..10-03 statutory
holidays, Sun 10-04 rest day, 10-05..10-07 holidays; Sat 10-10 make-up working day).
SPT-001 thresholds: 80% handling-team, 90% senior-engineer, 95% technical-manager, 100%
emergency-response. The scheduler runs on a manual clock that stops at every due deadline,
so each threshold fires at its due instant."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from servicehub_sla.domain import Priority, Ticket, Update

TEAM, SENIOR, MANAGER, EMERGENCY = (
    "handling-team", "senior-engineer", "technical-manager", "emergency-response",
)


def open_ticket(h, priority, opened, customer_id="cust-7"):
    ticket_id = uuid4()
    h.sla.register_ticket(
        ticket_id=ticket_id, customer_id=customer_id, priority=priority, service_plan="-",
        opened_at=opened,
    )
    return ticket_id


def on_time(target, rows):
    """Escalations fired exactly at their due instants."""
    return [(target, p, role, at, at) for p, role, at in rows]


def test_p1_opened_at_17_59_on_the_friday_before_national_day_on_5x8(harness, at, shown, policies_on):
    # Fri 09-25 is the Mid-Autumn holiday, Sat and Sun rest: the 30 min response target
    # starts Mon 09-28 09:00. 80% = 24 min, 90% = 27 min, 95% = 28 min 30 s, 100% = 30 min.
    h = harness(at("2026-09-25 17:59"), policies_on("5x8"))
    ticket_id = open_ticket(h, Priority.P1, at("2026-09-25 17:59"))
    assert shown(h.sla.get_ticket(ticket_id).next_due) == "Mon 2026-09-28 09:24:00"

    h.run_until(at("2026-09-28 12:00"))

    assert h.escalations(ticket_id) == on_time("response", [
        (80, TEAM, "Mon 2026-09-28 09:24:00"),
        (90, SENIOR, "Mon 2026-09-28 09:27:00"),
        (95, MANAGER, "Mon 2026-09-28 09:28:30"),
        (100, EMERGENCY, "Mon 2026-09-28 09:30:00"),
    ])
    [breach] = h.events(ticket_id, Ticket.SlaBreached)
    assert (breach.target, shown(breach.due_at), breach.lateness_seconds) == (
        "response", "Mon 2026-09-28 09:30:00", 0.0)


def test_the_same_p1_ticket_on_7x24_is_due_the_same_evening(harness, at):
    h = harness(at("2026-09-25 17:59"))
    ticket_id = open_ticket(h, Priority.P1, at("2026-09-25 17:59"))

    h.run_until(at("2026-09-25 23:00"))

    assert h.escalations(ticket_id) == on_time("response", [
        (80, TEAM, "Fri 2026-09-25 18:23:00"),
        (90, SENIOR, "Fri 2026-09-25 18:26:00"),
        (95, MANAGER, "Fri 2026-09-25 18:27:30"),
        (100, EMERGENCY, "Fri 2026-09-25 18:29:00"),
    ])


def test_p1_resolution_confirmed_the_evening_before_national_day_runs_on_after_the_holidays(harness, at, policies_on):
    # 5x8, resolution 4 h from Wed 09-30 17:00: 1 h that day, then nothing from Thu 10-01 to
    # Wed 10-07 (holidays and a Sunday), 3 h on Thu 10-08 from 09:00 → due 12:00.
    # 80% = 3 h 12 min → 10-08 11:12; 90% = 3 h 36 min → 11:36; 95% = 3 h 48 min → 11:48.
    h = harness(at("2026-09-30 16:00"), policies_on("5x8"))
    ticket_id = open_ticket(h, Priority.P1, at("2026-09-30 16:00"))
    h.sla.update_ticket(ticket_id, "u1", Update("first-response", at("2026-09-30 16:10")))
    h.sla.update_ticket(ticket_id, "u2", Update("problem-confirmed", at("2026-09-30 17:00")))

    h.run_until(at("2026-10-09 00:00"))

    assert h.escalations(ticket_id) == on_time("resolution", [
        (80, TEAM, "Thu 2026-10-08 11:12:00"),
        (90, SENIOR, "Thu 2026-10-08 11:36:00"),
        (95, MANAGER, "Thu 2026-10-08 11:48:00"),
        (100, EMERGENCY, "Thu 2026-10-08 12:00:00"),
    ])


def test_a_pause_across_a_weekend_moves_the_resolution_deadlines_by_the_paused_time(harness, at, shown):
    # 7x24, P2 resolution 8 h confirmed Fri 10-16 16:00 (due Sat 00:00). Waiting for the
    # customer from Fri 18:00 (2 h elapsed) to Mon 10-19 09:00: 6 h remain → due Mon 15:00.
    # 80% = 6 h 24 min → Mon 13:24, 90% = 7 h 12 min → 14:12, 95% = 7 h 36 min → 14:36.
    h = harness(at("2026-10-16 15:00"))
    ticket_id = open_ticket(h, Priority.P2, at("2026-10-16 15:00"))
    h.sla.update_ticket(ticket_id, "u1", Update("first-response", at("2026-10-16 15:30")))
    h.sla.update_ticket(ticket_id, "u2", Update("problem-confirmed", at("2026-10-16 16:00")))
    assert shown(h.sla.get_ticket(ticket_id).next_due) == "Fri 2026-10-16 22:24:00"

    h.run_until(at("2026-10-16 18:00"))
    h.sla.update_ticket(ticket_id, "u3", Update(
        "waiting-for-customer", at("2026-10-16 18:00"), reason="log files asked"))
    assert h.sla.get_ticket(ticket_id).next_due is None  # nothing runs while waiting
    h.run_until(at("2026-10-19 09:00"))
    assert h.escalations(ticket_id) == []
    h.sla.update_ticket(ticket_id, "u4", Update("customer-replied", at("2026-10-19 09:00")))
    h.run_until(at("2026-10-19 18:00"))

    assert h.escalations(ticket_id) == on_time("resolution", [
        (80, TEAM, "Mon 2026-10-19 13:24:00"),
        (90, SENIOR, "Mon 2026-10-19 14:12:00"),
        (95, MANAGER, "Mon 2026-10-19 14:36:00"),
        (100, EMERGENCY, "Mon 2026-10-19 15:00:00"),
    ])


def test_p3_raised_to_p1_mid_clock_keeps_the_elapsed_time(harness, at, shown):
    # 7x24, opened Mon 03-02 10:00: P3 response 4 h (80% at 13:12, due 14:00). At 10:10
    # (10 min elapsed) raised to P1: 30 min → due 10:30; 80% = 24 min → 10:24, 90% →
    # 10:27, 95% → 10:28:30.
    h = harness(at("2026-03-02 10:00"))
    ticket_id = open_ticket(h, Priority.P3, at("2026-03-02 10:00"))
    assert shown(h.sla.get_ticket(ticket_id).next_due) == "Mon 2026-03-02 13:12:00"

    h.run_until(at("2026-03-02 10:10"))
    h.sla.update_ticket(ticket_id, "u1", Update(
        "priority-changed", at("2026-03-02 10:10"), priority=Priority.P1))
    h.run_until(at("2026-03-02 15:00"))

    assert h.escalations(ticket_id) == on_time("response", [
        (80, TEAM, "Mon 2026-03-02 10:24:00"),
        (90, SENIOR, "Mon 2026-03-02 10:27:00"),
        (95, MANAGER, "Mon 2026-03-02 10:28:30"),
        (100, EMERGENCY, "Mon 2026-03-02 10:30:00"),
    ])
    [change] = [e for e in h.events(ticket_id, Ticket.UpdateApplied) if e.kind == "priority-changed"]
    assert change.due_before == {"response": "2026-03-02T06:00:00+00:00"}  # 14:00 Beijing
    assert change.due_after == {"response": "2026-03-02T02:30:00+00:00"}  # 10:30 Beijing


def test_p3_raised_to_p1_after_its_new_target_ran_out_escalates_at_once(harness, at):
    # At 11:00, 60 min have elapsed of P1's 30 min: every threshold is overdue and fires
    # at the change, in order, once.
    h = harness(at("2026-03-02 10:00"))
    ticket_id = open_ticket(h, Priority.P3, at("2026-03-02 10:00"))
    h.run_until(at("2026-03-02 11:00"))
    h.sla.update_ticket(ticket_id, "u1", Update(
        "priority-changed", at("2026-03-02 11:00"), priority=Priority.P1))
    h.run_until(at("2026-03-02 11:00"))

    assert [(t, p, due, fired) for t, p, _, due, fired in h.escalations(ticket_id)] == [
        ("response", 80, "Mon 2026-03-02 10:24:00", "Mon 2026-03-02 11:00:00"),
        ("response", 90, "Mon 2026-03-02 10:27:00", "Mon 2026-03-02 11:00:00"),
        ("response", 95, "Mon 2026-03-02 10:28:30", "Mon 2026-03-02 11:00:00"),
        ("response", 100, "Mon 2026-03-02 10:30:00", "Mon 2026-03-02 11:00:00"),
    ]
    [breach] = h.events(ticket_id, Ticket.SlaBreached)
    assert breach.lateness_seconds == 30 * 60


def test_the_seed_002_policy_runs_7x12_through_a_public_holiday(harness, at, stress_customer):
    # STRESS-002 (7x12: every day 08:00-20:00, holidays included), general issue (P2)
    # opened Thu 10-01 19:55, National Day. Response 10 min: 5 min on 10-01, 5 min from
    # Fri 10-02 08:00 → 08:05; remote support 30 min → 08:25; resolution 60 min → 08:55.
    # The on-site target waits for an on-site request.
    customer, policies = stress_customer
    h = harness(at("2026-10-01 19:55"), policies)
    ticket_id = open_ticket(h, Priority.P2, at("2026-10-01 19:55"), customer_id=customer)
    ticket = h.sla.get_ticket(ticket_id)
    assert (ticket.policy_id, ticket.policy_version) == ("STRESS-002", 1)

    h.run_until(at("2026-10-02 08:05"))
    h.sla.update_ticket(ticket_id, "u1", Update("first-response", at("2026-10-02 08:05")))
    h.sla.update_ticket(ticket_id, "u2", Update("remote-support-started", at("2026-10-02 08:10")))
    h.run_until(at("2026-10-02 20:00"))

    fired = [(t, p, due) for t, p, _, due, _ in h.escalations(ticket_id)]
    assert fired == [
        # 10 min: 80% = 8 min (5 + 3) → 08:03, 90% = 9 min → 08:04, 95% = 9 min 30 s.
        ("response", 80, "Fri 2026-10-02 08:03:00"),
        ("response", 90, "Fri 2026-10-02 08:04:00"),
        ("response", 95, "Fri 2026-10-02 08:04:30"),
        ("response", 100, "Fri 2026-10-02 08:05:00"),
        # 60 min: 80% = 48 min (5 + 43) → 08:43, 90% → 08:49, 95% = 57 min → 08:52.
        ("resolution", 80, "Fri 2026-10-02 08:43:00"),
        ("resolution", 90, "Fri 2026-10-02 08:49:00"),
        ("resolution", 95, "Fri 2026-10-02 08:52:00"),
        ("resolution", 100, "Fri 2026-10-02 08:55:00"),
    ]  # remote support started at 08:10, before its 80% (24 min → 08:19)


def test_thresholds_on_the_make_up_saturday(harness, at, policies_on):
    # 5x8, P2 response 2 h opened Fri 10-09 17:00: 1 h Friday, then Sat 10-10 is a make-up
    # working day: 80% = 96 min → Sat 09:36, 90% = 108 min → 09:48, 95% = 114 min → 09:54,
    # 100% → Sat 10:00.
    h = harness(at("2026-10-09 17:00"), policies_on("5x8"))
    ticket_id = open_ticket(h, Priority.P2, at("2026-10-09 17:00"))

    h.run_until(at("2026-10-12 18:00"))

    assert h.escalations(ticket_id) == on_time("response", [
        (80, TEAM, "Sat 2026-10-10 09:36:00"),
        (90, SENIOR, "Sat 2026-10-10 09:48:00"),
        (95, MANAGER, "Sat 2026-10-10 09:54:00"),
        (100, EMERGENCY, "Sat 2026-10-10 10:00:00"),
    ])


def test_thresholds_past_the_calendar_data_are_not_scheduled_and_nothing_stops(harness, at, shown, policies_on):
    # 5x8, P2 response 2 h opened Thu 2026-12-31 16:10, the last day of the shipped data:
    # 80% = 96 min → 17:46, 90% = 108 min → 17:58; 95% and 100% would fall in 2027.
    h = harness(at("2026-12-31 16:10"), policies_on("5x8"))
    ticket_id = open_ticket(h, Priority.P2, at("2026-12-31 16:10"))

    h.run_until(at("2026-12-31 18:00"))

    assert [(p, due) for _, p, _, due, _ in h.escalations(ticket_id)] == [
        (80, "Thu 2026-12-31 17:46:00"), (90, "Thu 2026-12-31 17:58:00"),
    ]
    ticket = h.sla.get_ticket(ticket_id)
    assert ticket.next_due is None
    policy, clock = h.sla.policy_of(ticket)
    [response, _] = ticket.targets(policy, clock, at("2026-12-31 18:00"))
    assert (response.due_at, response.elapsed) == (None, timedelta(minutes=110))
