"""Recertification against the minimum standards, worked by hand."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from servicehub_certification.rules.datafile import RulesDataError
from servicehub_certification.rules.recertification import (
    LEVELS_FILE,
    STANDARDS_FILE,
    CertificationLevel,
    ExpertCertificate,
    MinimumStandard,
    RecertificationEvidence,
    Shortfall,
    check_recertification,
    load_certificate_levels,
    load_minimum_standards,
)


@pytest.fixture(scope="module")
def standards() -> tuple[MinimumStandard, ...]:
    return load_minimum_standards()


@pytest.fixture(scope="module")
def levels() -> dict[str, CertificationLevel]:
    return load_certificate_levels()


def certificates(code: str, *holders: str) -> tuple[ExpertCertificate, ...]:
    return tuple(ExpertCertificate(holder, code) for holder in holders)


# Exactly at every minimum: 5 junior certificates, 3 intermediate and 1 senior expert;
# 1 new + 1 strengthened service; 2 bug fixes + 1 feature; 1 tool built + 2 community tools
# applied; 1 merged PR + 1 issue + 1 review.
AT_THE_MINIMUM = RecertificationEvidence(
    expert_certificates=certificates("OGCA", "ann", "bo", "cai")
    + certificates("HCIA", "dan", "eve")
    + certificates("OGCP", "fei", "gus")
    + certificates("HCIP-GaussDB", "hua")
    + certificates("OGCE", "ivy"),
    new_services=("doc://services/htap-migration",),
    strengthened_services=("doc://services/inspection-v2",),
    bug_fixes=(
        "https://gitee.com/opengauss/openGauss-server/pulls/101",
        "https://gitee.com/opengauss/openGauss-server/pulls/102",
    ),
    features=("https://gitee.com/opengauss/openGauss-server/pulls/103",),
    tools_built=("doc://tools/health-check",),
    community_tools_applied=("doc://projects/bank-a/om-agent", "doc://projects/bank-b/dbmind"),
    merged_pull_requests=("https://gitee.com/opengauss/docs/pulls/7",),
    requirements_and_issues=("https://gitee.com/opengauss/openGauss-server/issues/I8X1",),
    reviews=("https://gitee.com/opengauss/openGauss-server/pulls/99#review",),
)


def test_the_shipped_standards_are_the_seeds(standards: tuple[MinimumStandard, ...]) -> None:
    assert [(s.code, s.counts, s.minimum) for s in standards] == [
        ("service-experts.junior", ("junior-certificates",), 5),
        ("service-experts.intermediate", ("intermediate-experts",), 3),
        ("service-experts.senior", ("senior-experts",), 1),
        ("professional-services.new", ("new-services",), 1),
        ("professional-services.strengthened", ("strengthened-services",), 1),
        ("research-and-development", ("bug-fixes", "features"), 3),
        ("ops-tools", ("tools-built", "community-tools-applied"), 3),
        (
            "community-contribution",
            ("merged-pull-requests", "requirements-and-issues", "reviews"),
            3,
        ),
    ]


def test_certificate_levels_are_data(levels: dict[str, CertificationLevel]) -> None:
    junior, intermediate, senior = CertificationLevel
    assert {code: levels[code] for code in ("OGCA", "HCIA", "OGCP", "HCIP", "OGCE", "HCIE")} == {
        "OGCA": junior,
        "HCIA": junior,
        "OGCP": intermediate,
        "HCIP": intermediate,
        "OGCE": senior,
        "HCIE": senior,
    }


def test_exactly_at_every_minimum_passes(standards, levels) -> None:
    check = check_recertification(AT_THE_MINIMUM, standards, levels)
    assert check.passed and check.shortfalls == ()
    assert check.measures["junior-certificates"] == 5
    assert check.measures["intermediate-experts"] == 3
    assert check.measures["senior-experts"] == 1


def test_one_junior_certificate_short_fails_that_standard_alone_by_one(standards, levels) -> None:
    evidence = replace(AT_THE_MINIMUM, expert_certificates=AT_THE_MINIMUM.expert_certificates[1:])
    check = check_recertification(evidence, standards, levels)
    assert not check.passed
    assert check.shortfalls == (
        Shortfall(
            "service-experts.junior",
            "at least 5 junior certifications (OGCA, HCIA or another openGauss-family junior certification)",
            required=5,
            achieved=4,
        ),
    )
    assert check.shortfalls[0].short_by == 1


def test_two_standards_failing_at_once_are_both_listed(standards, levels) -> None:
    # R&D: 1 bug fix + 1 feature = 2 of 3; community: 1 PR + 0 issues + 0 reviews = 1 of 3.
    evidence = replace(
        AT_THE_MINIMUM,
        bug_fixes=AT_THE_MINIMUM.bug_fixes[:1],
        requirements_and_issues=(),
        reviews=(),
    )
    check = check_recertification(evidence, standards, levels)
    assert [(s.standard, s.required, s.achieved, s.short_by) for s in check.shortfalls] == [
        ("research-and-development", 3, 2, 1),
        ("community-contribution", 3, 1, 2),
    ]


def test_nothing_shown_falls_short_on_every_standard(standards, levels) -> None:
    check = check_recertification(RecertificationEvidence(), standards, levels)
    assert [(s.standard, s.short_by) for s in check.shortfalls] == [
        (s.code, s.minimum) for s in standards
    ]


def test_a_senior_expert_counts_at_the_senior_level_only(standards, levels) -> None:
    evidence = replace(
        AT_THE_MINIMUM, expert_certificates=certificates("OGCE", "a", "b", "c", "d", "e")
    )
    check = check_recertification(evidence, standards, levels)
    assert [(s.standard, s.achieved) for s in check.shortfalls] == [
        ("service-experts.junior", 0),
        ("service-experts.intermediate", 0),
    ]


def test_junior_counts_certificates_and_higher_levels_count_people(standards, levels) -> None:
    # The seed: junior certifications ≥ 5 个 (certificates), intermediate ≥ 3 人 (people).
    team = (
        certificates("OGCA", "ann", "bo", "cai")
        + certificates("HCIA", "ann", "bo")  # ann and bo hold both: 5 junior certificates
        + certificates("OGCP", "fei", "gus")
        + certificates("HCIP", "fei", "gus")  # still 2 intermediate people
        + certificates("HCIE", "ivy")
    )
    check = check_recertification(
        replace(AT_THE_MINIMUM, expert_certificates=team), standards, levels
    )
    assert check.measures["junior-certificates"] == 5
    assert check.measures["junior-experts"] == 3
    assert check.measures["intermediate-certificates"] == 4
    assert [(s.standard, s.achieved, s.short_by) for s in check.shortfalls] == [
        ("service-experts.intermediate", 2, 1)
    ]


def test_certificate_codes_are_case_insensitive_and_unknown_ones_do_not_count(
    standards, levels
) -> None:
    team = AT_THE_MINIMUM.expert_certificates[1:] + (
        ExpertCertificate("zed", "oGCA"),  # as the seed writes it
        ExpertCertificate("yan", "OCP"),  # Oracle's: not openGauss-family
        ExpertCertificate(" ", "OGCA"),  # nobody named
    )
    check = check_recertification(
        replace(AT_THE_MINIMUM, expert_certificates=team), standards, levels
    )
    assert check.passed
    assert check.uncounted_certificates == (
        ExpertCertificate("yan", "OCP"),
        ExpertCertificate(" ", "OGCA"),
    )


def test_the_same_thing_shown_twice_counts_once(standards, levels) -> None:
    evidence = replace(
        AT_THE_MINIMUM,
        expert_certificates=AT_THE_MINIMUM.expert_certificates + certificates("OGCE", "ivy"),
        tools_built=("doc://tools/health-check",),
        community_tools_applied=(
            "doc://projects/bank-a/om-agent",
            " doc://projects/bank-a/om-agent",
            "",
        ),
    )
    check = check_recertification(evidence, standards, levels)
    assert check.measures["senior-certificates"] == 1
    assert [(s.standard, s.achieved) for s in check.shortfalls] == [("ops-tools", 2)]


def line_of(text: str, fragment: str) -> int:
    """The last line holding ``fragment`` (a repeated definition is reported where it repeats)."""
    return [n for n, line in enumerate(text.splitlines(), start=1) if fragment in line][-1]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            '"requirements-and-issues", "reviews"]',
            '"requirements-and-issues", "review"]',
            "unknown: ['review']",
        ),
        ("minimum = 3\n", "minimum = 0\n", "minimum must be a whole number of at least 1"),
        (
            'code = "ops-tools"',
            'code = "research-and-development"',
            "standard research-and-development defined twice",
        ),
        ('rule_zh = "高级认证不得小于1人"', "rule_zh = 1", "rule_zh must be a non-blank string"),
    ],
)
def test_standards_loader_names_file_and_line(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    original = STANDARDS_FILE.read_text(encoding="utf-8")
    assert old in original
    broken = original.replace(old, new, 1)
    path = tmp_path / "standards.toml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(RulesDataError) as error:
        load_minimum_standards(path)
    assert error.value.path == str(path)
    assert error.value.line == line_of(broken, new.strip())
    assert message in error.value.message


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'level = "senior"',
            'level = "expert"',
            "level 'expert' must be one of junior, intermediate, senior",
        ),
        ('code = "HCIP"', 'code = "ogcp"', "certificate OGCP listed twice"),
        ('format = "servicehub', 'format = "other', "format must be"),
    ],
)
def test_levels_loader_names_file_and_line(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    original = LEVELS_FILE.read_text(encoding="utf-8")
    assert old in original
    broken = original.replace(old, new, 1)
    path = tmp_path / "levels.toml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(RulesDataError) as error:
        load_certificate_levels(path)
    assert (error.value.path, error.value.line) == (str(path), line_of(broken, new))
    assert message in error.value.message
