import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from servicehub.events.v1 import contract_pb2 as _contract_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ApplicationRegistered(_message.Message):
    __slots__ = ("application_id", "partner_id", "evidence_count", "registered_at")
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_COUNT_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_AT_FIELD_NUMBER: _ClassVar[int]
    application_id: str
    partner_id: str
    evidence_count: int
    registered_at: _timestamp_pb2.Timestamp
    def __init__(self, application_id: _Optional[str] = ..., partner_id: _Optional[str] = ..., evidence_count: _Optional[int] = ..., registered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CertificateIssued(_message.Message):
    __slots__ = ("certificate_id", "application_id", "partner_id", "holder_name", "valid_from", "valid_until")
    CERTIFICATE_ID_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    HOLDER_NAME_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    certificate_id: str
    application_id: str
    partner_id: str
    holder_name: str
    valid_from: _timestamp_pb2.Timestamp
    valid_until: _timestamp_pb2.Timestamp
    def __init__(self, certificate_id: _Optional[str] = ..., application_id: _Optional[str] = ..., partner_id: _Optional[str] = ..., holder_name: _Optional[str] = ..., valid_from: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., valid_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CertificateRenewed(_message.Message):
    __slots__ = ("certificate_id", "application_id", "partner_id", "holder_name", "cycle", "valid_from", "valid_until", "renewed_at")
    CERTIFICATE_ID_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    HOLDER_NAME_FIELD_NUMBER: _ClassVar[int]
    CYCLE_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    RENEWED_AT_FIELD_NUMBER: _ClassVar[int]
    certificate_id: str
    application_id: str
    partner_id: str
    holder_name: str
    cycle: int
    valid_from: _timestamp_pb2.Timestamp
    valid_until: _timestamp_pb2.Timestamp
    renewed_at: _timestamp_pb2.Timestamp
    def __init__(self, certificate_id: _Optional[str] = ..., application_id: _Optional[str] = ..., partner_id: _Optional[str] = ..., holder_name: _Optional[str] = ..., cycle: _Optional[int] = ..., valid_from: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., valid_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., renewed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RecertificationDue(_message.Message):
    __slots__ = ("certificate_id", "partner_id", "cycle", "valid_until", "opened_at")
    CERTIFICATE_ID_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    CYCLE_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    OPENED_AT_FIELD_NUMBER: _ClassVar[int]
    certificate_id: str
    partner_id: str
    cycle: int
    valid_until: _timestamp_pb2.Timestamp
    opened_at: _timestamp_pb2.Timestamp
    def __init__(self, certificate_id: _Optional[str] = ..., partner_id: _Optional[str] = ..., cycle: _Optional[int] = ..., valid_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., opened_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
