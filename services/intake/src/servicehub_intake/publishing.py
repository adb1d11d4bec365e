"""Which intake records are published, as which integration events."""

from __future__ import annotations

from typing import Any

from servicehub.events.v1 import intake_pb2 as events
from servicehub_runtime.protobuf import timestamp
from servicehub_runtime.relay import Outbound

from .domain import CertificationApplication, ServiceOrder, SupportTicket

PUBLISHES = [events.ApplicationSubmitted, events.TicketOpened, events.ServiceOrdered]


def translate(domain_event: Any) -> Outbound | None:
    key = str(domain_event.originator_id)
    if isinstance(domain_event, CertificationApplication.Submitted):
        return Outbound(
            events.ApplicationSubmitted(
                application_id=key,
                partner_id=domain_event.partner_id,
                partner_name=domain_event.partner_name,
                corporate_email=domain_event.corporate_email,
                evidence=[
                    events.Evidence(
                        criterion=e.criterion, summary=e.summary, document_uri=e.document_uri
                    )
                    for e in domain_event.evidence
                ],
                submitted_at=timestamp(domain_event.submitted_at),
            ),
            key=key,
        )
    if isinstance(domain_event, SupportTicket.Opened):
        return Outbound(
            events.TicketOpened(
                ticket_id=key,
                customer_id=domain_event.customer_id,
                priority=events.Priority.Value(f"PRIORITY_{domain_event.priority.value}"),
                summary=domain_event.summary,
                service_plan=domain_event.service_plan,
                opened_at=timestamp(domain_event.opened_at),
            ),
            key=key,
        )
    if isinstance(domain_event, ServiceOrder.Ordered):
        return Outbound(
            events.ServiceOrdered(
                order_id=key,
                customer_id=domain_event.customer_id,
                service_code=domain_event.service_code,
                package=domain_event.package,
                contract_signed_on=domain_event.contract_signed_on,
                ordered_at=timestamp(domain_event.ordered_at),
                # Absent from events recorded before the field existed.
                requested_start_on=getattr(domain_event, "requested_start_on", ""),
                additional_packages=getattr(domain_event, "additional_packages", ()),
                quantities=[
                    events.OrderedQuantity(unit=unit, amount=amount)
                    for unit, amount in getattr(domain_event, "quantities", ())
                ],
            ),
            key=key,
        )
    return None
