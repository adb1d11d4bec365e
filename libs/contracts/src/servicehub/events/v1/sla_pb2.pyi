import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from servicehub.events.v1 import contract_pb2 as _contract_pb2
from servicehub.events.v1 import intake_pb2 as _intake_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SlaTarget(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SLA_TARGET_UNSPECIFIED: _ClassVar[SlaTarget]
    SLA_TARGET_RESPONSE: _ClassVar[SlaTarget]
    SLA_TARGET_RESOLUTION: _ClassVar[SlaTarget]
SLA_TARGET_UNSPECIFIED: SlaTarget
SLA_TARGET_RESPONSE: SlaTarget
SLA_TARGET_RESOLUTION: SlaTarget

class TicketEscalated(_message.Message):
    __slots__ = ("ticket_id", "priority", "target", "threshold_percent", "escalated_at")
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_PERCENT_FIELD_NUMBER: _ClassVar[int]
    ESCALATED_AT_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    priority: _intake_pb2.Priority
    target: SlaTarget
    threshold_percent: int
    escalated_at: _timestamp_pb2.Timestamp
    def __init__(self, ticket_id: _Optional[str] = ..., priority: _Optional[_Union[_intake_pb2.Priority, str]] = ..., target: _Optional[_Union[SlaTarget, str]] = ..., threshold_percent: _Optional[int] = ..., escalated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SlaBreached(_message.Message):
    __slots__ = ("ticket_id", "priority", "target", "policy", "due_at", "calendar_version", "breached_at", "lateness")
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    CALENDAR_VERSION_FIELD_NUMBER: _ClassVar[int]
    BREACHED_AT_FIELD_NUMBER: _ClassVar[int]
    LATENESS_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    priority: _intake_pb2.Priority
    target: SlaTarget
    policy: str
    due_at: _timestamp_pb2.Timestamp
    calendar_version: str
    breached_at: _timestamp_pb2.Timestamp
    lateness: _duration_pb2.Duration
    def __init__(self, ticket_id: _Optional[str] = ..., priority: _Optional[_Union[_intake_pb2.Priority, str]] = ..., target: _Optional[_Union[SlaTarget, str]] = ..., policy: _Optional[str] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., calendar_version: _Optional[str] = ..., breached_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., lateness: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...
