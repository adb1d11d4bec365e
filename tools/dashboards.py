"""Grafana dashboards as code: writes deploy/grafana/dashboards/*.json (`make dashboards`).

    python tools/dashboards.py          # regenerate the JSON files
    python tools/dashboards.py --check  # fail if a committed file differs (in `make test`)

Built with grafana-foundation-sdk. Every panel queries the Prometheus datasource provisioned by
deploy/grafana/provisioning/ (uid "servicehub-prometheus"), and every query may only use the
variables below: tests/integration/test_dashboards.py runs each one against a Prometheus
scraping the running system and fails on an empty result or a query error.

Each service is its own job with a "service" label, both its name (servicehub_localinfra's
Prometheus and the Prometheus operator's ServiceMonitor alike).
Metric names come from libs/runtime/src/servicehub_runtime/metrics.py and the calendar gauge
from servicehub_runtime.businesstime.horizon. To add a dashboard (SLA operations,
certification, billing), write a function returning a Dashboard builder and list it in
DASHBOARDS; reuse calendar_horizon_panel() on every dashboard of a service with deadlines.
A service's business metrics come from its own metrics.py (services/<name>/src/.../metrics.py),
computed from a read model: every instance reports the same numbers, so queries take the max
over instances.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from grafana_foundation_sdk.builders import common, dashboard, prometheus, stat, timeseries
from grafana_foundation_sdk.builders.dashboard import Dashboard
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.common import GraphTresholdsStyleMode
from grafana_foundation_sdk.models.dashboard import (
    DashboardCursorSync,
    DataSourceRef,
    Threshold,
    ThresholdsMode,
    ValueMap,
    ValueMappingResult,
    VariableRefresh,
    VariableSort,
)

from servicehub_registry import SERVICES

OUT = Path(__file__).resolve().parent.parent / "deploy" / "grafana" / "dashboards"
DATASOURCE = DataSourceRef(type_val="prometheus", uid="servicehub-prometheus")
SERVICE = 'service=~"$service"'  # every query's selector
OUR_JOBS = f'job=~"{"|".join(SERVICES)}"'  # servicehub's targets, not others on the Prometheus
CALENDAR_HORIZON_ALERT_DAYS = 60
AVAILABILITY_TARGET = 0.999  # servicehub_sla.availability.TARGET_PERCENT / 100  # deploy/prometheus/rules: ServicehubBusinessCalendarHorizonNear


def query(expr: str, legend: str, ref_id: str = "A") -> prometheus.Dataquery:
    return prometheus.Dataquery().expr(expr).legend_format(legend).ref_id(ref_id)


def graph(title: str, description: str, unit: str, *queries: prometheus.Dataquery):
    panel = (
        timeseries.Panel()
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .unit(unit)
        .min(0)
        .span(12)
        .height(8)
    )
    for q in queries:
        panel = panel.with_target(q)
    return panel


def quantiles(histogram: str, by: str, legend: str) -> list[prometheus.Dataquery]:
    """p50 and p99 of a histogram over the rate interval, per ``by`` labels."""
    return [
        query(
            f"histogram_quantile({q}, sum by ({by}, le) "
            f"(rate({histogram}_bucket{{{SERVICE}}}[$__rate_interval])))",
            f"p{round(q * 100)} {legend}",
            ref_id,
        )
        for q, ref_id in ((0.5, "A"), (0.99, "B"))
    ]


def thresholds(*steps: tuple[float | None, str]) -> dashboard.ThresholdsConfig:
    return (
        dashboard.ThresholdsConfig()
        .mode(ThresholdsMode.ABSOLUTE)
        .steps([Threshold(value=value, color=color) for value, color in steps])
    )


def service_variable() -> dashboard.QueryVariable:
    return (
        dashboard.QueryVariable("service")
        .label("service")
        .datasource(DATASOURCE)
        .query(f"label_values(up{{{OUR_JOBS}}}, service)")
        .refresh(VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(VariableSort.ALPHABETICAL_ASC)
        .multi(True)
        .include_all(True)
        .all_value(".+")
    )


def calendar_horizon_panel(selector: str = SERVICE) -> stat.Panel:
    """Days left in each service's business calendar; red below the alert's threshold."""
    return (
        stat.Panel()
        .title("Business calendar horizon")
        .description(
            "Days from today (Beijing) to the last day the business calendar has official data "
            f"for. Below {CALENDAR_HORIZON_ALERT_DAYS} days an alert fires: install an override "
            "file for the next year (BUSINESS_CALENDAR_OVERRIDE)."
        )
        .datasource(DATASOURCE)
        .with_target(
            query(
                "min by (service, calendar_version) "
                f"(servicehub_business_calendar_horizon_days{{{selector}}})",
                "{{service}} {{calendar_version}}",
            )
        )
        .unit("d")
        .thresholds(
            thresholds(
                (None, "red"), (CALENDAR_HORIZON_ALERT_DAYS, "orange"),
                (2 * CALENDAR_HORIZON_ALERT_DAYS, "green"),
            )  # fmt: skip
        )
        .span(12)
        .height(5)
    )


def system_overview() -> Dashboard:
    up = (
        stat.Panel()
        .title("Up")
        .description("Whether Prometheus reaches each service's /metrics (alert: 0 for 1 minute).")
        .datasource(DATASOURCE)
        .with_target(query(f"up{{{OUR_JOBS}, {SERVICE}}}", "{{service}}"))
        .mappings(
            [ValueMap({"0": ValueMappingResult(text="DOWN", color="red"),
                       "1": ValueMappingResult(text="UP", color="green")})]
        )  # fmt: skip
        .thresholds(thresholds((None, "red"), (1, "green")))
        .span(12)
        .height(5)
    )
    messages = "servicehub_messages_total"
    return (
        Dashboard("servicehub / System overview")
        .uid("servicehub-overview")
        .description("Every service: health, Kafka consumers, outbox relay, deadlines, gRPC API.")
        .tags(["servicehub"])
        .time("now-1h", "now")
        .refresh("30s")
        .tooltip(DashboardCursorSync.CROSSHAIR)
        .with_variable(service_variable())
        .with_row(dashboard.Row("Health"))
        .with_panel(up)
        .with_panel(calendar_horizon_panel())
        .with_row(dashboard.Row("Kafka consumers"))
        .with_panel(
            graph(
                "Consumed messages by outcome",
                "processed, duplicate (a redelivery recognised by its tracking record), "
                "dead_lettered, failed (will be redelivered).",
                "ops",
                query(
                    f"sum by (service, outcome) (rate({messages}{{{SERVICE}}}[$__rate_interval]))",
                    "{{service}} {{outcome}}",
                ),
            )
        )
        .with_panel(
            graph(
                "Dead-lettered messages",
                "Records copied to <service>.dead-letter.v1 (reason in the dlq_reason header), "
                "by the topic they came from. Any of them fires ServicehubDeadLetters.",
                "ops",
                query(
                    f'sum by (service, topic) (rate({messages}{{{SERVICE}, outcome="dead_lettered"}}'
                    "[$__rate_interval]))",
                    "{{service}} {{topic}}",
                ),
            )
        )
        .with_panel(
            graph(
                "Handler latency",
                "Time to handle one consumed message, including its event-store transaction.",
                "s",
                *quantiles("servicehub_message_handler_seconds", "service, topic",
                           "{{service}} {{topic}}"),
            )  # fmt: skip
        )
        .with_panel(
            graph(
                "Consumer lag",
                "Records on each consumed topic the service's consumer group has not committed "
                "yet, summed over partitions (measured every 5 s, so a stopped consumer shows).",
                "short",
                query(
                    "sum by (service, topic) (max by (service, topic, partition) "
                    f"(servicehub_consumer_lag_messages{{{SERVICE}}}))",
                    "{{service}} {{topic}}",
                ),
            )
        )
        .with_panel(
            graph(
                "Oldest unprocessed record",
                "Age of the oldest record of a partition not yet processed or dead-lettered, "
                "0 when caught up; it grows while a partition is stuck "
                "(alert ServicehubConsumerPartitionStuck above 5 minutes).",
                "s",
                query(
                    "max by (service, topic) "
                    f"(servicehub_consumer_oldest_unprocessed_age_seconds{{{SERVICE}}})",
                    "{{service}} {{topic}}",
                ),
            )
        )
        .with_row(dashboard.Row("Outbox relay"))
        .with_panel(
            graph(
                "Relay backlog",
                "Recorded events the outbox relay has not published yet.",
                "short",
                query(f"servicehub_relay_backlog_events{{{SERVICE}}}", "{{service}}"),
            )
        )
        .with_panel(
            graph(
                "Published events",
                "Events the relay published and the broker acknowledged, by topic.",
                "ops",
                query(
                    "sum by (service, topic) "
                    f"(rate(servicehub_relay_published_total{{{SERVICE}}}[$__rate_interval]))",
                    "{{service}} {{topic}}",
                ),
            )
        )
        .with_panel(
            graph(
                "Relay blocked for",
                "How long the outbox relay has been failing to publish, 0 while it publishes "
                "(alert ServicehubRelayBlocked above 2 minutes).",
                "s",
                query(f"servicehub_relay_blocked_seconds{{{SERVICE}}}", "{{service}}"),
            )
        )
        .with_row(dashboard.Row("Deadlines"))
        .with_panel(
            graph(
                "Pending deadlines",
                "Deadlines scheduled (e.g. sla's response targets) and not yet fired or cancelled.",
                "short",
                query(
                    f"sum by (service, kind) (servicehub_deadlines_pending{{{SERVICE}}})",
                    "{{service}} {{kind}}",
                ),
            )
        )
        .with_panel(
            graph(
                "Deadline firings by outcome",
                "recorded, already_recorded (a re-fire after a crash), failed (retried).",
                "ops",
                query(
                    "sum by (service, kind, outcome) "
                    f"(rate(servicehub_deadlines_fired_total{{{SERVICE}}}[$__rate_interval]))",
                    "{{service}} {{kind}} {{outcome}}",
                ),
            )
        )
        .with_panel(
            graph(
                "Deadline lateness",
                "Fired instant minus due instant (alert ServicehubDeadlinesFiringLate: p99 above "
                "5 s).",
                "s",
                *quantiles("servicehub_deadline_lateness_seconds", "service, kind",
                           "{{service}} {{kind}}"),
            )  # fmt: skip
        )
        .with_row(dashboard.Row("gRPC API"))
        .with_panel(
            graph(
                "gRPC requests by method and code",
                "Calls handled, by method and status code.",
                "reqps",
                query(
                    "sum by (service, method, code) "
                    f"(rate(servicehub_grpc_requests_total{{{SERVICE}}}[$__rate_interval]))",
                    "{{method}} {{code}}",
                ),
            )
        )
        .with_panel(
            graph(
                "gRPC errors by method and code",
                "Calls answered with a status other than OK (INVALID_ARGUMENT, NOT_FOUND, ...).",
                "reqps",
                query(
                    "sum by (service, method, code) (rate(servicehub_grpc_requests_total"
                    f'{{{SERVICE}, code!="OK"}}[$__rate_interval]))',
                    "{{method}} {{code}}",
                ),
            )
        )
        .with_panel(
            graph(
                "gRPC latency by method",
                "Call duration by method.",
                "s",
                *quantiles("servicehub_grpc_request_seconds", "service, method", "{{method}}"),
            )
        )
    )


def business_dashboard(service: str, title: str, description: str) -> Dashboard:
    """A dashboard of one service's business metrics, with its calendar horizon first."""
    return (
        Dashboard(f"servicehub / {title}")
        .uid(f"servicehub-{service}")
        .description(description)
        .tags(["servicehub", service])
        .time("now-6h", "now")
        .refresh("1m")
        .tooltip(DashboardCursorSync.CROSSHAIR)
        .with_row(dashboard.Row("Health"))
        .with_panel(calendar_horizon_panel(f'service="{service}"'))
    )


def latest(metric: str, service: str, by: str) -> str:
    """The value every instance reports from the service's read model, once per label set."""
    return f'max by ({by}) ({metric}{{service="{service}"}})'


def recent(counter: str, service: str, by: str, window: str) -> str:
    """How much a read-model total grew within `window`, per `by` labels: summed over the
    other labels within an instance, then the max over instances (they report the same)."""
    per_instance = ", ".join(label for label in (by, "instance") if label)
    inner = f"sum by ({per_instance}) (increase({counter}{{service=\"{service}\"}}[{window}]))"
    return f"max by ({by}) ({inner})" if by else f"max({inner})"


def sla_operations() -> Dashboard:
    breached = 'sum(max by (priority) (increase(servicehub_sla_breaches_total{service="sla"}[%s])))'
    met = 'sum(max by (priority) (increase(servicehub_sla_targets_met_total{service="sla"}[%s])))'
    this_month = 'sum(max by (priority) (servicehub_sla_targets_this_month{service="sla",outcome="%s"}))'
    notices = 'sum by (period) (max by (period, kind, on_time) (servicehub_sla_maintenance_notices{service="sla",on_time=~"%s"}))'
    return (
        business_dashboard(
            "sla", "SLA operations",
            "Open tickets, tickets at risk, escalations, breaches and compliance (sla's read model).",
        )
        .with_row(dashboard.Row("Tickets"))
        .with_panel(
            graph(
                "Open tickets by priority and policy",
                "Tickets not yet closed by both the dispatch engineer and the customer, by "
                "priority and the SLA policy (id) they run on.",
                "short",
                query(latest("servicehub_sla_open_tickets", "sla", "priority, policy"),
                      "{{priority}} {{policy}}"),
            )
        )
        .with_panel(
            graph(
                "Tickets at risk by priority",
                "Tickets whose running target passed an escalation threshold and has not run out "
                "yet (the list: sla's ListTicketsAtRisk).",
                "short",
                query(latest("servicehub_sla_tickets_at_risk", "sla", "priority"), "{{priority}}"),
            )
        )
        .with_row(dashboard.Row("Escalations and breaches"))
        .with_panel(
            graph(
                "Escalations by threshold (last hour)",
                "Escalations recorded, by the policy threshold (percent of the target) reached.",
                "short",
                query(
                    recent("servicehub_sla_escalations_total", "sla", "threshold_percent", "1h"),
                    "{{threshold_percent}} %",
                ),
            )
        )
        .with_panel(
            graph(
                "Breaches by priority (last hour)",
                "Targets that ran out.",
                "short",
                query(recent("servicehub_sla_breaches_total", "sla", "priority", "1h"), "{{priority}}"),
            )
        )
        .with_panel(
            graph(
                "Breach rate (last hour)",
                "Breaches ÷ (breaches + targets met) over the last hour (alert "
                "ServicehubSlaBreachRateHigh above 10 % with at least 3 breaches).",
                "percentunit",
                query(f"{breached % '1h'} / ({breached % '1h'} + {met % '1h'})", "breach rate"),
            )
        )
        .with_panel(
            stat.Panel()
            .title("Compliance this month")
            .description(
                "Targets met ÷ (targets met + breaches) in the current calendar month, Beijing "
                "(sla's read model: PromQL ranges cannot start at the 1st); empty on the 1st "
                "until a target ends."
            )
            .datasource(DATASOURCE)
            .with_target(query(f"{this_month % 'met'} / ({this_month % 'met'} + {this_month % 'breached'})",
                               "compliance"))
            .unit("percentunit")
            .thresholds(thresholds((None, "red"), (0.9, "orange"), (0.95, "green")))
            .span(12)
            .height(5)
        )
        .with_panel(
            stat.Panel()
            .title("Compliance (last 30 days)")
            .description("Targets met ÷ (targets met + breaches) over the last 30 days.")
            .datasource(DATASOURCE)
            .with_target(query(f"{met % '30d'} / ({met % '30d'} + {breached % '30d'})", "compliance"))
            .unit("percentunit")
            .thresholds(thresholds((None, "red"), (0.9, "orange"), (0.95, "green")))
            .span(12)
            .height(5)
        )
        .with_row(dashboard.Row("Availability and maintenance"))
        .with_panel(
            graph(
                "Availability against 99.9 %",
                "Service-wide availability of the current calendar month and year (Beijing), as "
                "sla's GetAvailability reports it: downtime (outages, maintenance not as agreed) "
                "÷ measured time (the period less planned maintenance announced in time in the "
                "agreed window). The red line is the agreement's 99.9 %.",
                "percentunit",
                query(latest("servicehub_sla_availability_ratio", "sla", "period"), "this {{period}}"),
            )
            .min(None)  # not 0: the 99.9 % line would sit at the top edge
            .axis_soft_min(0.99)
            .thresholds(thresholds((None, "red"), (AVAILABILITY_TARGET, "green")))
            .thresholds_style(common.GraphThresholdsStyleConfig().mode(GraphTresholdsStyleMode.LINE))
        )
        .with_panel(
            graph(
                "Maintenance-notice compliance",
                "Share of the maintenance windows starting this calendar month / year (Beijing) "
                "that were announced in time (planned 72 h, emergency 2 h ahead; sla's "
                "PlanMaintenance records when each was announced). No value while none starts in "
                "the period.",
                "percentunit",
                query(f"{notices % 'true'} / {notices % '.+'}", "this {{period}}"),
            )
        )
        .with_panel(
            graph(
                "Maintenance windows by notice",
                "Maintenance windows starting this calendar month / year, by kind and whether "
                "they were announced in time.",
                "short",
                query(latest("servicehub_sla_maintenance_notices", "sla", "period, kind, on_time"),
                      "this {{period}}: {{kind}}, on time {{on_time}}"),
            )
        )
    )


def certification_dashboard() -> Dashboard:
    return (
        business_dashboard(
            "certification", "Certification",
            "Applications by step, overdue clarifications, certificates and their ends "
            "(certification's read model).",
        )
        .with_row(dashboard.Row("Applications"))
        .with_panel(
            graph(
                "Applications by step",
                "in_review: clarifications and expert reports; awaiting_pre_check and "
                "awaiting_partner_confirmation: issuance.",
                "short",
                query(latest("servicehub_certification_applications", "certification", "step"), "{{step}}"),
            )
        )
        .with_panel(
            graph(
                "Clarification requests past their deadline",
                "Open clarification requests the partner did not answer in time.",
                "short",
                query('max(servicehub_certification_clarifications_overdue{service="certification"})',
                      "overdue"),
            )
        )
        .with_row(dashboard.Row("Certificates"))
        .with_panel(
            graph(
                "Certificates by step",
                "valid, recertification due (the window before the end is open), expired, revoked.",
                "short",
                query(latest("servicehub_certification_certificates", "certification", "step"), "{{step}}"),
            )
        )
        .with_panel(
            graph(
                "Certificates ending within 30 / 60 days",
                "Valid certificates (or in their recertification window) whose validity ends soon.",
                "short",
                query(latest("servicehub_certification_certificates_expiring", "certification", "within_days"),
                      "within {{within_days}} days"),
            )
        )
        .with_panel(
            graph(
                "Certificates issued and recertifications due (last day)",
                "Certificates issued, and recertification windows opened, in the last 24 hours.",
                "short",
                query(recent("servicehub_certification_certificates_issued_total", "certification", "", "1d"),
                      "issued"),
                query(recent("servicehub_certification_recertifications_due_total", "certification", "", "1d"),
                      "recertification due", "B"),
            )
        )
        .with_panel(
            graph(
                "Certificates renewed (last day)",
                "Certificates renewed by a recertification (its partner confirmed the details) in "
                "the last 24 hours; compare with the recertification windows opened a month before.",
                "short",
                query(recent("servicehub_certification_certificates_renewed_total", "certification", "", "1d"),
                      "renewed"),
            )
        )
    )


def billing_dashboard() -> Dashboard:
    return (
        business_dashboard(
            "billing", "Billing",
            "Projects, deliverables awaiting acceptance, deemed acceptances, non-conformance "
            "rounds, invoices and credit notes (billing's read model).",
        )
        .with_row(dashboard.Row("Acceptance"))
        .with_panel(
            graph(
                "Projects by state",
                "planned, or rejected (the requested start breaks the lead time).",
                "short",
                query(latest("servicehub_billing_projects", "billing", "state"), "{{state}}"),
            )
        )
        .with_panel(
            graph(
                "Deliverables by acceptance state",
                "submitted: awaiting the customer; points_raised / points_answered: an open "
                "non-conformance round; accepted.",
                "short",
                query(latest("servicehub_billing_deliverables", "billing", "state"), "{{state}}"),
            )
        )
        .with_panel(
            graph(
                "Acceptance windows ending within 1 / 7 days",
                "Deliverables awaiting acceptance whose window ends soon; silence then deems them "
                "accepted where the terms say so.",
                "short",
                query(latest("servicehub_billing_acceptance_windows_ending", "billing", "within_days"),
                      "within {{within_days}} days"),
            )
        )
        .with_panel(
            graph(
                "Acceptances, deemed or written (last day)",
                "Deliverables accepted in the last 24 hours, by how.",
                "short",
                query(recent("servicehub_billing_acceptances_total", "billing", "how", "1d"), "{{how}}"),
            )
        )
        .with_panel(
            graph(
                "Overdue non-conformance answers and meetings (last day)",
                "Answers to raised points, and meetings about points raised again, not done in time.",
                "short",
                query(recent("servicehub_billing_acceptance_overdue_total", "billing", "kind", "1d"), "{{kind}}"),
            )
        )
        .with_row(dashboard.Row("Invoicing"))
        .with_panel(
            graph(
                "Invoices and credit notes issued (last day)",
                "Invoices (a package accepted, on-site days) and credit notes (corrections).",
                "short",
                query(recent("servicehub_billing_invoices_issued_total", "billing", "", "1d"), "invoices"),
                query(recent("servicehub_billing_credit_notes_issued_total", "billing", "", "1d"),
                      "credit notes", "B"),
            )
        )
        .with_panel(
            graph(
                "Amounts invoiced and credited (last day)",
                "Totals of the invoices and credit notes issued in the last 24 hours, CNY.",
                "currencyCNY",
                query(recent("servicehub_billing_invoiced_yuan_total", "billing", "", "1d"), "invoiced"),
                query(recent("servicehub_billing_credited_yuan_total", "billing", "", "1d"), "credited", "B"),
            )
        )
    )


DASHBOARDS: dict[str, Callable[[], Dashboard]] = {
    "servicehub-overview.json": system_overview,
    "servicehub-sla.json": sla_operations,
    "servicehub-certification.json": certification_dashboard,
    "servicehub-billing.json": billing_dashboard,
}


def render(build: Callable[[], Dashboard]) -> str:
    return json.dumps(build().build(), cls=JSONEncoder, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/dashboards.py")
    parser.add_argument("--check", action="store_true", help="fail if committed files are stale")
    args = parser.parse_args(argv)
    wanted = {name: render(build) for name, build in DASHBOARDS.items()}
    present = {p.name for p in OUT.glob("*.json")} if OUT.is_dir() else set()
    if args.check:
        stale = sorted(n for n, text in wanted.items() if not _same(OUT / n, text))
        extra = sorted(present - wanted.keys())
        if stale or extra:
            print(
                f"dashboards are stale: {', '.join(stale + extra)} in {OUT} differ from "
                "tools/dashboards.py; run `make dashboards` and commit the result",
                file=sys.stderr,
            )
            return 1
        return 0
    OUT.mkdir(parents=True, exist_ok=True)
    for name in present - wanted.keys():
        (OUT / name).unlink()
    for name, text in wanted.items():
        (OUT / name).write_text(text)
    print(f"wrote {len(wanted)} dashboard(s) to {OUT}")
    return 0


def _same(path: Path, text: str) -> bool:
    return path.is_file() and path.read_text() == text


if __name__ == "__main__":
    sys.exit(main())
