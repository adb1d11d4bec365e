"""Acceptance of a project's deliverables on business time (seed 001 §25 4.3, §27 7.4). Pure.

One `DeliverableAcceptance` aggregate per (project, deliverable); its id is derived from
both, so a second first submission conflicts. A deliverable is a milestone of the project
(its code), or the whole package (`PACKAGE_DELIVERABLE`) when the service has no milestones.

* Submitted → the customer has the service's window (5 working days: until 00:00 Beijing
  after the 5th working day) to accept or to raise non-conformance points in writing.
* Points (round 1) → the provider must answer each within 10 working days of the notice.
* Answered and resubmitted → a new window. Points again (round 2 and later) → besides the
  answers, both sides must meet within 3 working days of the notice.
* Silence until the window ends → deemed accepted at the window's end (when the service
  says silence is acceptance); put to production use → deemed accepted at once.

Every deadline is a runtime `Deadline` in the event that starts it; the scheduler fires it
and the handler records the outcome with it, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from servicehub_businesstime import SHANGHAI, BusinessCalendar
from servicehub_runtime.deadlines import Deadline

from .catalogue import Acceptance

ACCEPTANCE_WINDOW = "acceptance-window"
ANSWER_DUE = "non-conformance-answer"
MEETING_DUE = "non-conformance-meeting"
PACKAGE_DELIVERABLE = "package"
MAX_POINTS = 100
MAX_POINT_CHARS = 2000
_NAMESPACE = UUID("6a0f3d8e-2b57-4c41-8e0a-93d1f6b2c7a4")


def acceptance_id(project_id: UUID, deliverable: str) -> UUID:
    return uuid5(_NAMESPACE, f"{project_id}:{deliverable}")


class AcceptanceState(StrEnum):
    NOT_SUBMITTED = "not_submitted"
    SUBMITTED = "submitted"
    POINTS_RAISED = "points_raised"
    POINTS_ANSWERED = "points_answered"
    ACCEPTED = "accepted"


class WrongState(Exception):
    """The command does not fit the deliverable's state (gRPC FAILED_PRECONDITION)."""

    def __init__(self, deliverable: str, state: AcceptanceState, action: str) -> None:
        super().__init__(f"deliverable {deliverable} is {state.value}: cannot {action}")
        self.state = state


class AcceptanceRefused(ValueError):
    """A command breaks a rule; `field` names the part at fault (INVALID_ARGUMENT)."""

    def __init__(self, field: str, description: str) -> None:
        super().__init__(f"{field}: {description}")
        self.field = field
        self.description = description


@dataclass(frozen=True)
class AcceptanceRules:
    """The catalogue's acceptance terms, copied onto the deliverable when first submitted
    so that a later catalogue version does not change a running acceptance."""

    window_days: int | None
    window_day_kind: str | None
    deemed_on_silence: bool
    answer_working_days: int | None
    meeting_working_days: int | None
    production_use_deems_accepted: bool

    @classmethod
    def of(cls, acceptance: Acceptance) -> AcceptanceRules:
        window = acceptance.window
        nc = acceptance.non_conformance
        return cls(
            window_days=window.days if window else None,
            window_day_kind=window.day_kind if window else None,
            deemed_on_silence=bool(window and window.on_silence == "deemed_accepted"),
            answer_working_days=nc.answer_working_days if nc else None,
            meeting_working_days=nc.meeting_working_days if nc else None,
            production_use_deems_accepted=acceptance.production_use_deems_accepted,
        )


def _end_of(calendar: BusinessCalendar, at: datetime, days: int, day_kind: str) -> datetime:
    """00:00 Beijing after the `days`-th (working or calendar) day after `at`'s Beijing day."""
    if day_kind == "working":
        return calendar.working_days_window(at, days).end
    last_day = at.astimezone(SHANGHAI).date() + timedelta(days=days)
    return datetime.combine(last_day + timedelta(days=1), time(), SHANGHAI).astimezone(at.tzinfo)


class DeliverableAcceptance(Aggregate):
    """The acceptance of one deliverable of one project."""

    @classmethod
    def submit_first(
        cls,
        *,
        project_id: UUID,
        deliverable: str,
        customer_id: str,
        final: bool,
        rules: AcceptanceRules,
        submitted_at: datetime,
        calendar: BusinessCalendar,
    ) -> DeliverableAcceptance:
        return cls(
            id=acceptance_id(project_id, deliverable),
            project_id=project_id,
            deliverable=deliverable,
            customer_id=customer_id,
            final=final,
            rules=rules,
            submitted_at=submitted_at,
            deadlines=_window(rules, 1, submitted_at, calendar),
        )

    @event("Submitted")
    def __init__(
        self,
        id: UUID,
        project_id: UUID,
        deliverable: str,
        customer_id: str,
        final: bool,
        rules: AcceptanceRules,
        submitted_at: datetime,
        deadlines: list[Deadline],
    ) -> None:
        self.project_id = project_id
        self.deliverable = deliverable
        self.customer_id = customer_id
        # Accepting the final deliverable accepts the package: the billing point.
        self.final = final
        self.rules = rules
        self.state = AcceptanceState.SUBMITTED
        self.round = 1
        self.submitted_at = submitted_at
        self._start_window(deadlines)
        self.points: tuple[str, ...] = ()
        self.answers: tuple[str, ...] = ()
        self.answer_due: datetime | None = None
        self.meeting_due: datetime | None = None
        self.meeting_held_at: datetime | None = None
        self.overdue: tuple[str, ...] = ()
        self.accepted_at: datetime | None = None
        self.deemed = False
        self.acceptance_reason = ""

    def _start_window(self, deadlines: list[Deadline]) -> None:
        window = next((d for d in deadlines if d.kind == ACCEPTANCE_WINDOW), None)
        self.window_end = window.due if window else None
        self.calendar_version = window.calendar_version if window else ""

    def _expect(self, action: str, *states: AcceptanceState) -> None:
        if self.state not in states:
            raise WrongState(self.deliverable, self.state, action)

    def resubmit(self, submitted_at: datetime, calendar: BusinessCalendar) -> None:
        """The provider hands the deliverable in again after answering every point."""
        self._expect("resubmit: only after answering the points", AcceptanceState.POINTS_ANSWERED)
        self._resubmitted(
            submitted_at=submitted_at,
            deadlines=_window(self.rules, self.round + 1, submitted_at, calendar),
            cancelled_deadlines=[ANSWER_DUE],
        )

    @event("Resubmitted")
    def _resubmitted(
        self, submitted_at: datetime, deadlines: list[Deadline], cancelled_deadlines: list[str]
    ) -> None:
        self.state = AcceptanceState.SUBMITTED
        self.round += 1
        self.submitted_at = submitted_at
        self.answer_due = None
        self._start_window(deadlines)

    def accept(self, at: datetime) -> None:
        """The customer accepts in writing (after a silent window, it was deemed already)."""
        self._expect("accept", AcceptanceState.SUBMITTED)
        if not self._accepted_by_silence(at):
            self._accept(at, deemed=False, reason="accepted in writing")

    def _accepted_by_silence(self, at: datetime) -> bool:
        """Records the deemed acceptance of a window that ended silently before `at` and
        whose deadline has not fired yet (a late scheduler must not change the outcome)."""
        if (
            self.state is AcceptanceState.SUBMITTED
            and self.rules.deemed_on_silence
            and self.window_end is not None
            and at >= self.window_end
        ):
            self._accept(self.window_end, deemed=True, reason=_SILENCE)
            return True
        return False

    def put_into_production(self, at: datetime) -> None:
        """The customer uses the deliverable in production: deemed accepted at once."""
        if not self.rules.production_use_deems_accepted:
            raise AcceptanceRefused(
                "deliverable", "this service's terms do not deem production use acceptance"
            )
        self._expect(
            "be put into production",
            AcceptanceState.SUBMITTED,
            AcceptanceState.POINTS_RAISED,
            AcceptanceState.POINTS_ANSWERED,
        )
        if not self._accepted_by_silence(at):
            self._accept(at, deemed=True, reason="put into production use")

    def raise_points(self, points: list[str], at: datetime, calendar: BusinessCalendar) -> None:
        """The customer names non-conformance points in writing, within the window."""
        self._expect("raise non-conformance points", AcceptanceState.SUBMITTED)
        if not points or len(points) > MAX_POINTS:
            raise AcceptanceRefused("points", f"name 1–{MAX_POINTS} non-conformance points")
        for i, point in enumerate(points):
            if not point.strip() or len(point) > MAX_POINT_CHARS:
                raise AcceptanceRefused(f"points[{i}]", f"must be 1–{MAX_POINT_CHARS} characters")
        if self.window_end is not None and not at < self.window_end:
            raise WrongState(
                self.deliverable, self.state,
                f"raise points after the window ended at {self.window_end.isoformat()}",
            )
        deadlines = []
        version = calendar.version
        if self.rules.answer_working_days:
            due = calendar.working_days_window(at, self.rules.answer_working_days).end
            deadlines.append(Deadline(ANSWER_DUE, self.round, due, version))
        if self.round > 1 and self.rules.meeting_working_days:
            due = calendar.working_days_window(at, self.rules.meeting_working_days).end
            deadlines.append(Deadline(MEETING_DUE, self.round, due, version))
        self._points_raised(
            points=[p.strip() for p in points],
            raised_at=at,
            deadlines=deadlines,
            cancelled_deadlines=[ACCEPTANCE_WINDOW],
        )

    @event("PointsRaised")
    def _points_raised(
        self,
        points: list[str],
        raised_at: datetime,
        deadlines: list[Deadline],
        cancelled_deadlines: list[str],
    ) -> None:
        self.state = AcceptanceState.POINTS_RAISED
        self.points = tuple(points)
        self.answers = ()
        self.answer_due = next((d.due for d in deadlines if d.kind == ANSWER_DUE), None)
        meeting = next((d.due for d in deadlines if d.kind == MEETING_DUE), None)
        if meeting is not None:
            self.meeting_due = meeting
            self.meeting_held_at = None

    def answer_points(self, answers: list[str], at: datetime) -> None:
        """The provider answers every point, in the points' order."""
        self._expect("answer points", AcceptanceState.POINTS_RAISED)
        if len(answers) != len(self.points):
            raise AcceptanceRefused(
                "answers", f"answer each of the {len(self.points)} points, in order (got {len(answers)})"
            )
        for i, answer in enumerate(answers):
            if not answer.strip() or len(answer) > MAX_POINT_CHARS:
                raise AcceptanceRefused(f"answers[{i}]", f"must be 1–{MAX_POINT_CHARS} characters")
        # The answer deadline stays until the resubmission: answering is half the duty.
        self._points_answered(answers=[a.strip() for a in answers], answered_at=at)

    @event("PointsAnswered")
    def _points_answered(self, answers: list[str], answered_at: datetime) -> None:
        self.state = AcceptanceState.POINTS_ANSWERED
        self.answers = tuple(answers)

    def record_meeting(self, at: datetime) -> None:
        """Both sides met about the points raised again."""
        if self.meeting_due is None or self.meeting_held_at is not None:
            raise WrongState(self.deliverable, self.state, "record a meeting: none is due")
        self._meeting_held(held_at=at, cancelled_deadlines=[MEETING_DUE])

    @event("MeetingHeld")
    def _meeting_held(self, held_at: datetime, cancelled_deadlines: list[str]) -> None:
        self.meeting_held_at = held_at

    def deadline_fell_due(self, deadline: Deadline, at: datetime) -> None:
        """A deadline fired: the window's end deems the deliverable accepted (if the terms
        say so and it is still awaiting the customer); answers or a meeting not done in time
        are flagged overdue. A stale deadline (of a round since replaced) changes nothing."""
        if deadline.kind == ACCEPTANCE_WINDOW:
            if (
                deadline.cycle == self.round
                and self.state is AcceptanceState.SUBMITTED
                and self.rules.deemed_on_silence
            ):
                self._accept(deadline.due, deemed=True, reason=_SILENCE)
        elif deadline.kind == ANSWER_DUE:
            # Cancelled by the resubmission, so still due means: not answered and resubmitted.
            if deadline.cycle == self.round and self.state is not AcceptanceState.ACCEPTED:
                self._flag_overdue(ANSWER_DUE, deadline.due, at)
        elif deadline.kind == MEETING_DUE:
            # A resubmission does not replace the meeting: only holding it (or acceptance) does.
            if (
                deadline.due == self.meeting_due
                and self.meeting_held_at is None
                and self.state is not AcceptanceState.ACCEPTED
            ):
                self._flag_overdue(MEETING_DUE, deadline.due, at)

    def _flag_overdue(self, kind: str, due: datetime, noticed_at: datetime) -> None:
        # The event carries what DeliverableOverdue publishes, so the relay needs no lookup.
        self._overdue(
            kind=kind,
            due=due,
            noticed_at=noticed_at,
            project_id=self.project_id,
            deliverable=self.deliverable,
            customer_id=self.customer_id,
            round=self.round,
        )

    @event("Overdue")
    def _overdue(
        self,
        kind: str,
        due: datetime,
        noticed_at: datetime,
        # Absent from events recorded before Overdue was published.
        project_id: UUID | None = None,
        deliverable: str = "",
        customer_id: str = "",
        round: int = 0,
    ) -> None:
        self.overdue += (kind,)

    def _accept(self, at: datetime, *, deemed: bool, reason: str) -> None:
        # The event carries what MilestoneAccepted publishes, so the relay needs no lookup.
        self._accepted(
            project_id=self.project_id,
            deliverable=self.deliverable,
            customer_id=self.customer_id,
            round=self.round,
            window_end=self.window_end,
            calendar_version=self.calendar_version,
            at=at,
            deemed=deemed,
            reason=reason,
            cancelled_deadlines=_ALL,
        )

    @event("Accepted")
    def _accepted(
        self,
        project_id: UUID,
        deliverable: str,
        customer_id: str,
        round: int,
        window_end: datetime | None,
        calendar_version: str,
        at: datetime,
        deemed: bool,
        reason: str,
        cancelled_deadlines: list[str],
    ) -> None:
        self.state = AcceptanceState.ACCEPTED
        self.accepted_at = at
        self.deemed = deemed
        self.acceptance_reason = reason


_ALL = [ACCEPTANCE_WINDOW, ANSWER_DUE, MEETING_DUE]
_SILENCE = "no written non-conformance points within the window"


def _window(
    rules: AcceptanceRules, round_: int, submitted_at: datetime, calendar: BusinessCalendar
) -> list[Deadline]:
    if rules.window_days is None or rules.window_day_kind is None:
        return []
    end = _end_of(calendar, submitted_at, rules.window_days, rules.window_day_kind)
    return [Deadline(ACCEPTANCE_WINDOW, round_, end, calendar.version)]
