"""Business clocks: duration arithmetic under a service plan on a calendar.

The clock of a plan is precomputed as a sorted list of open periods ``[start, end)`` (in
local seconds, see ``_time``) with the cumulative open seconds before each one.  The
"business position" ``pos(t)`` -- open seconds from a fixed origin up to ``t`` -- is then one
bisect, and so is its inverse.  Everything else is built from these two:

* ``elapsed(a, b) = pos(b) - pos(a)``
* ``add(a, d)`` = the earliest ``t`` with ``pos(t) >= pos(a) + d``.

Plans that do not depend on the calendar (``ServicePlan.uses_calendar`` is False: 7x12,
7x24) use one week's periods repeated forever, so they have no horizon.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from numbers import Rational
from typing import TYPE_CHECKING

from ._time import (
    DAY,
    EPOCH_ORDINAL,
    OFFSET,
    UTC,
    from_local,
    local_date,
    to_local,
    to_seconds,
)
from .errors import CalendarHorizonError
from .plans import ServicePlan

if TYPE_CHECKING:  # pragma: no cover
    from .calendar import BusinessCalendar

Pause = tuple[dt.datetime, dt.datetime | None]
_WEEK = 7 * DAY
_timedelta = dt.timedelta
_fromtimestamp = dt.datetime.fromtimestamp
_MONDAY = 4 * DAY  # 1970-01-05, a Monday, 00:00 Beijing, in local seconds


class _Bounded:
    """Open periods of a calendar-dependent plan over the calendar's covered days."""

    def __init__(self, cal: BusinessCalendar, plan: ServicePlan) -> None:
        first_ord = cal.first_day.toordinal()
        last_ord = cal.horizon.toordinal()
        starts: list[int] = []
        ends: list[int] = []
        for o in range(first_ord, last_ord + 1):
            base = (o - EPOCH_ORDINAL) * DAY
            for a, b in cal.open_hours(plan, dt.date.fromordinal(o)):
                s = base + a
                if ends and ends[-1] == s:
                    ends[-1] = base + b
                else:
                    starts.append(s)
                    ends.append(base + b)
        cum, cumend, c = [], [], 0
        for s, e in zip(starts, ends):
            cum.append(c)
            c += e - s
            cumend.append(c)
        self.starts, self.ends, self.cum, self.cumend = starts, ends, cum, cumend
        self.lo = (first_ord - EPOCH_ORDINAL) * DAY
        self.hi = (last_ord + 1 - EPOCH_ORDINAL) * DAY
        self.first, self.horizon = cal.first_day, cal.horizon

    def _out(self, local: int) -> CalendarHorizonError:
        return CalendarHorizonError(local_date(local), self.horizon, self.first)

    def _beyond(self) -> CalendarHorizonError:
        return CalendarHorizonError(self.horizon + dt.timedelta(days=1), self.horizon, self.first)

    def pos(self, t: int) -> int:
        if t < self.lo or t > self.hi:
            raise self._out(t)
        i = bisect_right(self.starts, t) - 1
        if i < 0:
            return 0
        e = self.ends[i]
        return self.cum[i] + (t if t < e else e) - self.starts[i]

    def inv(self, q: int) -> int:
        """Earliest t with pos(t) >= q, for q > 0."""
        j = bisect_left(self.cumend, q)
        if j == len(self.cumend):
            raise self._beyond()
        return self.starts[j] + q - self.cum[j]

    def advance(self, t: int, seconds: int) -> int:
        """inv(pos(t) + seconds) for seconds > 0, in one call (the hot path)."""
        if t < self.lo or t > self.hi:
            raise self._out(t)
        starts, cum = self.starts, self.cum
        i = bisect_right(starts, t) - 1
        if i < 0:
            q = seconds
        else:
            e = self.ends[i]
            q = cum[i] + (t if t < e else e) - starts[i] + seconds
        cumend = self.cumend
        j = bisect_left(cumend, q)
        if j == len(cumend):
            raise self._beyond()
        return starts[j] + q - cum[j]

    def _locate(self, t: int) -> int:
        if t < self.lo or t >= self.hi:
            raise self._out(t)
        return bisect_right(self.starts, t) - 1

    def is_open(self, t: int) -> bool:
        i = self._locate(t)
        return i >= 0 and t < self.ends[i]

    def next_open(self, t: int) -> int:
        i = self._locate(t)
        if i >= 0 and t < self.ends[i]:
            return t
        if i + 1 == len(self.starts):
            raise self._beyond()
        return self.starts[i + 1]

    def next_close(self, t: int) -> int | None:
        i = self._locate(t)
        if not (i >= 0 and t < self.ends[i]):
            i += 1
            if i == len(self.starts):
                raise self._beyond()
        if self.ends[i] == self.hi:  # open up to the horizon: may go on beyond it
            raise self._beyond()
        return self.ends[i]


class _Periodic:
    """Open periods of a purely weekly plan: one week repeated, no horizon."""

    def __init__(self, plan: ServicePlan) -> None:
        starts: list[int] = []
        ends: list[int] = []
        for i, hours in enumerate(plan.weekly):
            for a, b in hours:
                s = i * DAY + a
                if ends and ends[-1] == s:
                    ends[-1] = i * DAY + b
                else:
                    starts.append(s)
                    ends.append(i * DAY + b)
        cum, cumend, c = [], [], 0
        for s, e in zip(starts, ends):
            cum.append(c)
            c += e - s
            cumend.append(c)
        self.starts, self.ends, self.cum, self.cumend, self.total = starts, ends, cum, cumend, c
        self.always = len(starts) == 1 and starts[0] == 0 and ends[0] == _WEEK
        self.wraps = starts[0] == 0 and ends[-1] == _WEEK  # Sunday 24:00 joins Monday 00:00

    def pos(self, t: int) -> int:
        w, r = divmod(t - _MONDAY, _WEEK)
        i = bisect_right(self.starts, r) - 1
        if i < 0:
            return w * self.total
        e = self.ends[i]
        return w * self.total + self.cum[i] + (r if r < e else e) - self.starts[i]

    def inv(self, q: int) -> int:
        w, r = divmod(q - 1, self.total)
        r += 1
        j = bisect_left(self.cumend, r)
        return _MONDAY + w * _WEEK + self.starts[j] + r - self.cum[j]

    def advance(self, t: int, seconds: int) -> int:
        """inv(pos(t) + seconds) for seconds > 0, in one call (the hot path)."""
        w, r = divmod(t - _MONDAY, _WEEK)
        starts, cum, total = self.starts, self.cum, self.total
        i = bisect_right(starts, r) - 1
        if i < 0:
            q = seconds
        else:
            e = self.ends[i]
            q = cum[i] + (r if r < e else e) - starts[i] + seconds
        w2, q = divmod(q - 1, total)
        q += 1
        j = bisect_left(self.cumend, q)
        return _MONDAY + (w + w2) * _WEEK + starts[j] + q - cum[j]

    def is_open(self, t: int) -> bool:
        r = (t - _MONDAY) % _WEEK
        i = bisect_right(self.starts, r) - 1
        return i >= 0 and r < self.ends[i]

    def next_open(self, t: int) -> int:
        w, r = divmod(t - _MONDAY, _WEEK)
        i = bisect_right(self.starts, r) - 1
        if i >= 0 and r < self.ends[i]:
            return t
        if i + 1 == len(self.starts):
            return _MONDAY + (w + 1) * _WEEK + self.starts[0]
        return _MONDAY + w * _WEEK + self.starts[i + 1]

    def next_close(self, t: int) -> int | None:
        if self.always:
            return None
        w, r = divmod(t - _MONDAY, _WEEK)
        i = bisect_right(self.starts, r) - 1
        if not (i >= 0 and r < self.ends[i]):
            i += 1
            if i == len(self.starts):
                i, w = 0, w + 1
        if self.wraps and i == len(self.starts) - 1:  # runs on into next Monday's first period
            i, w = 0, w + 1
        return _MONDAY + w * _WEEK + self.ends[i]


def _percent(p) -> Fraction:
    if isinstance(p, bool):
        raise TypeError("a percentage must be a number")
    if isinstance(p, float):
        return Fraction(repr(p))
    if isinstance(p, (int, Rational)):
        return Fraction(p)
    return Fraction(str(p))  # Decimal, str


class BusinessClock:
    """The clock of one service plan on one calendar (get it from
    :meth:`BusinessCalendar.clock`).  Immutable; safe to share between threads.

    All instants in and out are timezone-aware datetimes (naive ones raise
    :class:`NaiveDatetimeError`), handled at one-second resolution: a sub-second part of an
    input is dropped.  Results are returned in ``tz`` (UTC unless asked otherwise, e.g.
    ``tz=SHANGHAI``).  Open periods are half-open: a plan open 09:00-18:00 runs during the
    second starting at 17:59:59 and is closed at 18:00:00.
    """

    def __init__(self, calendar: BusinessCalendar, plan: ServicePlan) -> None:
        self.plan = plan
        self.calendar = calendar
        self.calendar_version = calendar.version
        self._tl = _Bounded(calendar, plan) if plan.uses_calendar else _Periodic(plan)
        self._pos = self._tl.pos
        self._inv = self._tl.inv
        self._advance = self._tl.advance

    def __repr__(self) -> str:
        return f"<BusinessClock {self.plan.name} on {self.calendar_version}>"

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _pauses(pauses: Iterable[Pause]) -> list[tuple[int, int | None]]:
        spans: list[tuple[int, int | None]] = []
        for item in pauses:
            try:
                ps, pe = item
            except (TypeError, ValueError):
                raise TypeError(f"a pause is a (start, end) pair of aware datetimes, end may be None; got {item!r}") from None
            a = to_local(ps, "pause start")
            b = None if pe is None else to_local(pe, "pause end")
            if b is not None and b < a:
                raise ValueError(f"pause ends before it starts: {ps.isoformat()} .. {pe.isoformat()}")
            spans.append((a, b))
        spans.sort(key=lambda s: s[0])
        merged: list[tuple[int, int | None]] = []
        for a, b in spans:
            if merged:
                pa, pb = merged[-1]
                if pb is None:
                    continue
                if a <= pb:
                    merged[-1] = (pa, None if b is None else max(pb, b))
                    continue
            merged.append((a, b))
        return merged

    def _add(self, start: int, seconds: int, pauses: Sequence[tuple[int, int | None]]) -> int | None:
        """Earliest t >= start with `seconds` of unpaused open time in [start, t]; None if an
        open-ended pause stops the clock for good first."""
        if seconds == 0:
            return start
        pos, inv = self._pos, self._inv
        cur, rem = start, seconds
        for ps, pe in pauses:
            if pe is not None and pe <= cur:
                continue
            if ps > cur:
                pc = pos(cur)
                candidate = inv(pc + rem)
                if candidate <= ps:
                    return candidate
                rem -= pos(ps) - pc
            if pe is None:
                return None
            cur = pe
        return inv(pos(cur) + rem)

    def _elapsed(self, a: int, b: int, pauses: Sequence[tuple[int, int | None]]) -> int:
        pos = self._pos
        total = pos(b) - pos(a)
        for ps, pe in pauses:
            s = ps if ps > a else a
            e = b if pe is None or pe > b else pe
            if e > s:
                total -= pos(e) - pos(s)
        return total

    # ------------------------------------------------------------------ durations
    def add(
        self,
        start: dt.datetime,
        duration: dt.timedelta | int,
        *,
        pauses: Iterable[Pause] = (),
        tz: dt.tzinfo = UTC,
    ) -> dt.datetime:
        """The instant at which ``duration`` of business time has run from ``start``: the
        earliest ``t >= start`` with ``elapsed(start, t, pauses) == duration``.

        If the clock is closed at ``start`` it starts at the next opening.  The result is
        inside an open period or exactly at its end (18:00:00 on a 09:00-18:00 plan, not
        09:00 the next working day).  A zero duration returns ``start`` itself.
        ``duration`` is a whole-second timedelta or int seconds.  ``pauses`` are
        (start, end) intervals during which the clock does not run (``end=None``: open
        ended; if it stops the clock before the duration is used up, ValueError).

        5x8, Wednesday 2026-09-30 17:59 +08:00 plus 2 h -> Thursday 2026-10-08 10:59 +08:00
        (the clock runs 17:59-18:00, then stops for the National Day week until 09:00).
        """
        try:  # inlined to_local(): this is the hot path of every deadline
            off = start.utcoffset()
            local = (
                (start.toordinal() - EPOCH_ORDINAL) * DAY
                + start.hour * 3600
                + start.minute * 60
                + start.second
                - off.days * DAY
                - off.seconds
                + OFFSET
            )
        except (AttributeError, TypeError):  # naive (offset None) or not a datetime
            local = to_local(start, "start")
        if duration.__class__ is _timedelta and not duration.microseconds and duration.days >= 0:
            seconds = duration.days * DAY + duration.seconds
        else:
            seconds = to_seconds(duration)
        if pauses:
            t = self._add(local, seconds, self._pauses(pauses))
            if t is None:
                raise ValueError("an open-ended pause stops the clock before the duration has run")
        elif seconds:
            t = self._advance(local, seconds)
        else:
            t = local
        return _fromtimestamp(t - OFFSET, tz)

    def elapsed(
        self, start: dt.datetime, end: dt.datetime, *, pauses: Iterable[Pause] = ()
    ) -> dt.timedelta:
        """Business time the clock ran in ``[start, end]``, less the parts inside ``pauses``
        (overlapping pauses count once; parts outside ``[start, end]`` are ignored; a pause
        with ``end=None`` lasts until ``end``).  ``end < start`` raises ValueError.  The
        result is never negative and never decreases as ``end`` grows."""
        a, b = to_local(start, "start"), to_local(end, "end")
        if b < a:
            raise ValueError(f"end {end.isoformat()} is before start {start.isoformat()}")
        return dt.timedelta(seconds=self._elapsed(a, b, self._pauses(pauses) if pauses else ()))

    def percent_elapsed(
        self,
        start: dt.datetime,
        target: dt.timedelta | int,
        at: dt.datetime,
        *,
        pauses: Iterable[Pause] = (),
    ) -> float:
        """``100 * elapsed(start, at, pauses) / target`` (may exceed 100 once breached)."""
        target_s = to_seconds(target, "target")
        if target_s == 0:
            raise ValueError("target must be positive")
        return 100.0 * self.elapsed(start, at, pauses=pauses).total_seconds() / target_s

    def threshold_instants(
        self,
        start: dt.datetime,
        target: dt.timedelta | int,
        percents: Iterable = (80, 90, 95, 100),
        *,
        pauses: Iterable[Pause] = (),
        tz: dt.tzinfo = UTC,
    ) -> Mapping[object, dt.datetime | None]:
        """For each percentage ``p``, the first instant at which ``p%`` of ``target`` has
        elapsed, i.e. ``add(start, ceil(target * p / 100))`` in whole seconds.  With an
        open-ended pause, percentages not reached before it map to None.

        5x8, target 2 h from Mon 2026-11-23 09:00 +08:00: 80% -> 10:36, 90% -> 10:48,
        95% -> 10:54, 100% -> 11:00.
        """
        local = to_local(start, "start")
        target_s = to_seconds(target, "target")
        spans = self._pauses(pauses) if pauses else ()
        out: dict[object, dt.datetime | None] = {}
        for p in percents:
            f = _percent(p)
            if f < 0:
                raise ValueError(f"a percentage must not be negative: {p!r}")
            need = -((-target_s * f.numerator) // (100 * f.denominator))  # ceil
            t = self._add(local, need, spans)
            out[p] = None if t is None else from_local(t, tz)
        return out

    # ------------------------------------------------------------------ open / closed
    def is_open(self, at: dt.datetime) -> bool:
        """Whether the clock runs during the second starting at ``at``."""
        return self._tl.is_open(to_local(at, "at"))

    def next_opening(self, at: dt.datetime, *, tz: dt.tzinfo = UTC) -> dt.datetime:
        """The earliest instant ``>= at`` at which the clock runs: ``at`` itself when open,
        else the start of the next open period (where a clock closed at ``at`` starts)."""
        return from_local(self._tl.next_open(to_local(at, "at")), tz)

    def next_closing(self, at: dt.datetime, *, tz: dt.tzinfo = UTC) -> dt.datetime | None:
        """When the clock next stops: the end of the open period containing ``at``, or if
        closed at ``at``, the end of the next one.  None for a clock that never stops (7x24)."""
        t = self._tl.next_close(to_local(at, "at"))
        return None if t is None else from_local(t, tz)

    # ------------------------------------------------------------------ integer fast path
    def add_epoch(self, start: int, seconds: int) -> int:
        """:meth:`add` on Unix timestamps (int seconds), no pauses: for bulk computations."""
        if seconds <= 0:
            if seconds < 0:
                raise ValueError("seconds must not be negative")
            return start
        return self._advance(start + OFFSET, seconds) - OFFSET

    def elapsed_epoch(self, start: int, end: int) -> int:
        """:meth:`elapsed` on Unix timestamps (int seconds), no pauses."""
        if end < start:
            raise ValueError("end is before start")
        return self._pos(end + OFFSET) - self._pos(start + OFFSET)
