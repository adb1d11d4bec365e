"""SLA policies as versioned data: per priority a list of named targets, each running on the
policy's business clock from a start milestone to a stop milestone, and the role alerted at
each threshold (percent of a target elapsed).

The shipped file holds SPT-001 (the default) and seed 002's STRESS-002; `SLA_POLICY_FILE`
names another file of the same form. A bad file stops start-up naming file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from servicehub_datafile import DataFileError, KeyLines, read_toml

from servicehub_businesstime import PLANS

from .availability import DEFAULT_AGREEMENT, WEEKDAYS, MaintenanceAgreement
from .domain import MILESTONES, Priority

SHIPPED = "policies.toml"
#: The channel delivered over SMTP; every other channel goes to the webhook.
EMAIL = "email"
_CHANNEL = re.compile(r"[a-z][a-z0-9-]{0,31}")


class PolicyFileError(DataFileError):
    """A policy file is unreadable or invalid: ``path:line: problem``."""


@dataclass(frozen=True)
class Target:
    name: str
    duration: timedelta
    start: str  # the milestone that starts the clock (MILESTONES)
    stop: str  # the milestone that meets the target


@dataclass(frozen=True)
class Policy:
    id: str
    version: int
    clock: str  # a built-in service plan (PLANS)
    targets: dict[Priority, tuple[Target, ...]]
    escalation: dict[int, str]  # threshold percent -> role alerted
    customers: frozenset[str] = field(default=frozenset())
    # Per priority the channels alerting a threshold's role, all at once (none: no alert).
    notify: dict[Priority, tuple[str, ...]] = field(default_factory=dict)
    # Per role its addresses per channel (e-mail needs one; other channels may give none).
    contacts: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    # The customers' agreed maintenance window (planned maintenance in it is not downtime).
    maintenance: MaintenanceAgreement = DEFAULT_AGREEMENT

    @property
    def key(self) -> tuple[str, int]:
        return self.id, self.version


@dataclass(frozen=True)
class PolicyBook:
    """Every loaded policy version; new tickets get the newest version of their customer's
    policy, or of the default one."""

    policies: dict[tuple[str, int], Policy]
    default: str

    def get(self, policy_id: str, version: int) -> Policy | None:
        return self.policies.get((policy_id, version))

    def for_customer(self, customer_id: str) -> Policy:
        newest: dict[str, Policy] = {}
        for policy in self.policies.values():
            if policy.id not in newest or policy.version > newest[policy.id].version:
                newest[policy.id] = policy
        for policy in newest.values():
            if customer_id in policy.customers:
                return policy
        return newest[self.default]

    def maintenance_agreement(self, customer_id: str) -> MaintenanceAgreement:
        """The customer's agreed maintenance window (empty: the default policy's)."""
        return self.for_customer(customer_id).maintenance

    @classmethod
    def load(cls, path: Path | None = None) -> PolicyBook:
        source = path if path is not None else resources.files(__package__).joinpath(SHIPPED)
        text, data = read_toml(source, PolicyFileError)
        return _Reader(source, text).book(data)


class _Reader:
    """Checks the parsed file; a problem is reported at the line of its key path."""

    def __init__(self, source: Any, text: str) -> None:
        self.source = source
        self.lines = KeyLines(text)

    def fail(self, problem: str, policy: int, *path: str | int) -> PolicyFileError:
        """The problem at the line of ``path`` within the policy-th [[policy]] table."""
        return PolicyFileError(self.source, self.lines.line_of(("policy", policy, *path)), problem)

    def book(self, data: dict[str, Any]) -> PolicyBook:
        entries = data.get("policy")
        if not isinstance(entries, list) or not entries:
            raise PolicyFileError(self.source, None, "no [[policy]] tables")
        policies: dict[tuple[str, int], Policy] = {}
        defaults = []
        for number, entry in enumerate(entries):
            policy = self.policy(number, entry)
            if policy.key in policies:
                raise self.fail(f"policy {policy.id} version {policy.version} is given twice", number)
            policies[policy.key] = policy
            if entry.get("default") is True:
                defaults.append(policy.id)
        if len(set(defaults)) != 1:
            raise PolicyFileError(self.source, None, "exactly one policy must say default = true")
        return PolicyBook(policies, defaults[0])

    def policy(self, number: int, entry: dict[str, Any]) -> Policy:
        policy_id, version, clock = entry.get("id"), entry.get("version"), entry.get("clock")
        if not isinstance(policy_id, str) or not 0 < len(policy_id) <= 64:
            raise self.fail("id must be a string of 1 to 64 characters", number, "id")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise self.fail("version must be a positive whole number", number, "version")
        if clock not in PLANS:
            raise self.fail(f"clock {clock!r} is not one of {', '.join(PLANS)}", number, "clock")
        customers = entry.get("customers", [])
        if not isinstance(customers, list) or not all(isinstance(c, str) for c in customers):
            raise self.fail("customers must be a list of customer ids", number, "customers")
        escalation = self.escalation(number, entry.get("escalation"))
        targets: dict[Priority, list[Target]] = {p: [] for p in Priority}
        for index, raw in enumerate(entry.get("target") or []):
            priorities, target = self.target(number, index, raw)
            for priority in priorities:
                if any(t.name == target.name for t in targets[priority]):
                    raise self.fail(f"{priority.value} has two targets named {target.name!r}",
                                    number, "target", index, "name")
                targets[priority].append(target)
        missing = [p.value for p in Priority if not targets[p]]
        if missing:
            raise self.fail(f"no targets for {', '.join(missing)}", number)
        notify = self.notify(number, entry.get("notify", {}))
        contacts = self.contacts(number, entry.get("contacts", {}), notify, escalation)
        maintenance = self.maintenance(number, entry.get("maintenance"))
        return Policy(policy_id, version, clock, {p: tuple(t) for p, t in targets.items()},
                      escalation, frozenset(customers), notify, contacts, maintenance)

    def maintenance(self, number: int, raw: Any) -> MaintenanceAgreement:
        if raw is None:
            return DEFAULT_AGREEMENT
        if not isinstance(raw, dict) or set(raw) - {"week", "weekday", "hours"}:
            raise self.fail("[policy.maintenance] takes week, weekday and hours", number, "maintenance")
        week, weekday, hours = raw.get("week"), raw.get("weekday"), raw.get("hours")
        if isinstance(week, bool) or week not in (1, 2, 3, 4):
            raise self.fail("maintenance week must be 1 to 4 (the n-th weekday of the month)",
                            number, "maintenance", "week")
        if weekday not in WEEKDAYS:
            raise self.fail(f"maintenance weekday must be one of {', '.join(WEEKDAYS)}",
                            number, "maintenance", "weekday")
        match = re.fullmatch(r"([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)", str(hours))
        starts = time(int(match[1]), int(match[2])) if match else None
        ends = time(int(match[3]), int(match[4])) if match else None
        if starts is None or ends is None or ends <= starts:
            raise self.fail('maintenance hours must be "HH:MM-HH:MM" within one day, Beijing time',
                            number, "maintenance", "hours")
        return MaintenanceAgreement(week, WEEKDAYS.index(weekday), starts, ends)

    def notify(self, number: int, raw: Any) -> dict[Priority, tuple[str, ...]]:
        if not isinstance(raw, dict):
            raise self.fail("[policy.notify] must map priorities to lists of channels", number)
        notify = {}
        for key, channels in raw.items():
            if key not in {p.value for p in Priority}:
                raise self.fail(f"notify {key!r} is not one of P0-P4", number, "notify", key)
            if not isinstance(channels, list) or not all(
                isinstance(c, str) and _CHANNEL.fullmatch(c) for c in channels
            ) or len(set(channels)) != len(channels):
                raise self.fail(f"notify {key} must list distinct channel names (lower-case"
                                " letters, digits, '-')", number, "notify", key)
            notify[Priority(key)] = tuple(channels)
        return notify

    def contacts(self, number: int, raw: Any, notify: dict[Priority, tuple[str, ...]],
                 escalation: dict[int, str]) -> dict[str, dict[str, tuple[str, ...]]]:
        if not isinstance(raw, dict):
            raise self.fail("[policy.contacts.<role>] tables must map channels to addresses",
                            number)
        contacts: dict[str, dict[str, tuple[str, ...]]] = {}
        for role, channels in raw.items():
            if not isinstance(channels, dict) or not all(
                isinstance(addresses, list) and addresses
                and all(isinstance(a, str) and 0 < len(a) <= 256 for a in addresses)
                for addresses in channels.values()
            ):
                raise self.fail(f"contacts of {role} must map channels to lists of addresses",
                                number, "contacts", role)
            contacts[role] = {channel: tuple(a) for channel, a in channels.items()}
        if any(EMAIL in channels for channels in notify.values()):
            for role in escalation.values():
                if EMAIL not in contacts.get(role, {}):
                    raise self.fail(f"notify uses {EMAIL}, but contacts of {role} give no {EMAIL}"
                                    " address", number, "notify")
        return contacts

    def escalation(self, number: int, raw: Any) -> dict[int, str]:
        if not isinstance(raw, dict) or "100" not in raw:
            raise self.fail("[policy.escalation] must give the role for 100 (the breach)", number)
        escalation = {}
        for key, role in raw.items():
            if not key.isdigit() or not 0 < int(key) <= 100:
                raise self.fail(f"escalation threshold {key!r} must be a percent in 1..100",
                                number, "escalation", key)
            if not isinstance(role, str) or not 0 < len(role) <= 64:
                raise self.fail(f"escalation {key} must name a role (1 to 64 characters)",
                                number, "escalation", key)
            escalation[int(key)] = role
        return dict(sorted(escalation.items()))

    def target(self, number: int, index: int, raw: dict[str, Any]) -> tuple[list[Priority], Target]:
        def fail(problem: str, key: str | None = None) -> PolicyFileError:
            return self.fail(problem, number, "target", index, *([key] if key else []))

        priorities = raw.get("priorities")
        names = {p.value for p in Priority}
        if not isinstance(priorities, list) or not priorities or not set(priorities) <= names:
            raise fail("priorities must list some of P0, P1, P2, P3, P4", "priorities")
        name = raw.get("name")
        if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9-]{0,31}", name):
            raise fail("name must be 1 to 32 lower-case letters, digits or '-'", "name")
        given = [unit for unit in ("seconds", "minutes") if unit in raw]
        if len(given) != 1:
            raise fail("give the target's length as exactly one of seconds or minutes")
        amount = raw[given[0]]
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise fail(f"{given[0]} must be a positive whole number", given[0])
        for key in ("start", "stop"):
            if raw.get(key) not in MILESTONES:
                raise fail(f"{key} {raw.get(key)!r} is not one of {', '.join(MILESTONES)}", key)
        if raw["start"] == raw["stop"]:
            raise fail("start and stop must differ", "stop")
        duration = timedelta(**{given[0]: amount})
        return [Priority(p) for p in priorities], Target(name, duration, raw["start"], raw["stop"])
