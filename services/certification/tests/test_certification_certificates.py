"""A certificate's year on a hand-moved clock: the recertification window one month before
expiry, the check against the minimum standards (shortfalls listed), the recertification
application's review, board decision and confirmations (steps 6–7), renewal, lapse,
expiry, revocation (closing a recertification on its way)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from eventsourcing.application import AggregateNotFoundError

from servicehub_businesstime import BusinessCalendar
from servicehub_certification.certificates import (
    Certificate,
    CertificateStep,
    add_months,
    certificate_id,
    recertification_id,
)
from servicehub_certification.domain import (
    Application,
    ApplicationStatus,
    BoardDecision,
    CertificateDetails,
    InvalidCommand,
    ItemAnswer,
    ItemAssessment,
    ReviewResult,
    WrongStep,
)
from servicehub_certification.rules.criteria import Assessment
from servicehub_certification.rules.recertification import (
    ExpertCertificate,
    RecertificationEvidence,
)

from .conftest import NOW
from .test_certification_steps import (
    DETAILS,
    EXPERT,
    OPERATOR,
    PARTNER,
    REVIEWER,
    SECRETARY,
    events_of,
    issue,
    new_id,
)

# The shipped calendar ends with 2026; a recertification's review counts working days of
# 2027 (the businesstime tests' override file, as an operator would install one).
CALENDAR_2027 = Path(__file__).parents[3] / "libs/businesstime/tests/fixtures/override-2027-TEST-DATA.toml"
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


@pytest.fixture(scope="module")
def calendar() -> BusinessCalendar:
    return BusinessCalendar.load(override_path=CALENDAR_2027)


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
        certification.submit_recertification(certified, evidence=passing(), actor=PARTNER, request_id=new_id())


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
        certification.submit_recertification(certified, evidence=passing(), actor=PARTNER, request_id=new_id())


def test_a_certificate_past_its_end_verifies_expired_before_the_deadline_fires(certification, certified, clock):
    clock.advance(EXPIRES - NOW)
    certificate = certification.get_certificate(certified)
    assert certificate.step is CertificateStep.VALID
    assert certification.certificate_status(certificate) is CertificateStep.EXPIRED


def open_window(clock, scheduler, days_after: int = 0) -> None:
    clock.advance(WINDOW_OPENS - clock() + timedelta(days=days_after))
    scheduler.fire_due()


def pass_check(certification, certificate_id) -> Application:
    """The minimum standards are met: the recertification application it opens."""
    certificate, shortfalls, _ = certification.submit_recertification(
        certificate_id, evidence=passing(), actor=PARTNER, request_id=new_id()
    )
    assert shortfalls == ()
    return certification.get_application(certificate.under_review)


def review_and_decide(certification, application: Application, decision=BoardDecision.APPROVE) -> Application:
    certification.submit_expert_report(
        application.id,
        assessments=tuple(ItemAssessment(e.criterion, Assessment.MET, "seen") for e in application.evidence),
        result=ReviewResult.PASS,
        summary="all standards met",
        actor=EXPERT,
        request_id=new_id(),
    )
    decided, _ = certification.decide(
        application.id, decision=decision, meeting_reference="SIG-2027-02", actor=SECRETARY, request_id=new_id()
    )
    return decided


RENEWED_DETAILS = CertificateDetails("Acme Database Services Ltd", ("cn-east", "cn-south"), ("zh",), ("24x7",))


def renew(certification, application: Application) -> Application:
    """Approved, pre-checked and confirmed (steps 5–7): the certificate is renewed."""
    review_and_decide(certification, application)
    certification.pre_check(application.id, details=RENEWED_DETAILS, actor=OPERATOR, request_id=new_id())
    confirmed, _ = certification.confirm(application.id, actor=PARTNER, request_id=new_id())
    return confirmed


def test_a_pass_opens_a_recertification_application_in_review_and_renews_nothing_yet(
    certification, certified, scheduler, clock
):
    open_window(clock, scheduler, days_after=3)

    application = pass_check(certification, certified)

    certificate = certification.get_certificate(certified)
    assert (certificate.step, certificate.valid_until, certificate.cycle) == (
        CertificateStep.RECERTIFICATION_DUE, EXPIRES, 1,
    )
    assert application.id == recertification_id(certified, 1)
    assert (application.status, application.recertifies, application.partner_id) == (
        ApplicationStatus.IN_REVIEW, certified, "partner-7",
    )
    assert application.criteria_version == "recertification"
    assert [(e.criterion, e.summary) for e in application.evidence][:2] == [
        ("service-experts.junior", "5 (minimum 5)"),
        ("service-experts.intermediate", "3 (minimum 3)"),
    ]
    assert len(application.evidence) == 8
    with pytest.raises(WrongStep, match=f"recertification application '{application.id}' is under review"):
        certification.submit_recertification(certified, evidence=passing(), actor=PARTNER, request_id=new_id())


def test_the_recertification_is_reviewed_and_confirmed_like_a_first_application_and_renews_for_a_year(
    certification, certified, scheduler, clock
):
    open_window(clock, scheduler, days_after=3)
    application = pass_check(certification, certified)
    requested, _ = certification.request_clarification(
        application.id, items=("ops-tools",), question="which tools were used in projects?", actor=REVIEWER,
        request_id=new_id(),
    )
    with pytest.raises(InvalidCommand, match="'service-content.migration' is not an item of the minimum standards"):
        certification.request_clarification(
            application.id, items=("service-content.migration",), question="?", actor=REVIEWER, request_id=new_id()
        )
    certification.answer_clarification(
        application.id, number=1, answers=(ItemAnswer("ops-tools", "three, see the list"),), actor=PARTNER,
        request_id=new_id(),
    )

    decided = review_and_decide(certification, application)
    assert decided.status is ApplicationStatus.AWAITING_PRE_CHECK
    assert certification.get_certificate(certified).cycle == 1  # approval alone renews nothing
    pre_checked, _ = certification.pre_check(application.id, details=RENEWED_DETAILS, actor=OPERATOR, request_id=new_id())
    assert pre_checked.status is ApplicationStatus.AWAITING_PARTNER_CONFIRMATION
    assert certification.get_certificate(certified).cycle == 1

    confirmed, _ = certification.confirm(application.id, actor=PARTNER, request_id=new_id())

    assert confirmed.status is ApplicationStatus.RENEWED
    certificate = certification.get_certificate(certified)
    assert (certificate.step, certificate.cycle, certificate.under_review) == (CertificateStep.VALID, 2, None)
    assert (certificate.partner_id, certificate.valid_from) == ("partner-7", NOW)
    assert (certificate.details, DETAILS == RENEWED_DETAILS) == (RENEWED_DETAILS, False)  # the confirmed ones
    assert certificate.valid_until == EXPIRES.replace(year=2028)  # a year from the old end
    clock.advance(EXPIRES - clock())
    scheduler.fire_due()  # the first year's expiry is no longer pending
    assert certification.get_certificate(certified).step is CertificateStep.VALID
    scheduler.catch_up()
    assert [(d.kind, d.cycle, d.due) for _, d in scheduler.pending()] == [
        ("recertification-window", 2, datetime(2028, 2, 1, 9, 0, tzinfo=UTC)),
        ("certificate-expiry", 2, datetime(2028, 3, 1, 9, 0, tzinfo=UTC)),
    ]


def test_the_application_list_shows_recertifications_renewed_or_lapsed(
    certification, make_eligible, register, scheduler, clock, application_list
):
    make_eligible()
    renewing, lapsing = register(), register()
    for application_id in (renewing, lapsing):
        issue(certification, application_id)
    open_window(clock, scheduler)
    renewed = renew(certification, pass_check(certification, certificate_id(renewing)))
    lapsed = pass_check(certification, certificate_id(lapsing))
    clock.advance(EXPIRES - clock())
    scheduler.fire_due()

    application_list.catch_up()
    statuses = {
        row["application_id"]: row["status"] for row in application_list.query("SELECT * FROM applications")
    }
    assert (statuses[str(renewed.id)], statuses[str(lapsed.id)]) == ("renewed", "lapsed")
    assert (statuses[str(renewing)], statuses[str(lapsing)]) == ("certified", "certified")


def test_the_next_year_opens_its_own_recertification(certification, certified, scheduler, clock):
    open_window(clock, scheduler)
    renew(certification, pass_check(certification, certified))
    clock.advance(datetime(2028, 2, 1, 9, 0, tzinfo=UTC) - clock())
    scheduler.fire_due()

    second = pass_check(certification, certified)

    assert second.id == recertification_id(certified, 2)
    assert renew(certification, second).status is ApplicationStatus.RENEWED
    assert certification.get_certificate(certified).valid_until == EXPIRES.replace(year=2029)


def test_a_rejected_recertification_lets_the_certificate_expire_at_its_end(
    certification, certified, scheduler, clock
):
    open_window(clock, scheduler)

    rejected = review_and_decide(certification, pass_check(certification, certified), BoardDecision.REJECT)

    assert rejected.status is ApplicationStatus.REJECTED
    assert certification.get_certificate(certified).step is CertificateStep.RECERTIFICATION_DUE
    clock.advance(EXPIRES - clock())
    scheduler.fire_due()
    certificate = certification.get_certificate(certified)
    assert (certificate.step, certificate.ended_at) == (CertificateStep.EXPIRED, EXPIRES)


def test_a_recertification_still_in_review_at_expiry_lapses_and_can_no_longer_renew(
    certification, certified, scheduler, clock
):
    open_window(clock, scheduler)
    application = pass_check(certification, certified)
    certification.submit_expert_report(
        application.id,
        assessments=tuple(ItemAssessment(e.criterion, Assessment.MET, "") for e in application.evidence),
        result=ReviewResult.PASS,
        summary="late",
        actor=EXPERT,
        request_id=new_id(),
    )
    clock.advance(EXPIRES - clock())
    scheduler.fire_due()

    assert certification.get_certificate(certified).step is CertificateStep.EXPIRED
    assert certification.get_application(application.id).status is ApplicationStatus.LAPSED
    with pytest.raises(WrongStep, match="is at step 'lapsed'"):
        certification.decide(
            application.id, decision=BoardDecision.APPROVE, meeting_reference="m", actor=SECRETARY, request_id=new_id()
        )


def test_an_approval_after_the_end_before_the_expiry_fired_is_refused_and_records_nothing(
    certification, certified, scheduler, clock
):
    open_window(clock, scheduler)
    application = pass_check(certification, certified)
    certification.submit_expert_report(
        application.id,
        assessments=tuple(ItemAssessment(e.criterion, Assessment.MET, "") for e in application.evidence),
        result=ReviewResult.PASS,
        summary="late",
        actor=EXPERT,
        request_id=new_id(),
    )
    clock.advance(EXPIRES - clock())  # the expiry deadline has not fired yet
    events = len(certification.notifications_after(0, 10_000))

    with pytest.raises(WrongStep, match=f"certificate '{certified}' is at step 'expired': a recertification"):
        certification.decide(
            application.id, decision=BoardDecision.APPROVE, meeting_reference="m", actor=SECRETARY, request_id=new_id()
        )

    assert len(certification.notifications_after(0, 10_000)) == events


def test_steps_6_and_7_of_a_recertification_refuse_wrong_steps_and_answer_retries_recording_nothing(
    certification, certified, scheduler, clock
):
    open_window(clock, scheduler)
    application = pass_check(certification, certified)
    with pytest.raises(WrongStep, match="is at step 'in_review': the certificate details are pre-checked only"):
        certification.pre_check(application.id, details=RENEWED_DETAILS, actor=OPERATOR, request_id=new_id())
    review_and_decide(certification, application)
    with pytest.raises(WrongStep, match="is at step 'awaiting_pre_check': the partner confirms the details only"):
        certification.confirm(application.id, actor=PARTNER, request_id=new_id())
    certification.pre_check(application.id, details=RENEWED_DETAILS, actor=OPERATOR, request_id="pre-check-1")
    certification.confirm(application.id, actor=PARTNER, request_id="confirm-1")
    events = len(certification.notifications_after(0, 10_000))

    retried, duplicate = certification.confirm(application.id, actor=PARTNER, request_id="confirm-1")
    _, pre_check_duplicate = certification.pre_check(
        application.id, details=RENEWED_DETAILS, actor=OPERATOR, request_id="pre-check-1"
    )

    assert (retried.status, duplicate, pre_check_duplicate) == (ApplicationStatus.RENEWED, True, True)
    with pytest.raises(WrongStep, match="is at step 'renewed': the partner confirms the details only"):
        certification.confirm(application.id, actor=PARTNER, request_id="confirm-2")
    assert certification.get_certificate(certified).cycle == 2
    with pytest.raises(WrongStep, match="is at step 'renewed': the certificate details are pre-checked only"):
        certification.pre_check(application.id, details=DETAILS, actor=OPERATOR, request_id=new_id())
    assert len(certification.notifications_after(0, 10_000)) == events


def test_an_approved_recertification_unconfirmed_at_expiry_lapses_and_the_certificate_expires(
    certification, certified, scheduler, clock
):
    """The certificate is renewed only while valid: confirmations that did not both arrive
    by its end leave nothing to renew (the partner applies anew)."""
    open_window(clock, scheduler)
    application = pass_check(certification, certified)
    review_and_decide(certification, application)
    certification.pre_check(application.id, details=RENEWED_DETAILS, actor=OPERATOR, request_id=new_id())
    clock.advance(EXPIRES - clock())  # past the end; the expiry deadline has not fired yet
    events = len(certification.notifications_after(0, 10_000))
    with pytest.raises(WrongStep, match=f"certificate '{certified}' is at step 'expired': a recertification is confirmed"):
        certification.confirm(application.id, actor=PARTNER, request_id=new_id())
    assert len(certification.notifications_after(0, 10_000)) == events

    scheduler.fire_due()

    certificate = certification.get_certificate(certified)
    assert (certificate.step, certificate.cycle, certificate.valid_until) == (CertificateStep.EXPIRED, 1, EXPIRES)
    assert certification.get_application(application.id).status is ApplicationStatus.LAPSED
    with pytest.raises(WrongStep, match="is at step 'lapsed': the partner confirms the details only"):
        certification.confirm(application.id, actor=PARTNER, request_id=new_id())


def test_a_recertification_awaiting_its_pre_check_at_expiry_lapses_too(certification, certified, scheduler, clock):
    open_window(clock, scheduler)
    application = pass_check(certification, certified)
    review_and_decide(certification, application)
    clock.advance(EXPIRES - clock())
    with pytest.raises(WrongStep, match="is at step 'expired': a recertification's details are pre-checked only"):
        certification.pre_check(application.id, details=RENEWED_DETAILS, actor=OPERATOR, request_id=new_id())

    scheduler.fire_due()

    assert certification.get_application(application.id).status is ApplicationStatus.LAPSED


@pytest.mark.parametrize("step", ["in_review", "awaiting_pre_check", "awaiting_partner_confirmation"])
def test_revoking_a_certificate_closes_its_recertification_with_the_reason(
    certification, certified, scheduler, clock, application_list, step
):
    open_window(clock, scheduler)
    application = pass_check(certification, certified)
    if step != "in_review":
        review_and_decide(certification, application)
    if step == "awaiting_partner_confirmation":
        certification.pre_check(application.id, details=RENEWED_DETAILS, actor=OPERATOR, request_id=new_id())
    assert certification.get_application(application.id).status.value == step

    certification.revoke_certificate(certified, reason="licence withdrawn", actor=OPERATOR)

    closed = certification.get_application(application.id)
    assert (closed.status, closed.closed_reason) == (ApplicationStatus.CLOSED, "licence withdrawn")
    with pytest.raises(WrongStep, match="is at step 'closed'"):
        certification.confirm(application.id, actor=PARTNER, request_id=new_id())
    assert certification.get_certificate(certified).under_review is None
    application_list.catch_up()
    [row] = application_list.query(
        "SELECT status FROM applications WHERE application_id = ?", (str(application.id),)
    )
    assert row["status"] == "closed"


def test_revoking_after_a_rejected_recertification_leaves_the_rejection(certification, certified, scheduler, clock):
    open_window(clock, scheduler)
    application = review_and_decide(certification, pass_check(certification, certified), BoardDecision.REJECT)

    certification.revoke_certificate(certified, reason="licence withdrawn", actor=OPERATOR)

    assert certification.get_application(application.id).status is ApplicationStatus.REJECTED


def test_a_failing_check_lists_the_one_standard_missed_and_by_how_much(certification, certified, scheduler, clock):
    clock.advance(WINDOW_OPENS - NOW)
    scheduler.fire_due()

    certificate, shortfalls, _ = certification.submit_recertification(
        certified, evidence=passing(tools_built=("tool-1", "tool-2")), actor=PARTNER, request_id=new_id()
    )

    assert [(s.standard, s.required, s.achieved, s.short_by) for s in shortfalls] == [("ops-tools", 3, 2, 1)]
    assert certificate.step is CertificateStep.RECERTIFICATION_DUE
    assert certificate.valid_until == EXPIRES
    assert certificate.last_check == shortfalls


def test_a_failing_check_lists_two_standards_missed_at_once_and_a_later_pass_opens_the_review(
    certification, certified, scheduler, clock
):
    clock.advance(WINDOW_OPENS - NOW)
    scheduler.fire_due()

    certificate, shortfalls, _ = certification.submit_recertification(
        certified,
        evidence=passing(new_services=(), merged_pull_requests=(), reviews=()),
        actor=PARTNER,
        request_id=new_id(),
    )
    assert [(s.standard, s.short_by) for s in shortfalls] == [
        ("professional-services.new", 1),
        ("community-contribution", 2),
    ]
    assert certificate.under_review is None

    assert pass_check(certification, certified).status is ApplicationStatus.IN_REVIEW


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
