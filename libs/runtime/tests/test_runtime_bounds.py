"""The contracts' field bounds: declared on every field that can grow, checked with paths."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from google.protobuf.descriptor import Descriptor, FieldDescriptor

import servicehub
from servicehub.certification.v1 import certification_pb2
from servicehub.events.v1 import contract_pb2
from servicehub.events.v1.intake_pb2 import ApplicationSubmitted, Evidence, TicketOpened
from servicehub_runtime import bounds
from servicehub_runtime.bounds import FieldViolation


def contract_messages() -> list[Descriptor]:
    """Every message (nested ones too) of every generated servicehub contract module."""
    found: list[Descriptor] = []

    def walk(descriptor: Descriptor) -> None:
        found.append(descriptor)
        for nested in descriptor.nested_types:
            walk(nested)

    for module in pkgutil.walk_packages(servicehub.__path__, "servicehub."):
        if module.name.endswith("_pb2"):
            for descriptor in importlib.import_module(module.name).DESCRIPTOR.message_types_by_name.values():
                walk(descriptor)
    return found


def test_the_walk_finds_the_contracts() -> None:
    names = {d.full_name for d in contract_messages()}
    assert {"servicehub.events.v1.ApplicationSubmitted", "servicehub.intake.v1.OpenTicketRequest",
            "servicehub.certification.v1.ListApplicationsResponse"} <= names


def test_every_string_bytes_and_repeated_field_of_every_contract_declares_its_bounds() -> None:
    unbounded = []
    for message in contract_messages():
        if message.full_name == "servicehub.events.v1.Bounds":
            continue
        for field in message.fields:
            options = field.GetOptions()
            declared = options.Extensions[contract_pb2.bounds] if options.HasExtension(contract_pb2.bounds) else None
            if field.is_repeated and not (declared and declared.max_items):
                unbounded.append(f"{field.full_name}: repeated without max_items")
            elif field.type in (FieldDescriptor.TYPE_STRING, FieldDescriptor.TYPE_BYTES) and not (
                declared and declared.max_len
            ):
                unbounded.append(f"{field.full_name}: without max_len")
    assert unbounded == []


def valid() -> ApplicationSubmitted:
    message = ApplicationSubmitted(
        application_id="0b7c9a0e-5f7e-4a51-9d4c-1d1f3e2a6b70",
        partner_id="p-1",
        partner_name="Acme",
        corporate_email="ops@acme.example",
        evidence=[Evidence(criterion="c1", document_uri="https://docs/1")],
    )
    message.submitted_at.FromJsonString("2026-03-02T09:30:00Z")
    return message


def test_a_message_within_its_bounds_has_no_violations() -> None:
    assert bounds.violations(valid()) == []


def test_the_bounds_themselves_are_allowed() -> None:
    message = valid()
    message.partner_name = "名" * 200  # characters, not bytes, count
    message.evidence.extend([Evidence(criterion="c", summary="s" * 2000, document_uri="u" * 2048)] * 99)
    message.submitted_at.FromJsonString("1970-01-01T00:00:00Z")
    assert bounds.violations(message) == []
    message.submitted_at.FromJsonString("2199-12-31T23:59:59.999999999Z")
    assert bounds.violations(message) == []


def test_violations_name_the_field_path_of_nested_items() -> None:
    message = valid()
    message.evidence.extend(
        [Evidence(criterion="c", document_uri="u"), Evidence(criterion=" ", summary="s" * 2001, document_uri="")]
    )
    assert bounds.violations(message) == [
        FieldViolation("evidence[2].criterion", "is required"),
        FieldViolation("evidence[2].summary", "at most 2000 characters, got 2001"),
        FieldViolation("evidence[2].document_uri", "is required"),
    ]


def test_too_many_items_is_one_violation_and_the_items_are_not_looked_at() -> None:
    message = valid()
    message.evidence.extend([Evidence()] * 100_000)
    assert bounds.violations(message) == [FieldViolation("evidence", "at most 100 items, got 100001")]


@pytest.mark.parametrize("instant", ["0001-01-01T00:00:00Z", "1969-12-31T23:59:59Z", "2200-01-01T00:00:00Z", "9999-12-31T23:59:59Z"])
def test_timestamps_outside_1970_to_2200_are_violations(instant: str) -> None:
    message = valid()
    message.submitted_at.FromJsonString(instant)
    [violation] = bounds.violations(message)
    assert violation.field == "submitted_at"
    assert violation.description.startswith("must lie in [1970-01-01, 2200-01-01) UTC")


@pytest.mark.parametrize("nanos", [-1, 1_000_000_000, -(2**31)])
def test_timestamps_with_nanos_outside_a_second_are_violations(nanos: int) -> None:
    message = valid()
    message.submitted_at.seconds = 1_800_000_000
    message.submitted_at.nanos = nanos
    assert bounds.violations(message) == [
        FieldViolation("submitted_at", f"nanos must lie in [0, 999999999], got {nanos}")
    ]


def test_an_enum_number_the_enum_does_not_declare_is_a_violation() -> None:
    request = certification_pb2.RecordBoardDecisionRequest(
        application_id="a", meeting_reference="m", request_id="r", decision=-417
    )
    assert bounds.violations(request) == [
        FieldViolation("decision", "-417 is not a value of BoardDecision")
    ]
    request.decision = certification_pb2.BOARD_DECISION_UNSPECIFIED  # declared: the handler's
    assert bounds.violations(request) == []


def test_an_unset_timestamp_is_left_to_the_handler() -> None:
    message = valid()
    message.ClearField("submitted_at")
    assert bounds.violations(message) == []


def test_nested_messages_of_responses_are_checked_too() -> None:
    response = certification_pb2.ListApplicationsResponse(
        applications=[certification_pb2.Application(application_id="a" * 65)]
    )
    assert [v.field for v in bounds.violations(response)][:1] == ["applications[0].application_id"]


def test_required_string_fields_of_events_consumed_by_sla() -> None:
    opened = TicketOpened(ticket_id="t", customer_id="c", summary="s")
    assert bounds.violations(opened) == [FieldViolation("service_plan", "is required")]


def test_describe_shows_the_first_violations_and_counts_the_rest() -> None:
    found = [FieldViolation(f"f{i}", "is required") for i in range(12)]
    assert bounds.describe(found, limit=2) == "f0: is required; f1: is required; and 10 more"
    assert bounds.describe(found[:2], limit=2) == "f0: is required; f1: is required"
