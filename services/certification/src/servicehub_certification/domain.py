"""Service-partner capability certification (DOMAIN.md §3). Pure: no I/O, no clock reads.

Steps 1–2: a `Partner` registers, signs the CLA and submits its enterprise information;
the eligibility check runs on each submission. An `Application` from intake is registered
and screened at once: whether its partner was eligible, and which items of the criteria
version it was made under lack evidence. Review, the board decision and certificates come
next.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

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

# Fixed namespace: partner aggregate ids must never change between releases.
_PARTNER_NAMESPACE = UUID("3b0f6a52-7d1e-4c8a-9f3e-5a2c6d8e1b40")


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
    """A command that the partner's current step does not allow (gRPC FAILED_PRECONDITION)."""

    def __init__(self, partner_id: str, step: str, explanation: str) -> None:
        super().__init__(f"partner {partner_id!r} is at step {step!r}: {explanation}")
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
                self.partner_id, self.step.value,
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
                self.partner_id, self.step.value,
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


class ApplicationStatus(Enum):
    SUBMITTED = "submitted"  # registered, not screened (only before screening existed)
    IN_REVIEW = "in_review"
    PARTNER_NOT_ELIGIBLE = "partner_not_eligible"

    @classmethod
    def after_screening(cls, partner_ineligibility: tuple[Ineligibility, ...]) -> ApplicationStatus:
        """Only an eligible partner's application proceeds; the others are kept, marked."""
        return cls.PARTNER_NOT_ELIGIBLE if partner_ineligibility else cls.IN_REVIEW


class Application(Aggregate):
    """A partner's application for capability certification.

    Its id is the id intake gave the submission, so a submission registered twice is the
    same aggregate — the second registration conflicts instead of duplicating it.
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
    ) -> None:
        self.partner_id = partner_id
        self.partner_name = partner_name
        self.corporate_email = corporate_email
        self.evidence = tuple(evidence)
        self.submitted_at = submitted_at
        self.status = ApplicationStatus.SUBMITTED
        self.partner_ineligibility: tuple[Ineligibility, ...] = ()
        self.criteria_version = ""
        self.evidence_gaps: tuple[EvidenceGap, ...] = ()

    @property
    def registered_at(self) -> datetime:
        return self.created_on

    def screen(
        self, partner_ineligibility: tuple[Ineligibility, ...], criteria: CriteriaVersion
    ) -> None:
        """Marks whether the application proceeds (its partner was eligible when it
        arrived) and what its evidence lacks under ``criteria``. Kept either way."""
        gaps = evidence_gaps(criteria, tuple(e.as_item_evidence() for e in self.evidence))
        self._screened(tuple(partner_ineligibility), criteria.version, tuple(gaps))

    @event("Screened")
    def _screened(
        self,
        partner_ineligibility: tuple[Ineligibility, ...],
        criteria_version: str,
        evidence_gaps: tuple[EvidenceGap, ...],
    ) -> None:
        self.partner_ineligibility = tuple(partner_ineligibility)
        self.criteria_version = criteria_version
        self.evidence_gaps = tuple(evidence_gaps)
        self.status = ApplicationStatus.after_screening(self.partner_ineligibility)
