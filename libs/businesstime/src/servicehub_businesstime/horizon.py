"""Telling operators about the data horizon: a log line and a Prometheus gauge.

The calendar only *knows* its horizon (:attr:`BusinessCalendar.horizon`,
:meth:`BusinessCalendar.horizon_status`); these helpers are the two conventional ways a
service surfaces it.  Call :func:`log_horizon_status` at start-up (and e.g. daily) and
:func:`register_horizon_gauge` once; alert when the gauge drops below your longest window
(e.g. < 60 days: a 10-working-day window opened around New Year crosses the horizon).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from ._time import UTC
from .calendar import BusinessCalendar, HorizonStatus

LOGGER_NAME = "servicehub.businesstime"
GAUGE_NAME = "servicehub_business_calendar_horizon_days"


def log_horizon_status(
    calendar: BusinessCalendar,
    now: dt.datetime,
    *,
    warn_within_days: int = 90,
    logger: logging.Logger | None = None,
) -> HorizonStatus:
    """Log the horizon status: WARNING within ``warn_within_days`` of the horizon (ERROR once
    past it), INFO otherwise.  Returns the status."""
    status = calendar.horizon_status(now, warn_within_days=warn_within_days)
    log = logger or logging.getLogger(LOGGER_NAME)
    level = logging.ERROR if status.expired else logging.WARNING if status.warning else logging.INFO
    log.log(
        level,
        status.message(),
        extra={
            "calendar_version": status.calendar_version,
            "calendar_horizon": status.horizon.isoformat(),
            "calendar_horizon_days_left": status.days_left,
        },
    )
    return status


def register_horizon_gauge(
    calendar: BusinessCalendar,
    *,
    registry=None,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(UTC),
    name: str = GAUGE_NAME,
):
    """Register a gauge ``<name>{calendar_version=...}`` = days from today (Beijing) to the
    horizon, evaluated at every scrape.  ``registry`` defaults to prometheus_client's global
    one.  Returns the Gauge."""
    from prometheus_client import REGISTRY, Gauge

    gauge = Gauge(
        name,
        "Days from today (Beijing) to the last day the business calendar has official data for",
        ["calendar_version"],
        registry=REGISTRY if registry is None else registry,
    )
    gauge.labels(calendar.version).set_function(lambda: calendar.horizon_status(now()).days_left)
    return gauge
