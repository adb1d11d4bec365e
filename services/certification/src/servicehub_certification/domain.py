"""Service-partner capability certification (DOMAIN.md §3). Pure: no I/O, no clock reads.

Steps 1–2: a `Partner` registers, signs the CLA and submits its enterprise information;
the eligibility check runs on each submission. An `Application` from intake is registered
and screened at once: whether its partner was eligible, and which items of the criteria
version it was made under lack evidence. An eligible partner's application then goes
through review (step 4), the board decision (step 5) and the two confirmations of the
certificate details (steps 6–7); the certificate itself is `certificates.Certificate`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from servicehub_runtime.deadlines import Deadline
from servicehub_runtime.fingerprint import fingerprint

from .rules.criteria import (
    Assessment,
    CriteriaVersion,
    EvidenceGap,
    ItemEvidence,
    evidence_gaps,
)
from .rules.eligibility import (
    ClaSignature,
    EnterpriseInformation,
    Ineligibility,
    PublicWebmailList,
    ineligibility,
)

#: The `criteria_version` of a recertification application: its items are the minimum
#: standards (rules/data/recertification_standards.toml), not a criteria table's.
RECERTIFICATION_ITEMS = "recertification"

#: The deadline kind of a clarification request's answer deadline.
CLARIFICATION_DEADLINE = "clarification-deadline"

# Fixed namespace: partner aggregate ids must never change between releases.
_PARTNER_NAMESPACE = UUID("3b0f6a52-7d1e-4c8a-9f3e-5a2c6d8e1b40")


@functools.lru_cache(maxsize=4096)  # hashed several times per consumed application
def partner_aggregate_id(partner_id: str) -> UUID:
    """The Partner aggregate's id: derived from the partner id, so a retried registration
    is the same aggregate and an application finds its partner without an index."""
    return uuid5(_PARTNER_NAMESPACE, f"partner:{partner_id}")


class PartnerStep(Enum):
    AWAITING_CLA = "awaiting CLA"
    AWAITING_ENTERPRISE_INFORMATION = "awaiting enterprise information"
    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not eligible"


NOT_REGISTERED = "not registered"
"""The step of a partner id nobody registered (there is no aggregate to hold it)."""


class WrongStep(Exception):
    """A command that the current step of a partner, an application or a certificate does
    not allow (gRPC FAILED_PRECONDITION); `subject` names it, e.g. "partner 'p-7'"."""

    def __init__(self, subject: str, step: str, explanation: str) -> None:
        super().__init__(f"{subject} is at step {step!r}: {explanation}")
        self.step = step


class PartnerConflict(Exception):
    """A registration contradicts the one recorded for the same partner id."""


class Partner(Aggregate):
    """A service partner on its way to being eligible to apply (steps 1–2)."""

    @event("Registered")
    def __init__(self, id: UUID, partner_id: str, name: str, declared_domains: tuple[str, ...]) -> None:
        self.partner_id = partner_id
        self.name = name
        self.declared_domains = tuple(declared_domains)
        self.cla: ClaSignature | None = None
        self.enterprise: EnterpriseInformation | None = None
        self.reasons: tuple[Ineligibility, ...] = ()
        self.step = PartnerStep.AWAITING_CLA

    @property
    def registered_at(self) -> datetime:
        return self.created_on

    @property
    def subject(self) -> str:
        return partner_subject(self.partner_id)

    def check_same_registration(self, name: str, declared_domains: tuple[str, ...]) -> None:
        """A registration sent again is fine; one with other fields is a conflict."""
        if (name, tuple(declared_domains)) != (self.name, self.declared_domains):
            raise PartnerConflict(
                f"partner {self.partner_id!r} is already registered with another name or"
                " other domains"
            )

    def sign_cla(self, version: str, signed_at: datetime) -> None:
        """Signing the same version again changes nothing (a retry)."""
        if self.step is PartnerStep.AWAITING_CLA:
            self._cla_signed(version, signed_at)
            return
        assert self.cla is not None
        if self.cla.version != version:
            raise WrongStep(
                self.subject, self.step.value,
                f"CLA version {self.cla.version} is signed already; version {version} cannot"
                " replace it",
            )

    @event("ClaSigned")
    def _cla_signed(self, version: str, signed_at: datetime) -> None:
        self.cla = ClaSignature(version, signed_at)
        self.step = PartnerStep.AWAITING_ENTERPRISE_INFORMATION

    def submit_enterprise_information(
        self,
        *,
        company_name: str,
        business_licence_document: str,
        unified_social_credit_code: str,
        corporate_email: str,
        webmail: PublicWebmailList,
    ) -> None:
        """Records the information and the verdict of the eligibility check on it.

        Allowed once the CLA is signed, and again later to correct it; the same information
        sent again changes nothing (a retry).
        """
        if self.step is PartnerStep.AWAITING_CLA:
            raise WrongStep(
                self.subject, self.step.value,
                "sign the CLA before submitting enterprise information",
            )
        enterprise = EnterpriseInformation(
            company_name, business_licence_document, unified_social_credit_code,
            corporate_email, self.declared_domains,
        )
        if enterprise == self.enterprise:
            return
        self._enterprise_information_submitted(
            company_name, business_licence_document, unified_social_credit_code, corporate_email
        )
        reasons = ineligibility(self.cla, enterprise, webmail)
        if reasons:
            self._not_eligible(tuple(reasons))
        else:
            self._eligible()

    @event("EnterpriseInformationSubmitted")
    def _enterprise_information_submitted(
        self,
        company_name: str,
        business_licence_document: str,
        unified_social_credit_code: str,
        corporate_email: str,
    ) -> None:
        self.enterprise = EnterpriseInformation(
            company_name, business_licence_document, unified_social_credit_code,
            corporate_email, self.declared_domains,
        )

    @event("Eligible")
    def _eligible(self) -> None:
        self.reasons = ()
        self.step = PartnerStep.ELIGIBLE

    @event("NotEligible")
    def _not_eligible(self, reasons: tuple[Ineligibility, ...]) -> None:
        self.reasons = tuple(reasons)
        self.step = PartnerStep.NOT_ELIGIBLE

    def ineligibility(self, webmail: PublicWebmailList) -> tuple[Ineligibility, ...]:
        """Every reason the partner may not apply now; empty when it is eligible."""
        if self.enterprise is None:
            return tuple(ineligibility(self.cla, None, webmail))
        return self.reasons


def partner_subject(partner_id: str) -> str:
    return f"partner {partner_id!r}"


def partner_not_registered(partner_id: str) -> tuple[Ineligibility, ...]:
    return (Ineligibility("partner_id", f"partner {partner_id!r} is not registered"),)


@dataclass(frozen=True)
class Evidence:
    """What a partner shows for one item of the criteria table."""

    criterion: str
    summary: str
    document_uri: str

    def as_item_evidence(self) -> ItemEvidence:
        """The wire carries no Met / Unmet / N/A: an item given is a claim that it is met,
        with its summary as the claim and its document as the one reference."""
        return ItemEvidence(self.criterion, self.summary, (self.document_uri,), Assessment.MET)


class Role(Enum):
    PARTNER = "partner"
    REVIEWER = "reviewer"
    EXPERT = "expert"
    SIG_SECRETARY = "sig_secretary"
    COMMUNITY_OPERATOR = "community_operator"


@dataclass(frozen=True)
class Actor:
    """Who sent a command: the caller's verified token subject and the role it acted in
    (the API takes it from servicehub_runtime.auth.caller())."""

    user_id: str
    role: Role


class RequestIdReused(Exception):
    """A request id sent again with another command, other fields or by another caller
    (gRPC ALREADY_EXISTS): a retry must repeat its request exactly."""

    def __init__(self, subject: str, request_id: str) -> None:
        super().__init__(
            f"request_id {request_id!r} was used on {subject} for a different command;"
            " send the same fields again, or use a new request_id for a new command"
        )
        self.request_id = request_id


def command_fingerprint(command: str, actor: Actor, **fields: object) -> str:
    """A digest of a command as its sender asked for it, kept with its request id: the id
    sent again is a retry only if the digest matches."""
    return fingerprint({"command": command, "actor": actor, **fields})


class InvalidCommand(Exception):
    """A command whose content contradicts the application (gRPC INVALID_ARGUMENT): each
    violation is (field, reason)."""

    def __init__(self, violations: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{field}: {reason}" for field, reason in violations))
        self.violations = violations


class ApplicationStatus(Enum):
    SUBMITTED = "submitted"  # registered, not screened (only before screening existed)
    IN_REVIEW = "in_review"  # step 4
    PARTNER_NOT_ELIGIBLE = "partner_not_eligible"
    REJECTED = "rejected"  # the board's decision (step 5)
    AWAITING_PRE_CHECK = "awaiting_pre_check"  # approved; step 6
    AWAITING_PARTNER_CONFIRMATION = "awaiting_partner_confirmation"  # step 7
    CERTIFIED = "certified"
    RENEWED = "renewed"  # a recertification approved and confirmed: the certificate is renewed
    LAPSED = "lapsed"  # a recertification not renewed yet when the certificate expired
    CLOSED = "closed"  # a recertification whose certificate was revoked before renewal

    @classmethod
    def after_screening(cls, partner_ineligibility: tuple[Ineligibility, ...]) -> ApplicationStatus:
        """Only an eligible partner's application proceeds; the others are kept, marked."""
        return cls.PARTNER_NOT_ELIGIBLE if partner_ineligibility else cls.IN_REVIEW


class BoardDecision(Enum):
    APPROVE = "approve"
    REJECT = "reject"
    SEND_BACK = "send_back"


class ReviewResult(Enum):
    PASS = "pass"
    FAIL = "fail"


@dataclass(frozen=True)
class ItemAnswer:
    """The partner's supplement or clarification of one requested item."""

    criterion: str
    answer: str
    document_uris: tuple[str, ...] = ()

    def __post_init__(self) -> None:  # stored events give lists back
        object.__setattr__(self, "document_uris", tuple(self.document_uris))


@dataclass(frozen=True)
class ItemAssessment:
    """An expert's assessment of one item of the application."""

    criterion: str
    assessment: Assessment
    comment: str


@dataclass(frozen=True)
class CertificateDetails:
    """What the certificate and the public directory say about the partner: the community
    pre-checks them (step 6) and the partner confirms them (step 7)."""

    holder_name: str
    service_regions: tuple[str, ...]
    languages: tuple[str, ...]
    support_plans: tuple[str, ...]

    def __post_init__(self) -> None:  # stored events give lists back
        for name in ("service_regions", "languages", "support_plans"):
            object.__setattr__(self, name, tuple(getattr(self, name)))


@dataclass
class ClarificationRequest:
    """A reviewer's request to supplement or clarify named items, answered by a deadline."""

    number: int
    items: tuple[str, ...]
    question: str
    requested_by: Actor
    requested_at: datetime
    due: datetime
    calendar_version: str
    answers: tuple[ItemAnswer, ...] = ()
    answered_by: Actor | None = None
    overdue_at: datetime | None = None

    @property
    def open(self) -> bool:
        return self.answered_by is None

    @property
    def deadline(self) -> Deadline:
        return Deadline(CLARIFICATION_DEADLINE, self.number, self.due, self.calendar_version)


@dataclass(frozen=True)
class Screening:
    """One screening of an application: when, and why its partner was not eligible then
    (empty: it proceeded)."""

    screened_at: datetime
    partner_ineligibility: tuple[Ineligibility, ...]


@dataclass(frozen=True)
class EvidenceGaps:
    """What one screening found lacking in the evidence, in the criteria table's order (a
    single value in the `Screened` event, so it is stored in one piece)."""

    gaps: tuple[EvidenceGap, ...]


@dataclass(frozen=True)
class ExpertReport:
    expert: Actor
    review_round: int
    assessments: tuple[ItemAssessment, ...]
    result: ReviewResult
    summary: str
    submitted_at: datetime


@dataclass(frozen=True)
class Decision:
    decision: BoardDecision
    meeting_reference: str
    decided_by: Actor
    decided_at: datetime


class Application(Aggregate):
    """A partner's application for capability certification.

    Its id is the id intake gave the submission, so a submission registered twice is the
    same aggregate — the second registration conflicts instead of duplicating it.

    Steps after screening: ``in_review`` (clarification requests and expert reports; a board
    decision needs a report of the current review round and no open request) → the board
    approves (``awaiting_pre_check``), rejects (``rejected``) or sends back (``in_review``,
    next round) → the community pre-checks the certificate details
    (``awaiting_partner_confirmation``) → the partner confirms them (``certified``; a
    recertification: ``renewed``, or ``lapsed`` / ``closed`` if its certificate expired or
    was revoked first).
    """

    @event("Registered")
    def __init__(
        self,
        id: UUID,
        partner_id: str,
        partner_name: str,
        corporate_email: str,
        evidence: tuple[Evidence, ...],
        submitted_at: datetime,
        recertifies: UUID | None = None,
    ) -> None:
        # Set for a recertification: the certificate whose renewal it decides.
        self.recertifies = recertifies
        self.partner_id = partner_id
        self.partner_name = partner_name
        self.corporate_email = corporate_email
        self.evidence = tuple(evidence)
        self.submitted_at = submitted_at
        self.status = ApplicationStatus.SUBMITTED
        self.partner_ineligibility: tuple[Ineligibility, ...] = ()
        self.screenings: list[Screening] = []
        self.criteria_version = ""
        self.evidence_gaps: tuple[EvidenceGap, ...] = ()
        self.review_round = 1
        self.requests: list[ClarificationRequest] = []
        self.reports: list[ExpertReport] = []
        self.decisions: list[Decision] = []
        self.certificate_details: CertificateDetails | None = None
        self.pre_checked_by: Actor | None = None
        self.confirmed_by: Actor | None = None
        self.closed_reason = ""
        # Request id -> fingerprint of the commands of steps 4–7 recorded with it.
        self.request_ids: dict[str, str] = {}

    @property
    def registered_at(self) -> datetime:
        return self.created_on

    @property
    def subject(self) -> str:
        return f"application {str(self.id)!r}"

    def screen(
        self, partner_ineligibility: tuple[Ineligibility, ...], criteria: CriteriaVersion
    ) -> None:
        """Marks whether the application proceeds (its partner was eligible when it
        arrived) and what its evidence lacks under ``criteria``. Kept either way."""
        gaps = evidence_gaps(criteria, tuple(e.as_item_evidence() for e in self.evidence))
        self._screened(tuple(partner_ineligibility), criteria.version, EvidenceGaps(tuple(gaps)))

    class Screened(Aggregate.Event):
        """Version 2 holds the gaps as one `EvidenceGaps`; version 1 (stored before) held a
        tuple of `EvidenceGap`."""

        class_version = 2
        partner_ineligibility: tuple[Ineligibility, ...]
        criteria_version: str
        evidence_gaps: EvidenceGaps

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["evidence_gaps"] = EvidenceGaps(tuple(state["evidence_gaps"]))

    @event(Screened)
    def _screened(
        self,
        partner_ineligibility: tuple[Ineligibility, ...],
        criteria_version: str,
        evidence_gaps: EvidenceGaps,
    ) -> None:
        self.partner_ineligibility = tuple(partner_ineligibility)
        self.screenings.append(Screening(self.registered_at, self.partner_ineligibility))
        self.criteria_version = criteria_version
        self.evidence_gaps = evidence_gaps.gaps
        self.status = ApplicationStatus.after_screening(self.partner_ineligibility)

    def open_recertification_review(self) -> None:
        """A recertification passed the minimum standards: straight to review (its partner
        holds the certificate), its items being the standards it met."""
        self._screened((), RECERTIFICATION_ITEMS, EvidenceGaps(()))

    @property
    def renewing(self) -> bool:
        """A recertification on its way to renewing its certificate (steps 4–7)."""
        return self.recertifies is not None and self.status in (
            ApplicationStatus.IN_REVIEW,
            ApplicationStatus.AWAITING_PRE_CHECK,
            ApplicationStatus.AWAITING_PARTNER_CONFIRMATION,
        )

    def lapse(self, at: datetime) -> None:
        """The certificate expired before both parties confirmed its renewal."""
        if self.renewing:
            self._lapsed(lapsed_at=at)

    @event("Lapsed")
    def _lapsed(self, lapsed_at: datetime) -> None:
        self.status = ApplicationStatus.LAPSED

    def close(self, *, reason: str, actor: Actor, at: datetime) -> None:
        """The certificate was revoked before its recertification renewed it: nothing is
        left to decide, so the recertification is closed with the revocation's reason."""
        if self.renewing:
            self._closed(reason=reason, actor=actor, closed_at=at)

    @event("Closed")
    def _closed(self, reason: str, actor: Actor, closed_at: datetime) -> None:
        self.closed_reason = reason
        self.status = ApplicationStatus.CLOSED

    def rescreen(self, at: datetime) -> bool:
        """Its partner became eligible: a held application proceeds to review (True). The
        earlier marks stay in its screening history; its evidence gaps stand (same criteria)."""
        if self.status is not ApplicationStatus.PARTNER_NOT_ELIGIBLE:
            return False
        self._rescreened(partner_ineligibility=(), screened_at=at)
        return True

    @event("Rescreened")
    def _rescreened(self, partner_ineligibility: tuple[Ineligibility, ...], screened_at: datetime) -> None:
        self.partner_ineligibility = tuple(partner_ineligibility)
        self.screenings.append(Screening(screened_at, self.partner_ineligibility))
        self.status = ApplicationStatus.after_screening(self.partner_ineligibility)

    def _is_retry(self, request_id: str, fingerprint: str) -> bool:
        """True when the command was recorded under this request id before (checked before
        the step: a retry after the application moved on still answers, recording nothing)."""
        recorded = self.request_ids.get(request_id)
        if recorded is None:
            return False
        if recorded != fingerprint:
            raise RequestIdReused(self.subject, request_id)
        return True

    def _remember(self, request_id: str, fingerprint: str) -> None:
        if request_id:  # events from before request ids have none
            self.request_ids[request_id] = fingerprint

    def _require(self, status: ApplicationStatus, command: str) -> None:
        if self.status is not status:
            raise WrongStep(self.subject, self.status.value, f"{command} only in step {status.value!r}")

    # ------------------------------------------------------------------ review (step 4)

    @property
    def open_requests(self) -> list[ClarificationRequest]:
        return [r for r in self.requests if r.open]

    def _watched(self, *, besides: ClarificationRequest | None = None) -> ClarificationRequest | None:
        """The open, not yet flagged request due first (with ``besides``): its deadline is the
        one pending. The deadline index keeps one deadline of a kind per aggregate, so the
        requests' deadlines are watched one after another, each moved to the next when
        its request is answered or flagged."""
        waiting = [r for r in self.requests if r.open and r.overdue_at is None]
        if besides is not None:
            waiting.append(besides)
        return min(waiting, key=lambda r: (r.due, r.number), default=None)

    def _require_no_open_request(self) -> None:
        if open_requests := self.open_requests:
            numbers = ", ".join(str(r.number) for r in open_requests)
            raise WrongStep(
                self.subject, self.status.value,
                f"clarification request{'s' if len(open_requests) > 1 else ''} {numbers}"
                f" {'are' if len(open_requests) > 1 else 'is'} not answered yet",
            )

    def request_clarification(
        self,
        *,
        items: tuple[str, ...],
        question: str,
        actor: Actor,
        at: datetime,
        due: datetime,
        calendar_version: str,
        items_of: tuple[str, frozenset[str]],
        request_id: str,
    ) -> bool:
        """A reviewer asks the partner to supplement or clarify ``items`` by ``due``;
        ``items_of`` says what they may be and lists their codes. Several requests may be
        open at once, each with its own items and deadline; an item is asked in one open
        request at a time. False for a retry of ``request_id`` (nothing recorded)."""
        fingerprint = command_fingerprint(
            "request_clarification", actor, items=tuple(items), question=question
        )
        if self._is_retry(request_id, fingerprint):
            return False
        self._require(ApplicationStatus.IN_REVIEW, "a clarification can be requested")
        described, known = items_of
        violations = [
            (f"items[{i}]", f"{code!r} is not an item of {described}")
            for i, code in enumerate(items)
            if code not in known
        ]
        violations += [
            (f"items[{i}]", f"{code!r} is named twice")
            for i, code in enumerate(items)
            if code in items[:i]
        ]
        asked = {code: r.number for r in self.open_requests for code in r.items}
        violations += [
            (f"items[{i}]", f"{code!r} is asked already in open clarification request {asked[code]}")
            for i, code in enumerate(items)
            if code in asked
        ]
        if violations:
            raise InvalidCommand(violations)
        new = ClarificationRequest(
            len(self.requests) + 1, tuple(items), question, actor, at, due, calendar_version
        )
        # Scheduled only if it is due before every request already watched.
        scheduled = self._watched(besides=new) is new
        self._clarification_requested(
            number=new.number,
            items=new.items,
            question=question,
            actor=actor,
            requested_at=at,
            deadlines=[new.deadline] if scheduled else [],
            request_id=request_id,
            fingerprint=fingerprint,
            due=due,
            calendar_version=calendar_version,
        )
        return True

    @event("ClarificationRequested")
    def _clarification_requested(
        self,
        number: int,
        items: tuple[str, ...],
        question: str,
        actor: Actor,
        requested_at: datetime,
        deadlines: list[Deadline],
        request_id: str = "",
        fingerprint: str = "",
        due: datetime | None = None,
        calendar_version: str | None = None,
    ) -> None:
        self._remember(request_id, fingerprint)
        if due is None or calendar_version is None:  # recorded when one request was open at a time
            (deadline,) = deadlines
            due, calendar_version = deadline.due, deadline.calendar_version
        self.requests.append(
            ClarificationRequest(number, tuple(items), question, actor, requested_at, due, calendar_version)
        )

    def answer_clarification(
        self,
        *,
        number: int,
        answers: tuple[ItemAnswer, ...],
        actor: Actor,
        at: datetime,
        request_id: str,
    ) -> bool:
        """The partner answers one open request, every item it names (late answers too: the
        flag stays); the other open requests stay open. False for a retry of ``request_id``
        (nothing recorded)."""
        fingerprint = command_fingerprint(
            "answer_clarification", actor, number=number, answers=tuple(answers)
        )
        if self._is_retry(request_id, fingerprint):
            return False
        self._require(ApplicationStatus.IN_REVIEW, "a clarification can be answered")
        request = next((r for r in self.open_requests if r.number == number), None)
        if request is None:
            open_numbers = ", ".join(str(r.number) for r in self.open_requests) or "none"
            raise WrongStep(
                self.subject, self.status.value,
                f"clarification request {number} is not open (open: {open_numbers})",
            )
        answered = [a.criterion for a in answers]
        violations = [
            (f"answers[{i}].criterion", f"{code!r} was not requested")
            for i, code in enumerate(answered)
            if code not in request.items
        ]
        violations += [
            (f"answers[{i}].criterion", f"{code!r} is answered twice")
            for i, code in enumerate(answered)
            if code in answered[:i]
        ]
        violations += [
            ("answers", f"{code!r} is requested and not answered")
            for code in request.items
            if code not in answered
        ]
        if violations:
            raise InvalidCommand(violations)
        deadlines, cancelled = self._next_watch(after=request)
        self._clarification_answered(
            number=number,
            answers=tuple(answers),
            actor=actor,
            answered_at=at,
            cancelled_deadlines=cancelled,
            request_id=request_id,
            fingerprint=fingerprint,
            deadlines=deadlines,
        )
        return True

    def _next_watch(self, *, after: ClarificationRequest) -> tuple[list[Deadline], list[str]]:
        """When ``after`` stops waiting (answered or flagged): the pending deadline moves to
        the next request watched, or is cancelled when none waits; ``after`` unwatched
        changes nothing. As (deadlines, cancelled_deadlines) of the event."""
        if self._watched() is not after:
            return [], []
        waiting = [r for r in self.requests if r.open and r.overdue_at is None and r is not after]
        following = min(waiting, key=lambda r: (r.due, r.number), default=None)
        return ([following.deadline], []) if following else ([], [CLARIFICATION_DEADLINE])

    @event("ClarificationAnswered")
    def _clarification_answered(
        self,
        number: int,
        answers: tuple[ItemAnswer, ...],
        actor: Actor,
        answered_at: datetime,
        cancelled_deadlines: list[str],
        request_id: str = "",
        fingerprint: str = "",
        deadlines: list[Deadline] | None = None,
    ) -> None:
        self._remember(request_id, fingerprint)
        request = self.requests[number - 1]
        request.answers = tuple(answers)
        request.answered_by = actor

    def flag_overdue(self, deadline: Deadline, at: datetime) -> None:
        """The watched request's deadline ran out: every open request due by ``at`` is
        flagged, each by its own event, and the deadline moves to the next one waiting (or
        is cancelled). Requests answered since change nothing; ``deadline`` is the one fired,
        whose outcome the caller records."""
        while (request := self._watched()) is not None and request.due <= at:
            deadlines, cancelled = self._next_watch(after=request)
            self._clarification_overdue(
                number=request.number,
                due=request.due,
                flagged_at=at,
                lateness_seconds=max(at - request.due, timedelta(0)).total_seconds(),
                deadlines=deadlines,
                cancelled_deadlines=cancelled,
            )

    @event("ClarificationOverdue")
    def _clarification_overdue(
        self,
        number: int,
        due: datetime,
        flagged_at: datetime,
        lateness_seconds: float,
        deadlines: list[Deadline] | None = None,
        cancelled_deadlines: list[str] | None = None,
    ) -> None:
        self.requests[number - 1].overdue_at = flagged_at

    def submit_expert_report(
        self,
        *,
        assessments: tuple[ItemAssessment, ...],
        result: ReviewResult,
        summary: str,
        actor: Actor,
        at: datetime,
        request_id: str,
    ) -> bool:
        """An expert assesses each item the application gives evidence for; a second report
        of the same expert in the same round replaces the first. False for a retry of
        ``request_id`` (nothing recorded)."""
        fingerprint = command_fingerprint(
            "submit_expert_report", actor,
            assessments=tuple(assessments), result=result, summary=summary,
        )
        if self._is_retry(request_id, fingerprint):
            return False
        self._require(ApplicationStatus.IN_REVIEW, "an expert report can be submitted")
        claimed = [e.criterion for e in self.evidence]
        assessed = [a.criterion for a in assessments]
        violations = [
            (f"assessments[{i}].criterion", f"{code!r} has no evidence in this application")
            for i, code in enumerate(assessed)
            if code not in claimed
        ]
        violations += [
            (f"assessments[{i}].criterion", f"{code!r} is assessed twice")
            for i, code in enumerate(assessed)
            if code in assessed[:i]
        ]
        violations += [
            ("assessments", f"{code!r} is not assessed")
            for code in dict.fromkeys(claimed)
            if code not in assessed
        ]
        if violations:
            raise InvalidCommand(violations)
        self._expert_report_submitted(
            assessments=tuple(assessments), result=result, summary=summary, actor=actor,
            submitted_at=at, review_round=self.review_round,
            request_id=request_id, fingerprint=fingerprint,
        )
        return True

    @event("ExpertReportSubmitted")
    def _expert_report_submitted(
        self,
        assessments: tuple[ItemAssessment, ...],
        result: ReviewResult,
        summary: str,
        actor: Actor,
        submitted_at: datetime,
        review_round: int,
        request_id: str = "",
        fingerprint: str = "",
    ) -> None:
        self._remember(request_id, fingerprint)
        self.reports = [
            r for r in self.reports if (r.expert.user_id, r.review_round) != (actor.user_id, review_round)
        ]
        self.reports.append(
            ExpertReport(actor, review_round, tuple(assessments), result, summary, submitted_at)
        )

    # ------------------------------------------------------------------ board decision (step 5)

    def decide(
        self,
        *,
        decision: BoardDecision,
        meeting_reference: str,
        actor: Actor,
        at: datetime,
        request_id: str,
    ) -> bool:
        """The SIG's decision, minuted with its meeting: approve, reject or send back for
        another review round. It needs an expert report of this round and no open request.
        False for a retry of ``request_id`` (nothing recorded)."""
        fingerprint = command_fingerprint(
            "decide", actor, decision=decision, meeting_reference=meeting_reference
        )
        if self._is_retry(request_id, fingerprint):
            return False
        self._require(ApplicationStatus.IN_REVIEW, "the board decides")
        if not any(r.review_round == self.review_round for r in self.reports):
            raise WrongStep(
                self.subject, self.status.value,
                f"review round {self.review_round} has no expert report yet",
            )
        self._require_no_open_request()
        self._decided(
            decision=decision, meeting_reference=meeting_reference, actor=actor, decided_at=at,
            request_id=request_id, fingerprint=fingerprint,
        )
        return True

    @event("BoardDecided")
    def _decided(
        self,
        decision: BoardDecision,
        meeting_reference: str,
        actor: Actor,
        decided_at: datetime,
        request_id: str = "",
        fingerprint: str = "",
    ) -> None:
        self._remember(request_id, fingerprint)
        self.decisions.append(Decision(decision, meeting_reference, actor, decided_at))
        if decision is BoardDecision.APPROVE:
            self.status = ApplicationStatus.AWAITING_PRE_CHECK
        elif decision is BoardDecision.REJECT:
            self.status = ApplicationStatus.REJECTED
        else:
            self.review_round += 1
            self.status = ApplicationStatus.IN_REVIEW

    # ------------------------------------------------------------------ issuance (steps 6–7)

    def pre_check(self, *, details: CertificateDetails, actor: Actor, at: datetime, request_id: str) -> bool:
        """The community checks the certificate details; checked again before the partner
        confirms, the new details replace the old and wait for the partner's confirmation.
        False for a retry of ``request_id`` (nothing recorded)."""
        fingerprint = command_fingerprint("pre_check", actor, details=details)
        if self._is_retry(request_id, fingerprint):
            return False
        if self.status not in (
            ApplicationStatus.AWAITING_PRE_CHECK, ApplicationStatus.AWAITING_PARTNER_CONFIRMATION
        ):
            raise WrongStep(
                self.subject, self.status.value,
                "the certificate details are pre-checked only once the board approved and"
                " before the partner confirmed",
            )
        self._pre_checked(
            details=details, actor=actor, checked_at=at, request_id=request_id, fingerprint=fingerprint
        )
        return True

    @event("CertificateDetailsPreChecked")
    def _pre_checked(
        self,
        details: CertificateDetails,
        actor: Actor,
        checked_at: datetime,
        request_id: str = "",
        fingerprint: str = "",
    ) -> None:
        self._remember(request_id, fingerprint)
        self.certificate_details = details
        self.pre_checked_by = actor
        self.status = ApplicationStatus.AWAITING_PARTNER_CONFIRMATION

    def confirm(self, *, actor: Actor, at: datetime, request_id: str) -> bool:
        """The partner confirms the pre-checked details, which completes issuance or a
        recertification's renewal. False for a retry of ``request_id`` (nothing recorded)."""
        fingerprint = command_fingerprint("confirm", actor)
        if self._is_retry(request_id, fingerprint):
            return False
        self._require(
            ApplicationStatus.AWAITING_PARTNER_CONFIRMATION, "the partner confirms the details"
        )
        self._confirmed(
            details=self.certificate_details, actor=actor, confirmed_at=at,
            request_id=request_id, fingerprint=fingerprint,
        )
        return True

    @event("PartnerConfirmed")
    def _confirmed(
        self,
        details: CertificateDetails,
        actor: Actor,
        confirmed_at: datetime,
        request_id: str = "",
        fingerprint: str = "",
    ) -> None:
        self._remember(request_id, fingerprint)
        self.confirmed_by = actor
        self.status = ApplicationStatus.RENEWED if self.recertifies else ApplicationStatus.CERTIFIED
