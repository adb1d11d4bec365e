"""ApplicationSubmitted → register_application (screened for eligibility and completeness),
and how the consumer treats the outcomes."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from uuid import UUID

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from servicehub.events.v1.intake_pb2 import ApplicationSubmitted, Evidence
from servicehub_certification.consumers import subscriptions
from servicehub_certification.domain import ApplicationStatus
from servicehub_certification.rules.criteria import Gap, load_criteria
from servicehub_runtime.cloudevents import CloudEvent, encode, topic_of
from servicehub_runtime.consumer import InvalidMessage, TrackingConsumer
from servicehub_runtime.eventstore import Tracking

TOPIC = topic_of(ApplicationSubmitted)


@pytest.fixture
def handle(certification):
    routes = {}
    subscriptions(certification)(
        SimpleNamespace(subscribe=lambda t, topic, h, **_: routes.setdefault(topic, (t, h)))
    )
    assert list(routes) == [TOPIC]
    message_type, handler = routes[TOPIC]
    assert message_type is ApplicationSubmitted
    return lambda message, position: handler(
        CloudEvent("e-1", "servicehub.events.v1.ApplicationSubmitted", "/servicehub/intake",
                   message.application_id, "", message),
        position,
    )


def test_registers_the_submitted_application(certification, handle, submitted, submitted_at) -> None:
    # (its partner never registered: the application is kept all the same, see below)
    message = submitted()
    handle(message, Tracking(f"{TOPIC}:1", 3))

    application = certification.get_application(UUID(message.application_id))
    assert application.partner_name == "Acme Cloud Services"
    assert application.submitted_at == submitted_at
    assert [e.criterion for e in application.evidence] == ["service-content.migration"]
    assert certification.position(f"{TOPIC}:1") == 3


def screened(certification, handle, message) -> tuple:
    handle(message, Tracking(f"{TOPIC}:0", 1))
    application = certification.get_application(UUID(message.application_id))
    reasons = [(r.field, r.reason) for r in application.partner_ineligibility]
    return application.status, reasons


def test_an_unregistered_partners_application_is_kept_and_marked(certification, handle, submitted) -> None:
    assert screened(certification, handle, submitted(partner_id="stranger")) == (
        ApplicationStatus.PARTNER_NOT_ELIGIBLE,
        [("partner_id", "partner 'stranger' is not registered")],
    )


def test_a_partner_midway_gets_the_steps_it_has_not_done(certification, handle, submitted) -> None:
    certification.register_partner("partner-7", "Acme", ("acme-cloud.example",))
    assert screened(certification, handle, submitted()) == (
        ApplicationStatus.PARTNER_NOT_ELIGIBLE,
        [
            ("cla", "the partner has not signed the CLA"),
            ("enterprise", "the partner has not submitted its enterprise information"),
        ],
    )


def test_an_ineligible_partners_application_carries_its_reasons(
    certification, handle, submitted
) -> None:
    certification.register_partner("partner-7", "Acme", ("acme-cloud.example",))
    certification.sign_cla("partner-7", "2.0")
    certification.submit_enterprise_information(
        "partner-7", company_name="Acme", business_licence_document="https://docs/licence",
        unified_social_credit_code="91310115MA1K4Q7B4Y", corporate_email="acme@163.com",
    )
    assert screened(certification, handle, submitted()) == (
        ApplicationStatus.PARTNER_NOT_ELIGIBLE,
        [
            ("corporate_email", "163.com is a public webmail provider (163.com)"),
            ("corporate_email", "163.com is not the partner's own domain (declared: acme-cloud.example)"),
        ],
    )


def test_an_eligible_partners_application_proceeds_to_review(
    certification, handle, submitted, make_eligible
) -> None:
    make_eligible("partner-7")
    assert screened(certification, handle, submitted()) == (ApplicationStatus.IN_REVIEW, [])


def test_completeness_lists_every_required_item_without_evidence(certification, handle, submitted) -> None:
    message = submitted()  # evidence for service-content.migration only
    handle(message, Tracking(f"{TOPIC}:0", 1))
    application = certification.get_application(UUID(message.application_id))

    criteria = load_criteria()["v1"]
    assert application.criteria_version == "v1"
    assert [(g.criterion, g.gap) for g in application.evidence_gaps] == [
        (item.code, Gap.MISSING)
        for item in criteria.required_items
        if item.code != "service-content.migration"
    ]
    assert len(application.evidence_gaps) == 19  # v1: 20 required items, one given


def test_evidence_for_every_required_item_is_complete(certification, handle, submitted) -> None:
    criteria = load_criteria()["v1"]
    evidence = [
        Evidence(criterion=item.code, summary="done", document_uri=f"https://docs/{item.code}")
        for item in criteria.required_items
    ]
    message = submitted(evidence=evidence)
    handle(message, Tracking(f"{TOPIC}:0", 1))
    assert certification.get_application(UUID(message.application_id)).evidence_gaps == ()


def test_blank_repeated_and_unknown_evidence_are_gaps(certification, handle, submitted) -> None:
    criteria = load_criteria()["v1"]
    evidence = [
        Evidence(criterion=item.code, summary="done", document_uri="https://docs/x")
        for item in criteria.required_items[1:]
    ]
    evidence[0].summary = " "  # the wire's summary is the claim: a met item needs one
    evidence.append(evidence[1])
    evidence.append(Evidence(criterion="staff.certified-engineers", summary="8", document_uri="https://d"))
    message = submitted(evidence=evidence)
    handle(message, Tracking(f"{TOPIC}:0", 1))

    gaps = certification.get_application(UUID(message.application_id)).evidence_gaps
    first, second, third = (item.code for item in criteria.required_items[:3])
    assert [(g.criterion, g.gap) for g in gaps] == [
        (first, Gap.MISSING),
        (second, Gap.UNSUPPORTED),
        (third, Gap.REPEATED),
        ("staff.certified-engineers", Gap.UNKNOWN),
    ]
    assert gaps[1].explanation == "declared met without a claim"


@pytest.mark.parametrize("application_id", ["", "not-a-uuid", "1234"])
def test_non_uuid_application_id_is_an_invalid_message(handle, submitted, application_id) -> None:
    with pytest.raises(InvalidMessage, match="is not a UUID"):
        handle(submitted(application_id=application_id), Tracking(f"{TOPIC}:0", 1))


def test_missing_submitted_at_is_an_invalid_message(certification, handle, submitted) -> None:
    message = submitted()
    message.ClearField("submitted_at")
    with pytest.raises(InvalidMessage, match="submitted_at is missing"):
        handle(message, Tracking(f"{TOPIC}:0", 1))


@pytest.mark.parametrize(
    "timestamp",
    [Timestamp(seconds=2**40), Timestamp(seconds=-(2**40)), Timestamp(seconds=0, nanos=2_000_000_000)],
    ids=["after-year-9999", "before-year-1", "nanos-out-of-range"],
)
def test_out_of_range_submitted_at_is_an_invalid_message(handle, submitted, timestamp) -> None:
    # A well-formed protobuf whose Timestamp is outside what the contract allows can never
    # be processed: it must be dead-lettered (InvalidMessage), not retried forever.
    with pytest.raises(InvalidMessage):
        handle(submitted(submitted_at=timestamp), Tracking(f"{TOPIC}:0", 1))


@pytest.fixture
def consumer(certification, tmp_path):
    broker = FakeBroker()
    consumer = TrackingConsumer(
        broker, certification, group_id="certification",  # type: ignore[arg-type]
        dead_letter_topic="certification.dead-letter.v1", dead_letters=broker,
        overflow_dir=tmp_path,
    )
    subscriptions(certification)(consumer)
    types, handler = consumer._routes[TOPIC]

    async def consume(offset: int, message: ApplicationSubmitted) -> None:
        await consumer._consume(SimpleNamespace(), record(offset, message), types, handler)

    return consume, consumer._broker


class FakeBroker:
    def __init__(self) -> None:
        self.published = []

    async def publish(self, body, topic, *, headers, **kwargs) -> None:
        text = {name: (value or b"").decode() for name, value in headers}
        self.published.append((topic, body, {"headers": text, **kwargs}))


def record(offset: int, message: ApplicationSubmitted):
    body, headers = encode(message, event_id=f"e-{offset}", source="/servicehub/intake",
                           subject=message.application_id, time=datetime(2026, 1, 1, tzinfo=UTC))
    return SimpleNamespace(topic=TOPIC, partition=0, offset=offset, key=b"", value=body,
                           headers=[(k, v.encode()) for k, v in headers.items()])


async def test_republished_submission_is_a_recorded_duplicate(
    certification, consumer, submitted
) -> None:
    """The same submission at a new offset (intake's relay re-published it)."""
    consume, broker = consumer
    message = submitted()

    await consume(0, message)
    await consume(1, message)

    assert certification.position(f"{TOPIC}:0") == 2
    assert len(certification.notifications_after(0, 10)) == 2  # Registered, Screened: once
    assert broker.published == []


async def test_invalid_submission_is_dead_lettered(certification, consumer, submitted) -> None:
    consume, broker = consumer
    await consume(0, submitted(application_id="x"))

    [(topic, _, kwargs)] = broker.published
    assert topic == "certification.dead-letter.v1"
    assert kwargs["headers"]["dlq_reason"] == "application_id 'x' is not a UUID"
    assert certification.position(f"{TOPIC}:0") == 1
