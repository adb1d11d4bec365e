"""Entry point: `python -m servicehub_sla`."""

from __future__ import annotations

import asyncio

from servicehub.events.v1.intake_pb2 import TicketOpened
from servicehub.sla.v1 import sla_pb2, sla_pb2_grpc
from servicehub_runtime.grpcserver import GrpcService
from servicehub_runtime.service import (
    ServiceDefinition,
    application_env,
    load_business_calendar,
    run_service,
)
from servicehub_runtime.settings import Port, ServiceSettings, load_settings

from .api import SlaApi
from .application import Sla
from .consumers import subscriptions


class SlaSettings(ServiceSettings):
    grpc_port: Port = 50052
    metrics_port: Port = 9102


def main() -> None:
    settings = load_settings(SlaSettings)
    sla = Sla(env=application_env(settings, Sla.name))
    definition = ServiceDefinition(
        name="sla",
        application=sla,
        grpc_services=[
            GrpcService(
                sla_pb2.DESCRIPTOR.services_by_name["SlaService"],
                SlaApi(sla),
                sla_pb2_grpc.add_SlaServiceServicer_to_server,
            )
        ],
        subscribe=subscriptions(sla),
        calendar=load_business_calendar(settings),
        consumes=[TicketOpened],
    )
    asyncio.run(run_service(definition, settings))


if __name__ == "__main__":
    main()
