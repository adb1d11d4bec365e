"""Inbound request topics → intake commands, through the runtime's TrackingConsumer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from faststream.kafka import KafkaBroker, TestKafkaBroker

from servicehub.intake.v1 import intake_pb2 as pb
from servicehub_intake.consumers import subscriptions
from servicehub_intake.domain import record_id
from servicehub_runtime.cloudevents import CloudEvent, encode, topic_of
from servicehub_runtime.consumer import InvalidMessage, TrackingConsumer
from servicehub_runtime.eventstore import Tracking


class Subscriptions:
    """Stands in for TrackingConsumer.subscribe to see what intake subscribes."""

    def __init__(self) -> None:
        self.handlers = {}
        self.reads = {}

    def subscribe(self, message_type, topic, handler, *, reads=None) -> None:
        self.handlers[topic] = (message_type, handler)
        self.reads[topic] = reads


@pytest.fixture
def routes(intake) -> Subscriptions:
    routes = Subscriptions()
    subscriptions(intake)(routes)  # type: ignore[arg-type]
    return routes


@pytest.fixture
def handlers(routes):
    return routes.handlers


def cloud_event(message) -> CloudEvent:
    return CloudEvent("e-1", type(message).DESCRIPTOR.full_name, "/erp", "", "", message)


def test_subscribes_the_three_request_topics(handlers) -> None:
    assert {topic: t for topic, (t, _) in handlers.items()} == {
        "intake.application-requests.v1": pb.SubmitApplicationRequest,
        "intake.ticket-requests.v1": pb.OpenTicketRequest,
        "intake.order-requests.v1": pb.OrderServiceRequest,
    }


def test_each_topic_names_the_record_its_command_reads_for_batches_to_preload(
    intake, routes, order_request
) -> None:
    topic = "intake.order-requests.v1"
    event = cloud_event(order_request())
    _, handle = routes.handlers[topic]
    handle(event, Tracking(f"{topic}:0", 1))
    [record] = intake.notifications_after(0, 10)
    assert routes.reads[topic](event) == [record.originator_id]
    assert set(routes.reads) == set(routes.handlers)


def test_handler_records_the_request_with_its_position(intake, handlers, order_request) -> None:
    _, handle = handlers["intake.order-requests.v1"]
    handle(cloud_event(order_request()), Tracking("intake.order-requests.v1:2", 9))

    assert intake.position("intake.order-requests.v1:2") == 9
    assert intake.repository.get(record_id("order", "order-key-1")).package == "premium"


def test_a_reused_key_with_a_different_request_is_an_invalid_message_naming_the_key(
    intake, handlers, ticket_request
) -> None:
    _, handle = handlers["intake.ticket-requests.v1"]
    handle(cloud_event(ticket_request()), Tracking("intake.ticket-requests.v1:0", 1))
    with pytest.raises(InvalidMessage) as raised:
        handle(cloud_event(ticket_request(summary="other")), Tracking("intake.ticket-requests.v1:0", 2))
    assert raised.value.reason.startswith(
        "idempotency key 'ticket-key-1' was already used for a different request"
    )
    handle(cloud_event(ticket_request()), Tracking("intake.ticket-requests.v1:0", 3))  # same: fine
    assert intake.position("intake.ticket-requests.v1:0") == 3


def test_rejected_request_is_an_invalid_message(intake, handlers, ticket_request) -> None:
    _, handle = handlers["intake.ticket-requests.v1"]
    with pytest.raises(InvalidMessage) as raised:
        handle(cloud_event(ticket_request(summary="")), Tracking("intake.ticket-requests.v1:0", 1))
    assert raised.value.reason == "request rejected: summary: is required"


class NoDeadLetters:
    async def publish(self, *args, **kwargs) -> None:
        raise AssertionError(f"unexpected dead letter: {kwargs.get('headers')}")


async def test_request_over_the_test_broker_is_recorded_once(
    intake, application_request, tmp_path
) -> None:
    broker = KafkaBroker()
    consumer = TrackingConsumer(
        broker, intake, group_id="intake", dead_letter_topic="intake.dlq",
        dead_letters=NoDeadLetters(), overflow_dir=tmp_path,
    )
    subscriptions(intake)(consumer)
    consumer.install()
    topic = topic_of(pb.SubmitApplicationRequest)
    body, headers = encode(
        application_request(), event_id="e-1", source="/erp", subject="",
        time=datetime(2026, 1, 1, tzinfo=UTC),
    )
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(body, topic, headers=headers)

    assert intake.position(f"{topic}:0") == 1
    assert intake.repository.get(record_id("application", "app-key-1")).partner_id == "partner-7"
