"""`Lead` follows the relay's leadership: held from acquiring until the lead is lost or given up."""

from __future__ import annotations

import asyncio

from servicehub_runtime.lead import Lead, ObservedLeadership


class Scripted:
    """A Leadership whose lead is lost when the test says so."""

    def __init__(self) -> None:
        self.lose = asyncio.Event()
        self.released = 0

    async def acquire(self, standing_by) -> None:
        pass

    async def lost(self, new_events) -> None:
        await self.lose.wait()

    async def release(self) -> None:
        self.released += 1


async def test_the_lead_is_held_from_acquiring_until_lost_and_again_after_the_next_acquire() -> None:
    lead, inner = Lead(), Scripted()
    observed = ObservedLeadership(inner, lead)
    assert not lead.held, "nobody leads before the relay took the lead"
    await observed.acquire(standing_by=lambda: None)
    assert lead.held
    watching = asyncio.create_task(observed.lost(new_events=lambda: None))
    await asyncio.sleep(0)
    assert lead.held, "held while the lead is not lost"
    inner.lose.set()
    await asyncio.wait_for(watching, 5)
    assert not lead.held
    await observed.release()
    assert inner.released == 1
    await observed.acquire(standing_by=lambda: None)
    assert lead.held


async def test_a_cancelled_watch_or_a_release_ends_the_lead() -> None:
    lead, inner = Lead(), Scripted()
    observed = ObservedLeadership(inner, lead)
    await observed.acquire(standing_by=lambda: None)
    watching = asyncio.create_task(observed.lost(new_events=lambda: None))
    await asyncio.sleep(0)
    watching.cancel()  # the relay failed: it cancels the watch, then releases
    await asyncio.gather(watching, return_exceptions=True)
    assert not lead.held
    await observed.acquire(standing_by=lambda: None)
    await observed.release()
    assert not lead.held
    assert inner.released == 1
