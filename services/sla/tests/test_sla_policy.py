from datetime import timedelta
from pathlib import Path

import pytest

from servicehub_sla.domain import Priority
from servicehub_sla.policy import PolicyFileError, ResponsePolicy

GOOD = """policy = "TEST-FAST"
clock = "7x24"
[response_seconds]
P0 = 2
P1 = 3
P2 = 4
P3 = 5
P4 = 3600
"""


def test_the_shipped_policy_is_spt_001_on_the_7x24_clock():
    policy = ResponsePolicy.load()

    assert policy.name == "SPT-001"
    assert policy.clock == "7x24"
    assert policy.response == {
        Priority.P0: timedelta(minutes=15),
        Priority.P1: timedelta(minutes=30),
        Priority.P2: timedelta(hours=2),
        Priority.P3: timedelta(hours=4),
        Priority.P4: timedelta(hours=8),
    }


def test_a_policy_file_replaces_the_targets(tmp_path: Path):
    path = tmp_path / "policy.toml"
    path.write_text(GOOD)

    policy = ResponsePolicy.load(path)

    assert policy.name == "TEST-FAST"
    assert policy.response[Priority.P0] == timedelta(seconds=2)
    assert policy.response[Priority.P4] == timedelta(hours=1)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (GOOD.replace('clock = "7x24"', 'clock = "9x9"'), "clock '9x9' is not one of"),
        (GOOD.replace("P4 = 3600\n", ""), "must give P0, P1, P2, P3 and P4"),
        (GOOD.replace("P2 = 4", "P2 = -4"), "response_seconds.P2 must be a positive whole number"),
        (GOOD.replace("P2 = 4", "P2 = 1.5"), "response_seconds.P2 must be a positive"),
        (GOOD.replace('policy = "TEST-FAST"\n', ""), "policy (its name) must be"),
        ("policy = ", "Invalid value"),
    ],
)
def test_a_bad_policy_file_is_refused_naming_file_and_problem(tmp_path: Path, text, problem):
    path = tmp_path / "policy.toml"
    path.write_text(text)

    with pytest.raises(PolicyFileError) as refused:
        ResponsePolicy.load(path)

    assert str(refused.value).startswith(f"{path}: ")
    assert problem in str(refused.value)


def test_a_missing_policy_file_is_refused(tmp_path: Path):
    with pytest.raises(PolicyFileError, match="No such file"):
        ResponsePolicy.load(tmp_path / "absent.toml")


def test_a_bad_sla_policy_file_stops_start_up_naming_the_variable(tmp_path: Path, monkeypatch):
    from servicehub_runtime.settings import load_settings
    from servicehub_sla.__main__ import SlaSettings, load_policy

    path = tmp_path / "policy.toml"
    path.write_text(GOOD.replace('clock = "7x24"', 'clock = "9x9"'))
    monkeypatch.setenv("SLA_POLICY_FILE", str(path))

    with pytest.raises(SystemExit) as stopped:
        load_policy(load_settings(SlaSettings))

    assert str(stopped.value).startswith(f"invalid SLA_POLICY_FILE: {path}: clock '9x9'")
