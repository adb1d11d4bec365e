"""Intake: the front door's records of what customers and partners asked for.

Each request carries the submitter's idempotency key; the record's id is derived from it,
so the same request sent again is the same record. Pure: no I/O, no clock reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

# Fixed namespace: ids derived from idempotency keys must never change between releases.
_ID_NAMESPACE = UUID("6f1d3e5c-93a4-4c4e-9d0e-7b8a1f2c3d4e")


def record_id(kind: str, idempotency_key: str) -> UUID:
    """The id of the record a request with this key creates; keys are scoped per kind."""
    return uuid5(_ID_NAMESPACE, f"{kind}:{idempotency_key}")


class IdempotencyKeyReused(Exception):
    """The key was used before for a request with different fields (as Stripe refuses it)."""

    def __init__(self, idempotency_key: str) -> None:
        super().__init__(
            f"idempotency key {idempotency_key!r} was already used for a different request;"
            " send the same fields again, or use a new key for a new request"
        )
        self.idempotency_key = idempotency_key


def check_same_request(idempotency_key: str, recorded: str, fingerprint: str) -> None:
    """Raises IdempotencyKeyReused unless the fingerprints match. Records from before
    fingerprints were stored have none, and are taken as the same request."""
    if recorded and recorded != fingerprint:
        raise IdempotencyKeyReused(idempotency_key)


@dataclass(frozen=True)
class Violation:
    """One thing wrong with a request: the field and what the rule is."""

    field: str
    description: str


class RequestRejected(Exception):
    def __init__(self, violations: list[Violation]) -> None:
        super().__init__("; ".join(f"{v.field}: {v.description}" for v in violations))
        self.violations = violations


@dataclass(frozen=True)
class Evidence:
    criterion: str
    summary: str
    document_uri: str


class Priority(Enum):
    P0 = "P0"
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"


STANDARD_PLANS = ("5x8", "5x12", "7x12", "7x24")
# A package code of the catalogue (basic … custom, or a service's own such as consulting):
# intake does not know the catalogue; billing checks the code against it.
_PACKAGE = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")
MAX_ADDITIONAL_PACKAGES = 20
# A pricing unit of the catalogue and a positive decimal amount of it.
_UNIT = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_AMOUNT = re.compile(r"[0-9]{1,12}(\.[0-9]{1,3})?")
MAX_QUANTITIES = 10
_KEY = re.compile(r"^[\x21-\x7e]{1,128}$")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_EMAIL = re.compile(r"^[^@\s]+@([A-Za-z0-9-]+\.)+[A-Za-z]{2,}$")


def _check_key(key: str) -> list[Violation]:
    if _KEY.fullmatch(key):
        return []
    return [Violation("idempotency_key", "must be 1–128 printable ASCII characters, no spaces")]


def _required(**fields: str) -> list[Violation]:
    return [Violation(name, "is required") for name, value in fields.items() if not value.strip()]


class CertificationApplication(Aggregate):
    """A partner's application for certification, as intake received it."""

    @staticmethod
    def validate(
        idempotency_key: str,
        partner_id: str,
        partner_name: str,
        corporate_email: str,
        evidence: tuple[Evidence, ...],
    ) -> None:
        violations = _check_key(idempotency_key) + _required(
            partner_id=partner_id, partner_name=partner_name
        )
        if not _EMAIL.fullmatch(corporate_email):
            violations.append(Violation("corporate_email", "must be an e-mail address"))
        if not evidence:
            violations.append(Violation("evidence", "at least one item is required"))
        for index, item in enumerate(evidence):
            violations += _required(
                **{f"evidence[{index}].criterion": item.criterion,
                   f"evidence[{index}].document_uri": item.document_uri}
            )
        if violations:
            raise RequestRejected(violations)

    @event("Submitted")
    def __init__(
        self,
        id: UUID,
        idempotency_key: str,
        partner_id: str,
        partner_name: str,
        corporate_email: str,
        evidence: tuple[Evidence, ...],
        submitted_at: datetime,
        fingerprint: str = "",
    ) -> None:
        # Of the request that created the record; "" for records from before fingerprints.
        self.fingerprint = fingerprint
        self.idempotency_key = idempotency_key
        self.partner_id = partner_id
        self.partner_name = partner_name
        self.corporate_email = corporate_email
        self.evidence = tuple(evidence)
        self.submitted_at = submitted_at


class SupportTicket(Aggregate):
    """A support ticket as a customer opened it; its SLA clock runs in the sla service."""

    @staticmethod
    def validate(
        idempotency_key: str, customer_id: str, priority: Priority | None, summary: str, service_plan: str
    ) -> None:
        violations = _check_key(idempotency_key) + _required(
            customer_id=customer_id, summary=summary, service_plan=service_plan
        )
        if priority is None:
            violations.append(Violation("priority", "must be one of P0–P4"))
        if violations:
            raise RequestRejected(violations)

    @event("Opened")
    def __init__(
        self,
        id: UUID,
        idempotency_key: str,
        customer_id: str,
        priority: Priority,
        summary: str,
        service_plan: str,
        opened_at: datetime,
        fingerprint: str = "",
    ) -> None:
        # Of the request that created the record; "" for records from before fingerprints.
        self.fingerprint = fingerprint
        self.idempotency_key = idempotency_key
        self.customer_id = customer_id
        self.priority = priority
        self.summary = summary
        self.service_plan = service_plan
        self.opened_at = opened_at


class ServiceOrder(Aggregate):
    """An order for a statement-of-work service package."""

    @staticmethod
    def validate(
        idempotency_key: str,
        customer_id: str,
        service_code: str,
        package: str,
        contract_signed_on: str,
        requested_start_on: str = "",
        additional_packages: tuple[str, ...] = (),
        quantities: tuple[tuple[str, str], ...] = (),
    ) -> None:
        violations = _check_key(idempotency_key) + _required(
            customer_id=customer_id, service_code=service_code
        )
        shape = "must be a catalogue package code (a-z, 0-9, -), e.g. basic or consulting"
        if not _PACKAGE.fullmatch(package):
            violations.append(Violation("package", shape))
        if len(additional_packages) > MAX_ADDITIONAL_PACKAGES:
            violations.append(Violation("additional_packages", f"must name at most {MAX_ADDITIONAL_PACKAGES}"))
        violations += [
            Violation(f"additional_packages[{i}]", shape)
            for i, extra in enumerate(additional_packages)
            if not _PACKAGE.fullmatch(extra)
        ]
        violations += _check_quantities(quantities)
        if not _is_iso_date(contract_signed_on):
            violations.append(Violation("contract_signed_on", "must be an ISO 8601 date, e.g. 2026-12-01"))
        if requested_start_on and not _is_iso_date(requested_start_on):
            violations.append(
                Violation("requested_start_on", "must be empty or an ISO 8601 date, e.g. 2026-12-01")
            )
        if violations:
            raise RequestRejected(violations)

    @event("Ordered")
    def __init__(
        self,
        id: UUID,
        idempotency_key: str,
        customer_id: str,
        service_code: str,
        package: str,
        contract_signed_on: str,
        ordered_at: datetime,
        fingerprint: str = "",
        requested_start_on: str = "",
        additional_packages: tuple[str, ...] = (),
        quantities: tuple[tuple[str, str], ...] = (),
    ) -> None:
        # Of the request that created the record; "" for records from before fingerprints.
        self.fingerprint = fingerprint
        self.idempotency_key = idempotency_key
        self.customer_id = customer_id
        self.service_code = service_code
        self.package = package
        self.contract_signed_on = contract_signed_on
        # "" when the order asked for no start date (and for orders from before the field).
        self.requested_start_on = requested_start_on
        # () when the order named one package (and for orders from before the field).
        self.additional_packages = tuple(additional_packages)
        # (pricing unit, decimal amount) pairs; () when none were given (and before the field).
        self.quantities = tuple(tuple(q) for q in quantities)
        self.ordered_at = ordered_at


def _check_quantities(quantities: tuple[tuple[str, str], ...]) -> list[Violation]:
    if len(quantities) > MAX_QUANTITIES:
        return [Violation("quantities", f"must name at most {MAX_QUANTITIES}")]
    violations = []
    seen = set()
    for i, (unit, amount) in enumerate(quantities):
        if not _UNIT.fullmatch(unit):
            violations.append(Violation(f"quantities[{i}].unit", "must be a pricing unit code (a-z, 0-9, -)"))
        elif unit in seen:
            violations.append(Violation(f"quantities[{i}].unit", f"{unit} is named twice"))
        seen.add(unit)
        if not _AMOUNT.fullmatch(amount) or not Decimal(amount) > 0:
            violations.append(
                Violation(f"quantities[{i}].amount", "must be a positive decimal, e.g. 120 or 2.5")
            )
    return violations


def _is_iso_date(value: str) -> bool:
    if not _ISO_DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True
