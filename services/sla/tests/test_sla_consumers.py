from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from servicehub.events.v1.intake_pb2 import Priority as PriorityPb
from servicehub.events.v1.intake_pb2 import TicketOpened
from servicehub.sla.v1 import sla_pb2
from servicehub_runtime.cloudevents import CloudEvent
from servicehub_runtime.consumer import InvalidMessage
from servicehub_runtime.eventstore import Tracking
from servicehub_sla.consumers import subscriptions
from servicehub_sla.domain import Priority, State

OPENED_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
STREAM = "intake.ticket-opened.v1:1"


class RecordingConsumer:
    def __init__(self):
        self.routes = {}

    def subscribe(self, message_type, topic, handler):
        self.routes[topic] = (message_type, handler)


@pytest.fixture
def routes(sla):
    consumer = RecordingConsumer()
    subscriptions(sla)(consumer)
    assert list(consumer.routes) == ["intake.ticket-opened.v1", "sla.ticket-updates.v1"]
    assert consumer.routes["intake.ticket-opened.v1"][0] is TicketOpened
    assert consumer.routes["sla.ticket-updates.v1"][0] is sla_pb2.UpdateTicketRequest
    return {topic: handler for topic, (_, handler) in consumer.routes.items()}


@pytest.fixture
def handle(routes):
    return routes["intake.ticket-opened.v1"]


@pytest.fixture
def handle_update(routes):
    return routes["sla.ticket-updates.v1"]


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


UPDATES = "sla.ticket-updates.v1:2"


def update_event(ticket_id, kind=sla_pb2.UPDATE_KIND_FIRST_RESPONSE, update_id="u1", **fields):
    occurred_at = Timestamp()
    occurred_at.FromDatetime(OPENED_AT)
    message = sla_pb2.UpdateTicketRequest(
        update_id=update_id, ticket_id=ticket_id, kind=kind, occurred_at=occurred_at, **fields
    )
    return CloudEvent(
        id=f"upd-{update_id}", type="servicehub.sla.v1.UpdateTicketRequest", source="/crm",
        subject=ticket_id, time=OPENED_AT.isoformat(), message=message,
    )


def test_an_update_on_the_inbound_topic_is_applied_with_its_position(sla, handle, handle_update):
    event = opened()
    handle(event, Tracking(application_name=STREAM, notification_id=1))
    ticket_id = event.message.ticket_id

    handle_update(update_event(ticket_id), Tracking(application_name=UPDATES, notification_id=4))
    handle_update(update_event(ticket_id), Tracking(application_name=UPDATES, notification_id=5))

    assert sla.get_ticket(UUID(ticket_id)).state is State.RESPONDED
    assert sla.position(UPDATES) == 5


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda t: update_event("T-9"), "ticket_id 'T-9' is not a UUID"),
        (lambda t: update_event(str(uuid4())), "is not known to sla"),
        (lambda t: update_event(t, kind=sla_pb2.UPDATE_KIND_SOLUTION_GIVEN),
         "solution-given is not possible: the ticket is responded"),
        (lambda t: update_event(t, kind=sla_pb2.UPDATE_KIND_PRIORITY_CHANGED),
         "priority must be one of P0-P4"),
        (lambda t: update_event(t, kind=sla_pb2.UPDATE_KIND_PROBLEM_CONFIRMED, update_id="u0"),
         "update id 'u0' was used for another update"),
    ],
)
def test_an_update_that_cannot_apply_is_dead_lettered_with_the_reason(sla, handle, handle_update, make, reason):
    event = opened()
    handle(event, Tracking(application_name=STREAM, notification_id=1))
    ticket_id = event.message.ticket_id
    handle_update(update_event(ticket_id, update_id="u0"), Tracking(application_name=UPDATES, notification_id=1))
    version = sla.get_ticket(UUID(ticket_id)).version

    with pytest.raises(InvalidMessage) as raised:
        handle_update(make(ticket_id), Tracking(application_name=UPDATES, notification_id=2))

    assert reason in raised.value.reason
    assert sla.get_ticket(UUID(ticket_id)).version == version
    assert sla.position(UPDATES) == 1
