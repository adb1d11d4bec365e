"""Statement-of-work projects, acceptance and billing (DOMAIN.md §4). Pure: no I/O, no clock reads.

So far a project is registered from an intake order with its contract signing date T;
milestones dated from T, acceptance windows and invoices come next.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event


class Project(Aggregate):
    """A customer's statement-of-work project for one ordered service package.

    Its id is the id intake gave the order, so an order registered twice is the same
    aggregate — the second registration conflicts instead of duplicating it.
    """

    @event("Registered")
    def __init__(
        self,
        id: UUID,
        customer_id: str,
        service_code: str,
        package: str,
        contract_signed_on: date,
        ordered_at: datetime,
    ) -> None:
        self.customer_id = customer_id
        # Catalogue code of the service, e.g. "cloud-escort".
        self.service_code = service_code
        # "basic", "standard", "advanced", "premium" or "custom".
        self.package = package
        # Contract signing date T (Beijing calendar date) that milestones count from.
        self.contract_signed_on = contract_signed_on
        self.ordered_at = ordered_at

    @property
    def registered_at(self) -> datetime:
        return self.created_on
