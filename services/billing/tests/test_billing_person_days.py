"""On-site service forms and person-days, hand-worked on the 2026 calendar: 10-02 is a
statutory holiday (National Day), 10-05 a non-statutory rest day (调休), Sat 10-10 a make-up
working day."""

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

import pytest

from servicehub_billing.domain import CommandRefused

ONE = Decimal("1")


def project(billing, service_code, package, customer_id="walk-in", additional_packages=()):
    project_id = uuid4()
    billing.register_project(
        project_id=project_id,
        customer_id=customer_id,
        service_code=service_code,
        package=package,
        contract_signed_on=date(2026, 9, 1),
        ordered_at=datetime(2026, 8, 1, tzinfo=UTC),
        additional_packages=additional_packages,
    )
    return project_id


def form(billing, project_id, form_id, work_date, *, engineer="Wang Wei", days=ONE, signed_on=None,
         requested_on=date(2026, 9, 1), signed_by="Li Na", package=""):
    return billing.record_on_site_form(
        project_id,
        form_id=form_id,
        work_date=work_date,
        engineer=engineer,
        days=days,
        signed_by=signed_by,
        signed_on=signed_on or work_date,
        requested_on=requested_on,
        package=package,
    )


def test_a_day_on_site_on_a_statutory_holiday_counts_three_person_days_and_is_invoiced(billing):
    project_id = project(billing, "cloud-escort", "basic")

    recorded = form(billing, project_id, "f-1", date(2026, 10, 2))

    (on_site,) = recorded.on_site_forms
    assert (on_site.multiplier, on_site.person_days) == (3, Decimal("3"))
    invoice = billing.on_site_invoice(project_id, "f-1")
    (line,) = invoice.lines
    # 3 person-days × the list card's 3,000.00.
    assert (line.kind, line.quantity, line.unit_price, line.amount) == (
        "on-site", Decimal("3"), Decimal("3000.00"), Decimal("9000.00"),
    )
    assert "statutory holiday ×3" in line.description


def test_a_non_statutory_rest_day_and_a_make_up_saturday_count_as_plain_days(billing):
    project_id = project(billing, "cloud-escort", "basic")
    form(billing, project_id, "f-rest", date(2026, 10, 5))  # 调休 day off, not statutory
    form(billing, project_id, "f-makeup", date(2026, 10, 10), days=Decimal("0.5"))

    assert [(f.multiplier, f.person_days) for f in billing.get_project(project_id).on_site_forms] == [
        (1, Decimal("1")),
        (1, Decimal("0.5")),
    ]
    assert billing.on_site_invoice(project_id, "f-makeup").total == Decimal("1500.00")


def test_recording_the_same_form_again_records_and_bills_nothing_new(billing):
    project_id = project(billing, "cloud-escort", "basic")
    first = form(billing, project_id, "f-1", date(2026, 10, 2))
    again = form(billing, project_id, "f-1", date(2026, 10, 2))

    assert again.version == first.version
    assert len(again.on_site_forms) == 1
    with pytest.raises(CommandRefused) as reused:
        form(billing, project_id, "f-1", date(2026, 10, 9))
    assert reused.value.field == "form_id"


def test_on_site_operations_need_two_working_days_notice_and_a_same_day_signature(billing):
    project_id = project(billing, "managed-operations", "on-site-5x8")
    # Requested Thu 09-24: Fri 09-25 is Mid-Autumn Festival, so the working days after it are
    # Mon 09-28 (1) and Tue 09-29 (2).
    with pytest.raises(CommandRefused) as early:
        form(billing, project_id, "f-1", date(2026, 9, 28), requested_on=date(2026, 9, 24))
    assert early.value.field == "work_date"
    assert early.value.description == (
        "on-site work needs 2 working days' notice: requested 2026-09-24, earliest 2026-09-29"
    )
    form(billing, project_id, "f-1", date(2026, 9, 29), requested_on=date(2026, 9, 24))

    with pytest.raises(CommandRefused) as late_signature:
        form(billing, project_id, "f-2", date(2026, 9, 30), signed_on=date(2026, 10, 1))
    assert late_signature.value.field == "signed_on"
    with pytest.raises(CommandRefused) as unsigned:
        form(billing, project_id, "f-3", date(2026, 9, 30), signed_by=" ")
    assert unsigned.value.field == "signed_by"


def test_the_package_cap_of_two_visits_of_two_person_days_is_enforced(billing):
    # Sold only with consulting: the days are booked against the implementation pack.
    project_id = project(billing, "cloud-migration", "implementation-basic", additional_packages=("consulting",))
    pack = "implementation-basic"
    form(billing, project_id, "a", date(2026, 10, 12), engineer="Wang", package=pack)
    form(billing, project_id, "b", date(2026, 10, 12), engineer="Zhao", package=pack)
    with pytest.raises(CommandRefused) as third_engineer:
        form(billing, project_id, "c", date(2026, 10, 12), engineer="Sun", days=Decimal("0.5"), package=pack)
    assert third_engineer.value.description == (
        "package implementation-basic includes at most 2 person-days per visit; 2026-10-12 would count 2.5"
    )
    form(billing, project_id, "d", date(2026, 10, 14), package=pack)
    with pytest.raises(CommandRefused) as third_visit:
        form(billing, project_id, "e", date(2026, 10, 16), package=pack)
    assert third_visit.value.field == "work_date"
    assert "at most 2 on-site visits (2026-10-12, 2026-10-14 recorded)" in third_visit.value.description
    # Not charged per person-day (the package includes its visits): no invoice.
    assert billing.on_site_invoice(project_id, "a") is None
    assert len(billing.get_project(project_id).on_site_forms) == 3


def test_each_package_of_the_order_has_its_own_cap_over_the_days_booked_against_it(billing):
    # §10: consulting (no cap) and two implementation-basic packs, each "不超过2次，每次不超过2人天".
    project_id = project(
        billing, "cloud-migration", "consulting",
        additional_packages=("implementation-basic", "implementation-basic"),
    )
    first, second = "implementation-basic", "implementation-basic-2"
    form(billing, project_id, "a", date(2026, 10, 12), engineer="Wang", package=first)
    form(billing, project_id, "b", date(2026, 10, 12), engineer="Zhao", package=first)
    form(billing, project_id, "c", date(2026, 10, 14), package=first)
    # The first pack's 2 person-days on 10-12 and its 2 visits are used up; the second's are not.
    form(billing, project_id, "d", date(2026, 10, 12), engineer="Sun", package=second)
    form(billing, project_id, "e", date(2026, 10, 16), package=second)
    with pytest.raises(CommandRefused) as third_visit:
        form(billing, project_id, "f", date(2026, 10, 19), package=first)
    with pytest.raises(CommandRefused) as second_pack_third_visit:
        form(billing, project_id, "g", date(2026, 10, 19), package=second)
    # Consulting has no cap: a third engineer on 10-12 is booked against it.
    form(billing, project_id, "h", date(2026, 10, 12), engineer="Qian", package="consulting")

    assert third_visit.value.description == (
        "package implementation-basic includes at most 2 on-site visits (2026-10-12, 2026-10-14 recorded)"
    )
    assert second_pack_third_visit.value.description == (
        "package implementation-basic-2 includes at most 2 on-site visits (2026-10-12, 2026-10-16 recorded)"
    )
    assert [(f.form_id, f.package) for f in billing.get_project(project_id).on_site_forms] == [
        ("a", first), ("b", first), ("c", first), ("d", second), ("e", second), ("h", "consulting"),
    ]


def test_a_form_names_its_package_when_the_order_bought_several(billing):
    project_id = project(billing, "data-platform-implementation-guidance", "standard", additional_packages=("standard",))
    with pytest.raises(CommandRefused) as unnamed:
        form(billing, project_id, "a", date(2026, 10, 9))
    with pytest.raises(CommandRefused) as unknown:
        form(billing, project_id, "a", date(2026, 10, 9), package="standard-3")
    # "现场人天数不超过2人天" per package bought: 2 each.
    for n, work_date in enumerate([date(2026, 10, 9), date(2026, 10, 12)]):
        form(billing, project_id, f"s{n}", work_date, package="standard")
        form(billing, project_id, f"t{n}", work_date, package="standard-2")
    with pytest.raises(CommandRefused) as capped:
        form(billing, project_id, "t3", date(2026, 10, 13), days=Decimal("0.5"), package="standard-2")
    with pytest.raises(CommandRefused) as moved:
        form(billing, project_id, "s0", date(2026, 10, 9), package="standard-2")

    assert (unnamed.value.field, unnamed.value.description) == (
        "package", "the order bought several packages: name the one the day is booked against; it has: standard, standard-2",
    )
    assert (unknown.value.field, unknown.value.description) == (
        "package", "no package 'standard-3' in this order; it has: standard, standard-2",
    )
    assert capped.value.description == (
        "package standard-2 includes at most 2 on-site person-days; 2 are recorded, this form counts 0.5"
    )
    assert (moved.value.field, moved.value.description) == ("form_id", "was used for another on-site form")


def test_a_total_cap_of_two_person_days_is_enforced(billing):
    project_id = project(billing, "data-platform-implementation-guidance", "standard")
    form(billing, project_id, "a", date(2026, 10, 9))
    form(billing, project_id, "b", date(2026, 10, 12))
    with pytest.raises(CommandRefused) as capped:
        form(billing, project_id, "c", date(2026, 10, 13), days=Decimal("0.5"))
    assert capped.value.description == (
        "package standard includes at most 2 on-site person-days; 2 are recorded, this form counts 0.5"
    )


def test_bad_forms_are_refused_naming_the_field(billing):
    project_id = project(billing, "cloud-escort", "basic")
    with pytest.raises(CommandRefused) as bad_days:
        form(billing, project_id, "x", date(2026, 10, 9), days=Decimal("2"))
    assert bad_days.value.field == "days"
    with pytest.raises(CommandRefused) as no_engineer:
        form(billing, project_id, "x", date(2026, 10, 9), engineer="")
    assert no_engineer.value.field == "engineer"
    with pytest.raises(CommandRefused) as beyond:
        form(billing, project_id, "x", date(2027, 1, 4))
    assert beyond.value.field == "work_date"
