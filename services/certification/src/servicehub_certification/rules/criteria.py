"""Step 3: the criteria table as versioned data, and whether an application's evidence is complete.

Each version is one file, ``data/criteria/<version>.toml`` (format in README.md). An
application is checked against the version it was made under, so publishing a new version
never changes the verdict on an earlier application.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from . import DATA
from .datafile import DataFile, RulesDataError, Table, read_data_file, text, texts, unexpected_keys

FORMAT = "servicehub.certification.criteria/1"
CRITERIA_DIRECTORY = DATA / "criteria"
_SLUG = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
_DIMENSION_KEYS = frozenset({"code", "name", "name_zh"})
_ITEM_KEYS = frozenset(
    {"code", "name", "name_zh", "assessed", "evidence", "evidence_zh", "examples", "bonus"}
)


@dataclass(frozen=True)
class Dimension:
    code: str
    name: str
    name_zh: str


@dataclass(frozen=True)
class Criterion:
    """One item of the criteria table and the evidence it asks for."""

    code: str  # "<dimension>.<item>", what evidence names
    dimension: str
    name: str
    name_zh: str
    assessed: str  # what is assessed (技术评估项)
    evidence: str  # the evidence asked for (评估细则)
    evidence_zh: str
    examples: tuple[str, ...]
    bonus: bool  # the seed's "*" items: optional


@dataclass(frozen=True)
class CriteriaVersion:
    version: str
    source: str
    dimensions: tuple[Dimension, ...]
    items: tuple[Criterion, ...]

    @property
    def required_items(self) -> tuple[Criterion, ...]:
        return tuple(item for item in self.items if not item.bonus)


def load_criteria_version(path: Path) -> CriteriaVersion:
    """Read and validate one criteria file; any problem raises naming the file and line."""
    data = read_data_file(path, ("dimension", "item"))
    top = data.top
    unexpected_keys(data, top, frozenset({"format", "version", "source"}))
    if top.values.get("format") != FORMAT:
        raise data.fail(top.line_of("format"), f'format must be "{FORMAT}"')
    version = text(data, top, "version")
    if version != path.stem:
        raise data.fail(
            top.line_of("version"), f"version {version!r} must match the file name {path.name}"
        )

    dimensions: dict[str, Dimension] = {}
    dimension_lines: dict[str, int] = {}
    for table in data.arrays["dimension"]:
        unexpected_keys(data, table, _DIMENSION_KEYS)
        code = _code(data, table, _SLUG, "a lower-case slug such as service-content")
        if code in dimensions:
            raise data.fail(table.line_of("code"), f"dimension {code} defined twice")
        dimensions[code] = Dimension(code, text(data, table, "name"), text(data, table, "name_zh"))
        dimension_lines[code] = table.line
    if not dimensions:
        raise data.fail(1, "defines no [[dimension]]")

    items: dict[str, Criterion] = {}
    for table in data.arrays["item"]:
        criterion = _criterion(data, table, dimensions)
        if criterion.code in items:
            raise data.fail(table.line_of("code"), f"item {criterion.code} defined twice")
        items[criterion.code] = criterion
    for dimension in dimensions:
        if not any(item.dimension == dimension for item in items.values()):
            raise data.fail(dimension_lines[dimension], f"dimension {dimension} has no [[item]]")
    return CriteriaVersion(
        version, text(data, top, "source"), tuple(dimensions.values()), tuple(items.values())
    )


def _criterion(data: DataFile, table: Table, dimensions: dict[str, Dimension]) -> Criterion:
    unexpected_keys(data, table, _ITEM_KEYS)
    code = _code(
        data, table, re.compile(rf"{_SLUG.pattern}\.{_SLUG.pattern}"), "<dimension>.<item>"
    )
    dimension = code.split(".")[0]
    if dimension not in dimensions:
        raise data.fail(table.line_of("code"), f"{code}: no [[dimension]] {dimension}")
    bonus = table.values.get("bonus", False)
    if not isinstance(bonus, bool):
        raise data.fail(table.line_of("bonus"), "bonus must be true or false")
    return Criterion(
        code=code,
        dimension=dimension,
        name=text(data, table, "name"),
        name_zh=text(data, table, "name_zh"),
        assessed=text(data, table, "assessed"),
        evidence=text(data, table, "evidence"),
        evidence_zh=text(data, table, "evidence_zh"),
        examples=texts(data, table, "examples"),
        bonus=bonus,
    )


def _code(data: DataFile, table: Table, pattern: re.Pattern[str], shape: str) -> str:
    code = text(data, table, "code")
    if not pattern.fullmatch(code):
        raise data.fail(table.line_of("code"), f"code {code!r} must be {shape}")
    return code


def load_criteria(directory: Path = CRITERIA_DIRECTORY) -> dict[str, CriteriaVersion]:
    """Every criteria version shipped, by version."""
    versions = [load_criteria_version(path) for path in sorted(directory.glob("*.toml"))]
    if not versions:
        raise RulesDataError(directory, 1, "holds no criteria version (<version>.toml)")
    return {criteria.version: criteria for criteria in versions}


# --------------------------------------------------------------------------- completeness


class Assessment(Enum):
    """The partner's own verdict on an item, as in OpenSSF Best Practices."""

    MET = "met"
    UNMET = "unmet"
    NOT_APPLICABLE = "n/a"


@dataclass(frozen=True)
class ItemEvidence:
    """What an application shows for one item: a claim, its documents, and the verdict."""

    criterion: str
    claim: str
    documents: tuple[str, ...]  # references to the supporting documents
    assessment: Assessment


class Gap(Enum):
    MISSING = "missing"  # a required item has no evidence
    UNMET = "unmet"  # a required item is declared unmet
    NOT_APPLICABLE = "not applicable"  # a required item is declared N/A: the seed asks for all
    UNSUPPORTED = "unsupported"  # declared met without a claim or a document
    REPEATED = "repeated"  # evidence for the same item given more than once
    UNKNOWN = "unknown"  # evidence names an item this version does not have


@dataclass(frozen=True)
class EvidenceGap:
    criterion: str
    gap: Gap
    explanation: str


def evidence_gaps(
    criteria: CriteriaVersion, evidence: tuple[ItemEvidence, ...]
) -> list[EvidenceGap]:
    """What keeps ``evidence`` from being complete under ``criteria``; empty when complete.

    Required items need evidence assessed met, with a claim and at least one document.
    Bonus items may be left out, or declared unmet or N/A; a bonus item declared met needs
    its claim and documents like any other. Gaps come in the table's order, then unknown items.
    """
    given = Counter(e.criterion for e in evidence)
    by_item = {e.criterion: e for e in evidence}
    gaps = []
    for item in criteria.items:
        count = given[item.code]
        if count > 1:
            gaps.append(
                EvidenceGap(item.code, Gap.REPEATED, f"evidence given {count} times; give it once")
            )
        elif count == 0:
            if not item.bonus:
                gaps.append(EvidenceGap(item.code, Gap.MISSING, f"required: {item.evidence}"))
        else:
            gaps += _item_gaps(item, by_item[item.code])
    known = {item.code for item in criteria.items}
    for e in evidence:
        if e.criterion not in known:
            gaps.append(
                EvidenceGap(
                    e.criterion, Gap.UNKNOWN, f"criteria {criteria.version} have no such item"
                )
            )
    return gaps


def _item_gaps(item: Criterion, evidence: ItemEvidence) -> list[EvidenceGap]:
    if evidence.assessment is Assessment.UNMET and not item.bonus:
        return [EvidenceGap(item.code, Gap.UNMET, "required item declared unmet")]
    if evidence.assessment is Assessment.NOT_APPLICABLE and not item.bonus:
        return [EvidenceGap(item.code, Gap.NOT_APPLICABLE, "required item cannot be N/A")]
    if evidence.assessment is not Assessment.MET:
        return []
    lacking = []
    if not evidence.claim.strip():
        lacking.append("a claim")
    if not any(document.strip() for document in evidence.documents):
        lacking.append("a document reference")
    if lacking:
        return [
            EvidenceGap(item.code, Gap.UNSUPPORTED, "declared met without " + " and ".join(lacking))
        ]
    return []
