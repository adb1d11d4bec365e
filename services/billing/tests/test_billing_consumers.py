from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from servicehub.events.v1.intake_pb2 import ServiceOrdered
from servicehub_billing.consumers import subscriptions
from servicehub_runtime.cloudevents import CloudEvent
from servicehub_runtime.consumer import InvalidMessage
from servicehub_runtime.eventstore import Tracking

ORDERED_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
STREAM = "intake.service-ordered.v1:2"


class RecordingConsumer:
    def __init__(self):
        self.routes = {}

    def subscribe(self, message_type, topic, handler):
        self.routes[topic] = (message_type, handler)


@pytest.fixture
def handle(billing):
    consumer = RecordingConsumer()
    subscriptions(billing)(consumer)
    assert list(consumer.routes) == ["intake.service-ordered.v1"]
    message_type, handler = consumer.routes["intake.service-ordered.v1"]
    assert message_type is ServiceOrdered
    return handler


def ordered(**overrides):
    ordered_at = Timestamp()
    ordered_at.FromDatetime(ORDERED_AT)
    fields = dict(
        order_id=str(uuid4()),
        customer_id="cust-7",
        service_code="cloud-escort",
        package="advanced",
        contract_signed_on="2026-03-01",
        ordered_at=ordered_at,
    )
    fields.update(overrides)
    message = ServiceOrdered(**{k: v for k, v in fields.items() if v is not None})
    return CloudEvent(
        id="evt-1",
        type="servicehub.events.v1.ServiceOrdered",
        source="/servicehub/intake",
        subject=message.order_id,
        time=ORDERED_AT.isoformat(),
        message=message,
    )


def test_a_service_ordered_registers_the_project_with_its_position(billing, handle):
    event = ordered()

    handle(event, Tracking(application_name=STREAM, notification_id=4))

    project = billing.get_project(UUID(event.message.order_id))
    assert project.customer_id == "cust-7"
    assert project.service_code == "cloud-escort"
    assert project.package == "advanced"
    assert project.contract_signed_on == date(2026, 3, 1)
    assert project.ordered_at == ORDERED_AT
    assert billing.position(STREAM) == 4


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"order_id": "ORD-77"}, "order_id 'ORD-77' is not a UUID"),
        ({"contract_signed_on": "01/03/2026"}, "contract_signed_on '01/03/2026' is not an ISO 8601 date"),
        ({"contract_signed_on": ""}, "contract_signed_on '' is not an ISO 8601 date"),
        ({"ordered_at": None}, "ordered_at is missing"),
    ],
)
def test_a_message_breaking_the_contract_is_invalid_and_changes_nothing(
    billing, handle, overrides, reason
):
    with pytest.raises(InvalidMessage) as raised:
        handle(ordered(**overrides), Tracking(application_name=STREAM, notification_id=3))

    assert reason in raised.value.reason
    assert billing.notifications_after(0, 10) == []
    assert billing.position(STREAM) is None
