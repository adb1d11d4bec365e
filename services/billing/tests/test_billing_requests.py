"""billing.project-requests.v1: internal systems send the gRPC commands as CloudEvents.
One adapter (requests.py) serves both doors; the request id makes re-sending safe."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace
from uuid import UUID, uuid4

import pytest
from faststream.kafka import KafkaBroker, TestKafkaBroker
from google.protobuf.timestamp_pb2 import Timestamp

from servicehub.billing.v1 import billing_pb2 as pb
from servicehub_billing import requests
from servicehub_billing.acceptance import AcceptanceState, DeliverableAcceptance, acceptance_id
from servicehub_billing.consumers import subscriptions
from servicehub_billing.domain import request_receipt_id
from servicehub_runtime.cloudevents import CloudEvent, encode, topic_of
from servicehub_runtime.consumer import InvalidMessage, TrackingConsumer
from servicehub_runtime.eventstore import Tracking

TOPIC = "billing.project-requests.v1"
STREAM = f"{TOPIC}:0"
# Before the tests' clock (2026-10-02 08:00 UTC).
ORDERED_AT = datetime(2026, 9, 21, 2, 0, tzinfo=UTC)
SUBMITTED_AT = datetime(2026, 9, 29, 7, 0, tzinfo=UTC)  # Tue 15:00 Beijing


class RecordingConsumer:
    def __init__(self):
        self.routes = {}

    def subscribe(self, message_type, topic, handler):
        self.routes[topic] = (message_type, handler)


@pytest.fixture
def handle(billing):
    consumer = RecordingConsumer()
    subscriptions(billing)(consumer)
    message_type, handler = consumer.routes[TOPIC]
    assert message_type is requests.INBOUND is pb.ProjectRequest
    return handler


def project(billing, service_code="realtime-compute-tuning", package="standard") -> UUID:
    project_id = uuid4()
    billing.register_project(
        project_id=project_id, customer_id="cust-7", service_code=service_code, package=package,
        contract_signed_on=date(2026, 9, 21), ordered_at=ORDERED_AT,
    )
    return project_id


def request(request_id: str, **command) -> CloudEvent:
    message = pb.ProjectRequest(request_id=request_id, **command)
    return CloudEvent(
        id=f"ce-{request_id}", type="servicehub.billing.v1.ProjectRequest", source="/erp",
        subject="", time=ORDERED_AT.isoformat(), message=message,
    )


def submit(project_id: UUID, deliverable: str = "trial-run") -> pb.SubmitDeliverableRequest:
    at = Timestamp()
    at.FromDatetime(SUBMITTED_AT)
    return pb.SubmitDeliverableRequest(project_id=str(project_id), deliverable=deliverable, submitted_at=at)


def accept(project_id: UUID, deliverable: str = "trial-run") -> pb.AcceptDeliverableRequest:
    return pb.AcceptDeliverableRequest(project_id=str(project_id), deliverable=deliverable)


def acceptance(billing, project_id: UUID, deliverable: str = "trial-run") -> DeliverableAcceptance:
    return billing.repository.get(acceptance_id(project_id, deliverable))


def test_the_topic_is_the_adapters_message(handle):
    assert topic_of(requests.INBOUND) == TOPIC


def test_a_submission_on_the_topic_opens_the_window_with_its_position_and_receipt(billing, handle):
    project_id = project(billing)

    handle(request("r-1", submit_deliverable=submit(project_id)), Tracking(STREAM, 1))

    submitted = acceptance(billing, project_id)
    assert submitted.state is AcceptanceState.SUBMITTED
    # Tue 2026-09-29 15:00 Beijing, 5 working days across National Day.
    assert submitted.window_end == datetime(2026, 10, 12, 16, 0, tzinfo=UTC)
    assert billing.position(STREAM) == 1
    assert billing.repository.get(request_receipt_id("r-1")).request_id == "r-1"


def test_a_request_sent_again_is_applied_once(billing, handle):
    project_id = project(billing)
    handle(request("r-1", submit_deliverable=submit(project_id)), Tracking(STREAM, 1))
    handle(request("r-2", accept_deliverable=accept(project_id)), Tracking(STREAM, 2))

    # Re-published by its sender: a second acceptance would be refused (already accepted).
    handle(request("r-2", accept_deliverable=accept(project_id)), Tracking(STREAM, 3))

    accepted = acceptance(billing, project_id)
    assert accepted.state is AcceptanceState.ACCEPTED
    assert accepted.deemed is False
    events = billing.repository.event_store.get(accepted.id)
    assert sum(isinstance(e, DeliverableAcceptance.Accepted) for e in events) == 1
    assert billing.project_invoice(project_id).number == "INV-2026-000001"
    assert billing.position(STREAM) == 3


def test_a_request_id_reused_for_another_command_is_dead_lettered_and_changes_nothing(billing, handle):
    project_id = project(billing)
    handle(request("r-1", submit_deliverable=submit(project_id)), Tracking(STREAM, 1))

    with pytest.raises(InvalidMessage) as raised:
        handle(request("r-1", accept_deliverable=accept(project_id)), Tracking(STREAM, 2))

    assert raised.value.reason == "accept_deliverable: request_id 'r-1' was used for another request"
    assert acceptance(billing, project_id).state is AcceptanceState.SUBMITTED


def test_a_customer_delay_on_the_topic_moves_the_later_milestones(billing, handle):
    project_id = project(billing, "operability-consulting", "standard")
    delay = pb.RecordCustomerDelayRequest(
        project_id=str(project_id), milestone_code="research-report",
        reason="research data handed over late", days=5, idempotency_key="delay-1",
    )

    handle(request("r-1", record_customer_delay=delay), Tracking(STREAM, 1))

    due = {m.code: m.due_on for m in billing.get_project(project_id).milestones}
    assert (due["research-report"], due["assessment"]) == (date(2026, 10, 1), date(2026, 10, 20))


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        ({}, "request: command: must be one of: submit_deliverable, accept_deliverable, raise_points,"
             " answer_points, record_meeting, mark_in_production, record_customer_delay, record_on_site_form"),
        ({"accept_deliverable": pb.AcceptDeliverableRequest(project_id="ORD-7", deliverable="trial-run")},
         "accept_deliverable: project_id: must be a UUID"),
        ({"accept_deliverable": pb.AcceptDeliverableRequest(
            project_id="00000000-0000-4000-8000-000000000001", deliverable="trial-run")},
         "accept_deliverable: project 00000000-0000-4000-8000-000000000001 is not known to billing"),
        ({"accept_deliverable": "PROJECT"},
         "accept_deliverable: deliverable trial-run is not_submitted: cannot do this before it is submitted"),
        ({"raise_points": "PROJECT"}, "raise_points: deliverable: no deliverable 'x'; it has: research, job-tuning, verification, trial-run"),
        ({"record_on_site_form": "PROJECT"},
         "record_on_site_form: work_date: must be an ISO 8601 date (YYYY-MM-DD)"),
    ],
)
def test_a_refused_request_is_dead_lettered_naming_the_command_and_the_fault(billing, handle, command, reason):
    project_id = str(project(billing))
    filled = {
        "accept_deliverable": pb.AcceptDeliverableRequest(project_id=project_id, deliverable="trial-run"),
        "raise_points": pb.RaisePointsRequest(project_id=project_id, deliverable="x", points=["late"]),
        "record_on_site_form": pb.RecordOnSiteFormRequest(
            project_id=project_id, form_id="f-1", work_date="02.10.2026", engineer="Li", days="1",
            signed_by="Wang", signed_on="2026-10-02", requested_on="2026-09-28",
        ),
    }
    command = {k: filled[k] if v == "PROJECT" else v for k, v in command.items()}

    with pytest.raises(InvalidMessage) as raised:
        handle(request("r-1", **command), Tracking(STREAM, 1))

    assert raised.value.reason == reason
    assert not list(billing.repository.event_store.get(request_receipt_id("r-1")))


class RecordedDeadLetters:
    def __init__(self):
        self.reasons = []

    async def publish(self, value, topic, *, key, headers) -> None:
        self.reasons.append(dict(headers)["dlq_reason"].decode())


def tracking_consumer(billing, tmp_path, broker=None):
    dead_letters = RecordedDeadLetters()
    consumer = TrackingConsumer(
        broker or KafkaBroker(), billing, group_id="billing", dead_letter_topic="billing.dead-letter.v1",
        dead_letters=dead_letters, overflow_dir=tmp_path,
    )
    subscriptions(billing)(consumer)
    return consumer, dead_letters


def encoded(project_id: UUID, request_id: str, n: int, **command) -> tuple[bytes, dict[str, str]]:
    return encode(
        pb.ProjectRequest(request_id=request_id, **command), event_id=f"e-{n}", source="/erp",
        subject=str(project_id), time=ORDERED_AT,
    )


async def test_a_request_over_the_test_broker_is_applied_with_its_position(billing, tmp_path):
    project_id = project(billing)
    broker = KafkaBroker()
    consumer, dead_letters = tracking_consumer(billing, tmp_path, broker)
    consumer.install()
    body, headers = encoded(project_id, "r-1", 0, submit_deliverable=submit(project_id))

    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(body, TOPIC, key=str(project_id).encode(), headers=headers)

    assert acceptance(billing, project_id).state is AcceptanceState.SUBMITTED
    assert billing.position(STREAM) == 1
    assert dead_letters.reasons == []


async def test_a_fetched_batch_submits_accepts_and_invoices_once_and_dead_letters_the_refused(
    billing, tmp_path
):
    """The in-memory broker gives every record offset 0, so the batch is handed to the
    consumer directly: in one transaction the acceptance would read the deliverable before
    its submission is stored, so the batch falls back to one by one, as on Kafka."""
    project_id = project(billing)
    consumer, dead_letters = tracking_consumer(billing, tmp_path)
    sent = [
        ("r-1", {"submit_deliverable": submit(project_id)}),
        ("r-2", {"accept_deliverable": accept(project_id)}),
        ("r-2", {"accept_deliverable": accept(project_id)}),  # sent again
        ("r-3", {"raise_points": pb.RaisePointsRequest(
            project_id=str(project_id), deliverable="trial-run", points=["too late"])}),
    ]
    records = []
    for offset, (request_id, command) in enumerate(sent):
        body, headers = encoded(project_id, request_id, offset, **command)
        records.append(SimpleNamespace(
            topic=TOPIC, partition=0, offset=offset, key=str(project_id).encode(), value=body,
            timestamp=0, headers=[(name, value.encode()) for name, value in headers.items()],
        ))

    await consumer._consume_batch(SimpleNamespace(), tuple(records))

    accepted = acceptance(billing, project_id)
    assert accepted.state is AcceptanceState.ACCEPTED
    events = billing.repository.event_store.get(accepted.id)
    assert sum(isinstance(e, DeliverableAcceptance.Accepted) for e in events) == 1
    assert billing.project_invoice(project_id).number == "INV-2026-000001"
    assert dead_letters.reasons == [
        "raise_points: deliverable trial-run is accepted: cannot raise non-conformance points"
    ]
    assert billing.position(STREAM) == 4
