from datetime import timedelta
from pathlib import Path

import pytest

from servicehub_sla.domain import Priority
from servicehub_sla.policy import PolicyBook, PolicyFileError, Target

GOOD = """\
[[policy]]
id = "TEST-FAST"
version = 2
default = true
clock = "7x24"

[policy.escalation]
80 = "handling-team"
100 = "emergency-response"

[[policy.target]]
priorities = ["P0", "P1", "P2", "P3"]
name = "response"
seconds = 20
start = "opened"
stop = "first-response"

[[policy.target]]
priorities = ["P4"]
name = "response"
minutes = 120
start = "opened"
stop = "first-response"

[[policy]]
id = "VIP"
version = 1
clock = "5x8"
customers = ["cust-vip"]

[policy.escalation]
100 = "emergency-response"

[[policy.target]]
priorities = ["P0", "P1", "P2", "P3", "P4"]
name = "resolution"
minutes = 60
start = "problem-confirmed"
stop = "solution-given"
"""

SPT_001 = {
    Priority.P0: (timedelta(minutes=15), timedelta(hours=2)),
    Priority.P1: (timedelta(minutes=30), timedelta(hours=4)),
    Priority.P2: (timedelta(hours=2), timedelta(hours=8)),
    Priority.P3: (timedelta(hours=4), timedelta(hours=24)),
    Priority.P4: (timedelta(hours=8), timedelta(hours=48)),
}
ROLES = {80: "handling-team", 90: "senior-engineer", 95: "technical-manager", 100: "emergency-response"}


@pytest.mark.parametrize("priority", list(Priority))
def test_the_shipped_default_is_spt_001_version_1_on_7x24(priority):
    book = PolicyBook.load()
    policy = book.for_customer("anyone")

    assert (policy.id, policy.version, policy.clock) == ("SPT-001", 1, "7x24")
    response, resolution = SPT_001[priority]
    assert policy.targets[priority] == (
        Target("response", response, "opened", "first-response"),
        Target("resolution", resolution, "problem-confirmed", "solution-given"),
    )
    assert policy.escalation == ROLES


def test_the_shipped_stress_test_policy_follows_seed_002_on_7x12():
    policy = PolicyBook.load().get("STRESS-002", 1)

    assert policy is not None and policy.clock == "7x12"
    assert policy.escalation == ROLES
    minutes = {
        p: {t.name: t.duration / timedelta(minutes=1) for t in policy.targets[p]} for p in Priority
    }
    general = {"response": 10, "remote-support": 30, "resolution": 60, "on-site": 240}
    major = {"response": 5, "remote-support": 15, "on-site": 120, "resolution": 240}
    assert minutes == {
        Priority.P0: major, Priority.P1: major,
        Priority.P2: general, Priority.P3: general, Priority.P4: general,
    }
    on_site = next(t for t in policy.targets[Priority.P0] if t.name == "on-site")
    assert (on_site.start, on_site.stop) == ("onsite-requested", "engineer-onsite")


def test_a_policy_file_gives_each_customer_its_policy_and_the_rest_the_default(tmp_path: Path):
    path = tmp_path / "policy.toml"
    path.write_text(GOOD)

    book = PolicyBook.load(path)

    assert book.for_customer("cust-vip").key == ("VIP", 1)
    assert book.for_customer("cust-7").key == ("TEST-FAST", 2)
    fast = book.get("TEST-FAST", 2)
    assert fast.targets[Priority.P0] == (Target("response", timedelta(seconds=20), "opened", "first-response"),)
    assert fast.escalation == {80: "handling-team", 100: "emergency-response"}


def test_new_tickets_get_the_newest_version_and_older_versions_stay_loaded(tmp_path: Path):
    path = tmp_path / "policy.toml"
    older = GOOD.split("[[policy]]\nid = \"VIP\"")[0].replace("version = 2", "version = 1")
    path.write_text(GOOD + "\n" + older.replace("default = true\n", ""))

    book = PolicyBook.load(path)

    assert book.for_customer("cust-7").key == ("TEST-FAST", 2)
    assert book.get("TEST-FAST", 1) is not None


@pytest.mark.parametrize(
    ("old", "new", "line", "problem"),
    [
        ('clock = "7x24"', 'clock = "9x9"', 5, "clock '9x9' is not one of"),
        ("version = 2", "version = 0", 3, "version must be a positive whole number"),
        ('id = "VIP"', 'id = ""', 26, "id must be a string"),
        ("seconds = 20", "seconds = -20", 14, "seconds must be a positive whole number"),
        ("seconds = 20", "hours = 20", 11, "exactly one of seconds or minutes"),
        ('stop = "first-response"\n\n[[policy.target]]\npriorities = ["P4"]',
         'stop = "lunch"\n\n[[policy.target]]\npriorities = ["P4"]', 16, "stop 'lunch' is not one of"),
        ('priorities = ["P4"]', 'priorities = ["P5"]', 19, "priorities must list some of"),
        ('priorities = ["P4"]', 'priorities = ["P3"]', 20, "P3 has two targets named 'response'"),
        ('priorities = ["P4"]\nname = "response"', 'priorities = ["P4"]\nname = "Response!"', 20,
         "name must be"),
        ("80 = \"handling-team\"", "180 = \"handling-team\"", 8, "threshold '180' must be a percent"),
        ("100 = \"emergency-response\"\n\n[[policy.target]]\npriorities = [\"P0\", \"P1\", \"P2\", \"P3\"]",
         "\n[[policy.target]]\npriorities = [\"P0\", \"P1\", \"P2\", \"P3\"]", 1, "role for 100"),
        ('stop = "solution-given"', 'stop = "solution-given"\n\n[[policy.target]]\npriorities = ["P0"]\n'
         'name = "response"\nseconds = 1\nstart = "opened"\nstop = "opened"', 46, "start and stop must differ"),
        ("priorities = [\"P0\", \"P1\", \"P2\", \"P3\", \"P4\"]", "priorities = [\"P0\"]", 25,
         "no targets for P1, P2, P3, P4"),
        ("80 = \"handling-team\"", "80 = 1", 8, "escalation 80 must name a role"),
        ("policy.target]]\npriorities", "policy.target]]\npriorities = [\"P0\"]]\n", 12, "at line 12"),
    ],
)
def test_a_bad_policy_file_is_refused_naming_file_line_and_problem(tmp_path: Path, old, new, line, problem):
    assert old in GOOD
    path = tmp_path / "policy.toml"
    path.write_text(GOOD.replace(old, new, 1))

    with pytest.raises(PolicyFileError) as refused:
        PolicyBook.load(path)

    assert problem in str(refused.value)
    assert str(refused.value).startswith(f"{path}:{line}: ")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", r"no \[\[policy\]\] tables"),
        (GOOD.replace("default = true\n", ""), "exactly one policy must say default = true"),
        (GOOD.replace('clock = "5x8"', 'clock = "5x8"\ndefault = true'), "exactly one policy"),
    ],
)
def test_a_policy_file_without_one_default_is_refused(tmp_path: Path, text, problem):
    path = tmp_path / "policy.toml"
    path.write_text(text)

    with pytest.raises(PolicyFileError, match=problem):
        PolicyBook.load(path)


def test_a_policy_version_given_twice_is_refused(tmp_path: Path):
    path = tmp_path / "policy.toml"
    path.write_text(GOOD + GOOD.split('[[policy]]\nid = "VIP"')[0].replace("default = true\n", ""))

    with pytest.raises(PolicyFileError, match="policy TEST-FAST version 2 is given twice"):
        PolicyBook.load(path)


def test_a_missing_policy_file_is_refused(tmp_path: Path):
    with pytest.raises(PolicyFileError, match="No such file"):
        PolicyBook.load(tmp_path / "absent.toml")


def test_a_bad_sla_policy_file_stops_start_up_naming_the_variable(tmp_path: Path, monkeypatch):
    from servicehub_runtime.settings import load_settings
    from servicehub_sla.__main__ import SlaSettings, load_policies

    path = tmp_path / "policy.toml"
    path.write_text(GOOD.replace('clock = "7x24"', 'clock = "9x9"'))
    monkeypatch.setenv("SLA_POLICY_FILE", str(path))

    with pytest.raises(SystemExit) as stopped:
        load_policies(load_settings(SlaSettings))

    assert str(stopped.value).startswith(f"invalid SLA_POLICY_FILE: {path}:5: clock '9x9'")


def test_the_shipped_spt_001_alerts_p0_by_sms_phone_and_email_at_once():
    policy = PolicyBook.load().get("SPT-001", 1)

    assert policy.notify[Priority.P0] == ("sms", "phone", "email")
    assert all(policy.notify[p] == ("email", "ticket-system") for p in Priority if p != Priority.P0)
    assert {role: c["email"] for role, c in policy.contacts.items()} == {
        "handling-team": ("support-team@servicehub.example",),
        "senior-engineer": ("senior-engineers@servicehub.example",),
        "technical-manager": ("technical-manager@servicehub.example",),
        "emergency-response": ("emergency@servicehub.example",),
    }


NOTIFYING = GOOD.replace(
    '100 = "emergency-response"\n',
    '100 = "emergency-response"\n\n[policy.notify]\nP0 = ["sms", "email"]\n\n'
    '[policy.contacts.handling-team]\nemail = ["team@example.com"]\nsms = ["+8613800000000"]\n\n'
    '[policy.contacts.emergency-response]\nemail = ["sos@example.com"]\n',
    1,
)


@pytest.mark.parametrize(
    ("old", "new", "line", "problem"),
    [
        ('P0 = ["sms", "email"]', 'P0 = ["SMS"]', 12, "notify P0 must list distinct channel names"),
        ('P0 = ["sms", "email"]', 'P9 = ["sms"]', 12, "notify 'P9' is not one of P0-P4"),
        ('email = ["sos@example.com"]', 'sms = ["+8613800000001"]', 11,
         "notify uses email, but contacts of emergency-response give no email address"),
        ('sms = ["+8613800000000"]', "sms = []", 14, "contacts of handling-team must map channels"),
    ],
)
def test_a_bad_notify_or_contacts_table_is_refused_naming_the_line(tmp_path: Path, old, new, line, problem):
    assert old in NOTIFYING
    path = tmp_path / "policy.toml"
    path.write_text(NOTIFYING.replace(old, new, 1))

    with pytest.raises(PolicyFileError) as refused:
        PolicyBook.load(path)

    assert problem in str(refused.value)
    assert str(refused.value).startswith(f"{path}:{line}: ")


def test_channels_and_contacts_per_role_are_read(tmp_path: Path):
    path = tmp_path / "policy.toml"
    path.write_text(NOTIFYING)

    policy = PolicyBook.load(path).get("TEST-FAST", 2)

    assert policy.notify == {Priority.P0: ("sms", "email")}
    assert policy.contacts["handling-team"] == {"email": ("team@example.com",), "sms": ("+8613800000000",)}
