"""The certification application service: commands and queries over the event store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import JSONTranscoder

from servicehub_runtime.eventstore import (
    DataclassAsDict,
    EnumAsValue,
    IntegrityError,
    TracedEventApplication,
    Tracking,
)
from servicehub_runtime.wallclock import Clock, utc_now

from .domain import (
    NOT_REGISTERED,
    Application,
    Evidence,
    Partner,
    WrongStep,
    partner_aggregate_id,
    partner_not_registered,
)
from .rules.criteria import EvidenceGap, Gap, load_criteria
from .rules.eligibility import Ineligibility, load_public_webmail_list

CRITERIA_VERSION = "v1"
"""The criteria version new applications are made under (rules/data/criteria/)."""

# A partner command that lost a race with another command on the same partner is decided
# again on the new state; more attempts than this means something keeps writing it.
_ATTEMPTS = 5


class Certification(TracedEventApplication):
    name = "certification"

    def __init__(self, env: dict[str, str] | None = None, clock: Clock = utc_now) -> None:
        super().__init__(env)
        self._clock = clock
        # Loaded once, at start: bad rules data stops the service before it takes traffic.
        self._webmail = load_public_webmail_list()
        self._criteria = load_criteria()[CRITERIA_VERSION]

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DataclassAsDict(Evidence))
        transcoder.register(DataclassAsDict(Ineligibility))
        transcoder.register(DataclassAsDict(EvidenceGap))
        transcoder.register(EnumAsValue(Gap))

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
                raise WrongStep(partner_id, NOT_REGISTERED, f"register before you {command}") from None
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

    def get_application(self, application_id: UUID) -> Application:
        """Raises eventsourcing's AggregateNotFoundError for an unknown id."""
        return self.repository.get(application_id)
