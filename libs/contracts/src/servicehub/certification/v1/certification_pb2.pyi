import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from servicehub.events.v1 import contract_pb2 as _contract_pb2
from servicehub.events.v1 import intake_pb2 as _intake_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ApplicationStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    APPLICATION_STATUS_UNSPECIFIED: _ClassVar[ApplicationStatus]
    APPLICATION_STATUS_IN_REVIEW: _ClassVar[ApplicationStatus]
    APPLICATION_STATUS_PARTNER_NOT_ELIGIBLE: _ClassVar[ApplicationStatus]
    APPLICATION_STATUS_SUBMITTED: _ClassVar[ApplicationStatus]

class EvidenceGapKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EVIDENCE_GAP_KIND_UNSPECIFIED: _ClassVar[EvidenceGapKind]
    EVIDENCE_GAP_KIND_MISSING: _ClassVar[EvidenceGapKind]
    EVIDENCE_GAP_KIND_UNMET: _ClassVar[EvidenceGapKind]
    EVIDENCE_GAP_KIND_NOT_APPLICABLE: _ClassVar[EvidenceGapKind]
    EVIDENCE_GAP_KIND_UNSUPPORTED: _ClassVar[EvidenceGapKind]
    EVIDENCE_GAP_KIND_REPEATED: _ClassVar[EvidenceGapKind]
    EVIDENCE_GAP_KIND_UNKNOWN: _ClassVar[EvidenceGapKind]

class PartnerStep(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PARTNER_STEP_UNSPECIFIED: _ClassVar[PartnerStep]
    PARTNER_STEP_AWAITING_CLA: _ClassVar[PartnerStep]
    PARTNER_STEP_AWAITING_ENTERPRISE_INFORMATION: _ClassVar[PartnerStep]
    PARTNER_STEP_ELIGIBLE: _ClassVar[PartnerStep]
    PARTNER_STEP_NOT_ELIGIBLE: _ClassVar[PartnerStep]
APPLICATION_STATUS_UNSPECIFIED: ApplicationStatus
APPLICATION_STATUS_IN_REVIEW: ApplicationStatus
APPLICATION_STATUS_PARTNER_NOT_ELIGIBLE: ApplicationStatus
APPLICATION_STATUS_SUBMITTED: ApplicationStatus
EVIDENCE_GAP_KIND_UNSPECIFIED: EvidenceGapKind
EVIDENCE_GAP_KIND_MISSING: EvidenceGapKind
EVIDENCE_GAP_KIND_UNMET: EvidenceGapKind
EVIDENCE_GAP_KIND_NOT_APPLICABLE: EvidenceGapKind
EVIDENCE_GAP_KIND_UNSUPPORTED: EvidenceGapKind
EVIDENCE_GAP_KIND_REPEATED: EvidenceGapKind
EVIDENCE_GAP_KIND_UNKNOWN: EvidenceGapKind
PARTNER_STEP_UNSPECIFIED: PartnerStep
PARTNER_STEP_AWAITING_CLA: PartnerStep
PARTNER_STEP_AWAITING_ENTERPRISE_INFORMATION: PartnerStep
PARTNER_STEP_ELIGIBLE: PartnerStep
PARTNER_STEP_NOT_ELIGIBLE: PartnerStep

class Ineligibility(_message.Message):
    __slots__ = ("field", "reason")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    field: str
    reason: str
    def __init__(self, field: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class EvidenceGap(_message.Message):
    __slots__ = ("criterion", "kind", "explanation")
    CRITERION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    criterion: str
    kind: EvidenceGapKind
    explanation: str
    def __init__(self, criterion: _Optional[str] = ..., kind: _Optional[_Union[EvidenceGapKind, str]] = ..., explanation: _Optional[str] = ...) -> None: ...

class Application(_message.Message):
    __slots__ = ("application_id", "partner_id", "partner_name", "corporate_email", "evidence", "status", "submitted_at", "registered_at", "partner_ineligibility", "criteria_version", "evidence_gaps")
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    PARTNER_NAME_FIELD_NUMBER: _ClassVar[int]
    CORPORATE_EMAIL_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_AT_FIELD_NUMBER: _ClassVar[int]
    PARTNER_INELIGIBILITY_FIELD_NUMBER: _ClassVar[int]
    CRITERIA_VERSION_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_GAPS_FIELD_NUMBER: _ClassVar[int]
    application_id: str
    partner_id: str
    partner_name: str
    corporate_email: str
    evidence: _containers.RepeatedCompositeFieldContainer[_intake_pb2.Evidence]
    status: ApplicationStatus
    submitted_at: _timestamp_pb2.Timestamp
    registered_at: _timestamp_pb2.Timestamp
    partner_ineligibility: _containers.RepeatedCompositeFieldContainer[Ineligibility]
    criteria_version: str
    evidence_gaps: _containers.RepeatedCompositeFieldContainer[EvidenceGap]
    def __init__(self, application_id: _Optional[str] = ..., partner_id: _Optional[str] = ..., partner_name: _Optional[str] = ..., corporate_email: _Optional[str] = ..., evidence: _Optional[_Iterable[_Union[_intake_pb2.Evidence, _Mapping]]] = ..., status: _Optional[_Union[ApplicationStatus, str]] = ..., submitted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., registered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., partner_ineligibility: _Optional[_Iterable[_Union[Ineligibility, _Mapping]]] = ..., criteria_version: _Optional[str] = ..., evidence_gaps: _Optional[_Iterable[_Union[EvidenceGap, _Mapping]]] = ...) -> None: ...

class Partner(_message.Message):
    __slots__ = ("partner_id", "name", "declared_domains", "step", "cla_version", "cla_signed_at", "company_name", "business_licence_document", "unified_social_credit_code", "corporate_email", "ineligibility", "registered_at")
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DECLARED_DOMAINS_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    CLA_VERSION_FIELD_NUMBER: _ClassVar[int]
    CLA_SIGNED_AT_FIELD_NUMBER: _ClassVar[int]
    COMPANY_NAME_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_LICENCE_DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    UNIFIED_SOCIAL_CREDIT_CODE_FIELD_NUMBER: _ClassVar[int]
    CORPORATE_EMAIL_FIELD_NUMBER: _ClassVar[int]
    INELIGIBILITY_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_AT_FIELD_NUMBER: _ClassVar[int]
    partner_id: str
    name: str
    declared_domains: _containers.RepeatedScalarFieldContainer[str]
    step: PartnerStep
    cla_version: str
    cla_signed_at: _timestamp_pb2.Timestamp
    company_name: str
    business_licence_document: str
    unified_social_credit_code: str
    corporate_email: str
    ineligibility: _containers.RepeatedCompositeFieldContainer[Ineligibility]
    registered_at: _timestamp_pb2.Timestamp
    def __init__(self, partner_id: _Optional[str] = ..., name: _Optional[str] = ..., declared_domains: _Optional[_Iterable[str]] = ..., step: _Optional[_Union[PartnerStep, str]] = ..., cla_version: _Optional[str] = ..., cla_signed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., company_name: _Optional[str] = ..., business_licence_document: _Optional[str] = ..., unified_social_credit_code: _Optional[str] = ..., corporate_email: _Optional[str] = ..., ineligibility: _Optional[_Iterable[_Union[Ineligibility, _Mapping]]] = ..., registered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RegisterPartnerRequest(_message.Message):
    __slots__ = ("partner_id", "name", "declared_domains")
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DECLARED_DOMAINS_FIELD_NUMBER: _ClassVar[int]
    partner_id: str
    name: str
    declared_domains: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, partner_id: _Optional[str] = ..., name: _Optional[str] = ..., declared_domains: _Optional[_Iterable[str]] = ...) -> None: ...

class RegisterPartnerResponse(_message.Message):
    __slots__ = ("partner",)
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    partner: Partner
    def __init__(self, partner: _Optional[_Union[Partner, _Mapping]] = ...) -> None: ...

class SignClaRequest(_message.Message):
    __slots__ = ("partner_id", "cla_version")
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    CLA_VERSION_FIELD_NUMBER: _ClassVar[int]
    partner_id: str
    cla_version: str
    def __init__(self, partner_id: _Optional[str] = ..., cla_version: _Optional[str] = ...) -> None: ...

class SignClaResponse(_message.Message):
    __slots__ = ("partner",)
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    partner: Partner
    def __init__(self, partner: _Optional[_Union[Partner, _Mapping]] = ...) -> None: ...

class SubmitEnterpriseInformationRequest(_message.Message):
    __slots__ = ("partner_id", "company_name", "business_licence_document", "unified_social_credit_code", "corporate_email")
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    COMPANY_NAME_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_LICENCE_DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    UNIFIED_SOCIAL_CREDIT_CODE_FIELD_NUMBER: _ClassVar[int]
    CORPORATE_EMAIL_FIELD_NUMBER: _ClassVar[int]
    partner_id: str
    company_name: str
    business_licence_document: str
    unified_social_credit_code: str
    corporate_email: str
    def __init__(self, partner_id: _Optional[str] = ..., company_name: _Optional[str] = ..., business_licence_document: _Optional[str] = ..., unified_social_credit_code: _Optional[str] = ..., corporate_email: _Optional[str] = ...) -> None: ...

class SubmitEnterpriseInformationResponse(_message.Message):
    __slots__ = ("partner",)
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    partner: Partner
    def __init__(self, partner: _Optional[_Union[Partner, _Mapping]] = ...) -> None: ...

class GetPartnerRequest(_message.Message):
    __slots__ = ("partner_id",)
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    partner_id: str
    def __init__(self, partner_id: _Optional[str] = ...) -> None: ...

class GetPartnerResponse(_message.Message):
    __slots__ = ("partner",)
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    partner: Partner
    def __init__(self, partner: _Optional[_Union[Partner, _Mapping]] = ...) -> None: ...

class GetApplicationRequest(_message.Message):
    __slots__ = ("application_id",)
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    application_id: str
    def __init__(self, application_id: _Optional[str] = ...) -> None: ...

class GetApplicationResponse(_message.Message):
    __slots__ = ("application",)
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    application: Application
    def __init__(self, application: _Optional[_Union[Application, _Mapping]] = ...) -> None: ...

class ListApplicationsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListApplicationsResponse(_message.Message):
    __slots__ = ("applications", "next_page_token")
    APPLICATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    applications: _containers.RepeatedCompositeFieldContainer[Application]
    next_page_token: str
    def __init__(self, applications: _Optional[_Iterable[_Union[Application, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
