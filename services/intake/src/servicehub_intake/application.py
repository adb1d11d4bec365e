"""The intake application service: validate, de-duplicate, record."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import JSONTranscoder

from servicehub_runtime.eventstore import (
    DataclassAsDict,
    EnumAsValue,
    IntegrityError,
    TracedEventApplication,
    Tracking,
)
from servicehub_runtime.fingerprint import fingerprint as request_fingerprint
from servicehub_runtime.wallclock import Clock, utc_now

from .domain import (
    CertificationApplication,
    Evidence,
    Priority,
    ServiceOrder,
    SupportTicket,
    check_same_request,
    record_id,
)


@dataclass(frozen=True)
class Receipt:
    """What a submitter gets back: the record's id, and whether it existed already."""

    id: UUID
    duplicate: bool


class Intake(TracedEventApplication):
    name = "intake"

    def __init__(self, env: dict[str, str] | None = None, clock: Clock = utc_now) -> None:
        super().__init__(env)
        self._clock = clock

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DataclassAsDict(Evidence))
        transcoder.register(EnumAsValue(Priority))

    def submit_application(
        self,
        *,
        idempotency_key: str,
        partner_id: str,
        partner_name: str,
        corporate_email: str,
        evidence: tuple[Evidence, ...],
        position: Tracking | None = None,
    ) -> Receipt:
        CertificationApplication.validate(
            idempotency_key, partner_id, partner_name, corporate_email, evidence
        )
        return self._create_once(
            CertificationApplication,
            record_id("application", idempotency_key),
            position,
            dict(
                idempotency_key=idempotency_key,
                partner_id=partner_id,
                partner_name=partner_name,
                corporate_email=corporate_email,
                evidence=evidence,
            ),
            submitted_at=self._clock(),
        )

    def open_ticket(
        self,
        *,
        idempotency_key: str,
        customer_id: str,
        priority: Priority | None,
        summary: str,
        service_plan: str,
        position: Tracking | None = None,
    ) -> Receipt:
        SupportTicket.validate(idempotency_key, customer_id, priority, summary, service_plan)
        assert priority is not None
        return self._create_once(
            SupportTicket,
            record_id("ticket", idempotency_key),
            position,
            dict(
                idempotency_key=idempotency_key,
                customer_id=customer_id,
                priority=priority,
                summary=summary,
                service_plan=service_plan,
            ),
            opened_at=self._clock(),
        )

    def order_service(
        self,
        *,
        idempotency_key: str,
        customer_id: str,
        service_code: str,
        package: str,
        contract_signed_on: str,
        requested_start_on: str = "",
        additional_packages: tuple[str, ...] = (),
        quantities: tuple[tuple[str, str], ...] = (),
        position: Tracking | None = None,
    ) -> Receipt:
        ServiceOrder.validate(
            idempotency_key, customer_id, service_code, package, contract_signed_on, requested_start_on,
            additional_packages, quantities,
        )
        request = dict(
            idempotency_key=idempotency_key,
            customer_id=customer_id,
            service_code=service_code,
            package=package,
            contract_signed_on=contract_signed_on,
        )
        if requested_start_on:
            # Only when given, so an order without one keeps the fingerprint it had before
            # the field existed (a retry across the upgrade stays a duplicate).
            request["requested_start_on"] = requested_start_on
        if additional_packages:
            request["additional_packages"] = tuple(additional_packages)
        if quantities:
            request["quantities"] = tuple(quantities)
        return self._create_once(
            ServiceOrder, record_id("order", idempotency_key), position, request, ordered_at=self._clock()
        )

    def _create_once(
        self,
        aggregate_type: type[Aggregate],
        aggregate_id: UUID,
        position: Tracking | None,
        request: dict[str, Any],
        **recorded: Any,
    ) -> Receipt:
        """Records the request once; the same request again is a duplicate, a different one
        under the same key is refused (IdempotencyKeyReused) and nothing is recorded."""
        fingerprint = request_fingerprint(request)
        existing = self._existing(aggregate_id)
        if existing is None:
            try:
                self.record(
                    aggregate_type(id=aggregate_id, fingerprint=fingerprint, **request, **recorded),
                    position=position,
                )
                return Receipt(aggregate_id, duplicate=False)
            except IntegrityError:
                existing = self._existing(aggregate_id)
                if existing is None:
                    raise  # the conflict was about the position, not the record
        check_same_request(request["idempotency_key"], existing.fingerprint, fingerprint)
        if position is not None:
            self.record(position=position)
        return Receipt(aggregate_id, duplicate=True)

    def _existing(self, aggregate_id: UUID) -> Any:
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
