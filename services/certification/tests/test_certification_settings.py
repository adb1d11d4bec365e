"""Certification's settings keep the runtime's validation while changing the defaults."""

from __future__ import annotations

import pytest

from servicehub_certification.__main__ import CertificationSettings
from servicehub_runtime.settings import load_settings


def test_defaults() -> None:
    settings = CertificationSettings()
    assert (settings.grpc_port, settings.metrics_port) == (50053, 9103)


@pytest.mark.parametrize("variable", ["GRPC_PORT", "METRICS_PORT"])
@pytest.mark.parametrize("value", ["abc", "70000"])
def test_bad_port_exits_naming_the_variable(monkeypatch, variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SystemExit) as exited:
        load_settings(CertificationSettings)
    assert f"{variable}='{value}'" in str(exited.value.code)


def test_clarification_working_days_default_and_override(monkeypatch) -> None:
    assert CertificationSettings().clarification_working_days == 5
    monkeypatch.setenv("CLARIFICATION_WORKING_DAYS", "10")
    assert load_settings(CertificationSettings).clarification_working_days == 10


@pytest.mark.parametrize("value", ["0", "-1", "five"])
def test_bad_clarification_working_days_exits_naming_the_variable(monkeypatch, value: str) -> None:
    monkeypatch.setenv("CLARIFICATION_WORKING_DAYS", value)
    with pytest.raises(SystemExit) as exited:
        load_settings(CertificationSettings)
    assert f"CLARIFICATION_WORKING_DAYS='{value}'" in str(exited.value.code)
