from servicehub.events.v1 import contract_pb2 as _contract_pb2
from servicehub.events.v1 import intake_pb2 as _intake_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SubmitApplicationRequest(_message.Message):
    __slots__ = ("idempotency_key", "partner_id", "partner_name", "corporate_email", "evidence")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    PARTNER_NAME_FIELD_NUMBER: _ClassVar[int]
    CORPORATE_EMAIL_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    partner_id: str
    partner_name: str
    corporate_email: str
    evidence: _containers.RepeatedCompositeFieldContainer[_intake_pb2.Evidence]
    def __init__(self, idempotency_key: _Optional[str] = ..., partner_id: _Optional[str] = ..., partner_name: _Optional[str] = ..., corporate_email: _Optional[str] = ..., evidence: _Optional[_Iterable[_Union[_intake_pb2.Evidence, _Mapping]]] = ...) -> None: ...

class SubmitApplicationResponse(_message.Message):
    __slots__ = ("application_id", "duplicate")
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    application_id: str
    duplicate: bool
    def __init__(self, application_id: _Optional[str] = ..., duplicate: _Optional[bool] = ...) -> None: ...

class OpenTicketRequest(_message.Message):
    __slots__ = ("idempotency_key", "customer_id", "priority", "summary", "service_plan")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    SERVICE_PLAN_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    customer_id: str
    priority: _intake_pb2.Priority
    summary: str
    service_plan: str
    def __init__(self, idempotency_key: _Optional[str] = ..., customer_id: _Optional[str] = ..., priority: _Optional[_Union[_intake_pb2.Priority, str]] = ..., summary: _Optional[str] = ..., service_plan: _Optional[str] = ...) -> None: ...

class OpenTicketResponse(_message.Message):
    __slots__ = ("ticket_id", "duplicate")
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    duplicate: bool
    def __init__(self, ticket_id: _Optional[str] = ..., duplicate: _Optional[bool] = ...) -> None: ...

class OrderServiceRequest(_message.Message):
    __slots__ = ("idempotency_key", "customer_id", "service_code", "package", "contract_signed_on", "requested_start_on", "additional_packages", "quantities")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_CODE_FIELD_NUMBER: _ClassVar[int]
    PACKAGE_FIELD_NUMBER: _ClassVar[int]
    CONTRACT_SIGNED_ON_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_START_ON_FIELD_NUMBER: _ClassVar[int]
    ADDITIONAL_PACKAGES_FIELD_NUMBER: _ClassVar[int]
    QUANTITIES_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    customer_id: str
    service_code: str
    package: str
    contract_signed_on: str
    requested_start_on: str
    additional_packages: _containers.RepeatedScalarFieldContainer[str]
    quantities: _containers.RepeatedCompositeFieldContainer[_intake_pb2.OrderedQuantity]
    def __init__(self, idempotency_key: _Optional[str] = ..., customer_id: _Optional[str] = ..., service_code: _Optional[str] = ..., package: _Optional[str] = ..., contract_signed_on: _Optional[str] = ..., requested_start_on: _Optional[str] = ..., additional_packages: _Optional[_Iterable[str]] = ..., quantities: _Optional[_Iterable[_Union[_intake_pb2.OrderedQuantity, _Mapping]]] = ...) -> None: ...

class OrderServiceResponse(_message.Message):
    __slots__ = ("order_id", "duplicate")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    duplicate: bool
    def __init__(self, order_id: _Optional[str] = ..., duplicate: _Optional[bool] = ...) -> None: ...
