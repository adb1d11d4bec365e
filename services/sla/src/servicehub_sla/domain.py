"""Support tickets on SLA clocks (DOMAIN.md §2). Pure: no I/O, no clock reads.

A ticket runs the targets its policy gives its priority. A target's clock starts at one
milestone of the ticket's current cycle (e.g. `opened`) and stops at another (e.g.
`first-response`); it runs on the policy's business clock and stands still while the
ticket waits for the customer. For each running target the next threshold (80/90/95/100%
in SPT-001) is scheduled as the ticket's one deadline; when it fires the ticket records
`Escalated` once per (cycle, target, threshold), and `SlaBreached` at 100%.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from servicehub_businesstime import BusinessClock, CalendarHorizonError
from servicehub_runtime.deadlines import Deadline

if TYPE_CHECKING:
    from .policy import Policy

#: The deadline kind of a ticket's next threshold (one pending per ticket).
THRESHOLD_DEADLINE = "sla-threshold"

#: Milestones a target may start or stop at; `opened` is the submission (or re-opening).
MILESTONES = (
    "opened",
    "first-response",
    "problem-confirmed",
    "remote-support-started",
    "onsite-requested",
    "engineer-onsite",
    "solution-given",
)
#: Updates that change the ticket without being a target's milestone.
WAITING_FOR_CUSTOMER = "waiting-for-customer"
CUSTOMER_REPLIED = "customer-replied"
CLOSE_CONFIRMED = "close-confirmed"
REOPENED = "reopened"
PRIORITY_CHANGED = "priority-changed"
UPDATES = MILESTONES[1:] + (
    WAITING_FOR_CUSTOMER, CUSTOMER_REPLIED, CLOSE_CONFIRMED, REOPENED, PRIORITY_CHANGED,
)
#: Who must confirm before a ticket is closed (seed 002).
CLOSERS = ("dispatch-engineer", "customer")


class Priority(Enum):
    """SPT-001 priorities, P0 (urgent, business fully down) to P4 (general questions)."""

    P0 = "P0"
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"


class State(Enum):
    OPEN = "open"  # waiting for the first engineer response
    RESPONDED = "responded"
    CONFIRMED = "confirmed"  # problem confirmed, being resolved
    SOLVED = "solved"  # solution or workaround given, waiting for the closing confirmations
    CLOSED = "closed"


class UpdateRejected(Exception):
    """The update makes no sense in the ticket's state; the message names the state."""


class UpdateIdReused(Exception):
    """An update id already applied to this ticket with different content."""


@dataclass(frozen=True)
class Update:
    kind: str  # one of UPDATES
    at: datetime
    reason: str = ""  # waiting-for-customer, reopened
    confirmed_by: str = ""  # close-confirmed: one of CLOSERS
    priority: Priority | None = None  # priority-changed

    def fingerprint(self) -> str:
        priority = self.priority.value if self.priority else ""
        text = "\x1f".join((self.kind, self.at.isoformat(), self.reason, self.confirmed_by, priority))
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class TargetView:
    """One target of the current cycle as of `at`."""

    name: str
    duration: timedelta
    started_at: datetime | None
    stopped_at: datetime | None
    due_at: datetime | None  # None while not started, or paused before it runs out
    elapsed: timedelta
    paused: timedelta  # wall time the target stood still waiting for the customer
    fired: tuple[int, ...]  # thresholds escalated, percent

    @property
    def percent_elapsed(self) -> float:
        return 100 * self.elapsed / self.duration


class Ticket(Aggregate):
    """A customer's support ticket whose SLA this service watches.

    Its id is the id intake gave the ticket, so a ticket registered twice is the same
    aggregate — the second registration conflicts instead of duplicating it.
    """

    @event("Registered")
    def __init__(
        self,
        id: UUID,
        customer_id: str,
        priority: Priority,
        service_plan: str,
        opened_at: datetime,
        policy_id: str,
        policy_version: int,
        calendar_version: str,
    ) -> None:
        self.customer_id = customer_id
        self.priority = priority
        # The plan intake was told; the SLA runs on the policy's clock.
        self.service_plan = service_plan
        self.opened_at = opened_at
        self.policy_id = policy_id
        self.policy_version = policy_version
        self.calendar_version = calendar_version
        self.cycle = 1
        self.state = State.OPEN
        self.milestones: dict[str, datetime] = {"opened": opened_at}
        self.pauses: list[tuple[datetime, datetime | None]] = []
        self.pause_reason = ""
        self.fired: set[tuple[str, int]] = set()
        self.closed_by: set[str] = set()
        self.updates: dict[str, str] = {}  # update id -> fingerprint
        self.last_update_at = opened_at
        self.next_due: datetime | None = None
        self.past_horizon = 0  # thresholds not scheduled: past the data of this calendar
        self.past_horizon_calendar = ""
        self.escalations = 0  # recorded over all cycles
        self.breaches = 0
        self.history: list[tuple[datetime, str, str]] = [(opened_at, "opened", "")]

    # --- targets -------------------------------------------------------------------

    def targets(self, policy: Policy, clock: BusinessClock, at: datetime,
                priority: Priority | None = None) -> list[TargetView]:
        """The current cycle's targets (of `priority`, default the ticket's) as of `at`."""
        views = []
        for target in policy.targets[priority or self.priority]:
            start = self.milestones.get(target.start)
            stop = self.milestones.get(target.stop)
            if start is None or (stop is not None and stop < start):
                stop = None
            due, elapsed, paused = None, timedelta(0), timedelta(0)
            if start is not None:
                end = stop or max(at, start)
                due = self._due(clock, start, target.duration)
                elapsed = clock.elapsed(start, end, pauses=self.pauses)
                paused = sum(
                    (max(min(p_end or end, end) - max(p_start, start), timedelta(0))
                     for p_start, p_end in self.pauses),
                    timedelta(0),
                )
            fired = tuple(sorted(p for name, p in self.fired if name == target.name))
            views.append(TargetView(target.name, target.duration, start, stop, due, elapsed, paused, fired))
        return views

    def _due(self, clock: BusinessClock, start: datetime, duration: timedelta) -> datetime | None:
        """None when an open pause stops the clock before the duration has run, or when the
        instant lies past the calendar data."""
        try:
            return clock.threshold_instants(start, duration, (100,), pauses=self.pauses)[100]
        except CalendarHorizonError:
            return None

    def _due_thresholds(self, policy: Policy, clock: BusinessClock) -> tuple[list[tuple[datetime, str, int]], int]:
        """(instant, target, percent) of every threshold still to fire on running targets,
        and how many more lie past the calendar data (not scheduled)."""
        due, past_horizon = [], 0
        for target in policy.targets[self.priority]:
            start = self.milestones.get(target.start)
            if start is None or self._stopped(target.start, target.stop):
                continue
            pending = [p for p in policy.escalation if (target.name, p) not in self.fired]
            for index, percent in enumerate(pending):
                try:
                    at = clock.threshold_instants(start, target.duration, (percent,), pauses=self.pauses)[percent]
                except CalendarHorizonError:
                    # Past the calendar data: not scheduled (GetTicket shows no due instant)
                    # until a calendar extended by the operator is loaded (the start-up
                    # sweep, or the ticket's next update); later thresholds lie past it too.
                    past_horizon += len(pending) - index
                    break
                if at is not None:
                    due.append((at, target.name, percent))
        return sorted(due), past_horizon

    def _stopped(self, start: str, stop: str) -> bool:
        stopped = self.milestones.get(stop)
        return stopped is not None and stopped >= self.milestones[start]

    def _reschedule(self, policy: Policy, clock: BusinessClock) -> None:
        """Moves the ticket's one threshold deadline to its next threshold, or cancels it."""
        due, past_horizon = self._due_thresholds(policy, clock)
        if past_horizon != self.past_horizon or (past_horizon and clock.calendar_version != self.past_horizon_calendar):
            self._record_past_horizon(count=past_horizon, calendar_version=clock.calendar_version)
        next_due = due[0][0] if due else None
        if next_due == self.next_due:
            return
        if next_due is None:
            self._cancel_threshold(cancelled_deadlines=[THRESHOLD_DEADLINE])
        else:
            # The deadline's cycle counts the firings: the runtime derives a firing's record
            # id from (ticket, kind, cycle, due), and a later threshold may fall due at an
            # instant fired before (after a priority change or a re-opening).
            sequence = self.escalations + 1
            self._schedule_threshold(
                deadlines=[Deadline(THRESHOLD_DEADLINE, sequence, next_due, clock.calendar_version)]
            )

    def schedule_thresholds(self, policy: Policy, clock: BusinessClock) -> None:
        """Schedules the next threshold (at registration, or on a calendar extended since)."""
        self._reschedule(policy, clock)

    @event("ThresholdsPastHorizon")
    def _record_past_horizon(self, count: int, calendar_version: str) -> None:
        """`count` thresholds of running targets lie past the data of that calendar (0: none
        any more); they are scheduled once a calendar covering them is loaded."""
        self.past_horizon = count
        self.past_horizon_calendar = calendar_version if count else ""

    @event("ThresholdScheduled")
    def _schedule_threshold(self, deadlines: list[Deadline]) -> None:
        self.next_due = deadlines[0].due

    @event("ThresholdCancelled")
    def _cancel_threshold(self, cancelled_deadlines: list[str]) -> None:
        self.next_due = None

    # --- escalation ----------------------------------------------------------------

    def escalate(self, deadline: Deadline, at: datetime, policy: Policy, clock: BusinessClock) -> None:
        """The threshold deadline fired: every threshold due by then escalates, once; a
        deadline this ticket no longer has (moved, or already fired) changes nothing."""
        if deadline.cycle != self.escalations + 1 or deadline.due != self.next_due:
            return
        for due_at, target, percent in self._due_thresholds(policy, clock)[0]:
            if due_at > deadline.due:
                break
            self._record_escalation(
                cycle=self.cycle,
                target=target,
                threshold_percent=percent,
                role=policy.escalation[percent],
                priority=self.priority,
                due_at=due_at,
                escalated_at=at,
                policy=self.policy_id,
                policy_version=self.policy_version,
                calendar_version=deadline.calendar_version,
            )
            if percent == 100:
                self._record_breach(
                    cycle=self.cycle,
                    target=target,
                    policy=self.policy_id,
                    policy_version=self.policy_version,
                    priority=self.priority,
                    due_at=due_at,
                    calendar_version=deadline.calendar_version,
                    breached_at=at,
                    lateness_seconds=max(at - due_at, timedelta(0)).total_seconds(),
                )
        self._reschedule(policy, clock)

    @event("Escalated")
    def _record_escalation(
        self, cycle: int, target: str, threshold_percent: int, role: str, priority: Priority,
        due_at: datetime, escalated_at: datetime, policy: str, policy_version: int,
        calendar_version: str,
    ) -> None:
        self.fired.add((target, threshold_percent))
        self.escalations += 1
        self.history.append((escalated_at, "escalated", f"{target} {threshold_percent}% to {role}"))

    @event("SlaBreached")
    def _record_breach(
        self, cycle: int, target: str, policy: str, policy_version: int, priority: Priority,
        due_at: datetime, calendar_version: str, breached_at: datetime, lateness_seconds: float,
    ) -> None:
        self.breaches += 1
        self.history.append((breached_at, "breached", target))

    # --- lifecycle updates ---------------------------------------------------------

    def apply(self, update_id: str, update: Update, policy: Policy, clock: BusinessClock) -> bool:
        """Applies the update once; False if this update id was applied before with the same
        content. Raises UpdateIdReused (different content) or UpdateRejected."""
        fingerprint = update.fingerprint()
        known = self.updates.get(update_id)
        if known is not None:
            if known != fingerprint:
                raise UpdateIdReused(f"update id {update_id!r} was used for another update of this ticket")
            return False
        self._check(update)
        due_before, due_after = {}, {}
        if update.kind == PRIORITY_CHANGED:
            # Same milestones and pauses, the new priority's targets: elapsed time is kept.
            due_before = self._dues(policy, clock, update.at, self.priority)
            due_after = self._dues(policy, clock, update.at, update.priority)
        self._record_update(
            update_id=update_id,
            fingerprint=fingerprint,
            kind=update.kind,
            at=update.at,
            reason=update.reason,
            confirmed_by=update.confirmed_by,
            priority=update.priority,
            due_before=due_before,
            due_after=due_after,
        )
        if update.kind in MILESTONES:
            self._record_stopped_targets(update, policy, clock)
        self._reschedule(policy, clock)
        return True

    def _record_stopped_targets(self, update: Update, policy: Policy, clock: BusinessClock) -> None:
        """Records the outcome of each running target this milestone stopped."""
        stopping = {t.name for t in policy.targets[self.priority] if t.stop == update.kind}
        for view in self.targets(policy, clock, update.at):
            if view.name in stopping and view.started_at is not None and view.stopped_at == update.at:
                self._record_target_stopped(
                    cycle=self.cycle, target=view.name, priority=self.priority,
                    policy=self.policy_id, policy_version=self.policy_version,
                    started_at=view.started_at, stopped_at=update.at, due_at=view.due_at,
                    elapsed_seconds=view.elapsed.total_seconds(),
                    duration_seconds=view.duration.total_seconds(),
                    met=view.elapsed <= view.duration,
                )

    @event("TargetStopped")
    def _record_target_stopped(
        self, cycle: int, target: str, priority: Priority, policy: str, policy_version: int,
        started_at: datetime, stopped_at: datetime, due_at: datetime | None,
        elapsed_seconds: float, duration_seconds: float, met: bool,
    ) -> None:
        """Its stop milestone met the target (`met`) or came late; the business time it took."""

    def _dues(self, policy: Policy, clock: BusinessClock, at: datetime, priority: Priority) -> dict[str, Any]:
        return {
            view.name: view.due_at.isoformat() if view.due_at else None
            for view in self.targets(policy, clock, at, priority)
            if view.started_at is not None and view.stopped_at is None
        }

    def _check(self, update: Update) -> None:
        kind, state = update.kind, self.state

        def reject(why: str) -> UpdateRejected:
            return UpdateRejected(f"{kind} is not possible: {why}")

        if update.at < self.last_update_at:
            raise reject(f"it happened at {update.at.isoformat()}, before the ticket's last"
                         f" update at {self.last_update_at.isoformat()}")
        if state is State.CLOSED and kind != REOPENED:
            raise reject("the ticket is closed")
        waiting = bool(self.pauses) and self.pauses[-1][1] is None
        if waiting and kind not in (CUSTOMER_REPLIED, PRIORITY_CHANGED):
            raise reject(f"the ticket is waiting for the customer ({self.pause_reason})")
        required = {
            "first-response": (State.OPEN,),
            "problem-confirmed": (State.RESPONDED,),
            "solution-given": (State.CONFIRMED,),
            "remote-support-started": (State.OPEN, State.RESPONDED, State.CONFIRMED),
            "onsite-requested": (State.OPEN, State.RESPONDED, State.CONFIRMED),
            "engineer-onsite": (State.OPEN, State.RESPONDED, State.CONFIRMED),
            WAITING_FOR_CUSTOMER: (State.RESPONDED, State.CONFIRMED),
            CLOSE_CONFIRMED: (State.SOLVED,),
            REOPENED: (State.SOLVED, State.CLOSED),
        }.get(kind)
        if required is not None and state not in required:
            raise reject(f"the ticket is {state.value}")
        if kind in MILESTONES and kind in self.milestones:
            raise reject(f"{kind} was recorded in this cycle already")
        if kind == "engineer-onsite" and "onsite-requested" not in self.milestones:
            raise reject("no on-site visit was requested in this cycle")
        if kind == CUSTOMER_REPLIED and not waiting:
            raise reject("the ticket is not waiting for the customer")
        if kind == CLOSE_CONFIRMED:
            if update.confirmed_by not in CLOSERS:
                raise reject(f"confirmed_by must be one of {', '.join(CLOSERS)}")
            if update.confirmed_by in self.closed_by:
                raise reject(f"the {update.confirmed_by} confirmed already")
        if kind == PRIORITY_CHANGED and update.priority in (None, self.priority):
            raise reject(f"the ticket is {self.priority.value} already")

    @event("UpdateApplied")
    def _record_update(
        self, update_id: str, fingerprint: str, kind: str, at: datetime, reason: str,
        confirmed_by: str, priority: Priority | None, due_before: dict[str, Any],
        due_after: dict[str, Any],
    ) -> None:
        self.updates[update_id] = fingerprint
        self.last_update_at = at
        detail = reason or confirmed_by
        if kind in MILESTONES:
            self.milestones[kind] = at
            self.state = {
                "first-response": State.RESPONDED,
                "problem-confirmed": State.CONFIRMED,
                "solution-given": State.SOLVED,
            }.get(kind, self.state)
        elif kind == WAITING_FOR_CUSTOMER:
            self.pauses.append((at, None))
            self.pause_reason = reason
        elif kind == CUSTOMER_REPLIED:
            self.pauses[-1] = (self.pauses[-1][0], at)
            self.pause_reason = ""
        elif kind == CLOSE_CONFIRMED:
            self.closed_by.add(confirmed_by)
            if self.closed_by == set(CLOSERS):
                self.state = State.CLOSED
        elif kind == REOPENED:
            self.cycle += 1
            self.state = State.OPEN
            self.milestones = {"opened": at}
            self.pauses = []
            self.fired = set()
            self.closed_by = set()
        elif kind == PRIORITY_CHANGED:
            assert priority is not None
            detail = f"{self.priority.value} -> {priority.value}; due before {due_before}, after {due_after}"
            self.priority = priority
        self.history.append((at, kind, detail))
