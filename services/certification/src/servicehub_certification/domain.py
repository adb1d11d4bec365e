"""Service-partner capability certification (DOMAIN.md §3). Pure: no I/O, no clock reads.

So far an application is registered from intake and waits for review; review, expert
assessment, the board decision and certificates come next.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from uuid import UUID

from eventsourcing.domain import Aggregate, event


@dataclass(frozen=True)
class Evidence:
    """What a partner shows for one item of the criteria table."""

    criterion: str
    summary: str
    document_uri: str


class ApplicationStatus(Enum):
    IN_REVIEW = "in_review"


class Application(Aggregate):
    """A partner's application for capability certification.

    Its id is the id intake gave the submission, so a submission registered twice is the
    same aggregate — the second registration conflicts instead of duplicating it.
    """

    @event("Registered")
    def __init__(
        self,
        id: UUID,
        partner_id: str,
        partner_name: str,
        corporate_email: str,
        evidence: tuple[Evidence, ...],
        submitted_at: datetime,
    ) -> None:
        self.partner_id = partner_id
        self.partner_name = partner_name
        self.corporate_email = corporate_email
        self.evidence = tuple(evidence)
        self.submitted_at = submitted_at
        self.status = ApplicationStatus.IN_REVIEW

    @property
    def registered_at(self) -> datetime:
        return self.created_on
