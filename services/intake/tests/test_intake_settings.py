"""Intake's settings keep the runtime's validation while changing the defaults."""

from __future__ import annotations

import pytest

from servicehub_intake.__main__ import IntakeSettings
from servicehub_runtime.settings import load_settings


def test_defaults() -> None:
    settings = IntakeSettings()
    assert (settings.grpc_port, settings.metrics_port) == (50051, 9101)


@pytest.mark.parametrize("variable", ["GRPC_PORT", "METRICS_PORT"])
@pytest.mark.parametrize("value", ["abc", "70000", "-1"])
def test_bad_port_exits_naming_the_variable(monkeypatch, variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SystemExit) as exited:
        load_settings(IntakeSettings)
    assert f"{variable}='{value}'" in str(exited.value.code)
