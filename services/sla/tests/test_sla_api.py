from datetime import UTC, datetime, timedelta
from uuid import uuid4

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from servicehub.events.v1.intake_pb2 import Priority as PriorityPb
from servicehub.sla.v1 import sla_pb2 as pb
from servicehub_runtime import auth
from servicehub_runtime.deadlines import DeadlineScheduler
from servicehub_runtime.grpcserver import Conflict, FieldViolation, InvalidArgument, NotFound
from servicehub_runtime.projection import Projection
from servicehub_runtime.wallclock import ManualClock
from servicehub_sla.api import SlaApi
from servicehub_sla.domain import THRESHOLD_DEADLINE, Priority
from servicehub_sla.projections import Availability, AvailabilityView, TargetsView, TicketQueries

from .conftest import ISSUER, served

OPENED_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


class Aborted(Exception):
    pass


class Context:
    """Stands in for grpc.aio.ServicerContext.abort, which raises after setting the status."""

    async def abort(self, code, details):
        self.code, self.details = code, details
        raise Aborted


def stamp(at: datetime) -> Timestamp:
    value = Timestamp()
    value.FromDatetime(at)
    return value


def update(ticket_id, update_id, kind, minutes, **fields):
    return pb.UpdateTicketRequest(
        update_id=update_id, ticket_id=str(ticket_id), kind=kind,
        occurred_at=stamp(OPENED_AT + timedelta(minutes=minutes)), **fields,
    )


@pytest.fixture
def api(sla, tmp_path):
    clock = ManualClock(OPENED_AT)
    projection = Projection(sla, AvailabilityView(), tmp_path / "availability.sqlite")
    targets = Projection(sla, TargetsView(), tmp_path / "targets.sqlite")
    yield SlaApi(sla, clock, Availability(projection, sla.get_record), TicketQueries(targets, sla)), clock
    projection.close()
    targets.close()


def register(sla, priority=Priority.P1):
    ticket_id = uuid4()
    sla.register_ticket(
        ticket_id=ticket_id, customer_id="cust-7", priority=priority, service_plan="5x12",
        opened_at=OPENED_AT,
    )
    return ticket_id


async def test_get_ticket_shows_each_targets_deadline_elapsed_percent_paused_time_and_history(sla, api):
    service, clock = api
    ticket_id = register(sla)  # P1 on 7x24: response 30 min, resolution 4 h
    for n, (kind, minutes, extra) in enumerate([
        (pb.UPDATE_KIND_FIRST_RESPONSE, 10, {}),
        (pb.UPDATE_KIND_PROBLEM_CONFIRMED, 20, {}),
        (pb.UPDATE_KIND_WAITING_FOR_CUSTOMER, 80, {"reason": "logs asked"}),
        (pb.UPDATE_KIND_CUSTOMER_REPLIED, 110, {}),
    ]):
        await service.UpdateTicket(update(ticket_id, f"u{n}", kind, minutes, **extra), Context())
    clock.advance(timedelta(minutes=140))  # resolution: 20→80 and 110→140 ran = 90 min

    ticket = (await service.GetTicket(pb.GetTicketRequest(ticket_id=str(ticket_id)), None)).ticket

    assert (ticket.policy, ticket.policy_version, ticket.state, ticket.cycle) == ("SPT-001", 1, "confirmed", 1)
    assert ticket.calendar_version == sla.get_ticket(ticket_id).calendar_version
    assert ticket.priority == PriorityPb.PRIORITY_P1
    response, resolution = ticket.targets
    assert response.name == "response"
    assert response.elapsed.ToTimedelta() == timedelta(minutes=10)
    assert response.percent_elapsed == pytest.approx(100 / 3)
    assert response.stopped_at.ToDatetime(tzinfo=UTC) == OPENED_AT + timedelta(minutes=10)
    assert resolution.name == "resolution"
    assert resolution.duration.ToTimedelta() == timedelta(hours=4)
    assert resolution.elapsed.ToTimedelta() == timedelta(minutes=90)
    assert resolution.percent_elapsed == pytest.approx(37.5)
    assert resolution.paused.ToTimedelta() == timedelta(minutes=30)
    # 4 h from 20 min plus the 30 min pause
    assert resolution.due_at.ToDatetime(tzinfo=UTC) == OPENED_AT + timedelta(minutes=290)
    assert not resolution.HasField("stopped_at")
    assert [h.what for h in ticket.history] == [
        "opened", "first-response", "problem-confirmed", "waiting-for-customer", "customer-replied",
    ]
    assert ticket.history[3].detail == "logs asked"


async def test_update_ticket_answers_a_repeat_as_duplicate(sla, api):
    service, _ = api
    ticket_id = register(sla)
    request = update(ticket_id, "u1", pb.UPDATE_KIND_FIRST_RESPONSE, 5)

    first = await service.UpdateTicket(request, Context())
    again = await service.UpdateTicket(request, Context())

    assert (first.duplicate, again.duplicate) == (False, True)
    assert again.ticket.state == "responded"


async def test_update_ticket_in_the_wrong_state_is_failed_precondition_naming_the_state(sla, api):
    service, _ = api
    ticket_id = register(sla)
    context = Context()

    with pytest.raises(Aborted):
        await service.UpdateTicket(update(ticket_id, "u1", pb.UPDATE_KIND_SOLUTION_GIVEN, 5), context)

    assert context.code == grpc.StatusCode.FAILED_PRECONDITION
    assert context.details == "solution-given is not possible: the ticket is open"


async def test_update_ticket_with_a_reused_update_id_is_already_exists(sla, api):
    service, _ = api
    ticket_id = register(sla)
    await service.UpdateTicket(update(ticket_id, "u1", pb.UPDATE_KIND_FIRST_RESPONSE, 5), Context())

    with pytest.raises(Conflict, match="'u1' was used for another update"):
        await service.UpdateTicket(update(ticket_id, "u1", pb.UPDATE_KIND_FIRST_RESPONSE, 6), Context())


@pytest.mark.parametrize(
    ("request_", "violation"),
    [
        (pb.UpdateTicketRequest(update_id="u", ticket_id="T-1"), FieldViolation("ticket_id", "must be a UUID")),
        (pb.UpdateTicketRequest(update_id="u", ticket_id=str(uuid4()), occurred_at=stamp(OPENED_AT)),
         FieldViolation("kind", "must be one of the UpdateKind values")),
        (pb.UpdateTicketRequest(update_id="u", ticket_id=str(uuid4()), kind=pb.UPDATE_KIND_FIRST_RESPONSE),
         FieldViolation("occurred_at", "is required")),
        (pb.UpdateTicketRequest(update_id="u", ticket_id=str(uuid4()), occurred_at=stamp(OPENED_AT),
                                kind=pb.UPDATE_KIND_WAITING_FOR_CUSTOMER, reason="  "),
         FieldViolation("reason", "is required when waiting for the customer")),
        (pb.UpdateTicketRequest(update_id="u", ticket_id=str(uuid4()), occurred_at=stamp(OPENED_AT),
                                kind=pb.UPDATE_KIND_CLOSE_CONFIRMED),
         FieldViolation("confirmed_by", "must be DISPATCH_ENGINEER or CUSTOMER")),
        (pb.UpdateTicketRequest(update_id="u", ticket_id=str(uuid4()), occurred_at=stamp(OPENED_AT),
                                kind=pb.UPDATE_KIND_PRIORITY_CHANGED),
         FieldViolation("priority", "must be one of P0-P4")),
    ],
)
async def test_update_ticket_with_a_bad_field_is_invalid_argument_naming_it(sla, api, request_, violation):
    service, _ = api
    with pytest.raises(InvalidArgument) as raised:
        await service.UpdateTicket(request_, Context())

    assert raised.value.violations == [violation]


async def test_update_or_get_of_an_unknown_ticket_is_not_found(sla, api):
    service, _ = api
    unknown = uuid4()
    with pytest.raises(NotFound, match=str(unknown)):
        await service.UpdateTicket(update(unknown, "u1", pb.UPDATE_KIND_FIRST_RESPONSE, 1), Context())
    with pytest.raises(NotFound, match=str(unknown)):
        await service.GetTicket(pb.GetTicketRequest(ticket_id=str(unknown)), None)


async def test_get_ticket_rejects_an_id_that_is_not_a_uuid(sla, api):
    service, _ = api
    with pytest.raises(InvalidArgument) as raised:
        await service.GetTicket(pb.GetTicketRequest(ticket_id="T-1001"), None)

    assert raised.value.violations == [FieldViolation("ticket_id", "must be a UUID")]


async def test_maintenance_outages_and_availability_over_the_api(sla, api):
    service, clock = api
    beijing = timedelta(hours=8)
    # 2026-10-08 02:00 Beijing = 10-07 18:00 UTC: 72 h before the agreed window.
    planned = await service.PlanMaintenance(
        pb.PlanMaintenanceRequest(window_id="w-oct", kind=pb.MAINTENANCE_KIND_PLANNED,
                                  announced_at=stamp(datetime(2026, 10, 7, 18, tzinfo=UTC))),
        Context(),
    )
    window = planned.window
    assert (window.starts_at.ToDatetime(tzinfo=UTC) + beijing).strftime("%a %m-%d %H:%M") == "Sun 10-11 02:00"
    assert (window.notice.ToTimedelta(), window.late_notice, window.excluded) == (timedelta(hours=72), False, True)
    again = await service.PlanMaintenance(
        pb.PlanMaintenanceRequest(window_id="w-oct", kind=pb.MAINTENANCE_KIND_PLANNED,
                                  announced_at=stamp(datetime(2026, 10, 7, 18, tzinfo=UTC))),
        Context(),
    )
    assert again.duplicate
    with pytest.raises(InvalidArgument) as bad:
        await service.PlanMaintenance(
            pb.PlanMaintenanceRequest(window_id="e-1", kind=pb.MAINTENANCE_KIND_EMERGENCY), Context())
    assert [(v.field, v.description) for v in bad.value.violations] == [
        ("announced_at", "is required"), ("starts_at", "is required for emergency maintenance")]

    started = await service.RecordOutage(
        pb.RecordOutageRequest(outage_id="o-1", started_at=stamp(datetime(2026, 10, 15, 2, tzinfo=UTC))),
        Context(),
    )
    assert not started.duplicate and not started.outage.HasField("ended_at")
    clock.advance(datetime(2026, 10, 15, 4, 1, tzinfo=UTC) - clock())
    ended = await service.RecordOutage(
        pb.RecordOutageRequest(outage_id="o-1", ended_at=stamp(datetime(2026, 10, 15, 3, 30, tzinfo=UTC))),
        Context(),
    )
    assert ended.outage.late_recovery_notice  # 31 min after the end, no notice
    context = Context()
    with pytest.raises(Aborted):
        await service.RecordOutage(
            pb.RecordOutageRequest(outage_id="o-2", ended_at=stamp(datetime(2026, 10, 15, 3, tzinfo=UTC))),
            context,
        )
    assert (context.code, context.details) == (
        grpc.StatusCode.FAILED_PRECONDITION, "started_at is required for a new outage")

    projection_caught_up = service._availability._projection.catch_up()  # noqa: SLF001
    assert projection_caught_up == 3
    answer = await service.GetAvailability(pb.GetAvailabilityRequest(period="2026"), Context())
    assert answer.report.downtime.ToTimedelta() == timedelta(hours=1.5)
    assert answer.report.excluded_maintenance.ToTimedelta() == timedelta(hours=4)
    assert answer.report.met and answer.report.target_percent == 99.9
    assert [m.period for m in answer.months] == [f"2026-{m:02d}" for m in range(1, 13)]
    assert [m.downtime.ToTimedelta() for m in answer.months if m.period == "2026-10"] == [timedelta(hours=1.5)]
    assert [w.window_id for w in answer.windows] == ["w-oct"]
    assert [o.outage_id for o in answer.outages] == ["o-1"]
    with pytest.raises(InvalidArgument) as bad_period:
        await service.GetAvailability(pb.GetAvailabilityRequest(period="26"), Context())
    assert bad_period.value.violations[0].field == "period"


async def test_tickets_at_risk_and_compliance_over_the_api(sla, api, tmp_path):
    service, clock = api
    ticket_id = register(sla)  # P1 on 7x24: response 30 min, due 10:00 UTC
    scheduler = DeadlineScheduler(sla, tmp_path / "deadlines.sqlite", {THRESHOLD_DEADLINE: sla.escalate}, clock)
    try:
        clock.advance(timedelta(minutes=27))  # 80% at 24 min, 90% at 27 min
        for _ in range(2):  # each firing schedules the next threshold
            scheduler.catch_up()
            scheduler.fire_due()
    finally:
        scheduler.close()
    service._queries._projection.catch_up()  # noqa: SLF001

    answer = await service.ListTicketsAtRisk(pb.ListTicketsAtRiskRequest(min_percent=90), Context())
    [risk] = answer.tickets
    assert (risk.ticket_id, risk.target, risk.percent_elapsed, risk.time_left.ToTimedelta()) == (
        str(ticket_id), "response", 90.0, timedelta(minutes=3))
    assert (await service.ListTicketsAtRisk(pb.ListTicketsAtRiskRequest(min_percent=95), Context())).tickets == []
    with pytest.raises(InvalidArgument) as bad:
        await service.ListTicketsAtRisk(pb.ListTicketsAtRiskRequest(min_percent=101, limit=5000), Context())
    assert [v.field for v in bad.value.violations] == ["min_percent", "limit"]

    await service.UpdateTicket(update(ticket_id, "u-1", pb.UPDATE_KIND_FIRST_RESPONSE, 28), Context())
    service._queries._projection.catch_up()  # noqa: SLF001
    compliance = await service.GetCompliance(
        pb.GetComplianceRequest(period="2026-03", priority=PriorityPb.PRIORITY_P1), Context())
    [row] = compliance.rows
    assert (row.policy, row.target, row.met, row.breached, row.p95.ToTimedelta()) == (
        "SPT-001", "response", 1, 0, timedelta(minutes=28))
    with pytest.raises(InvalidArgument):
        await service.GetCompliance(pb.GetComplianceRequest(period="March"), Context())


async def test_another_customers_ticket_is_answered_as_an_unknown_one(sla, api):
    service, _ = api
    ticket_id, unknown = register(sla), uuid4()  # cust-7's
    answers = []
    with auth.acting_as(auth.Caller("u-1", "customer", auth.Tenant("customer_id", "cust-8"))):
        for target in (ticket_id, unknown):
            with pytest.raises(NotFound) as raised:
                await service.GetTicket(pb.GetTicketRequest(ticket_id=str(target)), None)
            answers.append(str(raised.value).replace(str(target), "<id>"))
    assert answers == ["ticket <id> not found"] * 2
    with auth.acting_as(auth.Caller("u-2", "customer", auth.Tenant("customer_id", "cust-7"))):
        own = await service.GetTicket(pb.GetTicketRequest(ticket_id=str(ticket_id)), None)
    assert own.ticket.customer_id == "cust-7"


async def plan_customer_window(service: SlaApi, clock: ManualClock) -> pb.MaintenanceWindow:
    """cust-9's emergency window of 2026-10-20 (an hour, not excluded), the clock on 11-01."""
    planned = await service.PlanMaintenance(
        pb.PlanMaintenanceRequest(
            window_id="c-1", kind=pb.MAINTENANCE_KIND_EMERGENCY, customer_id="cust-9",
            starts_at=stamp(datetime(2026, 10, 20, 14, tzinfo=UTC)),
            ends_at=stamp(datetime(2026, 10, 20, 15, tzinfo=UTC)),
            announced_at=stamp(datetime(2026, 10, 20, 11, tzinfo=UTC))),
        Context(),
    )
    service._availability._projection.catch_up()  # noqa: SLF001
    clock.advance(datetime(2026, 11, 1, tzinfo=UTC) - clock())  # downtime counts until now
    return planned.window


async def test_a_customer_s_window_shows_in_its_availability_only(sla, api):
    service, clock = api
    window = await plan_customer_window(service, clock)
    assert (window.customer_id, window.excluded) == ("cust-9", False)
    # The default agreement's window of October: Sun 10-11 02:00-06:00 Beijing.
    assert window.agreed_starts_at.ToDatetime(tzinfo=UTC) == datetime(2026, 10, 10, 18, tzinfo=UTC)
    assert window.agreed_ends_at.ToDatetime(tzinfo=UTC) == datetime(2026, 10, 10, 22, tzinfo=UTC)

    customer = await service.GetAvailability(
        pb.GetAvailabilityRequest(period="2026-10", customer_id="cust-9"), Context())
    everyone = await service.GetAvailability(pb.GetAvailabilityRequest(period="2026-10"), Context())

    assert ([w.window_id for w in customer.windows], customer.report.downtime.ToTimedelta()) == (
        ["c-1"], timedelta(hours=1))
    assert ([w.window_id for w in everyone.windows], everyone.report.downtime.ToTimedelta()) == (
        [], timedelta(0))


async def test_a_customer_gets_its_own_availability_and_another_s_as_an_unknown_one(sla, api):
    service, clock = api
    await plan_customer_window(service, clock)

    async def ask(customer_id: str, metadata) -> tuple[grpc.StatusCode, str, pb.GetAvailabilityResponse | None]:
        try:
            answer = await stub.GetAvailability(
                pb.GetAvailabilityRequest(period="2026-10", customer_id=customer_id), metadata=metadata)
        except grpc.aio.AioRpcError as error:
            return error.code(), error.details(), None
        return grpc.StatusCode.OK, "", answer

    cust_8 = ISSUER.metadata("customer", customer_id="cust-8")
    async with served(service) as stub:
        own = await ask("cust-9", ISSUER.metadata("customer", customer_id="cust-9"))
        another = await ask("cust-9", cust_8)  # cust-9 exists: it has a window
        unknown = await ask("cust-unknown", cust_8)
        everyone = await ask("", cust_8)  # a customer names itself; the service-wide windows are in its own
        operator = await ask("cust-unknown", ISSUER.metadata("operator"))

    code, _, report = own
    assert code == grpc.StatusCode.OK
    assert ([w.window_id for w in report.windows], report.report.downtime.ToTimedelta()) == (
        ["c-1"], timedelta(hours=1))
    assert another[:2] == (grpc.StatusCode.NOT_FOUND, "customer_id 'cust-9' not found")
    assert (unknown[0], unknown[1].replace("cust-unknown", "cust-9")) == another[:2]  # no existence leak
    assert everyone[:2] == (grpc.StatusCode.NOT_FOUND, "customer_id '' not found")
    code, _, report = operator  # staff see any customer's, an unknown one's the service-wide
    assert (code, list(report.windows), report.report.downtime.ToTimedelta()) == (
        grpc.StatusCode.OK, [], timedelta(0))
