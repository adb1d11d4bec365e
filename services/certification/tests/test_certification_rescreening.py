"""Re-screening: an application kept back because its partner was not eligible (not
registered, steps missing, or ineligible information) proceeds to review once the partner
becomes eligible, keeping the earlier marks in its screening history. `Rescreening` follows
the log, so an application held just after its partner became eligible is released too."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

from servicehub.certification.v1 import certification_pb2 as pb
from servicehub_certification.domain import Application, ApplicationStatus, Evidence
from servicehub_certification.projections import Rescreening

from .conftest import ENTERPRISE, NOW, SUBMITTED_AT
from .test_certification_steps import REVIEWER, new_id

PARTNER = "partner-7"
NOT_REGISTERED = [("partner_id", f"partner {PARTNER!r} is not registered")]
WEBMAIL = {**ENTERPRISE, "corporate_email": "acme@gmail.com"}


def marks(screening: pb.Screening) -> list[tuple[str, str]]:
    return [(r.field, r.reason) for r in screening.partner_ineligibility]


def rows(projection, sql: str) -> list[tuple]:
    return [tuple(row) for row in projection.query(sql)]


def rescreened(certification, application_id: UUID) -> list:
    return [
        e for e in certification.repository.event_store.get(application_id) if isinstance(e, Application.Rescreened)
    ]


async def test_a_partner_becoming_eligible_releases_its_held_application_keeping_the_marks(
    stub, certification, register, clock, rescreening
):
    application_id = str(register())
    registered_at = certification.get_application(UUID(application_id)).registered_at
    clock.advance(timedelta(hours=1))
    await stub.RegisterPartner(
        pb.RegisterPartnerRequest(partner_id=PARTNER, name="Acme Cloud Services", declared_domains=["acme-cloud.example"])
    )
    await stub.SignCla(pb.SignClaRequest(partner_id=PARTNER, cla_version="2.0"))
    rescreening.catch_up()
    held = (await stub.GetApplication(pb.GetApplicationRequest(application_id=application_id))).application
    assert held.status == pb.APPLICATION_STATUS_PARTNER_NOT_ELIGIBLE  # registering and the CLA are not enough

    await stub.SubmitEnterpriseInformation(pb.SubmitEnterpriseInformationRequest(partner_id=PARTNER, **ENTERPRISE))
    rescreening.catch_up()

    released = (await stub.GetApplication(pb.GetApplicationRequest(application_id=application_id))).application
    assert released.status == pb.APPLICATION_STATUS_IN_REVIEW
    assert list(released.partner_ineligibility) == []
    [first, second] = released.screenings
    assert (marks(first), first.screened_at.ToDatetime(tzinfo=NOW.tzinfo)) == (NOT_REGISTERED, registered_at)
    assert (marks(second), second.screened_at.ToDatetime(tzinfo=NOW.tzinfo)) == ([], NOW + timedelta(hours=1))
    assert released.evidence_gaps == held.evidence_gaps  # same criteria version, same evidence


async def test_corrected_enterprise_information_releases_applications_held_for_the_old(
    stub, certification, register, rescreening
):
    await stub.RegisterPartner(
        pb.RegisterPartnerRequest(partner_id=PARTNER, name="Acme Cloud Services", declared_domains=["acme-cloud.example"])
    )
    await stub.SignCla(pb.SignClaRequest(partner_id=PARTNER, cla_version="2.0"))
    await stub.SubmitEnterpriseInformation(pb.SubmitEnterpriseInformationRequest(partner_id=PARTNER, **WEBMAIL))
    application_id = str(register())
    rescreening.catch_up()
    webmail = marks(
        (await stub.GetApplication(pb.GetApplicationRequest(application_id=application_id))).application.screenings[0]
    )
    assert [field for field, _ in webmail] == ["corporate_email", "corporate_email"]

    await stub.SubmitEnterpriseInformation(pb.SubmitEnterpriseInformationRequest(partner_id=PARTNER, **ENTERPRISE))
    rescreening.catch_up()

    released = (await stub.GetApplication(pb.GetApplicationRequest(application_id=application_id))).application
    assert released.status == pb.APPLICATION_STATUS_IN_REVIEW
    assert [marks(s) for s in released.screenings] == [webmail, []]


def test_every_held_application_of_the_partner_is_released_once_and_no_other(
    certification, register, make_eligible, rescreening
):
    mine = [register() for _ in range(3)]
    theirs = register(partner_id="partner-8")
    rescreening.catch_up()

    make_eligible()
    rescreening.catch_up()
    rescreening.catch_up()

    statuses = [certification.get_application(a).status for a in (*mine, theirs)]
    assert statuses == [ApplicationStatus.IN_REVIEW] * 3 + [ApplicationStatus.PARTNER_NOT_ELIGIBLE]
    assert [len(rescreened(certification, a)) for a in (*mine, theirs)] == [1, 1, 1, 0]
    assert rows(rescreening, "SELECT application_id, ready FROM held") == [(str(theirs), 0)]


def test_an_application_held_just_after_its_partner_became_eligible_is_released(
    open_certification, certification, rescreening, monkeypatch
):
    """The registration reads the partner just before it becomes eligible and records
    after: the log has Eligible before the hold, so the hold is ready at once."""
    other = open_certification()
    certification.register_partner(PARTNER, "Acme Cloud Services", ("acme-cloud.example",))
    certification.sign_cla(PARTNER, "2.0")
    read_partner = other.get_partner

    def stale_read(partner_id: str):
        partner = read_partner(partner_id)
        certification.submit_enterprise_information(partner_id, **ENTERPRISE)
        return partner

    monkeypatch.setattr(other, "get_partner", stale_read)
    application_id = uuid4()
    other.register_application(
        application_id=application_id,
        partner_id=PARTNER,
        partner_name="Acme Cloud Services",
        corporate_email="cert@acme-cloud.example",
        evidence=(Evidence("service-content.migration", "12 migrations", "https://docs/1"),),
        submitted_at=SUBMITTED_AT,
    )
    assert certification.get_application(application_id).status is ApplicationStatus.PARTNER_NOT_ELIGIBLE

    rescreening.catch_up()

    assert certification.get_application(application_id).status is ApplicationStatus.IN_REVIEW


def test_a_partner_ineligible_again_before_the_release_keeps_its_application_held(
    certification, register, make_eligible, rescreening
):
    application_id = register()
    make_eligible()
    certification.submit_enterprise_information(PARTNER, **WEBMAIL)  # before the view caught up

    rescreening.catch_up()
    rescreening.catch_up()

    assert certification.get_application(application_id).status is ApplicationStatus.PARTNER_NOT_ELIGIBLE
    assert rows(rescreening, "SELECT ready FROM held") == [(0,)]
    certification.submit_enterprise_information(PARTNER, **ENTERPRISE)
    rescreening.catch_up()
    assert certification.get_application(application_id).status is ApplicationStatus.IN_REVIEW


def test_an_eligible_partners_application_is_never_held(certification, register, make_eligible, rescreening):
    make_eligible()
    application_id = register()
    rescreening.catch_up()

    assert rescreening.query("SELECT * FROM held") == []
    assert len(certification.get_application(application_id).screenings) == 1


def test_a_released_application_goes_through_review(certification, register, make_eligible, rescreening):
    application_id = register()
    make_eligible()
    rescreening.catch_up()

    application, _ = certification.request_clarification(
        application_id, items=("service-content.migration",), question="?", actor=REVIEWER, request_id=new_id()
    )
    assert application.status is ApplicationStatus.IN_REVIEW
    assert len(application.requests) == 1


def test_the_views_rebuild_from_the_log(certification, register, make_eligible, rescreening, application_list, tmp_path):
    held, released = register(partner_id="partner-8"), register()
    make_eligible()
    rescreening.catch_up()
    application_list.catch_up()

    assert rows(application_list, "SELECT application_id, status, partner_ineligibility FROM applications") == [
        (str(held), "partner_not_eligible", '[{"field": "partner_id", "reason": "partner \'partner-8\' is not registered"}]'),
        (str(released), "in_review", "[]"),
    ]
    rebuilt = Rescreening(certification, tmp_path / "rebuilt.sqlite")
    try:
        rebuilt.catch_up()
        assert rows(rebuilt, "SELECT application_id, ready FROM held") == [(str(held), 0)]
    finally:
        rebuilt.close()
