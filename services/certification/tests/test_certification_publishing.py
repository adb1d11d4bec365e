"""Which certification events are published, as which integration events."""

from __future__ import annotations

from types import SimpleNamespace
from uuid import uuid4

from servicehub.events.v1.certification_pb2 import ApplicationRegistered
from servicehub_certification.publishing import translate
from servicehub_runtime.cloudevents import topic_of


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
