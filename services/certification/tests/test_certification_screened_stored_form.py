"""How `Application.Screened` is stored: version 2 keeps the evidence gaps as rows the json
module reads by itself; events stored in version 1 (one value object and one enum per gap)
still load, through the aggregate and every view."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from eventsourcing.cryptography import AESCipher
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from servicehub_certification.application import Certification
from servicehub_certification.domain import Application, ApplicationStatus, Evidence
from servicehub_certification.metrics import CertificationMetricsView
from servicehub_certification.projections import ApplicationList
from servicehub_certification.rules.criteria import EvidenceGap, Gap
from servicehub_certification.rules.eligibility import Ineligibility
from servicehub_runtime.encryption import CIPHER_TOPIC
from servicehub_runtime.projection import Projection

# A Screened event as the code before class_version 2 stored it (bytes written by that code).
V1_SCREENED = (
    b'{"timestamp":{"_type_":"datetime_iso","_data_":"2026-03-02T01:31:00+00:00"},'
    b'"partner_ineligibility":[{"_type_":"servicehub_certification.rules.eligibility.Ineligibility",'
    b'"_data_":{"field":"partner_id","reason":"partner \'partner-7\' is not registered"}}],'
    b'"criteria_version":"v1","evidence_gaps":['
    b'{"_type_":"servicehub_certification.rules.criteria.EvidenceGap","_data_":{'
    b'"criterion":"service-content.operations",'
    b'"gap":{"_type_":"servicehub_certification.rules.criteria.Gap","_data_":"missing"},'
    b'"explanation":"required: Public business introduction and service sales documents for'
    b' operations services"}},'
    b'{"_type_":"servicehub_certification.rules.criteria.EvidenceGap","_data_":{'
    b'"criterion":"service-content.migration",'
    b'"gap":{"_type_":"servicehub_certification.rules.criteria.Gap","_data_":"repeated"},'
    b'"explanation":"evidence given 2 times; give it once"}},'
    b'{"_type_":"servicehub_certification.rules.criteria.EvidenceGap","_data_":{'
    b'"criterion":"staff.certified-engineers",'
    b'"gap":{"_type_":"servicehub_certification.rules.criteria.Gap","_data_":"unknown"},'
    b'"explanation":"criteria v1 have no such item"}}]}'
)
V1_GAPS = (
    EvidenceGap(
        "service-content.operations",
        Gap.MISSING,
        "required: Public business introduction and service sales documents for operations services",
    ),
    EvidenceGap("service-content.migration", Gap.REPEATED, "evidence given 2 times; give it once"),
    EvidenceGap("staff.certified-engineers", Gap.UNKNOWN, "criteria v1 have no such item"),
)


@pytest.fixture(params=["plain", "encrypted"])
def certification(request, tmp_path: Path, calendar, clock) -> Iterator[Certification]:
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "certification.sqlite")}
    if request.param == "encrypted":
        env |= {"CIPHER_TOPIC": CIPHER_TOPIC, "CIPHER_KEY": AESCipher.create_key(32)}
    application = Certification(env=env, calendar=calendar, clock=clock)
    yield application
    application.close()


def store_v1_application(certification: Certification) -> UUID:
    """An application registered and screened (its partner not registered) by the code
    before class_version 2: its Registered event, which has not changed, and V1_SCREENED."""
    application = Application(
        uuid4(), "partner-7", "Acme Cloud Services", "cert@acme-cloud.example",
        (Evidence("staff.certified-engineers", "8 engineers", "https://docs/2"),),
        datetime(2026, 3, 2, 1, 30, tzinfo=UTC),
    )
    [registered] = application.collect_events()
    cipher = certification.mapper.cipher
    screened = StoredEvent(
        originator_id=application.id,
        originator_version=registered.originator_version + 1,
        topic=get_topic(Application.Screened),
        state=V1_SCREENED if cipher is None else cipher.encrypt(V1_SCREENED),
    )
    certification.recorder.insert_events([certification.mapper.to_stored_event(registered), screened])
    return application.id


def test_a_screened_event_stored_in_version_1_loads_with_its_gaps(
    certification, make_eligible, tmp_path: Path
) -> None:
    application_id = store_v1_application(certification)

    application = certification.get_application(application_id)
    assert application.evidence_gaps == V1_GAPS
    assert application.status is ApplicationStatus.PARTNER_NOT_ELIGIBLE
    assert application.partner_ineligibility == (
        Ineligibility("partner_id", "partner 'partner-7' is not registered"),
    )
    assert application.criteria_version == "v1"

    listed = Projection(certification, ApplicationList(), tmp_path / "list.sqlite")
    metrics = Projection(certification, CertificationMetricsView(), tmp_path / "metrics.sqlite")
    try:
        assert listed.catch_up() == 2
        [row] = listed.query("SELECT status, criteria_version, evidence_gaps FROM applications")
        assert (row["status"], row["criteria_version"]) == ("partner_not_eligible", "v1")
        assert json.loads(row["evidence_gaps"]) == [
            {"criterion": g.criterion, "gap": g.gap.value, "explanation": g.explanation} for g in V1_GAPS
        ]
        assert metrics.catch_up() == 2
        steps = metrics.query("SELECT application_id, step FROM metric_applications")
        assert [tuple(row) for row in steps] == [(str(application_id), "partner_not_eligible")]
    finally:
        listed.close()
        metrics.close()

    # Events recorded after a version 1 one: the aggregate is read from both forms.
    make_eligible("partner-7")
    assert certification.rescreen_application(application_id)
    rescreened = certification.get_application(application_id)
    assert rescreened.status is ApplicationStatus.IN_REVIEW
    assert rescreened.evidence_gaps == V1_GAPS


def test_screened_stores_its_gaps_as_rows(certification, make_eligible) -> None:
    """An application with no evidence lacks all 20 required items: one transcoded value for
    them all, each row keeping the item, the gap and its explanation (version 1 took 6.4 KB
    and 40 transcoded objects for these gaps)."""
    make_eligible("partner-7")
    application_id = uuid4()
    certification.register_application(
        application_id=application_id,
        partner_id="partner-7",
        partner_name="Acme Cloud Services",
        corporate_email="cert@acme-cloud.example",
        evidence=(),
        submitted_at=datetime(2026, 3, 2, 1, 30, tzinfo=UTC),
        position=None,
    )
    gaps = certification.get_application(application_id).evidence_gaps
    assert len(gaps) == 20 and {g.gap for g in gaps} == {Gap.MISSING}

    [screened] = [
        n for n in certification.notifications_after(0, 20) if n.topic == get_topic(Application.Screened)
    ]
    cipher = certification.mapper.cipher
    stored = screened.state if cipher is None else cipher.decrypt(screened.state)
    state = json.loads(stored)
    assert state["class_version"] == 2
    assert state["evidence_gaps"] == {
        "_type_": "evidence_gaps_rows",
        "_data_": [[g.criterion, g.gap.value, g.explanation] for g in gaps],
    }
    assert stored.count(b'"_type_"') == 2  # the timestamp and the gaps
    assert len(stored) < 3000  # version 1: 6,300 bytes
