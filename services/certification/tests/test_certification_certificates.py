"""A certificate's year on a hand-moved clock: the recertification window one month before
expiry, the check against the minimum standards (shortfalls listed), renewal, expiry,
revocation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from eventsourcing.application import AggregateNotFoundError

from servicehub_certification.certificates import (
    Certificate,
    CertificateStep,
    add_months,
    certificate_id,
)
from servicehub_certification.domain import WrongStep
from servicehub_certification.rules.recertification import (
    ExpertCertificate,
    RecertificationEvidence,
)

from .conftest import NOW
from .test_certification_steps import OPERATOR, PARTNER, events_of, issue

WINDOW_OPENS = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)
EXPIRES = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def passing(**overrides) -> RecertificationEvidence:
    fields = dict(
        expert_certificates=tuple(ExpertCertificate(f"junior-{i}", "OGCA") for i in range(5))
        + tuple(ExpertCertificate(f"mid-{i}", "OGCP") for i in range(3))
        + (ExpertCertificate("senior", "OGCE"),),
        new_services=("svc-new",),
        strengthened_services=("svc-old",),
        bug_fixes=("fix-1", "fix-2"),
        features=("feat-1",),
        tools_built=("tool-1", "tool-2", "tool-3"),
        merged_pull_requests=("pr-1",),
        requirements_and_issues=("issue-1",),
        reviews=("review-1",),
    )
    fields.update(overrides)
    return RecertificationEvidence(**fields)


@pytest.fixture
def certified(certification, make_eligible, register):
    make_eligible()
    application_id = register()
    issue(certification, application_id)
    return certificate_id(application_id)


def test_add_months_keeps_the_day_or_takes_the_months_last():
    assert add_months(datetime(2026, 3, 1, 9, tzinfo=UTC), 12) == datetime(2027, 3, 1, 9, tzinfo=UTC)
    assert add_months(datetime(2028, 2, 29, tzinfo=UTC), 12) == datetime(2029, 2, 28, tzinfo=UTC)
    assert add_months(datetime(2027, 3, 31, tzinfo=UTC), -1) == datetime(2027, 2, 28, tzinfo=UTC)
    assert add_months(datetime(2027, 1, 15, tzinfo=UTC), -1) == datetime(2026, 12, 15, tzinfo=UTC)


def test_the_window_opens_one_month_before_expiry_and_not_before(certification, certified, scheduler, clock):
    clock.advance(WINDOW_OPENS - NOW - timedelta(seconds=1))
    scheduler.fire_due()
    assert certification.get_certificate(certified).step is CertificateStep.VALID

    clock.advance(timedelta(seconds=1))
    scheduler.fire_due()

    assert certification.get_certificate(certified).step is CertificateStep.RECERTIFICATION_DUE
    due = [e for e in events_of(certification, certified) if isinstance(e, Certificate.RecertificationDue)]
    assert [(e.cycle, e.valid_until, e.opened_at) for e in due] == [(1, EXPIRES, WINDOW_OPENS)]


def test_recertification_before_the_window_is_a_wrong_step(certification, certified):
    with pytest.raises(WrongStep, match=f"certificate '{certified}' is at step 'valid': .* \\(from 2027-02-01"):
        certification.submit_recertification(certified, evidence=passing(), actor=PARTNER)


def test_without_a_pass_the_certificate_expires_at_the_end_of_its_year(certification, certified, scheduler, clock):
    clock.advance(EXPIRES - NOW)
    scheduler.fire_due()

    certificate = certification.get_certificate(certified)
    assert certificate.step is CertificateStep.EXPIRED
    assert certificate.ended_at == EXPIRES
    assert not any(isinstance(e, Certificate.RecertificationDue) for e in events_of(certification, certified))
    scheduler.catch_up()
    assert scheduler.pending() == []
    with pytest.raises(WrongStep, match="is at step 'expired'"):
        certification.submit_recertification(certified, evidence=passing(), actor=PARTNER)


def test_a_certificate_past_its_end_verifies_expired_before_the_deadline_fires(certification, certified, clock):
    clock.advance(EXPIRES - NOW)
    certificate = certification.get_certificate(certified)
    assert certificate.step is CertificateStep.VALID
    assert certification.certificate_status(certificate) is CertificateStep.EXPIRED


def test_a_pass_renews_for_a_year_from_the_old_end_and_moves_both_deadlines(
    certification, certified, scheduler, clock
):
    clock.advance(WINDOW_OPENS - NOW + timedelta(days=3))
    scheduler.fire_due()

    certificate, check = certification.submit_recertification(certified, evidence=passing(), actor=PARTNER)

    assert check.passed
    assert certificate.step is CertificateStep.VALID
    assert certificate.valid_until == EXPIRES.replace(year=2028)
    assert certificate.cycle == 2
    clock.advance(EXPIRES - clock())
    scheduler.fire_due()  # the first year's expiry is no longer pending
    assert certification.get_certificate(certified).step is CertificateStep.VALID
    scheduler.catch_up()
    assert [(d.kind, d.cycle, d.due) for _, d in scheduler.pending()] == [
        ("recertification-window", 2, datetime(2028, 2, 1, 9, 0, tzinfo=UTC)),
        ("certificate-expiry", 2, datetime(2028, 3, 1, 9, 0, tzinfo=UTC)),
    ]


def test_a_failing_check_lists_the_one_standard_missed_and_by_how_much(certification, certified, scheduler, clock):
    clock.advance(WINDOW_OPENS - NOW)
    scheduler.fire_due()

    certificate, check = certification.submit_recertification(
        certified, evidence=passing(tools_built=("tool-1", "tool-2")), actor=PARTNER
    )

    assert [(s.standard, s.required, s.achieved, s.short_by) for s in check.shortfalls] == [("ops-tools", 3, 2, 1)]
    assert certificate.step is CertificateStep.RECERTIFICATION_DUE
    assert certificate.valid_until == EXPIRES
    assert certificate.last_check == check.shortfalls


def test_a_failing_check_lists_two_standards_missed_at_once_and_a_later_pass_renews(
    certification, certified, scheduler, clock
):
    clock.advance(WINDOW_OPENS - NOW)
    scheduler.fire_due()

    _, check = certification.submit_recertification(
        certified,
        evidence=passing(new_services=(), merged_pull_requests=(), reviews=()),
        actor=PARTNER,
    )
    assert [(s.standard, s.short_by) for s in check.shortfalls] == [
        ("professional-services.new", 1),
        ("community-contribution", 2),
    ]

    certificate, check = certification.submit_recertification(certified, evidence=passing(), actor=PARTNER)
    assert check.passed
    assert certificate.valid_until == EXPIRES.replace(year=2028)


def test_revocation_records_the_reason_and_cancels_the_deadlines(certification, certified, scheduler, clock):
    certificate = certification.revoke_certificate(certified, reason="licence withdrawn", actor=OPERATOR)

    assert certificate.step is CertificateStep.REVOKED
    assert certificate.revocation_reason == "licence withdrawn"
    assert certificate.ended_at == NOW
    scheduler.catch_up()
    assert scheduler.pending() == []
    clock.advance(EXPIRES - NOW)
    assert certification.certificate_status(certification.get_certificate(certified)) is CertificateStep.REVOKED
    # revoking again changes nothing
    events = len(events_of(certification, certified))
    certification.revoke_certificate(certified, reason="again", actor=OPERATOR)
    assert len(events_of(certification, certified)) == events


def test_an_expired_certificate_cannot_be_revoked(certification, certified, scheduler, clock):
    clock.advance(EXPIRES - NOW)
    scheduler.fire_due()
    with pytest.raises(WrongStep, match="is at step 'expired': an expired certificate cannot be revoked"):
        certification.revoke_certificate(certified, reason="late", actor=OPERATOR)


def test_an_unknown_certificate_and_an_application_id_are_not_certificates(certification, certified):
    application_id = certification.get_certificate(certified).application_id
    for unknown in (uuid4(), application_id):
        with pytest.raises(AggregateNotFoundError):
            certification.get_certificate(unknown)
