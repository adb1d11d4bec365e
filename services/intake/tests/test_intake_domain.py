"""Intake's pure domain: request validation (each violation names its field) and ids."""

from __future__ import annotations

from uuid import UUID

import pytest

from servicehub_intake.domain import (
    CertificationApplication,
    Evidence,
    Priority,
    RequestRejected,
    ServiceOrder,
    SupportTicket,
    Violation,
    record_id,
)

EVIDENCE = (Evidence("service-content.migration", "12 migrations", "https://docs/1"),)


def application(**overrides):
    fields = dict(
        idempotency_key="key-1",
        partner_id="partner-7",
        partner_name="Acme",
        corporate_email="cert@acme-cloud.example",
        evidence=EVIDENCE,
    )
    return {**fields, **overrides}


def violations(validate, **fields) -> list[tuple[str, str]]:
    with pytest.raises(RequestRejected) as rejected:
        validate(**fields)
    return [(v.field, v.description) for v in rejected.value.violations]


def fields_of(validate, **fields) -> list[str]:
    return [field for field, _ in violations(validate, **fields)]


def test_record_id_is_deterministic_and_scoped_per_kind() -> None:
    assert record_id("application", "k-1") == record_id("application", "k-1")
    assert record_id("application", "k-1") != record_id("application", "k-2")
    assert record_id("application", "k-1") != record_id("ticket", "k-1")
    assert record_id("application", "k-1").version == 5


def test_record_id_never_changes_between_releases() -> None:
    # Pinned: existing records are found again only if this derivation never changes.
    assert record_id("application", "app-key-1") == UUID("444b21d2-1766-5a9d-b6e8-eeef042ee081")
    assert record_id("ticket", "app-key-1") == UUID("59153722-79d6-5864-88aa-0c770c0d0024")


def test_valid_requests_pass() -> None:
    CertificationApplication.validate(**application())
    SupportTicket.validate("key-1", "customer-3", Priority.P0, "down", "5x8")
    ServiceOrder.validate("key-1", "customer-3", "cloud-escort", "basic", "2026-12-01")


@pytest.mark.parametrize(
    "key", ["", "has space", "tab\there", "x" * 129, "schlüssel", "line\n"]
)
def test_bad_idempotency_key(key: str) -> None:
    assert fields_of(CertificationApplication.validate, **application(idempotency_key=key)) == [
        "idempotency_key"
    ]


def test_longest_printable_key_is_accepted() -> None:
    CertificationApplication.validate(**application(idempotency_key="~" * 128))


def test_a_webmail_address_is_left_to_certification_s_eligibility_check() -> None:
    # A webmail mailbox makes a partner ineligible, which certification records with its
    # reasons; rejecting it here would drop the application before it is ever marked.
    CertificationApplication.validate(**application(corporate_email="boss@163.com"))


@pytest.mark.parametrize("email", ["", "no-at-sign", "a@b", "two words@acme.example", "a@.example"])
def test_malformed_email_is_rejected(email: str) -> None:
    assert violations(CertificationApplication.validate, **application(corporate_email=email)) == [
        ("corporate_email", "must be an e-mail address")
    ]


def test_no_evidence_is_rejected() -> None:
    assert violations(CertificationApplication.validate, **application(evidence=())) == [
        ("evidence", "at least one item is required")
    ]


def test_evidence_items_need_criterion_and_document() -> None:
    evidence = EVIDENCE + (Evidence(" ", "summary is optional", ""),)
    assert fields_of(CertificationApplication.validate, **application(evidence=evidence)) == [
        "evidence[1].criterion",
        "evidence[1].document_uri",
    ]


def test_all_violations_are_reported_together() -> None:
    fields = fields_of(
        CertificationApplication.validate,
        **application(idempotency_key=" ", partner_id="", partner_name="  ",
                      corporate_email="x@qq", evidence=()),
    )
    assert fields == ["idempotency_key", "partner_id", "partner_name", "corporate_email", "evidence"]


def test_rejection_message_lists_fields() -> None:
    error = RequestRejected([Violation("a", "is required"), Violation("b", "is bad")])
    assert str(error) == "a: is required; b: is bad"


def test_ticket_without_priority_is_rejected() -> None:
    assert violations(SupportTicket.validate, idempotency_key="k", customer_id="c", priority=None,
                      summary="s", service_plan="7x24") == [("priority", "must be one of P0–P4")]


def test_ticket_requires_customer_summary_and_plan() -> None:
    assert fields_of(SupportTicket.validate, idempotency_key="k", customer_id="", priority=Priority.P2,
                     summary=" ", service_plan="") == ["customer_id", "summary", "service_plan"]


@pytest.mark.parametrize("package", ["", "Premium", "gold package", "-basic", "x" * 33])
def test_order_with_a_package_that_is_no_catalogue_code_is_rejected(package: str) -> None:
    [(field, description)] = violations(
        ServiceOrder.validate, idempotency_key="k", customer_id="c", service_code="cloud-escort",
        package=package, contract_signed_on="2026-12-01",
    )
    assert field == "package"
    assert description == "must be a catalogue package code (a-z, 0-9, -), e.g. basic or consulting"


def test_an_order_may_name_further_packages_each_a_catalogue_code() -> None:
    order = dict(
        idempotency_key="k", customer_id="c", service_code="cloud-migration", package="consulting",
        contract_signed_on="2026-12-01",
    )

    def fields(additional):
        return fields_of(ServiceOrder.validate, **order, additional_packages=additional)

    ServiceOrder.validate(**order, additional_packages=("implementation-basic", "implementation-basic"))
    assert fields(("implementation-basic", "Implementation")) == ["additional_packages[1]"]
    assert fields(("implementation-basic",) * 21) == ["additional_packages"]


@pytest.mark.parametrize("signed_on", ["", "2026-02-30", "01.12.2026", "tomorrow", "2026-13-01"])
def test_order_with_bad_iso_date_is_rejected(signed_on: str) -> None:
    assert fields_of(
        ServiceOrder.validate, idempotency_key="k", customer_id="c", service_code="cloud-escort",
        package="basic", contract_signed_on=signed_on,
    ) == ["contract_signed_on"]


@pytest.mark.parametrize("start", ["2026-02-30", "16.03.2026", "soon"])
def test_order_with_a_bad_requested_start_is_rejected(start: str) -> None:
    assert fields_of(
        ServiceOrder.validate, idempotency_key="k", customer_id="c", service_code="cloud-escort",
        package="basic", contract_signed_on="2026-12-01", requested_start_on=start,
    ) == ["requested_start_on"]


def test_order_requires_customer_and_service_code() -> None:
    assert fields_of(
        ServiceOrder.validate, idempotency_key="k", customer_id="", service_code="",
        package="custom", contract_signed_on="2026-12-01",
    ) == ["customer_id", "service_code"]


def test_quantities_name_each_pricing_unit_once_with_a_positive_amount() -> None:
    order = dict(
        idempotency_key="k", customer_id="c", service_code="data-platform-architecture-consulting",
        package="standard", contract_signed_on="2026-12-01",
    )
    ServiceOrder.validate(**order, quantities=(("tables", "120"), ("database-terabytes", "2.5")))

    assert violations(
        ServiceOrder.validate, **order,
        quantities=(("tables", "0"), ("Tables", "1"), ("tables", "1e3"), ("tables", "7")),
    ) == [
        ("quantities[0].amount", "must be a positive decimal, e.g. 120 or 2.5"),
        ("quantities[1].unit", "must be a pricing unit code (a-z, 0-9, -)"),
        ("quantities[2].unit", "tables is named twice"),
        ("quantities[2].amount", "must be a positive decimal, e.g. 120 or 2.5"),
        ("quantities[3].unit", "tables is named twice"),
    ]
