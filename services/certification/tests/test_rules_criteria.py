"""Step 3: the criteria table as versioned data, and completeness against a version."""

from __future__ import annotations

from pathlib import Path

import pytest

from servicehub_certification.rules.criteria import (
    CRITERIA_DIRECTORY,
    Assessment,
    CriteriaVersion,
    EvidenceGap,
    Gap,
    ItemEvidence,
    evidence_gaps,
    load_criteria,
    load_criteria_version,
)
from servicehub_certification.rules.datafile import RulesDataError

V1_TEXT = (CRITERIA_DIRECTORY / "v1.toml").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def v1() -> CriteriaVersion:
    return load_criteria()["v1"]


def met(code: str) -> ItemEvidence:
    return ItemEvidence(code, f"we do {code}", (f"doc://{code}.pdf",), Assessment.MET)


def all_required_met(criteria: CriteriaVersion) -> tuple[ItemEvidence, ...]:
    return tuple(met(item.code) for item in criteria.required_items)


def test_v1_holds_the_seed_table(v1: CriteriaVersion) -> None:
    assert [d.name_zh for d in v1.dimensions] == ["服务内容", "服务体系", "服务承诺", "项目经验"]
    per_dimension = {
        d.code: [i.code for i in v1.items if i.dimension == d.code] for d in v1.dimensions
    }
    assert {d: len(codes) for d, codes in per_dimension.items()} == {
        "service-content": 7,
        "service-system": 11,
        "service-commitment": 2,
        "project-experience": 4,
    }
    assert [i.name_zh for i in v1.items if i.bonus] == [
        "开源版本更新",
        "软件BUG修复",
        "现网模拟环境",
        "开发测试环境",
    ]
    # codes other services already send (intake's examples, the integration tests)
    assert {"service-content.migration", "service-system.ops-tools"} <= {i.code for i in v1.items}
    experts = [i for i in v1.items if i.code.startswith("service-system.experts-")]
    assert [i.assessed for i in experts] == [
        "OGCE/HCIE or other mainstream database certification",
        "OGCP/HCIP or other mainstream database certification",
        "OGCA/HCIA",
        "Practical experience",
    ]
    regions = next(i for i in v1.items if i.code == "service-content.service-regions")
    assert len(regions.examples) == 4 and "24 hours" in regions.examples[0]


def test_required_items_all_met_is_complete(v1: CriteriaVersion) -> None:
    assert evidence_gaps(v1, all_required_met(v1)) == []


def test_bonus_items_are_optional(v1: CriteriaVersion) -> None:
    bonus = [i.code for i in v1.items if i.bonus]
    evidence = all_required_met(v1) + (
        ItemEvidence(bonus[0], "not yet", (), Assessment.UNMET),
        ItemEvidence(bonus[1], "", (), Assessment.NOT_APPLICABLE),
        met(bonus[2]),
    )
    assert evidence_gaps(v1, evidence) == []


def test_a_bonus_item_claimed_met_needs_its_documents(v1: CriteriaVersion) -> None:
    evidence = all_required_met(v1) + (
        ItemEvidence("service-content.bug-fixes", "we fixed bugs", (" ",), Assessment.MET),
    )
    assert evidence_gaps(v1, evidence) == [
        EvidenceGap(
            "service-content.bug-fixes",
            Gap.UNSUPPORTED,
            "declared met without a document reference",
        )
    ]


def test_missing_unmet_and_not_applicable_required_items_are_listed_in_table_order(
    v1: CriteriaVersion,
) -> None:
    evidence = {e.criterion: e for e in all_required_met(v1)}
    del evidence["service-content.training"]
    evidence["project-experience.project-scale"] = ItemEvidence(
        "project-experience.project-scale", "small so far", ("doc://p.pdf",), Assessment.UNMET
    )
    evidence["service-commitment.languages"] = ItemEvidence(
        "service-commitment.languages", "", (), Assessment.NOT_APPLICABLE
    )
    evidence["service-system.ops-tools"] = ItemEvidence(
        "service-system.ops-tools", " ", (), Assessment.MET
    )
    assert evidence_gaps(v1, tuple(evidence.values())) == [
        EvidenceGap(
            "service-content.training",
            Gap.MISSING,
            "required: Introduction and sales documents of the openGauss training services",
        ),
        EvidenceGap(
            "service-system.ops-tools",
            Gap.UNSUPPORTED,
            "declared met without a claim and a document reference",
        ),
        EvidenceGap(
            "service-commitment.languages", Gap.NOT_APPLICABLE, "required item cannot be N/A"
        ),
        EvidenceGap("project-experience.project-scale", Gap.UNMET, "required item declared unmet"),
    ]


def test_nothing_given_lists_every_required_item(v1: CriteriaVersion) -> None:
    gaps = evidence_gaps(v1, ())
    assert [g.criterion for g in gaps] == [i.code for i in v1.required_items]
    assert {g.gap for g in gaps} == {Gap.MISSING}


def test_repeated_and_unknown_items(v1: CriteriaVersion) -> None:
    evidence = all_required_met(v1) + (
        met("service-content.migration"),
        met("service-content.mainframe"),
    )
    assert evidence_gaps(v1, evidence) == [
        EvidenceGap(
            "service-content.migration", Gap.REPEATED, "evidence given 2 times; give it once"
        ),
        EvidenceGap("service-content.mainframe", Gap.UNKNOWN, "criteria v1 have no such item"),
    ]


def test_completeness_is_judged_against_the_applications_version(
    tmp_path: Path, v1: CriteriaVersion
) -> None:
    (tmp_path / "v1.toml").write_text(V1_TEXT, encoding="utf-8")
    (tmp_path / "v2.toml").write_text(
        V1_TEXT.replace('version = "v1"', 'version = "v2"')
        + """
[[item]]
code = "service-content.cloud"
name = "Cloud database services"
name_zh = "云数据库服务"
assessed = "Operates openGauss in the cloud"
evidence = "Cloud service descriptions"
evidence_zh = "请举证云数据库服务介绍"
""",
        encoding="utf-8",
    )
    versions = load_criteria(tmp_path)
    under_v1 = all_required_met(versions["v1"])
    assert evidence_gaps(versions["v1"], under_v1) == []
    assert evidence_gaps(versions["v2"], under_v1) == [
        EvidenceGap("service-content.cloud", Gap.MISSING, "required: Cloud service descriptions")
    ]
    under_v2 = all_required_met(versions["v2"])
    assert evidence_gaps(versions["v1"], under_v2) == [
        EvidenceGap("service-content.cloud", Gap.UNKNOWN, "criteria v1 have no such item")
    ]


def line_of(text: str, fragment: str, occurrence: int = 1) -> int:
    lines = [n for n, line in enumerate(text.splitlines(), start=1) if fragment in line]
    return lines[occurrence - 1]


@pytest.mark.parametrize(
    ("old", "new", "fragment", "occurrence", "message"),
    [
        (
            'code = "service-content.migration"',
            'code = "service-content.operations"',
            'code = "service-content.operations"',
            2,
            "item service-content.operations defined twice",
        ),
        (
            'code = "service-system.ops-tools"',
            'code = "service-systems.ops-tools"',
            'code = "service-systems.ops-tools"',
            1,
            "service-systems.ops-tools: no [[dimension]] service-systems",
        ),
        (
            'code = "service-system.ops-tools"',
            'code = "Service System.Ops Tools"',
            'code = "Service System.Ops Tools"',
            1,
            "code 'Service System.Ops Tools' must be <dimension>.<item>",
        ),
        ("\nbonus = true", '\nbonus = "yes"', 'bonus = "yes"', 1, "bonus must be true or false"),
        (
            'evidence = "The regions served and proof of the service capability there"',
            'evidence = " "',
            'evidence = " "',
            1,
            "evidence must be a non-blank string",
        ),
        (
            'name = "Service regions"',
            'title = "Service regions"',
            'title = "Service regions"',
            1,
            "unknown key 'title'",
        ),
        (
            'version = "v1"',
            'version = "v9"',
            'version = "v9"',
            1,
            "version 'v9' must match the file name v1.toml",
        ),
        (
            'code = "service-content.training"',
            'code = "service-content.training',
            'code = "service-content.training',
            1,
            "not valid TOML",
        ),
        (
            '[[dimension]]\ncode = "project-experience"',
            '[dimensions]\ncode = "project-experience"',
            "[dimensions]",
            1,
            "only [[…]] tables of [[dimension]], [[item]] belong here",
        ),
    ],
)
def test_loader_names_file_and_line(
    tmp_path: Path, old: str, new: str, fragment: str, occurrence: int, message: str
) -> None:
    assert old in V1_TEXT
    broken = V1_TEXT.replace(old, new, 1)
    path = tmp_path / "v1.toml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(RulesDataError) as error:
        load_criteria_version(path)
    assert error.value.path == str(path)
    assert error.value.line == line_of(broken, fragment, occurrence)
    assert message in error.value.message
    assert str(error.value).startswith(f"{path}:{error.value.line}: ")


def test_a_missing_key_names_its_items_header(tmp_path: Path) -> None:
    path = tmp_path / "v1.toml"
    broken = V1_TEXT.replace(
        'evidence = "The regions served and proof of the service capability there"\n', ""
    )
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(RulesDataError) as error:
        load_criteria_version(path)
    assert error.value.line == line_of(broken, 'code = "service-content.service-regions"') - 1
    assert error.value.message == "evidence must be a non-blank string"


def test_a_dimension_without_items_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "v1.toml"
    broken = V1_TEXT + '\n[[dimension]]\ncode = "support"\nname = "Support"\nname_zh = "支持"\n'
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(RulesDataError) as error:
        load_criteria_version(path)
    assert (error.value.line, error.value.message) == (
        line_of(broken, 'code = "support"') - 1,
        "dimension support has no [[item]]",
    )
