"""Cross-checks of the shipped calendar data, 2004-2026, against two independent sources.

1. ``chinese_calendar`` (import name of the ``chinesecalendar`` package): every day's
   working / non-working status must agree, except for the dates in KNOWN_MISMATCHES, each
   investigated against the State Council notice.  The test fails on any other mismatch, and
   also when an allow-listed date no longer differs (so the list never goes stale).

   Only working vs. non-working is compared: that is what business time depends on.  How a
   non-working day is classified (statutory holiday vs. other rest day) is not comparable,
   because chinese_calendar has no "statutory" marker: its ``holidays`` table lists whole
   holiday breaks including their weekends, and its ``in_lieu_days`` only swapped days.

2. ``holidays`` (the generator's source): the data files must still say what the package
   says, i.e. nobody hand-edited a file and the pinned package did not change its past.
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import holidays

from servicehub_businesstime import DayType

FIRST, LAST = 2004, 2026

#: date -> why our data (from `holidays`) and chinese_calendar disagree, and who is right.
KNOWN_MISMATCHES: dict[dt.date, str] = {
    dt.date(2005, 12, 31): (
        "Saturday make-up working day of the 2006 New Year arrangement: the 2006 notice "
        "(国办发明电〔2005〕35号, 2005-12-16) moves the weekend rest of Sat 2005-12-31 and "
        "Sun 2006-01-01 to Mon 2006-01-02 and Tue 2006-01-03 and says \"12月31日（星期六）上班\". "
        "holidays marks it as a working day (correct); chinese_calendar lacks it because it "
        "sits in 2005 while the notice is for 2006.  We keep it a MAKEUP_WORKDAY."
    ),
}


def _days():
    day = dt.date(FIRST, 1, 1)
    end = dt.date(LAST, 12, 31)
    while day <= end:
        yield day
        day += dt.timedelta(days=1)


def test_every_day_2004_2026_matches_chinese_calendar(cal):
    mismatches = {}
    for day in _days():
        ours = cal.is_working_day(day)
        theirs = chinese_calendar.is_workday(day)
        if ours != theirs:
            mismatches[day] = (
                f"{day} ({day:%a}): servicehub {cal.day_type(day).value} "
                f"({'working' if ours else 'rest'}), chinese_calendar {'working' if theirs else 'rest'}"
            )
    unexplained = {d: m for d, m in mismatches.items() if d not in KNOWN_MISMATCHES}
    stale = sorted(set(KNOWN_MISMATCHES) - set(mismatches))
    assert not unexplained, "unexplained mismatches with chinese_calendar:\n" + "\n".join(
        unexplained[d] for d in sorted(unexplained)
    )
    assert not stale, f"allow-listed dates that no longer differ (remove them): {stale}"
    assert sorted(mismatches) == sorted(KNOWN_MISMATCHES)


def test_known_mismatch_is_what_the_notice_says(cal):
    # 2006 New Year: Sat 2005-12-31 worked; Jan 1 (statutory) - Jan 3 off.
    assert cal.day_type(dt.date(2005, 12, 31)) is DayType.MAKEUP_WORKDAY
    assert cal.day_info(dt.date(2006, 1, 1)).statutory
    assert [cal.day_type(dt.date(2006, 1, d)) for d in (2, 3, 4)] == [
        DayType.HOLIDAY,
        DayType.HOLIDAY,
        DayType.WORKDAY,
    ]


def test_working_days_per_year(cal):
    def count(year):
        return cal.working_days_between(dt.date(year, 1, 1), dt.date(year, 12, 31)) + cal.is_working_day(
            dt.date(year, 1, 1)
        )

    # By hand: 2025 has 261 weekdays; 18 of them are off (Jan 1; Jan 28-31; Feb 3-4; Apr 4;
    # May 1, 2, 5; Jun 2; Oct 1-3; Oct 6-8); 5 make-up days (Jan 26, Feb 8, Apr 27, Sep 28,
    # Oct 11) -> 248.  2026: 261 weekdays - 19 off (Jan 1-2; Feb 16-20, 23; Apr 6; May 1, 4, 5;
    # Jun 19; Sep 25; Oct 1, 2, 5, 6, 7) + 6 make-up days (Jan 4, Feb 14, Feb 28, May 9,
    # Sep 20, Oct 10) -> 248.
    assert count(2025) == 248
    assert count(2026) == 248
    for year in range(FIRST, LAST + 1):
        assert 248 <= count(year) <= 252, year


def test_data_files_still_match_the_holidays_package(cal):
    for year in range(FIRST, LAST + 1):
        h = holidays.China(years=year, language="en_US")
        for day in (d for d in _days() if d.year == year):
            assert cal.is_working_day(day) == h.is_working_day(day), day
            info = cal.day_info(day)
            name = h.get(day)
            if info.type is DayType.HOLIDAY:
                assert name is not None, day
                statutory = not ("(observed)" in name or name.startswith("Day off") or "Extended" in name)
                assert info.statutory == statutory, day
            if info.type is DayType.MAKEUP_WORKDAY:
                assert day in h.weekend_workdays


def test_every_makeup_day_is_a_weekend_and_every_holiday_is_rest(cal):
    for day in _days():
        t = cal.day_type(day)
        if t is DayType.MAKEUP_WORKDAY:
            assert day.weekday() >= 5
        if t is DayType.REST_DAY:
            assert day.weekday() >= 5
        if t is DayType.WORKDAY:
            assert day.weekday() < 5
