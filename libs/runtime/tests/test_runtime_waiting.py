"""wait_set: a loop waiting on an event with a time limit stops when its task is cancelled."""

from __future__ import annotations

import asyncio
import contextlib

from servicehub_runtime.waiting import wait_set


async def test_a_cancel_arriving_as_the_event_is_set_stops_the_loop() -> None:
    # What asyncio.wait_for loses on Python 3.11: the loop would go round again, for ever.
    event, rounds = asyncio.Event(), []

    async def follow() -> None:
        while True:
            event.clear()
            rounds.append(1)
            await wait_set(event, 1.0)

    task = asyncio.create_task(follow())
    await asyncio.sleep(0.01)  # the task waits on the event
    event.set()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        async with asyncio.timeout(5):  # a guard against hanging, not a timing goal
            await task
    assert task.cancelled()
    assert rounds == [1], "the loop did not go round again after the cancel"


async def test_returns_when_the_event_is_set_or_the_time_is_up() -> None:
    event = asyncio.Event()
    await wait_set(event, 0.01)  # nobody sets it: the time runs out
    assert not event.is_set()
    await wait_set(event, -1)  # no time left: returns at once
    asyncio.get_running_loop().call_soon(event.set)
    async with asyncio.timeout(5):  # a guard against hanging, not a timing goal
        await wait_set(event, 3600)
    assert event.is_set()
