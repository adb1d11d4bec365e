"""The services of servicehub, named once: name, default ports, topics consumed and published.

Read by each service's settings (its default GRPC_PORT and METRICS_PORT), the local
launcher (servicehub_localinfra.services, `make run` in tools/run.py, the integration tests),
tools/k8sgen.py and tools/dashboards.py. Adding a service starts here. The topics are what
each service's definition declares with contract types (its `__main__.py`);
tests/test_registry.py fails when the two differ, and when the README's table does.
Plain data: no import of the contracts or the runtime (which knows no service).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceEntry:
    name: str
    grpc_port: int  # default GRPC_PORT, and the port in deploy/k8s
    metrics_port: int  # default METRICS_PORT
    grpc_service: str  # the full name of its gRPC service
    consumes: tuple[str, ...]  # topics it subscribes to
    publishes: tuple[str, ...]  # topics its outbox relay publishes to

    @property
    def dead_letter_topic(self) -> str:
        return f"{self.name}.dead-letter.v1"


REGISTRY: tuple[ServiceEntry, ...] = (
    ServiceEntry(
        name="intake",
        grpc_port=50051,
        metrics_port=9101,
        grpc_service="servicehub.intake.v1.IntakeService",
        consumes=(
            "intake.application-requests.v1",
            "intake.order-requests.v1",
            "intake.ticket-requests.v1",
        ),
        publishes=(
            "intake.application-submitted.v1",
            "intake.service-ordered.v1",
            "intake.ticket-opened.v1",
        ),
    ),
    ServiceEntry(
        name="sla",
        grpc_port=50052,
        metrics_port=9102,
        grpc_service="servicehub.sla.v1.SlaService",
        consumes=("intake.ticket-opened.v1", "sla.ticket-updates.v1"),
        publishes=("sla.sla-breached.v1", "sla.ticket-escalated.v1"),
    ),
    ServiceEntry(
        name="certification",
        grpc_port=50053,
        metrics_port=9103,
        grpc_service="servicehub.certification.v1.CertificationService",
        consumes=("intake.application-submitted.v1",),
        publishes=(
            "certification.application-registered.v1",
            "certification.certificate-issued.v1",
            "certification.certificate-renewed.v1",
            "certification.recertification-due.v1",
        ),
    ),
    ServiceEntry(
        name="billing",
        grpc_port=50054,
        metrics_port=9104,
        grpc_service="servicehub.billing.v1.BillingService",
        consumes=(
            "billing.project-requests.v1",
            "intake.service-ordered.v1",
            "intake.ticket-opened.v1",
            "sla.sla-breached.v1",
        ),
        publishes=(
            "billing.credit-note-issued.v1",
            "billing.deliverable-overdue.v1",
            "billing.invoice-issued.v1",
            "billing.milestone-accepted.v1",
        ),
    ),
)
SERVICES: tuple[str, ...] = tuple(entry.name for entry in REGISTRY)


def service(name: str) -> ServiceEntry:
    """The entry of `name`; ValueError naming the known services otherwise."""
    for entry in REGISTRY:
        if entry.name == name:
            return entry
    raise ValueError(f"unknown service {name!r}; choose from {', '.join(SERVICES)}")
