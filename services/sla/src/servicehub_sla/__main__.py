"""Entry point: `python -m servicehub_sla`."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from servicehub.events.v1.intake_pb2 import TicketOpened
from servicehub.events.v1.sla_pb2 import SlaBreached
from servicehub.sla.v1 import sla_pb2, sla_pb2_grpc
from servicehub_runtime.deadlines import DeadlineScheduler
from servicehub_runtime.grpcserver import GrpcService
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
from .domain import RESPONSE_TARGET
from .policy import PolicyFileError, ResponsePolicy
from .publishing import translate


class SlaSettings(ServiceSettings):
    grpc_port: Port = 50052
    metrics_port: Port = 9102
    # A policy file replacing the shipped SPT-001 targets (format: servicehub_sla/spt-001.toml).
    sla_policy_file: Path | None = None


def load_policy(settings: SlaSettings) -> ResponsePolicy:
    try:
        return ResponsePolicy.load(settings.sla_policy_file)
    except PolicyFileError as error:
        sys.exit(f"invalid SLA_POLICY_FILE: {error}")


def main() -> None:
    settings = load_settings(SlaSettings)
    clock = utc_now
    calendar = load_business_calendar(settings)
    sla = Sla(
        env=application_env(settings, Sla.name), calendar=calendar, policy=load_policy(settings)
    )
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
        publishes=[SlaBreached],
        translate=translate,
        calendar=calendar,
        consumes=[TicketOpened],
        deadlines=DeadlineScheduler(
            sla,
            settings.data_dir / "sla-deadlines.sqlite",
            {RESPONSE_TARGET: sla.breach_response_target},
            clock,
        ),
        clock=clock,
    )
    asyncio.run(run_service(definition, settings))


if __name__ == "__main__":
    main()
