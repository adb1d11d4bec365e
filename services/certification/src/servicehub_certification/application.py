"""The certification application service: commands and queries over the event store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import JSONTranscoder, Transcoding

from servicehub_businesstime import BusinessCalendar
from servicehub_runtime.deadlines import DeadlineFiring
from servicehub_runtime.eventstore import (
    DataclassAsDict,
    EnumAsValue,
    IntegrityError,
    TracedEventApplication,
    Tracking,
)
from servicehub_runtime.wallclock import Clock, utc_now

from .certificates import Certificate, CertificateStep, recertification_id
from .domain import (
    NOT_REGISTERED,
    Actor,
    Application,
    BoardDecision,
    CertificateDetails,
    Evidence,
    EvidenceGaps,
    ItemAnswer,
    ItemAssessment,
    Partner,
    ReviewResult,
    Role,
    WrongStep,
    command_fingerprint,
    partner_aggregate_id,
    partner_not_registered,
    partner_subject,
)
from .rules.criteria import Assessment, EvidenceGap, Gap, load_criteria
from .rules.eligibility import Ineligibility, load_public_webmail_list
from .rules.recertification import (
    RecertificationEvidence,
    Shortfall,
    check_recertification,
    load_certificate_levels,
    load_minimum_standards,
)

CRITERIA_VERSION = "v1"
"""The criteria version new applications are made under (rules/data/criteria/)."""

# A partner command that lost a race with another command on the same partner is decided
# again on the new state; more attempts than this means something keeps writing it.
_ATTEMPTS = 5

DEFAULT_CLARIFICATION_WORKING_DAYS = 5
"""Working days a partner has to answer a clarification request, unless configured."""

A = TypeVar("A", bound=Aggregate)


class EvidenceGapsAsRows(Transcoding):
    """Stores a screening's gaps as rows `[criterion, gap, explanation]`, which the json
    module writes and reads by itself: one callback per event, where a value object and an
    enum per gap took two each (an application lacking everything has 20 gaps)."""

    type = EvidenceGaps
    name = "evidence_gaps_rows"

    def __init__(self) -> None:
        # A dict look-up instead of calling the Enum (several µs a member).
        self._kinds = {kind.value: kind for kind in Gap}

    def encode(self, obj: EvidenceGaps) -> list[list[str]]:
        return [[gap.criterion, gap.gap.value, gap.explanation] for gap in obj.gaps]

    def decode(self, data: list[list[str]]) -> EvidenceGaps:
        kinds, new = self._kinds, object.__new__
        gaps = []
        for criterion, kind, explanation in data:
            # Made without the frozen dataclass's __init__, which sets each field through
            # object.__setattr__ (twice the cost of this).
            gap = new(EvidenceGap)
            fields: dict[str, Any] = gap.__dict__
            fields["criterion"] = criterion
            fields["gap"] = kinds[kind] if kind in kinds else Gap(kind)  # the Enum's own error
            fields["explanation"] = explanation
            gaps.append(gap)
        return EvidenceGaps(tuple(gaps))


class Certification(TracedEventApplication):
    name = "certification"

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        calendar: BusinessCalendar,
        clock: Clock = utc_now,
        clarification_working_days: int = DEFAULT_CLARIFICATION_WORKING_DAYS,
    ) -> None:
        super().__init__(env)
        self._clock = clock
        self._calendar = calendar
        self._clarification_working_days = clarification_working_days
        # Loaded once, at start: bad rules data stops the service before it takes traffic.
        self._webmail = load_public_webmail_list()
        self._all_criteria = load_criteria()
        self._criteria = self._all_criteria[CRITERIA_VERSION]
        self._standards = load_minimum_standards()
        self._levels = load_certificate_levels()

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DataclassAsDict(Evidence))
        transcoder.register(DataclassAsDict(Ineligibility))
        transcoder.register(EvidenceGapsAsRows())
        # Only read now: the gaps in `Application.Screened` events of version 1.
        transcoder.register(DataclassAsDict(EvidenceGap))
        transcoder.register(EnumAsValue(Gap))
        for value_type in (Actor, ItemAnswer, ItemAssessment, CertificateDetails, Shortfall):
            transcoder.register(DataclassAsDict(value_type))
        for enum_type in (Role, Assessment, ReviewResult, BoardDecision):
            transcoder.register(EnumAsValue(enum_type))

    # ------------------------------------------------------------------ partners (steps 1–2)

    def register_partner(self, partner_id: str, name: str, declared_domains: tuple[str, ...]) -> Partner:
        """Registers the partner; the same registration again returns it unchanged, one with
        another name or other domains raises PartnerConflict."""
        try:
            partner = self.get_partner(partner_id)
        except AggregateNotFoundError:
            partner = Partner(partner_aggregate_id(partner_id), partner_id, name, declared_domains)
            try:
                self.record(partner)
                return partner
            except IntegrityError:  # registered at the same moment: compare with that one
                partner = self.get_partner(partner_id)
        partner.check_same_registration(name, declared_domains)
        return partner

    def sign_cla(self, partner_id: str, cla_version: str) -> Partner:
        return self._change_partner(
            partner_id, "sign the CLA", lambda partner: partner.sign_cla(cla_version, self._clock())
        )

    def submit_enterprise_information(
        self,
        partner_id: str,
        *,
        company_name: str,
        business_licence_document: str,
        unified_social_credit_code: str,
        corporate_email: str,
    ) -> Partner:
        return self._change_partner(
            partner_id,
            "submit enterprise information",
            lambda partner: partner.submit_enterprise_information(
                company_name=company_name,
                business_licence_document=business_licence_document,
                unified_social_credit_code=unified_social_credit_code,
                corporate_email=corporate_email,
                webmail=self._webmail,
            ),
        )

    def _change_partner(
        self, partner_id: str, command: str, change: Callable[[Partner], None]
    ) -> Partner:
        for _ in range(_ATTEMPTS):
            try:
                partner = self.get_partner(partner_id)
            except AggregateNotFoundError:
                raise WrongStep(partner_subject(partner_id), NOT_REGISTERED, f"register before you {command}") from None
            change(partner)
            try:
                self.record(partner)
            except IntegrityError:
                continue  # another command changed the partner first: decide again
            return partner
        raise RuntimeError(f"partner {partner_id!r}: {command} kept conflicting")

    def get_partner(self, partner_id: str) -> Partner:
        """Raises eventsourcing's AggregateNotFoundError for a partner never registered."""
        return self.repository.get(partner_aggregate_id(partner_id))

    def ineligibility_of(self, partner: Partner) -> tuple[Ineligibility, ...]:
        """Every reason the partner may not apply now; empty when it is eligible."""
        return partner.ineligibility(self._webmail)

    # ------------------------------------------------------------------ applications (step 3)

    def register_application(
        self,
        *,
        application_id: UUID,
        partner_id: str,
        partner_name: str,
        corporate_email: str,
        evidence: tuple[Evidence, ...],
        submitted_at: datetime,
        position: Tracking | None = None,
    ) -> None:
        """Registers a submitted application and screens it: it proceeds to review if its
        partner is eligible now, and is kept, marked with every reason, if not. Its evidence
        is checked against the current criteria version. A second registration conflicts."""
        try:
            reasons = self.ineligibility_of(self.get_partner(partner_id))
        except AggregateNotFoundError:
            reasons = partner_not_registered(partner_id)
        application = Application(
            id=application_id,
            partner_id=partner_id,
            partner_name=partner_name,
            corporate_email=corporate_email,
            evidence=evidence,
            submitted_at=submitted_at,
        )
        application.screen(reasons, self._criteria)
        self.record(application, position=position)

    def rescreen_application(self, application_id: UUID) -> bool:
        """Screens a held application again: it proceeds to review if its partner is
        eligible now (True), and stays held, recording nothing, if not. Driven by
        `projections.Rescreening`; raises IntegrityError if another write came first."""
        application = self.get_application(application_id)
        try:
            reasons = self.ineligibility_of(self.get_partner(application.partner_id))
        except AggregateNotFoundError:
            return False
        if reasons or not application.rescreen(self._clock()):
            return False
        self.record(application)
        return True

    def get_application(self, application_id: UUID) -> Application:
        """Raises eventsourcing's AggregateNotFoundError for an unknown id."""
        application = self.repository.get(application_id)
        if not isinstance(application, Application):
            raise AggregateNotFoundError(application_id)
        return application

    # ------------------------------------------------------------------ review (step 4)

    def _change(self, load: Callable[[], A], change: Callable[[A], tuple[Aggregate, ...] | None]) -> A:
        """Loads the aggregate, applies the command, records it with what the command gives
        (e.g. a new certificate) in one write; a command that lost a race is decided again.
        `load` raises AggregateNotFoundError for an unknown id."""
        for _ in range(_ATTEMPTS):
            aggregate = load()
            others = change(aggregate) or ()
            try:
                self.record(aggregate, *others)
            except IntegrityError:
                continue
            return aggregate
        raise RuntimeError(f"{aggregate.id}: the command kept conflicting")

    def _review_command(
        self, application_id: UUID, command: Callable[[Application], bool]
    ) -> tuple[Application, bool]:
        """Runs a command carrying a request id; True with the application when it was a
        retry of that id (nothing recorded)."""
        recorded = False

        def change(application: Application) -> None:
            nonlocal recorded
            recorded = command(application)

        application = self._change(lambda: self.get_application(application_id), change)
        return application, not recorded

    def request_clarification(
        self,
        application_id: UUID,
        *,
        items: tuple[str, ...],
        question: str,
        actor: Actor,
        request_id: str,
    ) -> tuple[Application, bool]:
        """The partner has until the end of the configured number of working days after
        today (Beijing date) to answer; then the request is flagged overdue."""
        now = self._clock()
        window = self._calendar.working_days_window(now, self._clarification_working_days)
        return self._review_command(
            application_id,
            lambda a: a.request_clarification(
                items=items, question=question, actor=actor, at=now, due=window.end,
                calendar_version=window.calendar_version,
                items_of=self._items_of(a),
                request_id=request_id,
            ),
        )

    def _items_of(self, application: Application) -> tuple[str, frozenset[str]]:
        """What a clarification may name: the standards a recertification met, or the items
        of the criteria version an application was made under."""
        if application.recertifies is not None:
            return "the minimum standards", frozenset(e.criterion for e in application.evidence)
        criteria = self._all_criteria[application.criteria_version or CRITERIA_VERSION]
        return f"criteria version {criteria.version}", frozenset(i.code for i in criteria.items)

    def answer_clarification(
        self,
        application_id: UUID,
        *,
        number: int,
        answers: tuple[ItemAnswer, ...],
        actor: Actor,
        request_id: str,
    ) -> tuple[Application, bool]:
        return self._review_command(
            application_id,
            lambda a: a.answer_clarification(
                number=number, answers=answers, actor=actor, at=self._clock(), request_id=request_id
            ),
        )

    def flag_clarification_overdue(self, firing: DeadlineFiring) -> None:
        """Handler of the clarification deadline: an unanswered request is flagged, once."""
        application: Application = self.repository.get(firing.aggregate_id)
        application.flag_overdue(firing.deadline, firing.fired_at)
        self.record(application, firing.outcome())

    def submit_expert_report(
        self,
        application_id: UUID,
        *,
        assessments: tuple[ItemAssessment, ...],
        result: ReviewResult,
        summary: str,
        actor: Actor,
        request_id: str,
    ) -> tuple[Application, bool]:
        return self._review_command(
            application_id,
            lambda a: a.submit_expert_report(
                assessments=assessments, result=result, summary=summary, actor=actor,
                at=self._clock(), request_id=request_id,
            ),
        )

    # ------------------------------------------------------------------ board decision (step 5)

    def decide(
        self,
        application_id: UUID,
        *,
        decision: BoardDecision,
        meeting_reference: str,
        actor: Actor,
        request_id: str,
    ) -> tuple[Application, bool]:
        """A recertification is approved only while its certificate is valid (refused,
        recording nothing, after its end); steps 6–7 then renew it."""
        recorded = False

        def decide_(application: Application) -> None:
            nonlocal recorded
            now = self._clock()
            recorded = application.decide(
                decision=decision, meeting_reference=meeting_reference, actor=actor, at=now,
                request_id=request_id,
            )
            if recorded and application.recertifies and decision is BoardDecision.APPROVE:
                self.get_certificate(application.recertifies).require_renewable(
                    application.id, now, "a recertification is approved"
                )

        application = self._change(lambda: self.get_application(application_id), decide_)
        return application, not recorded

    # ------------------------------------------------------------------ issuance (steps 6–7)

    def pre_check(
        self, application_id: UUID, *, details: CertificateDetails, actor: Actor, request_id: str
    ) -> tuple[Application, bool]:
        """A recertification's details are pre-checked only while its certificate is valid.
        True with the application when it was a retry of ``request_id``."""
        recorded = False

        def pre_check_(application: Application) -> None:
            nonlocal recorded
            now = self._clock()
            recorded = application.pre_check(details=details, actor=actor, at=now, request_id=request_id)
            if recorded and application.recertifies is not None:
                self.get_certificate(application.recertifies).require_renewable(
                    application.id, now, "a recertification's details are pre-checked"
                )

        application = self._change(lambda: self.get_application(application_id), pre_check_)
        return application, not recorded

    def confirm(self, application_id: UUID, *, actor: Actor, request_id: str) -> tuple[Application, bool]:
        """The partner's confirmation issues the certificate in the same write — or, for a
        recertification, renews it with the confirmed details (only while still valid).
        True with the application when it was a retry of ``request_id``."""
        recorded = False

        def confirm_(application: Application) -> tuple[Aggregate, ...]:
            nonlocal recorded
            now = self._clock()
            recorded = application.confirm(actor=actor, at=now, request_id=request_id)
            if not recorded:
                return ()
            assert application.certificate_details is not None
            if application.recertifies is not None:
                certificate = self.get_certificate(application.recertifies)
                certificate.renew(
                    application_id=application.id, details=application.certificate_details, at=now
                )
                return (certificate,)
            return (
                Certificate.issue(
                    application_id=application.id,
                    partner_id=application.partner_id,
                    details=application.certificate_details,
                    issued_at=now,
                ),
            )

        application = self._change(lambda: self.get_application(application_id), confirm_)
        return application, not recorded

    # ------------------------------------------------------------------ certificates

    def get_certificate(self, certificate_id: UUID) -> Certificate:
        """Raises eventsourcing's AggregateNotFoundError for an unknown id."""
        certificate = self.repository.get(certificate_id)
        if not isinstance(certificate, Certificate):
            raise AggregateNotFoundError(certificate_id)
        return certificate

    def certificate_status(self, certificate: Certificate) -> CertificateStep:
        return certificate.status_at(self._clock())

    def open_recertification_window(self, firing: DeadlineFiring) -> None:
        certificate: Certificate = self.repository.get(firing.aggregate_id)
        certificate.open_recertification_window(firing.deadline, firing.fired_at)
        self.record(certificate, firing.outcome())

    def expire_certificate(self, firing: DeadlineFiring) -> None:
        """A recertification still in review lapses with it."""
        certificate: Certificate = self.repository.get(firing.aggregate_id)
        under_review = certificate.under_review
        certificate.expire(firing.deadline, firing.fired_at)
        lapsed: tuple[Aggregate, ...] = ()
        if certificate.step is CertificateStep.EXPIRED and under_review is not None:
            application = self.get_application(under_review)
            application.lapse(firing.fired_at)
            lapsed = (application,)
        self.record(certificate, *lapsed, firing.outcome())

    def submit_recertification(
        self, certificate_id: UUID, *, evidence: RecertificationEvidence, actor: Actor, request_id: str
    ) -> tuple[Certificate, tuple[Shortfall, ...], bool]:
        """Checks the year's evidence against the minimum standards; a pass opens the
        recertification application (`certificate.under_review`) in the same write, reviewed
        and decided like a first application; its approval renews the certificate. Answers
        the certificate, the shortfalls (none: passed) and whether it was a retry of
        ``request_id`` (the original check's shortfalls, nothing recorded)."""
        check = check_recertification(evidence, self._standards, self._levels)
        fingerprint = command_fingerprint("submit_recertification", actor, evidence=evidence)
        retried: tuple[Shortfall, ...] | None = None

        def recertify(certificate: Certificate) -> tuple[Aggregate, ...]:
            nonlocal retried
            retried = certificate.recorded_check(request_id, fingerprint)
            if retried is not None:
                return ()
            now = self._clock()
            application_id = recertification_id(certificate.id, certificate.cycle)
            opened = certificate.recertify(
                check=check, actor=actor, at=now, application_id=application_id,
                request_id=request_id, fingerprint=fingerprint,
            )
            if not opened:
                return ()
            first = self.get_application(certificate.application_id)
            application = Application(
                id=application_id,
                partner_id=certificate.partner_id,
                partner_name=first.partner_name,
                corporate_email=first.corporate_email,
                evidence=tuple(
                    Evidence(
                        standard.code,
                        f"{sum(check.measures[m] for m in standard.counts)} (minimum {standard.minimum})",
                        f"servicehub:certificate/{certificate.id}/recertification/{certificate.cycle}",
                    )
                    for standard in self._standards
                ),
                submitted_at=now,
                recertifies=certificate.id,
            )
            application.open_recertification_review()
            return (application,)

        certificate = self._change(lambda: self.get_certificate(certificate_id), recertify)
        if retried is not None:
            return certificate, retried, True
        return certificate, check.shortfalls, False

    def revoke_certificate(self, certificate_id: UUID, *, reason: str, actor: Actor) -> Certificate:
        """A recertification on its way is closed with the revocation's reason, in the
        same write."""

        def revoke(certificate: Certificate) -> tuple[Aggregate, ...]:
            now = self._clock()
            under_review = certificate.under_review
            certificate.revoke(reason=reason, actor=actor, at=now)
            if under_review is None or certificate.under_review is not None:
                return ()
            application = self.get_application(under_review)
            application.close(reason=reason, actor=actor, at=now)
            return (application,)

        return self._change(lambda: self.get_certificate(certificate_id), revoke)
