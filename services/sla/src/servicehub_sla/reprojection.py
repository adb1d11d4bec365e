"""What a period's compliance would be under another policy version, clock or calendar:
the same event log (milestones, pauses, priority changes, re-openings) replayed against other
targets; nothing is written.

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
from typing import Any
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
                domain_event = application.mapper.to_domain_event(notification)
                tickets.setdefault(domain_event.originator_id, []).append(domain_event)
        position = notifications[-1].id
    return tickets


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
    parser.add_argument("--clock", help="another service plan than the policy's, e.g. 5x8")
    parser.add_argument("--calendar-override", type=Path, help="another BUSINESS_CALENDAR_OVERRIDE")
    args = parser.parse_args(argv)
    settings = load_settings(SlaSettings)
    try:
        book = PolicyBook.load(args.policy_file or settings.sla_policy_file)
        calendar = BusinessCalendar.load(args.calendar_override or settings.business_calendar_override)
        start, end = period_bounds(args.period)
    except (PolicyFileError, ValueError, OSError) as error:
        sys.exit(str(error))
    policy = book.get(args.policy, args.version)
    if policy is None:
        sys.exit(f"policy {args.policy} version {args.version} is not in the policy file")
    clock = calendar.clock(args.clock or policy.clock)
    sla = Sla(env=application_env(settings, Sla.name), calendar=calendar, policies=book)
    try:
        began = time.perf_counter()
        tickets = tickets_in_log(sla)
        now = utc_now()
        results = [o for events in tickets.values() for o in outcomes(events, policy, clock, now)]
        rows = compliance(policy, results, start, end)
        seconds = time.perf_counter() - began
    finally:
        sla.close()
    print(f"{args.period} under {policy.id} v{policy.version} on {clock.plan.name}"
          f" ({clock.calendar_version}); {len(tickets)} tickets in {seconds:.2f} s"
          f" ({len(tickets) / seconds if seconds else 0:.0f} tickets/s)")
    print("priority target met breached p50 p90 p95")
    for row in rows:
        taken = " ".join(str(row.taken.get(p, "-")) for p in PERCENTILES)
        print(f"{row.priority} {row.target} {row.met} {row.breached} {taken}")


if __name__ == "__main__":
    main()
