"""Steps 1–2 over a real gRPC server: a partner registers, signs the CLA and submits its
enterprise information; the eligibility check runs by itself; wrong-step commands are
FAILED_PRECONDITION naming the current step, and retries change nothing."""

from __future__ import annotations

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from servicehub.certification.v1 import certification_pb2 as pb

from .conftest import ENTERPRISE, NOW

PARTNER = "partner-7"


def registration(**overrides) -> pb.RegisterPartnerRequest:
    fields = dict(partner_id=PARTNER, name="Acme Cloud Services", declared_domains=["acme-cloud.example"])
    return pb.RegisterPartnerRequest(**{**fields, **overrides})


def enterprise(**overrides) -> pb.SubmitEnterpriseInformationRequest:
    return pb.SubmitEnterpriseInformationRequest(partner_id=PARTNER, **{**ENTERPRISE, **overrides})


def sign(version: str = "2.0", partner_id: str = PARTNER) -> pb.SignClaRequest:
    return pb.SignClaRequest(partner_id=partner_id, cla_version=version)


async def call_error(call) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call
    return raised.value


def violations_of(error: grpc.aio.AioRpcError) -> list[tuple[str, str]]:
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    bad_request = error_details_pb2.BadRequest()
    assert rpc_status.from_call(error).details[0].Unpack(bad_request)
    return [(v.field, v.description) for v in bad_request.field_violations]


def reasons(partner: pb.Partner) -> list[tuple[str, str]]:
    return [(r.field, r.reason) for r in partner.ineligibility]


async def test_a_partner_becomes_eligible_in_three_steps(stub) -> None:
    registered = (await stub.RegisterPartner(registration())).partner
    assert registered.step == pb.PARTNER_STEP_AWAITING_CLA
    assert reasons(registered) == [
        ("cla", "the partner has not signed the CLA"),
        ("enterprise", "the partner has not submitted its enterprise information"),
    ]

    signed = (await stub.SignCla(sign("2.0"))).partner
    assert signed.step == pb.PARTNER_STEP_AWAITING_ENTERPRISE_INFORMATION
    assert signed.cla_version == "2.0"
    assert signed.cla_signed_at.ToDatetime(tzinfo=NOW.tzinfo) == NOW  # the injected clock's
    assert reasons(signed) == [("enterprise", "the partner has not submitted its enterprise information")]

    eligible = (await stub.SubmitEnterpriseInformation(enterprise())).partner
    assert eligible.step == pb.PARTNER_STEP_ELIGIBLE
    assert reasons(eligible) == []
    assert (eligible.company_name, eligible.unified_social_credit_code) == (
        ENTERPRISE["company_name"], ENTERPRISE["unified_social_credit_code"],
    )
    assert (await stub.GetPartner(pb.GetPartnerRequest(partner_id=PARTNER))).partner == eligible


async def test_ineligible_information_lists_every_reason_and_can_be_corrected(
    stub, certification
) -> None:
    await stub.RegisterPartner(registration())
    await stub.SignCla(sign())
    refused = (
        await stub.SubmitEnterpriseInformation(
            enterprise(unified_social_credit_code="91310115MA1K4Q7B4X", corporate_email="acme@gmail.com")
        )
    ).partner

    assert refused.step == pb.PARTNER_STEP_NOT_ELIGIBLE
    assert reasons(refused) == [
        ("unified_social_credit_code", "check character (position 18) should be Y, got X"),
        ("corporate_email", "gmail.com is a public webmail provider (gmail.com)"),
        (
            "corporate_email",
            "gmail.com is not the partner's own domain (declared: acme-cloud.example)",
        ),
    ]
    stored = certification.get_partner(PARTNER)  # read back from the event store
    assert [(r.field, r.reason) for r in stored.reasons] == reasons(refused)

    corrected = (await stub.SubmitEnterpriseInformation(enterprise())).partner
    assert corrected.step == pb.PARTNER_STEP_ELIGIBLE
    assert reasons(corrected) == []


@pytest.mark.parametrize(
    ("done", "command", "step"),
    [
        ([], lambda stub: stub.SignCla(sign()), "not registered"),
        ([], lambda stub: stub.SubmitEnterpriseInformation(enterprise()), "not registered"),
        (["register"], lambda stub: stub.SubmitEnterpriseInformation(enterprise()), "awaiting CLA"),
        (["register", "sign"], lambda stub: stub.SignCla(sign("3.0")), "awaiting enterprise information"),
        (["register", "sign", "submit"], lambda stub: stub.SignCla(sign("3.0")), "eligible"),
        (
            ["register", "sign", "submit-webmail"],
            lambda stub: stub.SignCla(sign("3.0")),
            "not eligible",
        ),
    ],
    ids=[
        "cla-before-registration",
        "enterprise-information-before-registration",
        "enterprise-information-before-cla",
        "another-cla-while-awaiting-enterprise-information",
        "another-cla-once-eligible",
        "another-cla-once-not-eligible",
    ],
)
async def test_a_command_in_the_wrong_step_is_failed_precondition_naming_the_step(
    stub, certification, done, command, step
) -> None:
    steps = {
        "register": lambda: stub.RegisterPartner(registration()),
        "sign": lambda: stub.SignCla(sign("2.0")),
        "submit": lambda: stub.SubmitEnterpriseInformation(enterprise()),
        "submit-webmail": lambda: stub.SubmitEnterpriseInformation(enterprise(corporate_email="a@qq.com")),
    }
    for name in done:
        await steps[name]()
    recorded = len(certification.notifications_after(0, 100))

    error = await call_error(command(stub))

    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert f"partner 'partner-7' is at step '{step}'" in error.details()
    assert len(certification.notifications_after(0, 100)) == recorded  # nothing recorded


async def test_every_command_sent_again_changes_nothing(stub, certification) -> None:
    first = [
        (await stub.RegisterPartner(registration())).partner,
        (await stub.SignCla(sign())).partner,
        (await stub.SubmitEnterpriseInformation(enterprise())).partner,
    ]
    recorded = len(certification.notifications_after(0, 100))

    again = [
        (await stub.RegisterPartner(registration())).partner,
        (await stub.SignCla(sign())).partner,
        (await stub.SubmitEnterpriseInformation(enterprise())).partner,
    ]

    assert recorded == 4  # Registered, ClaSigned, EnterpriseInformationSubmitted, Eligible
    assert len(certification.notifications_after(0, 100)) == recorded
    assert [p.step for p in again] == [pb.PARTNER_STEP_ELIGIBLE] * 3
    assert again[1].cla_signed_at == first[1].cla_signed_at


async def test_registering_an_id_again_with_other_details_is_already_exists(stub, certification) -> None:
    await stub.RegisterPartner(registration())
    error = await call_error(stub.RegisterPartner(registration(name="Someone Else")))

    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    assert "partner-7" in error.details()
    assert certification.get_partner(PARTNER).name == "Acme Cloud Services"


@pytest.mark.parametrize(
    ("request_", "violations"),
    [
        (
            registration(partner_id=" ", name="", declared_domains=[]),
            [("partner_id", "is required"), ("name", "is required"),
             ("declared_domains", "at least one item is required")],
        ),
        (
            registration(declared_domains=["acme-cloud.example", "not a domain"]),
            [("declared_domains[1]", "'not a domain' is not a domain name")],
        ),
        (
            registration(declared_domains=[f"d{i}.example" for i in range(11)]),
            [("declared_domains", "at most 10 items, got 11")],
        ),
        (sign(""), [("cla_version", "is required")]),
        (
            enterprise(company_name="", unified_social_credit_code="x" * 65),
            [("company_name", "is required"), ("unified_social_credit_code", "at most 64 characters, got 65")],
        ),
    ],
    ids=["blank-registration", "bad-domain", "too-many-domains", "blank-cla-version", "enterprise-fields"],
)
async def test_bad_input_is_invalid_argument_with_field_violations(
    stub, certification, request_, violations
) -> None:
    method = {
        pb.RegisterPartnerRequest: stub.RegisterPartner,
        pb.SignClaRequest: stub.SignCla,
        pb.SubmitEnterpriseInformationRequest: stub.SubmitEnterpriseInformation,
    }[type(request_)]
    error = await call_error(method(request_))
    assert violations_of(error) == violations
    assert certification.notifications_after(0, 10) == []


async def test_an_unknown_partner_is_not_found(stub) -> None:
    error = await call_error(stub.GetPartner(pb.GetPartnerRequest(partner_id="nobody")))
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert "nobody" in error.details()
