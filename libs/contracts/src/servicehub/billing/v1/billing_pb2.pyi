import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from servicehub.events.v1 import billing_pb2 as _billing_pb2
from servicehub.events.v1 import contract_pb2 as _contract_pb2
from servicehub.events.v1 import intake_pb2 as _intake_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AcceptanceState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACCEPTANCE_STATE_UNSPECIFIED: _ClassVar[AcceptanceState]
    ACCEPTANCE_STATE_NOT_SUBMITTED: _ClassVar[AcceptanceState]
    ACCEPTANCE_STATE_SUBMITTED: _ClassVar[AcceptanceState]
    ACCEPTANCE_STATE_POINTS_RAISED: _ClassVar[AcceptanceState]
    ACCEPTANCE_STATE_POINTS_ANSWERED: _ClassVar[AcceptanceState]
    ACCEPTANCE_STATE_ACCEPTED: _ClassVar[AcceptanceState]
    ACCEPTANCE_STATE_RECEIVED: _ClassVar[AcceptanceState]

class ProjectState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROJECT_STATE_UNSPECIFIED: _ClassVar[ProjectState]
    PROJECT_STATE_PLANNED: _ClassVar[ProjectState]
    PROJECT_STATE_REJECTED: _ClassVar[ProjectState]
ACCEPTANCE_STATE_UNSPECIFIED: AcceptanceState
ACCEPTANCE_STATE_NOT_SUBMITTED: AcceptanceState
ACCEPTANCE_STATE_SUBMITTED: AcceptanceState
ACCEPTANCE_STATE_POINTS_RAISED: AcceptanceState
ACCEPTANCE_STATE_POINTS_ANSWERED: AcceptanceState
ACCEPTANCE_STATE_ACCEPTED: AcceptanceState
ACCEPTANCE_STATE_RECEIVED: AcceptanceState
PROJECT_STATE_UNSPECIFIED: ProjectState
PROJECT_STATE_PLANNED: ProjectState
PROJECT_STATE_REJECTED: ProjectState

class ProjectRequest(_message.Message):
    __slots__ = ("request_id", "submit_deliverable", "accept_deliverable", "raise_points", "answer_points", "record_meeting", "mark_in_production", "record_customer_delay", "record_on_site_form")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SUBMIT_DELIVERABLE_FIELD_NUMBER: _ClassVar[int]
    ACCEPT_DELIVERABLE_FIELD_NUMBER: _ClassVar[int]
    RAISE_POINTS_FIELD_NUMBER: _ClassVar[int]
    ANSWER_POINTS_FIELD_NUMBER: _ClassVar[int]
    RECORD_MEETING_FIELD_NUMBER: _ClassVar[int]
    MARK_IN_PRODUCTION_FIELD_NUMBER: _ClassVar[int]
    RECORD_CUSTOMER_DELAY_FIELD_NUMBER: _ClassVar[int]
    RECORD_ON_SITE_FORM_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    submit_deliverable: SubmitDeliverableRequest
    accept_deliverable: AcceptDeliverableRequest
    raise_points: RaisePointsRequest
    answer_points: AnswerPointsRequest
    record_meeting: RecordMeetingRequest
    mark_in_production: MarkInProductionRequest
    record_customer_delay: RecordCustomerDelayRequest
    record_on_site_form: RecordOnSiteFormRequest
    def __init__(self, request_id: _Optional[str] = ..., submit_deliverable: _Optional[_Union[SubmitDeliverableRequest, _Mapping]] = ..., accept_deliverable: _Optional[_Union[AcceptDeliverableRequest, _Mapping]] = ..., raise_points: _Optional[_Union[RaisePointsRequest, _Mapping]] = ..., answer_points: _Optional[_Union[AnswerPointsRequest, _Mapping]] = ..., record_meeting: _Optional[_Union[RecordMeetingRequest, _Mapping]] = ..., mark_in_production: _Optional[_Union[MarkInProductionRequest, _Mapping]] = ..., record_customer_delay: _Optional[_Union[RecordCustomerDelayRequest, _Mapping]] = ..., record_on_site_form: _Optional[_Union[RecordOnSiteFormRequest, _Mapping]] = ...) -> None: ...

class ListInvoicesRequest(_message.Message):
    __slots__ = ("customer_id", "page_size", "page_token")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    page_size: int
    page_token: str
    def __init__(self, customer_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListInvoicesResponse(_message.Message):
    __slots__ = ("invoices", "next_page_token")
    INVOICES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    invoices: _containers.RepeatedCompositeFieldContainer[Invoice]
    next_page_token: str
    def __init__(self, invoices: _Optional[_Iterable[_Union[Invoice, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListCreditNotesRequest(_message.Message):
    __slots__ = ("customer_id", "page_size", "page_token")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    page_size: int
    page_token: str
    def __init__(self, customer_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListCreditNotesResponse(_message.Message):
    __slots__ = ("credit_notes", "next_page_token")
    CREDIT_NOTES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    credit_notes: _containers.RepeatedCompositeFieldContainer[CreditNote]
    next_page_token: str
    def __init__(self, credit_notes: _Optional[_Iterable[_Union[CreditNote, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class Deliverable(_message.Message):
    __slots__ = ("code", "state", "round", "submitted_at", "window_end", "calendar_version", "points", "answers", "answer_due", "meeting_due", "meeting_held_at", "overdue", "accepted_at", "deemed", "acceptance_reason", "invoice_id")
    CODE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    WINDOW_END_FIELD_NUMBER: _ClassVar[int]
    CALENDAR_VERSION_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    ANSWERS_FIELD_NUMBER: _ClassVar[int]
    ANSWER_DUE_FIELD_NUMBER: _ClassVar[int]
    MEETING_DUE_FIELD_NUMBER: _ClassVar[int]
    MEETING_HELD_AT_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_AT_FIELD_NUMBER: _ClassVar[int]
    DEEMED_FIELD_NUMBER: _ClassVar[int]
    ACCEPTANCE_REASON_FIELD_NUMBER: _ClassVar[int]
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    code: str
    state: AcceptanceState
    round: int
    submitted_at: _timestamp_pb2.Timestamp
    window_end: _timestamp_pb2.Timestamp
    calendar_version: str
    points: _containers.RepeatedScalarFieldContainer[str]
    answers: _containers.RepeatedScalarFieldContainer[str]
    answer_due: _timestamp_pb2.Timestamp
    meeting_due: _timestamp_pb2.Timestamp
    meeting_held_at: _timestamp_pb2.Timestamp
    overdue: _containers.RepeatedScalarFieldContainer[str]
    accepted_at: _timestamp_pb2.Timestamp
    deemed: bool
    acceptance_reason: str
    invoice_id: str
    def __init__(self, code: _Optional[str] = ..., state: _Optional[_Union[AcceptanceState, str]] = ..., round: _Optional[int] = ..., submitted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., window_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., calendar_version: _Optional[str] = ..., points: _Optional[_Iterable[str]] = ..., answers: _Optional[_Iterable[str]] = ..., answer_due: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., meeting_due: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., meeting_held_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., overdue: _Optional[_Iterable[str]] = ..., accepted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., deemed: _Optional[bool] = ..., acceptance_reason: _Optional[str] = ..., invoice_id: _Optional[str] = ...) -> None: ...

class SubmitDeliverableRequest(_message.Message):
    __slots__ = ("project_id", "deliverable", "submitted_at")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    DELIVERABLE_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    deliverable: str
    submitted_at: _timestamp_pb2.Timestamp
    def __init__(self, project_id: _Optional[str] = ..., deliverable: _Optional[str] = ..., submitted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AcceptDeliverableRequest(_message.Message):
    __slots__ = ("project_id", "deliverable")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    DELIVERABLE_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    deliverable: str
    def __init__(self, project_id: _Optional[str] = ..., deliverable: _Optional[str] = ...) -> None: ...

class RecordMeetingRequest(_message.Message):
    __slots__ = ("project_id", "deliverable")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    DELIVERABLE_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    deliverable: str
    def __init__(self, project_id: _Optional[str] = ..., deliverable: _Optional[str] = ...) -> None: ...

class MarkInProductionRequest(_message.Message):
    __slots__ = ("project_id", "deliverable")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    DELIVERABLE_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    deliverable: str
    def __init__(self, project_id: _Optional[str] = ..., deliverable: _Optional[str] = ...) -> None: ...

class RaisePointsRequest(_message.Message):
    __slots__ = ("project_id", "deliverable", "points")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    DELIVERABLE_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    deliverable: str
    points: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, project_id: _Optional[str] = ..., deliverable: _Optional[str] = ..., points: _Optional[_Iterable[str]] = ...) -> None: ...

class AnswerPointsRequest(_message.Message):
    __slots__ = ("project_id", "deliverable", "answers")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    DELIVERABLE_FIELD_NUMBER: _ClassVar[int]
    ANSWERS_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    deliverable: str
    answers: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, project_id: _Optional[str] = ..., deliverable: _Optional[str] = ..., answers: _Optional[_Iterable[str]] = ...) -> None: ...

class SubmitDeliverableResponse(_message.Message):
    __slots__ = ("deliverable",)
    DELIVERABLE_FIELD_NUMBER: _ClassVar[int]
    deliverable: Deliverable
    def __init__(self, deliverable: _Optional[_Union[Deliverable, _Mapping]] = ...) -> None: ...

class AcceptDeliverableResponse(_message.Message):
    __slots__ = ("deliverable",)
    DELIVERABLE_FIELD_NUMBER: _ClassVar[int]
    deliverable: Deliverable
    def __init__(self, deliverable: _Optional[_Union[Deliverable, _Mapping]] = ...) -> None: ...

class RaisePointsResponse(_message.Message):
    __slots__ = ("deliverable",)
    DELIVERABLE_FIELD_NUMBER: _ClassVar[int]
    deliverable: Deliverable
    def __init__(self, deliverable: _Optional[_Union[Deliverable, _Mapping]] = ...) -> None: ...

class AnswerPointsResponse(_message.Message):
    __slots__ = ("deliverable",)
    DELIVERABLE_FIELD_NUMBER: _ClassVar[int]
    deliverable: Deliverable
    def __init__(self, deliverable: _Optional[_Union[Deliverable, _Mapping]] = ...) -> None: ...

class RecordMeetingResponse(_message.Message):
    __slots__ = ("deliverable",)
    DELIVERABLE_FIELD_NUMBER: _ClassVar[int]
    deliverable: Deliverable
    def __init__(self, deliverable: _Optional[_Union[Deliverable, _Mapping]] = ...) -> None: ...

class MarkInProductionResponse(_message.Message):
    __slots__ = ("deliverable",)
    DELIVERABLE_FIELD_NUMBER: _ClassVar[int]
    deliverable: Deliverable
    def __init__(self, deliverable: _Optional[_Union[Deliverable, _Mapping]] = ...) -> None: ...

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
    __slots__ = ("project_id", "customer_id", "service_code", "package", "contract_signed_on", "ordered_at", "catalogue_version", "state", "requested_start_on", "rejection", "milestones", "customer_delays", "deliverables", "invoice_id", "on_site_forms", "additional_packages", "quantities", "invoice_ids")
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
    DELIVERABLES_FIELD_NUMBER: _ClassVar[int]
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    ON_SITE_FORMS_FIELD_NUMBER: _ClassVar[int]
    ADDITIONAL_PACKAGES_FIELD_NUMBER: _ClassVar[int]
    QUANTITIES_FIELD_NUMBER: _ClassVar[int]
    INVOICE_IDS_FIELD_NUMBER: _ClassVar[int]
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
    deliverables: _containers.RepeatedCompositeFieldContainer[Deliverable]
    invoice_id: str
    on_site_forms: _containers.RepeatedCompositeFieldContainer[OnSiteForm]
    additional_packages: _containers.RepeatedScalarFieldContainer[str]
    quantities: _containers.RepeatedCompositeFieldContainer[_intake_pb2.OrderedQuantity]
    invoice_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, project_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., service_code: _Optional[str] = ..., package: _Optional[str] = ..., contract_signed_on: _Optional[str] = ..., ordered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., catalogue_version: _Optional[str] = ..., state: _Optional[_Union[ProjectState, str]] = ..., requested_start_on: _Optional[str] = ..., rejection: _Optional[str] = ..., milestones: _Optional[_Iterable[_Union[Milestone, _Mapping]]] = ..., customer_delays: _Optional[_Iterable[_Union[CustomerDelay, _Mapping]]] = ..., deliverables: _Optional[_Iterable[_Union[Deliverable, _Mapping]]] = ..., invoice_id: _Optional[str] = ..., on_site_forms: _Optional[_Iterable[_Union[OnSiteForm, _Mapping]]] = ..., additional_packages: _Optional[_Iterable[str]] = ..., quantities: _Optional[_Iterable[_Union[_intake_pb2.OrderedQuantity, _Mapping]]] = ..., invoice_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class OnSiteForm(_message.Message):
    __slots__ = ("form_id", "work_date", "engineer", "days", "signed_by", "signed_on", "requested_on", "person_days", "invoice_id", "package")
    FORM_ID_FIELD_NUMBER: _ClassVar[int]
    WORK_DATE_FIELD_NUMBER: _ClassVar[int]
    ENGINEER_FIELD_NUMBER: _ClassVar[int]
    DAYS_FIELD_NUMBER: _ClassVar[int]
    SIGNED_BY_FIELD_NUMBER: _ClassVar[int]
    SIGNED_ON_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_ON_FIELD_NUMBER: _ClassVar[int]
    PERSON_DAYS_FIELD_NUMBER: _ClassVar[int]
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    PACKAGE_FIELD_NUMBER: _ClassVar[int]
    form_id: str
    work_date: str
    engineer: str
    days: str
    signed_by: str
    signed_on: str
    requested_on: str
    person_days: str
    invoice_id: str
    package: str
    def __init__(self, form_id: _Optional[str] = ..., work_date: _Optional[str] = ..., engineer: _Optional[str] = ..., days: _Optional[str] = ..., signed_by: _Optional[str] = ..., signed_on: _Optional[str] = ..., requested_on: _Optional[str] = ..., person_days: _Optional[str] = ..., invoice_id: _Optional[str] = ..., package: _Optional[str] = ...) -> None: ...

class RecordOnSiteFormRequest(_message.Message):
    __slots__ = ("project_id", "form_id", "work_date", "engineer", "days", "signed_by", "signed_on", "requested_on", "package")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    FORM_ID_FIELD_NUMBER: _ClassVar[int]
    WORK_DATE_FIELD_NUMBER: _ClassVar[int]
    ENGINEER_FIELD_NUMBER: _ClassVar[int]
    DAYS_FIELD_NUMBER: _ClassVar[int]
    SIGNED_BY_FIELD_NUMBER: _ClassVar[int]
    SIGNED_ON_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_ON_FIELD_NUMBER: _ClassVar[int]
    PACKAGE_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    form_id: str
    work_date: str
    engineer: str
    days: str
    signed_by: str
    signed_on: str
    requested_on: str
    package: str
    def __init__(self, project_id: _Optional[str] = ..., form_id: _Optional[str] = ..., work_date: _Optional[str] = ..., engineer: _Optional[str] = ..., days: _Optional[str] = ..., signed_by: _Optional[str] = ..., signed_on: _Optional[str] = ..., requested_on: _Optional[str] = ..., package: _Optional[str] = ...) -> None: ...

class RecordOnSiteFormResponse(_message.Message):
    __slots__ = ("project",)
    PROJECT_FIELD_NUMBER: _ClassVar[int]
    project: Project
    def __init__(self, project: _Optional[_Union[Project, _Mapping]] = ...) -> None: ...

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

class CreditNote(_message.Message):
    __slots__ = ("credit_note_id", "number", "amount", "reason", "issued_at", "invoice_id", "invoice_number", "customer_id")
    CREDIT_NOTE_ID_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ISSUED_AT_FIELD_NUMBER: _ClassVar[int]
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    INVOICE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    credit_note_id: str
    number: str
    amount: str
    reason: str
    issued_at: _timestamp_pb2.Timestamp
    invoice_id: str
    invoice_number: str
    customer_id: str
    def __init__(self, credit_note_id: _Optional[str] = ..., number: _Optional[str] = ..., amount: _Optional[str] = ..., reason: _Optional[str] = ..., issued_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., invoice_id: _Optional[str] = ..., invoice_number: _Optional[str] = ..., customer_id: _Optional[str] = ...) -> None: ...

class Invoice(_message.Message):
    __slots__ = ("invoice_id", "number", "customer_id", "project_id", "lines", "total", "currency", "issued_at", "credited", "credit_notes")
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    ISSUED_AT_FIELD_NUMBER: _ClassVar[int]
    CREDITED_FIELD_NUMBER: _ClassVar[int]
    CREDIT_NOTES_FIELD_NUMBER: _ClassVar[int]
    invoice_id: str
    number: str
    customer_id: str
    project_id: str
    lines: _containers.RepeatedCompositeFieldContainer[_billing_pb2.InvoiceLine]
    total: str
    currency: str
    issued_at: _timestamp_pb2.Timestamp
    credited: str
    credit_notes: _containers.RepeatedCompositeFieldContainer[CreditNote]
    def __init__(self, invoice_id: _Optional[str] = ..., number: _Optional[str] = ..., customer_id: _Optional[str] = ..., project_id: _Optional[str] = ..., lines: _Optional[_Iterable[_Union[_billing_pb2.InvoiceLine, _Mapping]]] = ..., total: _Optional[str] = ..., currency: _Optional[str] = ..., issued_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., credited: _Optional[str] = ..., credit_notes: _Optional[_Iterable[_Union[CreditNote, _Mapping]]] = ...) -> None: ...

class GetInvoiceRequest(_message.Message):
    __slots__ = ("invoice_id",)
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    invoice_id: str
    def __init__(self, invoice_id: _Optional[str] = ...) -> None: ...

class GetInvoiceResponse(_message.Message):
    __slots__ = ("invoice",)
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    invoice: Invoice
    def __init__(self, invoice: _Optional[_Union[Invoice, _Mapping]] = ...) -> None: ...

class IssueCreditNoteRequest(_message.Message):
    __slots__ = ("invoice_id", "amount", "reason", "idempotency_key")
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    invoice_id: str
    amount: str
    reason: str
    idempotency_key: str
    def __init__(self, invoice_id: _Optional[str] = ..., amount: _Optional[str] = ..., reason: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class IssueCreditNoteResponse(_message.Message):
    __slots__ = ("credit_note", "invoice")
    CREDIT_NOTE_FIELD_NUMBER: _ClassVar[int]
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    credit_note: CreditNote
    invoice: Invoice
    def __init__(self, credit_note: _Optional[_Union[CreditNote, _Mapping]] = ..., invoice: _Optional[_Union[Invoice, _Mapping]] = ...) -> None: ...
