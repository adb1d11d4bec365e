"""Certificates (DOMAIN.md §3): issued when both parties confirmed the details, valid one
year, renewed by a recertification in the month before expiry once it passed the minimum
standards, the board approved it and both parties confirmed its details. Pure: no I/O, no
clock reads.

Two deadlines per validity period, on calendar time (a certificate year is not business
time): the recertification window opens one month before expiry, and the certificate
expires at the end of its year unless renewed. Their `cycle` is the validity period, so a
firing of an earlier period (renewed since) changes nothing.
"""

from __future__ import annotations

import calendar
from datetime import datetime
from enum import Enum
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from servicehub_runtime.deadlines import Deadline

from .domain import Actor, CertificateDetails, RequestIdReused, WrongStep
from .rules.recertification import RecertificationCheck, Shortfall

#: Deadline kinds of a certificate.
EXPIRY = "certificate-expiry"
RECERTIFICATION_WINDOW = "recertification-window"
# Calendar time, not business time: a deadline on no business calendar carries no version.
_CALENDAR_TIME = ""

# Fixed namespace: certificate ids must never change between releases.
_CERTIFICATE_NAMESPACE = UUID("6c1d2f9e-4b7a-4e83-8a51-0f3e9d2c7b16")


def recertification_id(certificate_id: UUID, cycle: int) -> UUID:
    """The recertification application of a certificate's validity period: one per period,
    so a second one conflicts instead of duplicating it."""
    return uuid5(_CERTIFICATE_NAMESPACE, f"recertification:{certificate_id}:{cycle}")


def certificate_id(application_id: UUID) -> UUID:
    """One application gives at most one certificate: its id is derived from the
    application's, so a second issuance conflicts instead of duplicating it."""
    return uuid5(_CERTIFICATE_NAMESPACE, f"certificate:{application_id}")


def add_months(instant: datetime, months: int) -> datetime:
    """The same day and time ``months`` later (or earlier), on the month's last day when
    it is shorter (29 February + 12 months is 28 February)."""
    month_index = instant.month - 1 + months
    year, month = instant.year + month_index // 12, month_index % 12 + 1
    day = min(instant.day, calendar.monthrange(year, month)[1])
    return instant.replace(year=year, month=month, day=day)


VALIDITY_MONTHS = 12
WINDOW_MONTHS = 1


class CertificateStep(Enum):
    VALID = "valid"
    RECERTIFICATION_DUE = "recertification due"  # valid, and the window is open
    EXPIRED = "expired"
    REVOKED = "revoked"


def _period_deadlines(cycle: int, valid_until: datetime) -> list[Deadline]:
    return [
        Deadline(EXPIRY, cycle, valid_until, _CALENDAR_TIME),
        Deadline(
            RECERTIFICATION_WINDOW, cycle, add_months(valid_until, -WINDOW_MONTHS), _CALENDAR_TIME
        ),
    ]


class Certificate(Aggregate):
    """A partner's capability certificate."""

    @classmethod
    def issue(
        cls,
        *,
        application_id: UUID,
        partner_id: str,
        details: CertificateDetails,
        issued_at: datetime,
    ) -> Certificate:
        valid_until = add_months(issued_at, VALIDITY_MONTHS)
        return cls(
            id=certificate_id(application_id),
            application_id=application_id,
            partner_id=partner_id,
            details=details,
            valid_from=issued_at,
            valid_until=valid_until,
            deadlines=_period_deadlines(1, valid_until),
        )

    @event("Issued")
    def __init__(
        self,
        id: UUID,
        application_id: UUID,
        partner_id: str,
        details: CertificateDetails,
        valid_from: datetime,
        valid_until: datetime,
        deadlines: list[Deadline],
    ) -> None:
        self.application_id = application_id
        self.partner_id = partner_id
        self.details = details
        self.valid_from = valid_from
        self.valid_until = valid_until
        self.cycle = 1
        self.step = CertificateStep.VALID
        self.revocation_reason = ""
        self.ended_at: datetime | None = None  # expired or revoked at
        self.last_check: tuple[Shortfall, ...] | None = None
        # The recertification application under review in this period, if any.
        self.under_review: UUID | None = None
        # Request id -> (fingerprint, shortfalls) of each recertification check recorded.
        self.checks: dict[str, tuple[str, tuple[Shortfall, ...]]] = {}

    @property
    def subject(self) -> str:
        return f"certificate {str(self.id)!r}"

    def status_at(self, now: datetime) -> CertificateStep:
        """Its step as a verifier sees it: past its end it is expired even before the
        expiry deadline has fired."""
        if self.step in (CertificateStep.VALID, CertificateStep.RECERTIFICATION_DUE) and now >= self.valid_until:
            return CertificateStep.EXPIRED
        return self.step

    def _current(self, deadline: Deadline) -> bool:
        return self.step in (CertificateStep.VALID, CertificateStep.RECERTIFICATION_DUE) and (
            deadline.cycle == self.cycle
        )

    def open_recertification_window(self, deadline: Deadline, at: datetime) -> None:
        """Opens the window; one that fires only at or after expiry (the service was down
        all month) opens nothing: the expiry follows."""
        if self._current(deadline) and self.step is CertificateStep.VALID and at < self.valid_until:
            self._recertification_due(
                partner_id=self.partner_id, cycle=self.cycle, valid_until=self.valid_until, opened_at=at
            )

    @event("RecertificationDue")
    def _recertification_due(
        self, partner_id: str, cycle: int, valid_until: datetime, opened_at: datetime
    ) -> None:
        self.step = CertificateStep.RECERTIFICATION_DUE

    def expire(self, deadline: Deadline, at: datetime) -> None:
        if self._current(deadline):
            self._expired(valid_until=self.valid_until, expired_at=at)

    @event("Expired")
    def _expired(self, valid_until: datetime, expired_at: datetime) -> None:
        self.step = CertificateStep.EXPIRED
        self.ended_at = expired_at
        self.under_review = None

    def recorded_check(self, request_id: str, fingerprint: str) -> tuple[Shortfall, ...] | None:
        """The shortfalls of the check recorded under ``request_id`` (a retry), None if
        there is none; RequestIdReused if it was recorded for other evidence."""
        recorded = self.checks.get(request_id)
        if recorded is None:
            return None
        if recorded[0] != fingerprint:
            raise RequestIdReused(self.subject, request_id)
        return recorded[1]

    def recertify(
        self,
        *,
        check: RecertificationCheck,
        actor: Actor,
        at: datetime,
        application_id: UUID,
        request_id: str,
        fingerprint: str,
    ) -> bool:
        """Records the check of the partner's recertification evidence against the minimum
        standards; a pass opens the review of recertification application
        ``application_id`` (True), whose approval renews the certificate. Allowed while the
        window is open and no recertification is under review."""
        if self.step is not CertificateStep.RECERTIFICATION_DUE:
            raise WrongStep(
                self.subject, self.step.value,
                f"recertification is submitted only in step {CertificateStep.RECERTIFICATION_DUE.value!r}"
                f" (from {add_months(self.valid_until, -WINDOW_MONTHS).isoformat()})",
            )
        if self.under_review is not None:
            raise WrongStep(
                self.subject, self.step.value,
                f"recertification application '{self.under_review}' is under review",
            )
        self._recertification_checked(
            shortfalls=check.shortfalls, measures=dict(check.measures), actor=actor, checked_at=at,
            request_id=request_id, fingerprint=fingerprint,
        )
        if not check.passed:
            return False
        self._recertification_opened(application_id=application_id, cycle=self.cycle, opened_at=at)
        return True

    @event("RecertificationOpened")
    def _recertification_opened(self, application_id: UUID, cycle: int, opened_at: datetime) -> None:
        self.under_review = application_id

    def require_renewable(self, application_id: UUID, at: datetime, command: str) -> None:
        """A recertification's approval, pre-check and confirmation need the certificate
        still valid at ``at`` (past its end it is expired even before the deadline fired)
        and ``application_id`` its recertification under review (not one of an earlier
        period, which renewed it already)."""
        if self.status_at(at) is not CertificateStep.RECERTIFICATION_DUE:
            raise WrongStep(
                self.subject, self.status_at(at).value,
                f"{command} only while the certificate is valid (until"
                f" {self.valid_until.isoformat()})",
            )
        if self.under_review != application_id:
            raise WrongStep(
                self.subject, self.step.value,
                f"application '{application_id}' is not its recertification under review",
            )

    def renew(self, *, application_id: UUID, details: CertificateDetails, at: datetime) -> None:
        """Both parties confirmed the details of the approved recertification
        ``application_id``: valid for a year from the current end with those details, both
        deadlines moved to the new period. Only while still valid."""
        self.require_renewable(application_id, at, "a recertification is confirmed")
        valid_until = add_months(self.valid_until, VALIDITY_MONTHS)
        self._renewed(
            cycle=self.cycle + 1,
            valid_until=valid_until,
            deadlines=_period_deadlines(self.cycle + 1, valid_until),
            application_id=application_id,
            partner_id=self.partner_id,
            details=details,
            renewed_at=at,
            valid_from=self.valid_from,
        )

    @event("RecertificationChecked")
    def _recertification_checked(
        self,
        shortfalls: tuple[Shortfall, ...],
        measures: dict[str, int],
        actor: Actor,
        checked_at: datetime,
        request_id: str = "",
        fingerprint: str = "",
    ) -> None:
        self.last_check = tuple(shortfalls)
        if request_id:  # events from before request ids have none
            self.checks[request_id] = (fingerprint, tuple(shortfalls))

    @event("Renewed")
    def _renewed(
        self,
        cycle: int,
        valid_until: datetime,
        deadlines: list[Deadline],
        application_id: UUID | None = None,  # None: renewed on approval, before steps 6–7
        partner_id: str = "",
        details: CertificateDetails | None = None,
        renewed_at: datetime | None = None,
        valid_from: datetime | None = None,
    ) -> None:
        if details is not None:
            self.details = details
        self.cycle = cycle
        self.valid_until = valid_until
        self.step = CertificateStep.VALID
        self.under_review = None

    def revoke(self, *, reason: str, actor: Actor, at: datetime) -> None:
        """Revokes a valid certificate; revoking it again changes nothing."""
        if self.step is CertificateStep.REVOKED:
            return
        if self.step is CertificateStep.EXPIRED:
            raise WrongStep(self.subject, self.step.value, "an expired certificate cannot be revoked")
        self._revoked(
            reason=reason, actor=actor, revoked_at=at,
            cancelled_deadlines=[EXPIRY, RECERTIFICATION_WINDOW],
        )

    @event("Revoked")
    def _revoked(self, reason: str, actor: Actor, revoked_at: datetime, cancelled_deadlines: list[str]) -> None:
        self.step = CertificateStep.REVOKED
        self.revocation_reason = reason
        self.ended_at = revoked_at
        self.under_review = None
