"""The PRC business calendar: day types, working-day arithmetic, data horizon, version."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import re
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from ._time import (
    DAY,
    SHANGHAI,
    UTC,
    as_day,
    day_start,
    from_local,
    local_date,
    to_local,
)
from .datafile import FORMAT, YearData, read_calendar_file
from .errors import CalendarDataError, CalendarHorizonError, OverrideFileError
from .plans import PLANS, Hours, ServicePlan

if TYPE_CHECKING:  # pragma: no cover
    from .service_clock import BusinessClock


class DayType(str, enum.Enum):
    """What a day is in Beijing."""

    WORKDAY = "workday"
    """Monday-Friday, not a holiday: a working day."""
    REST_DAY = "rest_day"
    """An ordinary Saturday or Sunday (weekend rest day)."""
    HOLIDAY = "holiday"
    """A statutory public holiday (``DayInfo.statutory``), or an official weekday rest day
    given around one (补休 / 调休放假: ``statutory`` is False).  Not a working day."""
    MAKEUP_WORKDAY = "makeup_workday"
    """A Saturday or Sunday the State Council declared a working day (调休上班)."""

    @property
    def is_working(self) -> bool:
        return self is DayType.WORKDAY or self is DayType.MAKEUP_WORKDAY


_TYPES = (DayType.WORKDAY, DayType.REST_DAY, DayType.HOLIDAY, DayType.MAKEUP_WORKDAY)
_CODE = {t: i for i, t in enumerate(_TYPES)}


@dataclass(frozen=True)
class DayInfo:
    date: dt.date
    type: DayType
    name: str | None  # the holiday / make-up day's name from the data file
    statutory: bool  # a statutory public holiday (法定节假日), e.g. for holiday pay rules

    @property
    def is_working_day(self) -> bool:
        return self.type.is_working


@dataclass(frozen=True)
class YearSource:
    """Where one year of the calendar came from."""

    year: int
    path: str
    line: int
    status: str  # official | provisional | test
    source: str
    file_sha256: str
    override: bool


@dataclass(frozen=True)
class WorkingDaysWindow:
    """``within N working days after submission``: until the end of the N-th working day
    after the submission day (Beijing dates).  ``end`` is exclusive: 00:00 Beijing time of
    the day after ``last_day``; an act at ``t`` is in time iff ``t < end``."""

    submitted: dt.datetime
    submission_day: dt.date
    working_days: int
    last_day: dt.date
    end: dt.datetime
    calendar_version: str

    def is_in_time(self, at: dt.datetime) -> bool:
        return to_local(at, "at") < to_local(self.end)


@dataclass(frozen=True)
class HorizonStatus:
    """How close "today" (Beijing) is to the calendar's data horizon."""

    today: dt.date
    horizon: dt.date
    days_left: int  # (horizon - today).days; negative once the horizon has passed
    warn_within_days: int
    calendar_version: str

    @property
    def warning(self) -> bool:
        return self.days_left <= self.warn_within_days

    @property
    def expired(self) -> bool:
        return self.days_left < 0

    def message(self) -> str:
        if self.expired:
            return (
                f"business calendar {self.calendar_version} ended on {self.horizon}: every business-time "
                f"computation after it fails; install an override file for {self.horizon.year + 1}"
            )
        return (
            f"business calendar {self.calendar_version} has data up to {self.horizon} "
            f"({self.days_left} days left); "
            + (
                f"add {self.horizon.year + 1} with an override file before deadlines reach it"
                if self.warning
                else "no action needed"
            )
        )


_DATA_NAME = re.compile(r"^cn-(\d{4})\.toml$")


def default_data_dir() -> Path:
    return Path(str(resources.files(__package__).joinpath("data")))


class BusinessCalendar:
    """An immutable PRC (Asia/Shanghai) working-day calendar for a contiguous range of years.

    Build it once with :meth:`load`.  It answers day questions, working-day arithmetic and
    hands out :class:`BusinessClock` objects for service plans (:meth:`clock`).  Any
    question about a day outside ``[first_day, horizon]`` raises
    :class:`CalendarHorizonError`.
    """

    def __init__(self, years: Iterable[YearData], sources: Iterable[YearSource]) -> None:
        by_year = {y.year: y for y in years}
        if not by_year:
            raise ValueError("a calendar needs at least one year")
        ordered = sorted(by_year)
        first, last = ordered[0], ordered[-1]
        if ordered != list(range(first, last + 1)):
            missing = sorted(set(range(first, last + 1)) - set(ordered))
            raise ValueError(f"calendar years must be contiguous; missing {missing}")
        self._years: Mapping[int, YearData] = {y: by_year[y] for y in ordered}
        self._sources = tuple(sorted(sources, key=lambda s: s.year))
        self._first = dt.date(first, 1, 1)
        self._horizon = dt.date(last, 12, 31)
        self._first_ord = self._first.toordinal()
        n = self._horizon.toordinal() - self._first_ord + 1
        types = bytearray(n)
        names: dict[dt.date, str] = {}
        statutory: set[dt.date] = set()
        for k in range(n):
            if (self._first_ord + k) % 7 in (6, 0):  # ordinal % 7: 0 = Sunday, 6 = Saturday
                types[k] = 1
        for y in self._years.values():
            for day, name in y.holidays.items():
                types[day.toordinal() - self._first_ord] = 2
                names[day] = name
                statutory.add(day)
            for day, name in y.days_off.items():
                types[day.toordinal() - self._first_ord] = 2
                names[day] = name
            for day, name in y.workdays.items():
                types[day.toordinal() - self._first_ord] = 3
                names[day] = name
        self._types = bytes(types)
        self._names = names
        self._statutory = frozenset(statutory)
        wcum = [0] * (n + 1)
        c = 0
        for k, t in enumerate(self._types):
            if t == 0 or t == 3:
                c += 1
            wcum[k + 1] = c
        self._wcum = wcum
        h = hashlib.sha256(FORMAT.encode() + b"\n")
        for year in self._years:
            h.update(f"{year}\n".encode())
        for k, t in enumerate(self._types):
            if t == 2 or t == 3:  # weekdays and weekends follow from the dates
                h.update(f"{dt.date.fromordinal(self._first_ord + k)} {t} ".encode())
        h.update(" ".join(d.isoformat() for d in sorted(self._statutory)).encode())
        self._version = f"prc-{first}-{last}-{h.hexdigest()[:16]}"
        self._clocks: dict[ServicePlan, BusinessClock] = {}

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(
        cls, override_path: str | Path | None = None, *, data_dir: str | Path | None = None
    ) -> BusinessCalendar:
        """Load the shipped data files (``data/cn-YYYY.toml``) and, if given, the operator
        override file, whose years replace or extend the shipped ones.  Raises
        :class:`CalendarDataError` / :class:`OverrideFileError` (file and line) on any
        problem, so a service with a bad file does not start."""
        directory = Path(data_dir) if data_dir is not None else default_data_dir()
        years: dict[int, YearData] = {}
        sources: dict[int, YearSource] = {}
        files = sorted(p for p in directory.iterdir() if _DATA_NAME.match(p.name)) if directory.is_dir() else []
        if not files:
            raise CalendarDataError(directory, None, "no calendar data files cn-YYYY.toml found")
        for path in files:
            year = int(_DATA_NAME.match(path.name).group(1))  # type: ignore[union-attr]
            parsed, raw = read_calendar_file(path, expect_year=year)
            years[year] = parsed[0]
            sources[year] = _source(parsed[0], raw, override=False)
        if override_path is not None:
            parsed, raw = read_calendar_file(override_path, error=OverrideFileError)
            for y in parsed:
                years[y.year] = y
                sources[y.year] = _source(y, raw, override=True)
            ordered = sorted(years)
            for y in parsed:
                for gap in (y.year - 1, y.year + 1):
                    if ordered[0] < gap < ordered[-1] and gap not in years:
                        raise OverrideFileError(
                            override_path,
                            y.line,
                            f"year {y.year} leaves {gap} without data; calendar years must be contiguous "
                            f"(have {ordered[0]}-{ordered[-1]} except {gap})",
                        )
        ordered = sorted(years)
        for a, b in zip(ordered, ordered[1:]):
            if b != a + 1:
                raise CalendarDataError(years[b].path, years[b].line, f"calendar has no data for {a + 1}")
        return cls(years.values(), sources.values())

    # ------------------------------------------------------------------ identity / horizon
    @property
    def version(self) -> str:
        """Id of the calendar data: ``prc-<first year>-<last year>-<hash>``.  The hash covers
        every day's type (not names or comments), so equal ids mean equal answers."""
        return self._version

    @property
    def first_day(self) -> dt.date:
        return self._first

    @property
    def horizon(self) -> dt.date:
        """The last day with official data (31 December of the last covered year)."""
        return self._horizon

    @property
    def horizon_end(self) -> dt.datetime:
        """The first instant without data: 00:00 Beijing time the day after :attr:`horizon`."""
        return from_local(day_start(self._horizon) + DAY, SHANGHAI)

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(self._years)

    @property
    def sources(self) -> tuple[YearSource, ...]:
        return self._sources

    def horizon_status(self, now: dt.datetime, *, warn_within_days: int = 90) -> HorizonStatus:
        """How many days remain between ``now`` (its Beijing date) and the horizon; warn when
        they are ``warn_within_days`` or fewer -- services export it as a metric and log it."""
        today = as_day(now, "now") if isinstance(now, dt.datetime) else now
        return HorizonStatus(today, self._horizon, (self._horizon - today).days, warn_within_days, self._version)

    # ------------------------------------------------------------------ days
    def _index(self, day: dt.date) -> int:
        k = day.toordinal() - self._first_ord
        if k < 0 or k >= len(self._types):
            raise CalendarHorizonError(day, self._horizon, self._first)
        return k

    def day_type(self, day: dt.date | dt.datetime) -> DayType:
        """The day's type; an aware datetime is taken as its Beijing date."""
        return _TYPES[self._types[self._index(as_day(day))]]

    def day_info(self, day: dt.date | dt.datetime) -> DayInfo:
        d = as_day(day)
        t = _TYPES[self._types[self._index(d)]]
        return DayInfo(d, t, self._names.get(d), d in self._statutory)

    def is_working_day(self, day: dt.date | dt.datetime) -> bool:
        t = self._types[self._index(as_day(day))]
        return t == 0 or t == 3

    def is_statutory_holiday(self, day: dt.date | dt.datetime) -> bool:
        d = as_day(day)
        self._index(d)
        return d in self._statutory

    def days(self, start: dt.date, end: dt.date) -> list[DayInfo]:
        """DayInfo for every day in ``[start, end]``."""
        return [self.day_info(dt.date.fromordinal(o)) for o in range(start.toordinal(), end.toordinal() + 1)]

    def add_working_days(self, day: dt.date | dt.datetime, n: int) -> dt.date:
        """The ``n``-th working day after ``day`` (``day`` itself never counts, whatever it
        is); ``n < 0``: the ``|n|``-th working day before it; ``n == 0``: ``day``.

        >>> cal.add_working_days(date(2026, 9, 29), 5)   # across National Day 2026
        datetime.date(2026, 10, 12)
        """
        d = as_day(day)
        k = self._index(d)
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError("n must be an int")
        if n == 0:
            return d
        wcum = self._wcum
        if n > 0:
            target = wcum[k + 1] + n
            if target > wcum[-1]:
                raise CalendarHorizonError(self._horizon + dt.timedelta(days=1), self._horizon, self._first)
        else:
            target = wcum[k] + n + 1
            if target < 1:
                raise CalendarHorizonError(self._first - dt.timedelta(days=1), self._horizon, self._first)
        return dt.date.fromordinal(self._first_ord + bisect_left(wcum, target) - 1)

    def working_days_between(self, start: dt.date | dt.datetime, end: dt.date | dt.datetime) -> int:
        """Number of working days in ``(start, end]`` (negative if ``end < start``)."""
        a, b = self._index(as_day(start)), self._index(as_day(end))
        return self._wcum[b + 1] - self._wcum[a + 1]

    def working_days_window(
        self, submitted: dt.datetime, n: int, *, tz: dt.tzinfo = UTC
    ) -> WorkingDaysWindow:
        """The window ``within n working days after submission`` (n >= 1): it ends at the end
        of the n-th working day after the Beijing date of ``submitted``, i.e. at 00:00 Beijing
        time of the following calendar day (exclusive).

        Example: submitted Tue 2026-09-29 15:00 +08:00, n=5 -> working days Sep 30, Oct 8,
        Oct 9, Oct 10 (make-up Saturday), Oct 12 -> ends 2026-10-13T00:00+08:00.
        """
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a positive int, got {n!r}")
        local = to_local(submitted, "submitted")
        sub_day = local_date(local)
        last = self.add_working_days(sub_day, n)
        end = from_local(day_start(last) + DAY, tz)
        return WorkingDaysWindow(from_local(local, tz), sub_day, n, last, end, self._version)

    # ------------------------------------------------------------------ clocks
    def clock(self, plan: ServicePlan | str) -> BusinessClock:
        """The business clock of ``plan`` (a :class:`ServicePlan` or a built-in plan name such
        as ``"5x8"``) on this calendar; built once per plan and cached."""
        from .service_clock import BusinessClock

        if isinstance(plan, str):
            try:
                plan = PLANS[plan]
            except KeyError:
                raise KeyError(f"unknown service plan {plan!r}; built-in plans: {', '.join(PLANS)}") from None
        clock = self._clocks.get(plan)
        if clock is None:
            clock = self._clocks[plan] = BusinessClock(self, plan)
        return clock

    def open_hours(self, plan: ServicePlan, day: dt.date) -> Hours:
        """The plan's open hours on ``day`` (local seconds from midnight): closed on holidays
        when the plan says so, make-up workday hours on 调休 days, else its weekday's hours."""
        ordinal = day.toordinal()
        t = self._types[self._index(day)]
        if t == 2 and plan.holidays_close:
            return ()
        if t == 3 and plan.makeup_day_hours is not None:
            return plan.makeup_day_hours
        return plan.weekly[(ordinal - 1) % 7]  # ordinal 1 (0001-01-01) is a Monday

    def __repr__(self) -> str:
        return f"<BusinessCalendar {self._version} {self._first}..{self._horizon}>"


def _source(y: YearData, raw: bytes, *, override: bool) -> YearSource:
    return YearSource(y.year, y.path, y.line, y.status, y.source, hashlib.sha256(raw).hexdigest(), override)
