"""Whether this instance leads its service, for work only one instance may do at a time.

With several instances on one store (leadership.py) every instance keeps its own read models
from the shared event log, so each would act on the same rows: work whose effect leaves the
system without a conflicting write to stop the second one (sending an e-mail) must be done by
one instance only. That instance is the relay's leader: `ObservedLeadership` keeps a `Lead`
up to date as the relay takes and loses the lead, and such work checks `Lead.held` before
each step. On SQLite the one instance always leads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .leadership import Leadership


@dataclass
class Lead:
    """`held` while this instance leads (holds the relay's lock); set by ObservedLeadership."""

    held: bool = False


class ObservedLeadership:
    """A `Leadership` that keeps `lead` up to date: held from acquiring until lost or released."""

    def __init__(self, leadership: Leadership, lead: Lead) -> None:
        self._leadership = leadership
        self._lead = lead

    async def acquire(self, standing_by: Callable[[], None]) -> None:
        await self._leadership.acquire(standing_by)
        self._lead.held = True

    async def lost(self, new_events: Callable[[], None]) -> None:
        try:
            await self._leadership.lost(new_events)
        finally:
            self._lead.held = False

    async def release(self) -> None:
        self._lead.held = False
        await self._leadership.release()
