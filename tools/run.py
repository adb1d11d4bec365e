"""`make run`: Kafka, the four services and a Prometheus scraping them (with the alert rules)
on this machine, a short demo, then wait for Ctrl-C.

State lives in var/ (broker data and each service's event store), so a second start keeps
what the first recorded. KAFKA_BOOTSTRAP_SERVERS set → that cluster is used instead.
Authentication is on as in production: each run makes a throw-away signing key (its public
half in var/auth/jwks.json), the demo calls with tokens it signs, and an operator token is
printed for your own calls.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import grpc

from servicehub.billing.v1 import billing_pb2, billing_pb2_grpc
from servicehub.certification.v1 import certification_pb2, certification_pb2_grpc
from servicehub.events.v1 import intake_pb2 as events
from servicehub.intake.v1 import intake_pb2, intake_pb2_grpc
from servicehub.sla.v1 import sla_pb2, sla_pb2_grpc
from servicehub_localinfra import LocalKafka, LocalPrometheus
from servicehub_localinfra._process import port_open
from servicehub_localinfra.services import System
from servicehub_localinfra.tokens import TokenIssuer
from servicehub_registry import REGISTRY, service

ROOT = Path(__file__).resolve().parent.parent
STATE = ROOT / "var"
# (gRPC, metrics) per service — the defaults of servicehub_registry, which the README documents.
PORTS = {entry.name: (entry.grpc_port, entry.metrics_port) for entry in REGISTRY}
CERTIFICATION = service("certification")
KAFKA_PORT = 9092
PROMETHEUS_PORT = 9090
ALERT_RULES = sorted((ROOT / "deploy" / "prometheus" / "rules").glob("*.yml"))


def main() -> int:
    busy = [p for ports in PORTS.values() for p in ports if port_open(p)]
    if busy:
        sys.exit(f"ports {busy} are in use on 127.0.0.1 — is servicehub already running?")
    started = time.monotonic()
    with contextlib.ExitStack() as running:
        bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
        if bootstrap:
            print(f"using the Kafka cluster at {bootstrap}")
        else:
            kafka = LocalKafka(STATE / "kafka", port=None if port_open(KAFKA_PORT) else KAFKA_PORT)
            print("starting Kafka (single KRaft node) …", flush=True)
            running.enter_context(kafka)
            bootstrap = kafka.bootstrap_servers
            print(f"Kafka ready at {bootstrap} (log: {kafka.log_path})")
        issuer = TokenIssuer()
        (STATE / "auth").mkdir(parents=True, exist_ok=True)
        system = System(
            bootstrap_servers=bootstrap,
            data_dir=STATE / "services",
            ports=PORTS,
            extra_env=issuer.env(STATE / "auth"),
        )
        print("starting intake, sla, certification, billing …", flush=True)
        running.enter_context(system)
        print(f"all four services SERVING after {time.monotonic() - started:.1f}s\n")
        for name, service in system.services.items():
            print(f"  {name:<14} gRPC {service.grpc_address}  metrics http://127.0.0.1:{service.metrics_port}/metrics  pid {service.pid}  log {service.log_path}")
        prometheus = LocalPrometheus(
            {name: f"127.0.0.1:{service.metrics_port}" for name, service in system.services.items()},
            rule_files=ALERT_RULES,
            port=None if port_open(PROMETHEUS_PORT) else PROMETHEUS_PORT,
        )
        running.enter_context(prometheus)
        print(f"\n  Prometheus     {prometheus.url}  (alerts: {prometheus.url}/alerts; "
              f"Grafana: SERVICEHUB_PROMETHEUS_URL={prometheus.url}, see deploy/grafana/)")
        print()
        application_id = demo(system, issuer)
        print_how_to_query(application_id, issuer.token("operator", subject="you", lifetime_seconds=12 * 3600))
        wait_for_interrupt()
        print("\nstopping Prometheus, services and Kafka …", flush=True)
    print("stopped; nothing left running. State is kept in var/ (make clean removes it).")
    return 0


def demo(system: System, issuer: TokenIssuer) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    # The demo calls as an integrator system and the community staff.
    token = issuer.sync_interceptor(
        "integrator-system", "community-operator", "operator", subject="demo"
    )
    with contextlib.ExitStack() as channels:
        channel = {
            n: grpc.intercept_channel(channels.enter_context(grpc.insecure_channel(s.grpc_address)), token)
            for n, s in system.services.items()
        }
        intake = intake_pb2_grpc.IntakeServiceStub(channel["intake"])
        certification = certification_pb2_grpc.CertificationServiceStub(channel["certification"])
        partner = register_demo_partner(certification)
        print(f"demo: partner {partner.partner_id} registered, CLA signed, enterprise information checked → {certification_pb2.PartnerStep.Name(partner.step)}")
        request = intake_pb2.SubmitApplicationRequest(
            idempotency_key=f"demo-{stamp}",
            partner_id="partner-demo",
            partner_name="Demo Database Services Co.",
            corporate_email="certification@demo-db.example",
            evidence=[
                events.Evidence(
                    criterion="service-content.migration",
                    summary="8 Oracle-to-openGauss migrations delivered in 2026",
                    document_uri="https://demo-db.example/evidence/migrations.pdf",
                )
            ],
        )
        first = intake.SubmitApplication(request, timeout=10)
        again = intake.SubmitApplication(request, timeout=10)
        print(f"demo: SubmitApplication key={request.idempotency_key} → application {first.application_id} (duplicate={first.duplicate})")
        print(f"demo: the same key again → application {again.application_id} (duplicate={again.duplicate})")
        application = eventually(
            lambda: certification.GetApplication(
                certification_pb2.GetApplicationRequest(application_id=first.application_id), timeout=5
            ).application
        )
        print(
            f"demo: certification registered it: status={certification_pb2.ApplicationStatus.Name(application.status)}, "
            f"{len(application.evidence)} evidence item(s), registered at {application.registered_at.ToJsonString()}"
        )
        ticket = intake.OpenTicket(
            intake_pb2.OpenTicketRequest(
                idempotency_key=f"demo-ticket-{stamp}",
                customer_id="customer-demo",
                priority=events.PRIORITY_P1,
                summary="Primary database unreachable",
                service_plan="7x24",
            ),
            timeout=10,
        )
        sla = sla_pb2_grpc.SlaServiceStub(channel["sla"])
        eventually(lambda: sla.GetTicket(sla_pb2.GetTicketRequest(ticket_id=ticket.ticket_id), timeout=5))
        print(f"demo: OpenTicket P1 → ticket {ticket.ticket_id}, now on the sla service's books")
        order = intake.OrderService(
            intake_pb2.OrderServiceRequest(
                idempotency_key=f"demo-order-{stamp}",
                customer_id="customer-demo",
                service_code="cloud-escort",
                package="standard",
                contract_signed_on="2026-12-01",
            ),
            timeout=10,
        )
        billing = billing_pb2_grpc.BillingServiceStub(channel["billing"])
        eventually(lambda: billing.GetProject(billing_pb2.GetProjectRequest(project_id=order.order_id), timeout=5))
        print(f"demo: OrderService cloud-escort/standard → project {order.order_id}, now on the billing service's books\n")
        return first.application_id


def register_demo_partner(certification) -> certification_pb2.Partner:
    """Steps 1-2 of certification, so the demo's application proceeds to review.

    Each command is idempotent, so a second `make run` on the same var/ changes nothing.
    """
    partner_id = "partner-demo"
    certification.RegisterPartner(
        certification_pb2.RegisterPartnerRequest(
            partner_id=partner_id, name="Demo Database Services Co.", declared_domains=["demo-db.example"]
        ),
        timeout=10,
    )
    certification.SignCla(certification_pb2.SignClaRequest(partner_id=partner_id, cla_version="2.0"), timeout=10)
    return certification.SubmitEnterpriseInformation(
        certification_pb2.SubmitEnterpriseInformationRequest(
            partner_id=partner_id,
            company_name="Demo Database Services Co., Ltd.",
            business_licence_document="https://demo-db.example/licence.pdf",
            unified_social_credit_code="91110000600037341L",
            corporate_email="certification@demo-db.example",
        ),
        timeout=10,
    ).partner


def eventually(call, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return call()
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.NOT_FOUND or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def print_how_to_query(application_id: str, token: str) -> None:
    print(
        f"""Query it yourself (reflection is on, no proto files needed) with this operator token,
valid for 12 hours and only for this run's services:

  export TOKEN={token}
  grpcurl -plaintext -H "authorization: Bearer $TOKEN" -d '{{"application_id": "{application_id}"}}' \\
      127.0.0.1:{CERTIFICATION.grpc_port} {CERTIFICATION.grpc_service}/GetApplication
  grpcurl -plaintext 127.0.0.1:{CERTIFICATION.grpc_port} list

or from Python (uv run python):

  import grpc, os
  from servicehub.certification.v1 import certification_pb2 as pb, certification_pb2_grpc as rpc
  stub = rpc.CertificationServiceStub(grpc.insecure_channel("127.0.0.1:{CERTIFICATION.grpc_port}"))
  print(stub.GetApplication(pb.GetApplicationRequest(application_id="{application_id}"),
                            metadata=[("authorization", "Bearer " + os.environ["TOKEN"])]))

Running until Ctrl-C."""
    , flush=True)


def wait_for_interrupt() -> None:
    stop = False

    def request_stop(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    while not stop:
        time.sleep(0.3)


if __name__ == "__main__":
    sys.exit(main())
