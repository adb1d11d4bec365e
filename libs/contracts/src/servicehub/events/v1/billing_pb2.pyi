import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from servicehub.events.v1 import contract_pb2 as _contract_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MilestoneAccepted(_message.Message):
    __slots__ = ("project_id", "milestone_id", "deemed", "accepted_at", "customer_id", "reason", "window_end", "calendar_version", "round")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    MILESTONE_ID_FIELD_NUMBER: _ClassVar[int]
    DEEMED_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_AT_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    WINDOW_END_FIELD_NUMBER: _ClassVar[int]
    CALENDAR_VERSION_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    milestone_id: str
    deemed: bool
    accepted_at: _timestamp_pb2.Timestamp
    customer_id: str
    reason: str
    window_end: _timestamp_pb2.Timestamp
    calendar_version: str
    round: int
    def __init__(self, project_id: _Optional[str] = ..., milestone_id: _Optional[str] = ..., deemed: _Optional[bool] = ..., accepted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., customer_id: _Optional[str] = ..., reason: _Optional[str] = ..., window_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., calendar_version: _Optional[str] = ..., round: _Optional[int] = ...) -> None: ...

class InvoiceLine(_message.Message):
    __slots__ = ("kind", "description", "quantity", "unit_price", "amount")
    KIND_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    UNIT_PRICE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    kind: str
    description: str
    quantity: str
    unit_price: str
    amount: str
    def __init__(self, kind: _Optional[str] = ..., description: _Optional[str] = ..., quantity: _Optional[str] = ..., unit_price: _Optional[str] = ..., amount: _Optional[str] = ...) -> None: ...

class InvoiceIssued(_message.Message):
    __slots__ = ("invoice_id", "number", "customer_id", "project_id", "lines", "total", "currency", "issued_at", "rate_card_version")
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    ISSUED_AT_FIELD_NUMBER: _ClassVar[int]
    RATE_CARD_VERSION_FIELD_NUMBER: _ClassVar[int]
    invoice_id: str
    number: str
    customer_id: str
    project_id: str
    lines: _containers.RepeatedCompositeFieldContainer[InvoiceLine]
    total: str
    currency: str
    issued_at: _timestamp_pb2.Timestamp
    rate_card_version: str
    def __init__(self, invoice_id: _Optional[str] = ..., number: _Optional[str] = ..., customer_id: _Optional[str] = ..., project_id: _Optional[str] = ..., lines: _Optional[_Iterable[_Union[InvoiceLine, _Mapping]]] = ..., total: _Optional[str] = ..., currency: _Optional[str] = ..., issued_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., rate_card_version: _Optional[str] = ...) -> None: ...

class CreditNoteIssued(_message.Message):
    __slots__ = ("credit_note_id", "number", "invoice_id", "invoice_number", "customer_id", "amount", "currency", "reason", "issued_at")
    CREDIT_NOTE_ID_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    INVOICE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ISSUED_AT_FIELD_NUMBER: _ClassVar[int]
    credit_note_id: str
    number: str
    invoice_id: str
    invoice_number: str
    customer_id: str
    amount: str
    currency: str
    reason: str
    issued_at: _timestamp_pb2.Timestamp
    def __init__(self, credit_note_id: _Optional[str] = ..., number: _Optional[str] = ..., invoice_id: _Optional[str] = ..., invoice_number: _Optional[str] = ..., customer_id: _Optional[str] = ..., amount: _Optional[str] = ..., currency: _Optional[str] = ..., reason: _Optional[str] = ..., issued_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DeliverableOverdue(_message.Message):
    __slots__ = ("project_id", "deliverable", "customer_id", "kind", "due", "noticed_at", "round")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    DELIVERABLE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    DUE_FIELD_NUMBER: _ClassVar[int]
    NOTICED_AT_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    deliverable: str
    customer_id: str
    kind: str
    due: _timestamp_pb2.Timestamp
    noticed_at: _timestamp_pb2.Timestamp
    round: int
    def __init__(self, project_id: _Optional[str] = ..., deliverable: _Optional[str] = ..., customer_id: _Optional[str] = ..., kind: _Optional[str] = ..., due: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., noticed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., round: _Optional[int] = ...) -> None: ...
