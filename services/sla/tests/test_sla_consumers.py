from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from servicehub.events.v1.intake_pb2 import Priority as PriorityPb
from servicehub.events.v1.intake_pb2 import TicketOpened
from servicehub_runtime.cloudevents import CloudEvent
from servicehub_runtime.consumer import InvalidMessage
from servicehub_runtime.eventstore import Tracking
from servicehub_sla.consumers import subscriptions
from servicehub_sla.domain import Priority

OPENED_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
STREAM = "intake.ticket-opened.v1:1"


class RecordingConsumer:
    def __init__(self):
        self.routes = {}

    def subscribe(self, message_type, topic, handler):
        self.routes[topic] = (message_type, handler)


@pytest.fixture
def handle(sla):
    consumer = RecordingConsumer()
    subscriptions(sla)(consumer)
    assert list(consumer.routes) == ["intake.ticket-opened.v1"]
    message_type, handler = consumer.routes["intake.ticket-opened.v1"]
    assert message_type is TicketOpened
    return handler


def opened(**overrides):
    opened_at = Timestamp()
    opened_at.FromDatetime(OPENED_AT)
    fields = dict(
        ticket_id=str(uuid4()),
        customer_id="cust-7",
        priority=PriorityPb.PRIORITY_P2,
        summary="reports are empty",
        service_plan="7x12",
        opened_at=opened_at,
    )
    fields.update(overrides)
    message = TicketOpened(**{k: v for k, v in fields.items() if v is not None})
    return CloudEvent(
        id="evt-1",
        type="servicehub.events.v1.TicketOpened",
        source="/servicehub/intake",
        subject=message.ticket_id,
        time=OPENED_AT.isoformat(),
        message=message,
    )


def test_a_ticket_opened_registers_the_ticket_with_its_position(sla, handle):
    event = opened()

    handle(event, Tracking(application_name=STREAM, notification_id=8))

    ticket = sla.get_ticket(UUID(event.message.ticket_id))
    assert ticket.customer_id == "cust-7"
    assert ticket.priority is Priority.P2
    assert ticket.service_plan == "7x12"
    assert ticket.opened_at == OPENED_AT
    assert sla.position(STREAM) == 8


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"ticket_id": "T-1001"}, "ticket_id 'T-1001' is not a UUID"),
        ({"priority": PriorityPb.PRIORITY_UNSPECIFIED}, "priority is unspecified"),
        ({"priority": 42}, "priority 42 is not one of P0–P4"),
        ({"opened_at": None}, "opened_at is missing"),
    ],
)
def test_a_message_breaking_the_contract_is_invalid_and_changes_nothing(
    sla, handle, overrides, reason
):
    with pytest.raises(InvalidMessage) as raised:
        handle(opened(**overrides), Tracking(application_name=STREAM, notification_id=3))

    assert reason in raised.value.reason
    assert sla.notifications_after(0, 10) == []
    assert sla.position(STREAM) is None
