"""Hand-worked day types and working-day arithmetic around the 2025/2026 golden weeks.

Every expectation below was worked out by hand from the State Council notices for 2025
(国办发明电〔2024〕12号) and 2026, not read back from the data files.
"""

from __future__ import annotations

import datetime as dt

import pytest

from servicehub_businesstime import (
    SHANGHAI,
    UTC,
    CalendarHorizonError,
    DayType,
    NaiveDatetimeError,
)

W, R, H, M = DayType.WORKDAY, DayType.REST_DAY, DayType.HOLIDAY, DayType.MAKEUP_WORKDAY
D = dt.date


def bj(*a: int) -> dt.datetime:
    return dt.datetime(*a, tzinfo=SHANGHAI)


def span(cal, start: dt.date, types: str) -> None:
    """Assert consecutive day types from `start`: W workday, R rest, H holiday, M make-up."""
    code = {"W": W, "R": R, "H": H, "M": M}
    got = "".join(
        next(k for k, v in code.items() if v is cal.day_type(start + dt.timedelta(days=i)))
        for i in range(len(types))
    )
    assert got == types, f"from {start}: expected {types}, got {got}"


# ----------------------------------------------------------------------------- day types


def test_spring_festival_2025(cal):
    # Sat Jan 25 rest, Sun Jan 26 make-up, Mon Jan 27 work, Jan 28 (Eve) .. Feb 4 off,
    # Feb 5-7 work, Sat Feb 8 make-up, Sun Feb 9 rest.
    span(cal, D(2025, 1, 25), "RMWHHHHRRHHWWWMR")
    assert [d.day for d in _statutory(cal, D(2025, 1, 20), D(2025, 2, 10))] == [28, 29, 30, 31]


def test_labour_day_2025(cal):
    # Sun Apr 27 make-up; May 1-5 off (1, 2 statutory; 3, 4 weekend; 5 rest day in lieu).
    span(cal, D(2025, 4, 26), "RMWWWHHRRHW")
    assert cal.day_info(D(2025, 5, 5)).statutory is False
    assert cal.day_info(D(2025, 5, 2)).statutory is True


def test_national_day_2025(cal):
    # Sun Sep 28 make-up; Oct 1-8 off (1-3 National Day, 6 Mid-Autumn); Sat Oct 11 make-up.
    span(cal, D(2025, 9, 27), "RMWWHHHRRHHHWWMR")
    assert [d.day for d in _statutory(cal, D(2025, 9, 27), D(2025, 10, 12))] == [1, 2, 3, 6]


def test_spring_festival_2026(cal):
    # Sat Feb 14 make-up; Feb 15 (Sun) .. Feb 23 (Mon) off; Feb 24-27 work; Sat Feb 28 make-up.
    span(cal, D(2026, 2, 14), "MRHHHHHRRHWWWWMR")
    assert cal.day_type(D(2026, 2, 14)) is M and D(2026, 2, 14).weekday() == 5
    assert cal.day_type(D(2026, 2, 28)) is M and D(2026, 2, 28).weekday() == 5
    assert [d.day for d in _statutory(cal, D(2026, 2, 10), D(2026, 3, 1))] == [16, 17, 18, 19]


def test_labour_day_2026(cal):
    # May 1 (Fri) - May 5 (Tue) off, Sat May 2 is itself statutory; Sat May 9 make-up.
    span(cal, D(2026, 4, 30), "WHHRHHWWWMR")
    info = cal.day_info(D(2026, 5, 2))
    assert info.type is H and info.statutory and "Labor" in info.name


def test_national_day_2026(cal):
    # Sun Sep 20 make-up; Fri Sep 25 Mid-Autumn; Oct 1-7 off; Sat Oct 10 make-up.
    span(cal, D(2026, 9, 19), "RMWWWWHRRWWWHHHRHHHWWMR")
    for make_up in (D(2026, 9, 20), D(2026, 10, 10)):
        info = cal.day_info(make_up)
        assert info.type is M and info.is_working_day and make_up.weekday() >= 5
    assert cal.is_statutory_holiday(D(2026, 10, 3)) and not cal.is_statutory_holiday(D(2026, 10, 7))


def test_plain_days(cal):
    assert cal.day_type(D(2026, 11, 23)) is W  # a Monday
    assert cal.day_type(D(2026, 11, 22)) is R  # a Sunday
    assert cal.day_info(D(2026, 11, 22)).name is None
    assert cal.is_working_day(D(2026, 11, 23)) and not cal.is_working_day(D(2026, 11, 22))


def test_datetime_is_taken_as_its_beijing_date(cal):
    # 2026-09-30T16:30Z is 2026-10-01 00:30 in Beijing: National Day.
    at = dt.datetime(2026, 9, 30, 16, 30, tzinfo=UTC)
    assert cal.day_type(at) is H
    assert cal.day_type(at - dt.timedelta(hours=1)) is W
    with pytest.raises(NaiveDatetimeError):
        cal.day_type(dt.datetime(2026, 10, 1, 12, 0))


def _statutory(cal, a, b):
    return [i.date for i in cal.days(a, b) if i.statutory]


# ----------------------------------------------------------------------------- working days


@pytest.mark.parametrize(
    "day, n, expected",
    [
        # 5 working days across National Day 2026: Sep 30, Oct 8, Oct 9, Oct 10 (Sat), Oct 12
        (D(2026, 9, 29), 5, D(2026, 10, 12)),
        (D(2026, 9, 29), 4, D(2026, 10, 10)),  # the make-up Saturday counts
        (D(2026, 9, 30), 1, D(2026, 10, 8)),
        # submitted on a holiday / a weekend: the day itself never counts
        (D(2026, 10, 3), 1, D(2026, 10, 8)),
        (D(2026, 9, 19), 1, D(2026, 9, 20)),  # Sat -> make-up Sun
        # Spring Festival 2026: Fri Feb 13 -> Sat Feb 14 (make-up) -> Tue Feb 24
        (D(2026, 2, 13), 1, D(2026, 2, 14)),
        (D(2026, 2, 13), 2, D(2026, 2, 24)),
        (D(2026, 2, 13), 6, D(2026, 2, 28)),
        # 2025 National Day: Tue Sep 30 + 1 -> Thu Oct 9; +3 -> Sat Oct 11 (make-up)
        (D(2025, 9, 30), 1, D(2025, 10, 9)),
        (D(2025, 9, 30), 3, D(2025, 10, 11)),
        (D(2025, 9, 26), 1, D(2025, 9, 28)),  # Fri -> make-up Sun
        # 10 working days (lead time) over Labour Day 2025
        (D(2025, 4, 25), 10, D(2025, 5, 13)),
        # backwards and zero
        (D(2026, 10, 12), -5, D(2026, 9, 29)),
        (D(2026, 10, 8), -1, D(2026, 9, 30)),
        (D(2026, 10, 4), 0, D(2026, 10, 4)),
    ],
)
def test_add_working_days(cal, day, n, expected):
    assert cal.add_working_days(day, n) == expected
    if n > 0:
        assert cal.working_days_between(day, expected) == n
        assert cal.is_working_day(expected)


def test_working_days_between(cal):
    assert cal.working_days_between(D(2026, 9, 29), D(2026, 10, 12)) == 5
    assert cal.working_days_between(D(2026, 10, 12), D(2026, 9, 29)) == -5
    assert cal.working_days_between(D(2026, 10, 1), D(2026, 10, 7)) == 0


def test_window_across_national_day_2026(cal):
    # Submitted Tue 2026-09-29 15:00 Beijing; "within 5 working days" ends with Mon Oct 12.
    w = cal.working_days_window(bj(2026, 9, 29, 15, 0), 5, tz=SHANGHAI)
    assert w.submission_day == D(2026, 9, 29)
    assert w.last_day == D(2026, 10, 12)
    assert w.end == bj(2026, 10, 13, 0, 0)
    assert w.end.utcoffset() == dt.timedelta(hours=8)
    assert w.calendar_version == cal.version
    assert w.is_in_time(bj(2026, 10, 12, 23, 59, 59))
    assert not w.is_in_time(bj(2026, 10, 13, 0, 0))
    # the same window in UTC
    utc = cal.working_days_window(bj(2026, 9, 29, 15, 0), 5)
    assert utc.end == dt.datetime(2026, 10, 12, 16, 0, tzinfo=UTC) and utc.end.tzinfo is UTC


def test_window_submission_day_is_the_beijing_date(cal):
    # 2026-09-29T17:30Z is Wed Sep 30 01:30 in Beijing: the window counts from Sep 30.
    w = cal.working_days_window(dt.datetime(2026, 9, 29, 17, 30, tzinfo=UTC), 5)
    assert w.submission_day == D(2026, 9, 30)
    assert w.last_day == D(2026, 10, 13)


def test_window_across_spring_festival_2025(cal):
    # Submitted Fri 2025-01-24: Jan 26 (Sun, make-up), Jan 27, Feb 5, Feb 6, Feb 7.
    w = cal.working_days_window(bj(2025, 1, 24, 10, 0), 5, tz=SHANGHAI)
    assert w.last_day == D(2025, 2, 7)
    assert w.end == bj(2025, 2, 8, 0, 0)


def test_window_rejects_bad_input(cal):
    with pytest.raises(ValueError):
        cal.working_days_window(bj(2026, 9, 29, 15, 0), 0)
    with pytest.raises(NaiveDatetimeError):
        cal.working_days_window(dt.datetime(2026, 9, 29, 15, 0), 5)


# ----------------------------------------------------------------------------- horizon


def test_horizon_is_end_of_2026(cal):
    assert cal.horizon == D(2026, 12, 31)
    assert cal.first_day == D(2004, 1, 1)
    assert cal.horizon_end == bj(2027, 1, 1, 0, 0)
    assert cal.years == tuple(range(2004, 2027))


def test_days_beyond_the_horizon_raise(cal):
    with pytest.raises(CalendarHorizonError) as exc:
        cal.day_type(D(2027, 1, 4))
    assert exc.value.day == D(2027, 1, 4) and exc.value.horizon == D(2026, 12, 31)
    assert "2026-12-31" in str(exc.value) and "override" in str(exc.value)
    with pytest.raises(CalendarHorizonError) as exc:
        cal.is_working_day(D(2003, 12, 31))
    assert exc.value.first_day == D(2004, 1, 1)


def test_working_days_beyond_the_horizon_raise(cal):
    assert cal.add_working_days(D(2026, 12, 29), 2) == D(2026, 12, 31)
    with pytest.raises(CalendarHorizonError) as exc:
        cal.add_working_days(D(2026, 12, 29), 3)
    assert exc.value.day == D(2027, 1, 1)
    with pytest.raises(CalendarHorizonError):
        cal.working_days_window(bj(2026, 12, 28, 10, 0), 5)
    with pytest.raises(CalendarHorizonError):
        cal.add_working_days(D(2004, 1, 5), -3)


def test_horizon_status(cal):
    s = cal.horizon_status(bj(2026, 11, 22, 12, 0))
    assert s.days_left == 39 and s.warning and not s.expired
    assert "2026-12-31" in s.message() and "2027" in s.message()
    calm = cal.horizon_status(bj(2026, 6, 1, 12, 0), warn_within_days=90)
    assert calm.days_left == 213 and not calm.warning
    late = cal.horizon_status(D(2027, 1, 2))
    assert late.expired and late.days_left == -2


def test_version_is_stable_and_names_the_years(cal):
    from servicehub_businesstime import BusinessCalendar

    again = BusinessCalendar.load()
    assert again.version == cal.version
    assert cal.version.startswith("prc-2004-2026-")
    assert len(cal.sources) == 23 and all(s.status == "official" for s in cal.sources)


def test_open_hours_of_a_plan_follow_the_day_type(cal):
    """BusinessClock builds its periods from this public answer, never from calendar internals."""
    nine_to_six = ((9 * 3600, 18 * 3600),)
    five_by_eight, seven_by_twenty_four = cal.clock("5x8").plan, cal.clock("7x24").plan

    assert cal.open_hours(five_by_eight, D(2026, 9, 30)) == nine_to_six  # Wednesday
    assert cal.open_hours(five_by_eight, D(2026, 10, 1)) == ()  # National Day
    assert cal.open_hours(five_by_eight, D(2026, 10, 10)) == nine_to_six  # make-up Saturday
    assert cal.open_hours(five_by_eight, D(2026, 10, 11)) == ()  # Sunday
    assert cal.open_hours(seven_by_twenty_four, D(2026, 10, 1)) == ((0, 24 * 3600),)
    with pytest.raises(CalendarHorizonError):
        cal.open_hours(five_by_eight, D(2027, 1, 4))
