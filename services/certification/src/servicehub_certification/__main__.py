"""Entry point: `python -m servicehub_certification`."""

from __future__ import annotations

import asyncio

from pydantic import PositiveInt

from servicehub.certification.v1 import certification_pb2, certification_pb2_grpc
from servicehub.events.v1.intake_pb2 import ApplicationSubmitted
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

from .api import CertificationApi
from .application import DEFAULT_CLARIFICATION_WORKING_DAYS, Certification
from .certificates import EXPIRY, RECERTIFICATION_WINDOW
from .consumers import subscriptions
from .domain import CLARIFICATION_DEADLINE
from .metrics import certification_metrics
from .projections import ApplicationList, CertifiedProviders, Rescreening
from .publishing import PUBLISHES, translate


class CertificationSettings(ServiceSettings):
    grpc_port: Port = service("certification").grpc_port
    metrics_port: Port = service("certification").metrics_port
    # Working days a partner has to answer a reviewer's clarification request.
    clarification_working_days: PositiveInt = DEFAULT_CLARIFICATION_WORKING_DAYS


def main() -> None:
    settings = load_settings(CertificationSettings)
    clock = utc_now
    calendar = load_business_calendar(settings)
    certification = Certification(
        env=application_env(settings, Certification.name),
        calendar=calendar,
        clock=clock,
        clarification_working_days=settings.clarification_working_days,
    )
    application_list = Projection(
        certification, ApplicationList(), settings.data_dir / "certification-views.sqlite"
    )
    providers = Projection(
        certification, CertifiedProviders(), settings.data_dir / "certification-providers.sqlite"
    )
    definition = ServiceDefinition(
        name="certification",
        application=certification,
        grpc_services=[
            GrpcService(
                certification_pb2.DESCRIPTOR.services_by_name["CertificationService"],
                CertificationApi(certification, application_list, providers),
                certification_pb2_grpc.add_CertificationServiceServicer_to_server,
            )
        ],
        subscribe=subscriptions(certification),
        publishes=PUBLISHES,
        translate=translate,
        calendar=calendar,
        consumes=[ApplicationSubmitted],
        projections=[
            application_list,
            providers,
            Rescreening(certification, settings.data_dir / "certification-rescreening.sqlite"),
            certification_metrics(certification, settings.data_dir, clock),
        ],
        deadlines=DeadlineScheduler(
            certification,
            settings.data_dir / "certification-deadlines.sqlite",
            {
                CLARIFICATION_DEADLINE: certification.flag_clarification_overdue,
                RECERTIFICATION_WINDOW: certification.open_recertification_window,
                EXPIRY: certification.expire_certificate,
            },
            clock,
        ),
        clock=clock,
    )
    asyncio.run(run_service(definition, settings))


if __name__ == "__main__":
    main()
