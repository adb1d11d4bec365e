"""Entry point: `python -m servicehub_certification`."""

from __future__ import annotations

import asyncio

from servicehub.certification.v1 import certification_pb2, certification_pb2_grpc
from servicehub.events.v1.certification_pb2 import ApplicationRegistered
from servicehub.events.v1.intake_pb2 import ApplicationSubmitted
from servicehub_runtime.grpcserver import GrpcService
from servicehub_runtime.projection import Projection
from servicehub_runtime.service import ServiceDefinition, application_env, run_service
from servicehub_runtime.settings import Port, ServiceSettings, load_settings

from .api import CertificationApi
from .application import Certification
from .consumers import subscriptions
from .projections import ApplicationList
from .publishing import translate


class CertificationSettings(ServiceSettings):
    grpc_port: Port = 50053
    metrics_port: Port = 9103


def main() -> None:
    settings = load_settings(CertificationSettings)
    certification = Certification(env=application_env(settings, Certification.name))
    application_list = Projection(
        certification, ApplicationList(), settings.data_dir / "certification-views.sqlite"
    )
    definition = ServiceDefinition(
        name="certification",
        application=certification,
        grpc_services=[
            GrpcService(
                certification_pb2.DESCRIPTOR.services_by_name["CertificationService"],
                CertificationApi(certification, application_list),
                certification_pb2_grpc.add_CertificationServiceServicer_to_server,
            )
        ],
        subscribe=subscriptions(certification),
        publishes=[ApplicationRegistered],
        translate=translate,
        consumes=[ApplicationSubmitted],
        projections=[application_list],
    )
    asyncio.run(run_service(definition, settings))


if __name__ == "__main__":
    main()
