from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from servicehub.events.v1.intake_pb2 import PRIORITY_P1, ServiceOrdered, TicketOpened
from servicehub.events.v1.sla_pb2 import SlaBreached
from servicehub_billing.consumers import subscriptions
from servicehub_billing.domain import ProjectState
from servicehub_runtime.cloudevents import CloudEvent
from servicehub_runtime.consumer import InvalidMessage
from servicehub_runtime.eventstore import IntegrityError, Tracking

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
    assert list(consumer.routes) == [
        "intake.service-ordered.v1",
        "intake.ticket-opened.v1",
        "sla.sla-breached.v1",
        "billing.project-requests.v1",
    ]
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
    assert project.catalogue_version == "2026.1"
    assert project.requested_start_on is None
    assert billing.position(STREAM) == 4


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"order_id": "ORD-77"}, "order_id 'ORD-77' is not a UUID"),
        ({"contract_signed_on": "01/03/2026"}, "contract_signed_on '01/03/2026' is not an ISO 8601 date"),
        ({"contract_signed_on": ""}, "contract_signed_on '' is not an ISO 8601 date"),
        ({"ordered_at": None}, "ordered_at is missing"),
        ({"requested_start_on": "2026-3-16"}, "requested_start_on '2026-3-16' is not an ISO 8601 date"),
        (
            {"service_code": "tea-ceremony"},
            "unknown service_code 'tea-ceremony' (catalogue 2026.1); known: big-data-platform-migration,",
        ),
        (
            {"package": "gold"},
            "service cloud-escort has no package 'gold'; it has: basic, standard, advanced, premium, custom",
        ),
    ],
)
def test_a_message_breaking_the_contract_is_invalid_and_changes_nothing(
    billing, handle, overrides, reason
):
    with pytest.raises(InvalidMessage) as raised:
        handle(ordered(**overrides), Tracking(application_name=STREAM, notification_id=3))

    assert reason in raised.value.reason
    assert len(raised.value.reason) < 300
    assert billing.notifications_after(0, 10) == []
    assert billing.position(STREAM) is None


def test_a_redelivered_order_creates_nothing_twice(billing, handle):
    event = ordered()
    handle(event, Tracking(application_name=STREAM, notification_id=4))

    # The runtime's consumer takes the conflict as "already recorded" and records only the
    # position (libs/runtime consumer._handle).
    with pytest.raises(IntegrityError):
        handle(event, Tracking(application_name=STREAM, notification_id=5))

    assert len(billing.notifications_after(0, 10)) == 1
    assert billing.get_project(UUID(event.message.order_id)).version == 1


def test_the_requested_start_is_checked_against_the_lead_time(billing, handle):
    # Ordered Mon 2026-03-02 17:30 Beijing; cloud escort needs 10 working days: 03-16.
    early = ordered(requested_start_on="2026-03-13")
    in_time = ordered(requested_start_on="2026-03-16")

    handle(early, Tracking(application_name=STREAM, notification_id=6))
    handle(in_time, Tracking(application_name=STREAM, notification_id=7))

    rejected = billing.get_project(UUID(early.message.order_id))
    assert rejected.state is ProjectState.REJECTED
    assert rejected.rejection.startswith("earliest allowed start 2026-03-16")
    planned = billing.get_project(UUID(in_time.message.order_id))
    assert planned.state is ProjectState.PLANNED
    assert planned.requested_start_on == date(2026, 3, 16)
    assert billing.position(STREAM) == 7


def test_an_order_beyond_the_business_calendar_is_dead_lettered_naming_the_horizon(
    billing, handle, calendar
):
    # Ten working days after three days before the calendar's last day lie beyond it.
    placed = Timestamp()
    placed.FromDatetime(datetime.combine(calendar.horizon - timedelta(days=3), time(2, 0), UTC))
    requested = (calendar.horizon + timedelta(days=30)).isoformat()
    event = ordered(ordered_at=placed, requested_start_on=requested)

    with pytest.raises(InvalidMessage) as raised:
        handle(event, Tracking(application_name=STREAM, notification_id=8))

    first_missing = calendar.horizon + timedelta(days=1)
    assert raised.value.reason.startswith(
        f"cannot date the order: business calendar has no data for {first_missing.isoformat()}"
    )
    assert len(raised.value.reason) < 300
    assert billing.notifications_after(0, 10) == []


def _event(message, type_):
    return CloudEvent(
        id=str(uuid4()),
        type=f"servicehub.events.v1.{type_}",
        source="/servicehub/test",
        subject=message.ticket_id,
        time=ORDERED_AT.isoformat(),
        message=message,
    )


def test_a_redelivered_sla_breach_credits_the_ticket_once(billing):
    consumer = RecordingConsumer()
    subscriptions(billing)(consumer)
    _, opened_handler = consumer.routes["intake.ticket-opened.v1"]
    _, breached_handler = consumer.routes["sla.sla-breached.v1"]
    ticket_id = str(uuid4())
    at = Timestamp()
    at.FromDatetime(ORDERED_AT)
    breach = SlaBreached(
        ticket_id=ticket_id, priority=PRIORITY_P1, policy="SPT-001", calendar_version="v", breached_at=at,
        target_name="response", policy_version=1, cycle=1,
    )

    breached_handler(_event(breach, "SlaBreached"), Tracking(application_name="sla.sla-breached.v1:0", notification_id=1))
    # A redelivery at a new offset (the producer re-sent it) is a second notice of one breach.
    breached_handler(_event(breach, "SlaBreached"), Tracking(application_name="sla.sla-breached.v1:0", notification_id=2))
    opened = TicketOpened(ticket_id=ticket_id, customer_id="cust-9", priority=PRIORITY_P1, summary="s", service_plan="5x8")
    opened_handler(_event(opened, "TicketOpened"), Tracking(application_name="intake.ticket-opened.v1:0", notification_id=1))

    account = billing.customer_account("cust-9")
    assert [(c.ticket_id, c.priority, c.amount) for c in account.pending] == [(ticket_id, "P1", Decimal("1000.00"))]
    assert account.pending[0].breached_at == ORDERED_AT
    assert billing.position("sla.sla-breached.v1:0") == 2


def test_an_sla_breach_without_a_priority_is_dead_lettered(billing):
    consumer = RecordingConsumer()
    subscriptions(billing)(consumer)
    _, breached_handler = consumer.routes["sla.sla-breached.v1"]
    breach = SlaBreached(ticket_id=str(uuid4()), policy="SPT-001", calendar_version="v")

    with pytest.raises(InvalidMessage, match="priority 0 is not one of P0–P4"):
        breached_handler(_event(breach, "SlaBreached"), Tracking(application_name="sla.sla-breached.v1:0", notification_id=1))
