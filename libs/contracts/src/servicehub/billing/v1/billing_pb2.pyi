import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from servicehub.events.v1 import contract_pb2 as _contract_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ProjectState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROJECT_STATE_UNSPECIFIED: _ClassVar[ProjectState]
    PROJECT_STATE_PLANNED: _ClassVar[ProjectState]
    PROJECT_STATE_REJECTED: _ClassVar[ProjectState]
PROJECT_STATE_UNSPECIFIED: ProjectState
PROJECT_STATE_PLANNED: ProjectState
PROJECT_STATE_REJECTED: ProjectState

class Milestone(_message.Message):
    __slots__ = ("code", "name_zh", "due_on")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_ZH_FIELD_NUMBER: _ClassVar[int]
    DUE_ON_FIELD_NUMBER: _ClassVar[int]
    code: str
    name_zh: str
    due_on: str
    def __init__(self, code: _Optional[str] = ..., name_zh: _Optional[str] = ..., due_on: _Optional[str] = ...) -> None: ...

class CustomerDelay(_message.Message):
    __slots__ = ("milestone_code", "reason", "days", "recorded_at")
    MILESTONE_CODE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DAYS_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    milestone_code: str
    reason: str
    days: int
    recorded_at: _timestamp_pb2.Timestamp
    def __init__(self, milestone_code: _Optional[str] = ..., reason: _Optional[str] = ..., days: _Optional[int] = ..., recorded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Project(_message.Message):
    __slots__ = ("project_id", "customer_id", "service_code", "package", "contract_signed_on", "ordered_at", "catalogue_version", "state", "requested_start_on", "rejection", "milestones", "customer_delays")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_CODE_FIELD_NUMBER: _ClassVar[int]
    PACKAGE_FIELD_NUMBER: _ClassVar[int]
    CONTRACT_SIGNED_ON_FIELD_NUMBER: _ClassVar[int]
    ORDERED_AT_FIELD_NUMBER: _ClassVar[int]
    CATALOGUE_VERSION_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_START_ON_FIELD_NUMBER: _ClassVar[int]
    REJECTION_FIELD_NUMBER: _ClassVar[int]
    MILESTONES_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_DELAYS_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    customer_id: str
    service_code: str
    package: str
    contract_signed_on: str
    ordered_at: _timestamp_pb2.Timestamp
    catalogue_version: str
    state: ProjectState
    requested_start_on: str
    rejection: str
    milestones: _containers.RepeatedCompositeFieldContainer[Milestone]
    customer_delays: _containers.RepeatedCompositeFieldContainer[CustomerDelay]
    def __init__(self, project_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., service_code: _Optional[str] = ..., package: _Optional[str] = ..., contract_signed_on: _Optional[str] = ..., ordered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., catalogue_version: _Optional[str] = ..., state: _Optional[_Union[ProjectState, str]] = ..., requested_start_on: _Optional[str] = ..., rejection: _Optional[str] = ..., milestones: _Optional[_Iterable[_Union[Milestone, _Mapping]]] = ..., customer_delays: _Optional[_Iterable[_Union[CustomerDelay, _Mapping]]] = ...) -> None: ...

class GetProjectRequest(_message.Message):
    __slots__ = ("project_id",)
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    def __init__(self, project_id: _Optional[str] = ...) -> None: ...

class GetProjectResponse(_message.Message):
    __slots__ = ("project",)
    PROJECT_FIELD_NUMBER: _ClassVar[int]
    project: Project
    def __init__(self, project: _Optional[_Union[Project, _Mapping]] = ...) -> None: ...

class RecordCustomerDelayRequest(_message.Message):
    __slots__ = ("project_id", "milestone_code", "reason", "days", "idempotency_key")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    MILESTONE_CODE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DAYS_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    milestone_code: str
    reason: str
    days: int
    idempotency_key: str
    def __init__(self, project_id: _Optional[str] = ..., milestone_code: _Optional[str] = ..., reason: _Optional[str] = ..., days: _Optional[int] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class RecordCustomerDelayResponse(_message.Message):
    __slots__ = ("project",)
    PROJECT_FIELD_NUMBER: _ClassVar[int]
    project: Project
    def __init__(self, project: _Optional[_Union[Project, _Mapping]] = ...) -> None: ...
