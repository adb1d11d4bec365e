"""The business calendar billing dates lead times and working-day offsets with.

The one place billing imports business time from: it is moving out of the runtime into
its own library, and only this line changes then.
"""

from servicehub_runtime.businesstime import SHANGHAI, BusinessCalendar, CalendarHorizonError

__all__ = ["SHANGHAI", "BusinessCalendar", "CalendarHorizonError"]
