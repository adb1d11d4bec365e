"""The size and presence bounds the contracts declare (`servicehub.events.v1.bounds`), checked.

One checker for every door: gRPC requests (grpcserver) and consumed events (cloudevents).
It walks the message by its descriptor and reports each field that breaks its bounds, with
the field's path (`evidence[3].document_uri`). A repeated field over its item bound is
reported once and not descended into, so a message of 100,000 items costs one comparison.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from servicehub.events.v1 import contract_pb2

# Any set Timestamp must lie in this range: earlier or later instants are typing errors or
# probes (0001-01-01, 9999-12-31), and no business date of servicehub is outside it.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
_EARLIEST_SECONDS = int(EARLIEST.timestamp())
_LATEST_SECONDS = int(LATEST.timestamp())
_TIMESTAMP = "google.protobuf.Timestamp"


@dataclass(frozen=True)
class FieldViolation:
    """One field breaking the contract: its path and what the rule is."""

    field: str
    description: str


@dataclass(frozen=True)
class _Rule:
    """What is checked of one field, read from its descriptor once (reading descriptors
    and options per message was most of the checking time)."""

    name: str
    repeated: bool
    is_message: bool
    enum_numbers: frozenset[int] | None  # the numbers its enum declares; None if no enum
    enum_name: str
    max_items: int  # 0: no bound
    max_len: int  # 0: no bound
    required: bool
    has_bounds: bool


_rules: dict[str, list[_Rule]] = {}


def _rules_of(descriptor: Descriptor) -> list[_Rule]:
    """The fields worth looking at: those with bounds, message fields (to descend), and
    enum fields (their value must be one the enum declares)."""
    rules = _rules.get(descriptor.full_name)
    if rules is None:
        rules = []
        for field in descriptor.fields:
            options = field.GetOptions()
            bounds = (
                options.Extensions[contract_pb2.bounds]
                if options.HasExtension(contract_pb2.bounds)
                else None
            )
            is_enum = field.type == FieldDescriptor.TYPE_ENUM
            if bounds is not None or is_enum or field.type == FieldDescriptor.TYPE_MESSAGE:
                rules.append(
                    _Rule(
                        name=field.name,
                        repeated=field.is_repeated,
                        is_message=field.type == FieldDescriptor.TYPE_MESSAGE,
                        enum_numbers=frozenset(field.enum_type.values_by_number) if is_enum else None,
                        enum_name=field.enum_type.name if is_enum else "",
                        max_items=bounds.max_items if bounds is not None else 0,
                        max_len=bounds.max_len if bounds is not None else 0,
                        required=bounds.required if bounds is not None else False,
                        has_bounds=bounds is not None,
                    )
                )
        _rules[descriptor.full_name] = rules
    return rules


def violations(message: Message) -> list[FieldViolation]:
    """Every bound `message` breaks, in field order; empty when it keeps them all."""
    found: list[FieldViolation] = []
    _check(message, "", found)
    return found


def _check(message: Message, prefix: str, found: list[FieldViolation]) -> None:
    if message.DESCRIPTOR.full_name == _TIMESTAMP:
        _check_instant(message, prefix[:-1], found)
        return
    for rule in _rules_of(message.DESCRIPTOR):
        value = getattr(message, rule.name)
        if rule.repeated:
            if rule.max_items and len(value) > rule.max_items:
                found.append(
                    FieldViolation(prefix + rule.name, f"at most {rule.max_items} items, got {len(value)}")
                )
                continue
            if rule.required and not value:
                found.append(FieldViolation(prefix + rule.name, "at least one item is required"))
            for index, item in enumerate(value):
                _check_value(rule, item, f"{prefix}{rule.name}[{index}]", found)
        elif rule.is_message:
            if message.HasField(rule.name):
                _check(value, prefix + rule.name + ".", found)
        else:
            _check_value(rule, value, prefix + rule.name, found)


def _check_value(rule: _Rule, value: object, path: str, found: list[FieldViolation]) -> None:
    if isinstance(value, Message):
        _check(value, path + ".", found)
        return
    if rule.enum_numbers is not None:
        # proto3 keeps numbers no enum value has; handlers map declared values only (a
        # number from a newer contract is refused, not guessed at). Found by fuzzing.
        if value not in rule.enum_numbers:
            found.append(FieldViolation(path, f"{value} is not a value of {rule.enum_name}"))
        return
    if not rule.has_bounds or not isinstance(value, (str, bytes)):
        return
    unit = "characters" if isinstance(value, str) else "bytes"
    if rule.max_len and len(value) > rule.max_len:
        found.append(FieldViolation(path, f"at most {rule.max_len} {unit}, got {len(value)}"))
    elif rule.required and not rule.repeated and not value.strip():
        found.append(FieldViolation(path, "is required"))


def _check_instant(timestamp: Message, path: str, found: list[FieldViolation]) -> None:
    seconds = timestamp.seconds  # type: ignore[attr-defined]
    nanos = timestamp.nanos  # type: ignore[attr-defined]
    if not 0 <= nanos <= 999_999_999:
        # protobuf's own rule; such a Timestamp cannot become a datetime (found by fuzzing).
        found.append(FieldViolation(path, f"nanos must lie in [0, 999999999], got {nanos}"))
    elif not _EARLIEST_SECONDS <= seconds < _LATEST_SECONDS:
        found.append(
            FieldViolation(
                path,
                f"must lie in [{EARLIEST:%Y-%m-%d}, {LATEST:%Y-%m-%d}) UTC, got {seconds} seconds "
                "since 1970-01-01",
            )
        )


def describe(found: list[FieldViolation], limit: int = 5) -> str:
    """A short text for logs and dead-letter reasons: the first violations and a count."""
    shown = "; ".join(f"{v.field}: {v.description}" for v in found[:limit])
    more = len(found) - limit
    return shown if more <= 0 else f"{shown}; and {more} more"
