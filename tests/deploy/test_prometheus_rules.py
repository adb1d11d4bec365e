"""The alert rules in deploy/prometheus/rules are valid and behave as their unit tests say.

promtool (Debian's prometheus package) checks the rule files and runs the unit tests in
deploy/prometheus/tests, which feed input series and expect each alert to fire or stay quiet.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import yaml

from servicehub_localinfra.services import SERVICES

PROMETHEUS = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"
RULE_FILES = sorted((PROMETHEUS / "rules").glob("*.yml"))
TEST_FILES = sorted((PROMETHEUS / "tests").glob("*.yml"))
INSTALL_HINT = "apt-get install -y prometheus (Debian/Ubuntu; provides promtool)"


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("promtool")
    assert binary, f"promtool was not found on PATH; install it: {INSTALL_HINT}"
    return subprocess.run(
        [binary, *args], cwd=PROMETHEUS, capture_output=True, text=True, timeout=120
    )


def alert_names(rule_file: Path) -> list[str]:
    groups = yaml.safe_load(rule_file.read_text())["groups"]
    return [rule["alert"] for group in groups for rule in group["rules"] if "alert" in rule]


def test_rule_files_are_valid():
    assert RULE_FILES, f"no rule files in {PROMETHEUS / 'rules'}"
    result = promtool("check", "rules", *map(str, RULE_FILES))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == len(RULE_FILES)


def test_rule_unit_tests_pass():
    assert TEST_FILES, f"no promtool tests in {PROMETHEUS / 'tests'}"
    result = promtool("test", "rules", *map(str, TEST_FILES))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_every_alert_has_a_firing_and_a_quiet_case():
    """Each alert is tested both ways, and every rule file is loaded by some unit test."""
    firing: set[str] = set()
    quiet: set[str] = set()
    tested_files: set[Path] = set()
    for test_file in TEST_FILES:
        spec = yaml.safe_load(test_file.read_text())
        tested_files |= {(test_file.parent / f).resolve() for f in spec["rule_files"]}
        for case in spec["tests"]:
            for check in case.get("alert_rule_test", []):
                (firing if check.get("exp_alerts") else quiet).add(check["alertname"])
    alerts = {name for rule_file in RULE_FILES for name in alert_names(rule_file)}
    assert {f.resolve() for f in RULE_FILES} <= tested_files
    assert alerts - firing == set(), "alerts without a case where they fire"
    assert alerts - quiet == set(), "alerts without a case where they stay quiet"


def test_every_metric_an_alert_uses_is_exported_by_servicehub_code():
    """A renamed metric must not leave an alert watching a series that no longer exists."""
    sources = "\n".join(
        path.read_text()
        for folder in ("libs", "services")  # the runtime's metrics, and services' metrics.py
        for path in (PROMETHEUS.parents[1] / folder).rglob("src/**/*.py")
    )
    used = {
        name
        for rule_file in RULE_FILES
        for name in re.findall(r"\b(servicehub_[a-z_]+)\b", rule_file.read_text())
    }
    assert "servicehub_consumer_oldest_unprocessed_age_seconds" in used
    # Histograms are queried by their _bucket series; counters may be declared without _total.
    missing = {
        name
        for name in used
        if not any(
            f'"{candidate}"' in sources
            for candidate in {name, name.removesuffix("_bucket"), name.removesuffix("_total")}
        )
    }
    assert missing == set(), "alerts use metrics no servicehub code exports"


def test_service_down_watches_exactly_the_services():
    """Each service is its own job; the alert must not miss one, nor watch another system."""
    rules = {
        rule["alert"]: rule
        for path in RULE_FILES
        for group in yaml.safe_load(path.read_text())["groups"]
        for rule in group["rules"]
        if "alert" in rule
    }
    assert rules["ServicehubServiceDown"]["expr"] == f'up{{job=~"{"|".join(SERVICES)}"}} == 0'
