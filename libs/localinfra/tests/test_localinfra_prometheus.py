"""LocalPrometheus end to end: scrapes a real /metrics endpoint, loads rules, stops and cleans."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from prometheus_client import CollectorRegistry, Gauge, start_http_server

from servicehub_localinfra import LocalPrometheus, PrometheusError
from servicehub_localinfra._process import free_port

RULES = """\
groups:
  - name: example
    rules:
      - alert: ExampleAlwaysFiring
        expr: example_ready == 1
"""


@pytest.fixture
def metrics_address() -> Iterator[str]:
    """A real prometheus_client /metrics endpoint exporting ``example_ready 1``."""
    registry = CollectorRegistry()
    Gauge("example_ready", "1 when ready", registry=registry).set(1)
    port = free_port()
    server, thread = start_http_server(port, addr="127.0.0.1", registry=registry)
    yield f"127.0.0.1:{port}"
    server.shutdown()
    thread.join()


def _wait_for(check, what: str, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"{what} not seen within {timeout}s")


def test_prometheus_scrapes_labels_evaluates_rules_and_is_removed(
    metrics_address, tmp_path, assert_gone
):
    rules = tmp_path / "example.rules.yml"
    rules.write_text(RULES)
    prometheus = LocalPrometheus({"example": metrics_address}, rule_files=[rules], scrape_interval="1s")
    with prometheus:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", prometheus.url)
        sample = _wait_for(
            lambda: prometheus.api("query", query="example_ready")["result"], "a scraped sample"
        )
        assert sample[0]["metric"] == {
            "__name__": "example_ready",
            "instance": metrics_address,
            "job": "example",
            "service": "example",
        }
        assert sample[0]["value"][1] == "1"
        alerts = _wait_for(lambda: prometheus.api("alerts")["alerts"], "a firing alert")
        assert [a["labels"]["alertname"] for a in alerts] == ["ExampleAlwaysFiring"]
        with pytest.raises(PrometheusError, match="parse error"):
            prometheus.api("query", query="rate(example_ready")
        pid, base_dir = prometheus.pid, prometheus.base_dir
    assert_gone(pid)
    assert not base_dir.exists()


def test_missing_binary_names_the_package(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(RuntimeError, match="apt-get install -y prometheus"):
        LocalPrometheus({"example": "127.0.0.1:1"}).start()


def test_cli_prometheus_prints_url_and_stops_on_sigterm(metrics_address, assert_gone):
    proc = subprocess.Popen(
        [sys.executable, "-m", "servicehub_localinfra", "prometheus",
         "--target", f"example={metrics_address}", "--scrape-interval", "1s"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        line = proc.stdout.readline()
        assert line.startswith("PROMETHEUS_URL=http://127.0.0.1:"), line
        pid = int(re.search(r"pid (\d+)", proc.stderr.readline()).group(1))
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert_gone(pid)


def test_cli_rejects_a_target_without_a_port():
    result = subprocess.run(
        [sys.executable, "-m", "servicehub_localinfra", "prometheus", "--target", "intake=localhost"],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert result.returncode == 2
    assert "expected SERVICE=HOST:PORT" in result.stderr

