"""Re-projection: the recorded lifecycle replayed under another clock or policy version,
hand-worked (Beijing time; 2026-09-25 is the Mid-Autumn holiday, 09-26/27 the weekend)."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from servicehub.events.v1.intake_pb2 import PRIORITY_P1
from servicehub.sla.v1 import sla_pb2
from servicehub_runtime.wallclock import ManualClock
from servicehub_sla.api import SlaApi
from servicehub_sla.availability import period_bounds
from servicehub_sla.domain import Priority, Update
from servicehub_sla.policy import PolicyBook
from servicehub_sla.projections import Availability, TicketQueries
from servicehub_sla.reprojection import Outcome, compliance, outcomes, tickets_in_log

from .conftest import ISSUER, served


def test_a_p1_ticket_breached_on_7x24_would_have_met_its_response_on_5x8(sla, calendar, at):
    # Opened Fri 17:59, first response Mon 09:10. On 7x24 the 30 min ran out Fri 18:29;
    # on 5x8 the clock starts Mon 09:00: 10 min taken.
    ticket_id = uuid4()
    sla.register_ticket(ticket_id=ticket_id, customer_id="c", priority=Priority.P1,
                        service_plan="7x24", opened_at=at("2026-09-25 17:59"))
    sla.update_ticket(ticket_id, "u1", Update("first-response", at("2026-09-28 09:10")))
    recorded = list(sla.notifications_after(0, 100))
    [events] = tickets_in_log(sla).values()
    policy = PolicyBook.load().get("SPT-001", 1)
    now = at("2026-10-31 00:00")

    assert outcomes(events, policy, calendar.clock("7x24"), now) == [
        Outcome(Priority.P1, "response", at("2026-09-28 09:10"), timedelta(days=2, hours=15, minutes=11),
                False, at("2026-09-25 18:29")),
    ]
    assert outcomes(events, policy, calendar.clock("5x8"), now) == [
        Outcome(Priority.P1, "response", at("2026-09-28 09:10"), timedelta(minutes=10), True, None),
    ]
    start, end = period_bounds("2026-09")
    [row] = compliance(policy, outcomes(events, policy, calendar.clock("5x8"), now), start, end)
    assert (row.priority, row.target, row.met, row.breached, row.taken[95]) == (
        "P1", "response", 1, 0, timedelta(minutes=10))
    [row] = compliance(policy, outcomes(events, policy, calendar.clock("7x24"), now), start, end)
    assert (row.met, row.breached) == (0, 1)
    assert list(sla.notifications_after(0, 100)) == recorded  # read only


def test_each_cycle_and_the_pause_and_priority_change_are_replayed(sla, calendar, at):
    # P3 opened Mon 10-12 09:00, responded 09:30, confirmed 10:00, waiting 11:00-13:00,
    # raised to P1 at 13:00, solved 14:00: resolution 4 h (P1), taken 2 h (10:00-11:00 and
    # 13:00-14:00). Reopened 15:00 and not answered: the new cycle's 30 min response runs
    # out 15:30.
    ticket_id = uuid4()
    sla.register_ticket(ticket_id=ticket_id, customer_id="c", priority=Priority.P3,
                        service_plan="7x24", opened_at=at("2026-10-12 09:00"))
    for n, (kind, when, extra) in enumerate([
        ("first-response", "09:30", {}), ("problem-confirmed", "10:00", {}),
        ("waiting-for-customer", "11:00", {"reason": "logs"}), ("customer-replied", "13:00", {}),
        ("priority-changed", "13:00", {"priority": Priority.P1}), ("solution-given", "14:00", {}),
        ("reopened", "15:00", {}),
    ]):
        sla.update_ticket(ticket_id, f"u{n}", Update(kind, at(f"2026-10-12 {when}"), **extra))
    [events] = tickets_in_log(sla).values()
    policy = PolicyBook.load().get("SPT-001", 1)

    assert outcomes(events, policy, calendar.clock("7x24"), at("2026-10-12 16:00")) == [
        Outcome(Priority.P1, "response", at("2026-10-12 09:30"), timedelta(minutes=30), True, None),
        Outcome(Priority.P1, "resolution", at("2026-10-12 14:00"), timedelta(hours=2), True, None),
        Outcome(Priority.P1, "response", None, None, False, at("2026-10-12 15:30")),
    ]


def test_the_cli_prints_the_period_s_compliance_under_another_clock(tmp_path, calendar, at, monkeypatch, capsys):
    from servicehub_sla.application import Sla
    from servicehub_sla.reprojection import main

    store = Sla(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "sla.sqlite")},
                calendar=calendar, policies=PolicyBook.load())
    ticket_id = uuid4()
    store.register_ticket(ticket_id=ticket_id, customer_id="c", priority=Priority.P1,
                          service_plan="7x24", opened_at=at("2026-09-25 17:59"))
    store.update_ticket(ticket_id, "u1", Update("first-response", at("2026-09-28 09:10")))
    store.close()
    monkeypatch.setenv("DATA_DIR", str(tmp_path))

    main(["--period", "2026-09", "--policy", "SPT-001", "--version", "1", "--clock", "5x8"])

    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("2026-09 under SPT-001 v1 on 5x8 (") and "1 tickets in" in lines[0]
    assert lines[1:] == ["priority target met breached p50 p90 p95", "P1 response 1 0 0:10:00 0:10:00 0:10:00"]


async def test_the_rpc_replays_the_log_as_the_cli_does_for_operators_only(sla, at):
    ticket_id = uuid4()
    sla.register_ticket(ticket_id=ticket_id, customer_id="c", priority=Priority.P1,
                        service_plan="7x24", opened_at=at("2026-09-25 17:59"))
    sla.update_ticket(ticket_id, "u1", Update("first-response", at("2026-09-28 09:10")))
    recorded = list(sla.notifications_after(0, 100))
    operator = ISSUER.metadata("operator")

    api = SlaApi(sla, ManualClock(at("2026-10-31 00:00")), Availability(None, sla.get_record), TicketQueries(None, sla))
    async with served(api) as stub:
        on_5x8 = await stub.ReprojectCompliance(sla_pb2.ReprojectComplianceRequest(
            period="2026-09", policy="SPT-001", policy_version=1, clock="5x8"), metadata=operator)
        as_recorded = await stub.ReprojectCompliance(sla_pb2.ReprojectComplianceRequest(
            period="2026-09", policy="SPT-001", policy_version=1), metadata=operator)
        with pytest.raises(grpc.aio.AioRpcError) as bad_clock:
            await stub.ReprojectCompliance(sla_pb2.ReprojectComplianceRequest(
                period="2026-09", policy="SPT-001", policy_version=1, clock="6x6"), metadata=operator)
        with pytest.raises(grpc.aio.AioRpcError) as unknown_version:
            await stub.ReprojectCompliance(sla_pb2.ReprojectComplianceRequest(
                period="2026-09", policy="SPT-001", policy_version=9), metadata=operator)
        with pytest.raises(grpc.aio.AioRpcError) as integrator:
            await stub.ReprojectCompliance(sla_pb2.ReprojectComplianceRequest(
                period="2026-09", policy="SPT-001", policy_version=1),
                metadata=ISSUER.metadata("integrator-system"))

    assert (on_5x8.policy, on_5x8.policy_version, on_5x8.clock, on_5x8.tickets) == ("SPT-001", 1, "5x8", 1)
    assert on_5x8.calendar_version == sla.calendar_version
    assert on_5x8.events == len([n for n in recorded if ":Ticket." in n.topic])
    assert [(r.priority, r.target, r.met, r.breached, r.p95.ToTimedelta()) for r in on_5x8.rows] == [
        (PRIORITY_P1, "response", 1, 0, timedelta(minutes=10))]
    assert as_recorded.clock == "7x24"
    assert [(r.met, r.breached) for r in as_recorded.rows] == [(0, 1)]
    assert bad_clock.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert violations(bad_clock.value)[0][0] == "clock"
    assert unknown_version.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert violations(unknown_version.value) == [
        ("policy_version", "policy SPT-001 version 9 is not in the policy file")]
    assert integrator.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert list(sla.notifications_after(0, 100)) == recorded  # read only


def violations(error: grpc.aio.AioRpcError) -> list[tuple[str, str]]:
    (detail,) = rpc_status.from_call(error).details
    bad_request = error_details_pb2.BadRequest()
    detail.Unpack(bad_request)
    return [(v.field, v.description) for v in bad_request.field_violations]
