"""Maintenance notices, outages and availability, worked by hand (Beijing time).

October 2026 has 31 days = 744 h; its agreed maintenance window is the second Sunday,
Sun 10-11 02:00-06:00 (10-01 is a Thursday, so the Sundays are 10-04 and 10-11).
2026 has 365 days = 8760 h; 99.9% allows 0.1% of the measured time down (8.76 h a year
without excluded maintenance)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from servicehub_runtime.projection import Projection
from servicehub_sla.availability import (
    DEFAULT_AGREEMENT,
    AvailabilityRejected,
    MaintenanceKind,
    period_bounds,
)
from servicehub_sla.domain import UpdateIdReused
from servicehub_sla.policy import PolicyFileError
from servicehub_sla.projections import Availability, AvailabilityView

from .conftest import shipped_policies

PLANNED, EMERGENCY = MaintenanceKind.PLANNED, MaintenanceKind.EMERGENCY


@pytest.fixture
def book(sla, tmp_path):
    projection = Projection(sla, AvailabilityView(), tmp_path / "availability.sqlite")
    yield projection, Availability(projection, sla.get_record)
    projection.close()


def test_the_agreed_window_is_the_second_sunday_02_to_06_beijing(at, shown):
    assert [shown(i) for i in DEFAULT_AGREEMENT.window(2026, 10)] == [
        "Sun 2026-10-11 02:00:00", "Sun 2026-10-11 06:00:00"]
    assert [shown(i) for i in DEFAULT_AGREEMENT.window(2026, 11)] == [  # 11-01 is itself a Sunday
        "Sun 2026-11-08 02:00:00", "Sun 2026-11-08 06:00:00"]
    assert shown(DEFAULT_AGREEMENT.next_window(at("2026-10-11 02:00"))[0]) == "Sun 2026-11-08 02:00:00"
    assert shown(DEFAULT_AGREEMENT.next_window(at("2026-12-20 09:00"))[0]) == "Sun 2027-01-10 02:00:00"


def test_a_planned_window_announced_exactly_72_h_ahead_is_in_time_a_minute_later_is_late(sla, at):
    in_time, recorded = sla.plan_maintenance(
        "w-oct", PLANNED, None, None, at("2026-10-08 02:00"), "database upgrade")
    assert recorded and (in_time.starts_at, in_time.ends_at) == (at("2026-10-11 02:00"), at("2026-10-11 06:00"))
    assert (in_time.notice, in_time.late_notice, in_time.excluded) == (timedelta(hours=72), False, True)

    late, _ = sla.plan_maintenance(
        "w-oct-late", PLANNED, at("2026-10-11 02:00"), at("2026-10-11 06:00"),
        at("2026-10-08 02:01"), "")
    assert (late.notice, late.late_notice, late.excluded) == (
        timedelta(hours=71, minutes=59), True, False)

    outside, _ = sla.plan_maintenance(
        "w-saturday", PLANNED, at("2026-10-17 02:00"), at("2026-10-17 04:00"), at("2026-10-01 09:00"), "")
    assert (outside.late_notice, outside.outside_agreed_window, outside.excluded) == (False, True, False)


def test_an_emergency_window_needs_2_h_notice(sla, at):
    late, _ = sla.plan_maintenance(
        "e-1", EMERGENCY, at("2026-10-20 22:00"), at("2026-10-20 23:00"), at("2026-10-20 20:30"), "patch")
    in_time, _ = sla.plan_maintenance(
        "e-2", EMERGENCY, at("2026-10-21 22:00"), at("2026-10-21 23:00"), at("2026-10-21 20:00"), "patch")
    assert (late.notice, late.late_notice, late.excluded) == (timedelta(minutes=90), True, False)
    assert (in_time.late_notice, in_time.outside_agreed_window, in_time.excluded) == (False, False, False)


def test_a_window_id_is_recorded_once(sla, at):
    args = ("w-1", EMERGENCY, at("2026-10-20 22:00"), at("2026-10-20 23:00"), at("2026-10-20 18:00"), "x")
    assert sla.plan_maintenance(*args)[1] is True
    assert sla.plan_maintenance(*args)[1] is False
    with pytest.raises(UpdateIdReused, match="window 'w-1' was recorded with other fields"):
        sla.plan_maintenance(*args[:-1], "y")
    with pytest.raises(AvailabilityRejected, match="end after it starts"):
        sla.plan_maintenance("w-2", EMERGENCY, at("2026-10-20 23:00"), at("2026-10-20 22:00"),
                             at("2026-10-20 18:00"), "")
    with pytest.raises(AvailabilityRejected, match="give both starts_at and ends_at"):
        sla.plan_maintenance("w-3", EMERGENCY, None, None, at("2026-10-20 18:00"), "")


def test_a_recovery_notice_later_than_30_min_after_the_end_is_flagged(sla, at):
    outage, recorded = sla.record_outage("o-1", at("2026-10-15 10:00"), None, None, "db down")
    assert recorded and outage.ended_at is None
    assert not outage.late_recovery_notice_as_of(at("2026-10-15 23:00"))  # still down
    outage, _ = sla.record_outage("o-1", None, at("2026-10-15 11:30"), None, "")
    assert not outage.late_recovery_notice_as_of(at("2026-10-15 12:00"))  # none yet, 30 min
    assert outage.late_recovery_notice_as_of(at("2026-10-15 12:00:01"))  # none sent in time
    outage, _ = sla.record_outage("o-1", None, None, at("2026-10-15 12:00"), "")
    assert not outage.late_recovery_notice_as_of(at("2026-10-16 09:00"))  # sent at 30 min
    assert sla.record_outage("o-1", at("2026-10-15 10:00"), at("2026-10-15 11:30"),
                             at("2026-10-15 12:00"), "")[1] is False  # the same again

    late, _ = sla.record_outage("o-2", at("2026-10-16 10:00"), at("2026-10-16 10:10"),
                                at("2026-10-16 10:41"), "")
    assert late.late_recovery_notice_as_of(at("2026-10-16 10:41"))  # sent at 31 min

    with pytest.raises(AvailabilityRejected, match="outage o-1 ended at 2026-10-15T11:30:00"):
        sla.record_outage("o-1", None, at("2026-10-15 11:31"), None, "")
    with pytest.raises(AvailabilityRejected, match="started_at is required for a new outage"):
        sla.record_outage("o-3", None, at("2026-10-15 11:31"), None, "")
    with pytest.raises(AvailabilityRejected, match="needs the outage's end"):
        sla.record_outage("o-4", at("2026-10-15 11:00"), None, at("2026-10-15 11:31"), "")


def test_availability_of_october_and_of_2026(sla, book, at):
    projection, availability = book
    # Excluded: the agreed window, announced 72 h ahead (4 h).
    sla.plan_maintenance("w-oct", PLANNED, None, None, at("2026-10-08 02:00"), "")
    # Down: an outage 10:00-11:30 (1.5 h); an emergency window 22:00-23:00 (1 h); an outage
    # 05:00-07:00 on the maintenance Sunday, of which only 06:00-07:00 counts (1 h).
    sla.record_outage("o-1", at("2026-10-15 10:00"), at("2026-10-15 11:30"), at("2026-10-15 11:45"), "")
    sla.plan_maintenance("e-1", EMERGENCY, at("2026-10-20 22:00"), at("2026-10-20 23:00"),
                         at("2026-10-20 19:00"), "")
    sla.record_outage("o-2", at("2026-10-11 05:00"), at("2026-10-11 07:00"), at("2026-10-11 07:10"), "")
    projection.catch_up()
    now = at("2026-12-31 12:00")

    october, windows, outages = availability.report("2026-10", now)
    assert [w.window_id for w in windows] == ["w-oct", "e-1"]
    assert [o.outage_id for o in outages] == ["o-2", "o-1"]
    assert october.excluded_maintenance == timedelta(hours=4)
    assert october.downtime == timedelta(hours=3.5)
    assert october.measured == timedelta(hours=740)
    assert october.allowed_downtime == timedelta(minutes=44, seconds=24)  # 0.1% of 740 h
    assert round(october.availability_percent, 4) == 99.5270  # 1 - 3.5 / 740
    assert not october.met

    year, _, _ = availability.report("2026", now)
    assert year.measured == timedelta(hours=8756)
    assert year.allowed_downtime == timedelta(hours=8, minutes=45, seconds=21, milliseconds=600)
    assert round(year.availability_percent, 4) == 99.9600  # 1 - 3.5 / 8756
    assert year.met
    months = dict(availability.months(2026, now))
    assert months["2026-10"] == october
    assert months["2026-09"].downtime == timedelta(0) and months["2026-09"].met


def test_an_open_outage_counts_until_now_and_a_bad_period_is_refused(sla, book, at):
    projection, availability = book
    sla.record_outage("o-open", at("2026-11-30 23:00"), None, None, "")
    projection.catch_up()

    report, _, [outage] = availability.report("2026-11", at("2026-11-30 23:45"))
    assert report.downtime == timedelta(minutes=45)
    assert outage.ended_at is None
    december, _, _ = availability.report("2026-12", at("2026-12-01 01:00"))
    assert december.downtime == timedelta(hours=1)  # from Beijing midnight
    with pytest.raises(ValueError, match="must be a year"):
        period_bounds("2026-13")


# stress-co runs on STRESS-002, which agrees the first Saturday 22:00-23:30 (October 2026:
# Sat 10-03); everyone else on the default agreement (Sun 10-11 02:00-06:00).
STRESS_CO_AGREEMENT = (
    "customers = []               # customer ids whose tickets run on this policy\n",
    'customers = ["stress-co"]\n\n[policy.maintenance]\nweek = 1\nweekday = "saturday"\n'
    'hours = "22:00-23:30"\n',
)


def test_customer_windows_count_in_that_customer_s_availability_judged_by_its_agreement(
    open_sla, tmp_path, at, shown
):
    sla = open_sla(shipped_policies(tmp_path, STRESS_CO_AGREEMENT))
    projection = Projection(sla, AvailabilityView(), tmp_path / "availability.sqlite")
    availability = Availability(projection, sla.get_record)
    try:
        # Service-wide, the default agreed window announced 72 h ahead: excluded for all (4 h).
        sla.plan_maintenance("w-oct", PLANNED, None, None, at("2026-10-08 02:00"), "")
        # stress-co's next agreed window after Mon 09-28: Sat 10-03 22:00-23:30, excluded (1.5 h).
        own, _ = sla.plan_maintenance("s-1", PLANNED, None, None, at("2026-09-28 12:00"), "", "stress-co")
        assert (shown(own.starts_at), shown(own.ends_at), own.customer_id, own.excluded) == (
            "Sat 2026-10-03 22:00:00", "Sat 2026-10-03 23:30:00", "stress-co", True)
        # In the default slot, announced in time, yet outside stress-co's agreement: down (1 h).
        off, _ = sla.plan_maintenance("s-2", PLANNED, at("2026-10-18 03:00"), at("2026-10-18 04:00"),
                                      at("2026-10-01 09:00"), "", "stress-co")
        assert (off.outside_agreed_window, off.excluded) == (True, False)
        assert [shown(i) for i in (off.agreed_starts_at, off.agreed_ends_at)] == [
            "Sat 2026-10-03 22:00:00", "Sat 2026-10-03 23:30:00"]
        # other-co's emergency window, 3 h notice: down for other-co only (1 h).
        sla.plan_maintenance("o-1", EMERGENCY, at("2026-10-20 22:00"), at("2026-10-20 23:00"),
                             at("2026-10-20 19:00"), "", "other-co")
        projection.catch_up()
        now = at("2026-12-31 12:00")

        reports = {customer: availability.report("2026-10", now, customer)
                   for customer in ("", "stress-co", "other-co", "nobody-co")}
        summary = {customer: ([w.window_id for w in windows], report.excluded_maintenance, report.downtime,
                              report.measured)
                   for customer, (report, windows, _) in reports.items()}
        assert summary == {
            "": (["w-oct"], timedelta(hours=4), timedelta(0), timedelta(hours=740)),
            "stress-co": (["s-1", "w-oct", "s-2"], timedelta(hours=5.5), timedelta(hours=1),
                          timedelta(hours=738.5)),
            "other-co": (["w-oct", "o-1"], timedelta(hours=4), timedelta(hours=1), timedelta(hours=740)),
            "nobody-co": (["w-oct"], timedelta(hours=4), timedelta(0), timedelta(hours=740)),
        }
        assert dict(availability.months(2026, now, "stress-co"))["2026-10"] == reports["stress-co"][0]
        # The same id again for another customer is another window: refused.
        with pytest.raises(UpdateIdReused):
            sla.plan_maintenance("s-2", PLANNED, at("2026-10-18 03:00"), at("2026-10-18 04:00"),
                                 at("2026-10-01 09:00"), "", "other-co")
    finally:
        projection.close()


def test_a_bad_maintenance_agreement_stops_start_up_naming_its_line(tmp_path):
    old, new = STRESS_CO_AGREEMENT
    with pytest.raises(PolicyFileError, match=r"policies-.*\.toml:123: maintenance hours must be"):
        shipped_policies(tmp_path, (old, new.replace("22:00-23:30", "23:30-22:00")))
    with pytest.raises(PolicyFileError, match=r":122: maintenance weekday must be one of monday"):
        shipped_policies(tmp_path, (old, new.replace("saturday", "caturday")))
