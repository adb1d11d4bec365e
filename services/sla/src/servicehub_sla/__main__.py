"""Entry point: `python -m servicehub_sla`."""

from __future__ import annotations

import asyncio
import logging
import ssl
import sys
from pathlib import Path

from pydantic import SecretStr

from servicehub.events.v1.intake_pb2 import TicketOpened
from servicehub.events.v1.sla_pb2 import SlaBreached, TicketEscalated
from servicehub.sla.v1 import sla_pb2, sla_pb2_grpc
from servicehub.sla.v1.sla_pb2 import UpdateTicketRequest
from servicehub_registry import service
from servicehub_runtime.deadlines import DeadlineScheduler
from servicehub_runtime.grpcserver import GrpcService
from servicehub_runtime.lead import Lead
from servicehub_runtime.projection import Projection
from servicehub_runtime.service import (
    ServiceDefinition,
    application_env,
    load_business_calendar,
    run_service,
)
from servicehub_runtime.settings import Port, ServiceSettings, load_settings
from servicehub_runtime.wallclock import utc_now

from .api import SlaApi
from .application import Sla
from .consumers import subscriptions
from .domain import THRESHOLD_DEADLINE
from .horizon import HorizonSweep
from .metrics import sla_metrics
from .notifications import Notifier, SmtpSender, SmtpTls, WebhookSender
from .policy import PolicyBook, PolicyFileError
from .projections import Availability, AvailabilityView, TargetsView, TicketQueries
from .publishing import translate

log = logging.getLogger(__name__)


class SlaSettings(ServiceSettings):
    grpc_port: Port = service("sla").grpc_port
    metrics_port: Port = service("sla").metrics_port
    # A policy file replacing the shipped policies (format: servicehub_sla/policies.toml).
    sla_policy_file: Path | None = None
    # Escalation e-mails (policy channel "email"); unset: no e-mails are sent.
    sla_smtp_host: str | None = None
    sla_smtp_port: Port = 25
    sla_smtp_from: str = "sla@servicehub.invalid"
    # "starttls" (port 587) or "implicit" (port 465) for TLS; needed for a login.
    sla_smtp_tls: SmtpTls = "none"
    sla_smtp_username: str | None = None
    sla_smtp_password: SecretStr | None = None  # never logged
    # CA certificates the server's certificate must chain to; unset: the system's.
    sla_smtp_ca_file: Path | None = None
    # Every other channel (sms, phone, ticket-system, ...) is POSTed here; unset: not sent.
    sla_webhook_url: str | None = None


def load_policies(settings: SlaSettings) -> PolicyBook:
    try:
        return PolicyBook.load(settings.sla_policy_file)
    except PolicyFileError as error:
        sys.exit(f"invalid SLA_POLICY_FILE: {error}")


def notifier(settings: SlaSettings, sla: Sla, policies: PolicyBook, clock, lead: Lead) -> Notifier:
    email = webhook = None
    if settings.sla_smtp_host:
        try:
            context = None
            if settings.sla_smtp_ca_file is not None:
                context = ssl.create_default_context(cafile=settings.sla_smtp_ca_file)
            email = SmtpSender(
                settings.sla_smtp_host, settings.sla_smtp_port, settings.sla_smtp_from,
                tls=settings.sla_smtp_tls, ssl_context=context,
                username=settings.sla_smtp_username, password=settings.sla_smtp_password,
            )
        except (OSError, ssl.SSLError) as error:
            sys.exit(f"invalid SLA_SMTP_CA_FILE={settings.sla_smtp_ca_file}: {error}")
        except ValueError as error:
            sys.exit(f"invalid configuration: {error} (SLA_SMTP_TLS, SLA_SMTP_USERNAME, SLA_SMTP_PASSWORD)")
    else:
        log.warning("SLA_SMTP_HOST is not set: escalations are not e-mailed")
    if settings.sla_webhook_url:
        webhook = WebhookSender(settings.sla_webhook_url)
    else:
        log.warning("SLA_WEBHOOK_URL is not set: escalations go out by e-mail only")
    return Notifier(sla, policies, settings.data_dir / "sla-notifications.sqlite", clock,
                    email=email, webhook=webhook, lead=lead)


def main() -> None:
    settings = load_settings(SlaSettings)
    clock = utc_now
    calendar = load_business_calendar(settings)
    policies = load_policies(settings)
    sla = Sla(env=application_env(settings, Sla.name), calendar=calendar, policies=policies)
    availability = Projection(sla, AvailabilityView(), settings.data_dir / "sla-availability.sqlite")
    targets = Projection(sla, TargetsView(), settings.data_dir / "sla-targets.sqlite")
    lead = Lead()  # only the instance that leads sends notifications
    definition = ServiceDefinition(
        name="sla",
        application=sla,
        grpc_services=[
            GrpcService(
                sla_pb2.DESCRIPTOR.services_by_name["SlaService"],
                SlaApi(sla, clock, Availability(availability, sla.get_record),
                       TicketQueries(targets, sla)),
                sla_pb2_grpc.add_SlaServiceServicer_to_server,
            )
        ],
        subscribe=subscriptions(sla),
        publishes=[TicketEscalated, SlaBreached],
        translate=translate,
        calendar=calendar,
        consumes=[TicketOpened, UpdateTicketRequest],
        projections=[
            availability,
            targets,
            notifier(settings, sla, policies, clock, lead),
            # At start-up, schedules thresholds past an earlier calendar's data that this one covers.
            HorizonSweep(sla, settings.data_dir / "sla-past-horizon.sqlite"),
            sla_metrics(sla, settings.data_dir, availability),
        ],
        deadlines=DeadlineScheduler(
            sla,
            settings.data_dir / "sla-deadlines.sqlite",
            {THRESHOLD_DEADLINE: sla.escalate},
            clock,
        ),
        clock=clock,
        lead=lead,
    )
    asyncio.run(run_service(definition, settings))


if __name__ == "__main__":
    main()
