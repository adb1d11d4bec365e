"""ApplicationList: the read model behind ListApplications, rebuilt from the log at will."""

from __future__ import annotations

import json

from servicehub_certification.projections import ApplicationList
from servicehub_runtime.projection import Projection


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


def test_deleting_the_view_rebuilds_identical_rows(certification, register, view_path) -> None:
    for i in range(3):
        register(partner_id=f"partner-{i}")
    projection = Projection(certification, ApplicationList(), view_path)
    projection.catch_up()
    before = rows(projection)
    projection.close()
    for file in view_path.parent.glob(view_path.name + "*"):
        file.unlink()

    rebuilt = Projection(certification, ApplicationList(), view_path)
    rebuilt.catch_up()
    assert rows(rebuilt) == before
    assert len(before) == 3
    rebuilt.close()
