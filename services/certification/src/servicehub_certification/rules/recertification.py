"""Recertification: the minimum standards a certified partner must meet before its
certificate's year runs out (seed: 复核流程与标准; DOMAIN.md §3).

The standards and the certificate levels are data (``data/recertification_standards.toml``,
``data/certificate_levels.toml``). :func:`check_recertification` measures the partner's
evidence for the year and returns a shortfall for every standard not met, saying by how much.

Levels do not cascade: a senior certificate counts at the senior level only. The seed sets a
separate minimum per certification level (5 junior, 3 intermediate, 1 senior), a pyramid of
certifications the team holds; an expert who also holds a lower certificate lists it and is
counted there too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from enum import Enum
from pathlib import Path

from . import DATA
from .datafile import read_data_file, text, texts, unexpected_keys

LEVELS_FILE = DATA / "certificate_levels.toml"
STANDARDS_FILE = DATA / "recertification_standards.toml"
LEVELS_FORMAT = "servicehub.certification.certificate-levels/1"
STANDARDS_FORMAT = "servicehub.certification.recertification-standards/1"


class CertificationLevel(Enum):
    JUNIOR = "junior"
    INTERMEDIATE = "intermediate"
    SENIOR = "senior"


@dataclass(frozen=True)
class ExpertCertificate:
    """One certificate one member of the service team holds."""

    holder: str  # the person, as the partner identifies them
    certificate: str  # its code, e.g. "OGCP"


@dataclass(frozen=True)
class RecertificationEvidence:
    """What the partner shows for the year since certification: references, one per thing."""

    expert_certificates: tuple[ExpertCertificate, ...] = ()
    new_services: tuple[str, ...] = ()
    strengthened_services: tuple[str, ...] = ()
    bug_fixes: tuple[str, ...] = ()
    features: tuple[str, ...] = ()
    tools_built: tuple[str, ...] = ()
    community_tools_applied: tuple[str, ...] = ()
    merged_pull_requests: tuple[str, ...] = ()
    requirements_and_issues: tuple[str, ...] = ()
    reviews: tuple[str, ...] = ()


_REFERENCE_MEASURES = tuple(
    f.name.replace("_", "-")
    for f in fields(RecertificationEvidence)
    if f.name != "expert_certificates"
)
MEASURES = frozenset(
    _REFERENCE_MEASURES
    + tuple(
        f"{level.value}-{unit}"
        for level in CertificationLevel
        for unit in ("certificates", "experts")
    )
)


@dataclass(frozen=True)
class MinimumStandard:
    code: str
    area: str
    rule: str
    rule_zh: str
    counts: tuple[str, ...]  # measures summed
    minimum: int


@dataclass(frozen=True)
class Shortfall:
    """A minimum standard not met: what it asks, what the evidence reaches, the difference."""

    standard: str
    rule: str
    required: int
    achieved: int

    @property
    def short_by(self) -> int:
        return self.required - self.achieved


@dataclass(frozen=True)
class RecertificationCheck:
    shortfalls: tuple[Shortfall, ...]
    measures: dict[str, int]
    uncounted_certificates: tuple[ExpertCertificate, ...]  # unknown code, or no holder named

    @property
    def passed(self) -> bool:
        return not self.shortfalls


def certificate_code(code: str) -> str:
    """Certificate codes compare in upper case, without surrounding blanks."""
    return code.strip().upper()


def load_certificate_levels(path: Path = LEVELS_FILE) -> dict[str, CertificationLevel]:
    """Certificate code → level; problems raise naming the file and line."""
    data = read_data_file(path, ("certificate",))
    unexpected_keys(data, data.top, frozenset({"format"}))
    if data.top.values.get("format") != LEVELS_FORMAT:
        raise data.fail(data.top.line_of("format"), f'format must be "{LEVELS_FORMAT}"')
    levels: dict[str, CertificationLevel] = {}
    for table in data.arrays["certificate"]:
        unexpected_keys(data, table, frozenset({"code", "name", "level"}))
        code = certificate_code(text(data, table, "code"))
        text(data, table, "name")  # required: the file is read by people too
        if code in levels:
            raise data.fail(table.line_of("code"), f"certificate {code} listed twice")
        level = table.values.get("level")
        try:
            levels[code] = CertificationLevel(level)
        except ValueError:
            names = ", ".join(lv.value for lv in CertificationLevel)
            raise data.fail(
                table.line_of("level"), f"level {level!r} must be one of {names}"
            ) from None
    if not levels:
        raise data.fail(1, "lists no [[certificate]]")
    return levels


def load_minimum_standards(path: Path = STANDARDS_FILE) -> tuple[MinimumStandard, ...]:
    """The minimum standards in file order; problems raise naming the file and line."""
    data = read_data_file(path, ("standard",))
    unexpected_keys(data, data.top, frozenset({"format", "version"}))
    if data.top.values.get("format") != STANDARDS_FORMAT:
        raise data.fail(data.top.line_of("format"), f'format must be "{STANDARDS_FORMAT}"')
    text(data, data.top, "version")
    standards: dict[str, MinimumStandard] = {}
    for table in data.arrays["standard"]:
        unexpected_keys(
            data, table, frozenset({"code", "area", "rule", "rule_zh", "counts", "minimum"})
        )
        code = text(data, table, "code")
        if not re.fullmatch(r"[a-z][a-z0-9.-]*", code):
            raise data.fail(table.line_of("code"), f"code {code!r} must be lower-case ascii")
        if code in standards:
            raise data.fail(table.line_of("code"), f"standard {code} defined twice")
        counts = texts(data, table, "counts")
        unknown = [m for m in counts if m not in MEASURES]
        if not counts or unknown or len(set(counts)) != len(counts):
            raise data.fail(
                table.line_of("counts"),
                f"counts must list distinct measures from {sorted(MEASURES)}; unknown: {unknown}",
            )
        minimum = table.values.get("minimum")
        if not isinstance(minimum, int) or isinstance(minimum, bool) or minimum < 1:
            raise data.fail(
                table.line_of("minimum"), "minimum must be a whole number of at least 1"
            )
        standards[code] = MinimumStandard(
            code,
            text(data, table, "area"),
            text(data, table, "rule"),
            text(data, table, "rule_zh"),
            counts,
            minimum,
        )
    if not standards:
        raise data.fail(1, "defines no [[standard]]")
    return tuple(standards.values())


def measure(
    evidence: RecertificationEvidence, levels: dict[str, CertificationLevel]
) -> tuple[dict[str, int], tuple[ExpertCertificate, ...]]:
    """Every measure the standards may count, and the certificates no level is known for."""
    held: set[tuple[str, CertificationLevel, str]] = set()
    uncounted = []
    for item in evidence.expert_certificates:
        code = certificate_code(item.certificate)
        if code in levels and item.holder.strip():
            held.add((item.holder.strip(), levels[code], code))
        else:
            uncounted.append(item)
    measures = {}
    for level in CertificationLevel:
        at_level = {(holder, code) for holder, lv, code in held if lv is level}
        measures[f"{level.value}-certificates"] = len(at_level)
        measures[f"{level.value}-experts"] = len({holder for holder, _ in at_level})
    for name in _REFERENCE_MEASURES:
        references = getattr(evidence, name.replace("-", "_"))
        measures[name] = len({r.strip() for r in references if r.strip()})
    return measures, tuple(uncounted)


def check_recertification(
    evidence: RecertificationEvidence,
    standards: tuple[MinimumStandard, ...],
    levels: dict[str, CertificationLevel],
) -> RecertificationCheck:
    """Measure ``evidence`` against every minimum standard; each one missed is a shortfall."""
    measures, uncounted = measure(evidence, levels)
    shortfalls = []
    for standard in standards:
        achieved = sum(measures[m] for m in standard.counts)
        if achieved < standard.minimum:
            shortfalls.append(Shortfall(standard.code, standard.rule, standard.minimum, achieved))
    return RecertificationCheck(tuple(shortfalls), measures, uncounted)
