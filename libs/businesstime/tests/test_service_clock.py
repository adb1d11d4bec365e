"""Hand-worked business-clock computations on the built-in plans (Beijing wall times)."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from servicehub_businesstime import (
    PLANS,
    SHANGHAI,
    UTC,
    CalendarHorizonError,
    NaiveDatetimeError,
    ServicePlan,
    log_horizon_status,
    register_horizon_gauge,
)

H = dt.timedelta(hours=1)
MIN = dt.timedelta(minutes=1)
S = dt.timedelta(seconds=1)


def bj(*a: int) -> dt.datetime:
    return dt.datetime(*a, tzinfo=SHANGHAI)


# ----------------------------------------------------------------------------- add


@pytest.mark.parametrize(
    "plan, start, duration, expected",
    [
        # Friday 17:59 before Qingming 2026 (Sat 4, Sun 5 statutory, Mon 6 off): 1 minute on
        # Friday, the remaining 1:59 from Tuesday 09:00.
        ("5x8", bj(2026, 4, 3, 17, 59), 2 * H, bj(2026, 4, 7, 10, 59)),
        # Friday 17:59 before Spring Festival 2026: Saturday Feb 14 is a make-up working day.
        ("5x8", bj(2026, 2, 13, 17, 59), 2 * H, bj(2026, 2, 14, 10, 59)),
        # ... 10 h: 1 min Fri, 9 h Sat Feb 14, then nothing until Tue Feb 24 09:00 + 59 min.
        ("5x8", bj(2026, 2, 13, 17, 59), 10 * H, bj(2026, 2, 24, 9, 59)),
        # Friday 17:59 before Spring Festival 2025: Sunday Jan 26 is a make-up working day.
        ("5x8", bj(2025, 1, 24, 17, 59), 2 * H, bj(2025, 1, 26, 10, 59)),
        # Wed 2025-04-30 17:59 before Labour Day (May 1-5 off) -> Tue May 6.
        ("5x8", bj(2025, 4, 30, 17, 59), 2 * H, bj(2025, 5, 6, 10, 59)),
        # Wed 2026-09-30 17:59 before National Day (Oct 1-7 off) -> Thu Oct 8.
        ("5x8", bj(2026, 9, 30, 17, 59), 2 * H, bj(2026, 10, 8, 10, 59)),
        # Mon 2025-01-27 17:00 + 4 h: 1 h, Spring Festival Jan 28 - Feb 4, then Wed Feb 5 +3 h.
        ("5x8", bj(2025, 1, 27, 17, 0), 4 * H, bj(2025, 2, 5, 12, 0)),
        # Clock closed at the start (a holiday): it starts at the next opening.
        ("5x8", bj(2026, 10, 3, 11, 0), 30 * MIN, bj(2026, 10, 8, 9, 30)),
        ("5x8", bj(2026, 11, 23, 7, 0), 30 * MIN, bj(2026, 11, 23, 9, 30)),
        # The result may be the closing instant itself, not the next morning.
        ("5x8", bj(2026, 11, 23, 17, 0), H, bj(2026, 11, 23, 18, 0)),
        ("5x8", bj(2026, 11, 23, 17, 0), H + S, bj(2026, 11, 24, 9, 0, 1)),
        # A make-up Sunday is a full working day: Sun 2026-09-20 17:00 + 2 h -> Mon 10:00.
        ("5x8", bj(2026, 9, 20, 17, 0), 2 * H, bj(2026, 9, 21, 10, 0)),
        # 27 h from Fri 2026-10-09 09:00: Fri 9 h, Sat Oct 10 (make-up) 9 h, Mon Oct 12 9 h.
        ("5x8", bj(2026, 10, 9, 9, 0), 27 * H, bj(2026, 10, 12, 18, 0)),
        # Other plans from Wed 2026-09-30 (the eve of National Day).
        ("5x8-onsite", bj(2026, 9, 30, 16, 30), H, bj(2026, 10, 8, 9, 30)),
        ("5x12", bj(2026, 9, 30, 19, 0), 2 * H, bj(2026, 10, 8, 9, 0)),
        ("7x12", bj(2026, 9, 30, 19, 0), 2 * H, bj(2026, 10, 1, 9, 0)),  # holidays run
        ("7x12", bj(2026, 10, 1, 21, 0), 13 * H, bj(2026, 10, 3, 9, 0)),
        ("7x24", bj(2026, 9, 30, 17, 59), 2 * H, bj(2026, 9, 30, 19, 59)),
        # P0: 15 min on 7x24 at New Year's Eve crosses into 2027 without calendar data.
        ("7x24", bj(2026, 12, 31, 23, 50), 15 * MIN, bj(2027, 1, 1, 0, 5)),
        ("7x12", bj(2026, 12, 31, 19, 0), 2 * H, bj(2027, 1, 1, 9, 0)),
        # Zero duration: start itself.
        ("5x8", bj(2026, 10, 3, 11, 0), dt.timedelta(0), bj(2026, 10, 3, 11, 0)),
    ],
)
def test_add(cal, plan, start, duration, expected):
    clock = cal.clock(plan)
    got = clock.add(start, duration, tz=SHANGHAI)
    assert got == expected
    assert got.utcoffset() == dt.timedelta(hours=8)
    assert clock.elapsed(start, got) == duration


def test_any_input_offset_and_utc_output(cal):
    clock = cal.clock("5x8")
    # Friday 2026-04-03 17:59 Beijing = 09:59 UTC = 04:59 in New York (-05:00).
    for start in (
        bj(2026, 4, 3, 17, 59),
        dt.datetime(2026, 4, 3, 9, 59, tzinfo=UTC),
        dt.datetime(2026, 4, 3, 4, 59, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
    ):
        got = clock.add(start, 2 * H)
        assert got == dt.datetime(2026, 4, 7, 2, 59, tzinfo=UTC)
        assert got.tzinfo is UTC  # UTC unless asked otherwise
        assert clock.add(start, 2 * H, tz=SHANGHAI).isoformat() == "2026-04-07T10:59:00+08:00"


def test_second_precision_no_minute_rounding(cal):
    clock = cal.clock("5x8")
    assert clock.add(bj(2026, 11, 23, 9, 0, 0), S) == bj(2026, 11, 23, 9, 0, 1)
    assert clock.add(bj(2026, 11, 23, 10, 17, 43), 61 * S) == bj(2026, 11, 23, 10, 18, 44)
    # sub-second parts of inputs are dropped (floored)
    start = bj(2026, 11, 23, 17, 59, 59).replace(microsecond=900_000)
    assert clock.add(start, S) == bj(2026, 11, 23, 18, 0, 0)
    assert clock.add(start, 2 * S) == bj(2026, 11, 24, 9, 0, 1)
    assert clock.add(start, 3) == bj(2026, 11, 24, 9, 0, 2)  # int seconds
    with pytest.raises(ValueError):
        clock.add(start, dt.timedelta(milliseconds=1500))
    with pytest.raises(ValueError):
        clock.add(start, -S)


def test_naive_datetimes_are_rejected(cal):
    clock = cal.clock("5x8")
    naive = dt.datetime(2026, 11, 23, 9, 0)
    with pytest.raises(NaiveDatetimeError, match="timezone-aware"):
        clock.add(naive, H)
    with pytest.raises(ValueError):  # NaiveDatetimeError is a ValueError
        clock.elapsed(bj(2026, 11, 23, 9, 0), naive)
    with pytest.raises(NaiveDatetimeError):
        clock.is_open(naive)
    with pytest.raises(NaiveDatetimeError):
        clock.add(bj(2026, 11, 23, 9, 0), H, pauses=[(naive, None)])
    with pytest.raises(TypeError):
        clock.add(dt.date(2026, 11, 23), H)


# ----------------------------------------------------------------------------- elapsed


def test_elapsed_across_holidays(cal):
    c = cal.clock("5x8")
    assert c.elapsed(bj(2026, 9, 30, 9, 0), bj(2026, 10, 8, 18, 0)) == 18 * H
    assert c.elapsed(bj(2026, 10, 9, 9, 0), bj(2026, 10, 12, 18, 0)) == 27 * H
    assert c.elapsed(bj(2026, 10, 1, 0, 0), bj(2026, 10, 7, 23, 59, 59)) == dt.timedelta(0)
    assert cal.clock("7x12").elapsed(bj(2026, 10, 1, 0, 0), bj(2026, 10, 8, 0, 0)) == 7 * 12 * H
    assert cal.clock("7x24").elapsed(bj(2026, 10, 1, 0, 0), bj(2026, 10, 8, 0, 0)) == 7 * 24 * H
    # 2025 Spring Festival week on 5x12: Sun Jan 26 (make-up) and Mon Jan 27 only.
    assert cal.clock("5x12").elapsed(bj(2025, 1, 25, 0, 0), bj(2025, 2, 5, 0, 0)) == 24 * H
    with pytest.raises(ValueError):
        c.elapsed(bj(2026, 10, 9, 9, 0), bj(2026, 10, 9, 8, 0))


def test_pauses(cal):
    c = cal.clock("5x8")
    start = bj(2026, 11, 23, 9, 0)  # Monday
    pause = (bj(2026, 11, 23, 9, 30), bj(2026, 11, 23, 10, 30))
    assert c.add(start, 2 * H, pauses=[pause], tz=SHANGHAI) == bj(2026, 11, 23, 12, 0)
    assert c.elapsed(start, bj(2026, 11, 23, 12, 0), pauses=[pause]) == 2 * H
    # a pause over closed time changes nothing; one reaching into the next morning does
    night = (bj(2026, 11, 23, 17, 0), bj(2026, 11, 24, 10, 0))
    assert c.add(bj(2026, 11, 23, 16, 0), 2 * H, pauses=[night], tz=SHANGHAI) == bj(2026, 11, 24, 11, 0)
    assert c.elapsed(bj(2026, 11, 23, 16, 0), bj(2026, 11, 24, 12, 0), pauses=[night]) == 3 * H
    # overlapping pauses count once; parts outside [start, end] are ignored
    overlapping = [pause, (bj(2026, 11, 23, 10, 0), bj(2026, 11, 23, 11, 0)), (bj(2026, 11, 20, 9, 0), start)]
    assert c.elapsed(start, bj(2026, 11, 23, 12, 0), pauses=overlapping) == H + 30 * MIN
    assert c.add(start, 2 * H, pauses=overlapping, tz=SHANGHAI) == bj(2026, 11, 23, 12, 30)
    # the start inside a pause: the clock starts when the pause ends
    assert c.add(bj(2026, 11, 23, 10, 0), 15 * MIN, pauses=[pause], tz=SHANGHAI) == bj(2026, 11, 23, 10, 45)
    # an open-ended pause (still waiting for the customer)
    waiting = (bj(2026, 11, 23, 10, 0), None)
    assert c.elapsed(start, bj(2026, 11, 25, 12, 0), pauses=[waiting]) == H
    assert c.add(start, 30 * MIN, pauses=[waiting], tz=SHANGHAI) == bj(2026, 11, 23, 9, 30)
    with pytest.raises(ValueError, match="open-ended pause"):
        c.add(start, 2 * H, pauses=[waiting])
    with pytest.raises(ValueError, match="ends before it starts"):
        c.elapsed(start, bj(2026, 11, 23, 12, 0), pauses=[(pause[1], pause[0])])


# ----------------------------------------------------------------------------- thresholds


def test_percent_and_thresholds(cal):
    c = cal.clock("5x8")
    start = bj(2026, 11, 23, 17, 0)  # Monday 17:00, P2 response target 2 h
    th = c.threshold_instants(start, 2 * H, tz=SHANGHAI)
    # 80% = 96 min: 60 min on Monday, 36 min on Tuesday; 90% = 108 min; 95% = 114; 100% = 120.
    assert th == {
        80: bj(2026, 11, 24, 9, 36),
        90: bj(2026, 11, 24, 9, 48),
        95: bj(2026, 11, 24, 9, 54),
        100: bj(2026, 11, 24, 10, 0),
    }
    assert c.percent_elapsed(start, 2 * H, bj(2026, 11, 24, 9, 30)) == 75.0
    assert c.percent_elapsed(start, 2 * H, bj(2026, 11, 23, 23, 0)) == 50.0
    assert c.percent_elapsed(start, 2 * H, bj(2026, 11, 24, 11, 0)) == 150.0
    for p, at in th.items():
        assert c.percent_elapsed(start, 2 * H, at) >= p
        assert c.percent_elapsed(start, 2 * H, at - S) < p


def test_thresholds_round_up_to_the_second(cal):
    c = cal.clock("7x24")
    start = bj(2026, 11, 23, 9, 0)
    th = c.threshold_instants(start, 7 * S, (80, 90, 95, 100, 33.3, 0), tz=SHANGHAI)
    # ceil(5.6) = 6, ceil(6.3) = 7, ceil(6.65) = 7, 7; ceil(2.331) = 3; 0
    assert [(at - start).seconds for at in th.values()] == [6, 7, 7, 7, 3, 0]


def test_thresholds_with_pauses(cal):
    c = cal.clock("5x8")
    start = bj(2026, 11, 23, 17, 0)
    paused = [(bj(2026, 11, 24, 9, 0), bj(2026, 11, 24, 9, 30))]
    th = c.threshold_instants(start, 2 * H, pauses=paused, tz=SHANGHAI)
    assert th[80] == bj(2026, 11, 24, 10, 6) and th[100] == bj(2026, 11, 24, 10, 30)
    waiting = [(bj(2026, 11, 24, 9, 40), None)]
    th = c.threshold_instants(start, 2 * H, pauses=waiting, tz=SHANGHAI)
    assert th == {80: bj(2026, 11, 24, 9, 36), 90: None, 95: None, 100: None}


# ----------------------------------------------------------------------------- open / closed


def test_is_open_next_opening_next_closing(cal):
    c = cal.clock("5x8")
    assert c.is_open(bj(2026, 9, 30, 9, 0, 0))
    assert not c.is_open(bj(2026, 9, 30, 8, 59, 59))
    assert c.is_open(bj(2026, 9, 30, 17, 59, 59))
    assert not c.is_open(bj(2026, 9, 30, 18, 0, 0))
    assert not c.is_open(bj(2026, 10, 5, 10, 0))  # National Day week
    assert c.is_open(bj(2026, 10, 10, 10, 0))  # make-up Saturday
    assert not c.is_open(bj(2026, 10, 11, 10, 0))
    assert c.next_opening(bj(2026, 9, 30, 18, 0), tz=SHANGHAI) == bj(2026, 10, 8, 9, 0)
    assert c.next_opening(bj(2026, 9, 30, 10, 0), tz=SHANGHAI) == bj(2026, 9, 30, 10, 0)
    assert c.next_closing(bj(2026, 9, 30, 10, 0), tz=SHANGHAI) == bj(2026, 9, 30, 18, 0)
    assert c.next_closing(bj(2026, 9, 30, 18, 0), tz=SHANGHAI) == bj(2026, 10, 8, 18, 0)
    assert c.next_opening(bj(2026, 10, 9, 18, 30), tz=SHANGHAI) == bj(2026, 10, 10, 9, 0)
    c12 = cal.clock("7x12")
    assert c12.next_opening(bj(2026, 10, 1, 20, 0), tz=SHANGHAI) == bj(2026, 10, 2, 8, 0)
    assert c12.next_closing(bj(2026, 10, 1, 7, 0), tz=SHANGHAI) == bj(2026, 10, 1, 20, 0)
    c24 = cal.clock("7x24")
    assert c24.is_open(bj(2030, 1, 1, 3, 0))
    assert c24.next_closing(bj(2026, 10, 1, 7, 0)) is None
    assert c24.next_opening(bj(2030, 1, 1, 3, 0), tz=SHANGHAI) == bj(2030, 1, 1, 3, 0)


def test_clock_beyond_the_horizon_raises(cal):
    c = cal.clock("5x8")
    # lands exactly on the last closing before the horizon: fine
    assert c.add(bj(2026, 12, 31, 17, 0), H, tz=SHANGHAI) == bj(2026, 12, 31, 18, 0)
    with pytest.raises(CalendarHorizonError) as exc:
        c.add(bj(2026, 12, 31, 17, 0), 2 * H)
    assert exc.value.day == dt.date(2027, 1, 1) and exc.value.horizon == dt.date(2026, 12, 31)
    with pytest.raises(CalendarHorizonError):
        c.elapsed(bj(2026, 12, 30, 9, 0), bj(2027, 1, 4, 12, 0))
    with pytest.raises(CalendarHorizonError):
        c.is_open(bj(2027, 1, 4, 10, 0))
    with pytest.raises(CalendarHorizonError):
        c.next_opening(bj(2026, 12, 31, 18, 0))
    with pytest.raises(CalendarHorizonError):
        c.add(bj(2003, 12, 31, 17, 0), H)
    with pytest.raises(CalendarHorizonError):
        c.threshold_instants(bj(2026, 12, 31, 17, 0), 2 * H)
    # a 24-hour plan closed on holidays is open up to the horizon: when it closes next
    # depends on 2027, which the calendar does not know
    always_but_holidays = cal.clock(ServicePlan.every_day("24h-no-holidays", "00:00-24:00", holidays_close=True))
    assert always_but_holidays.next_closing(bj(2026, 9, 29, 10, 0), tz=SHANGHAI) == bj(2026, 10, 1, 0, 0)
    with pytest.raises(CalendarHorizonError):
        always_but_holidays.next_closing(bj(2026, 12, 31, 10, 0))
    # a plan whose hours depend on nothing but the weekday has no horizon
    assert not PLANS["7x12"].uses_calendar and PLANS["5x8"].uses_calendar


def test_calendar_version_is_reported(cal):
    c = cal.clock("5x8")
    assert c.calendar_version == cal.version
    assert c.plan is PLANS["5x8"]
    assert cal.clock(PLANS["5x8"]) is c  # built once


# ----------------------------------------------------------------------------- custom plans


def test_custom_weekly_template(cal):
    # Mon-Sat 09:00-12:00, holidays closed, make-up days keep their weekday's hours.
    p = ServicePlan.weekly_template(
        "mornings", {d: "09:00-12:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat")}
    )
    c = cal.clock(p)
    assert not c.is_open(bj(2026, 9, 20, 10, 0))  # make-up Sunday: Sunday hours (closed)
    assert c.is_open(bj(2026, 10, 10, 10, 0))  # make-up Saturday: Saturday hours
    assert c.is_open(bj(2026, 11, 21, 10, 0))  # an ordinary Saturday is open too
    assert not c.is_open(bj(2026, 10, 3, 10, 0))  # statutory Saturday: closed
    assert c.add(bj(2026, 9, 30, 11, 0), 2 * H, tz=SHANGHAI) == bj(2026, 10, 8, 10, 0)
    # the same with make-up days open 09:00-18:00
    p2 = ServicePlan.weekly_template(
        "mornings+", {d: "09:00-12:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat")},
        makeup_day_hours="09:00-18:00",
    )
    assert cal.clock(p2).is_open(bj(2026, 9, 20, 17, 0))
    # holidays do not close it: a pure weekly template, no horizon
    p3 = ServicePlan.weekly_template("office", {d: "09:00-18:00" for d in ("mon", "tue", "wed", "thu", "fri")},
                                     holidays_close=False)
    c3 = cal.clock(p3)
    assert c3.is_open(bj(2026, 10, 1, 10, 0)) and not c3.is_open(bj(2026, 10, 10, 10, 0))
    assert c3.add(bj(2030, 2, 1, 17, 0), 2 * H, tz=SHANGHAI) == bj(2030, 2, 4, 10, 0)


def test_split_day_and_midnight_spanning_hours(cal):
    lunch = ServicePlan.working_days("5x8-lunch", ["09:00-12:00", "13:00-18:00"])
    c = cal.clock(lunch)
    assert c.add(bj(2026, 11, 23, 11, 30), H, tz=SHANGHAI) == bj(2026, 11, 23, 13, 30)
    assert not c.is_open(bj(2026, 11, 23, 12, 30))
    # a night shift 20:00-08:00 is written as two intervals that join across midnight
    night = ServicePlan.every_day("night", "00:00-08:00,20:00-24:00")
    cn = cal.clock(night)
    assert cn.next_closing(bj(2026, 11, 23, 21, 0), tz=SHANGHAI) == bj(2026, 11, 24, 8, 0)
    assert cn.add(bj(2026, 11, 23, 23, 0), 2 * H, tz=SHANGHAI) == bj(2026, 11, 24, 1, 0)


def test_weekly_plan_matches_calendar_bound_equivalent(cal):
    # 7x12 computed periodically must agree with the same hours compiled against the calendar.
    bound = ServicePlan("7x12-bound", (((8 * 3600, 20 * 3600),),) * 7, False, ((8 * 3600, 20 * 3600),))
    assert bound.uses_calendar
    a, b = cal.clock("7x12"), cal.clock(bound)
    for start, d in [(bj(2026, 9, 30, 19, 0), 2 * H), (bj(2025, 1, 1, 0, 0), 300 * H), (bj(2026, 2, 13, 12, 34, 56), 77777 * S)]:
        assert a.add(start, d) == b.add(start, d)
        assert a.next_closing(start) == b.next_closing(start)
        assert a.next_opening(start + 9 * H) == b.next_opening(start + 9 * H)


def test_plan_parsing():
    p = ServicePlan.from_dict("x", {"days": "working", "hours": "08:30-17:30"})
    assert p.weekly[0] == ((8 * 3600 + 1800, 17 * 3600 + 1800),) and p.weekly[5] == ()
    assert p.holidays_close and p.makeup_day_hours == p.weekly[0]
    e = ServicePlan.from_dict("y", {"days": "every", "hours": ["08:00-12:00", "12:00-20:00"]})
    assert e.weekly[6] == ((8 * 3600, 20 * 3600),) and not e.uses_calendar  # touching intervals join
    w = ServicePlan.from_dict("z", {"weekly": {"sat": "10:00-14:00"}, "holidays_close": False})
    assert w.weekly[5] == ((36000, 50400),) and w.weekly[0] == ()
    assert ServicePlan.from_dict("x", {"days": "working", "hours": "08:30-17:30"}) == p
    for bad in (
        {"days": "working", "hours": "18:00-09:00"},
        {"days": "working", "hours": "09:00-12:00,11:00-13:00"},
        {"days": "working", "hours": "9am-5pm"},
        {"days": "working", "hours": "09:00-24:30"},
        {"days": "sometimes", "hours": "09:00-18:00"},
        {"weekly": {"funday": "09:00-18:00"}},
        {"weekly": {}},
        {"days": "working", "hours": "09:00-18:00", "colour": "blue"},
    ):
        with pytest.raises(ValueError):
            ServicePlan.from_dict("bad", bad)


def test_builtin_plans():
    assert set(PLANS) == {"5x8", "5x8-onsite", "5x12", "7x12", "7x24"}
    assert PLANS["5x8"].weekly[0] == ((9 * 3600, 18 * 3600),)
    assert PLANS["5x8-onsite"].weekly[4] == ((9 * 3600, 17 * 3600),)
    assert PLANS["5x12"].weekly[2] == ((8 * 3600, 20 * 3600),) and PLANS["5x12"].weekly[6] == ()
    assert PLANS["7x24"].weekly[6] == ((0, 86400),)


def test_unknown_plan_name(cal):
    with pytest.raises(KeyError, match="5x8"):
        cal.clock("6x9")


# ----------------------------------------------------------------------------- horizon helpers


def test_horizon_log_and_gauge(cal, caplog):
    with caplog.at_level(logging.INFO, logger="servicehub.businesstime"):
        status = log_horizon_status(cal, bj(2026, 11, 22, 12, 0), warn_within_days=60)
    assert status.warning
    rec = caplog.records[-1]
    assert rec.levelno == logging.WARNING and "2026-12-31" in rec.getMessage()
    assert rec.calendar_horizon_days_left == 39

    from prometheus_client import CollectorRegistry

    registry = CollectorRegistry()
    register_horizon_gauge(cal, registry=registry, now=lambda: bj(2026, 11, 22, 12, 0))
    value = registry.get_sample_value(
        "servicehub_business_calendar_horizon_days", {"calendar_version": cal.version}
    )
    assert value == 39
