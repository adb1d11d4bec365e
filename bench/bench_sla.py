"""Benchmark: sla with 100,000 open tickets in one process.

    uv run python bench/bench_sla.py [--open 100000] [--burst 10000] [--window 60]

On a SQLite event store like the service's, with the shipped policies (SPT-001, 7x24):
* resident memory per open ticket once the threshold scheduler runs, beyond the process
  with the empty application (goal <= 1 KB),
* escalation lateness (fired minus due) when `--burst` tickets' 80% thresholds fall due in
  the same `--window` seconds on top of the open ones, each fired by `Sla.escalate` loading
  the ticket, recording `Escalated` and scheduling the next threshold, measured to the
  commit of the transaction the scheduler fired it in (goal p99 <= 1 s),
* re-projection speed: every ticket of the log replayed on another clock (5x8), tickets/s.
Prints the figures and ends with one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

from measures import CommittedLateness, percentile, rss_bytes

from servicehub_businesstime import BusinessCalendar
from servicehub_runtime.deadlines import DeadlineFiring, DeadlineScheduler
from servicehub_sla.application import Sla
from servicehub_sla.domain import THRESHOLD_DEADLINE, Priority, Ticket
from servicehub_sla.policy import PolicyBook
from servicehub_sla.reprojection import reproject

RECORD_BATCH = 1000


def open_sla(folder: Path, calendar: BusinessCalendar) -> Sla:
    return Sla(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                    "SQLITE_DBNAME": str(folder / "sla.sqlite")},
               calendar=calendar, policies=PolicyBook.load())


def open_tickets(sla: Sla, priority: Priority, opened: list[datetime]) -> set[UUID]:
    """What `register_ticket` does, recorded a thousand tickets per transaction."""
    policy = sla._policies.for_customer("bench")  # noqa: SLF001 - the bench's own set-up
    clock = sla._clock(policy)  # noqa: SLF001
    ids = set()
    for start in range(0, len(opened), RECORD_BATCH):
        batch = []
        for opened_at in opened[start:start + RECORD_BATCH]:
            ticket = Ticket(id=uuid4(), customer_id="bench", priority=priority, service_plan="7x24",
                            opened_at=opened_at, policy_id=policy.id, policy_version=policy.version,
                            calendar_version=clock.calendar_version)
            ticket.schedule_thresholds(policy, clock)
            batch.append(ticket)
            ids.add(ticket.id)
        sla.record(*batch)
    return ids


def populate(folder: Path, count: int) -> None:
    """In its own process, so the measuring process starts as the service would. P4
    tickets opened now: their first threshold (80% of 8 h) is hours away."""
    calendar = BusinessCalendar.load()
    sla = open_sla(folder, calendar)
    now = datetime.now(UTC)
    open_tickets(sla, Priority.P4, [now] * count)
    scheduler = DeadlineScheduler(sla, folder / "deadlines.sqlite", {THRESHOLD_DEADLINE: sla.escalate})
    scheduler.catch_up()
    scheduler.close()
    sla.close()


async def escalation_burst(sla: Sla, scheduler: DeadlineScheduler, burst: int, window: float):
    """P0 tickets opened so that their 80% thresholds (12 of 15 min) fall due evenly over
    `window` seconds starting 20 s from now; returns the lateness of those firings (due
    instant to commit) and the process's CPU time per firing while they fired."""
    lateness = CommittedLateness(burst)
    first_due = datetime.now(UTC) + timedelta(seconds=20)
    burst_ids: set[UUID] = set()

    def escalate(firing: DeadlineFiring) -> None:
        sla.escalate(firing)
        # A burst ticket's first firing is its 80% threshold.
        if firing.aggregate_id in burst_ids and firing.deadline.cycle == 1:
            lateness.fired(firing.aggregate_id, firing.deadline.due)

    sla.on_recorded(lateness.committed)
    scheduler._handlers[THRESHOLD_DEADLINE] = escalate  # noqa: SLF001 - observe each firing
    task = asyncio.create_task(scheduler.run())
    step = window / burst
    opened = [first_due - timedelta(minutes=12) + timedelta(seconds=i * step) for i in range(burst)]
    t = time.perf_counter()
    burst_ids.update(await asyncio.to_thread(open_tickets, sla, Priority.P0, opened))
    print(f"opened the {burst:,} burst tickets in {time.perf_counter() - t:.1f} s")
    await asyncio.sleep(max((first_due - datetime.now(UTC)).total_seconds(), 0))
    cpu = time.process_time()
    await asyncio.wait_for(lateness.done.wait(), window + 600)
    cpu = time.process_time() - cpu
    task.cancel()
    return lateness.seconds, cpu / burst


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--burst", type=int, default=10_000)
    parser.add_argument("--window", type=float, default=60.0)
    parser.add_argument("--populate", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.populate:
        populate(args.populate, args.open)
        return

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--open", str(args.open), "--populate", str(folder)],
                       check=True)
        print(f"recorded {args.open:,} open tickets and their threshold index in "
              f"{time.perf_counter() - t:.1f} s")

        calendar = BusinessCalendar.load()
        sla = open_sla(folder, calendar)
        sla.get_ticket  # noqa: B018 - the application is ready
        rss_before = rss_bytes()
        scheduler = DeadlineScheduler(sla, folder / "deadlines.sqlite", {THRESHOLD_DEADLINE: sla.escalate})
        fired, next_due = scheduler.fire_due()
        assert fired == 0 and next_due is not None
        per_ticket = (rss_bytes() - rss_before) / args.open
        print(f"resident memory per open ticket: {per_ticket:.1f} B (process "
              f"{rss_bytes() / 2**20:.0f} MiB; tickets live in the store, thresholds in the index)")

        lateness, cpu_per_firing = asyncio.run(escalation_burst(sla, scheduler, args.burst, args.window))
        p50, p99, worst = percentile(lateness, 50), percentile(lateness, 99), max(lateness)
        per_ticket_after = (rss_bytes() - rss_before) / (args.open + args.burst)
        print(f"{args.burst:,} 80% thresholds due within {args.window:g} s over {args.open:,} open: "
              f"lateness p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max {worst * 1000:.0f} ms")
        # Lateness stays low only while the process gets this share of a core (a loaded
        # machine gives each runnable process about cores / load average).
        share = cpu_per_firing * args.burst / args.window
        print(f"CPU per escalation {cpu_per_firing * 1000:.2f} ms: the burst needs {share:.0%} of one core")
        print(f"resident memory per open ticket after the burst: {per_ticket_after:.1f} B")
        scheduler.close()

        # What the CLI and the ReprojectCompliance rpc run.
        result = reproject(sla, str(datetime.now(UTC).year), "SPT-001", 1, "5x8", datetime.now(UTC))
        rate = result.tickets_per_second
        print(f"re-projection on 5x8: {result.tickets:,} tickets ({result.events:,} events) in "
              f"{result.seconds:.1f} s: {rate:,.0f} tickets/s")
        sla.close()

    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} CPUs, load average {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}")
    goals = {"memory": max(per_ticket, per_ticket_after) <= 1024, "lateness_p99": p99 <= 1.0}
    for goal, met in goals.items():
        print(f"goal {goal}: {'met' if met else 'NOT met'}")
    print(json.dumps({
        "bench": "sla",
        "open": args.open,
        "memory_bytes_per_open_ticket": round(per_ticket, 1),
        "memory_bytes_per_open_ticket_after_burst": round(per_ticket_after, 1),
        "burst": args.burst,
        "window_seconds": args.window,
        "lateness_p50_seconds": round(p50, 4),
        "lateness_p99_seconds": round(p99, 4),
        "lateness_max_seconds": round(worst, 4),
        "cpu_seconds_per_escalation": round(cpu_per_firing, 6),
        "reprojection_tickets_per_second": round(rate),
        "goals_met": goals,
        "load_average": load[0],
    }))


if __name__ == "__main__":
    main()
