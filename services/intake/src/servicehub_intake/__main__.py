"""Entry point: `python -m servicehub_intake`."""

from __future__ import annotations

import asyncio

from servicehub.intake.v1 import intake_pb2, intake_pb2_grpc
from servicehub_runtime.grpcserver import GrpcService
from servicehub_runtime.service import ServiceDefinition, application_env, run_service
from servicehub_runtime.settings import Port, ServiceSettings, load_settings

from .api import IntakeApi
from .application import Intake
from .consumers import INBOUND, subscriptions
from .publishing import PUBLISHES, translate


class IntakeSettings(ServiceSettings):
    grpc_port: Port = 50051
    metrics_port: Port = 9101


def main() -> None:
    settings = load_settings(IntakeSettings)
    intake = Intake(env=application_env(settings, Intake.name))
    definition = ServiceDefinition(
        name="intake",
        application=intake,
        grpc_services=[
            GrpcService(
                intake_pb2.DESCRIPTOR.services_by_name["IntakeService"],
                IntakeApi(intake),
                intake_pb2_grpc.add_IntakeServiceServicer_to_server,
            )
        ],
        subscribe=subscriptions(intake),
        publishes=PUBLISHES,
        translate=translate,
        consumes=[message_type for message_type, _ in INBOUND],
    )
    asyncio.run(run_service(definition, settings))


if __name__ == "__main__":
    main()
