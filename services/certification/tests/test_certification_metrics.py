"""certification's business metrics (metrics.py) over a certificate's year on the hand-moved
clock: one application certified on 2026-03-01 (valid until 2027-03-01), another in review
with a clarification request left unanswered past its deadline."""

from __future__ import annotations

from datetime import datetime

import pytest

from servicehub_certification.certificates import certificate_id
from servicehub_certification.metrics import CertificationMetricsView, families
from servicehub_runtime.projection import Projection

from .test_certification_certificates import EXPIRES, WINDOW_OPENS, open_window, pass_check, renew
from .test_certification_steps import OPERATOR, issue, request


def samples(view: Projection, now: datetime) -> dict[tuple[str, tuple[str, ...]], float]:
    view.catch_up()
    return {
        (sample.name, tuple(sample.labels.values())): sample.value
        for family in families(view, now)
        for sample in family.samples
    }


def of(exported: dict, name: str) -> dict[tuple[str, ...], float]:
    return {labels: value for (sample, labels), value in exported.items() if sample == name}


@pytest.fixture
def view(certification, tmp_path):
    projection = Projection(certification, CertificationMetricsView(), tmp_path / "metrics.sqlite")
    yield projection
    projection.close()


def test_steps_overdue_requests_certificates_and_their_ends(
    certification, make_eligible, register, scheduler, clock, view, tmp_path
) -> None:
    make_eligible()
    issue(certification, register())
    in_review = register()
    made = request(certification, in_review)

    exported = samples(view, clock())
    steps = of(exported, "servicehub_certification_applications")
    assert {step for (step,), count in steps.items() if count} == {"certified", "in_review"}
    assert steps[("certified",)] == 1 and steps[("in_review",)] == 1
    assert steps[("rejected",)] == 0  # every step is exported, 0 too
    assert of(exported, "servicehub_certification_certificates")[("valid",)] == 1
    assert of(exported, "servicehub_certification_certificates_expiring") == {("30",): 0, ("60",): 0}
    assert of(exported, "servicehub_certification_certificates_issued_total") == {(): 1}
    assert of(exported, "servicehub_certification_certificates_renewed_total") == {(): 0}  # issuance is no renewal
    assert of(exported, "servicehub_certification_clarifications_overdue") == {(): 0}

    clock.advance(made.due - clock())
    scheduler.fire_due()
    assert of(samples(view, clock()), "servicehub_certification_clarifications_overdue") == {(): 1}

    clock.advance(WINDOW_OPENS - clock())  # a month before the end
    scheduler.fire_due()
    exported = samples(view, clock())
    assert of(exported, "servicehub_certification_certificates")[("recertification due",)] == 1
    assert of(exported, "servicehub_certification_certificates_expiring") == {("30",): 1, ("60",): 1}
    assert of(exported, "servicehub_certification_recertifications_due_total") == {(): 1}

    clock.advance(EXPIRES - clock())
    scheduler.fire_due()
    exported = samples(view, clock())
    assert of(exported, "servicehub_certification_certificates")[("expired",)] == 1
    assert of(exported, "servicehub_certification_certificates_expiring") == {("30",): 0, ("60",): 0}

    rebuilt = Projection(certification, CertificationMetricsView(), tmp_path / "rebuilt.sqlite")
    try:
        assert samples(rebuilt, clock()) == exported
    finally:
        rebuilt.close()


def test_recertifications_are_counted_renewed_closed_or_lapsed(
    certification, make_eligible, register, scheduler, clock, view
) -> None:
    make_eligible()
    renewing, revoked, lapsing = register(), register(), register()
    for application_id in (renewing, revoked, lapsing):
        issue(certification, application_id)
    open_window(clock, scheduler)
    renew(certification, pass_check(certification, certificate_id(renewing)))
    pass_check(certification, certificate_id(revoked))
    certification.revoke_certificate(certificate_id(revoked), reason="licence withdrawn", actor=OPERATOR)
    pass_check(certification, certificate_id(lapsing))
    clock.advance(EXPIRES - clock())
    scheduler.fire_due()

    exported = samples(view, clock())
    steps = of(exported, "servicehub_certification_applications")

    assert {step: count for (step,), count in steps.items() if count} == {
        "certified": 3, "renewed": 1, "closed": 1, "lapsed": 1,
    }
    assert of(exported, "servicehub_certification_certificates_renewed_total") == {(): 1}


def test_a_renewal_is_counted_on_the_partners_confirmation_and_kept_on_rebuild(
    certification, make_eligible, register, scheduler, clock, view, tmp_path
) -> None:
    make_eligible()
    application_id = register()
    issue(certification, application_id)
    open_window(clock, scheduler)
    recertification = pass_check(certification, certificate_id(application_id))
    renewed = "servicehub_certification_certificates_renewed_total"
    assert of(samples(view, clock()), renewed) == {(): 0}  # a recertification in review renews nothing

    renew(certification, recertification)

    assert of(samples(view, clock()), renewed) == {(): 1}
    rebuilt = Projection(certification, CertificationMetricsView(), tmp_path / "rebuilt.sqlite")
    try:
        assert of(samples(rebuilt, clock()), renewed) == {(): 1}  # from the event log, as after a restart
    finally:
        rebuilt.close()
