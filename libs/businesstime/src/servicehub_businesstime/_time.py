"""Instant conversions shared by the package (internal).

Internally an instant is an ``int``: seconds since 1970-01-01T00:00 *Beijing wall time*
("local seconds"), i.e. the Unix timestamp plus 8 hours.  ``local // 86400`` is then the
Beijing day number and ``local % 86400`` the second of that day.  Beijing time is UTC+08:00
for every date the calendar can cover (China has had no daylight saving time since 1991).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from .errors import NaiveDatetimeError

UTC = dt.UTC
SHANGHAI = ZoneInfo("Asia/Shanghai")
OFFSET = 8 * 3600
DAY = 86400
EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = dt.timedelta(seconds=1)
_datetime = dt.datetime


def to_local(value: dt.datetime, what: str = "instant") -> int:
    """Aware datetime -> local seconds (sub-second part dropped, i.e. floored)."""
    if not isinstance(value, _datetime):
        raise TypeError(f"{what} must be a timezone-aware datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetimeError(what, value)
    return (value - _EPOCH) // _SECOND + OFFSET


def from_local(local: int, tz: dt.tzinfo = UTC) -> dt.datetime:
    """Local seconds -> aware datetime in ``tz``."""
    return _datetime.fromtimestamp(local - OFFSET, tz)


def local_date(local: int) -> dt.date:
    return dt.date.fromordinal(local // DAY + EPOCH_ORDINAL)


def day_start(day: dt.date) -> int:
    """Local seconds of 00:00 Beijing on ``day``."""
    return (day.toordinal() - EPOCH_ORDINAL) * DAY


def to_seconds(value: dt.timedelta | int, what: str = "duration") -> int:
    """A non-negative whole-second duration as int seconds."""
    if isinstance(value, dt.timedelta):
        if value.microseconds:
            raise ValueError(f"{what} must be whole seconds, got {value!r}")
        seconds = value.days * DAY + value.seconds
    elif isinstance(value, int) and not isinstance(value, bool):
        seconds = value
    else:
        raise TypeError(f"{what} must be a timedelta or int seconds, got {type(value).__name__}")
    if seconds < 0:
        raise ValueError(f"{what} must not be negative, got {value!r}")
    return seconds


def as_day(value: dt.date | dt.datetime, what: str = "day") -> dt.date:
    """A date as is; an aware datetime as its Beijing date."""
    if isinstance(value, _datetime):
        return local_date(to_local(value, what))
    if isinstance(value, dt.date):
        return value
    raise TypeError(f"{what} must be a date or an aware datetime, got {type(value).__name__}")
