"""Waiting for an event with a time limit, in loops that run until cancelled.

On Python 3.11 `asyncio.wait_for` returns normally when the event is set in the same loop
iteration as its task is cancelled: the cancellation is lost, the loop goes round again, and
the service waits for that task forever when it stops (seen: sla and billing, each write
setting the event, SIGKILLed 30 s after SIGTERM). `asyncio.timeout` keeps the cancellation.
"""

from __future__ import annotations

import asyncio
import contextlib


async def wait_set(event: asyncio.Event, seconds: float) -> None:
    """Returns once `event` is set or `seconds` have passed (at once if not positive)."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(max(seconds, 0)):
            await event.wait()
