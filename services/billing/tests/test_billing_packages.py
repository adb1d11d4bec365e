"""Several packages in one order (seed 001 §10 7.3, §23 7.3): a package sold only with
another must be ordered with it; where the catalogue says 分开验收, each package — each of
several implementation packs too — is accepted and invoiced on its own."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from servicehub.billing.v1 import billing_pb2 as pb
from servicehub.events.v1.intake_pb2 import ServiceOrdered
from servicehub_billing.consumers import subscriptions
from servicehub_billing.domain import OrderRefused
from servicehub_runtime.cloudevents import CloudEvent
from servicehub_runtime.consumer import InvalidMessage
from servicehub_runtime.eventstore import Tracking

ORDERED_AT = datetime(2026, 9, 1, 2, 0, tzinfo=UTC)


def order(billing, service_code, package, *additional, customer_id="walk-in") -> UUID:
    project_id = uuid4()
    billing.register_project(
        project_id=project_id, customer_id=customer_id, service_code=service_code, package=package,
        contract_signed_on=date(2026, 9, 1), ordered_at=ORDERED_AT, additional_packages=additional,
    )
    return project_id


def accept(billing, project_id, deliverable):
    billing.submit_deliverable(project_id, deliverable)
    return billing.accept_deliverable(project_id, deliverable)


def package_lines(invoice):
    return [(line.description, line.amount) for line in invoice.lines]


def test_an_implementation_pack_without_consulting_is_refused(billing):
    with pytest.raises(OrderRefused) as refused:
        order(billing, "cloud-migration", "implementation-basic", "implementation-standard")

    assert str(refused.value) == (
        "package implementation-basic of cloud-migration is sold only together with consulting:"
        " order them together"
    )


def test_an_unknown_further_package_is_refused_by_name(billing):
    with pytest.raises(OrderRefused) as refused:
        order(billing, "cloud-migration", "consulting", "implementation-gold")

    assert str(refused.value).startswith("service cloud-migration has no package 'implementation-gold'")


def test_consulting_and_two_implementation_packs_are_accepted_and_invoiced_package_by_package(billing):
    project_id = order(billing, "cloud-migration", "consulting", "implementation-basic", "implementation-basic")
    project = billing.get_project(project_id)

    assert billing.deliverables(project) == ["consulting", "implementation-basic", "implementation-basic-2"]

    second_pack = accept(billing, project_id, "implementation-basic-2")

    assert second_pack.final
    invoice = billing.deliverable_invoice(project, "implementation-basic-2")
    assert package_lines(invoice) == [("cloud-migration / implementation-basic (accepted)", Decimal("50000.00"))]
    assert billing.deliverable_invoice(project, "implementation-basic") is None
    assert billing.deliverable_invoice(project, "consulting") is None

    accept(billing, project_id, "consulting")
    consulting = billing.deliverable_invoice(project, "consulting")
    assert package_lines(consulting) == [("cloud-migration / consulting (accepted)", Decimal("50000.00"))]
    assert (invoice.number, consulting.number) == ("INV-2026-000001", "INV-2026-000002")
    assert billing.project_invoice(project_id) is None  # no invoice for the order as a whole


def test_governance_with_two_implementation_packs_is_accepted_per_package(billing):
    # §23: 实施服务包必须和咨询服务配合使用 … 推荐: 标准版 ≥ 2.
    project_id = order(billing, "enterprise-it-governance", "standard", "implementation", "implementation")

    assert billing.deliverables(billing.get_project(project_id)) == ["standard", "implementation", "implementation-2"]


def test_where_packages_are_accepted_together_the_final_deliverable_invoices_each_package(billing):
    project_id = order(billing, "cost-management", "analysis", "optimization")
    project = billing.get_project(project_id)
    *_, final = billing.deliverables(project)

    accept(billing, project_id, final)

    assert package_lines(billing.project_invoice(project_id)) == [
        ("cost-management / analysis (accepted)", Decimal("50000.00")),
        ("cost-management / optimization (accepted)", Decimal("50000.00")),
    ]


async def test_get_project_shows_the_packages_and_each_deliverables_invoice(billing, api):
    project_id = order(billing, "cloud-migration", "consulting", "implementation-standard")
    accept(billing, project_id, "implementation-standard")

    project = (await api.GetProject(pb.GetProjectRequest(project_id=str(project_id)), context=None)).project

    assert (project.package, list(project.additional_packages)) == ("consulting", ["implementation-standard"])
    invoice = billing.deliverable_invoice(billing.get_project(project_id), "implementation-standard")
    assert [(d.code, d.invoice_id) for d in project.deliverables] == [
        ("consulting", ""), ("implementation-standard", str(invoice.id)),
    ]
    assert project.invoice_id == ""
    assert list(project.invoice_ids) == [str(invoice.id)]


async def test_get_project_lists_every_invoice_of_the_project_in_the_order_issued(billing, api):
    # Per package (§10): no single package invoice, one per accepted package.
    project_id = order(billing, "cloud-migration", "consulting", "implementation-basic", "implementation-basic")
    for deliverable in ("implementation-basic-2", "consulting"):
        accept(billing, project_id, deliverable)
    # Together, with a charged on-site day (§2): the package invoice and the form's.
    escort_id = order(billing, "cloud-escort", "basic")
    billing.record_on_site_form(
        escort_id, form_id="f-1", work_date=date(2026, 10, 9), engineer="Wang Wei", days=Decimal("1"),
        signed_by="Li Na", signed_on=date(2026, 10, 9), requested_on=date(2026, 9, 1),
    )
    accept(billing, escort_id, billing.deliverables(billing.get_project(escort_id))[-1])

    migration = (await api.GetProject(pb.GetProjectRequest(project_id=str(project_id)), context=None)).project
    escort = (await api.GetProject(pb.GetProjectRequest(project_id=str(escort_id)), context=None)).project

    by_deliverable = {d.code: d.invoice_id for d in migration.deliverables}
    numbers = {
        i: billing.get_invoice(UUID(i)).number for i in [*migration.invoice_ids, *escort.invoice_ids]
    }
    assert migration.invoice_id == ""
    assert list(migration.invoice_ids) == [by_deliverable["implementation-basic-2"], by_deliverable["consulting"]]
    assert [numbers[i] for i in migration.invoice_ids] == ["INV-2026-000001", "INV-2026-000002"]
    assert list(escort.invoice_ids) == [escort.on_site_forms[0].invoice_id, escort.invoice_id]
    assert [numbers[i] for i in escort.invoice_ids] == ["INV-2026-000003", "INV-2026-000004"]


def ordered_event(package, *additional) -> CloudEvent:
    message = ServiceOrdered(
        order_id=str(uuid4()), customer_id="walk-in", service_code="cloud-migration", package=package,
        contract_signed_on="2026-09-01", additional_packages=additional,
    )
    message.ordered_at.FromDatetime(ORDERED_AT)
    return CloudEvent(
        id="e-1", type="servicehub.events.v1.ServiceOrdered", source="/servicehub/intake",
        subject=message.order_id, time=ORDERED_AT.isoformat(), message=message,
    )


class Routes:
    def __init__(self):
        self.handlers = {}

    def subscribe(self, message_type, topic, handler):
        self.handlers[topic] = handler


def test_an_order_event_registers_its_further_packages_or_is_dead_lettered(billing):
    routes = Routes()
    subscriptions(billing)(routes)
    handle = routes.handlers["intake.service-ordered.v1"]
    good = ordered_event("consulting", "implementation-basic")

    handle(good, Tracking("intake.service-ordered.v1:0", 1))
    with pytest.raises(InvalidMessage) as refused:
        handle(ordered_event("implementation-basic"), Tracking("intake.service-ordered.v1:0", 2))

    assert billing.get_project(UUID(good.message.order_id)).packages == ("consulting", "implementation-basic")
    assert refused.value.reason.startswith("package implementation-basic of cloud-migration is sold only together")
