"""Certification application service: registering once, reading back."""

from __future__ import annotations

from uuid import uuid4

import pytest
from eventsourcing.application import AggregateNotFoundError

from servicehub_certification.domain import ApplicationStatus, Evidence
from servicehub_runtime.eventstore import IntegrityError, Tracking


def test_eligible_partners_application_is_in_review(
    certification, make_eligible, register, submitted_at
) -> None:
    make_eligible("partner-7")
    application_id = register()
    application = certification.get_application(application_id)

    assert application.status is ApplicationStatus.IN_REVIEW
    assert application.partner_id == "partner-7"
    assert application.submitted_at == submitted_at
    assert application.registered_at == application.created_on
    assert application.evidence[1] == Evidence(
        "staff.certified-engineers", "8 engineers", "https://docs/2"
    )


def test_second_registration_conflicts_and_changes_nothing(certification, register) -> None:
    application_id = register(partner_name="First")
    with pytest.raises(IntegrityError):
        register(application_id, partner_name="Second")

    assert certification.get_application(application_id).partner_name == "First"
    assert len(certification.notifications_after(0, 10)) == 2  # Registered, Screened


def test_conflicting_registration_leaves_its_position_unrecorded(certification, register) -> None:
    application_id = register(position=Tracking("t:0", 1))
    with pytest.raises(IntegrityError):
        register(application_id, position=Tracking("t:0", 2))
    assert certification.position("t:0") == 1


def test_unknown_application_is_not_found(certification) -> None:
    with pytest.raises(AggregateNotFoundError):
        certification.get_application(uuid4())
