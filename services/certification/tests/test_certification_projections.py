"""ApplicationList: the read model behind ListApplications, rebuilt from the log at will."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from eventsourcing.cryptography import AESCipher

from servicehub_certification.application import Certification
from servicehub_certification.projections import ApplicationList
from servicehub_runtime.encryption import CIPHER_TOPIC
from servicehub_runtime.projection import Projection

from .test_certification_steps import approve, issue


@pytest.fixture
def certification(tmp_path: Path, calendar, clock) -> Iterator[Certification]:
    """Encrypted, as in production: the views' personal data is sealed."""
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(tmp_path / "certification.sqlite"),
        "CIPHER_TOPIC": CIPHER_TOPIC,
        "CIPHER_KEY": AESCipher.create_key(32),
    }
    application = Certification(env=env, calendar=calendar, clock=clock)
    yield application
    application.close()


def rows(projection) -> list[tuple]:
    return [tuple(row) for row in projection.query("SELECT * FROM applications ORDER BY seq")]


def test_each_registration_becomes_one_row(
    make_eligible, register, application_list, submitted_at
) -> None:
    make_eligible("partner-7")
    first, second = register(), register(partner_id="partner-8")
    assert application_list.catch_up() == 4 + 4  # partner: 4 events; applications: 2 each
    assert application_list.catch_up() == 0

    listed = application_list.query("SELECT * FROM applications ORDER BY seq")
    assert [r["application_id"] for r in listed] == [str(first), str(second)]
    assert [r["seq"] for r in listed] == [1, 2]
    assert listed[1]["partner_id"] == "partner-8"
    assert listed[0]["status"] == "in_review"
    assert listed[1]["status"] == "partner_not_eligible"
    assert json.loads(listed[1]["partner_ineligibility"]) == [
        {"field": "partner_id", "reason": "partner 'partner-8' is not registered"}
    ]
    assert listed[0]["criteria_version"] == "v1"
    assert json.loads(listed[0]["evidence_gaps"])[-1] == {
        "criterion": "staff.certified-engineers",
        "gap": "unknown",
        "explanation": "criteria v1 have no such item",
    }
    assert listed[0]["submitted_at"] == submitted_at.isoformat()
    assert json.loads(listed[0]["evidence"])[0] == {
        "criterion": "service-content.migration",
        "summary": "12 migrations",
        "document_uri": "https://docs/1",
    }


def test_deleting_the_view_rebuilds_identical_rows(
    certification, make_eligible, register, application_list, view_path
) -> None:
    """The view kept up to date write by write equals the one rebuilt from the whole log in
    one catch-up (its sealed columns compared decrypted), through the steps it shows."""
    make_eligible()
    applications = []
    for i in range(3):
        applications.append(register(partner_id="partner-7" if i else f"partner-{i}"))
        application_list.catch_up()
    issue(certification, applications[1])
    application_list.catch_up()
    approve(certification, applications[2])
    application_list.catch_up()
    live = rows(application_list)
    application_list.close()
    for file in view_path.parent.glob(view_path.name + "*"):
        file.unlink()

    rebuilt = Projection(certification, ApplicationList(), view_path)
    rebuilt.catch_up()
    assert rows(rebuilt) == live
    with sqlite3.connect(view_path) as raw:
        stored_names = {name for [name] in raw.execute("SELECT partner_name FROM applications")}
    assert "Acme Cloud Services" not in stored_names and len(stored_names) == 3  # sealed
    assert [row[6] for row in live] == ["partner_not_eligible", "certified", "awaiting_pre_check"]
    rebuilt.close()
