"""Business time for servicehub: PRC working days, service-plan clocks, a guarded horizon.

Every SLA deadline and acceptance window is computed here; services do no date
arithmetic of their own.  Full semantics, examples and the data/override file format:
``README.md`` beside this file.  In short::

    from datetime import datetime, timedelta
    from servicehub_businesstime import BusinessCalendar, SHANGHAI

    cal = BusinessCalendar.load()                    # or .load(override_path="/etc/servicehub/calendar.toml")
    clock = cal.clock("5x8")                         # 5x8, 5x8-onsite, 5x12, 7x12, 7x24 or a ServicePlan
    opened = datetime(2026, 4, 3, 17, 59, tzinfo=SHANGHAI)   # Friday before Qingming
    clock.add(opened, timedelta(hours=2), tz=SHANGHAI)        # 2026-04-07 10:59:00+08:00
    cal.add_working_days(date(2026, 9, 29), 5)                # 2026-10-12 (skips National Day,
                                                              #  counts make-up Saturday Oct 10)
    cal.working_days_window(submitted, 5).end                 # 00:00 Beijing after the 5th working day
    cal.version                                               # id of the data: record it with results

* Day types (:class:`DayType`): WORKDAY, REST_DAY, HOLIDAY (statutory, or an official
  weekday rest day -- :attr:`DayInfo.statutory` tells which), MAKEUP_WORKDAY (调休上班).
* Data: ``data/cn-YYYY.toml`` (materialised from ``holidays`` by
  ``tools/materialise_calendar.py``) plus an optional operator override file.  A day
  outside the covered years raises :class:`CalendarHorizonError`; nothing is guessed.
* Instants must be timezone-aware (:class:`NaiveDatetimeError` otherwise), any offset;
  one-second resolution; results in UTC unless ``tz=`` asks for another zone.
"""

from ._time import SHANGHAI, UTC
from .calendar import (
    BusinessCalendar,
    DayInfo,
    DayType,
    HorizonStatus,
    WorkingDaysWindow,
    YearSource,
)
from .datafile import FORMAT as DATA_FORMAT
from .errors import (
    BusinessTimeError,
    CalendarDataError,
    CalendarHorizonError,
    NaiveDatetimeError,
    OverrideFileError,
)
from .horizon import log_horizon_status, register_horizon_gauge
from .plans import PLANS, ServicePlan
from .service_clock import BusinessClock

__all__ = [
    "BusinessCalendar",
    "BusinessClock",
    "BusinessTimeError",
    "CalendarDataError",
    "CalendarHorizonError",
    "DATA_FORMAT",
    "DayInfo",
    "DayType",
    "HorizonStatus",
    "NaiveDatetimeError",
    "OverrideFileError",
    "PLANS",
    "SHANGHAI",
    "ServicePlan",
    "UTC",
    "WorkingDaysWindow",
    "YearSource",
    "log_horizon_status",
    "register_horizon_gauge",
]
