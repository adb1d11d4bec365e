"""Read models of certification, rebuilt from its event log at will."""

from __future__ import annotations

import functools
import json
import logging
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

from servicehub_runtime.eventstore import IntegrityError
from servicehub_runtime.projection import Projection, SqliteView, topics_of

from .certificates import Certificate
from .domain import (
    Application,
    ApplicationStatus,
    BoardDecision,
    CertificateDetails,
    Partner,
    partner_aggregate_id,
)

if TYPE_CHECKING:
    from .application import Certification

log = logging.getLogger(__name__)

_AFTER_DECISION = {
    BoardDecision.APPROVE: ApplicationStatus.AWAITING_PRE_CHECK,
    BoardDecision.REJECT: ApplicationStatus.REJECTED,
    BoardDecision.SEND_BACK: ApplicationStatus.IN_REVIEW,
}


class ApplicationList(SqliteView):
    """Every application in the order certification registered it."""

    sealed_columns = frozenset({"partner_name", "corporate_email", "evidence"})  # personal data

    schema = """
        CREATE TABLE IF NOT EXISTS applications (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            application_id TEXT NOT NULL UNIQUE,
            partner_id TEXT NOT NULL,
            partner_name TEXT NOT NULL,
            corporate_email TEXT NOT NULL,
            evidence TEXT NOT NULL,
            status TEXT NOT NULL,
            submitted_at TEXT NOT NULL,
            registered_at TEXT NOT NULL,
            partner_ineligibility TEXT NOT NULL DEFAULT '[]',
            criteria_version TEXT NOT NULL DEFAULT '',
            evidence_gaps TEXT NOT NULL DEFAULT '[]'
        );
        -- Applications that recertify a certificate: their confirmation renews it.
        CREATE TABLE IF NOT EXISTS recertifications (application_id TEXT PRIMARY KEY);
    """

    topics = topics_of(
        Application.Registered,
        Application.Screened,
        Application.Rescreened,
        Application.BoardDecided,
        Application.CertificateDetailsPreChecked,
        Application.PartnerConfirmed,
        Application.Lapsed,
        Application.Closed,
    )

    def apply(self, connection: sqlite3.Connection, domain_event: Any) -> None:
        if isinstance(domain_event, Application.Registered):
            # The row is made from the event itself, as Application.__init__ sets it
            # (re-building the aggregate per registration was a tenth of a rebuild).
            application_id = str(domain_event.originator_id)
            connection.execute(
                "INSERT INTO applications (application_id, partner_id, partner_name,"
                " corporate_email, evidence, status, submitted_at, registered_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    application_id,
                    domain_event.partner_id,
                    self.seal(domain_event.partner_name),
                    self.seal(domain_event.corporate_email),
                    self.seal(json.dumps([vars(e) for e in domain_event.evidence])),
                    ApplicationStatus.SUBMITTED.value,
                    domain_event.submitted_at.isoformat(),
                    domain_event.timestamp.isoformat(),
                ),
            )
            if domain_event.recertifies is not None:
                connection.execute(
                    "INSERT INTO recertifications (application_id) VALUES (?)", (application_id,)
                )
        elif isinstance(domain_event, Application.Screened):
            connection.execute(
                "UPDATE applications SET status = ?, partner_ineligibility = ?,"
                " criteria_version = ?, evidence_gaps = ? WHERE application_id = ?",
                (
                    ApplicationStatus.after_screening(domain_event.partner_ineligibility).value,
                    json.dumps([vars(r) for r in domain_event.partner_ineligibility]),
                    domain_event.criteria_version,
                    json.dumps(
                        [
                            {"criterion": g.criterion, "gap": g.gap.value, "explanation": g.explanation}
                            for g in domain_event.evidence_gaps.gaps
                        ]
                    ),
                    str(domain_event.originator_id),
                ),
            )
        elif isinstance(domain_event, Application.Rescreened):
            connection.execute(
                "UPDATE applications SET status = ?, partner_ineligibility = ? WHERE application_id = ?",
                (
                    ApplicationStatus.after_screening(domain_event.partner_ineligibility).value,
                    json.dumps([vars(r) for r in domain_event.partner_ineligibility]),
                    str(domain_event.originator_id),
                ),
            )
        elif isinstance(
            domain_event,
            Application.BoardDecided
            | Application.CertificateDetailsPreChecked
            | Application.PartnerConfirmed
            | Application.Lapsed
            | Application.Closed,
        ):
            if isinstance(domain_event, Application.BoardDecided):
                status = _AFTER_DECISION[domain_event.decision]
            elif isinstance(domain_event, Application.CertificateDetailsPreChecked):
                status = ApplicationStatus.AWAITING_PARTNER_CONFIRMATION
            elif isinstance(domain_event, Application.Lapsed):
                status = ApplicationStatus.LAPSED
            elif isinstance(domain_event, Application.Closed):
                status = ApplicationStatus.CLOSED
            else:
                recertification = connection.execute(
                    "SELECT 1 FROM recertifications WHERE application_id = ?",
                    (str(domain_event.originator_id),),
                ).fetchone()
                status = ApplicationStatus.RENEWED if recertification else ApplicationStatus.CERTIFIED
            connection.execute(
                "UPDATE applications SET status = ? WHERE application_id = ?",
                (status.value, str(domain_event.originator_id)),
            )


class CertifiedProviders(SqliteView):
    """The public directory: partners holding a valid certificate. Holds only what the
    certificate says publicly (no contact details, no evidence)."""

    schema = """
        CREATE TABLE IF NOT EXISTS providers (
            certificate_id TEXT PRIMARY KEY,
            partner_id TEXT NOT NULL,
            holder_name TEXT NOT NULL,
            valid_until TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS providers_by_name ON providers (holder_name, certificate_id);
        CREATE TABLE IF NOT EXISTS provider_facets (
            certificate_id TEXT NOT NULL,
            facet TEXT NOT NULL,  -- service_region, language, support_plan
            value TEXT NOT NULL,
            PRIMARY KEY (certificate_id, facet, value)
        );
        CREATE INDEX IF NOT EXISTS provider_facets_by_value ON provider_facets (facet, value);
    """
    topics = topics_of(Certificate.Issued, Certificate.Renewed, Certificate.Expired, Certificate.Revoked)

    def apply(self, connection: sqlite3.Connection, domain_event: Any) -> None:
        certificate_id = str(domain_event.originator_id)
        if isinstance(domain_event, Certificate.Issued):
            details = domain_event.details
            connection.execute(
                "INSERT INTO providers (certificate_id, partner_id, holder_name, valid_until)"
                " VALUES (?, ?, ?, ?)",
                (certificate_id, domain_event.partner_id, details.holder_name,
                 domain_event.valid_until.isoformat()),
            )
            self._insert_facets(connection, certificate_id, details)
        elif isinstance(domain_event, Certificate.Renewed):
            connection.execute(
                "UPDATE providers SET valid_until = ? WHERE certificate_id = ?",
                (domain_event.valid_until.isoformat(), certificate_id),
            )
            if (details := domain_event.details) is not None:  # confirmed anew (steps 6–7)
                connection.execute(
                    "UPDATE providers SET holder_name = ? WHERE certificate_id = ?",
                    (details.holder_name, certificate_id),
                )
                connection.execute("DELETE FROM provider_facets WHERE certificate_id = ?", (certificate_id,))
                self._insert_facets(connection, certificate_id, details)
        elif isinstance(domain_event, Certificate.Expired | Certificate.Revoked):
            connection.execute("DELETE FROM providers WHERE certificate_id = ?", (certificate_id,))
            connection.execute("DELETE FROM provider_facets WHERE certificate_id = ?", (certificate_id,))


    @staticmethod
    def _insert_facets(connection: sqlite3.Connection, certificate_id: str, details: CertificateDetails) -> None:
        connection.executemany(
            "INSERT OR IGNORE INTO provider_facets (certificate_id, facet, value) VALUES (?, ?, ?)",
            [(certificate_id, "service_region", v) for v in details.service_regions]
            + [(certificate_id, "language", v) for v in details.languages]
            + [(certificate_id, "support_plan", v) for v in details.support_plans],
        )


class HeldApplications(SqliteView):
    """Applications held because their partner was not eligible, and whether the partner's
    latest verdict is eligible (``ready``: to be re-screened). Following the log in order
    makes this exact without a write shared by the two sides: an application held after
    its partner's `Eligible` (it read the partner just before) is ready at once."""

    schema = """
        CREATE TABLE IF NOT EXISTS held (
            application_id TEXT PRIMARY KEY,
            partner TEXT NOT NULL,  -- the Partner aggregate's id
            ready INTEGER NOT NULL  -- 0 held, 1 its partner is eligible; -1 not screened yet
        );
        CREATE INDEX IF NOT EXISTS held_by_partner ON held (partner);
        CREATE INDEX IF NOT EXISTS held_ready ON held (ready);
        CREATE TABLE IF NOT EXISTS eligible_partner (partner TEXT PRIMARY KEY);
    """
    topics = topics_of(
        Application.Registered,
        Application.Screened,
        Application.Rescreened,
        Partner.Eligible,
        Partner.NotEligible,
    )

    def apply(self, connection: sqlite3.Connection, domain_event: Any) -> None:
        if isinstance(domain_event, Application.Registered):
            # The screening follows in the same write; only it says whether to hold.
            connection.execute(
                "INSERT INTO held (application_id, partner, ready) VALUES (?, ?, -1)",
                (str(domain_event.originator_id), str(partner_aggregate_id(domain_event.partner_id))),
            )
        elif isinstance(domain_event, Application.Screened):
            application_id = str(domain_event.originator_id)
            if domain_event.partner_ineligibility:
                connection.execute(
                    "UPDATE held SET ready = EXISTS (SELECT 1 FROM eligible_partner e"
                    " WHERE e.partner = held.partner) WHERE application_id = ?",
                    (application_id,),
                )
            else:
                connection.execute("DELETE FROM held WHERE application_id = ?", (application_id,))
        elif isinstance(domain_event, Application.Rescreened):
            connection.execute(
                "DELETE FROM held WHERE application_id = ?", (str(domain_event.originator_id),)
            )
        elif isinstance(domain_event, Partner.Eligible | Partner.NotEligible):
            partner = str(domain_event.originator_id)
            eligible = isinstance(domain_event, Partner.Eligible)
            if eligible:
                connection.execute(
                    "INSERT OR IGNORE INTO eligible_partner (partner) VALUES (?)", (partner,)
                )
            else:
                connection.execute("DELETE FROM eligible_partner WHERE partner = ?", (partner,))
            connection.execute(
                "UPDATE held SET ready = ? WHERE partner = ? AND ready >= 0", (int(eligible), partner)
            )


class Rescreening(Projection):
    """Follows `HeldApplications` and re-screens the applications whose partner became
    eligible: each proceeds to review (`Application.Rescreened`), which takes it off the
    view. One whose partner is not eligible any more stays: the partner's `NotEligible`
    behind it takes it off the ready list on the next catch-up."""

    def __init__(self, certification: Certification, path: Path) -> None:
        super().__init__(certification, HeldApplications(), path)
        self._certification = certification

    def catch_up(self) -> int:
        applied = super().catch_up()
        ready = [
            UUID(row["application_id"])
            for row in self.query("SELECT application_id FROM held WHERE ready = 1 LIMIT ?", (_RELEASE_BATCH,))
        ]
        if not ready:
            return applied
        try:  # one transaction for all (a partner's applications are released together)
            with self._certification.batch() as batch:
                for application_id in ready:
                    batch.run(functools.partial(self._certification.rescreen_application, application_id))
        except IntegrityError:
            # Another write came first (another replica re-screening): one by one, each
            # conflict left to the next catch-up, which its winner's event wakes.
            for application_id in ready:
                try:
                    self._certification.rescreen_application(application_id)
                except IntegrityError:
                    log.info("re-screening %s conflicted; deciding again", application_id)
        return applied


_RELEASE_BATCH = 500
