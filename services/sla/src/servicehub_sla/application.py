"""The SLA application service: commands and queries over the event store."""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import JSONTranscoder

from servicehub_businesstime import BusinessCalendar, BusinessClock
from servicehub_runtime.deadlines import DeadlineFiring
from servicehub_runtime.eventstore import (
    EnumAsValue,
    IntegrityError,
    TracedEventApplication,
    Tracking,
)

from .availability import (
    AvailabilityRejected,
    MaintenanceKind,
    MaintenanceWindow,
    Outage,
)
from .domain import Priority, Ticket, Update, UpdateIdReused, UpdateRejected
from .policy import Policy, PolicyBook

# Writes of the same ticket at once (an update and a threshold firing) are rare; each
# retry reloads the ticket.
CONFLICT_ATTEMPTS = 5
_IDS = uuid5(NAMESPACE_URL, "servicehub:sla")


class Sla(TracedEventApplication):
    name = "sla"

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        calendar: BusinessCalendar,
        policies: PolicyBook,
    ) -> None:
        super().__init__(env)
        self._calendar = calendar
        self._policies = policies
        self._clocks: dict[str, BusinessClock] = {}

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(EnumAsValue(Priority))
        transcoder.register(EnumAsValue(MaintenanceKind))

    def _clock(self, policy: Policy) -> BusinessClock:
        if policy.clock not in self._clocks:
            self._clocks[policy.clock] = self._calendar.clock(policy.clock)
        return self._clocks[policy.clock]

    def policy_of(self, ticket: Ticket) -> tuple[Policy, BusinessClock]:
        """The policy version the ticket was opened under, and its clock."""
        policy = self._policies.get(ticket.policy_id, ticket.policy_version)
        if policy is None:
            raise UpdateRejected(
                f"the ticket's policy {ticket.policy_id} version {ticket.policy_version} is not"
                " loaded (keep old versions in the policy file while tickets run on them)"
            )
        return policy, self._clock(policy)

    def register_ticket(
        self,
        *,
        ticket_id: UUID,
        customer_id: str,
        priority: Priority,
        service_plan: str,
        opened_at: datetime,
        position: Tracking | None = None,
    ) -> None:
        """Puts an opened ticket on its customer's policy (a second registration conflicts):
        the targets starting at submission run from `opened_at`."""
        policy = self._policies.for_customer(customer_id)
        clock = self._clock(policy)
        ticket = Ticket(
            id=ticket_id,
            customer_id=customer_id,
            priority=priority,
            service_plan=service_plan,
            opened_at=opened_at,
            policy_id=policy.id,
            policy_version=policy.version,
            calendar_version=clock.calendar_version,
        )
        ticket.schedule_thresholds(policy, clock)
        self.record(ticket, position=position)

    def update_ticket(
        self, ticket_id: UUID, update_id: str, update: Update, position: Tracking | None = None
    ) -> bool:
        """Applies a lifecycle update once; False for a repeated update id (nothing recorded
        but the position). Raises AggregateNotFoundError, UpdateRejected or UpdateIdReused."""
        for attempt in range(1, CONFLICT_ATTEMPTS + 1):
            ticket: Ticket = self.repository.get(ticket_id)
            policy, clock = self.policy_of(ticket)
            applied = ticket.apply(update_id, update, policy, clock)
            try:
                if applied:
                    self.record(ticket, position=position)
                elif position is not None:
                    self.record(position=position)
                return applied
            except IntegrityError:
                seen = position is not None and (
                    self.position(position.application_name) or 0
                ) >= position.notification_id
                # A redelivered record stays a conflict; a threshold firing that wrote the
                # ticket meanwhile only means: apply the update to the newer version.
                if seen or attempt == CONFLICT_ATTEMPTS:
                    raise
        raise AssertionError("unreachable")

    def escalate(self, firing: DeadlineFiring) -> None:
        """Handler of the threshold deadline: the ticket escalates what fell due, once."""
        ticket: Ticket = self.repository.get(firing.aggregate_id)
        policy, clock = self.policy_of(ticket)
        ticket.escalate(firing.deadline, firing.fired_at, policy, clock)
        self.record(ticket, firing.outcome())

    @property
    def calendar(self) -> BusinessCalendar:
        return self._calendar

    @property
    def policies(self) -> PolicyBook:
        return self._policies

    @property
    def calendar_version(self) -> str:
        return self._calendar.version

    def schedule_past_horizon(self, ticket_id: UUID) -> bool:
        """Schedules the ticket's thresholds that lay past an older calendar's data, on this
        calendar; True when something was recorded."""
        for attempt in range(1, CONFLICT_ATTEMPTS + 1):
            ticket: Ticket = self.repository.get(ticket_id)
            policy, clock = self.policy_of(ticket)
            ticket.schedule_thresholds(policy, clock)
            if not ticket.pending_events:
                return False
            try:
                self.record(ticket)
                return True
            except IntegrityError:
                if attempt == CONFLICT_ATTEMPTS:
                    raise
        raise AssertionError("unreachable")

    def target_due(self, ticket_id: UUID, cycle: int, target: str) -> datetime | None:
        """When the ticket's target of that cycle runs out as of now (None: stopped, paused,
        another cycle by now, or past the calendar data)."""
        ticket = self.get_ticket(ticket_id)
        if ticket.cycle != cycle:
            return None
        policy, clock = self.policy_of(ticket)
        for view in ticket.targets(policy, clock, ticket.last_update_at):
            if view.name == target and view.stopped_at is None:
                return view.due_at
        return None

    def get_ticket(self, ticket_id: UUID) -> Ticket:
        """Raises eventsourcing's AggregateNotFoundError for an unknown id."""
        return self.repository.get(ticket_id)

    # --- maintenance and availability ------------------------------------------------

    def plan_maintenance(
        self, window_id: str, kind: MaintenanceKind, starts_at: datetime | None,
        ends_at: datetime | None, announced_at: datetime, description: str,
        customer_id: str = "",
    ) -> tuple[MaintenanceWindow, bool]:
        """Records the window (service-wide, or the customer's) once per id; True when
        recorded now. A planned window without instants is the customer's next agreed window
        after the announcement. Raises AvailabilityRejected, or UpdateIdReused for the id
        given with other fields."""
        agreement = self._policies.maintenance_agreement(customer_id)
        if starts_at is None and ends_at is None and kind is MaintenanceKind.PLANNED:
            starts_at, ends_at = agreement.next_window(announced_at)
        if starts_at is None or ends_at is None:
            raise AvailabilityRejected("give both starts_at and ends_at")
        if ends_at <= starts_at:
            raise AvailabilityRejected("the window must end after it starts")
        agreed_starts_at, agreed_ends_at = agreement.window_of(starts_at)
        window = MaintenanceWindow(
            id=uuid5(_IDS, f"maintenance:{window_id}"), window_id=window_id, kind=kind,
            starts_at=starts_at, ends_at=ends_at, announced_at=announced_at,
            description=description, customer_id=customer_id,
            agreed_starts_at=agreed_starts_at, agreed_ends_at=agreed_ends_at,
        )
        try:
            self.record(window)
            return window, True
        except IntegrityError:
            known: MaintenanceWindow = self.repository.get(window.id)
            fields = ("kind", "starts_at", "ends_at", "announced_at", "description", "customer_id")
            if any(getattr(known, f) != getattr(window, f) for f in fields):
                raise UpdateIdReused(f"window {window_id!r} was recorded with other fields") from None
            return known, False

    def record_outage(
        self, outage_id: str, started_at: datetime | None, ended_at: datetime | None,
        recovery_notice_at: datetime | None, description: str,
    ) -> tuple[Outage, bool]:
        """Records the outage, its end and its recovery notice, each once; True when
        something was recorded now. Raises AvailabilityRejected."""
        aggregate_id = uuid5(_IDS, f"outage:{outage_id}")
        for attempt in range(1, CONFLICT_ATTEMPTS + 1):
            try:
                outage: Outage = self.repository.get(aggregate_id)
                if started_at is not None and started_at != outage.started_at:
                    raise AvailabilityRejected(
                        f"outage {outage_id} started at {outage.started_at.isoformat()}")
            except AggregateNotFoundError:
                if started_at is None:
                    raise AvailabilityRejected("started_at is required for a new outage") from None
                outage = Outage(id=aggregate_id, outage_id=outage_id, started_at=started_at,
                                description=description)
            if ended_at is not None:
                outage.recover(ended_at)
            if recovery_notice_at is not None:
                outage.notify_recovery(recovery_notice_at)
            if not outage.pending_events:
                return outage, False
            try:
                self.record(outage)
                return outage, True
            except IntegrityError:
                if attempt == CONFLICT_ATTEMPTS:
                    raise
        raise AssertionError("unreachable")

    def get_record(self, aggregate_id: str) -> MaintenanceWindow | Outage:
        return self.repository.get(UUID(aggregate_id))
