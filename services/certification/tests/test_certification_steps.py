"""Steps 4–7 through the application service: review with clarification requests on a
durable business-time deadline, expert reports, the board decision, the two confirmations
and the certificate they issue. Every transition, and every command in a wrong step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from servicehub_certification.application import Certification
from servicehub_certification.certificates import (
    EXPIRY,
    RECERTIFICATION_WINDOW,
    Certificate,
    CertificateStep,
    certificate_id,
)
from servicehub_certification.domain import (
    CLARIFICATION_DEADLINE,
    Actor,
    Application,
    ApplicationStatus,
    BoardDecision,
    CertificateDetails,
    InvalidCommand,
    ItemAnswer,
    ItemAssessment,
    RequestIdReused,
    ReviewResult,
    Role,
    WrongStep,
)
from servicehub_certification.rules.criteria import Assessment
from servicehub_runtime.eventstore import IntegrityError

from .conftest import NOW

PARTNER = Actor("u-partner", Role.PARTNER)
REVIEWER = Actor("u-reviewer", Role.REVIEWER)
EXPERT = Actor("u-expert", Role.EXPERT)
SECOND_EXPERT = Actor("u-expert-2", Role.EXPERT)
SECRETARY = Actor("u-sig", Role.SIG_SECRETARY)
OPERATOR = Actor("u-community", Role.COMMUNITY_OPERATOR)
CLAIMED = ("service-content.migration", "staff.certified-engineers")
DETAILS = CertificateDetails(
    holder_name="Acme Cloud Services Co., Ltd.",
    service_regions=("East China", "North China"),
    languages=("zh", "en"),
    support_plans=("5x8", "7x24"),
)


def events_of(certification: Certification, aggregate_id: UUID) -> list:
    return list(certification.repository.event_store.get(aggregate_id))


@pytest.fixture
def in_review(make_eligible, register) -> UUID:
    make_eligible()
    return register()


def new_id() -> str:
    """A fresh request id: each call of a test is a new command, not a retry."""
    return str(uuid4())


def assess_all(
    certification: Certification, application_id: UUID, expert=EXPERT, result=ReviewResult.PASS
) -> Application:
    application, _ = certification.submit_expert_report(
        application_id,
        assessments=tuple(ItemAssessment(code, Assessment.MET, "seen") for code in CLAIMED),
        result=result,
        summary="meets the criteria",
        actor=expert,
        request_id=new_id(),
    )
    return application


def decide(
    certification: Certification, application_id: UUID, decision=BoardDecision.APPROVE, meeting_reference="m"
) -> Application:
    application, _ = certification.decide(
        application_id, decision=decision, meeting_reference=meeting_reference, actor=SECRETARY,
        request_id=new_id(),
    )
    return application


def answer(certification: Certification, application_id: UUID, number=1, answers=(), request_id=None):
    application, _ = certification.answer_clarification(
        application_id, number=number, answers=answers, actor=PARTNER, request_id=request_id or new_id()
    )
    return application


def approve(certification: Certification, application_id: UUID) -> Application:
    assess_all(certification, application_id)
    return decide(certification, application_id, meeting_reference="SIG-2026-03")


def issue(certification: Certification, application_id: UUID) -> Application:
    approve(certification, application_id)
    certification.pre_check(application_id, details=DETAILS, actor=OPERATOR, request_id=new_id())
    confirmed, _ = certification.confirm(application_id, actor=PARTNER, request_id=new_id())
    return confirmed


def request(certification: Certification, application_id: UUID, items=(CLAIMED[0],)):
    """The request a new RequestClarification made."""
    application, _ = certification.request_clarification(
        application_id, items=items, question="which versions were migrated?", actor=REVIEWER,
        request_id=new_id(),
    )
    return application.requests[-1]


# ---------------------------------------------------------------------- review (step 4)


def test_a_clarification_request_is_due_after_the_configured_working_days(certification, in_review):
    # NOW is Sunday 2026-03-01 (Beijing 17:00): five working days are Mon 2 – Fri 6 March.
    made = request(certification, in_review)

    assert made.number == 1
    assert made.items == (CLAIMED[0],)
    assert made.requested_by == REVIEWER
    assert made.due == datetime(2026, 3, 6, 16, 0, tzinfo=UTC)  # 00:00 Beijing, Saturday 7th


def test_the_number_of_working_days_is_configurable(open_certification, calendar, clock, in_review, tmp_path):
    other = Certification(
        env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "certification.sqlite")},
        calendar=calendar,
        clock=clock,
        clarification_working_days=1,
    )
    try:
        assert request(other, in_review).due == datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
    finally:
        other.close()


def test_an_unanswered_request_is_flagged_overdue_once_when_its_deadline_runs_out(
    certification, in_review, scheduler, clock
):
    made = request(certification, in_review)
    scheduler.fire_due()
    assert certification.get_application(in_review).requests[0].overdue_at is None

    clock.advance(made.due - NOW)
    scheduler.fire_due()
    scheduler.fire_due()

    application = certification.get_application(in_review)
    assert application.requests[0].overdue_at == made.due
    assert application.requests[0].open  # a late answer is still taken
    overdue = [e for e in events_of(certification, in_review) if isinstance(e, Application.ClarificationOverdue)]
    assert len(overdue) == 1
    assert scheduler.pending() == []


def test_an_answered_request_cancels_its_deadline(certification, in_review, scheduler, clock):
    made = request(certification, in_review)
    answer(certification, in_review, answers=(ItemAnswer(CLAIMED[0], "9.2 to 5.0", ("https://docs/9",)),))
    clock.advance(made.due - NOW + timedelta(days=1))
    scheduler.fire_due()

    request_ = certification.get_application(in_review).requests[0]
    assert request_.answered_by == PARTNER
    assert request_.answers == (ItemAnswer(CLAIMED[0], "9.2 to 5.0", ("https://docs/9",)),)
    assert request_.overdue_at is None
    assert scheduler.pending() == []


def test_a_request_names_only_items_of_the_criteria_version(certification, in_review):
    with pytest.raises(InvalidCommand) as raised:
        request(certification, in_review, items=("service-content.migration", "no.such-item", "no.such-item"))
    assert raised.value.violations == [
        ("items[1]", "'no.such-item' is not an item of criteria version v1"),
        ("items[2]", "'no.such-item' is not an item of criteria version v1"),
        ("items[2]", "'no.such-item' is named twice"),
    ]
    assert certification.get_application(in_review).requests == []


def pending_clarifications(scheduler) -> list[tuple[int, datetime]]:
    scheduler.catch_up()
    return [(d.cycle, d.due) for _, d in scheduler.pending() if d.kind == CLARIFICATION_DEADLINE]


def overdue_events(certification: Certification, application_id: UUID) -> list[int]:
    return [
        e.number for e in events_of(certification, application_id) if isinstance(e, Application.ClarificationOverdue)
    ]


# NOW is Sunday 1 March (Beijing): the five working days after it end with Friday 6 March;
# after Tuesday 3 March, with Tuesday 10 March.
DUE_FRIDAY = datetime(2026, 3, 6, 16, 0, tzinfo=UTC)
DUE_TUESDAY = datetime(2026, 3, 10, 16, 0, tzinfo=UTC)
OTHER_ITEM = "service-content.operations"


def test_several_requests_are_open_at_once_each_with_its_own_items_and_deadline(
    certification, in_review, scheduler, clock
):
    first = request(certification, in_review)
    clock.advance(timedelta(days=2))  # Tuesday 3 March, 17:00 Beijing
    second = request(certification, in_review, items=(OTHER_ITEM,))

    assert [(r.number, r.items, r.due, r.open) for r in certification.get_application(in_review).requests] == [
        (1, (CLAIMED[0],), DUE_FRIDAY, True),
        (2, (OTHER_ITEM,), DUE_TUESDAY, True),
    ]
    assert (first.due, second.due) == (DUE_FRIDAY, DUE_TUESDAY)
    # One deadline pending per application: the request due first.
    assert pending_clarifications(scheduler) == [(1, DUE_FRIDAY)]


def test_an_item_is_asked_in_one_open_request_at_a_time(certification, in_review):
    request(certification, in_review)
    with pytest.raises(InvalidCommand) as raised:
        request(certification, in_review, items=(OTHER_ITEM, CLAIMED[0]))
    assert raised.value.violations == [
        ("items[1]", f"{CLAIMED[0]!r} is asked already in open clarification request 1")
    ]
    answer(certification, in_review, answers=(ItemAnswer(CLAIMED[0], "x"),))
    assert request(certification, in_review, items=(CLAIMED[0],)).number == 2  # answered: may be asked again


def test_each_open_request_is_flagged_overdue_on_its_own_deadline(certification, in_review, scheduler, clock):
    request(certification, in_review)
    clock.advance(timedelta(days=2))
    request(certification, in_review, items=(OTHER_ITEM,))

    clock.advance(DUE_FRIDAY - clock())
    scheduler.fire_due()
    application = certification.get_application(in_review)
    assert [r.overdue_at for r in application.requests] == [DUE_FRIDAY, None]
    assert pending_clarifications(scheduler) == [(2, DUE_TUESDAY)]

    clock.advance(DUE_TUESDAY - clock())
    scheduler.fire_due()
    scheduler.fire_due()
    application = certification.get_application(in_review)
    assert [r.overdue_at for r in application.requests] == [DUE_FRIDAY, DUE_TUESDAY]
    assert overdue_events(certification, in_review) == [1, 2]
    assert pending_clarifications(scheduler) == []


def test_answering_one_request_leaves_the_others_open_and_moves_the_deadline_to_the_next(
    certification, in_review, scheduler, clock
):
    request(certification, in_review)
    clock.advance(timedelta(days=2))
    request(certification, in_review, items=(OTHER_ITEM,))

    application = answer(certification, in_review, answers=(ItemAnswer(CLAIMED[0], "9.2 to 5.0"),))

    assert [r.number for r in application.open_requests] == [2]
    assert pending_clarifications(scheduler) == [(2, DUE_TUESDAY)]
    clock.advance(DUE_TUESDAY - clock())
    scheduler.fire_due()
    assert [r.overdue_at for r in certification.get_application(in_review).requests] == [None, DUE_TUESDAY]
    assert overdue_events(certification, in_review) == [2]


def test_answering_a_request_not_watched_leaves_the_deadline(certification, in_review, scheduler, clock):
    request(certification, in_review)
    clock.advance(timedelta(days=2))
    request(certification, in_review, items=(OTHER_ITEM,))

    answer(certification, in_review, number=2, answers=(ItemAnswer(OTHER_ITEM, "eight"),))

    assert [r.number for r in certification.get_application(in_review).open_requests] == [1]
    assert pending_clarifications(scheduler) == [(1, DUE_FRIDAY)]


def test_requests_due_together_are_flagged_together_each_by_its_own_event(
    certification, in_review, scheduler, clock
):
    request(certification, in_review)
    request(certification, in_review, items=(OTHER_ITEM,))
    assert pending_clarifications(scheduler) == [(1, DUE_FRIDAY)]

    clock.advance(DUE_FRIDAY - NOW)
    scheduler.fire_due()
    scheduler.fire_due()

    assert [r.overdue_at for r in certification.get_application(in_review).requests] == [DUE_FRIDAY, DUE_FRIDAY]
    assert overdue_events(certification, in_review) == [1, 2]
    assert pending_clarifications(scheduler) == []


def test_a_later_request_due_sooner_is_watched_first(
    certification, calendar, clock, in_review, scheduler, tmp_path
):
    request(certification, in_review)  # due Friday
    sooner = Certification(
        env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "certification.sqlite")},
        calendar=calendar,
        clock=clock,
        clarification_working_days=1,
    )
    try:
        made = request(sooner, in_review, items=(OTHER_ITEM,))  # due Monday 2 March
    finally:
        sooner.close()
    assert pending_clarifications(scheduler) == [(2, made.due)]

    clock.advance(made.due - NOW)
    scheduler.fire_due()
    assert [r.overdue_at for r in certification.get_application(in_review).requests] == [None, made.due]
    assert pending_clarifications(scheduler) == [(1, DUE_FRIDAY)]

    clock.advance(DUE_FRIDAY - clock())
    scheduler.fire_due()
    assert overdue_events(certification, in_review) == [2, 1]
    assert pending_clarifications(scheduler) == []


def test_an_answer_covers_exactly_the_requested_items(certification, in_review):
    requested = (CLAIMED[0], "service-content.operations")
    request(certification, in_review, items=requested)
    with pytest.raises(InvalidCommand) as raised:
        answer(
            certification,
            in_review,
            answers=(ItemAnswer(CLAIMED[0], "a"), ItemAnswer("ops-tools.x", "b"), ItemAnswer(CLAIMED[0], "c")),
        )
    assert raised.value.violations == [
        ("answers[1].criterion", "'ops-tools.x' was not requested"),
        ("answers[2].criterion", f"{CLAIMED[0]!r} is answered twice"),
        ("answers", "'service-content.operations' is requested and not answered"),
    ]


def test_an_answer_to_a_request_that_is_not_open_is_a_wrong_step(certification, in_review):
    with pytest.raises(WrongStep, match=r"clarification request 1 is not open \(open: none\)"):
        answer(certification, in_review)
    request(certification, in_review)
    with pytest.raises(WrongStep, match=r"clarification request 2 is not open \(open: 1\)"):
        answer(certification, in_review, number=2)


def test_an_expert_report_assesses_every_claimed_item(certification, in_review):
    with pytest.raises(InvalidCommand) as raised:
        certification.submit_expert_report(
            in_review,
            assessments=(ItemAssessment("ops-tools.x", Assessment.MET, ""),),
            result=ReviewResult.PASS,
            summary="",
            actor=EXPERT,
            request_id=new_id(),
        )
    assert raised.value.violations == [
        ("assessments[0].criterion", "'ops-tools.x' has no evidence in this application"),
        ("assessments", f"{CLAIMED[0]!r} is not assessed"),
        ("assessments", f"{CLAIMED[1]!r} is not assessed"),
    ]


def test_reports_of_several_experts_are_kept_and_an_experts_second_report_replaces_the_first(
    certification, in_review
):
    assess_all(certification, in_review, result=ReviewResult.FAIL)
    assess_all(certification, in_review, expert=SECOND_EXPERT)
    assess_all(certification, in_review, result=ReviewResult.PASS)

    reports = certification.get_application(in_review).reports
    assert [(r.expert, r.result) for r in reports] == [
        (SECOND_EXPERT, ReviewResult.PASS),
        (EXPERT, ReviewResult.PASS),
    ]
    assert reports[0].assessments[0] == ItemAssessment(CLAIMED[0], Assessment.MET, "seen")


# ---------------------------------------------------------------------- board decision (step 5)


def test_the_board_decides_only_after_an_expert_report(certification, in_review):
    with pytest.raises(WrongStep, match="is at step 'in_review': review round 1 has no expert report yet"):
        decide(certification, in_review)


def test_the_board_decides_only_when_no_request_is_open(certification, in_review):
    assess_all(certification, in_review)
    request(certification, in_review)
    request(certification, in_review, items=(OTHER_ITEM,))
    with pytest.raises(WrongStep, match="clarification requests 1, 2 are not answered yet"):
        decide(certification, in_review)
    answer(certification, in_review, number=2, answers=(ItemAnswer(OTHER_ITEM, "eight"),))
    with pytest.raises(WrongStep, match="clarification request 1 is not answered yet"):
        decide(certification, in_review)
    answer(certification, in_review, answers=(ItemAnswer(CLAIMED[0], "x"),))

    assert decide(certification, in_review).status is ApplicationStatus.AWAITING_PRE_CHECK


def test_approval_moves_the_application_to_the_pre_check(certification, in_review):
    application = approve(certification, in_review)

    assert application.status is ApplicationStatus.AWAITING_PRE_CHECK
    (decision,) = application.decisions
    assert (decision.decision, decision.meeting_reference, decision.decided_by, decision.decided_at) == (
        BoardDecision.APPROVE, "SIG-2026-03", SECRETARY, NOW,
    )


def test_rejection_ends_the_application(certification, in_review):
    assess_all(certification, in_review)
    application = decide(certification, in_review, BoardDecision.REJECT, "SIG-2026-04")
    assert application.status is ApplicationStatus.REJECTED


def test_sending_back_opens_a_new_review_round_needing_its_own_report(certification, in_review):
    assess_all(certification, in_review)
    application = decide(certification, in_review, BoardDecision.SEND_BACK, "SIG-2026-04")
    assert application.status is ApplicationStatus.IN_REVIEW
    assert application.review_round == 2
    with pytest.raises(WrongStep, match="review round 2 has no expert report yet"):
        decide(certification, in_review)

    assert approve(certification, in_review).status is ApplicationStatus.AWAITING_PRE_CHECK


# ---------------------------------------------------------------------- issuance (steps 6–7)


def test_the_pre_check_awaits_the_partners_confirmation(certification, in_review):
    approve(certification, in_review)
    application, duplicate = certification.pre_check(in_review, details=DETAILS, actor=OPERATOR, request_id=new_id())

    assert not duplicate
    assert application.status is ApplicationStatus.AWAITING_PARTNER_CONFIRMATION
    assert application.certificate_details == DETAILS
    assert application.pre_checked_by == OPERATOR


def test_the_partners_confirmation_issues_a_certificate_valid_one_year(certification, in_review, scheduler):
    application = issue(certification, in_review)

    assert application.status is ApplicationStatus.CERTIFIED
    assert application.confirmed_by == PARTNER
    certificate = certification.get_certificate(certificate_id(in_review))
    assert (certificate.partner_id, certificate.details, certificate.application_id) == ("partner-7", DETAILS, in_review)
    assert (certificate.valid_from, certificate.valid_until) == (NOW, NOW.replace(year=2027))
    assert certificate.step is CertificateStep.VALID
    scheduler.catch_up()
    assert [(d.kind, d.due) for _, d in scheduler.pending()] == [
        (RECERTIFICATION_WINDOW, datetime(2027, 2, 1, 9, 0, tzinfo=UTC)),
        (EXPIRY, datetime(2027, 3, 1, 9, 0, tzinfo=UTC)),
    ]


def test_a_repeated_confirmation_issues_nothing_more(certification, in_review):
    approve(certification, in_review)
    certification.pre_check(in_review, details=DETAILS, actor=OPERATOR, request_id="pre-check-1")
    certification.confirm(in_review, actor=PARTNER, request_id="confirm-1")
    events = len(certification.notifications_after(0, 1000))

    application, duplicate = certification.confirm(in_review, actor=PARTNER, request_id="confirm-1")
    _, pre_check_duplicate = certification.pre_check(
        in_review, details=DETAILS, actor=OPERATOR, request_id="pre-check-1"
    )

    assert (application.status, duplicate, pre_check_duplicate) == (ApplicationStatus.CERTIFIED, True, True)
    assert len(certification.notifications_after(0, 1000)) == events
    with pytest.raises(WrongStep, match="is at step 'certified': the partner confirms the details only"):
        certification.confirm(in_review, actor=PARTNER, request_id="confirm-2")  # a new confirmation
    with pytest.raises(RequestIdReused, match="request_id 'confirm-1'"):
        certification.confirm(in_review, actor=REVIEWER, request_id="confirm-1")  # another caller
    issued = [
        n for n in certification.notifications_after(0, 1000) if n.topic.endswith("Certificate.Issued")
    ]
    assert len(issued) == 1


def test_a_confirmation_racing_another_issues_one_certificate(open_certification, certification, in_review):
    approve(certification, in_review)
    certification.pre_check(in_review, details=DETAILS, actor=OPERATOR, request_id=new_id())
    other = open_certification()
    stale = other.get_application(in_review)  # read before the first confirmation lands

    certification.confirm(in_review, actor=PARTNER, request_id="confirm-1")
    stale.confirm(actor=PARTNER, at=NOW, request_id="confirm-1")

    with pytest.raises(IntegrityError):
        other.record(stale, Certificate.issue(application_id=in_review, partner_id="partner-7", details=DETAILS, issued_at=NOW))
    retried, duplicate = other.confirm(in_review, actor=PARTNER, request_id="confirm-1")
    assert (retried.status, duplicate) == (ApplicationStatus.CERTIFIED, True)
    issued = [n for n in certification.notifications_after(0, 1000) if n.topic.endswith("Certificate.Issued")]
    assert len(issued) == 1


def test_a_pre_check_before_the_confirmation_replaces_the_details(certification, in_review):
    approve(certification, in_review)
    certification.pre_check(in_review, details=DETAILS, actor=OPERATOR, request_id=new_id())
    corrected = CertificateDetails("Acme Cloud Co.", ("East China",), ("zh",), ("5x8",))
    certification.pre_check(in_review, details=corrected, actor=OPERATOR, request_id=new_id())
    certification.confirm(in_review, actor=PARTNER, request_id=new_id())

    assert certification.get_certificate(certificate_id(in_review)).details == corrected


# ---------------------------------------------------------------------- wrong steps

IN_REVIEW_ONLY = {
    "request a clarification": lambda c, a: request(c, a),
    "answer a clarification": lambda c, a: answer(c, a),
    "submit an expert report": lambda c, a: assess_all(c, a),
    "decide": lambda c, a: decide(c, a),
}
ALL_COMMANDS = IN_REVIEW_ONLY | {
    "pre-check": lambda c, a: c.pre_check(a, details=DETAILS, actor=OPERATOR, request_id=new_id()),
    "confirm": lambda c, a: c.confirm(a, actor=PARTNER, request_id=new_id()),
}


def _reach(certification, application_id, step):
    if step == "awaiting_pre_check":
        approve(certification, application_id)
    elif step == "awaiting_partner_confirmation":
        approve(certification, application_id)
        certification.pre_check(application_id, details=DETAILS, actor=OPERATOR, request_id=new_id())
    elif step == "rejected":
        assess_all(certification, application_id)
        decide(certification, application_id, BoardDecision.REJECT)
    elif step == "certified":
        issue(certification, application_id)


WRONG_STEPS = [
    (step, command)
    for step, commands in {
        "partner_not_eligible": ALL_COMMANDS,
        "awaiting_pre_check": IN_REVIEW_ONLY | {"confirm": ALL_COMMANDS["confirm"]},
        "awaiting_partner_confirmation": IN_REVIEW_ONLY,
        "rejected": ALL_COMMANDS,
        "certified": IN_REVIEW_ONLY | {"pre-check": ALL_COMMANDS["pre-check"]},
    }.items()
    for command in commands
]


@pytest.mark.parametrize(("step", "command"), WRONG_STEPS)
def test_a_command_in_a_wrong_step_names_the_step_and_records_nothing(
    certification, make_eligible, register, step, command
):
    if step == "partner_not_eligible":
        application_id = register()  # partner never registered
    else:
        make_eligible()
        application_id = register()
        _reach(certification, application_id, step)
    events = len(certification.notifications_after(0, 1000))

    with pytest.raises(WrongStep) as raised:
        ALL_COMMANDS[command](certification, application_id)

    assert str(raised.value).startswith(f"application {str(application_id)!r} is at step {step!r}: ")
    assert raised.value.step == step
    assert len(certification.notifications_after(0, 1000)) == events


def test_every_actor_is_recorded_with_the_event(certification, in_review):
    request(certification, in_review)
    answer(certification, in_review, answers=(ItemAnswer(CLAIMED[0], "x"),))
    issue(certification, in_review)

    actors = [
        (type(e).__qualname__, e.actor)
        for e in events_of(certification, in_review)
        if hasattr(e, "actor")
    ]
    assert actors == [
        ("Application.ClarificationRequested", REVIEWER),
        ("Application.ClarificationAnswered", PARTNER),
        ("Application.ExpertReportSubmitted", EXPERT),
        ("Application.BoardDecided", SECRETARY),
        ("Application.CertificateDetailsPreChecked", OPERATOR),
        ("Application.PartnerConfirmed", PARTNER),
    ]
