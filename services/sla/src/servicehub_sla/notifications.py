"""Alerts for escalations: who is told on which channels is the policy's data (`notify`,
`contacts`); e-mail goes out over SMTP, every other channel through a webhook.

Delivery is driven from the event log, never from the deadline firing: the outbox view turns
each recorded `Ticket.Escalated` into one notification per channel of the ticket's priority,
with an id derived from (ticket, cycle, target, threshold, channel); the notifier delivers
what is due, retries failures with a growing delay, and records each delivery in the event
log as a `Delivery` of that id. So a slow or failing mail server delays mails, never clocks;
and the outbox rebuilds from the log with only the undelivered notifications pending.
A crash between sending and recording sends once more, with the same Message-ID (and
`notification_id` on the webhook) for the receiver to drop.

With several instances on one store each keeps its own outbox, but only the one that leads
(the relay's leader, servicehub_runtime.lead) delivers, checking before each notification:
two instances would otherwise send every notification twice. A new leader delivers what
its outbox holds undelivered.
"""

from __future__ import annotations

import asyncio
import json
import logging
import smtplib
import sqlite3
import ssl
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal, Protocol
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event
from prometheus_client import Counter, Gauge
from pydantic import SecretStr

from servicehub_businesstime import SHANGHAI, CalendarHorizonError
from servicehub_runtime.eventstore import IntegrityError
from servicehub_runtime.lead import Lead
from servicehub_runtime.projection import Projection, SqliteView
from servicehub_runtime.wallclock import Clock

from .application import Sla
from .domain import Ticket
from .policy import EMAIL, PolicyBook

log = logging.getLogger(__name__)

_NAMESPACE = uuid5(NAMESPACE_URL, "servicehub:sla:notification")
#: First retry after 5 s, doubling up to every 10 min.
FIRST_RETRY = timedelta(seconds=5)
LONGEST_RETRY = timedelta(minutes=10)
DELIVERY_POLL_SECONDS = 0.5
BATCH = 100
SmtpTls = Literal["none", "starttls", "implicit"]

NOTIFICATIONS = Counter(
    "servicehub_sla_notifications_total",
    "Escalation notifications by channel and outcome (delivered, failed: retried later).",
    ["channel", "outcome"],
)
NOTIFICATIONS_PENDING = Gauge(
    "servicehub_sla_notifications_pending", "Escalation notifications not delivered yet."
)


def retry_delay(attempts: int) -> timedelta:
    return min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_RETRY)


@dataclass(frozen=True)
class Notification:
    """One escalation told on one channel to the role's addresses there."""

    id: str
    channel: str
    recipients: list[str]
    ticket_id: str
    priority: str
    cycle: int
    target: str
    threshold_percent: int
    role: str
    due_at: str  # ISO instants, UTC
    escalated_at: str
    policy: str
    policy_version: int
    deadline: str = ""  # when the target runs out, as of delivery (ISO, UTC)

    @property
    def subject(self) -> str:
        what = "SLA breached" if self.threshold_percent >= 100 else f"{self.threshold_percent}% of SLA"
        return f"[{self.priority}] {what}: ticket {self.ticket_id} {self.target} ({self.role})"

    @property
    def body(self) -> str:
        def both(instant: str) -> str:
            utc = datetime.fromisoformat(instant)
            beijing = utc.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
            return f"{instant} ({beijing} Beijing)"

        return "\n".join((
            f"Ticket {self.ticket_id} ({self.priority}, cycle {self.cycle}) reached"
            f" {self.threshold_percent}% of its {self.target} target.",
            f"Alerted: {self.role}",
            f"Deadline: {both(self.deadline) if self.deadline else 'met, paused or moved on'}",
            f"Threshold due: {both(self.due_at)}",
            f"Escalated at: {both(self.escalated_at)}",
            f"Policy: {self.policy} version {self.policy_version}",
            f"Notification: {self.id}",
        ))


def notification_id(ticket_id: UUID, cycle: int, target: str, percent: int, channel: str) -> UUID:
    return uuid5(_NAMESPACE, f"{ticket_id}:{cycle}:{target}:{percent}:{channel}")


class Delivery(Aggregate):
    """A notification delivered; its id (the notification's) makes a second record conflict."""

    @event("Delivered")
    def __init__(self, id: UUID, channel: str, attempts: int, delivered_at: datetime) -> None:
        self.channel = channel
        self.attempts = attempts
        self.delivered_at = delivered_at


def _iso(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat()


class NotificationOutbox(SqliteView):
    """Notifications to deliver: one per escalation and channel the notifier can deliver."""

    # Recipients' addresses, and a server's refusal that may quote them.
    sealed_columns = frozenset({"notification", "last_error"})

    schema = """
        CREATE TABLE IF NOT EXISTS notifications (
            id TEXT PRIMARY KEY,
            channel TEXT NOT NULL,
            notification TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            last_error TEXT NOT NULL DEFAULT '',
            delivered_at TEXT
        );
        CREATE INDEX IF NOT EXISTS notifications_due ON notifications (next_attempt_at)
            WHERE delivered_at IS NULL;
    """

    def __init__(self, policies: PolicyBook, deliverable: Callable[[str], bool]) -> None:
        self._policies = policies
        self._deliverable = deliverable

    def apply(self, connection: sqlite3.Connection, domain_event: Any) -> None:
        if isinstance(domain_event, Ticket.Escalated):
            self._escalated(connection, domain_event)
        elif isinstance(domain_event, Delivery.Delivered):
            connection.execute(
                "UPDATE notifications SET delivered_at = ? WHERE id = ?",
                (_iso(domain_event.delivered_at), str(domain_event.originator_id)),
            )

    def _escalated(self, connection: sqlite3.Connection, escalated: Any) -> None:
        policy = self._policies.get(escalated.policy, escalated.policy_version)
        if policy is None:
            return  # tickets cannot run on an unloaded version; nothing to say who is told
        for channel in policy.notify.get(escalated.priority, ()):
            if not self._deliverable(channel):
                continue
            identifier = notification_id(
                escalated.originator_id, escalated.cycle, escalated.target,
                escalated.threshold_percent, channel,
            )
            notification = Notification(
                id=str(identifier),
                channel=channel,
                recipients=list(policy.contacts.get(escalated.role, {}).get(channel, ())),
                ticket_id=str(escalated.originator_id),
                priority=escalated.priority.value,
                cycle=escalated.cycle,
                target=escalated.target,
                threshold_percent=escalated.threshold_percent,
                role=escalated.role,
                due_at=_iso(escalated.due_at),
                escalated_at=_iso(escalated.escalated_at),
                policy=escalated.policy,
                policy_version=escalated.policy_version,
            )
            connection.execute(
                "INSERT OR IGNORE INTO notifications (id, channel, notification, next_attempt_at)"
                " VALUES (?, ?, ?, ?)",
                (str(identifier), channel, self.seal(json.dumps(asdict(notification))),
                 notification.escalated_at),
            )


class Sender(Protocol):
    def send(self, notification: Notification) -> None:
        """Delivers or raises."""


class SmtpSender:
    """E-mail to the role's addresses over SMTP (stdlib smtplib, one connection per mail).

    `tls`: "none", "starttls" (upgrade the plain connection before anything else; a server
    not offering it fails the delivery: never a login or mail in the clear) or "implicit"
    (TLS from the first byte, port 465). The server's certificate is checked against
    `ssl_context` (default: the system's trust store) and its host name.
    """

    def __init__(
        self, host: str, port: int, from_address: str, *, tls: SmtpTls = "none",
        ssl_context: ssl.SSLContext | None = None, username: str | None = None,
        password: SecretStr | None = None, timeout: float = 10.0,
    ) -> None:
        if (username is None) != (password is None):
            raise ValueError("give both the SMTP username and password, or neither")
        if username is not None and tls == "none":
            raise ValueError("an SMTP login needs TLS (starttls or implicit): the password would go in the clear")
        self._host, self._port, self._from, self._timeout = host, port, from_address, timeout
        self._tls = tls
        self._ssl_context = (ssl_context or ssl.create_default_context()) if tls != "none" else None
        self._username, self._password = username, password

    def _connect(self) -> smtplib.SMTP:
        if self._tls == "implicit":
            return smtplib.SMTP_SSL(self._host, self._port, timeout=self._timeout, context=self._ssl_context)
        smtp = smtplib.SMTP(self._host, self._port, timeout=self._timeout)
        if self._tls == "starttls":
            try:
                smtp.starttls(context=self._ssl_context)
            except BaseException:
                smtp.close()
                raise
        return smtp

    def send(self, notification: Notification) -> None:
        message = EmailMessage()
        message["From"] = self._from
        message["To"] = ", ".join(notification.recipients)
        message["Subject"] = notification.subject
        message["Message-ID"] = f"<{notification.id}@servicehub-sla>"
        message.set_content(notification.body)
        with self._connect() as smtp:
            if self._username is not None and self._password is not None:
                smtp.login(self._username, self._password.get_secret_value())
            smtp.send_message(message)


class WebhookSender:
    """Every other channel (SMS, phone, ticket-system message): an HTTP POST of the
    notification as JSON; any answer but 2xx is a failure."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self._url, self._timeout = url, timeout

    def send(self, notification: Notification) -> None:
        body = {**asdict(notification), "notification_id": notification.id,
                "subject": notification.subject, "text": notification.body}
        del body["id"]
        request = urllib.request.Request(
            self._url, data=json.dumps(body).encode(), method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310
            if not 200 <= response.status < 300:
                raise OSError(f"webhook answered {response.status}")


class Notifier(Projection):
    """The outbox view kept up to date, and a loop delivering its due notifications."""

    def __init__(
        self,
        sla: Sla,
        policies: PolicyBook,
        path: Path,
        clock: Clock,
        *,
        email: Sender | None,
        webhook: Sender | None,
        lead: Lead,
    ) -> None:
        self._email, self._webhook = email, webhook
        self._lead = lead
        super().__init__(sla, NotificationOutbox(policies, self._can_deliver), path)
        self._sla = sla
        self._clock = clock

    def _sender(self, channel: str) -> Sender | None:
        return self._email if channel == EMAIL else self._webhook

    def _can_deliver(self, channel: str) -> bool:
        return self._sender(channel) is not None

    def pending(self) -> list[sqlite3.Row]:
        return self.query(
            "SELECT id, channel, attempts, next_attempt_at, last_error FROM notifications"
            " WHERE delivered_at IS NULL ORDER BY next_attempt_at, id"
        )

    def deliver_due(self) -> int:
        """Delivers every notification due by now while this instance leads; returns how many
        were delivered. Catches up first: a new leader must know every delivery the last one
        recorded before it died."""
        self.catch_up()
        now = self._clock()
        rows = self.query(
            "SELECT id, channel, notification, attempts FROM notifications"
            " WHERE delivered_at IS NULL AND next_attempt_at <= ? ORDER BY next_attempt_at"
            " LIMIT ?",
            (_iso(now), BATCH),
        )
        delivered = 0
        for row in rows:
            if not self._lead.held:
                break  # another instance delivers now
            attempts = row["attempts"] + 1
            sender = self._sender(row["channel"])
            try:
                if sender is None:
                    raise LookupError(f"no sender configured for channel {row['channel']}")
                sender.send(self._with_deadline(Notification(**json.loads(row["notification"]))))
            except Exception as error:  # noqa: BLE001 - any failure is retried, never fatal
                retry_at = self._clock() + retry_delay(attempts)
                log.warning("notification %s on %s failed (attempt %d, retry at %s): %s",
                            row["id"], row["channel"], attempts, _iso(retry_at), error)
                NOTIFICATIONS.labels(row["channel"], "failed").inc()
                self.query(
                    "UPDATE notifications SET attempts = ?, next_attempt_at = ?, last_error = ?"
                    " WHERE id = ?",
                    (attempts, _iso(retry_at), self._view.seal(f"{type(error).__name__}: {error}"[:500]), row["id"]),
                )
                continue
            delivered_at = self._clock()
            try:
                self._sla.record(Delivery(id=UUID(row["id"]), channel=row["channel"],
                                          attempts=attempts, delivered_at=delivered_at))
            except IntegrityError:
                pass  # recorded before (sent again after a crash before the view caught up)
            self.query("UPDATE notifications SET attempts = ?, delivered_at = ? WHERE id = ?",
                       (attempts, _iso(delivered_at), row["id"]))
            NOTIFICATIONS.labels(row["channel"], "delivered").inc()
            delivered += 1
        NOTIFICATIONS_PENDING.set(
            self.query("SELECT count(*) FROM notifications WHERE delivered_at IS NULL")[0][0]
        )
        return delivered

    def _with_deadline(self, notification: Notification) -> Notification:
        """The target's deadline as of now; past the calendar data it is alerted without."""
        try:
            due = self._sla.target_due(
                UUID(notification.ticket_id), notification.cycle, notification.target
            )
        except CalendarHorizonError:
            due = None
        return replace(notification, deadline=_iso(due) if due else "")

    async def run(self) -> None:
        await asyncio.gather(super().run(), self._deliver_forever())

    async def _deliver_forever(self) -> None:
        while True:
            if self._lead.held:
                await asyncio.to_thread(self.deliver_due)
            await asyncio.sleep(DELIVERY_POLL_SECONDS)
