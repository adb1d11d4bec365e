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

class Priority(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PRIORITY_UNSPECIFIED: _ClassVar[Priority]
    PRIORITY_P0: _ClassVar[Priority]
    PRIORITY_P1: _ClassVar[Priority]
    PRIORITY_P2: _ClassVar[Priority]
    PRIORITY_P3: _ClassVar[Priority]
    PRIORITY_P4: _ClassVar[Priority]
PRIORITY_UNSPECIFIED: Priority
PRIORITY_P0: Priority
PRIORITY_P1: Priority
PRIORITY_P2: Priority
PRIORITY_P3: Priority
PRIORITY_P4: Priority

class Evidence(_message.Message):
    __slots__ = ("criterion", "summary", "document_uri")
    CRITERION_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_URI_FIELD_NUMBER: _ClassVar[int]
    criterion: str
    summary: str
    document_uri: str
    def __init__(self, criterion: _Optional[str] = ..., summary: _Optional[str] = ..., document_uri: _Optional[str] = ...) -> None: ...

class ApplicationSubmitted(_message.Message):
    __slots__ = ("application_id", "partner_id", "partner_name", "corporate_email", "evidence", "submitted_at")
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    PARTNER_NAME_FIELD_NUMBER: _ClassVar[int]
    CORPORATE_EMAIL_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    application_id: str
    partner_id: str
    partner_name: str
    corporate_email: str
    evidence: _containers.RepeatedCompositeFieldContainer[Evidence]
    submitted_at: _timestamp_pb2.Timestamp
    def __init__(self, application_id: _Optional[str] = ..., partner_id: _Optional[str] = ..., partner_name: _Optional[str] = ..., corporate_email: _Optional[str] = ..., evidence: _Optional[_Iterable[_Union[Evidence, _Mapping]]] = ..., submitted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TicketOpened(_message.Message):
    __slots__ = ("ticket_id", "customer_id", "priority", "summary", "service_plan", "opened_at")
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    SERVICE_PLAN_FIELD_NUMBER: _ClassVar[int]
    OPENED_AT_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    customer_id: str
    priority: Priority
    summary: str
    service_plan: str
    opened_at: _timestamp_pb2.Timestamp
    def __init__(self, ticket_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., priority: _Optional[_Union[Priority, str]] = ..., summary: _Optional[str] = ..., service_plan: _Optional[str] = ..., opened_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ServiceOrdered(_message.Message):
    __slots__ = ("order_id", "customer_id", "service_code", "package", "contract_signed_on", "ordered_at", "requested_start_on", "additional_packages", "quantities")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_CODE_FIELD_NUMBER: _ClassVar[int]
    PACKAGE_FIELD_NUMBER: _ClassVar[int]
    CONTRACT_SIGNED_ON_FIELD_NUMBER: _ClassVar[int]
    ORDERED_AT_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_START_ON_FIELD_NUMBER: _ClassVar[int]
    ADDITIONAL_PACKAGES_FIELD_NUMBER: _ClassVar[int]
    QUANTITIES_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    customer_id: str
    service_code: str
    package: str
    contract_signed_on: str
    ordered_at: _timestamp_pb2.Timestamp
    requested_start_on: str
    additional_packages: _containers.RepeatedScalarFieldContainer[str]
    quantities: _containers.RepeatedCompositeFieldContainer[OrderedQuantity]
    def __init__(self, order_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., service_code: _Optional[str] = ..., package: _Optional[str] = ..., contract_signed_on: _Optional[str] = ..., ordered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., requested_start_on: _Optional[str] = ..., additional_packages: _Optional[_Iterable[str]] = ..., quantities: _Optional[_Iterable[_Union[OrderedQuantity, _Mapping]]] = ...) -> None: ...

class OrderedQuantity(_message.Message):
    __slots__ = ("unit", "amount")
    UNIT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    unit: str
    amount: str
    def __init__(self, unit: _Optional[str] = ..., amount: _Optional[str] = ...) -> None: ...
