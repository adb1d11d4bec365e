"""Service-plan clocks as data: when a business clock runs.

A :class:`ServicePlan` is a weekly template of opening hours (Beijing time) plus two
rules that tie it to the PRC calendar:

* ``holidays_close`` -- on a :attr:`DayType.HOLIDAY` day (a statutory holiday or an
  official weekday rest day) the clock stays closed all day;
* ``makeup_day_hours`` -- on a :attr:`DayType.MAKEUP_WORKDAY` (a Saturday or Sunday
  declared a working day) the clock runs these hours instead of the weekday template's;
  ``None`` keeps the template's hours for that weekday.

So the hours of a day are: closed if it is a holiday and ``holidays_close``; else
``makeup_day_hours`` if it is a make-up working day and those are set; else
``weekly[weekday]``.  A plan with ``holidays_close=False`` and ``makeup_day_hours=None`` is
purely weekly (7x12, 7x24): it needs no calendar data and works past the data horizon.

Hours are half-open ``[open, close)`` intervals in seconds of the day, 0..86400 (``"24:00"``
is the end of the day).  A period across midnight is written as two intervals, one on
each day; touching intervals (also across midnight) join into one open period.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import time
from types import MappingProxyType

Interval = tuple[int, int]
Hours = tuple[Interval, ...]
HoursSpec = str | tuple | Iterable

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")


def _seconds(value: str | time | int) -> int:
    if isinstance(value, bool):
        raise TypeError(f"not a time of day: {value!r}")
    if isinstance(value, int):
        s = value
    elif isinstance(value, time):
        if value.tzinfo is not None:
            raise ValueError("plan hours are Beijing wall-clock times; pass a time without tzinfo")
        s = value.hour * 3600 + value.minute * 60 + value.second
    elif isinstance(value, str):
        m = _CLOCK.match(value)
        if not m:
            raise ValueError(f"not a time of day HH:MM[:SS]: {value!r}")
        h, mi, se = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
        if mi > 59 or se > 59 or h > 24 or (h == 24 and (mi or se)):
            raise ValueError(f"not a time of day HH:MM[:SS]: {value!r}")
        s = h * 3600 + mi * 60 + se
    else:
        raise TypeError(f"not a time of day: {value!r}")
    if not 0 <= s <= 86400:
        raise ValueError(f"time of day out of range 00:00..24:00: {value!r}")
    return s


def parse_hours(spec: HoursSpec | None) -> Hours:
    """Normalise hours: ``"09:00-18:00"``, ``("09:00", "18:00")``, a list of either,
    ``"09:00-12:00,13:00-18:00"``, ``""``/``None``/``[]`` (closed all day)."""
    if spec is None:
        return ()
    items: list = []
    if isinstance(spec, str):
        items = [p for p in spec.split(",") if p.strip()]
    elif isinstance(spec, tuple) and len(spec) == 2 and not isinstance(spec[0], (tuple, list)) and not (
        isinstance(spec[0], str) and "-" in spec[0]
    ):
        items = [spec]
    else:
        items = list(spec)
    out: list[Interval] = []
    for item in items:
        if isinstance(item, str):
            if "-" not in item:
                raise ValueError(f"hours must look like 09:00-18:00, got {item!r}")
            a, b = item.split("-", 1)
        else:
            a, b = item
        start, end = _seconds(a), _seconds(b)
        if start >= end:
            raise ValueError(f"an opening interval must end after it starts: {item!r}")
        out.append((start, end))
    out.sort()
    merged: list[Interval] = []
    for start, end in out:
        if merged and start < merged[-1][1]:
            raise ValueError(f"opening intervals overlap: {spec!r}")
        if merged and start == merged[-1][1]:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return tuple(merged)


def _fmt(s: int) -> str:
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}" + (f":{s % 60:02d}" if s % 60 else "")


def format_hours(hours: Hours) -> str:
    return ",".join(f"{_fmt(a)}-{_fmt(b)}" for a, b in hours) or "closed"


@dataclass(frozen=True)
class ServicePlan:
    """When a business clock runs.  Build with :meth:`working_days`, :meth:`every_day`,
    :meth:`weekly` or :meth:`from_dict`; the fields are normalised, hashable data."""

    name: str
    weekly: tuple[Hours, Hours, Hours, Hours, Hours, Hours, Hours]  # Monday first
    holidays_close: bool = True
    makeup_day_hours: Hours | None = None
    description: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError("a service plan needs a name")
        if len(self.weekly) != 7:
            raise ValueError("weekly must give the hours of 7 days, Monday first")
        object.__setattr__(self, "weekly", tuple(parse_hours(h) for h in self.weekly))
        if self.makeup_day_hours is not None:
            object.__setattr__(self, "makeup_day_hours", parse_hours(self.makeup_day_hours))
        if not any(self.weekly) and not self.makeup_day_hours:
            raise ValueError(f"service plan {self.name!r} is never open")
        object.__setattr__(self, "holidays_close", bool(self.holidays_close))

    # ---------------------------------------------------------------- constructors
    @classmethod
    def working_days(cls, name: str, hours: HoursSpec, *, description: str = "") -> ServicePlan:
        """Open ``hours`` on every working day (Mon-Fri that is not a holiday or official
        day off, plus make-up Saturdays/Sundays); closed otherwise."""
        h = parse_hours(hours)
        return cls(name, (h, h, h, h, h, (), ()), True, h, description)

    @classmethod
    def every_day(
        cls, name: str, hours: HoursSpec, *, holidays_close: bool = False, description: str = ""
    ) -> ServicePlan:
        """Open ``hours`` on every day of the week (holidays too unless ``holidays_close``)."""
        h = parse_hours(hours)
        return cls(name, (h,) * 7, holidays_close, None, description)

    @classmethod
    def weekly_template(
        cls,
        name: str,
        days: Mapping[str, HoursSpec],
        *,
        holidays_close: bool = True,
        makeup_day_hours: HoursSpec | None = None,
        description: str = "",
    ) -> ServicePlan:
        """A custom weekly template, e.g. ``{"mon": "09:00-18:00", ..., "sat": "09:00-12:00"}``;
        days not named are closed."""
        unknown = set(days) - set(WEEKDAYS)
        if unknown:
            raise ValueError(f"unknown weekday(s) {sorted(unknown)}; use {', '.join(WEEKDAYS)}")
        weekly = tuple(parse_hours(days.get(d)) for d in WEEKDAYS)
        makeup = None if makeup_day_hours is None else parse_hours(makeup_day_hours)
        return cls(name, weekly, holidays_close, makeup, description)  # type: ignore[arg-type]

    @classmethod
    def from_dict(cls, name: str, spec: Mapping) -> ServicePlan:
        """Build a plan from configuration data (e.g. a TOML/JSON table):

        * ``{"days": "working", "hours": "09:00-18:00"}``
        * ``{"days": "every", "hours": "08:00-20:00", "holidays_close": false}``
        * ``{"weekly": {"mon": "09:00-18:00", "sat": "09:00-12:00"},
          "holidays_close": true, "makeup_day_hours": "09:00-18:00"}``
        """
        spec = dict(spec)
        desc = spec.pop("description", "")
        if "weekly" in spec:
            weekly = spec.pop("weekly")
            hc = spec.pop("holidays_close", True)
            mk = spec.pop("makeup_day_hours", None)
            _no_more(spec)
            return cls.weekly_template(name, weekly, holidays_close=hc, makeup_day_hours=mk, description=desc)
        days = spec.pop("days", None)
        hours = spec.pop("hours", None)
        if hours is None:
            raise ValueError("plan spec needs hours")
        if days == "working":
            _no_more(spec)
            return cls.working_days(name, hours, description=desc)
        if days == "every":
            hc = spec.pop("holidays_close", False)
            _no_more(spec)
            return cls.every_day(name, hours, holidays_close=hc, description=desc)
        raise ValueError(f'plan spec needs days = "working" or "every", or a weekly table; got {days!r}')

    # ---------------------------------------------------------------- properties
    @property
    def uses_calendar(self) -> bool:
        """Whether the plan's hours depend on the PRC calendar (and so on its horizon)."""
        return self.holidays_close or self.makeup_day_hours is not None

    def describe(self) -> str:
        days = "; ".join(f"{d} {format_hours(h)}" for d, h in zip(WEEKDAYS, self.weekly))
        extra = "holidays closed" if self.holidays_close else "holidays open"
        if self.makeup_day_hours is not None:
            extra += f"; make-up days {format_hours(self.makeup_day_hours)}"
        return f"{self.name}: {days}; {extra}"


def _no_more(spec: dict) -> None:
    if spec:
        raise ValueError(f"unknown plan spec key(s): {', '.join(sorted(spec))}")


#: The built-in plans (DOMAIN.md §1).  Clocks are data: a service may build its own.
PLANS: Mapping[str, ServicePlan] = MappingProxyType(
    {
        p.name: p
        for p in (
            ServicePlan.working_days("5x8", "09:00-18:00", description="working days 09:00-18:00"),
            ServicePlan.working_days(
                "5x8-onsite", "09:00-17:00", description="on-site ops: working days 09:00-17:00"
            ),
            ServicePlan.working_days("5x12", "08:00-20:00", description="working days 08:00-20:00"),
            ServicePlan.every_day("7x12", "08:00-20:00", description="every day 08:00-20:00, holidays included"),
            ServicePlan.every_day("7x24", "00:00-24:00", description="always running"),
        )
    }
)
