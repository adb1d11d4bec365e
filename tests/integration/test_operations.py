"""What operators scrape: every service's /metrics carries the figures they watch."""

from __future__ import annotations

import urllib.request

import psycopg
from prometheus_client.parser import text_string_to_metric_families

from servicehub.certification.v1 import certification_pb2


def scrape(port: int) -> dict[str, list]:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    samples: dict[str, list] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append(sample)
    return samples


async def test_services_export_their_operating_figures(system, clients):
    await clients["certification"].ListApplications(certification_pb2.ListApplicationsRequest(), timeout=5)
    intake, certification = scrape(system["intake"].metrics_port), scrape(system["certification"].metrics_port)

    calls = [s for s in certification["servicehub_grpc_requests_total"]
             if s.labels["method"].endswith("/ListApplications") and s.labels["code"] == "OK"]
    assert calls and calls[0].value >= 1
    assert "servicehub_relay_backlog_events" in intake
    assert "servicehub_grpc_request_seconds_bucket" in intake
    for name in ("sla", "billing"):
        horizon = scrape(system[name].metrics_port)["servicehub_business_calendar_horizon_days"]
        assert horizon[0].value > 0, f"{name} must report days left in its business calendar"
        assert horizon[0].labels["calendar_version"].startswith("prc-")


def test_certification_and_billing_keep_their_events_in_postgres(system, postgres, registered_application):
    """The production store: each service in its own schema, nothing in a local SQLite file."""
    with psycopg.connect(postgres.dsn) as connection:
        tables = {
            (schema, table)
            for schema, table in connection.execute(
                "SELECT table_schema, table_name FROM information_schema.tables"
                " WHERE table_schema IN ('certification', 'billing')"
            )
        }
        registered = connection.execute("SELECT count(*) FROM certification.certification_events").fetchone()[0]
    assert {("certification", "certification_events"), ("billing", "billing_events")} <= tables
    assert registered > 0
    assert not list(system["certification"].data_dir.glob("certification.sqlite"))
