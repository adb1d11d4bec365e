"""Which domain events certification publishes, as which integration events."""

from __future__ import annotations

from typing import Any

from servicehub.events.v1.certification_pb2 import (
    ApplicationRegistered,
    CertificateIssued,
    CertificateRenewed,
    RecertificationDue,
)
from servicehub_runtime.protobuf import timestamp
from servicehub_runtime.relay import Outbound

from .certificates import Certificate
from .domain import Application

PUBLISHES = [ApplicationRegistered, CertificateIssued, CertificateRenewed, RecertificationDue]


def translate(domain_event: Any) -> Outbound | None:
    if isinstance(domain_event, Application.Registered):
        return Outbound(
            ApplicationRegistered(
                application_id=str(domain_event.originator_id),
                partner_id=domain_event.partner_id,
                evidence_count=len(domain_event.evidence),
                registered_at=timestamp(domain_event.timestamp),
            ),
            key=str(domain_event.originator_id),
        )
    if isinstance(domain_event, Certificate.Issued):
        return Outbound(
            CertificateIssued(
                certificate_id=str(domain_event.originator_id),
                application_id=str(domain_event.application_id),
                partner_id=domain_event.partner_id,
                holder_name=domain_event.details.holder_name,
                valid_from=timestamp(domain_event.valid_from),
                valid_until=timestamp(domain_event.valid_until),
            ),
            key=str(domain_event.originator_id),
        )
    # Renewals recorded on the board's approval, before steps 6–7 were required, carry no
    # confirmed details: they were never published and are not now.
    if isinstance(domain_event, Certificate.Renewed) and domain_event.details is not None:
        return Outbound(
            CertificateRenewed(
                certificate_id=str(domain_event.originator_id),
                application_id=str(domain_event.application_id),
                partner_id=domain_event.partner_id,
                holder_name=domain_event.details.holder_name,
                cycle=domain_event.cycle,
                valid_from=timestamp(domain_event.valid_from),
                valid_until=timestamp(domain_event.valid_until),
                renewed_at=timestamp(domain_event.renewed_at),
            ),
            key=str(domain_event.originator_id),
        )
    if isinstance(domain_event, Certificate.RecertificationDue):
        return Outbound(
            RecertificationDue(
                certificate_id=str(domain_event.originator_id),
                partner_id=domain_event.partner_id,
                cycle=domain_event.cycle,
                valid_until=timestamp(domain_event.valid_until),
                opened_at=timestamp(domain_event.opened_at),
            ),
            key=str(domain_event.originator_id),
        )
    return None
