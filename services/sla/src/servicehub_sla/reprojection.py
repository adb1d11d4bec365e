"""What a period's compliance would be under another policy version, clock or calendar:
the same event log (milestones, pauses, priority changes, re-openings) replayed against other
targets; nothing is written. `reproject` is the one implementation, behind the CLI and the
ReprojectCompliance rpc.

    uv run python -m servicehub_sla.reprojection --period 2026-10 --policy SPT-001 \
        --version 1 [--clock 5x8] [--policy-file F] [--calendar-override F]

reads the store the service is configured with (DATA_DIR, PERSISTENCE_MODULE, POSTGRES_*).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

from servicehub_businesstime import BusinessCalendar, BusinessClock, CalendarHorizonError

from .availability import period_bounds
from .domain import (
    CUSTOMER_REPLIED,
    MILESTONES,
    PRIORITY_CHANGED,
    REOPENED,
    WAITING_FOR_CUSTOMER,
    Priority,
    Ticket,
)
from .policy import Policy
from .projections import PERCENTILES, Compliance, percentile

if TYPE_CHECKING:
    from .application import Sla


@dataclass(frozen=True)
class Outcome:
    """One target of one cycle under the policy replayed."""

    priority: Priority
    target: str
    stopped_at: datetime | None
    elapsed: timedelta | None  # business time taken, when stopped
    met: bool
    breached_at: datetime | None  # when it ran out, if it did before it stopped


def outcomes(events: Iterable[Any], policy: Policy, clock: BusinessClock, now: datetime) -> list[Outcome]:
    """One ticket's events (oldest first) replayed on `policy` and `clock`."""
    result: list[Outcome] = []
    priority: Priority | None = None
    milestones: dict[str, datetime] = {}
    pauses: list[tuple[datetime, datetime | None]] = []
    for domain_event in events:
        if isinstance(domain_event, Ticket.Registered):
            priority, milestones = domain_event.priority, {"opened": domain_event.opened_at}
        elif isinstance(domain_event, Ticket.UpdateApplied):
            kind, at = domain_event.kind, domain_event.at
            if kind in MILESTONES:
                milestones[kind] = at
            elif kind == WAITING_FOR_CUSTOMER:
                pauses.append((at, None))
            elif kind == CUSTOMER_REPLIED:
                pauses[-1] = (pauses[-1][0], at)
            elif kind == PRIORITY_CHANGED:
                priority = domain_event.priority
            elif kind == REOPENED:
                assert priority is not None
                result += _cycle(policy, clock, priority, milestones, pauses, at)
                milestones, pauses = {"opened": at}, []
    if priority is not None:
        result += _cycle(policy, clock, priority, milestones, pauses, now)
    return result


def _cycle(policy: Policy, clock: BusinessClock, priority: Priority, milestones: dict[str, datetime],
           pauses: list[tuple[datetime, datetime | None]], until: datetime) -> list[Outcome]:
    result = []
    for target in policy.targets[priority]:
        start, stop = milestones.get(target.start), milestones.get(target.stop)
        if start is None:
            continue
        if stop is not None and stop < start:
            stop = None
        try:
            due = clock.threshold_instants(start, target.duration, (100,), pauses=pauses)[100]
        except CalendarHorizonError:
            due = None
        if stop is not None:
            elapsed = clock.elapsed(start, stop, pauses=pauses)
            met = elapsed <= target.duration
            result.append(Outcome(priority, target.name, stop, elapsed, met, None if met else due))
        else:
            breached = due if due is not None and due <= until else None
            result.append(Outcome(priority, target.name, None, None, False, breached))
    return result


def compliance(policy: Policy, results: Iterable[Outcome], start: datetime, end: datetime) -> list[Compliance]:
    """Per (priority, target), as GetCompliance counts: met when stopped in the period in
    time; breached when it ran out in the period."""
    groups: dict[tuple[str, str], list[Outcome]] = {}
    for outcome in results:
        groups.setdefault((outcome.priority.value, outcome.target), []).append(outcome)
    rows = []
    for (priority, target), members in sorted(groups.items()):
        stopped = [o for o in members if o.stopped_at is not None and start <= o.stopped_at < end]
        breached = [o for o in members if o.breached_at is not None and start <= o.breached_at < end]
        if not stopped and not breached:
            continue
        taken = sorted(o.elapsed.total_seconds() for o in stopped if o.elapsed is not None)
        rows.append(Compliance(
            policy.id, policy.version, priority, target,
            met=sum(1 for o in stopped if o.met), breached=len(breached),
            taken={p: timedelta(seconds=percentile(taken, p)) for p in PERCENTILES} if taken else {},
        ))
    return rows


def tickets_in_log(application: Any, batch: int = 1000) -> dict[UUID, list[Any]]:
    """Every ticket's events, oldest first, from the application's log."""
    tickets: dict[UUID, list[Any]] = {}
    position = 0
    while notifications := application.notifications_after(position, batch):
        for notification in notifications:
            if notification.topic.startswith(Ticket.__module__ + ":Ticket."):
                # Not kept: the whole log would push out what the live readers share.
                domain_event = application.mapper.to_domain_event(notification, keep=False)
                tickets.setdefault(domain_event.originator_id, []).append(domain_event)
        position = notifications[-1].id
    return tickets


class ReprojectionRefused(ValueError):
    """A request naming no period, policy version or service plan there is."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


@dataclass(frozen=True)
class Reprojection:
    policy: Policy
    clock: BusinessClock
    tickets: int
    events: int
    seconds: float
    rows: list[Compliance]

    @property
    def tickets_per_second(self) -> float:
        return self.tickets / self.seconds if self.seconds else 0.0


def reproject(sla: Sla, period: str, policy_id: str, version: int, plan: str, now: datetime) -> Reprojection:
    """The period's compliance with every ticket in `sla`'s log replayed on the policy version
    of `sla`'s policy book and `plan` (empty: the policy's own clock) of its calendar; tickets
    still running count as of `now`. Raises ReprojectionRefused."""
    try:
        start, end = period_bounds(period)
    except ValueError as error:
        raise ReprojectionRefused("period", str(error)) from None
    policy = sla.policies.get(policy_id, version)
    if policy is None:
        raise ReprojectionRefused("policy_version", f"policy {policy_id} version {version} is not in the policy file")
    try:
        clock = sla.calendar.clock(plan or policy.clock)
    except KeyError as error:
        raise ReprojectionRefused("clock", error.args[0]) from None
    began = time.perf_counter()
    tickets = tickets_in_log(sla)
    results = [o for events in tickets.values() for o in outcomes(events, policy, clock, now)]
    rows = compliance(policy, results, start, end)
    return Reprojection(policy, clock, len(tickets), sum(map(len, tickets.values())),
                        time.perf_counter() - began, rows)


def main(argv: list[str] | None = None) -> None:
    from servicehub_runtime.service import application_env
    from servicehub_runtime.settings import load_settings
    from servicehub_runtime.wallclock import utc_now

    from .__main__ import SlaSettings
    from .application import Sla
    from .policy import PolicyBook, PolicyFileError

    parser = argparse.ArgumentParser(prog="python -m servicehub_sla.reprojection",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--period", required=True, help="2026 or 2026-10 (Beijing calendar)")
    parser.add_argument("--policy", required=True, help="policy id, e.g. SPT-001")
    parser.add_argument("--version", type=int, required=True)
    parser.add_argument("--policy-file", type=Path, help="default: SLA_POLICY_FILE or the shipped one")
    parser.add_argument("--clock", default="", help="another service plan than the policy's, e.g. 5x8")
    parser.add_argument("--calendar-override", type=Path, help="another BUSINESS_CALENDAR_OVERRIDE")
    args = parser.parse_args(argv)
    settings = load_settings(SlaSettings)
    try:
        book = PolicyBook.load(args.policy_file or settings.sla_policy_file)
        calendar = BusinessCalendar.load(args.calendar_override or settings.business_calendar_override)
    except (PolicyFileError, ValueError, OSError) as error:
        sys.exit(str(error))
    sla = Sla(env=application_env(settings, Sla.name), calendar=calendar, policies=book)
    try:
        result = reproject(sla, args.period, args.policy, args.version, args.clock, utc_now())
    except ReprojectionRefused as error:
        sys.exit(str(error))
    finally:
        sla.close()
    print(f"{args.period} under {result.policy.id} v{result.policy.version} on {result.clock.plan.name}"
          f" ({result.clock.calendar_version}); {result.tickets} tickets in {result.seconds:.2f} s"
          f" ({result.tickets_per_second:.0f} tickets/s)")
    print("priority target met breached p50 p90 p95")
    for row in result.rows:
        taken = " ".join(str(row.taken.get(p, "-")) for p in PERCENTILES)
        print(f"{row.priority} {row.target} {row.met} {row.breached} {taken}")


if __name__ == "__main__":
    main()
