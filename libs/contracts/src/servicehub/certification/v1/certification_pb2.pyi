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
    APPLICATION_STATUS_REJECTED: _ClassVar[ApplicationStatus]
    APPLICATION_STATUS_AWAITING_PRE_CHECK: _ClassVar[ApplicationStatus]
    APPLICATION_STATUS_AWAITING_PARTNER_CONFIRMATION: _ClassVar[ApplicationStatus]
    APPLICATION_STATUS_CERTIFIED: _ClassVar[ApplicationStatus]
    APPLICATION_STATUS_RENEWED: _ClassVar[ApplicationStatus]
    APPLICATION_STATUS_LAPSED: _ClassVar[ApplicationStatus]
    APPLICATION_STATUS_CLOSED: _ClassVar[ApplicationStatus]

class EvidenceGapKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EVIDENCE_GAP_KIND_UNSPECIFIED: _ClassVar[EvidenceGapKind]
    EVIDENCE_GAP_KIND_MISSING: _ClassVar[EvidenceGapKind]
    EVIDENCE_GAP_KIND_UNMET: _ClassVar[EvidenceGapKind]
    EVIDENCE_GAP_KIND_NOT_APPLICABLE: _ClassVar[EvidenceGapKind]
    EVIDENCE_GAP_KIND_UNSUPPORTED: _ClassVar[EvidenceGapKind]
    EVIDENCE_GAP_KIND_REPEATED: _ClassVar[EvidenceGapKind]
    EVIDENCE_GAP_KIND_UNKNOWN: _ClassVar[EvidenceGapKind]

class Role(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ROLE_UNSPECIFIED: _ClassVar[Role]
    ROLE_PARTNER: _ClassVar[Role]
    ROLE_REVIEWER: _ClassVar[Role]
    ROLE_EXPERT: _ClassVar[Role]
    ROLE_SIG_SECRETARY: _ClassVar[Role]
    ROLE_COMMUNITY_OPERATOR: _ClassVar[Role]

class Assessment(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ASSESSMENT_UNSPECIFIED: _ClassVar[Assessment]
    ASSESSMENT_MET: _ClassVar[Assessment]
    ASSESSMENT_UNMET: _ClassVar[Assessment]
    ASSESSMENT_NOT_APPLICABLE: _ClassVar[Assessment]

class ReviewResult(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REVIEW_RESULT_UNSPECIFIED: _ClassVar[ReviewResult]
    REVIEW_RESULT_PASS: _ClassVar[ReviewResult]
    REVIEW_RESULT_FAIL: _ClassVar[ReviewResult]

class BoardDecision(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BOARD_DECISION_UNSPECIFIED: _ClassVar[BoardDecision]
    BOARD_DECISION_APPROVE: _ClassVar[BoardDecision]
    BOARD_DECISION_REJECT: _ClassVar[BoardDecision]
    BOARD_DECISION_SEND_BACK: _ClassVar[BoardDecision]

class PartnerStep(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PARTNER_STEP_UNSPECIFIED: _ClassVar[PartnerStep]
    PARTNER_STEP_AWAITING_CLA: _ClassVar[PartnerStep]
    PARTNER_STEP_AWAITING_ENTERPRISE_INFORMATION: _ClassVar[PartnerStep]
    PARTNER_STEP_ELIGIBLE: _ClassVar[PartnerStep]
    PARTNER_STEP_NOT_ELIGIBLE: _ClassVar[PartnerStep]

class CertificateStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CERTIFICATE_STATUS_UNSPECIFIED: _ClassVar[CertificateStatus]
    CERTIFICATE_STATUS_VALID: _ClassVar[CertificateStatus]
    CERTIFICATE_STATUS_EXPIRED: _ClassVar[CertificateStatus]
    CERTIFICATE_STATUS_REVOKED: _ClassVar[CertificateStatus]
    CERTIFICATE_STATUS_UNKNOWN: _ClassVar[CertificateStatus]
APPLICATION_STATUS_UNSPECIFIED: ApplicationStatus
APPLICATION_STATUS_IN_REVIEW: ApplicationStatus
APPLICATION_STATUS_PARTNER_NOT_ELIGIBLE: ApplicationStatus
APPLICATION_STATUS_SUBMITTED: ApplicationStatus
APPLICATION_STATUS_REJECTED: ApplicationStatus
APPLICATION_STATUS_AWAITING_PRE_CHECK: ApplicationStatus
APPLICATION_STATUS_AWAITING_PARTNER_CONFIRMATION: ApplicationStatus
APPLICATION_STATUS_CERTIFIED: ApplicationStatus
APPLICATION_STATUS_RENEWED: ApplicationStatus
APPLICATION_STATUS_LAPSED: ApplicationStatus
APPLICATION_STATUS_CLOSED: ApplicationStatus
EVIDENCE_GAP_KIND_UNSPECIFIED: EvidenceGapKind
EVIDENCE_GAP_KIND_MISSING: EvidenceGapKind
EVIDENCE_GAP_KIND_UNMET: EvidenceGapKind
EVIDENCE_GAP_KIND_NOT_APPLICABLE: EvidenceGapKind
EVIDENCE_GAP_KIND_UNSUPPORTED: EvidenceGapKind
EVIDENCE_GAP_KIND_REPEATED: EvidenceGapKind
EVIDENCE_GAP_KIND_UNKNOWN: EvidenceGapKind
ROLE_UNSPECIFIED: Role
ROLE_PARTNER: Role
ROLE_REVIEWER: Role
ROLE_EXPERT: Role
ROLE_SIG_SECRETARY: Role
ROLE_COMMUNITY_OPERATOR: Role
ASSESSMENT_UNSPECIFIED: Assessment
ASSESSMENT_MET: Assessment
ASSESSMENT_UNMET: Assessment
ASSESSMENT_NOT_APPLICABLE: Assessment
REVIEW_RESULT_UNSPECIFIED: ReviewResult
REVIEW_RESULT_PASS: ReviewResult
REVIEW_RESULT_FAIL: ReviewResult
BOARD_DECISION_UNSPECIFIED: BoardDecision
BOARD_DECISION_APPROVE: BoardDecision
BOARD_DECISION_REJECT: BoardDecision
BOARD_DECISION_SEND_BACK: BoardDecision
PARTNER_STEP_UNSPECIFIED: PartnerStep
PARTNER_STEP_AWAITING_CLA: PartnerStep
PARTNER_STEP_AWAITING_ENTERPRISE_INFORMATION: PartnerStep
PARTNER_STEP_ELIGIBLE: PartnerStep
PARTNER_STEP_NOT_ELIGIBLE: PartnerStep
CERTIFICATE_STATUS_UNSPECIFIED: CertificateStatus
CERTIFICATE_STATUS_VALID: CertificateStatus
CERTIFICATE_STATUS_EXPIRED: CertificateStatus
CERTIFICATE_STATUS_REVOKED: CertificateStatus
CERTIFICATE_STATUS_UNKNOWN: CertificateStatus

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
    __slots__ = ("application_id", "partner_id", "partner_name", "corporate_email", "evidence", "status", "submitted_at", "registered_at", "partner_ineligibility", "criteria_version", "evidence_gaps", "review_round", "clarification_requests", "expert_reports", "decisions", "certificate_details", "certificate_id", "screenings", "recertifies", "closed_reason")
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
    REVIEW_ROUND_FIELD_NUMBER: _ClassVar[int]
    CLARIFICATION_REQUESTS_FIELD_NUMBER: _ClassVar[int]
    EXPERT_REPORTS_FIELD_NUMBER: _ClassVar[int]
    DECISIONS_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_DETAILS_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_ID_FIELD_NUMBER: _ClassVar[int]
    SCREENINGS_FIELD_NUMBER: _ClassVar[int]
    RECERTIFIES_FIELD_NUMBER: _ClassVar[int]
    CLOSED_REASON_FIELD_NUMBER: _ClassVar[int]
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
    review_round: int
    clarification_requests: _containers.RepeatedCompositeFieldContainer[ClarificationRequest]
    expert_reports: _containers.RepeatedCompositeFieldContainer[ExpertReport]
    decisions: _containers.RepeatedCompositeFieldContainer[Decision]
    certificate_details: CertificateDetails
    certificate_id: str
    screenings: _containers.RepeatedCompositeFieldContainer[Screening]
    recertifies: str
    closed_reason: str
    def __init__(self, application_id: _Optional[str] = ..., partner_id: _Optional[str] = ..., partner_name: _Optional[str] = ..., corporate_email: _Optional[str] = ..., evidence: _Optional[_Iterable[_Union[_intake_pb2.Evidence, _Mapping]]] = ..., status: _Optional[_Union[ApplicationStatus, str]] = ..., submitted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., registered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., partner_ineligibility: _Optional[_Iterable[_Union[Ineligibility, _Mapping]]] = ..., criteria_version: _Optional[str] = ..., evidence_gaps: _Optional[_Iterable[_Union[EvidenceGap, _Mapping]]] = ..., review_round: _Optional[int] = ..., clarification_requests: _Optional[_Iterable[_Union[ClarificationRequest, _Mapping]]] = ..., expert_reports: _Optional[_Iterable[_Union[ExpertReport, _Mapping]]] = ..., decisions: _Optional[_Iterable[_Union[Decision, _Mapping]]] = ..., certificate_details: _Optional[_Union[CertificateDetails, _Mapping]] = ..., certificate_id: _Optional[str] = ..., screenings: _Optional[_Iterable[_Union[Screening, _Mapping]]] = ..., recertifies: _Optional[str] = ..., closed_reason: _Optional[str] = ...) -> None: ...

class Screening(_message.Message):
    __slots__ = ("screened_at", "partner_ineligibility")
    SCREENED_AT_FIELD_NUMBER: _ClassVar[int]
    PARTNER_INELIGIBILITY_FIELD_NUMBER: _ClassVar[int]
    screened_at: _timestamp_pb2.Timestamp
    partner_ineligibility: _containers.RepeatedCompositeFieldContainer[Ineligibility]
    def __init__(self, screened_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., partner_ineligibility: _Optional[_Iterable[_Union[Ineligibility, _Mapping]]] = ...) -> None: ...

class Actor(_message.Message):
    __slots__ = ("user_id", "role")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    role: Role
    def __init__(self, user_id: _Optional[str] = ..., role: _Optional[_Union[Role, str]] = ...) -> None: ...

class ItemAnswer(_message.Message):
    __slots__ = ("criterion", "answer", "document_uris")
    CRITERION_FIELD_NUMBER: _ClassVar[int]
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_URIS_FIELD_NUMBER: _ClassVar[int]
    criterion: str
    answer: str
    document_uris: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, criterion: _Optional[str] = ..., answer: _Optional[str] = ..., document_uris: _Optional[_Iterable[str]] = ...) -> None: ...

class ClarificationRequest(_message.Message):
    __slots__ = ("number", "items", "question", "requested_by", "requested_at", "due_at", "answers", "answered_by", "overdue_at")
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    QUESTION_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_AT_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    ANSWERS_FIELD_NUMBER: _ClassVar[int]
    ANSWERED_BY_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_AT_FIELD_NUMBER: _ClassVar[int]
    number: int
    items: _containers.RepeatedScalarFieldContainer[str]
    question: str
    requested_by: Actor
    requested_at: _timestamp_pb2.Timestamp
    due_at: _timestamp_pb2.Timestamp
    answers: _containers.RepeatedCompositeFieldContainer[ItemAnswer]
    answered_by: Actor
    overdue_at: _timestamp_pb2.Timestamp
    def __init__(self, number: _Optional[int] = ..., items: _Optional[_Iterable[str]] = ..., question: _Optional[str] = ..., requested_by: _Optional[_Union[Actor, _Mapping]] = ..., requested_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., answers: _Optional[_Iterable[_Union[ItemAnswer, _Mapping]]] = ..., answered_by: _Optional[_Union[Actor, _Mapping]] = ..., overdue_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ItemAssessment(_message.Message):
    __slots__ = ("criterion", "assessment", "comment")
    CRITERION_FIELD_NUMBER: _ClassVar[int]
    ASSESSMENT_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    criterion: str
    assessment: Assessment
    comment: str
    def __init__(self, criterion: _Optional[str] = ..., assessment: _Optional[_Union[Assessment, str]] = ..., comment: _Optional[str] = ...) -> None: ...

class ExpertReport(_message.Message):
    __slots__ = ("expert", "review_round", "assessments", "result", "summary", "submitted_at")
    EXPERT_FIELD_NUMBER: _ClassVar[int]
    REVIEW_ROUND_FIELD_NUMBER: _ClassVar[int]
    ASSESSMENTS_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    expert: Actor
    review_round: int
    assessments: _containers.RepeatedCompositeFieldContainer[ItemAssessment]
    result: ReviewResult
    summary: str
    submitted_at: _timestamp_pb2.Timestamp
    def __init__(self, expert: _Optional[_Union[Actor, _Mapping]] = ..., review_round: _Optional[int] = ..., assessments: _Optional[_Iterable[_Union[ItemAssessment, _Mapping]]] = ..., result: _Optional[_Union[ReviewResult, str]] = ..., summary: _Optional[str] = ..., submitted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Decision(_message.Message):
    __slots__ = ("decision", "meeting_reference", "decided_by", "decided_at")
    DECISION_FIELD_NUMBER: _ClassVar[int]
    MEETING_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    DECIDED_BY_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_FIELD_NUMBER: _ClassVar[int]
    decision: BoardDecision
    meeting_reference: str
    decided_by: Actor
    decided_at: _timestamp_pb2.Timestamp
    def __init__(self, decision: _Optional[_Union[BoardDecision, str]] = ..., meeting_reference: _Optional[str] = ..., decided_by: _Optional[_Union[Actor, _Mapping]] = ..., decided_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CertificateDetails(_message.Message):
    __slots__ = ("holder_name", "service_regions", "languages", "support_plans")
    HOLDER_NAME_FIELD_NUMBER: _ClassVar[int]
    SERVICE_REGIONS_FIELD_NUMBER: _ClassVar[int]
    LANGUAGES_FIELD_NUMBER: _ClassVar[int]
    SUPPORT_PLANS_FIELD_NUMBER: _ClassVar[int]
    holder_name: str
    service_regions: _containers.RepeatedScalarFieldContainer[str]
    languages: _containers.RepeatedScalarFieldContainer[str]
    support_plans: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, holder_name: _Optional[str] = ..., service_regions: _Optional[_Iterable[str]] = ..., languages: _Optional[_Iterable[str]] = ..., support_plans: _Optional[_Iterable[str]] = ...) -> None: ...

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

class RequestClarificationRequest(_message.Message):
    __slots__ = ("application_id", "items", "question", "request_id")
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    QUESTION_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    application_id: str
    items: _containers.RepeatedScalarFieldContainer[str]
    question: str
    request_id: str
    def __init__(self, application_id: _Optional[str] = ..., items: _Optional[_Iterable[str]] = ..., question: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class RequestClarificationResponse(_message.Message):
    __slots__ = ("application", "duplicate")
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    application: Application
    duplicate: bool
    def __init__(self, application: _Optional[_Union[Application, _Mapping]] = ..., duplicate: _Optional[bool] = ...) -> None: ...

class AnswerClarificationRequest(_message.Message):
    __slots__ = ("application_id", "number", "answers", "request_id")
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    ANSWERS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    application_id: str
    number: int
    answers: _containers.RepeatedCompositeFieldContainer[ItemAnswer]
    request_id: str
    def __init__(self, application_id: _Optional[str] = ..., number: _Optional[int] = ..., answers: _Optional[_Iterable[_Union[ItemAnswer, _Mapping]]] = ..., request_id: _Optional[str] = ...) -> None: ...

class AnswerClarificationResponse(_message.Message):
    __slots__ = ("application", "duplicate")
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    application: Application
    duplicate: bool
    def __init__(self, application: _Optional[_Union[Application, _Mapping]] = ..., duplicate: _Optional[bool] = ...) -> None: ...

class SubmitExpertReportRequest(_message.Message):
    __slots__ = ("application_id", "assessments", "result", "summary", "request_id")
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    ASSESSMENTS_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    application_id: str
    assessments: _containers.RepeatedCompositeFieldContainer[ItemAssessment]
    result: ReviewResult
    summary: str
    request_id: str
    def __init__(self, application_id: _Optional[str] = ..., assessments: _Optional[_Iterable[_Union[ItemAssessment, _Mapping]]] = ..., result: _Optional[_Union[ReviewResult, str]] = ..., summary: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class SubmitExpertReportResponse(_message.Message):
    __slots__ = ("application", "duplicate")
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    application: Application
    duplicate: bool
    def __init__(self, application: _Optional[_Union[Application, _Mapping]] = ..., duplicate: _Optional[bool] = ...) -> None: ...

class RecordBoardDecisionRequest(_message.Message):
    __slots__ = ("application_id", "decision", "meeting_reference", "request_id")
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    MEETING_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    application_id: str
    decision: BoardDecision
    meeting_reference: str
    request_id: str
    def __init__(self, application_id: _Optional[str] = ..., decision: _Optional[_Union[BoardDecision, str]] = ..., meeting_reference: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class RecordBoardDecisionResponse(_message.Message):
    __slots__ = ("application", "duplicate")
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    application: Application
    duplicate: bool
    def __init__(self, application: _Optional[_Union[Application, _Mapping]] = ..., duplicate: _Optional[bool] = ...) -> None: ...

class PreCheckCertificateRequest(_message.Message):
    __slots__ = ("application_id", "details", "request_id")
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    application_id: str
    details: CertificateDetails
    request_id: str
    def __init__(self, application_id: _Optional[str] = ..., details: _Optional[_Union[CertificateDetails, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class PreCheckCertificateResponse(_message.Message):
    __slots__ = ("application", "duplicate")
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    application: Application
    duplicate: bool
    def __init__(self, application: _Optional[_Union[Application, _Mapping]] = ..., duplicate: _Optional[bool] = ...) -> None: ...

class ConfirmCertificateRequest(_message.Message):
    __slots__ = ("application_id", "request_id")
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    application_id: str
    request_id: str
    def __init__(self, application_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ConfirmCertificateResponse(_message.Message):
    __slots__ = ("application", "certificate", "duplicate")
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    application: Application
    certificate: Certificate
    duplicate: bool
    def __init__(self, application: _Optional[_Union[Application, _Mapping]] = ..., certificate: _Optional[_Union[Certificate, _Mapping]] = ..., duplicate: _Optional[bool] = ...) -> None: ...

class Certificate(_message.Message):
    __slots__ = ("certificate_id", "application_id", "partner_id", "details", "status", "valid_from", "valid_until", "recertification_due", "revocation_reason", "ended_at", "recertification_application_id")
    CERTIFICATE_ID_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    RECERTIFICATION_DUE_FIELD_NUMBER: _ClassVar[int]
    REVOCATION_REASON_FIELD_NUMBER: _ClassVar[int]
    ENDED_AT_FIELD_NUMBER: _ClassVar[int]
    RECERTIFICATION_APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    certificate_id: str
    application_id: str
    partner_id: str
    details: CertificateDetails
    status: CertificateStatus
    valid_from: _timestamp_pb2.Timestamp
    valid_until: _timestamp_pb2.Timestamp
    recertification_due: bool
    revocation_reason: str
    ended_at: _timestamp_pb2.Timestamp
    recertification_application_id: str
    def __init__(self, certificate_id: _Optional[str] = ..., application_id: _Optional[str] = ..., partner_id: _Optional[str] = ..., details: _Optional[_Union[CertificateDetails, _Mapping]] = ..., status: _Optional[_Union[CertificateStatus, str]] = ..., valid_from: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., valid_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recertification_due: _Optional[bool] = ..., revocation_reason: _Optional[str] = ..., ended_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recertification_application_id: _Optional[str] = ...) -> None: ...

class ExpertCertificate(_message.Message):
    __slots__ = ("holder", "certificate")
    HOLDER_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    holder: str
    certificate: str
    def __init__(self, holder: _Optional[str] = ..., certificate: _Optional[str] = ...) -> None: ...

class RecertificationEvidence(_message.Message):
    __slots__ = ("expert_certificates", "new_services", "strengthened_services", "bug_fixes", "features", "tools_built", "community_tools_applied", "merged_pull_requests", "requirements_and_issues", "reviews")
    EXPERT_CERTIFICATES_FIELD_NUMBER: _ClassVar[int]
    NEW_SERVICES_FIELD_NUMBER: _ClassVar[int]
    STRENGTHENED_SERVICES_FIELD_NUMBER: _ClassVar[int]
    BUG_FIXES_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    TOOLS_BUILT_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_TOOLS_APPLIED_FIELD_NUMBER: _ClassVar[int]
    MERGED_PULL_REQUESTS_FIELD_NUMBER: _ClassVar[int]
    REQUIREMENTS_AND_ISSUES_FIELD_NUMBER: _ClassVar[int]
    REVIEWS_FIELD_NUMBER: _ClassVar[int]
    expert_certificates: _containers.RepeatedCompositeFieldContainer[ExpertCertificate]
    new_services: _containers.RepeatedScalarFieldContainer[str]
    strengthened_services: _containers.RepeatedScalarFieldContainer[str]
    bug_fixes: _containers.RepeatedScalarFieldContainer[str]
    features: _containers.RepeatedScalarFieldContainer[str]
    tools_built: _containers.RepeatedScalarFieldContainer[str]
    community_tools_applied: _containers.RepeatedScalarFieldContainer[str]
    merged_pull_requests: _containers.RepeatedScalarFieldContainer[str]
    requirements_and_issues: _containers.RepeatedScalarFieldContainer[str]
    reviews: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, expert_certificates: _Optional[_Iterable[_Union[ExpertCertificate, _Mapping]]] = ..., new_services: _Optional[_Iterable[str]] = ..., strengthened_services: _Optional[_Iterable[str]] = ..., bug_fixes: _Optional[_Iterable[str]] = ..., features: _Optional[_Iterable[str]] = ..., tools_built: _Optional[_Iterable[str]] = ..., community_tools_applied: _Optional[_Iterable[str]] = ..., merged_pull_requests: _Optional[_Iterable[str]] = ..., requirements_and_issues: _Optional[_Iterable[str]] = ..., reviews: _Optional[_Iterable[str]] = ...) -> None: ...

class Shortfall(_message.Message):
    __slots__ = ("standard", "rule", "required", "achieved", "short_by")
    STANDARD_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    ACHIEVED_FIELD_NUMBER: _ClassVar[int]
    SHORT_BY_FIELD_NUMBER: _ClassVar[int]
    standard: str
    rule: str
    required: int
    achieved: int
    short_by: int
    def __init__(self, standard: _Optional[str] = ..., rule: _Optional[str] = ..., required: _Optional[int] = ..., achieved: _Optional[int] = ..., short_by: _Optional[int] = ...) -> None: ...

class SubmitRecertificationRequest(_message.Message):
    __slots__ = ("certificate_id", "evidence", "request_id")
    CERTIFICATE_ID_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    certificate_id: str
    evidence: RecertificationEvidence
    request_id: str
    def __init__(self, certificate_id: _Optional[str] = ..., evidence: _Optional[_Union[RecertificationEvidence, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class SubmitRecertificationResponse(_message.Message):
    __slots__ = ("passed", "shortfalls", "certificate", "duplicate")
    PASSED_FIELD_NUMBER: _ClassVar[int]
    SHORTFALLS_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    passed: bool
    shortfalls: _containers.RepeatedCompositeFieldContainer[Shortfall]
    certificate: Certificate
    duplicate: bool
    def __init__(self, passed: _Optional[bool] = ..., shortfalls: _Optional[_Iterable[_Union[Shortfall, _Mapping]]] = ..., certificate: _Optional[_Union[Certificate, _Mapping]] = ..., duplicate: _Optional[bool] = ...) -> None: ...

class RevokeCertificateRequest(_message.Message):
    __slots__ = ("certificate_id", "reason")
    CERTIFICATE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    certificate_id: str
    reason: str
    def __init__(self, certificate_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class RevokeCertificateResponse(_message.Message):
    __slots__ = ("certificate",)
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    certificate: Certificate
    def __init__(self, certificate: _Optional[_Union[Certificate, _Mapping]] = ...) -> None: ...

class VerifyCertificateRequest(_message.Message):
    __slots__ = ("certificate_id",)
    CERTIFICATE_ID_FIELD_NUMBER: _ClassVar[int]
    certificate_id: str
    def __init__(self, certificate_id: _Optional[str] = ...) -> None: ...

class VerifyCertificateResponse(_message.Message):
    __slots__ = ("status", "holder_name", "valid_from", "valid_until", "ended_at")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    HOLDER_NAME_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    ENDED_AT_FIELD_NUMBER: _ClassVar[int]
    status: CertificateStatus
    holder_name: str
    valid_from: _timestamp_pb2.Timestamp
    valid_until: _timestamp_pb2.Timestamp
    ended_at: _timestamp_pb2.Timestamp
    def __init__(self, status: _Optional[_Union[CertificateStatus, str]] = ..., holder_name: _Optional[str] = ..., valid_from: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., valid_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ended_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CertifiedProvider(_message.Message):
    __slots__ = ("certificate_id", "partner_id", "details", "valid_until")
    CERTIFICATE_ID_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    certificate_id: str
    partner_id: str
    details: CertificateDetails
    valid_until: _timestamp_pb2.Timestamp
    def __init__(self, certificate_id: _Optional[str] = ..., partner_id: _Optional[str] = ..., details: _Optional[_Union[CertificateDetails, _Mapping]] = ..., valid_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListCertifiedProvidersRequest(_message.Message):
    __slots__ = ("service_region", "language", "support_plan", "page_size", "page_token")
    SERVICE_REGION_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    SUPPORT_PLAN_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    service_region: str
    language: str
    support_plan: str
    page_size: int
    page_token: str
    def __init__(self, service_region: _Optional[str] = ..., language: _Optional[str] = ..., support_plan: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListCertifiedProvidersResponse(_message.Message):
    __slots__ = ("providers", "next_page_token")
    PROVIDERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    providers: _containers.RepeatedCompositeFieldContainer[CertifiedProvider]
    next_page_token: str
    def __init__(self, providers: _Optional[_Iterable[_Union[CertifiedProvider, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
