"""CloudEvents Kafka binding (binary mode): encoding, decoding and every poison reason."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from google.protobuf import json_format

from servicehub.events.v1 import certification_pb2, contract_pb2
from servicehub.events.v1.certification_pb2 import ApplicationRegistered
from servicehub.events.v1.intake_pb2 import ApplicationSubmitted, Evidence, TicketOpened
from servicehub.events.v1.sla_pb2 import TicketEscalated
from servicehub.intake.v1.intake_pb2 import OpenTicketRequest
from servicehub_runtime.cloudevents import (
    JSON,
    MAX_REASON_CHARS,
    PROTOBUF,
    SEQUENCE_HEADER,
    MessageTypes,
    PoisonMessage,
    bounded,
    encode,
    header_map,
    topic_of,
    type_of,
)

WHEN = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
TYPES = MessageTypes([ApplicationSubmitted])


def submitted() -> ApplicationSubmitted:
    message = ApplicationSubmitted(
        application_id="0b7c9a0e-5f7e-4a51-9d4c-1d1f3e2a6b70",
        partner_id="p-1",
        partner_name="Acme",
        corporate_email="ops@acme.example",
        evidence=[Evidence(criterion="c1", summary="s", document_uri="https://docs/1")],
    )
    message.submitted_at.FromDatetime(WHEN)
    return message


def encoded(**overrides: str) -> tuple[bytes, dict[str, str]]:
    body, headers = encode(
        submitted(), event_id="e-1", source="/servicehub/intake", subject="s-1", time=WHEN
    )
    headers.update(overrides)
    return body, headers


def poison_reason(headers: dict[str, str], body: bytes | None) -> str:
    with pytest.raises(PoisonMessage) as raised:
        TYPES.decode(headers, body)
    return raised.value.reason


def test_encode_sets_binary_mode_headers() -> None:
    body, headers = encode(
        submitted(), event_id="e-1", source="/src", subject="subj", time=WHEN, sequence=42
    )
    assert headers == {
        "ce_specversion": "1.0",
        "ce_id": "e-1",
        "ce_type": "servicehub.events.v1.ApplicationSubmitted",
        "ce_source": "/src",
        "ce_subject": "subj",
        "ce_time": "2026-03-02T09:30:00+00:00",
        "content-type": PROTOBUF,
        SEQUENCE_HEADER: "42",
    }
    assert body == submitted().SerializeToString()


def test_encode_without_sequence_has_no_sequence_header() -> None:
    _, headers = encoded()
    assert SEQUENCE_HEADER not in headers


def test_protobuf_round_trip() -> None:
    body, headers = encoded()
    event = TYPES.decode(headers, body)
    assert event.message == submitted()
    assert (event.id, event.type, event.source, event.subject, event.time) == (
        "e-1",
        "servicehub.events.v1.ApplicationSubmitted",
        "/servicehub/intake",
        "s-1",
        "2026-03-02T09:30:00+00:00",
    )


def test_proto3_json_round_trip_with_content_type_parameters() -> None:
    _, headers = encoded(**{"content-type": f"{JSON}; charset=utf-8"})
    body = json_format.MessageToJson(submitted()).encode()
    assert TYPES.decode(headers, body).message == submitted()


def test_missing_body_is_an_empty_message_which_breaks_the_required_fields() -> None:
    _, headers = encoded()
    assert poison_reason(headers, None) == (
        "servicehub.events.v1.ApplicationSubmitted breaks its contract: "
        "application_id: is required; partner_id: is required; partner_name: is required; "
        "corporate_email: is required; evidence: at least one item is required"
    )


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda m: setattr(m, "partner_name", " "), "partner_name: is required"),
        (lambda m: setattr(m, "partner_name", "x" * 201), "partner_name: at most 200 characters, got 201"),
        (
            lambda m: m.evidence.extend([Evidence(criterion="c", document_uri="u")] * 100_000),
            "evidence: at most 100 items, got 100001",
        ),
        (lambda m: setattr(m.evidence[0], "document_uri", ""), "evidence[0].document_uri: is required"),
        (
            lambda m: m.submitted_at.FromJsonString("0001-01-01T00:00:00Z"),
            "submitted_at: must lie in [1970-01-01, 2200-01-01) UTC, got -62135596800 seconds since 1970-01-01",
        ),
        (
            lambda m: m.submitted_at.FromJsonString("9999-12-31T23:59:59Z"),
            "submitted_at: must lie in [1970-01-01, 2200-01-01) UTC, got 253402300799 seconds since 1970-01-01",
        ),
    ],
    ids=["blank", "too-long", "too-many-items", "item-field", "year-1", "year-9999"],
)
@pytest.mark.parametrize("content_type", [PROTOBUF, JSON])
def test_a_message_out_of_its_contract_bounds_is_poison(change, reason: str, content_type: str) -> None:
    message = submitted()
    change(message)
    body = (
        message.SerializeToString()
        if content_type == PROTOBUF
        else json_format.MessageToJson(message).encode()
    )
    _, headers = encoded(**{"content-type": content_type})
    assert poison_reason(headers, body) == (
        f"servicehub.events.v1.ApplicationSubmitted breaks its contract: {reason}"
    )


@pytest.mark.parametrize("header", ["ce_id", "ce_type", "ce_source", "ce_specversion"])
def test_missing_required_header_is_poison(header: str) -> None:
    body, headers = encoded()
    del headers[header]
    assert header in poison_reason(headers, body)


def test_empty_required_header_is_poison() -> None:
    body, headers = encoded(ce_id="")
    assert "missing CloudEvents header(s): ce_id" in poison_reason(headers, body)


def test_unknown_ce_type_is_poison() -> None:
    body, headers = encoded(ce_type="servicehub.events.v1.TicketOpened")
    reason = poison_reason(headers, body)
    assert "unknown ce_type 'servicehub.events.v1.TicketOpened'" in reason
    assert "servicehub.events.v1.ApplicationSubmitted" in reason


@pytest.mark.parametrize("content_type", ["text/plain", "", "application/avro"])
def test_unsupported_content_type_is_poison(content_type: str) -> None:
    body, headers = encoded(**{"content-type": content_type})
    assert "unsupported content-type" in poison_reason(headers, body)


def test_missing_content_type_is_poison() -> None:
    body, headers = encoded()
    del headers["content-type"]
    assert "unsupported content-type ''" in poison_reason(headers, body)


@pytest.mark.parametrize("body", [b"\x0a\xff", b"\xff\xff\xff\xff", b"\x0a\x01\xff"])
def test_corrupt_protobuf_is_poison(body: bytes) -> None:
    _, headers = encoded()
    assert "not a valid servicehub.events.v1.ApplicationSubmitted protobuf" in poison_reason(
        headers, body
    )


@pytest.mark.parametrize(
    "body",
    [b"{not json", b'{"submittedAt": "yesterday"}', b"\xff\xfe", b"null"],
)
def test_bad_json_is_poison(body: bytes) -> None:
    _, headers = encoded(**{"content-type": JSON})
    assert "not valid servicehub.events.v1.ApplicationSubmitted proto3 JSON" in poison_reason(
        headers, body
    )


def test_json_fields_unknown_to_this_consumer_are_ignored() -> None:
    """A newer producer's extra field must not dead-letter the event, as with protobuf."""
    _, headers = encoded(**{"content-type": JSON})
    fields = json_format.MessageToDict(submitted())
    event = MessageTypes([ApplicationSubmitted]).decode(
        headers, json.dumps({**fields, "fieldFromTheFuture": 1}).encode()
    )
    assert event.message == submitted()


def test_header_map_decodes_utf8_and_empty_values() -> None:
    assert header_map([("ce_id", "é-1".encode()), ("blank", b"")]) == {
        "ce_id": "é-1",
        "blank": "",
    }


def test_null_header_value_is_poison() -> None:
    """Null is not empty: the publisher sent something no reading of which can be trusted."""
    with pytest.raises(PoisonMessage) as raised:
        header_map([("ce_id", b"ok"), ("x-trace", None)])
    assert raised.value.reason == "header 'x-trace' has a null value"


@pytest.mark.parametrize(
    "headers",
    [
        [("ce_type", b"wrong"), ("ce_type", b"servicehub.events.v1.ApplicationSubmitted")],
        [("ce_type", b"servicehub.events.v1.ApplicationSubmitted")] * 2,  # even when equal
        [("x-custom", b"1"), ("ce_id", b"a"), ("x-custom", b"2")],
    ],
    ids=["wrong-then-valid", "identical-twice", "any-header"],
)
def test_repeated_header_is_poison_not_last_wins(headers) -> None:
    with pytest.raises(PoisonMessage, match=r"header\(s\) repeated: '(ce_type|x-custom)'"):
        header_map(headers)


@pytest.mark.parametrize("version", ["0.3", "1", "1.0 ", "2.0"])
def test_other_specversion_is_poison(version: str) -> None:
    body, headers = encoded(ce_specversion=version)
    assert f"unsupported ce_specversion {version!r}; use 1.0" == poison_reason(headers, body)


@pytest.mark.parametrize(
    "content_type", ["Application/JSON", "APPLICATION/JSON; Charset=UTF-8", " application/Json "]
)
def test_content_type_is_case_insensitive(content_type: str) -> None:
    _, headers = encoded(**{"content-type": content_type})
    event = TYPES.decode(headers, json_format.MessageToJson(submitted()).encode())
    assert event.message == submitted()


def test_content_type_protobuf_is_case_insensitive() -> None:
    body, headers = encoded(**{"content-type": "Application/Protobuf"})
    assert TYPES.decode(headers, body).message == submitted()


def with_required(fields: str, json: str) -> bytes:
    """`json` (an object) with the message's required fields added, so only `json` is tested."""
    return ("{" + fields + ", " + json.strip()[1:]).encode()


TICKET_FIELDS = '"idempotencyKey": "k-1", "customerId": "c-1", "summary": "s", "servicePlan": "7x24"'
REGISTERED_FIELDS = '"applicationId": "a-1", "partnerId": "p-1"'


def ticket_request(json: str) -> OpenTicketRequest:
    _, headers = encoded(
        ce_type="servicehub.intake.v1.OpenTicketRequest", **{"content-type": JSON}
    )
    return MessageTypes([OpenTicketRequest]).decode(headers, with_required(TICKET_FIELDS, json)).message


@pytest.mark.parametrize(
    ("value", "shown"),
    [("1.5", "1.5"), ("1.99", "1.99"), ('"1"', '"1"'), ("1.0", "1.0"), ("true", "true"),
     ("1e0", "1.0"), ("-0.0", "-0.0")],
)
def test_enum_must_be_a_name_or_an_integer(value: str, shown: str) -> None:
    """json_format would read each of these as a valid priority (1.99 as P0)."""
    with pytest.raises(PoisonMessage) as raised:
        ticket_request(f'{{"priority": {value}}}')
    assert raised.value.reason == (
        "body is not valid servicehub.intake.v1.OpenTicketRequest proto3 JSON:"
        f" priority: {shown} is not a Priority name or number"
    )


@pytest.mark.parametrize("value", ['"PRIORITY_P9"', '"P1"', "[1]", '{"a": 1}', '""'])
def test_other_enum_values_are_poison_too(value: str) -> None:
    with pytest.raises(PoisonMessage, match="not valid servicehub.intake.v1.OpenTicketRequest"):
        ticket_request(f'{{"priority": {value}}}')


@pytest.mark.parametrize(
    ("value", "priority"), [("1", 1), ('"PRIORITY_P1"', 2), ("null", 0), ("5", 5)]
)
def test_enum_names_and_integers_are_read(value: str, priority: int) -> None:
    assert ticket_request(f'{{"priority": {value}}}').priority == priority


@pytest.mark.parametrize("value", ['"2"', "2.0", "2e0"])
def test_int32_must_be_an_integer(value: str) -> None:
    """json_format reads each of these as 2 (it rejects 2.5 and false itself)."""
    _, headers = encoded(
        ce_type="servicehub.events.v1.ApplicationRegistered", **{"content-type": JSON}
    )
    with pytest.raises(PoisonMessage, match=r"evidence_count: \S+ is not an integer"):
        MessageTypes([ApplicationRegistered]).decode(headers, f'{{"evidenceCount": {value}}}'.encode())


def test_int32_integer_is_read_by_either_field_name() -> None:
    _, headers = encoded(
        ce_type="servicehub.events.v1.ApplicationRegistered", **{"content-type": JSON}
    )
    types = MessageTypes([ApplicationRegistered])
    body = with_required(REGISTERED_FIELDS, '{"evidenceCount": 3}')
    assert types.decode(headers, body).message.evidence_count == 3
    with pytest.raises(PoisonMessage, match="evidence_count: 3.0 is not an integer"):
        types.decode(headers, b'{"evidence_count": 3.0}')


def test_enum_in_another_message_type_is_checked_too() -> None:
    _, headers = encoded(ce_type="servicehub.events.v1.TicketEscalated", **{"content-type": JSON})
    with pytest.raises(PoisonMessage, match="priority: 2.5 is not a Priority name or number"):
        MessageTypes([TicketEscalated]).decode(headers, b'{"priority": 2.5}')


def test_reasons_are_bounded_with_a_marker() -> None:
    body, headers = encoded(ce_type="x" * 600_000)
    reason = poison_reason(headers, body)
    assert len(reason) == MAX_REASON_CHARS
    assert reason.startswith("unknown ce_type 'xxx")
    assert re.search(r" …\[59\d{4} more characters cut\]$", reason)


def test_bounded_keeps_short_text_and_cuts_long_text_to_the_limit() -> None:
    assert bounded("short", 10) == "short"
    cut = bounded("y" * 100, 40)
    assert len(cut) == 40 and cut.endswith("…[60 more characters cut]")


def test_non_utf8_header_is_poison() -> None:
    with pytest.raises(PoisonMessage) as raised:
        header_map([("ce_id", b"ok"), ("ce_source", b"\xff\xfe")])
    assert raised.value.reason == "header 'ce_source' is not UTF-8 text"


def test_topic_of_reads_the_channel_option() -> None:
    assert topic_of(ApplicationSubmitted) == "intake.application-submitted.v1"
    assert topic_of(TicketOpened) == "intake.ticket-opened.v1"
    assert (
        topic_of(certification_pb2.ApplicationRegistered)
        == "certification.application-registered.v1"
    )
    assert type_of(TicketOpened) == "servicehub.events.v1.TicketOpened"


def test_topic_of_a_message_without_channel_raises() -> None:
    with pytest.raises(ValueError, match="declares no channel topic"):
        topic_of(contract_pb2.Channel)
