"""Quantities on orders: the units of a pricing unit beyond what the package includes are
invoiced at the rate card's unit price (seed 001 §1: 若超出50张，按照50张作为一个计价单位，不够50张
按50张算; §13 per TB of Oracle data)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from servicehub.billing.v1 import billing_pb2 as pb
from servicehub.events.v1.intake_pb2 import OrderedQuantity, ServiceOrdered
from servicehub_billing.consumers import subscriptions
from servicehub_billing.domain import OrderRefused
from servicehub_runtime.cloudevents import CloudEvent
from servicehub_runtime.consumer import InvalidMessage
from servicehub_runtime.eventstore import Tracking

INVENTORY = "data-platform-architecture-consulting"


def order(billing, service_code=INVENTORY, package="standard", **quantities) -> UUID:
    project_id = uuid4()
    billing.register_project(
        project_id=project_id, customer_id="walk-in", service_code=service_code, package=package,
        contract_signed_on=date(2026, 9, 1), ordered_at=datetime(2026, 9, 1, tzinfo=UTC),
        quantities=tuple((unit.replace("_", "-"), Decimal(amount)) for unit, amount in quantities.items()),
    )
    return project_id


def invoiced_lines(billing, project_id):
    billing.submit_deliverable(project_id, "package")
    billing.accept_deliverable(project_id, "package")
    invoice = billing.project_invoice(project_id)
    return [(line.kind, line.quantity, line.unit_price, line.amount) for line in invoice.lines], invoice.total


def test_tables_beyond_the_fifty_included_are_invoiced_per_started_fifty(billing):
    # 120 tables: 50 included, then 70 more → 2 units of 50 (the part counts as a whole).
    lines, total = invoiced_lines(billing, order(billing, tables="120"))

    assert lines == [
        ("package", Decimal(1), Decimal("60000.00"), Decimal("60000.00")),
        ("unit", Decimal(2), Decimal("8000.00"), Decimal("16000.00")),
    ]
    assert total == Decimal("76000.00")


@pytest.mark.parametrize(("tables", "units"), [("50", 0), ("51", 1), ("100", 1), ("101", 2)])
def test_rounding_of_table_counts_into_units(billing, tables, units):
    lines, _ = invoiced_lines(billing, order(billing, tables=tables))

    assert [quantity for kind, quantity, *_ in lines if kind == "unit"] == ([Decimal(units)] if units else [])


def test_a_part_of_a_terabyte_counts_as_a_whole_one(billing):
    project_id = order(billing, "database-migration-implementation", "premium", database_terabytes="2.5")
    project = billing.get_project(project_id)
    final = billing.deliverables(project)[-1]
    billing.submit_deliverable(project_id, final)
    billing.accept_deliverable(project_id, final)

    unit_lines = [line for line in billing.project_invoice(project_id).lines if line.kind == "unit"]
    # 1 TB included, 1.5 TB more → 2 units of 1 TB.
    assert [(line.quantity, line.amount) for line in unit_lines] == [(Decimal(2), Decimal("10000.00"))]
    assert unit_lines[0].description == (
        "database-migration-implementation / database-terabytes: 2.5 ordered, 1 included, then per 1"
    )


def test_a_quantity_of_a_unit_the_service_does_not_price_is_refused(billing):
    with pytest.raises(OrderRefused) as refused:
        order(billing, "cloud-escort", "basic", tables="10")

    assert str(refused.value) == "service cloud-escort has no pricing unit 'tables'; it has: none"


async def test_get_project_shows_the_quantities(billing, api):
    project_id = order(billing, tables="120")

    project = (await api.GetProject(pb.GetProjectRequest(project_id=str(project_id)), context=None)).project

    assert list(project.quantities) == [OrderedQuantity(unit="tables", amount="120")]


class Routes:
    def __init__(self):
        self.handlers = {}

    def subscribe(self, message_type, topic, handler):
        self.handlers[topic] = handler


def ordered(*quantities) -> CloudEvent:
    message = ServiceOrdered(
        order_id=str(uuid4()), customer_id="walk-in", service_code=INVENTORY, package="standard",
        contract_signed_on="2026-09-01", quantities=[OrderedQuantity(unit=u, amount=a) for u, a in quantities],
    )
    message.ordered_at.FromDatetime(datetime(2026, 9, 1, tzinfo=UTC))
    return CloudEvent(
        id="e-1", type="servicehub.events.v1.ServiceOrdered", source="/servicehub/intake",
        subject=message.order_id, time="2026-09-01T00:00:00Z", message=message,
    )


def test_an_order_event_carries_its_quantities_and_a_bad_amount_is_dead_lettered(billing):
    routes = Routes()
    subscriptions(billing)(routes)
    handle = routes.handlers["intake.service-ordered.v1"]
    good = ordered(("tables", "120"))

    handle(good, Tracking("intake.service-ordered.v1:0", 1))
    with pytest.raises(InvalidMessage) as bad:
        handle(ordered(("tables", "1e3")), Tracking("intake.service-ordered.v1:0", 2))

    assert billing.get_project(UUID(good.message.order_id)).quantities == (("tables", Decimal("120")),)
    assert bad.value.reason == "quantities[0].amount '1e3' is not a decimal, e.g. 120 or 2.5"
