"""The Prometheus alert rules operators load (deploy/prometheus/alerts.yml) are valid and
fire on the metrics the services export: checked with promtool, rule unit tests included."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

RULES = Path(__file__).resolve().parents[1] / "deploy" / "prometheus"


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("promtool")
    assert tool, "promtool is missing: install it with `apt-get install prometheus`"
    return subprocess.run([tool, *args], cwd=RULES, capture_output=True, text=True, timeout=60)


def test_alert_rules_are_valid() -> None:
    checked = promtool("check", "rules", "alerts.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_alerts_fire_on_a_stuck_partition_and_a_blocked_relay_only() -> None:
    tested = promtool("test", "rules", "alerts.test.yml")
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_every_metric_an_alert_uses_is_exported_by_the_runtime() -> None:
    from servicehub_runtime import metrics

    # prometheus_client names counters without their _total suffix.
    exported = {m._name for m in vars(metrics).values() if hasattr(m, "_name")}  # noqa: SLF001
    used = set(re.findall(r"\b(servicehub_[a-z_]+)\b", (RULES / "alerts.yml").read_text()))
    assert "servicehub_consumer_oldest_unprocessed_age_seconds" in used
    assert {name.removesuffix("_total") for name in used} <= exported
