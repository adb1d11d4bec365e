import datetime

from google.protobuf import duration_pb2 as _duration_pb2
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

class UpdateKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    UPDATE_KIND_UNSPECIFIED: _ClassVar[UpdateKind]
    UPDATE_KIND_FIRST_RESPONSE: _ClassVar[UpdateKind]
    UPDATE_KIND_PROBLEM_CONFIRMED: _ClassVar[UpdateKind]
    UPDATE_KIND_WAITING_FOR_CUSTOMER: _ClassVar[UpdateKind]
    UPDATE_KIND_CUSTOMER_REPLIED: _ClassVar[UpdateKind]
    UPDATE_KIND_SOLUTION_GIVEN: _ClassVar[UpdateKind]
    UPDATE_KIND_CLOSE_CONFIRMED: _ClassVar[UpdateKind]
    UPDATE_KIND_REOPENED: _ClassVar[UpdateKind]
    UPDATE_KIND_PRIORITY_CHANGED: _ClassVar[UpdateKind]
    UPDATE_KIND_REMOTE_SUPPORT_STARTED: _ClassVar[UpdateKind]
    UPDATE_KIND_ONSITE_REQUESTED: _ClassVar[UpdateKind]
    UPDATE_KIND_ENGINEER_ONSITE: _ClassVar[UpdateKind]

class Closer(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CLOSER_UNSPECIFIED: _ClassVar[Closer]
    CLOSER_DISPATCH_ENGINEER: _ClassVar[Closer]
    CLOSER_CUSTOMER: _ClassVar[Closer]

class MaintenanceKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MAINTENANCE_KIND_UNSPECIFIED: _ClassVar[MaintenanceKind]
    MAINTENANCE_KIND_PLANNED: _ClassVar[MaintenanceKind]
    MAINTENANCE_KIND_EMERGENCY: _ClassVar[MaintenanceKind]
UPDATE_KIND_UNSPECIFIED: UpdateKind
UPDATE_KIND_FIRST_RESPONSE: UpdateKind
UPDATE_KIND_PROBLEM_CONFIRMED: UpdateKind
UPDATE_KIND_WAITING_FOR_CUSTOMER: UpdateKind
UPDATE_KIND_CUSTOMER_REPLIED: UpdateKind
UPDATE_KIND_SOLUTION_GIVEN: UpdateKind
UPDATE_KIND_CLOSE_CONFIRMED: UpdateKind
UPDATE_KIND_REOPENED: UpdateKind
UPDATE_KIND_PRIORITY_CHANGED: UpdateKind
UPDATE_KIND_REMOTE_SUPPORT_STARTED: UpdateKind
UPDATE_KIND_ONSITE_REQUESTED: UpdateKind
UPDATE_KIND_ENGINEER_ONSITE: UpdateKind
CLOSER_UNSPECIFIED: Closer
CLOSER_DISPATCH_ENGINEER: Closer
CLOSER_CUSTOMER: Closer
MAINTENANCE_KIND_UNSPECIFIED: MaintenanceKind
MAINTENANCE_KIND_PLANNED: MaintenanceKind
MAINTENANCE_KIND_EMERGENCY: MaintenanceKind

class UpdateTicketRequest(_message.Message):
    __slots__ = ("update_id", "ticket_id", "kind", "occurred_at", "reason", "confirmed_by", "priority")
    UPDATE_ID_FIELD_NUMBER: _ClassVar[int]
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CONFIRMED_BY_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    update_id: str
    ticket_id: str
    kind: UpdateKind
    occurred_at: _timestamp_pb2.Timestamp
    reason: str
    confirmed_by: Closer
    priority: _intake_pb2.Priority
    def __init__(self, update_id: _Optional[str] = ..., ticket_id: _Optional[str] = ..., kind: _Optional[_Union[UpdateKind, str]] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ..., confirmed_by: _Optional[_Union[Closer, str]] = ..., priority: _Optional[_Union[_intake_pb2.Priority, str]] = ...) -> None: ...

class UpdateTicketResponse(_message.Message):
    __slots__ = ("ticket", "duplicate")
    TICKET_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    ticket: Ticket
    duplicate: bool
    def __init__(self, ticket: _Optional[_Union[Ticket, _Mapping]] = ..., duplicate: _Optional[bool] = ...) -> None: ...

class TargetStatus(_message.Message):
    __slots__ = ("name", "duration", "started_at", "stopped_at", "due_at", "elapsed", "percent_elapsed", "paused", "thresholds_fired")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    STOPPED_AT_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    ELAPSED_FIELD_NUMBER: _ClassVar[int]
    PERCENT_ELAPSED_FIELD_NUMBER: _ClassVar[int]
    PAUSED_FIELD_NUMBER: _ClassVar[int]
    THRESHOLDS_FIRED_FIELD_NUMBER: _ClassVar[int]
    name: str
    duration: _duration_pb2.Duration
    started_at: _timestamp_pb2.Timestamp
    stopped_at: _timestamp_pb2.Timestamp
    due_at: _timestamp_pb2.Timestamp
    elapsed: _duration_pb2.Duration
    percent_elapsed: float
    paused: _duration_pb2.Duration
    thresholds_fired: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, name: _Optional[str] = ..., duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., stopped_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., elapsed: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., percent_elapsed: _Optional[float] = ..., paused: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., thresholds_fired: _Optional[_Iterable[int]] = ...) -> None: ...

class HistoryEntry(_message.Message):
    __slots__ = ("at", "what", "detail")
    AT_FIELD_NUMBER: _ClassVar[int]
    WHAT_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    at: _timestamp_pb2.Timestamp
    what: str
    detail: str
    def __init__(self, at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., what: _Optional[str] = ..., detail: _Optional[str] = ...) -> None: ...

class Ticket(_message.Message):
    __slots__ = ("ticket_id", "customer_id", "priority", "service_plan", "opened_at", "policy", "policy_version", "calendar_version", "state", "cycle", "waiting_reason", "targets", "history")
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    SERVICE_PLAN_FIELD_NUMBER: _ClassVar[int]
    OPENED_AT_FIELD_NUMBER: _ClassVar[int]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    CALENDAR_VERSION_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CYCLE_FIELD_NUMBER: _ClassVar[int]
    WAITING_REASON_FIELD_NUMBER: _ClassVar[int]
    TARGETS_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    customer_id: str
    priority: _intake_pb2.Priority
    service_plan: str
    opened_at: _timestamp_pb2.Timestamp
    policy: str
    policy_version: int
    calendar_version: str
    state: str
    cycle: int
    waiting_reason: str
    targets: _containers.RepeatedCompositeFieldContainer[TargetStatus]
    history: _containers.RepeatedCompositeFieldContainer[HistoryEntry]
    def __init__(self, ticket_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., priority: _Optional[_Union[_intake_pb2.Priority, str]] = ..., service_plan: _Optional[str] = ..., opened_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., policy: _Optional[str] = ..., policy_version: _Optional[int] = ..., calendar_version: _Optional[str] = ..., state: _Optional[str] = ..., cycle: _Optional[int] = ..., waiting_reason: _Optional[str] = ..., targets: _Optional[_Iterable[_Union[TargetStatus, _Mapping]]] = ..., history: _Optional[_Iterable[_Union[HistoryEntry, _Mapping]]] = ...) -> None: ...

class GetTicketRequest(_message.Message):
    __slots__ = ("ticket_id",)
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    def __init__(self, ticket_id: _Optional[str] = ...) -> None: ...

class GetTicketResponse(_message.Message):
    __slots__ = ("ticket",)
    TICKET_FIELD_NUMBER: _ClassVar[int]
    ticket: Ticket
    def __init__(self, ticket: _Optional[_Union[Ticket, _Mapping]] = ...) -> None: ...

class PlanMaintenanceRequest(_message.Message):
    __slots__ = ("window_id", "kind", "starts_at", "ends_at", "announced_at", "description", "customer_id")
    WINDOW_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STARTS_AT_FIELD_NUMBER: _ClassVar[int]
    ENDS_AT_FIELD_NUMBER: _ClassVar[int]
    ANNOUNCED_AT_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    window_id: str
    kind: MaintenanceKind
    starts_at: _timestamp_pb2.Timestamp
    ends_at: _timestamp_pb2.Timestamp
    announced_at: _timestamp_pb2.Timestamp
    description: str
    customer_id: str
    def __init__(self, window_id: _Optional[str] = ..., kind: _Optional[_Union[MaintenanceKind, str]] = ..., starts_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ends_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., announced_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., description: _Optional[str] = ..., customer_id: _Optional[str] = ...) -> None: ...

class MaintenanceWindow(_message.Message):
    __slots__ = ("window_id", "kind", "starts_at", "ends_at", "announced_at", "description", "notice", "late_notice", "outside_agreed_window", "excluded", "customer_id", "agreed_starts_at", "agreed_ends_at")
    WINDOW_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STARTS_AT_FIELD_NUMBER: _ClassVar[int]
    ENDS_AT_FIELD_NUMBER: _ClassVar[int]
    ANNOUNCED_AT_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    NOTICE_FIELD_NUMBER: _ClassVar[int]
    LATE_NOTICE_FIELD_NUMBER: _ClassVar[int]
    OUTSIDE_AGREED_WINDOW_FIELD_NUMBER: _ClassVar[int]
    EXCLUDED_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    AGREED_STARTS_AT_FIELD_NUMBER: _ClassVar[int]
    AGREED_ENDS_AT_FIELD_NUMBER: _ClassVar[int]
    window_id: str
    kind: MaintenanceKind
    starts_at: _timestamp_pb2.Timestamp
    ends_at: _timestamp_pb2.Timestamp
    announced_at: _timestamp_pb2.Timestamp
    description: str
    notice: _duration_pb2.Duration
    late_notice: bool
    outside_agreed_window: bool
    excluded: bool
    customer_id: str
    agreed_starts_at: _timestamp_pb2.Timestamp
    agreed_ends_at: _timestamp_pb2.Timestamp
    def __init__(self, window_id: _Optional[str] = ..., kind: _Optional[_Union[MaintenanceKind, str]] = ..., starts_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ends_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., announced_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., description: _Optional[str] = ..., notice: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., late_notice: _Optional[bool] = ..., outside_agreed_window: _Optional[bool] = ..., excluded: _Optional[bool] = ..., customer_id: _Optional[str] = ..., agreed_starts_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., agreed_ends_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PlanMaintenanceResponse(_message.Message):
    __slots__ = ("window", "duplicate")
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    window: MaintenanceWindow
    duplicate: bool
    def __init__(self, window: _Optional[_Union[MaintenanceWindow, _Mapping]] = ..., duplicate: _Optional[bool] = ...) -> None: ...

class RecordOutageRequest(_message.Message):
    __slots__ = ("outage_id", "started_at", "ended_at", "recovery_notice_at", "description")
    OUTAGE_ID_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    ENDED_AT_FIELD_NUMBER: _ClassVar[int]
    RECOVERY_NOTICE_AT_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    outage_id: str
    started_at: _timestamp_pb2.Timestamp
    ended_at: _timestamp_pb2.Timestamp
    recovery_notice_at: _timestamp_pb2.Timestamp
    description: str
    def __init__(self, outage_id: _Optional[str] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ended_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recovery_notice_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., description: _Optional[str] = ...) -> None: ...

class Outage(_message.Message):
    __slots__ = ("outage_id", "started_at", "ended_at", "recovery_notice_at", "description", "late_recovery_notice")
    OUTAGE_ID_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    ENDED_AT_FIELD_NUMBER: _ClassVar[int]
    RECOVERY_NOTICE_AT_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    LATE_RECOVERY_NOTICE_FIELD_NUMBER: _ClassVar[int]
    outage_id: str
    started_at: _timestamp_pb2.Timestamp
    ended_at: _timestamp_pb2.Timestamp
    recovery_notice_at: _timestamp_pb2.Timestamp
    description: str
    late_recovery_notice: bool
    def __init__(self, outage_id: _Optional[str] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ended_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recovery_notice_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., description: _Optional[str] = ..., late_recovery_notice: _Optional[bool] = ...) -> None: ...

class RecordOutageResponse(_message.Message):
    __slots__ = ("outage", "duplicate")
    OUTAGE_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    outage: Outage
    duplicate: bool
    def __init__(self, outage: _Optional[_Union[Outage, _Mapping]] = ..., duplicate: _Optional[bool] = ...) -> None: ...

class GetAvailabilityRequest(_message.Message):
    __slots__ = ("period", "customer_id")
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    period: str
    customer_id: str
    def __init__(self, period: _Optional[str] = ..., customer_id: _Optional[str] = ...) -> None: ...

class AvailabilityReport(_message.Message):
    __slots__ = ("period", "start", "end", "measured", "excluded_maintenance", "downtime", "allowed_downtime", "availability_percent", "target_percent", "met")
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    MEASURED_FIELD_NUMBER: _ClassVar[int]
    EXCLUDED_MAINTENANCE_FIELD_NUMBER: _ClassVar[int]
    DOWNTIME_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_DOWNTIME_FIELD_NUMBER: _ClassVar[int]
    AVAILABILITY_PERCENT_FIELD_NUMBER: _ClassVar[int]
    TARGET_PERCENT_FIELD_NUMBER: _ClassVar[int]
    MET_FIELD_NUMBER: _ClassVar[int]
    period: str
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    measured: _duration_pb2.Duration
    excluded_maintenance: _duration_pb2.Duration
    downtime: _duration_pb2.Duration
    allowed_downtime: _duration_pb2.Duration
    availability_percent: float
    target_percent: float
    met: bool
    def __init__(self, period: _Optional[str] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., measured: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., excluded_maintenance: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., downtime: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., allowed_downtime: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., availability_percent: _Optional[float] = ..., target_percent: _Optional[float] = ..., met: _Optional[bool] = ...) -> None: ...

class GetAvailabilityResponse(_message.Message):
    __slots__ = ("report", "months", "windows", "outages")
    REPORT_FIELD_NUMBER: _ClassVar[int]
    MONTHS_FIELD_NUMBER: _ClassVar[int]
    WINDOWS_FIELD_NUMBER: _ClassVar[int]
    OUTAGES_FIELD_NUMBER: _ClassVar[int]
    report: AvailabilityReport
    months: _containers.RepeatedCompositeFieldContainer[AvailabilityReport]
    windows: _containers.RepeatedCompositeFieldContainer[MaintenanceWindow]
    outages: _containers.RepeatedCompositeFieldContainer[Outage]
    def __init__(self, report: _Optional[_Union[AvailabilityReport, _Mapping]] = ..., months: _Optional[_Iterable[_Union[AvailabilityReport, _Mapping]]] = ..., windows: _Optional[_Iterable[_Union[MaintenanceWindow, _Mapping]]] = ..., outages: _Optional[_Iterable[_Union[Outage, _Mapping]]] = ...) -> None: ...

class ListTicketsAtRiskRequest(_message.Message):
    __slots__ = ("min_percent", "limit")
    MIN_PERCENT_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    min_percent: int
    limit: int
    def __init__(self, min_percent: _Optional[int] = ..., limit: _Optional[int] = ...) -> None: ...

class TicketAtRisk(_message.Message):
    __slots__ = ("ticket_id", "customer_id", "priority", "policy", "target", "percent_elapsed", "due_at", "time_left")
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    PERCENT_ELAPSED_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    TIME_LEFT_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    customer_id: str
    priority: _intake_pb2.Priority
    policy: str
    target: str
    percent_elapsed: float
    due_at: _timestamp_pb2.Timestamp
    time_left: _duration_pb2.Duration
    def __init__(self, ticket_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., priority: _Optional[_Union[_intake_pb2.Priority, str]] = ..., policy: _Optional[str] = ..., target: _Optional[str] = ..., percent_elapsed: _Optional[float] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., time_left: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class ListTicketsAtRiskResponse(_message.Message):
    __slots__ = ("tickets",)
    TICKETS_FIELD_NUMBER: _ClassVar[int]
    tickets: _containers.RepeatedCompositeFieldContainer[TicketAtRisk]
    def __init__(self, tickets: _Optional[_Iterable[_Union[TicketAtRisk, _Mapping]]] = ...) -> None: ...

class GetComplianceRequest(_message.Message):
    __slots__ = ("period", "customer_id", "policy", "priority")
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    period: str
    customer_id: str
    policy: str
    priority: _intake_pb2.Priority
    def __init__(self, period: _Optional[str] = ..., customer_id: _Optional[str] = ..., policy: _Optional[str] = ..., priority: _Optional[_Union[_intake_pb2.Priority, str]] = ...) -> None: ...

class ComplianceRow(_message.Message):
    __slots__ = ("policy", "policy_version", "priority", "target", "met", "breached", "p50", "p90", "p95")
    POLICY_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    MET_FIELD_NUMBER: _ClassVar[int]
    BREACHED_FIELD_NUMBER: _ClassVar[int]
    P50_FIELD_NUMBER: _ClassVar[int]
    P90_FIELD_NUMBER: _ClassVar[int]
    P95_FIELD_NUMBER: _ClassVar[int]
    policy: str
    policy_version: int
    priority: _intake_pb2.Priority
    target: str
    met: int
    breached: int
    p50: _duration_pb2.Duration
    p90: _duration_pb2.Duration
    p95: _duration_pb2.Duration
    def __init__(self, policy: _Optional[str] = ..., policy_version: _Optional[int] = ..., priority: _Optional[_Union[_intake_pb2.Priority, str]] = ..., target: _Optional[str] = ..., met: _Optional[int] = ..., breached: _Optional[int] = ..., p50: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., p90: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., p95: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class GetComplianceResponse(_message.Message):
    __slots__ = ("rows",)
    ROWS_FIELD_NUMBER: _ClassVar[int]
    rows: _containers.RepeatedCompositeFieldContainer[ComplianceRow]
    def __init__(self, rows: _Optional[_Iterable[_Union[ComplianceRow, _Mapping]]] = ...) -> None: ...

class ReprojectComplianceRequest(_message.Message):
    __slots__ = ("period", "policy", "policy_version", "clock")
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    CLOCK_FIELD_NUMBER: _ClassVar[int]
    period: str
    policy: str
    policy_version: int
    clock: str
    def __init__(self, period: _Optional[str] = ..., policy: _Optional[str] = ..., policy_version: _Optional[int] = ..., clock: _Optional[str] = ...) -> None: ...

class ReprojectComplianceResponse(_message.Message):
    __slots__ = ("policy", "policy_version", "clock", "calendar_version", "tickets", "events", "took", "rows")
    POLICY_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    CLOCK_FIELD_NUMBER: _ClassVar[int]
    CALENDAR_VERSION_FIELD_NUMBER: _ClassVar[int]
    TICKETS_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    TOOK_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    policy: str
    policy_version: int
    clock: str
    calendar_version: str
    tickets: int
    events: int
    took: _duration_pb2.Duration
    rows: _containers.RepeatedCompositeFieldContainer[ComplianceRow]
    def __init__(self, policy: _Optional[str] = ..., policy_version: _Optional[int] = ..., clock: _Optional[str] = ..., calendar_version: _Optional[str] = ..., tickets: _Optional[int] = ..., events: _Optional[int] = ..., took: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., rows: _Optional[_Iterable[_Union[ComplianceRow, _Mapping]]] = ...) -> None: ...
