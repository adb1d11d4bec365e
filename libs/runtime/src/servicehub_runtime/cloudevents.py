"""CloudEvents Kafka binding (binary mode) for protobuf messages.

The event's metadata travels in headers (`ce_id`, `ce_type`, `ce_source`, `ce_subject`,
`ce_time`, `content-type`), the message itself in the body: protobuf bytes
(`application/protobuf`) or, from publishers that cannot do protobuf, proto3 JSON
(`application/json`). `ce_type` is the message's fully-qualified protobuf name, and each
message type names its Kafka topic in proto/ with the `servicehub.events.v1.channel` option.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import DecodeError, Message

from servicehub.events.v1 import contract_pb2

from . import bounds

PROTOBUF = "application/protobuf"
JSON = "application/json"
SPEC_VERSION = "1.0"
# Extension attribute: the event's position in its producer's outbox, used by the relay
# to resume without re-publishing after a crash.
SEQUENCE_HEADER = "ce_sequence"
# Reasons may quote the input (a 600,000-character ce_type, 13,000 violations): they are cut
# so that a dead letter fits on its topic and a log line stays readable.
MAX_REASON_CHARS = 2000


def bounded(text: str, limit: int = MAX_REASON_CHARS) -> str:
    """`text`, cut to `limit` characters with a marker saying how much was left out."""
    if len(text) <= limit:
        return text
    marker = f" …[{len(text) - limit} more characters cut]"
    return text[: limit - len(marker)] + marker


class PoisonMessage(Exception):
    """A message that can never be processed; it goes to the dead-letter topic."""

    def __init__(self, reason: str) -> None:
        self.reason = bounded(reason)
        super().__init__(self.reason)


@dataclass(frozen=True)
class CloudEvent:
    id: str
    type: str
    source: str
    subject: str
    time: str
    message: Message


def topic_of(message_type: type[Message]) -> str:
    """The Kafka topic a message type travels on, as declared in proto/."""
    options = message_type.DESCRIPTOR.GetOptions()
    topic = options.Extensions[contract_pb2.channel].topic
    if not topic:
        raise ValueError(f"{message_type.DESCRIPTOR.full_name} declares no channel topic")
    return topic


def type_of(message_type: type[Message]) -> str:
    return message_type.DESCRIPTOR.full_name


def encode(
    message: Message,
    *,
    event_id: str,
    source: str,
    subject: str,
    time: datetime,
    sequence: int | None = None,
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of a binary-mode CloudEvent carrying `message`."""
    headers = {
        "ce_specversion": SPEC_VERSION,
        "ce_id": event_id,
        "ce_type": type_of(type(message)),
        "ce_source": source,
        "ce_subject": subject,
        "ce_time": time.isoformat(),
        "content-type": PROTOBUF,
    }
    if sequence is not None:
        headers[SEQUENCE_HEADER] = str(sequence)
    return message.SerializeToString(), headers


def header_map(raw_headers: Iterable[tuple[str, bytes | None]]) -> dict[str, str]:
    """Kafka record headers as text. A header that is not UTF-8, has a null value or
    appears more than once is a poison message: no reading of it can be trusted."""
    raw_headers = list(raw_headers)
    if len({name for name, _ in raw_headers}) < len(raw_headers):  # rare: then say which
        counts = Counter(name for name, _ in raw_headers)
        repeated = sorted(name for name, count in counts.items() if count > 1)
        raise PoisonMessage(f"header(s) repeated: {', '.join(map(repr, repeated))}")
    headers: dict[str, str] = {}
    for name, value in raw_headers:
        if value is None:
            raise PoisonMessage(f"header {name!r} has a null value")
        try:
            headers[name] = value.decode()
        except UnicodeDecodeError:
            raise PoisonMessage(f"header {name!r} is not UTF-8 text") from None
    return headers


class MessageTypes:
    """The message types a consumer understands, keyed by `ce_type`."""

    def __init__(self, message_types: Iterable[type[Message]]) -> None:
        self._by_type = {type_of(t): t for t in message_types}

    def decode(self, headers: Mapping[str, str], body: bytes | None) -> CloudEvent:
        """Parses a record into a CloudEvent, or raises `PoisonMessage` saying why not."""
        missing = [
            h for h in ("ce_id", "ce_type", "ce_source", "ce_specversion") if not headers.get(h)
        ]
        if missing:
            raise PoisonMessage(f"missing CloudEvents header(s): {', '.join(missing)}")
        if headers["ce_specversion"] != SPEC_VERSION:
            raise PoisonMessage(
                f"unsupported ce_specversion {headers['ce_specversion']!r}; use {SPEC_VERSION}"
            )
        ce_type = headers["ce_type"]
        message_type = self._by_type.get(ce_type)
        if message_type is None:
            known = ", ".join(sorted(self._by_type))
            raise PoisonMessage(f"unknown ce_type {ce_type!r}; this consumer reads {known}")
        # Media types are case-insensitive (RFC 9110).
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        message = message_type()
        body = body or b""
        if content_type == PROTOBUF:
            try:
                message.ParseFromString(body)
            except DecodeError as error:
                raise PoisonMessage(f"body is not a valid {ce_type} protobuf: {error}") from None
        elif content_type == JSON:
            try:
                # Unknown fields are a newer producer's additions, as with protobuf bodies.
                json_format.Parse(body, message, ignore_unknown_fields=True)
            except (json_format.ParseError, UnicodeDecodeError) as error:
                raise PoisonMessage(f"body is not valid {ce_type} proto3 JSON: {error}") from None
            if problem := _loose_number(json.loads(body), message.DESCRIPTOR):
                raise PoisonMessage(f"body is not valid {ce_type} proto3 JSON: {problem}")
        else:
            raise PoisonMessage(
                f"unsupported content-type {content_type!r}; use {PROTOBUF} or {JSON}"
            )
        if violations := bounds.violations(message):
            raise PoisonMessage(f"{ce_type} breaks its contract: {bounds.describe(violations)}")
        return CloudEvent(
            id=headers["ce_id"],
            type=ce_type,
            source=headers["ce_source"],
            subject=headers.get("ce_subject", ""),
            time=headers.get("ce_time", ""),
            message=message,
        )


_INT64_TYPES = {
    FieldDescriptor.TYPE_INT64,
    FieldDescriptor.TYPE_UINT64,
    FieldDescriptor.TYPE_SINT64,
    FieldDescriptor.TYPE_FIXED64,
    FieldDescriptor.TYPE_SFIXED64,
}
_INT32_TYPES = {
    FieldDescriptor.TYPE_INT32,
    FieldDescriptor.TYPE_UINT32,
    FieldDescriptor.TYPE_SINT32,
    FieldDescriptor.TYPE_FIXED32,
    FieldDescriptor.TYPE_SFIXED32,
}
_DECIMAL_INTEGER = re.compile(r"-?[0-9]+")


def _loose_number(value: Any, descriptor: Descriptor, path: str = "") -> str | None:
    """The first integer or enum field whose JSON value protobuf would silently round or
    coerce (1.5, 1.0, true, "1" for an enum), or None.

    json_format truncates 1.99 to 1 and reads `true` or "1" as enum value 1, so a JSON
    publisher's mistake would become a different, valid request. Strict proto3 JSON: enums
    are names or integers, 32-bit integers are integers, 64-bit ones also decimal strings.
    """
    if not isinstance(value, dict) or descriptor.full_name.startswith("google.protobuf."):
        return None  # well-known types have their own JSON forms, checked by json_format
    for key, item in value.items():
        field = descriptor.fields_by_camelcase_name.get(key) or descriptor.fields_by_name.get(key)
        if field is None or item is None:
            continue
        where = f"{path}{field.name}"
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            value_field = field.message_type.fields_by_name["value"]
            entries = [(f"{where}[{k!r}]", v) for k, v in item.items()]
            problems = (_loose_value(v, value_field, w) for w, v in entries)
        elif field.is_repeated:
            problems = (_loose_value(v, field, f"{where}[{i}]") for i, v in enumerate(item))
        else:
            problems = iter([_loose_value(item, field, where)])
        if problem := next((p for p in problems if p), None):
            return problem
    return None


def _loose_value(item: Any, field: FieldDescriptor, where: str) -> str | None:
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        return _loose_number(item, field.message_type, f"{where}.")
    is_integer = type(item) is int
    if field.type == FieldDescriptor.TYPE_ENUM:
        if is_integer or (isinstance(item, str) and item in field.enum_type.values_by_name):
            return None
        return f"{where}: {json.dumps(item)[:40]} is not a {field.enum_type.name} name or number"
    if field.type in _INT32_TYPES and not is_integer:
        return f"{where}: {json.dumps(item)[:40]} is not an integer"
    if field.type in _INT64_TYPES and not (
        is_integer or (isinstance(item, str) and _DECIMAL_INTEGER.fullmatch(item))
    ):
        return f"{where}: {json.dumps(item)[:40]} is not an integer"
    return None
