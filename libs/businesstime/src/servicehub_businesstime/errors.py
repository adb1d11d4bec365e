"""Exceptions raised by :mod:`servicehub_businesstime`."""

from __future__ import annotations

import datetime as dt

from servicehub_datafile import DataFileError


class BusinessTimeError(Exception):
    """Base class of every error this package raises on purpose."""


class CalendarHorizonError(BusinessTimeError):
    """A computation needs a day the calendar has no official data for.

    ``day`` is the first day the computation needed and could not look up;
    ``horizon`` is the last day with data (31 December of the last covered year) and
    ``first_day`` the first one.  The calendar never guesses such a day: extend it with
    an operator override file (see the package README) instead.
    """

    def __init__(self, day: dt.date, horizon: dt.date, first_day: dt.date | None = None) -> None:
        self.day = day
        self.horizon = horizon
        self.first_day = first_day
        if first_day is not None and day < first_day:
            text = (
                f"business calendar has no data for {day.isoformat()}: "
                f"it starts on {first_day.isoformat()}"
            )
        else:
            text = (
                f"business calendar has no data for {day.isoformat()}: its data horizon is "
                f"{horizon.isoformat()}; add the year {day.year} with an operator override file"
            )
        super().__init__(text)

    def __reduce__(self):  # keep the exception picklable with its attributes
        return (type(self), (self.day, self.horizon, self.first_day))


class NaiveDatetimeError(BusinessTimeError, ValueError):
    """A datetime without a UTC offset was passed where an instant is required."""

    def __init__(self, what: str, value: object) -> None:
        self.value = value
        super().__init__(
            f"{what} must be a timezone-aware datetime (got naive {value!r}); "
            "attach a tzinfo, e.g. value.replace(tzinfo=ZoneInfo('Asia/Shanghai'))"
        )

    def __reduce__(self):
        return (_rebuild, (type(self), self.args))


class CalendarDataError(BusinessTimeError, DataFileError):
    """A calendar data file is malformed; ``path`` and ``line`` (1-based) name the spot."""


class OverrideFileError(CalendarDataError):
    """The operator override file is malformed (a start-up error: fix the named line)."""


def _rebuild(cls, args):
    err = cls.__new__(cls)
    Exception.__init__(err, *args)
    return err
