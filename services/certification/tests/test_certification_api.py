"""Certification's gRPC API over the application and its ApplicationList projection."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from servicehub.certification.v1 import certification_pb2 as pb
from servicehub_certification.api import MAX_PAGE_BYTES, CertificationApi
from servicehub_certification.domain import Evidence as DomainEvidence
from servicehub_runtime.grpcserver import InvalidArgument, NotFound


@pytest.fixture
def api(certification, application_list, providers) -> CertificationApi:
    return CertificationApi(certification, application_list, providers)


async def list_page(api, page_size: int = 0, page_token: str = "") -> pb.ListApplicationsResponse:
    return await api.ListApplications(
        pb.ListApplicationsRequest(page_size=page_size, page_token=page_token), None
    )


async def test_get_application(api, certification, make_eligible, register) -> None:
    make_eligible("partner-7")
    application_id = register()
    response = await api.GetApplication(
        pb.GetApplicationRequest(application_id=str(application_id)), None
    )
    application = response.application
    stored = certification.get_application(application_id)
    assert application.application_id == str(application_id)
    assert (application.partner_id, application.partner_name) == ("partner-7", "Acme Cloud Services")
    assert application.status == pb.APPLICATION_STATUS_IN_REVIEW
    assert [e.criterion for e in application.evidence] == [
        "service-content.migration",
        "staff.certified-engineers",
    ]
    assert application.submitted_at.ToJsonString() == "2026-03-02T01:30:00Z"
    assert application.registered_at.ToDatetime() == stored.registered_at.replace(tzinfo=None)
    assert list(application.partner_ineligibility) == []
    assert application.criteria_version == "v1"
    assert (application.evidence_gaps[-1].criterion, application.evidence_gaps[-1].kind) == (
        "staff.certified-engineers",
        pb.EVIDENCE_GAP_KIND_UNKNOWN,
    )


async def test_get_application_of_an_unregistered_partner_says_why(api, register) -> None:
    application_id = register(partner_id="stranger")
    application = (
        await api.GetApplication(pb.GetApplicationRequest(application_id=str(application_id)), None)
    ).application
    assert application.status == pb.APPLICATION_STATUS_PARTNER_NOT_ELIGIBLE
    assert [(r.field, r.reason) for r in application.partner_ineligibility] == [
        ("partner_id", "partner 'stranger' is not registered")
    ]
    assert application.criteria_version == "v1"
    assert pb.EVIDENCE_GAP_KIND_MISSING in {g.kind for g in application.evidence_gaps}


@pytest.mark.parametrize("bad_id", ["", "42", "not-a-uuid"])
async def test_get_application_with_bad_id_is_invalid_argument(api, bad_id: str) -> None:
    with pytest.raises(InvalidArgument) as raised:
        await api.GetApplication(pb.GetApplicationRequest(application_id=bad_id), None)
    assert [(v.field, v.description) for v in raised.value.violations] == [
        ("application_id", "must be a UUID")
    ]


async def test_get_unknown_application_is_not_found(api) -> None:
    with pytest.raises(NotFound):
        await api.GetApplication(pb.GetApplicationRequest(application_id=str(uuid4())), None)


async def test_list_pages_through_applications_in_registration_order(
    api, register, application_list
) -> None:
    registered = [str(register(partner_id=f"partner-{i}")) for i in range(5)]
    application_list.catch_up()

    pages, token = [], ""
    while True:
        response = await list_page(api, page_size=2, page_token=token)
        pages.append([a.application_id for a in response.applications])
        token = response.next_page_token
        if not token:
            break

    assert pages == [registered[0:2], registered[2:4], registered[4:5]]


async def test_list_row_carries_the_same_fields_as_get_up_to_the_review(api, register, application_list) -> None:
    application_id = register()
    application_list.catch_up()
    [listed] = (await list_page(api)).applications
    got = (await api.GetApplication(pb.GetApplicationRequest(application_id=str(application_id)), None))
    # The list is a summary: the review's requests, reports and decisions, and the screening
    # history, are GetApplication's.
    got.application.ClearField("review_round")
    got.application.ClearField("screenings")
    assert listed == got.application


async def test_default_page_size_and_exact_last_page(api, register, application_list) -> None:
    for _ in range(2):
        register()
    application_list.catch_up()

    everything = await list_page(api)
    exact = await list_page(api, page_size=2)
    assert len(everything.applications) == 2 and everything.next_page_token == ""
    assert len(exact.applications) == 2 and exact.next_page_token == ""


async def test_empty_list(api) -> None:
    assert await list_page(api) == pb.ListApplicationsResponse()


@pytest.mark.parametrize(
    "token",
    ["abc", "-1", "1.5", "²", "99999999999999999999"],
    ids=["letters", "negative", "decimal", "superscript-digit", "beyond-int64"],
)
async def test_bad_page_token_is_invalid_argument(api, register, application_list, token) -> None:
    register()
    application_list.catch_up()
    with pytest.raises(InvalidArgument) as raised:
        await list_page(api, page_size=2, page_token=token)
    assert [v.field for v in raised.value.violations] == ["page_token"]


@pytest.mark.parametrize("page_size", [-1, 1001])
async def test_page_size_out_of_range_is_invalid_argument(api, page_size: int) -> None:
    with pytest.raises(InvalidArgument) as raised:
        await list_page(api, page_size=page_size)
    assert [v.field for v in raised.value.violations] == ["page_size"]


async def test_pages_are_bounded_in_bytes_as_well_as_in_items(api, certification, application_list) -> None:
    """Ten ~400 KB applications (issue 13: a default page was 9 MB): every page stays under
    MAX_PAGE_BYTES, and paging still returns each application once, in order."""
    big_evidence = tuple(DomainEvidence(f"c-{i}", "s" * 2000, "u" * 2000) for i in range(100))
    registered = []
    for _ in range(10):
        application_id = uuid4()
        certification.register_application(
            application_id=application_id, partner_id="p", partner_name="Big",
            corporate_email="cert@big.example", evidence=big_evidence, submitted_at=datetime(2026, 3, 2, tzinfo=UTC),
        )
        registered.append(str(application_id))
    application_list.catch_up()

    listed, sizes, token = [], [], ""
    while True:
        response = await list_page(api, page_token=token)  # default page size: 100 items
        sizes.append(response.ByteSize())
        listed += [a.application_id for a in response.applications]
        if not (token := response.next_page_token):
            break

    assert listed == registered
    assert max(sizes) <= MAX_PAGE_BYTES
    assert len(sizes) == 5  # two applications per page
