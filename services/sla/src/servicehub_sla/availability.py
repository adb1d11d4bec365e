"""Maintenance windows, outages and availability (seed 003 §2.1, §3.1.1). Pure: no I/O.

The agreement: availability 99.9% a year (8.76 h down at most); planned maintenance in the
agreed window (by default the second Sunday of the month, 02:00–06:00 Beijing; a customer's
policy may agree another) announced at least 72 h ahead; emergency maintenance announced at
least 2 h ahead; a recovery notice within 30 min after an outage ends. Planned maintenance
inside the agreed window and announced in time is excluded from the measured time; every
other maintenance window and every outage is downtime. A window is service-wide or one
customer's; a customer's availability counts the service-wide windows and its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from servicehub_businesstime import SHANGHAI

TARGET_PERCENT = 99.9
PLANNED_NOTICE = timedelta(hours=72)
EMERGENCY_NOTICE = timedelta(hours=2)
RECOVERY_NOTICE = timedelta(minutes=30)


class MaintenanceKind(Enum):
    PLANNED = "planned"
    EMERGENCY = "emergency"


class AvailabilityRejected(Exception):
    """A window or outage that cannot be recorded as given; the message says why."""


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class MaintenanceAgreement:
    """The agreed maintenance window: the `week`-th `weekday` (0 = Monday) of every month,
    `starts` to `ends` Beijing wall time."""

    week: int = 2
    weekday: int = 6
    starts: time = time(2)
    ends: time = time(6)

    def window(self, year: int, month: int) -> tuple[datetime, datetime]:
        first = date(year, month, 1)
        day = first + timedelta(days=(self.weekday - first.weekday()) % 7 + 7 * (self.week - 1))
        return (datetime.combine(day, self.starts, SHANGHAI), datetime.combine(day, self.ends, SHANGHAI))

    def window_of(self, instant: datetime) -> tuple[datetime, datetime]:
        """The agreed window of the instant's month (Beijing)."""
        local = instant.astimezone(SHANGHAI)
        return self.window(local.year, local.month)

    def next_window(self, after: datetime) -> tuple[datetime, datetime]:
        """The first agreed window starting after `after`."""
        local = after.astimezone(SHANGHAI)
        year, month = local.year, local.month
        while True:
            window = self.window(year, month)
            if window[0] > after:
                return window
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)


#: Seed 003: the second Sunday of the month, 02:00–06:00 Beijing.
DEFAULT_AGREEMENT = MaintenanceAgreement()


class MaintenanceWindow(Aggregate):
    """A maintenance window and its notice; its id is the operator's window id."""

    @event("Planned")
    def __init__(self, id: UUID, window_id: str, kind: MaintenanceKind, starts_at: datetime,
                 ends_at: datetime, announced_at: datetime, description: str,
                 customer_id: str = "", agreed_starts_at: datetime | None = None,
                 agreed_ends_at: datetime | None = None) -> None:
        """`customer_id` empty: service-wide. The agreed window of its month is recorded as
        the window's customer's agreement had it when planned (default: seed 003's)."""
        self.window_id = window_id
        self.kind = kind
        self.starts_at = starts_at
        self.ends_at = ends_at
        self.announced_at = announced_at
        self.description = description
        self.customer_id = customer_id
        if agreed_starts_at is None or agreed_ends_at is None:  # planned before agreements per customer
            agreed_starts_at, agreed_ends_at = DEFAULT_AGREEMENT.window_of(starts_at)
        self.agreed_starts_at = agreed_starts_at
        self.agreed_ends_at = agreed_ends_at

    @property
    def required_notice(self) -> timedelta:
        return PLANNED_NOTICE if self.kind is MaintenanceKind.PLANNED else EMERGENCY_NOTICE

    @property
    def notice(self) -> timedelta:
        return self.starts_at - self.announced_at

    @property
    def late_notice(self) -> bool:
        return self.notice < self.required_notice

    @property
    def outside_agreed_window(self) -> bool:
        return self.kind is MaintenanceKind.PLANNED and not (
            self.agreed_starts_at <= self.starts_at and self.ends_at <= self.agreed_ends_at)

    def applies_to(self, customer_id: str) -> bool:
        """Counts in that customer's availability (empty: the service-wide one)."""
        return self.customer_id in ("", customer_id)

    @property
    def excluded(self) -> bool:
        """Planned maintenance as agreed: not counted as downtime, nor as measured time."""
        return (self.kind is MaintenanceKind.PLANNED and not self.late_notice
                and not self.outside_agreed_window)


class Outage(Aggregate):
    """An unplanned interruption: start, end once recovered, and the recovery notice."""

    @event("Started")
    def __init__(self, id: UUID, outage_id: str, started_at: datetime, description: str) -> None:
        self.outage_id = outage_id
        self.started_at = started_at
        self.description = description
        self.ended_at: datetime | None = None
        self.recovery_notice_at: datetime | None = None

    def recover(self, ended_at: datetime) -> None:
        if self.ended_at is not None:
            if self.ended_at != ended_at:
                raise AvailabilityRejected(
                    f"outage {self.outage_id} ended at {self.ended_at.isoformat()} already")
            return
        if ended_at <= self.started_at:
            raise AvailabilityRejected("an outage must end after it started")
        self._recovered(ended_at=ended_at)

    @event("Recovered")
    def _recovered(self, ended_at: datetime) -> None:
        self.ended_at = ended_at

    def notify_recovery(self, at: datetime) -> None:
        if self.recovery_notice_at is not None:
            if self.recovery_notice_at != at:
                raise AvailabilityRejected(
                    f"outage {self.outage_id} recovery was announced at"
                    f" {self.recovery_notice_at.isoformat()} already")
            return
        if self.ended_at is None:
            raise AvailabilityRejected("the recovery notice needs the outage's end")
        if at < self.ended_at:
            raise AvailabilityRejected("the recovery notice cannot precede the recovery")
        self._recovery_notified(at=at)

    @event("RecoveryNotified")
    def _recovery_notified(self, at: datetime) -> None:
        self.recovery_notice_at = at

    def late_recovery_notice_as_of(self, now: datetime) -> bool:
        """Recovered, and no notice within 30 min after (none sent when 30 min passed)."""
        if self.ended_at is None:
            return False
        notice = self.recovery_notice_at or now
        return notice - self.ended_at > RECOVERY_NOTICE


@dataclass(frozen=True)
class Interval:
    start: datetime
    end: datetime


def _clip(intervals: list[Interval], start: datetime, end: datetime) -> list[Interval]:
    clipped = [Interval(max(i.start, start), min(i.end, end)) for i in intervals]
    return [i for i in clipped if i.start < i.end]


def _union(intervals: list[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for interval in sorted(intervals, key=lambda i: i.start):
        if merged and interval.start <= merged[-1].end:
            merged[-1] = Interval(merged[-1].start, max(merged[-1].end, interval.end))
        else:
            merged.append(interval)
    return merged


def _length(intervals: list[Interval]) -> timedelta:
    return sum((i.end - i.start for i in intervals), timedelta(0))


def _minus(intervals: list[Interval], removed: list[Interval]) -> list[Interval]:
    result = []
    for interval in intervals:
        pieces = [interval]
        for cut in removed:
            pieces = [p for piece in pieces for p in (
                Interval(piece.start, min(piece.end, cut.start)),
                Interval(max(piece.start, cut.end), piece.end),
            ) if p.start < p.end]
        result.extend(pieces)
    return result


@dataclass(frozen=True)
class AvailabilityReport:
    start: datetime
    end: datetime
    excluded_maintenance: timedelta
    downtime: timedelta

    @property
    def measured(self) -> timedelta:
        return self.end - self.start - self.excluded_maintenance

    @property
    def availability_percent(self) -> float:
        return 100 * (1 - self.downtime / self.measured) if self.measured else 100.0

    @property
    def allowed_downtime(self) -> timedelta:
        return self.measured * (100 - TARGET_PERCENT) / 100

    @property
    def met(self) -> bool:
        return self.downtime <= self.allowed_downtime


def availability(start: datetime, end: datetime, excluded: list[Interval],
                 down: list[Interval], now: datetime) -> AvailabilityReport:
    """Over [start, end): downtime is the union of `down` (an open outage runs until `now`)
    less the excluded planned maintenance, which is also left out of the measured time."""
    excluded_union = _union(_clip(excluded, start, end))
    down_union = _union(_clip(down, start, min(end, max(now, start))))
    return AvailabilityReport(start, end, _length(excluded_union),
                              _length(_minus(down_union, excluded_union)))


def period_bounds(period: str) -> tuple[datetime, datetime]:
    """'2026' (a year) or '2026-10' (a month), Beijing calendar; ValueError otherwise."""
    parts = period.split("-")
    if len(parts) == 1 and parts[0].isdigit() and len(parts[0]) == 4:
        year = int(parts[0])
        return (datetime(year, 1, 1, tzinfo=SHANGHAI), datetime(year + 1, 1, 1, tzinfo=SHANGHAI))
    if len(parts) == 2 and all(p.isdigit() for p in parts) and len(parts[0]) == 4 and 1 <= int(parts[1]) <= 12:
        year, month = int(parts[0]), int(parts[1])
        after = (year + 1, 1) if month == 12 else (year, month + 1)
        return (datetime(year, month, 1, tzinfo=SHANGHAI), datetime(*after, 1, tzinfo=SHANGHAI))
    raise ValueError(f"period {period!r} must be a year (2026) or a month (2026-10)")
