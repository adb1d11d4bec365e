"""Operators' view against the real thing: a Prometheus scraping the four running services.

Every query of every generated dashboard (deploy/grafana/dashboards) must return data — at least
one finite value — with no query error, and the alert rules (deploy/prometheus/rules) must load,
evaluate without errors and fire on a real dead letter.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import time
import uuid
from pathlib import Path

import grpc
import pytest
from google.protobuf.message import DecodeError
from google.protobuf.timestamp_pb2 import Timestamp

from servicehub.billing.v1 import billing_pb2
from servicehub.certification.v1 import certification_pb2
from servicehub.events.v1 import intake_pb2 as events
from servicehub.events.v1 import sla_pb2 as sla_events
from servicehub.intake.v1 import intake_pb2
from servicehub.sla.v1 import sla_pb2
from servicehub_localinfra import LocalPrometheus
from servicehub_localinfra.services import SERVICES

ROOT = Path(__file__).resolve().parents[2]
DASHBOARDS = sorted((ROOT / "deploy" / "grafana" / "dashboards").glob("*.json"))
RULE_FILES = sorted((ROOT / "deploy" / "prometheus" / "rules").glob("*.yml"))
# Grafana's variables, as an operator looking at everything over the last minutes would have
# them: all services, and a rate window covering the traffic this test drives.
VARIABLES = {"$__rate_interval": "5m", "$service": ".+"}
POISON = b"\x0a\xff\x01not protobuf"  # field 1 claims 255 bytes that are not there
POISON_TOPIC = "intake.ticket-requests.v1"
DEAD_LETTERED = (
    f'servicehub_messages_total{{service="intake", topic="{POISON_TOPIC}", outcome="dead_lettered"}}'
)


@pytest.fixture(scope="module")
def prometheus(system):
    targets = {name: f"127.0.0.1:{service.metrics_port}" for name, service in system.services.items()}
    with LocalPrometheus(targets, rule_files=RULE_FILES, scrape_interval="1s") as server:
        yield server


def grafana_to_promql(expr: str) -> str:
    for variable, value in VARIABLES.items():
        expr = expr.replace(variable, value)
    assert "$" not in expr, f"a dashboard variable this test does not know: {expr}"
    return expr


def dashboard_queries() -> list[tuple[str, str, str]]:
    """(dashboard, panel, PromQL) for every panel target; (dashboard, variable, query) for
    every templating query."""
    queries = []
    for path in DASHBOARDS:
        dashboard = json.loads(path.read_text())
        for variable in dashboard.get("templating", {}).get("list", []):
            queries.append((dashboard["title"], f"${variable['name']}", variable["query"]))
        for panel in dashboard["panels"]:
            for target in panel.get("targets", []):
                queries.append((dashboard["title"], panel["title"], grafana_to_promql(target["expr"])))
    return queries


def has_data(prometheus: LocalPrometheus, query: str) -> bool:
    """True when the query returns a finite value; a query error raises PrometheusError."""
    label_values = re.fullmatch(r"label_values\((.+),\s*(\w+)\)", query)
    if label_values:  # a Grafana variable query: Prometheus' label values API answers it
        selector, label = label_values.groups()
        return bool(prometheus.api(f"label/{label}/values", **{"match[]": selector}))
    result = prometheus.api("query", query=query)["result"]
    return any(math.isfinite(float(sample["value"][1])) for sample in result)


async def send_poison(producer, helpers) -> str:
    ce_id = helpers.unique("poison")
    await producer.send_and_wait(
        POISON_TOPIC,
        POISON,
        key=helpers.unique("poison").encode(),
        headers=[
            ("ce_specversion", b"1.0"),
            ("ce_id", ce_id.encode()),
            ("ce_type", b"servicehub.intake.v1.OpenTicketRequest"),
            ("ce_source", b"/tests"),
            ("content-type", b"application/protobuf"),
        ],
    )
    return ce_id


async def drive_every_flow(clients, producer, helpers, bootstrap_servers) -> None:
    """A little of everything the overview shows, until every service has handled it: all
    three flows through intake, an answer other than OK, a dead letter, a maintenance window,
    and the ticket's response target firing (the session's sla policy gives P1 tickets 15 s)."""
    intake = clients["intake"]
    application = await intake.SubmitApplication(
        intake_pb2.SubmitApplicationRequest(
            idempotency_key=helpers.unique("dash-app"),
            partner_id=helpers.unique("partner"),
            partner_name="Dashboard Partner",
            corporate_email="ops@dashboard-partner.example",
            evidence=[events.Evidence(criterion="c", document_uri="d")],
        ),
        timeout=10,
    )
    ticket = await intake.OpenTicket(
        intake_pb2.OpenTicketRequest(
            idempotency_key=helpers.unique("dash-ticket"),
            customer_id="customer-1",
            priority=events.PRIORITY_P1,
            summary="Primary database unreachable",
            service_plan="7x24",
        ),
        timeout=10,
    )
    order = await intake.OrderService(
        intake_pb2.OrderServiceRequest(
            idempotency_key=helpers.unique("dash-order"),
            customer_id="customer-1",
            service_code="cloud-escort",
            package="standard",
            contract_signed_on="2026-12-01",
        ),
        timeout=10,
    )
    with pytest.raises(grpc.aio.AioRpcError) as unknown:
        await clients["certification"].GetApplication(
            certification_pb2.GetApplicationRequest(application_id=str(uuid.uuid4())), timeout=5
        )
    assert unknown.value.code() == grpc.StatusCode.NOT_FOUND
    poison = await send_poison(producer, helpers)
    # Maintenance starting now, announced now (late: emergency needs 2 h), one customer's so
    # that the service-wide availability stays as the other tests leave it.
    now = int(time.time())
    await clients["sla"].PlanMaintenance(
        sla_pb2.PlanMaintenanceRequest(
            window_id=helpers.unique("dash-window"),
            kind=sla_pb2.MAINTENANCE_KIND_EMERGENCY,
            starts_at=Timestamp(seconds=now),
            ends_at=Timestamp(seconds=now + 60),
            announced_at=Timestamp(seconds=now),
            description="dashboard test",
            customer_id="customer-dashboards",
        ),
        timeout=10,
    )

    certification, sla, billing = clients["certification"], clients["sla"], clients["billing"]
    await helpers.eventually(
        lambda: certification.GetApplication(
            certification_pb2.GetApplicationRequest(application_id=application.application_id), timeout=5
        ),
        what="application in certification",
    )
    await helpers.eventually(
        lambda: sla.GetTicket(sla_pb2.GetTicketRequest(ticket_id=ticket.ticket_id), timeout=5),
        what="ticket in sla",
    )
    await helpers.eventually(
        lambda: billing.GetProject(billing_pb2.GetProjectRequest(project_id=order.order_id), timeout=5),
        what="project in billing",
    )

    async def dead_lettered():
        records = await helpers.read_topic(bootstrap_servers, "intake.dead-letter.v1")
        return [r for r in records if helpers.headers_of(r).get("ce_id") == poison]

    await helpers.eventually(dead_lettered, what="the poison record dead-lettered")

    async def breached():
        records = await helpers.read_topic(bootstrap_servers, "sla.sla-breached.v1")
        return [r for r in records if _breach_of(r) == ticket.ticket_id]

    await helpers.eventually(breached, interval=1, what="the ticket's response target fired")


def _breach_of(record) -> str | None:
    """The ticket id of an SlaBreached record; None for anything else on the topic (other
    tests put hostile records on the shared broker's topics)."""
    try:
        return sla_events.SlaBreached.FromString(record.value or b"").ticket_id
    except DecodeError:
        return None


async def scraped_since(prometheus: LocalPrometheus, moment: float) -> bool:
    """True once Prometheus has scraped every service after ``moment`` (Unix time)."""
    query = f"min(timestamp(up)) and count(up) == {len(SERVICES)}"
    result = (await asyncio.to_thread(prometheus.api, "query", query=query))["result"]
    return bool(result) and float(result[0]["value"][1]) > moment


async def test_every_dashboard_query_returns_data(
    prometheus, clients, producer, helpers, bootstrap_servers
):
    queries = dashboard_queries()
    assert len(DASHBOARDS) >= 1 and queries
    # Twice: a service creates a labelled series with its first observation, so a rate (and a
    # latency quantile) is only defined once Prometheus has seen the series before a change.
    await drive_every_flow(clients, producer, helpers, bootstrap_servers)
    handled = time.time()
    await helpers.eventually(lambda: scraped_since(prometheus, handled), what="a scrape of every service")
    await drive_every_flow(clients, producer, helpers, bootstrap_servers)

    pending = list(queries)

    async def all_have_data():
        nonlocal pending
        answered = await asyncio.gather(*(asyncio.to_thread(has_data, prometheus, q) for *_, q in pending))
        pending = [query for query, ok in zip(pending, answered) if not ok]
        return not pending

    try:
        await helpers.eventually(all_have_data, timeout=90, interval=1, what="data for every query")
    except AssertionError:
        raise AssertionError(
            "dashboard queries without data:\n" + "\n".join(f"  {d} / {p}: {q}" for d, p, q in pending)
        ) from None
    panels = {(d, p) for d, p, _ in queries if not p.startswith("$")}
    print(f"{len(DASHBOARDS)} dashboard(s), {len(panels)} panels, {len(queries)} queries: all return data")


async def test_alert_rules_load_evaluate_and_fire_on_a_dead_letter(prometheus, producer, helpers):
    alerts_in_files = {
        name
        for path in RULE_FILES
        for name in re.findall(r"^\s*- alert: (\w+)$", path.read_text(), flags=re.MULTILINE)
    }
    assert alerts_in_files

    def rules() -> dict[str, dict]:
        groups = prometheus.api("rules")["groups"]
        return {rule["name"]: rule for group in groups for rule in group["rules"]}

    async def all_evaluated():
        loaded = await asyncio.to_thread(rules)
        evaluated = all(r["lastEvaluation"] > "2000" for r in loaded.values())
        return loaded if loaded and evaluated else None

    loaded = await helpers.eventually(all_evaluated, timeout=60, what="every rule evaluated")
    assert set(loaded) == alerts_in_files
    for name, rule in loaded.items():
        assert (rule["health"], rule.get("lastError", "")) == ("ok", ""), name

    # all four services are up, so "service down" stays quiet
    async def services_up() -> list[str]:
        up = await asyncio.to_thread(prometheus.api, "query", query="up == 1")
        return sorted(sample["metric"]["service"] for sample in up["result"])

    await helpers.eventually(lambda: _equal(services_up, sorted(SERVICES)),
                             timeout=60, what="all four services scraped")  # fmt: skip
    loaded = await helpers.eventually(all_evaluated, timeout=60, what="every rule evaluated again")
    assert loaded["ServicehubServiceDown"]["state"] == "inactive"

    # the calendar alert follows the real calendar: pending (it waits 10 minutes) below 60 days
    horizon = await asyncio.to_thread(
        prometheus.api, "query", query="min(servicehub_business_calendar_horizon_days)"
    )
    days_left = float(horizon["result"][0]["value"][1])
    expected = "pending" if days_left < 60 else "inactive"
    assert loaded["ServicehubBusinessCalendarHorizonNear"]["state"] == expected, days_left

    # a dead letter on a series Prometheus already sees fires at the next evaluation
    await send_poison(producer, helpers)

    async def dead_lettered() -> float:
        result = (await asyncio.to_thread(prometheus.api, "query", query=DEAD_LETTERED))["result"]
        return float(result[0]["value"][1]) if result else 0.0

    seen = await helpers.eventually(dead_lettered, timeout=60, what="a dead letter in Prometheus")
    await send_poison(producer, helpers)
    await helpers.eventually(
        lambda: _above(dead_lettered, seen), timeout=60, what="the second dead letter in Prometheus"
    )

    async def dead_letter_alert():
        alerts = (await asyncio.to_thread(prometheus.api, "alerts"))["alerts"]
        return [
            a
            for a in alerts
            if a["labels"]["alertname"] == "ServicehubDeadLetters"
            and a["labels"].get("service") == "intake"
            and a["labels"].get("topic") == POISON_TOPIC
            and a["state"] == "firing"
        ]

    firing = await helpers.eventually(dead_letter_alert, timeout=60, what="ServicehubDeadLetters firing")
    assert firing[0]["labels"]["severity"] == "warning"
    assert "intake.dead-letter.v1" in firing[0]["annotations"]["description"]


async def _above(read, threshold: float) -> bool:
    return await read() > threshold


async def _equal(read, expected) -> bool:
    return await read() == expected
