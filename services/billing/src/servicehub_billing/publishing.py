"""Which domain events billing publishes, as which integration events.

Nothing yet: MilestoneAccepted and InvoiceIssued come with milestones and acceptance.
"""

from __future__ import annotations

from typing import Any

from google.protobuf.message import Message

from servicehub_runtime.relay import Outbound

PUBLISHES: list[type[Message]] = []


def translate(domain_event: Any) -> Outbound | None:
    return None
