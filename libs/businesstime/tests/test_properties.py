"""Property tests (hypothesis) of the business clock and working-day arithmetic.

Besides the algebraic properties, ``add``/``elapsed`` are compared with a slow reference
implementation that walks day by day over the plan's hours, using only the calendar's
public day types -- independent of the precomputed open-period tables.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from servicehub_businesstime import (
    PLANS,
    SHANGHAI,
    BusinessCalendar,
    DayType,
    ServicePlan,
)

CAL = BusinessCalendar.load()  # module level: hypothesis does not mix with function fixtures
S = dt.timedelta(seconds=1)

CUSTOM = [
    ServicePlan.weekly_template(
        "split-with-saturday",
        {
            "mon": "09:00-12:00,13:30-18:00",
            "tue": "09:00-12:00,13:30-18:00",
            "wed": "09:00-12:00,13:30-18:00",
            "thu": "09:00-12:00,13:30-18:00",
            "fri": "09:00-12:00,13:30-17:00",
            "sat": "10:00-14:00",
        },
        holidays_close=True,
        makeup_day_hours="09:00-18:00",
    ),
    ServicePlan.every_day("night", "00:00-08:00,20:00-24:00", holidays_close=True),
    ServicePlan.weekly_template("weekend-desk", {"sat": "08:00-20:00", "sun": "08:00-20:00"}, holidays_close=False),
]
ALL_PLANS = list(PLANS.values()) + CUSTOM
ALL = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

LO = int(dt.datetime(2004, 1, 1, tzinfo=SHANGHAI).timestamp())
HI = int(dt.datetime(2026, 7, 1, tzinfo=SHANGHAI).timestamp())

zones = st.one_of(
    st.just(SHANGHAI),
    st.just(dt.UTC),
    st.integers(-12 * 60, 14 * 60).map(lambda m: dt.timezone(dt.timedelta(minutes=m))),
)
instants = st.builds(lambda ts, tz: dt.datetime.fromtimestamp(ts, tz), st.integers(LO, HI), zones)
plans = st.sampled_from(ALL_PLANS)
durations = st.integers(0, 250 * 3600).map(lambda s: dt.timedelta(seconds=s))


def local(t: dt.datetime) -> int:
    return int(t.timestamp()) + 8 * 3600


def ref_hours(plan: ServicePlan, day: dt.date):
    t = CAL.day_type(day)
    if t is DayType.HOLIDAY and plan.holidays_close:
        return ()
    if t is DayType.MAKEUP_WORKDAY and plan.makeup_day_hours is not None:
        return plan.makeup_day_hours
    return plan.weekly[day.weekday()]


def ref_add(plan: ServicePlan, start: int, seconds: int) -> int:
    if seconds == 0:
        return start
    day, sod = divmod(start, 86400)
    while True:
        for a, b in ref_hours(plan, dt.date(1970, 1, 1) + dt.timedelta(days=day)):
            if b <= sod:
                continue
            begin = max(a, sod)
            if b - begin >= seconds:
                return day * 86400 + begin + seconds
            seconds -= b - begin
        day, sod = day + 1, 0


def ref_elapsed(plan: ServicePlan, a: int, b: int) -> int:
    total = 0
    for day in range(a // 86400, b // 86400 + 1):
        base = day * 86400
        for s, e in ref_hours(plan, dt.date(1970, 1, 1) + dt.timedelta(days=day)):
            lo, hi = max(base + s, a), min(base + e, b)
            total += max(0, hi - lo)
    return total


@ALL
@given(plan=plans, start=instants, d=durations)
def test_add_then_measure_gives_back_the_duration(plan, start, d):
    c = CAL.clock(plan)
    end = c.add(start, d)
    assert end >= start.replace(microsecond=0)
    assert c.elapsed(start, end) == d


@ALL
@given(plan=plans, start=instants, d=st.integers(0, 120 * 3600))
def test_add_matches_the_day_by_day_reference(plan, start, d):
    c = CAL.clock(plan)
    assert local(c.add(start, d)) == ref_add(plan, local(start), d)


@ALL
@given(plan=plans, start=instants, span=st.integers(0, 40 * 86400))
def test_elapsed_matches_the_day_by_day_reference(plan, start, span):
    c = CAL.clock(plan)
    end = start + dt.timedelta(seconds=span)
    assert c.elapsed(start, end).total_seconds() == ref_elapsed(plan, local(start), local(end))


@ALL
@given(plan=plans, start=instants, a=durations, b=durations)
def test_adding_a_plus_b_equals_adding_a_then_b(plan, start, a, b):
    c = CAL.clock(plan)
    assert c.add(start, a + b) == c.add(c.add(start, a), b)


@ALL
@given(plan=plans, start=instants, d=st.integers(1, 250 * 3600))
def test_results_never_fall_inside_a_closed_period(plan, start, d):
    c = CAL.clock(plan)
    end = c.add(start, d)
    # the last second before the deadline is an open second, so the deadline is inside an
    # open period or exactly at its end -- and it is the earliest such instant
    assert c.is_open(end - S)
    assert c.elapsed(start, end - S).total_seconds() == d - 1


pauses_st = st.lists(
    st.tuples(st.integers(-3 * 86400, 30 * 86400), st.integers(0, 5 * 86400), st.booleans()),
    max_size=5,
)


def make_pauses(start: dt.datetime, raw, allow_open: bool):
    out = []
    for offset, length, open_ended in raw:
        ps = start + dt.timedelta(seconds=offset)
        out.append((ps, None if (open_ended and allow_open) else ps + dt.timedelta(seconds=length)))
    return out


@ALL
@given(plan=plans, start=instants, raw=pauses_st, t1=st.integers(0, 30 * 86400), t2=st.integers(0, 30 * 86400))
def test_pauses_never_make_elapsed_negative_or_run_backwards(plan, start, raw, t1, t2):
    c = CAL.clock(plan)
    pauses = make_pauses(start, raw, allow_open=True)
    e1, e2 = sorted((start + dt.timedelta(seconds=t1), start + dt.timedelta(seconds=t2)))
    p1 = c.elapsed(start, e1, pauses=pauses)
    p2 = c.elapsed(start, e2, pauses=pauses)
    assert dt.timedelta(0) <= p1 <= p2
    assert p1 <= c.elapsed(start, e1)
    assert p2 - p1 <= c.elapsed(e1, e2)


@ALL
@given(plan=plans, start=instants, raw=pauses_st, d=st.integers(1, 100 * 3600))
def test_add_with_pauses_then_measure(plan, start, raw, d):
    c = CAL.clock(plan)
    pauses = make_pauses(start, raw, allow_open=False)
    end = c.add(start, d, pauses=pauses)
    assert c.elapsed(start, end, pauses=pauses).total_seconds() == d
    assert c.elapsed(start, end - S, pauses=pauses).total_seconds() == d - 1  # earliest
    assert end >= c.add(start, d)  # pauses only delay


@ALL
@given(plan=plans, start=instants, target=st.integers(1, 100 * 3600))
def test_thresholds_are_ordered_and_hit_their_percentages(plan, start, target):
    c = CAL.clock(plan)
    th = c.threshold_instants(start, target)
    assert th[80] <= th[90] <= th[95] <= th[100] == c.add(start, target)
    for p, at in th.items():
        assert c.percent_elapsed(start, target, at) >= p
        if at > start.replace(microsecond=0):
            assert c.percent_elapsed(start, target, at - S) < p


@ALL
@given(plan=plans, at=instants)
def test_next_opening_and_closing(plan, at):
    c = CAL.clock(plan)
    nxt = c.next_opening(at)
    assert c.is_open(nxt)
    assert c.elapsed(at, nxt) == dt.timedelta(0)
    close = c.next_closing(at)
    if close is None:
        assert plan.name == "7x24"
        return
    assert not c.is_open(close) and c.is_open(close - S)
    assert close > nxt
    assert c.elapsed(nxt, close) == close - nxt  # open all the way


@ALL
@given(day=st.dates(dt.date(2004, 1, 10), dt.date(2026, 10, 1)), n=st.integers(1, 40))
def test_working_days_round_trip(day, n):
    later = CAL.add_working_days(day, n)
    assert CAL.is_working_day(later)
    assert CAL.working_days_between(day, later) == n
    # no working day is skipped: the day before the result has n - 1 working days after `day`
    assert CAL.working_days_between(day, later - dt.timedelta(days=1)) == n - 1
    back = CAL.add_working_days(later, -n)
    # back n working days lands on `day` itself if it is a working day, else on the last
    # working day before it
    assert back == (day if CAL.is_working_day(day) else CAL.add_working_days(day, -1))


@pytest.mark.parametrize("plan", ALL_PLANS, ids=lambda p: p.name)
def test_add_epoch_agrees_with_add(plan):
    c = CAL.clock(plan)
    import random

    rng = random.Random(7)
    for _ in range(2000):
        ts, d = rng.randrange(LO, HI), rng.randrange(0, 200 * 3600)
        start = dt.datetime.fromtimestamp(ts, SHANGHAI)
        assert c.add_epoch(ts, d) == int(c.add(start, d).timestamp())
        end = ts + rng.randrange(0, 30 * 86400)
        assert c.elapsed_epoch(ts, end) == c.elapsed(start, dt.datetime.fromtimestamp(end, SHANGHAI)).total_seconds()
