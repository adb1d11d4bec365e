"""Entry point: `python -m servicehub_billing`."""

from __future__ import annotations

import asyncio

from servicehub.billing.v1 import billing_pb2, billing_pb2_grpc
from servicehub.events.v1.intake_pb2 import ServiceOrdered, TicketOpened
from servicehub.events.v1.sla_pb2 import SlaBreached
from servicehub_registry import service
from servicehub_runtime.deadlines import DeadlineScheduler
from servicehub_runtime.grpcserver import GrpcService
from servicehub_runtime.projection import Projection
from servicehub_runtime.service import (
    ServiceDefinition,
    application_env,
    load_business_calendar,
    run_service,
)
from servicehub_runtime.settings import Port, ServiceSettings, load_settings
from servicehub_runtime.wallclock import utc_now

from . import requests
from .acceptance import ACCEPTANCE_WINDOW, ANSWER_DUE, MEETING_DUE
from .api import BillingApi
from .application import Billing
from .consumers import subscriptions
from .metrics import billing_metrics
from .projections import IssuedDocuments
from .publishing import PUBLISHES, translate


class BillingSettings(ServiceSettings):
    grpc_port: Port = service("billing").grpc_port
    metrics_port: Port = service("billing").metrics_port


def main() -> None:
    settings = load_settings(BillingSettings)
    clock = utc_now
    calendar = load_business_calendar(settings)
    billing = Billing(env=application_env(settings, Billing.name), calendar=calendar, clock=clock)
    documents = Projection(billing, IssuedDocuments(), settings.data_dir / "billing-views.sqlite")
    definition = ServiceDefinition(
        name="billing",
        application=billing,
        grpc_services=[
            GrpcService(
                billing_pb2.DESCRIPTOR.services_by_name["BillingService"],
                BillingApi(billing, documents),
                billing_pb2_grpc.add_BillingServiceServicer_to_server,
            )
        ],
        subscribe=subscriptions(billing),
        publishes=PUBLISHES,
        translate=translate,
        calendar=calendar,
        projections=[documents, billing_metrics(billing, settings.data_dir, clock)],
        consumes=[ServiceOrdered, TicketOpened, SlaBreached, requests.INBOUND],
        deadlines=DeadlineScheduler(
            billing,
            settings.data_dir / "billing-deadlines.sqlite",
            {kind: billing.acceptance_deadline for kind in (ACCEPTANCE_WINDOW, ANSWER_DUE, MEETING_DUE)},
            clock,
        ),
        clock=clock,
    )
    asyncio.run(run_service(definition, settings))


if __name__ == "__main__":
    main()
