"""Thresholds past the calendar horizon (the shipped PRC data ends 2026-12-31): counted while
unscheduled, and scheduled by the start-up sweep once the operator extended the calendar —
without waiting for the ticket's next update."""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

from prometheus_client import REGISTRY

from servicehub_businesstime import BusinessCalendar
from servicehub_sla.application import Sla
from servicehub_sla.domain import Priority, Ticket
from servicehub_sla.horizon import HorizonSweep

from .conftest import Harness, at, shown

# A stand-in for the State Council's 2027 notice, as an operator would write the override.
OVERRIDE_2027 = """\
format = "servicehub.businesstime/1"

["2027"]
source = "test data: not the State Council notice"
status = "test"

["2027".holidays]
2027-01-01 = "New Year's Day"
"""


def gauge() -> float | None:
    return REGISTRY.get_sample_value("servicehub_sla_thresholds_past_horizon")


def test_thresholds_past_the_horizon_are_counted_and_scheduled_by_the_sweep_after_the_calendar_was_extended(
    tmp_path: Path, policies_on
) -> None:
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "sla.sqlite")}
    policies = policies_on("5x8")  # working days 09:00-18:00 Beijing
    shipped = BusinessCalendar.load()
    assert str(shipped.horizon) == "2026-12-31"
    override = tmp_path / "calendar-2027.toml"
    override.write_text(OVERRIDE_2027)
    extended = BusinessCalendar.load(override)

    # P4 response: 8 business hours from Thu 2026-12-31 11:00. 80% (6 h 24 min) is 17:24 that
    # day; 90%, 95% and 100% need working hours of 2027, which the shipped data lacks.
    ticket_id = uuid4()
    before = Sla(env=env, calendar=shipped, policies=policies)
    before.register_ticket(ticket_id=ticket_id, customer_id="c-1", priority=Priority.P4,
                           service_plan="5x8", opened_at=at("2026-12-31 11:00"))
    old = Harness(before, tmp_path / "deadlines-old.sqlite", at("2026-12-31 11:00"))
    sweep = HorizonSweep(before, tmp_path / "sla-past-horizon.sqlite")
    try:
        assert sweep.sweep() == 0  # nothing past another calendar's data
        assert sweep.thresholds_past_horizon() == 3 and gauge() == 3
        old.run_until(at("2027-01-04 12:00"))  # the clock passes the horizon: nothing more fires
        assert [(t, p, d) for t, p, _, d, _ in old.escalations(ticket_id)] == [
            ("response", 80, "Thu 2026-12-31 17:24:00")]
        assert old.scheduler.pending() == []
        assert before.get_ticket(ticket_id).past_horizon == 3
    finally:
        old.scheduler.close()
        sweep.close()
        before.close()

    # Restarted on the extended calendar: the sweep schedules the rest at once (New Year's
    # Day is a holiday, then the weekend: Mon 2027-01-04 from 09:00), and they fire.
    after = Sla(env=env, calendar=extended, policies=policies)
    new = Harness(after, tmp_path / "deadlines-new.sqlite", at("2027-01-04 12:00"))
    sweep = HorizonSweep(after, tmp_path / "sla-past-horizon.sqlite")
    try:
        assert sweep.sweep() == 1
        assert sweep.thresholds_past_horizon() == 0 and gauge() == 0
        new.scheduler.catch_up()
        [(_, deadline)] = new.scheduler.pending()
        assert (shown(deadline.due), deadline.calendar_version) == ("Mon 2027-01-04 09:12:00", extended.version)
        new.run_until(at("2027-01-04 12:00"))
        assert [(t, p, d, f) for t, p, _, d, f in new.escalations(ticket_id)] == [
            ("response", 80, "Thu 2026-12-31 17:24:00", "Thu 2026-12-31 17:24:00"),
            ("response", 90, "Mon 2027-01-04 09:12:00", "Mon 2027-01-04 12:00:00"),
            ("response", 95, "Mon 2027-01-04 09:36:00", "Mon 2027-01-04 12:00:00"),
            ("response", 100, "Mon 2027-01-04 10:00:00", "Mon 2027-01-04 12:00:00"),
        ]
        assert [e.calendar_version for e in new.events(ticket_id, Ticket.SlaBreached)] == [extended.version]
        assert sweep.sweep() == 0  # a second start-up on the same calendar changes nothing
    finally:
        new.scheduler.close()
        sweep.close()
        after.close()


def test_an_update_on_a_calendar_still_short_of_the_thresholds_keeps_them_counted(
    tmp_path: Path, policies_on, calendar: BusinessCalendar
) -> None:
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "sla.sqlite")}
    sla = Sla(env=env, calendar=calendar, policies=policies_on("5x8"))
    sweep = HorizonSweep(sla, tmp_path / "sla-past-horizon.sqlite")
    try:
        # Opened after the last working hour of the data: every threshold lies past it.
        ticket_id = uuid4()
        sla.register_ticket(ticket_id=ticket_id, customer_id="c-1", priority=Priority.P2,
                            service_plan="5x8", opened_at=at("2026-12-31 18:30"))
        sweep.catch_up()
        assert sweep.thresholds_past_horizon() == 4
        assert sla.get_ticket(ticket_id).next_due is None
        # Restarting on the same calendar: nothing to sweep, still counted.
        assert sweep.sweep() == 0 and gauge() == 4
    finally:
        sweep.close()
        sla.close()
