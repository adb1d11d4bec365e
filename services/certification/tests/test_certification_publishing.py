"""Which certification events are published, as which integration events."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from uuid import uuid4

from servicehub.events.v1.certification_pb2 import (
    ApplicationRegistered,
    CertificateIssued,
    CertificateRenewed,
    RecertificationDue,
)
from servicehub_certification.certificates import certificate_id
from servicehub_certification.publishing import translate
from servicehub_runtime import bounds
from servicehub_runtime.cloudevents import topic_of

from .conftest import NOW
from .test_certification_certificates import EXPIRES, open_window, pass_check, renew
from .test_certification_steps import issue


def test_registration_is_published_as_application_registered(certification, register) -> None:
    application_id = register()
    [notification, _screened] = certification.notifications_after(0, 10)
    domain_event = certification.mapper.to_domain_event(notification)

    outbound = translate(domain_event)

    assert outbound.key == str(application_id)
    expected = ApplicationRegistered(
        application_id=str(application_id), partner_id="partner-7", evidence_count=2
    )
    expected.registered_at.FromDatetime(domain_event.timestamp)
    assert outbound.message == expected
    assert outbound.message.registered_at.ToDatetime().year == domain_event.timestamp.year
    assert topic_of(type(outbound.message)) == "certification.application-registered.v1"


def test_other_events_stay_private() -> None:
    assert translate(SimpleNamespace(originator_id=uuid4())) is None


def test_issuance_is_published_as_certificate_issued(certification, make_eligible, register) -> None:
    make_eligible()
    application_id = register()
    issue(certification, application_id)
    [issued] = [
        certification.mapper.to_domain_event(n)
        for n in certification.notifications_after(0, 100)
        if n.topic.endswith("Certificate.Issued")
    ]

    outbound = translate(issued)

    assert outbound.key == str(certificate_id(application_id))
    assert outbound.message.certificate_id == str(certificate_id(application_id))
    assert outbound.message.application_id == str(application_id)
    assert outbound.message.partner_id == "partner-7"
    assert outbound.message.holder_name == "Acme Cloud Services Co., Ltd."
    assert outbound.message.valid_from.ToDatetime(tzinfo=UTC) == NOW
    assert outbound.message.valid_until.ToDatetime(tzinfo=UTC) == NOW.replace(year=2027)
    assert topic_of(CertificateIssued) == "certification.certificate-issued.v1"
    assert bounds.violations(outbound.message) == []


def test_the_open_window_is_published_as_recertification_due(
    certification, make_eligible, register, scheduler, clock
) -> None:
    make_eligible()
    application_id = register()
    issue(certification, application_id)
    clock.advance(datetime(2027, 2, 1, 9, tzinfo=UTC) - NOW)
    scheduler.fire_due()
    [due] = [
        certification.mapper.to_domain_event(n)
        for n in certification.notifications_after(0, 100)
        if n.topic.endswith("Certificate.RecertificationDue")
    ]

    outbound = translate(due)

    assert outbound.key == str(certificate_id(application_id))
    assert (outbound.message.partner_id, outbound.message.cycle) == ("partner-7", 1)
    assert outbound.message.valid_until.ToDatetime(tzinfo=UTC) == NOW.replace(year=2027)
    assert outbound.message.opened_at.ToDatetime(tzinfo=UTC) == datetime(2027, 2, 1, 9, tzinfo=UTC)
    assert topic_of(RecertificationDue) == "certification.recertification-due.v1"


def test_a_confirmed_renewal_is_published_once_as_certificate_renewed(
    certification, make_eligible, register, scheduler, clock
) -> None:
    make_eligible()
    application_id = register()
    issue(certification, application_id)
    certified = certificate_id(application_id)
    open_window(clock, scheduler)
    recertification = renew(certification, pass_check(certification, certified))
    outbounds = [
        translate(certification.mapper.to_domain_event(n)) for n in certification.notifications_after(0, 1000)
    ]

    [outbound] = [o for o in outbounds if o and isinstance(o.message, CertificateRenewed)]

    assert outbound.key == str(certified)
    assert outbound.message.certificate_id == str(certified)
    assert outbound.message.application_id == str(recertification.id)
    assert (outbound.message.partner_id, outbound.message.cycle) == ("partner-7", 2)
    assert outbound.message.holder_name == "Acme Database Services Ltd"  # as confirmed anew
    assert outbound.message.valid_from.ToDatetime(tzinfo=UTC) == NOW
    assert outbound.message.valid_until.ToDatetime(tzinfo=UTC) == EXPIRES.replace(year=2028)
    assert outbound.message.renewed_at.ToDatetime(tzinfo=UTC) == clock()
    assert [type(o.message) for o in outbounds if o and isinstance(o.message, CertificateIssued)] == [
        CertificateIssued
    ]
    assert topic_of(CertificateRenewed) == "certification.certificate-renewed.v1"
    assert bounds.violations(outbound.message) == []
