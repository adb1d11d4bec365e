"""Benchmark: deadline computations per second on each built-in service plan.

    uv run python bench/bench_businesstime.py [--n 1000000] [--seed 1]

For each plan, N (start, duration) pairs are drawn once (not timed): starts uniformly in
2025-01-01 .. 2026-11-30 (Beijing), durations uniformly from 1 second up to the plan's
business time in 30 calendar days, so every deadline span is up to about 30 days and stays
inside the calendar's data.  Two loops are timed per plan:

* ``add``       -- ``clock.add(start_datetime, timedelta)``: the public datetime API,
                   aware datetime in, aware UTC datetime out, input checks included;
* ``add_epoch`` -- ``clock.add_epoch(unix_seconds, seconds)``: the integer fast path.

Goal: >= 200,000 deadline computations per second on the 2-core machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import random
import sys
import time

from servicehub_businesstime import PLANS, SHANGHAI, BusinessCalendar

GOAL = 200_000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    n = args.n

    t0 = time.perf_counter()
    cal = BusinessCalendar.load()
    clocks = {name: cal.clock(name) for name in PLANS}
    print(f"calendar {cal.version}: load + build {len(clocks)} clocks {time.perf_counter() - t0:.3f} s")
    print(f"{n:,} deadline computations per plan, durations up to 30 days of business time\n")

    lo = int(dt.datetime(2025, 1, 1, tzinfo=SHANGHAI).timestamp())
    hi = int(dt.datetime(2026, 11, 30, tzinfo=SHANGHAI).timestamp())
    month_start = dt.datetime(2025, 3, 1, tzinfo=SHANGHAI)
    print(f"{'plan':<11} {'max duration':>13} {'add (datetime)':>18} {'add_epoch (int)':>18}")
    worst = float("inf")
    for name, clock in clocks.items():
        rng = random.Random(args.seed)
        max_seconds = int(clock.elapsed(month_start, month_start + dt.timedelta(days=30)).total_seconds())
        starts = [rng.randrange(lo, hi) for _ in range(n)]
        durations = [rng.randrange(1, max_seconds + 1) for _ in range(n)]
        start_dts = [dt.datetime.fromtimestamp(s, SHANGHAI) for s in starts]
        td = [dt.timedelta(seconds=d) for d in durations]

        add = clock.add
        gc.disable()
        t = time.perf_counter()
        for s, d in zip(start_dts, td):
            add(s, d)
        dt_rate = n / (time.perf_counter() - t)

        add_epoch = clock.add_epoch
        t = time.perf_counter()
        for s, d in zip(starts, durations):
            add_epoch(s, d)
        int_rate = n / (time.perf_counter() - t)
        gc.enable()

        # spot check: the two paths agree
        for i in range(0, n, max(1, n // 1000)):
            assert int(add(start_dts[i], td[i]).timestamp()) == add_epoch(starts[i], durations[i])
        worst = min(worst, dt_rate)
        print(f"{name:<11} {max_seconds / 3600:>11.0f} h {dt_rate:>14,.0f} /s {int_rate:>14,.0f} /s")
        del starts, durations, start_dts, td

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nmachine: {os.cpu_count()} CPUs, load average {load} (other work on the machine lowers the rates)")
    verdict = "meets" if worst >= GOAL else "MISSES"
    print(f"slowest datetime-API rate {worst:,.0f} /s: {verdict} the goal of {GOAL:,} /s")
    return 0 if worst >= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
