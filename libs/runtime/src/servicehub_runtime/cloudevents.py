"""CloudEvents Kafka binding (binary mode) for protobuf messages.

The event's metadata travels in headers (`ce_id`, `ce_type`, `ce_source`, `ce_subject`,
`ce_time`, `content-type`), the message itself in the body: protobuf bytes
(`application/protobuf`) or, from publishers that cannot do protobuf, proto3 JSON
(`application/json`). `ce_type` is the message's fully-qualified protobuf name, and each
message type names its Kafka topic in proto/ with the `servicehub.events.v1.channel` option.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from google.protobuf import json_format
from google.protobuf.message import DecodeError, Message

from servicehub.events.v1 import contract_pb2

from . import bounds

PROTOBUF = "application/protobuf"
JSON = "application/json"
SPEC_VERSION = "1.0"
# Extension attribute: the event's position in its producer's outbox, used by the relay
# to resume without re-publishing after a crash.
SEQUENCE_HEADER = "ce_sequence"


class PoisonMessage(Exception):
    """A message that can never be processed; it goes to the dead-letter topic."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


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


def header_map(raw_headers: Iterable[tuple[str, bytes]]) -> dict[str, str]:
    """Kafka record headers as text; a header that is not UTF-8 is a poison message."""
    headers: dict[str, str] = {}
    for name, value in raw_headers:
        try:
            headers[name] = (value or b"").decode()
        except UnicodeDecodeError:
            raise PoisonMessage(f"header {name!r} is not UTF-8 text") from None
    return headers


class MessageTypes:
    """The message types a consumer understands, keyed by `ce_type`."""

    def __init__(self, message_types: Iterable[type[Message]]) -> None:
        self._by_type = {type_of(t): t for t in message_types}

    def decode(self, headers: Mapping[str, str], body: bytes | None) -> CloudEvent:
        """Parses a record into a CloudEvent, or raises `PoisonMessage` saying why not."""
        missing = [h for h in ("ce_id", "ce_type", "ce_source") if not headers.get(h)]
        if missing:
            raise PoisonMessage(f"missing CloudEvents header(s): {', '.join(missing)}")
        ce_type = headers["ce_type"]
        message_type = self._by_type.get(ce_type)
        if message_type is None:
            known = ", ".join(sorted(self._by_type))
            raise PoisonMessage(f"unknown ce_type {ce_type!r}; this consumer reads {known}")
        content_type = headers.get("content-type", "").split(";")[0].strip()
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
