"""Generated inputs for the fuzz tests (tests/fuzz, tests/integration/test_fuzz_kafka.py):
hypothesis strategies built from the protobuf descriptors, Kafka records around them, and
the services' consumed topics as their own subscriptions declare them.

Importable from tests because pytest puts tests/fuzz on the path (pyproject `pythonpath`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from hypothesis import strategies as st

from servicehub.billing.v1 import billing_pb2
from servicehub.events.v1 import contract_pb2
from servicehub.events.v1 import intake_pb2 as intake_events
from servicehub.events.v1 import sla_pb2 as sla_events
from servicehub.intake.v1 import intake_pb2
from servicehub.sla.v1 import sla_pb2
from servicehub_billing.application import Billing
from servicehub_billing.consumers import subscriptions as billing_subscriptions
from servicehub_businesstime import BusinessCalendar
from servicehub_certification.application import Certification
from servicehub_certification.consumers import subscriptions as certification_subscriptions
from servicehub_intake.application import Intake
from servicehub_intake.consumers import subscriptions as intake_subscriptions
from servicehub_runtime.cloudevents import encode
from servicehub_runtime.eventstore import TracedEventApplication
from servicehub_sla.application import Sla
from servicehub_sla.consumers import subscriptions as sla_subscriptions
from servicehub_sla.policy import PolicyBook

# ---------------------------------------------------------------------------- protobuf messages

_INTS = {
    FieldDescriptor.TYPE_INT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SINT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SFIXED32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_INT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SINT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_UINT32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_FIXED32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_UINT64: (0, 2**64 - 1),
    FieldDescriptor.TYPE_FIXED64: (0, 2**64 - 1),
}


def _bounds(field: FieldDescriptor) -> contract_pb2.Bounds:
    options = field.GetOptions()
    return options.Extensions[contract_pb2.bounds] if options.HasExtension(contract_pb2.bounds) else contract_pb2.Bounds()


def _scalar(field: FieldDescriptor, known: st.SearchStrategy[str], depth: int) -> st.SearchStrategy[Any]:
    kind = field.type
    if kind in _INTS:
        low, high = _INTS[kind]
        return st.one_of(st.integers(-3, 400), st.integers(low, high))
    if kind == FieldDescriptor.TYPE_BOOL:
        return st.booleans()
    if kind in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        return st.floats(width=32 if kind == FieldDescriptor.TYPE_FLOAT else 64)
    if kind == FieldDescriptor.TYPE_ENUM:
        values = [v.number for v in field.enum_type.values]
        return st.one_of(st.sampled_from(values), st.integers(-(2**31), 2**31 - 1))
    if kind == FieldDescriptor.TYPE_STRING:
        limit = _bounds(field).max_len or 64
        return st.one_of(
            known,
            st.text(max_size=min(limit, 40)),
            st.text(min_size=limit, max_size=limit + 2) if limit <= 300 else st.just("x" * (limit + 1)),
            st.sampled_from(["", " ", "2026-12-01", "1970-01-01", "a@b.example", "\u0000", "../../etc/passwd"]),
        )
    if kind == FieldDescriptor.TYPE_BYTES:
        return st.binary(max_size=64)
    if kind == FieldDescriptor.TYPE_MESSAGE:
        return messages(field.message_type, known, depth + 1)
    raise AssertionError(f"no strategy for {field.full_name}")


def messages(descriptor: Descriptor, known: st.SearchStrategy[str], depth: int = 0) -> st.SearchStrategy[Message]:
    """Messages of `descriptor`: each field left unset or given any value of its type."""
    cls = GetMessageClass(descriptor)
    if descriptor.full_name == "google.protobuf.Timestamp":
        return st.builds(
            lambda seconds, nanos: cls(seconds=seconds, nanos=nanos),
            st.one_of(st.integers(0, 7_258_118_400), st.integers(-(2**40), 2**40)),
            st.one_of(st.integers(0, 999_999_999), st.integers(-(2**31), 2**31 - 1)),
        )
    if depth > 3:
        return st.just(cls())
    fields = {}
    for field in descriptor.fields:
        value = _scalar(field, known, depth)
        if field.is_repeated:
            limit = _bounds(field).max_items or 3
            value = st.lists(value, max_size=min(limit, 3) if depth else min(limit + 1, 4))
        fields[field.name] = st.one_of(st.none(), value)

    def build(values: dict[str, Any]) -> Message:
        message = cls()
        for name, value in values.items():
            if value is None:
                continue
            field = descriptor.fields_by_name[name]
            if field.is_repeated:
                if field.type == FieldDescriptor.TYPE_MESSAGE:
                    for item in value:
                        getattr(message, name).add().CopyFrom(item)
                else:
                    getattr(message, name).extend(value)
            elif field.type == FieldDescriptor.TYPE_MESSAGE:
                getattr(message, name).CopyFrom(value)
            else:
                try:
                    setattr(message, name, value)
                except ValueError:  # a value protobuf itself refuses to hold (e.g. enum range)
                    pass
        return message

    return st.fixed_dictionaries(fields).map(build)


# ---------------------------------------------------------------------------- the consumers


@dataclass
class ConsumingService:
    """One service's application and the subscriptions its process installs."""

    name: str
    application: TracedEventApplication
    subscribe: Callable[[Any], None]

    @property
    def dead_letter_topic(self) -> str:
        return f"{self.name}.dead-letter.v1"

    def consumed(self) -> dict[str, type[Message]]:
        """Topic → message type, as the service's own subscriptions declare them."""
        seen = _Subscriptions()
        self.subscribe(seen)
        return seen.types


class _Subscriptions:
    """Stands in for TrackingConsumer.subscribe to see what a service subscribes."""

    def __init__(self) -> None:
        self.types: dict[str, type[Message]] = {}

    def subscribe(self, message_type: type[Message], topic: str, handler: Any, **_options: Any) -> None:
        self.types[topic] = message_type


def consuming_services(directory: Path | None) -> list[ConsumingService]:
    """The four services' applications, each on its own SQLite file in `directory`, or in
    memory without one (no file writes per record, for long fuzz runs)."""
    calendar = BusinessCalendar.load()

    def env(name: str) -> dict[str, str]:
        where = f"file:fuzz-{name}-{uuid.uuid4().hex}?mode=memory&cache=shared" if directory is None else str(
            directory / f"{name}.sqlite")
        return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": where}

    intake = Intake(env=env("intake"))
    sla = Sla(env=env("sla"), calendar=calendar, policies=PolicyBook.load())
    certification = Certification(env=env("certification"), calendar=calendar)
    billing = Billing(env=env("billing"), calendar=calendar)
    return [
        ConsumingService("intake", intake, intake_subscriptions(intake)),
        ConsumingService("sla", sla, sla_subscriptions(sla)),
        ConsumingService("certification", certification, certification_subscriptions(certification)),
        ConsumingService("billing", billing, billing_subscriptions(billing)),
    ]


# ---------------------------------------------------------------------------- Kafka records

Headers = list[tuple[str, bytes | None]]
# Large enough to stress every size check, small enough that a record with a few of them
# stays under the producer's and the broker's default 1 MB.
OVERSIZED = 200_000


@dataclass
class KafkaRecord:
    key: bytes | None
    value: bytes | None
    headers: Headers


def cloud_event_headers(message_type: type[Message], content_type: str = "application/protobuf") -> Headers:
    return [
        ("ce_specversion", b"1.0"),
        ("ce_id", f"fuzz-{uuid.uuid4()}".encode()),
        ("ce_type", message_type.DESCRIPTOR.full_name.encode()),
        ("ce_source", b"/fuzz"),
        ("ce_subject", b"fuzz"),
        ("ce_time", datetime.now(UTC).isoformat().encode()),
        ("content-type", content_type.encode()),
    ]


_CE_NAMES = ["ce_specversion", "ce_id", "ce_type", "ce_source", "ce_subject", "ce_time", "content-type",
             "traceparent"]
_ALL_TYPES = [d.full_name for f in (intake_events, sla_events, intake_pb2, sla_pb2)
              for d in f.DESCRIPTOR.message_types_by_name.values()]
_header_values = st.one_of(
    st.binary(max_size=40),  # not UTF-8, more often than not
    st.text(max_size=40).map(str.encode),
    st.sampled_from([b"", b"1.0", b"0.3", b"application/json", b"APPLICATION/PROTOBUF; charset=x",
                     b"text/plain", *(t.encode() for t in _ALL_TYPES)]),
    st.integers(1_000, OVERSIZED).map(lambda n: b"x" * n),
    st.none(),
)


def _mutate(headers: Headers, mutation: tuple[str, str, bytes | None]) -> Headers:
    kind, name, value = mutation
    if kind == "drop":
        return [(n, v) for n, v in headers if n != name]
    if kind == "set":
        return [*[(n, v) for n, v in headers if n != name], (name, value)]
    return [*headers, (name, value)]  # "add": a repeated name, or one of no meaning


def _bodies(message: Message) -> st.SearchStrategy[tuple[bytes | None, str]]:
    """(body, content type): as built, truncated, garbled, proto3 JSON, random, none."""
    encoded = message.SerializeToString()
    try:
        as_json = json_format.MessageToJson(message).encode()
    except json_format.SerializeToJsonError:  # a Timestamp or Duration JSON cannot express
        as_json = b'{"opened_at": "10000-01-01T00:00:00Z", "lateness": "-1.5s"}'
    protobuf, json_type = "application/protobuf", "application/json"
    return st.one_of(
        st.just((encoded, protobuf)),
        st.just((encoded, protobuf)),
        st.just((as_json, json_type)),
        st.integers(0, max(len(encoded) - 1, 0)).map(lambda n: (encoded[:n], protobuf)),
        st.lists(st.tuples(st.integers(0, max(len(encoded) - 1, 0)), st.integers(1, 255)), min_size=1,
                 max_size=4).map(lambda flips: (_garble(encoded, flips), protobuf)),
        st.just((as_json, json_type)),
        st.integers(0, len(as_json)).map(lambda n: (as_json[:n], json_type)),
        st.sampled_from([b"null", b"[]", b'{"a":', b"1e999", b'{"\\ud800": 1}', json.dumps({"x" * 50: [1]}).encode()])
        .map(lambda body: (body, json_type)),
        st.binary(max_size=300).flatmap(lambda body: st.sampled_from([(body, protobuf), (body, json_type)])),
        st.none().map(lambda _: (None, protobuf)),
        st.integers(1_000, OVERSIZED).map(lambda n: (b"\x0a" + b"\xff" * n, protobuf)),
    )


def _garble(data: bytes, flips: list[tuple[int, int]]) -> bytes:
    if not data:
        return b"\xff"
    garbled = bytearray(data)
    for at, mask in flips:
        garbled[at % len(garbled)] ^= mask
    return bytes(garbled)


def kafka_records(message_type: type[Message], known: st.SearchStrategy[str]) -> st.SearchStrategy[KafkaRecord]:
    """Records for a topic of `message_type`: a message built from its descriptor, encoded
    well or badly, under CloudEvents headers that are right or dropped, repeated, null,
    not UTF-8, oversized or of another type, with any key (none, random, oversized)."""
    mutation = st.tuples(
        st.sampled_from(["drop", "set", "add"]),
        st.one_of(st.sampled_from(_CE_NAMES), st.text(max_size=20)),
        _header_values,
    )
    keys = st.one_of(st.none(), st.binary(max_size=40), st.integers(1_000, OVERSIZED).map(lambda n: b"k" * n))

    def record(body_and_type: tuple[bytes | None, str], mutations: list, key: bytes | None) -> KafkaRecord:
        body, content_type = body_and_type
        headers = cloud_event_headers(message_type, content_type)
        for each in mutations:
            headers = _mutate(headers, each)
        return KafkaRecord(key=key, value=body, headers=headers)

    generated = messages(message_type.DESCRIPTOR, known)
    # A third starts from a message the service accepts, a third from one with some fields
    # replaced by generated ones, so records get past decoding into the handlers too.
    valid = st.builds(valid_message, st.just(message_type), st.uuids())
    built = st.one_of(generated, st.builds(_merged, valid, generated), valid)
    return built.flatmap(
        lambda message: st.builds(record, _bodies(message), st.lists(mutation, max_size=3), keys)
    )


def _merged(valid: Message, generated: Message) -> Message:
    valid.MergeFrom(generated)
    return valid


def valid_message(message_type: type[Message], ids: uuid.UUID) -> Message:
    """A message of the type the consuming service accepts, or an empty one."""
    return valid_records(datetime(2026, 11, 2, 9, 30, tzinfo=UTC), ids).get(message_type) or message_type()


def valid_records(now: datetime, ids: uuid.UUID) -> dict[type[Message], Message]:
    """One message each consumed type accepts, in an order that works (a ticket is opened
    before it is updated), with ids derived from `ids`."""
    ticket_id, order_id = str(uuid.uuid5(ids, "ticket")), str(uuid.uuid5(ids, "order"))

    def at(instant: datetime) -> Any:
        stamp = intake_events.TicketOpened().opened_at
        stamp.FromDatetime(instant)
        return stamp

    key = f"fuzz-valid-{ids.hex[:12]}"
    evidence = [intake_events.Evidence(criterion="service-content.migration", document_uri="https://f.example/m.pdf")]
    samples: list[Message] = [
        intake_pb2.SubmitApplicationRequest(
            idempotency_key=key, partner_id="fuzz-partner", partner_name="Fuzz Partner",
            corporate_email="ops@fuzz.example", evidence=evidence),
        intake_pb2.OpenTicketRequest(
            idempotency_key=key, customer_id="fuzz-customer", priority=intake_events.PRIORITY_P2,
            summary="valid after fuzz", service_plan="7x24"),
        intake_pb2.OrderServiceRequest(
            idempotency_key=key, customer_id="fuzz-customer", service_code="cloud-escort", package="premium",
            contract_signed_on="2026-02-27"),
        intake_events.ApplicationSubmitted(
            application_id=str(uuid.uuid5(ids, "application")), partner_id="fuzz-partner", partner_name="Fuzz Partner",
            corporate_email="ops@fuzz.example", evidence=evidence, submitted_at=at(now)),
        intake_events.TicketOpened(
            ticket_id=ticket_id, customer_id="fuzz-customer", priority=intake_events.PRIORITY_P2,
            summary="valid after fuzz", service_plan="7x24", opened_at=at(now)),
        intake_events.ServiceOrdered(
            order_id=order_id, customer_id="fuzz-customer", service_code="realtime-compute-tuning", package="standard",
            contract_signed_on="2026-02-27", ordered_at=at(now)),
        sla_pb2.UpdateTicketRequest(
            update_id=key, ticket_id=ticket_id, kind=sla_pb2.UPDATE_KIND_FIRST_RESPONSE,
            occurred_at=at(now + timedelta(minutes=1))),
        billing_pb2.ProjectRequest(
            request_id=key, record_customer_delay=billing_pb2.RecordCustomerDelayRequest(
                project_id=order_id, milestone_code="research", reason="data handed over late",
                days=1, idempotency_key=key)),
        sla_events.SlaBreached(
            ticket_id=ticket_id, priority=intake_events.PRIORITY_P2, policy="SPT-001", calendar_version="v",
            breached_at=at(now), target_name="response", policy_version=1, cycle=1),
    ]
    return {type(sample): sample for sample in samples}


def valid_record(message: Message) -> KafkaRecord:
    body, headers = encode(message, event_id=f"fuzz-valid-{uuid.uuid4()}", source="/fuzz", subject="",
                           time=datetime.now(UTC))
    return KafkaRecord(key=b"valid", value=body, headers=[(n, v.encode()) for n, v in headers.items()])
