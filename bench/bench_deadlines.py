"""Benchmark: the runtime's deadlines with 100,000 pending in one process.

    uv run python bench/bench_deadlines.py [--pending 100000] [--burst 10000] [--window 10]

Measures, on a SQLite event store like a service's:
* resident memory per pending deadline once the scheduler runs (goal <= 1 KB, everything
  the scheduler keeps included),
* start-up time with that many pending: the index already there, and rebuilt from the
  event log after its file was deleted (goal <= 10 s),
* firing lateness (due instant to the commit of the firing's outcome) when `--burst`
  deadlines fall due within the same `--window` seconds on top of the pending ones, each
  fired by an ordinary application command recording its outcome (goal p99 <= 1 s).
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

from eventsourcing.domain import Aggregate, event
from measures import CommittedLateness, percentile, rss_bytes

from servicehub_runtime.deadlines import Deadline, DeadlineFiring, DeadlineScheduler
from servicehub_runtime.eventstore import TracedEventApplication

KIND = "timer"
RECORD_BATCH = 1000


class Timer(Aggregate):
    @event("Set")
    def __init__(self, id: UUID, deadlines: list[Deadline]) -> None:
        self.rang_late_by: float | None = None

    @event("Rang")
    def ring(self, lateness_seconds: float) -> None:
        self.rang_late_by = lateness_seconds


class Timers(TracedEventApplication):
    name = "timers"

    def set_many(self, dues: list[datetime]) -> None:
        for start in range(0, len(dues), RECORD_BATCH):
            self.record(*(
                Timer(id=uuid4(), deadlines=[Deadline(KIND, 1, due, "bench")])
                for due in dues[start:start + RECORD_BATCH]
            ))

    def ring(self, firing: DeadlineFiring) -> None:
        timer = self.repository.get(firing.aggregate_id)
        timer.ring(firing.lateness.total_seconds())
        self.record(timer, firing.outcome())


def open_timers(folder: Path) -> Timers:
    return Timers(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                       "SQLITE_DBNAME": str(folder / "timers.sqlite")})


def populate(folder: Path, pending: int) -> None:
    """In its own process, so the measuring process starts as a service would."""
    timers = open_timers(folder)
    far = datetime.now(UTC) + timedelta(days=1)
    timers.set_many([far + timedelta(seconds=i) for i in range(pending)])
    scheduler = DeadlineScheduler(timers, folder / "index.sqlite", {KIND: timers.ring})
    scheduler.catch_up()
    scheduler.close()
    timers.close()


async def fire_burst(timers: Timers, scheduler: DeadlineScheduler, burst: int, window: float):
    lateness = CommittedLateness(burst)

    def ring(firing: DeadlineFiring) -> None:
        timers.ring(firing)
        lateness.fired(firing.record_id, firing.deadline.due)

    timers.on_recorded(lateness.committed)
    scheduler._handlers[KIND] = ring  # noqa: SLF001 - the bench observes each firing
    task = asyncio.create_task(scheduler.run())
    start = datetime.now(UTC) + timedelta(seconds=5)
    step = window / burst
    await asyncio.to_thread(
        timers.set_many, [start + timedelta(seconds=i * step) for i in range(burst)]
    )
    await asyncio.wait_for(lateness.done.wait(), window + 600)
    task.cancel()
    return lateness.seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pending", type=int, default=100_000)
    parser.add_argument("--burst", type=int, default=10_000)
    parser.add_argument("--window", type=float, default=10.0)
    parser.add_argument("--populate", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.populate:
        populate(args.populate, args.pending)
        return

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--pending", str(args.pending),
                        "--populate", str(folder)], check=True)
        print(f"recorded {args.pending:,} pending deadlines and their index in "
              f"{time.perf_counter() - t:.1f} s")

        timers = open_timers(folder)
        rss_before = rss_bytes()
        t = time.perf_counter()
        scheduler = DeadlineScheduler(timers, folder / "index.sqlite", {KIND: timers.ring})
        fired, next_due = scheduler.fire_due()
        start_up = time.perf_counter() - t
        assert fired == 0 and next_due is not None
        per_pending = (rss_bytes() - rss_before) / args.pending
        print(f"start-up with {args.pending:,} pending (index kept): {start_up:.3f} s")
        index_bytes = sum(p.stat().st_size for p in folder.glob("index.sqlite*"))
        print(f"resident memory per pending deadline: {per_pending:.1f} B "
              f"(process {rss_bytes() / 2**20:.0f} MiB; the scheduler holds no per-deadline "
              f"state: the index is on disk, {index_bytes / args.pending:.0f} B per deadline)")
        scheduler.close()

        for path in folder.glob("index.sqlite*"):
            path.unlink()
        t = time.perf_counter()
        scheduler = DeadlineScheduler(timers, folder / "index.sqlite", {KIND: timers.ring})
        scheduler.fire_due()
        rebuild = time.perf_counter() - t
        print(f"start-up with {args.pending:,} pending (index deleted, rebuilt from the log): "
              f"{rebuild:.1f} s")

        lateness = asyncio.run(fire_burst(timers, scheduler, args.burst, args.window))
        p50, p99, worst = percentile(lateness, 50), percentile(lateness, 99), max(lateness)
        per_pending_after = (rss_bytes() - rss_before) / args.pending
        print(f"resident memory per pending deadline after the burst: {per_pending_after:.1f} B")
        print(f"{args.burst:,} falling due within {args.window:g} s over {args.pending:,} pending: "
              f"lateness p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max {worst * 1000:.0f} ms")
        scheduler.close()
        timers.close()

    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} CPUs, load average {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}")
    goals = {
        "memory": max(per_pending, per_pending_after) <= 1024,
        "start_up": max(start_up, rebuild) <= 10,
        "lateness_p99": p99 <= 1.0,
    }
    for goal, met in goals.items():
        print(f"goal {goal}: {'met' if met else 'NOT met'}")
    print(json.dumps({
        "bench": "deadlines",
        "pending": args.pending,
        "memory_bytes_per_pending": round(per_pending, 1),
        "memory_bytes_per_pending_after_burst": round(per_pending_after, 1),
        "index_disk_bytes_per_pending": round(index_bytes / args.pending),
        "start_up_seconds": round(start_up, 3),
        "rebuild_start_up_seconds": round(rebuild, 2),
        "burst": args.burst,
        "window_seconds": args.window,
        "lateness_p50_seconds": round(p50, 4),
        "lateness_p99_seconds": round(p99, 4),
        "lateness_max_seconds": round(worst, 4),
        "goals_met": goals,
        "load_average": load[0],
    }))


if __name__ == "__main__":
    main()
