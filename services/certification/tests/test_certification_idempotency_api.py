"""Retries of the commands of steps 4–7 and of SubmitRecertification over a real
gRPC server: each carries a client-chosen request id; the same id with the same fields again records nothing and answers
duplicate=true, with other fields (another command, another caller) ALREADY_EXISTS."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import grpc
import pytest

from servicehub.certification.v1 import certification_pb2 as pb

from .conftest import ISSUER
from .test_certification_steps_api import (
    CLAIMED,
    PASSING,
    certify,
    decide,
    new_id,
    report,
    violations,
)


async def request_clarification(stub, application_id: str, request_id: str, question="which versions?"):
    return await stub.RequestClarification(
        pb.RequestClarificationRequest(
            application_id=application_id, items=[CLAIMED[0]], question=question, request_id=request_id
        )
    )


async def answer_clarification(stub, application_id: str, request_id: str, answer="9.2 to 5.0"):
    return await stub.AnswerClarification(
        pb.AnswerClarificationRequest(
            application_id=application_id,
            number=1,
            answers=[pb.ItemAnswer(criterion=CLAIMED[0], answer=answer)],
            request_id=request_id,
        )
    )


async def submit_expert_report(stub, application_id: str, request_id: str, summary="meets the criteria"):
    return await stub.SubmitExpertReport(
        pb.SubmitExpertReportRequest(
            application_id=application_id,
            assessments=[pb.ItemAssessment(criterion=c, assessment=pb.ASSESSMENT_MET) for c in CLAIMED],
            result=pb.REVIEW_RESULT_PASS,
            summary=summary,
            request_id=request_id,
        )
    )


async def record_board_decision(stub, application_id: str, request_id: str, meeting_reference="SIG-2026-03"):
    return await stub.RecordBoardDecision(
        pb.RecordBoardDecisionRequest(
            application_id=application_id,
            decision=pb.BOARD_DECISION_SEND_BACK,
            meeting_reference=meeting_reference,
            request_id=request_id,
        )
    )


async def pre_check_certificate(stub, application_id: str, request_id: str, holder_name="Acme"):
    return await stub.PreCheckCertificate(
        pb.PreCheckCertificateRequest(
            application_id=application_id,
            details=pb.CertificateDetails(
                holder_name=holder_name, service_regions=["East China"], languages=["zh"], support_plans=["5x8"]
            ),
            request_id=request_id,
        )
    )


async def confirm_certificate(stub, application_id: str, request_id: str):
    return await stub.ConfirmCertificate(
        pb.ConfirmCertificateRequest(application_id=application_id, request_id=request_id)
    )


@dataclass(frozen=True)
class Command:
    """How to bring an application to where the command is allowed, and send it (with
    `changed` set to a different body)."""

    prepare: Callable[..., Awaitable[object]]
    send: Callable[..., Awaitable[object]]
    changed: dict[str, str] | None  # None: the command has no field besides the application


async def _nothing(stub, application_id: str) -> None:
    return None


async def _open_request(stub, application_id: str) -> None:
    await request_clarification(stub, application_id, new_id())


async def _report(stub, application_id: str) -> None:
    await report(stub, application_id)


async def _approve(stub, application_id: str) -> None:
    await report(stub, application_id)
    await decide(stub, application_id)


async def _pre_check(stub, application_id: str) -> None:
    await _approve(stub, application_id)
    await pre_check_certificate(stub, application_id, new_id())


COMMANDS = {
    "RequestClarification": Command(_nothing, request_clarification, {"question": "which tools?"}),
    "AnswerClarification": Command(_open_request, answer_clarification, {"answer": "9.2 to 6.0"}),
    "SubmitExpertReport": Command(_nothing, submit_expert_report, {"summary": "falls short"}),
    "RecordBoardDecision": Command(_report, record_board_decision, {"meeting_reference": "SIG-2026-04"}),
    "PreCheckCertificate": Command(_approve, pre_check_certificate, {"holder_name": "Acme Ltd."}),
    "ConfirmCertificate": Command(_pre_check, confirm_certificate, None),
}


def recorded(certification) -> int:
    return len(certification.notifications_after(0, 10_000))


@pytest.fixture
def application_id(make_eligible, register) -> str:
    make_eligible()
    return str(register())


@pytest.mark.parametrize("name", COMMANDS)
async def test_a_retry_answers_the_original_result_and_records_nothing(stub, certification, application_id, name):
    command = COMMANDS[name]
    await command.prepare(stub, application_id)
    request_id = new_id()
    first = await command.send(stub, application_id, request_id)
    events = recorded(certification)

    again = await command.send(stub, application_id, request_id)

    assert (first.duplicate, again.duplicate) == (False, True)
    assert again.application == first.application
    assert recorded(certification) == events


@pytest.mark.parametrize("name", [name for name, command in COMMANDS.items() if command.changed is not None])
async def test_a_request_id_reused_with_other_fields_is_already_exists_and_records_nothing(
    stub, certification, application_id, name
):
    command = COMMANDS[name]
    await command.prepare(stub, application_id)
    request_id = new_id()
    first = await command.send(stub, application_id, request_id)
    events = recorded(certification)

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await command.send(stub, application_id, request_id, **command.changed)

    assert raised.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert raised.value.details() == (
        f"request_id {request_id!r} was used on application '{application_id}' for a different"
        " command; send the same fields again, or use a new request_id for a new command"
    )
    assert recorded(certification) == events
    got = await stub.GetApplication(pb.GetApplicationRequest(application_id=application_id))
    assert got.application == first.application


@pytest.mark.parametrize("name", COMMANDS)
async def test_a_missing_or_overlong_request_id_is_a_field_violation(stub, certification, application_id, name):
    command = COMMANDS[name]
    await command.prepare(stub, application_id)
    events = recorded(certification)
    for request_id, reason in (("", "required"), ("r" * 129, "at most 128 characters")):
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await command.send(stub, application_id, request_id)
        assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        [(field, description)] = violations(raised.value)
        assert field == "request_id"
        assert reason in description
    assert recorded(certification) == events


async def test_a_retry_after_the_application_moved_on_still_answers_the_original(stub, certification, application_id):
    await report(stub, application_id)
    request_id = new_id()
    approved = await decide(stub, application_id, request_id=request_id)
    await stub.PreCheckCertificate(
        pb.PreCheckCertificateRequest(
            application_id=application_id,
            details=pb.CertificateDetails(
                holder_name="Acme", service_regions=["East China"], languages=["zh"], support_plans=["5x8"]
            ),
            request_id=new_id(),
        )
    )
    events = recorded(certification)

    again = await decide(stub, application_id, request_id=request_id)

    assert again.duplicate
    assert approved.application.status == pb.APPLICATION_STATUS_AWAITING_PRE_CHECK
    assert again.application.status == pb.APPLICATION_STATUS_AWAITING_PARTNER_CONFIRMATION
    assert list(again.application.decisions) == list(approved.application.decisions)
    assert recorded(certification) == events


async def test_a_request_id_belongs_to_one_command_and_one_caller(stub, certification, application_id):
    request_id = new_id()
    await report(stub, application_id, request_id=request_id)
    events = recorded(certification)

    with pytest.raises(grpc.aio.AioRpcError) as other_command:
        await decide(stub, application_id, request_id=request_id)
    with pytest.raises(grpc.aio.AioRpcError) as other_caller:
        await stub.SubmitExpertReport(
            pb.SubmitExpertReportRequest(
                application_id=application_id,
                assessments=[pb.ItemAssessment(criterion=c, assessment=pb.ASSESSMENT_MET) for c in CLAIMED],
                result=pb.REVIEW_RESULT_PASS,
                summary="meets the criteria",
                request_id=request_id,
            ),
            metadata=ISSUER.metadata("expert", subject="u-expert-2"),
        )

    assert other_command.value.code() == other_caller.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert recorded(certification) == events


async def test_request_ids_are_scoped_per_application(stub, make_eligible, register):
    make_eligible()
    first, second = str(register()), str(register())

    one = await report(stub, first, request_id="report-1")
    other = await report(stub, second, request_id="report-1")

    assert (one.duplicate, other.duplicate) == (False, False)
    assert len(other.application.expert_reports) == 1


async def test_concurrent_retries_record_the_command_once(stub, certification, application_id):
    request_id = new_id()

    answers = await asyncio.gather(
        *(request_clarification(stub, application_id, request_id) for _ in range(4))
    )

    assert sorted(a.duplicate for a in answers) == [False, True, True, True]
    got = await stub.GetApplication(pb.GetApplicationRequest(application_id=application_id))
    assert len(got.application.clarification_requests) == 1


async def recertification_window_open(stub, application_id: str, scheduler, clock) -> str:
    certificate_id = (await certify(stub, application_id)).certificate.certificate_id
    clock.advance(timedelta(days=337))  # 2027-02-01
    scheduler.fire_due()
    return certificate_id


def submit_recertification(stub, certificate_id: str, request_id: str, evidence=PASSING):
    return stub.SubmitRecertification(
        pb.SubmitRecertificationRequest(certificate_id=certificate_id, evidence=evidence, request_id=request_id)
    )


async def test_a_retried_recertification_answers_the_original_check_and_records_nothing(
    stub, certification, application_id, scheduler, clock
):
    certificate_id = await recertification_window_open(stub, application_id, scheduler, clock)
    failing = pb.RecertificationEvidence(tools_built=["t1"])
    failed_id, passed_id = new_id(), new_id()
    failed = await submit_recertification(stub, certificate_id, failed_id, failing)
    passed = await submit_recertification(stub, certificate_id, passed_id)
    events = recorded(certification)

    failed_again = await submit_recertification(stub, certificate_id, failed_id, failing)
    passed_again = await submit_recertification(stub, certificate_id, passed_id)  # its review is open

    assert (failed.duplicate, failed_again.duplicate, passed.duplicate, passed_again.duplicate) == (
        False, True, False, True,
    )
    assert (failed_again.passed, list(failed_again.shortfalls)) == (False, list(failed.shortfalls))
    assert (passed_again.passed, list(passed_again.shortfalls)) == (True, [])
    assert passed_again.certificate == passed.certificate
    assert recorded(certification) == events
    with pytest.raises(grpc.aio.AioRpcError) as fresh:  # a new request id is a new submission
        await submit_recertification(stub, certificate_id, new_id())
    assert fresh.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "is under review" in fresh.value.details()


async def test_a_recertification_request_id_reused_with_other_evidence_is_already_exists(
    stub, certification, application_id, scheduler, clock
):
    certificate_id = await recertification_window_open(stub, application_id, scheduler, clock)
    request_id = new_id()
    await submit_recertification(stub, certificate_id, request_id, pb.RecertificationEvidence(tools_built=["t1"]))
    events = recorded(certification)

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await submit_recertification(stub, certificate_id, request_id)
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await submit_recertification(stub, certificate_id, "")

    assert raised.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert raised.value.details().startswith(f"request_id {request_id!r} was used on certificate '{certificate_id}'")
    assert missing.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [field for field, _ in violations(missing.value)] == ["request_id"]
    assert recorded(certification) == events
