"""SLA policies as data: first-response targets per priority on a named business clock.

The shipped policy is SPT-001 (DOMAIN.md §2); `SLA_POLICY_FILE` names another file of the
same form (tests use short targets). A bad file stops start-up naming file and problem.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import timedelta
from importlib import resources
from pathlib import Path

from servicehub_businesstime import PLANS

from .domain import Priority

SHIPPED = "spt-001.toml"


class PolicyFileError(ValueError):
    def __init__(self, path: Path | str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")


@dataclass(frozen=True)
class ResponsePolicy:
    name: str
    # A built-in service plan (e.g. "7x24"): the business clock the targets run on.
    clock: str
    response: dict[Priority, timedelta]

    @classmethod
    def load(cls, path: Path | None = None) -> ResponsePolicy:
        source = path if path is not None else resources.files(__package__).joinpath(SHIPPED)
        try:
            data = tomllib.loads(source.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise PolicyFileError(source, str(error)) from None
        name, clock, seconds = data.get("policy"), data.get("clock"), data.get("response_seconds")
        if not isinstance(name, str) or not name:
            raise PolicyFileError(source, "policy (its name) must be a non-empty string")
        if clock not in PLANS:
            raise PolicyFileError(source, f"clock {clock!r} is not one of {', '.join(PLANS)}")
        if not isinstance(seconds, dict) or set(seconds) != {p.value for p in Priority}:
            raise PolicyFileError(source, "response_seconds must give P0, P1, P2, P3 and P4")
        response = {}
        for priority in Priority:
            value = seconds[priority.value]
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise PolicyFileError(
                    source, f"response_seconds.{priority.value} must be a positive whole number"
                )
            response[priority] = timedelta(seconds=value)
        return cls(name, clock, response)
