"""Invoices, credit notes and SLA breach credits (CNY). Pure.

* An `Invoice` is issued once per billing point: its id is derived from the billing point's
  key, so a second issue (redelivery, retried deadline) conflicts instead of billing twice.
* Numbers are gapless per series and Beijing year: an `InvoiceSeries` aggregate hands out
  the next number in the same transaction that stores the document, so a number exists
  exactly when its document does; concurrent issuers conflict on the series' version and
  retry with the next number.
* An issued invoice has no method that changes its lines or total. A correction is a
  `CreditNote` (its own series) attached to the invoice, never more than what is left.
* `CustomerAccount` keeps SLA breach credits until the customer's next invoice takes them
  as credit lines — each breach once, by ticket.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from servicehub_businesstime import SHANGHAI

FEN = Decimal("0.01")
INVOICE_SERIES = "INV"
CREDIT_NOTE_SERIES = "CN"
MAX_CREDIT_REASON_CHARS = 1000
_NAMESPACE = UUID("2f6c1b7e-8d4a-4e59-b3c0-71a9e5d04f12")


def invoice_id(billing_point: str) -> UUID:
    return uuid5(_NAMESPACE, f"invoice:{billing_point}")


def credit_note_id(invoice: UUID, key: str) -> UUID:
    return uuid5(_NAMESPACE, f"credit-note:{invoice}:{key}")


def series_id(series: str, year: int) -> UUID:
    return uuid5(_NAMESPACE, f"series:{series}:{year}")


def account_id(customer_id: str) -> UUID:
    return uuid5(_NAMESPACE, f"account:{customer_id}")


def fen(amount: Decimal) -> Decimal:
    """Rounded to the fen, half up — once per line, never on a total."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class InvoiceLine:
    # "package", "on-site" or "sla-credit".
    kind: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal

    @classmethod
    def of(cls, kind: str, description: str, quantity: Decimal, unit_price: Decimal) -> InvoiceLine:
        return cls(kind, description, quantity, unit_price, fen(quantity * unit_price))


@dataclass(frozen=True)
class BreachCredit:
    ticket_id: str
    priority: str
    amount: Decimal
    breached_at: datetime


class CreditRefused(ValueError):
    """A credit note breaks a rule; `field` names the part at fault."""

    def __init__(self, field: str, description: str) -> None:
        super().__init__(f"{field}: {description}")
        self.field = field
        self.description = description


class InvoiceSeries(Aggregate):
    """The numbers of one series in one Beijing year, handed out without gaps."""

    @classmethod
    def start(cls, series: str, year: int) -> InvoiceSeries:
        return cls(id=series_id(series, year), series=series, year=year)

    @event("Started")
    def __init__(self, id: UUID, series: str, year: int) -> None:
        self.series = series
        self.year = year
        self.last_number = 0

    def take_number(self, document_id: UUID) -> str:
        self._number_taken(number=self.last_number + 1, document_id=document_id)
        return f"{self.series}-{self.year}-{self.last_number:06d}"

    @event("NumberTaken")
    def _number_taken(self, number: int, document_id: UUID) -> None:
        self.last_number = number


def beijing_year(at: datetime) -> int:
    return at.astimezone(SHANGHAI).year


class Invoice(Aggregate):
    """An issued invoice: its lines and total never change after issue."""

    @event("Issued")
    def __init__(
        self,
        id: UUID,
        number: str,
        customer_id: str,
        project_id: UUID,
        billing_point: str,
        lines: list[InvoiceLine],
        issued_at: datetime,
        rate_card_version: str,
    ) -> None:
        self.number = number
        self.customer_id = customer_id
        self.project_id = project_id
        # What was reached, e.g. "<project id>:package-accepted".
        self.billing_point = billing_point
        self.lines = tuple(lines)
        self.total = sum((line.amount for line in self.lines), Decimal("0.00"))
        self.issued_at = issued_at
        self.rate_card_version = rate_card_version
        self.credit_notes: tuple[UUID, ...] = ()
        self.credited = Decimal("0.00")

    def attach_credit_note(self, credit_note: UUID, amount: Decimal) -> None:
        """Books a credit note against this invoice (the invoice's own lines stay)."""
        if amount > self.total - self.credited:
            raise CreditRefused(
                "amount", f"{amount} exceeds what is left to credit on {self.number}: {self.total - self.credited}"
            )
        self._credit_note_attached(credit_note=credit_note, amount=amount)

    @event("CreditNoteAttached")
    def _credit_note_attached(self, credit_note: UUID, amount: Decimal) -> None:
        self.credit_notes += (credit_note,)
        self.credited += amount


class CreditNote(Aggregate):
    """A correction of an issued invoice: a negative amount with its reason."""

    @event("Issued")
    def __init__(
        self, id: UUID, number: str, invoice_id: UUID, invoice_number: str, customer_id: str,
        amount: Decimal, reason: str, issued_at: datetime,
    ) -> None:
        self.number = number
        self.invoice_id = invoice_id
        self.invoice_number = invoice_number
        self.customer_id = customer_id
        self.amount = amount
        self.reason = reason
        self.issued_at = issued_at


class CustomerAccount(Aggregate):
    """SLA breach credits waiting for the customer's next invoice."""

    @classmethod
    def open(cls, customer_id: str) -> CustomerAccount:
        return cls(id=account_id(customer_id), customer_id=customer_id)

    @event("Opened")
    def __init__(self, id: UUID, customer_id: str) -> None:
        self.customer_id = customer_id
        self.pending: tuple[BreachCredit, ...] = ()
        # Every ticket ever credited: a breach is credited once, also when redelivered.
        self.credited_tickets: frozenset[str] = frozenset()

    def add_breach_credit(self, credit: BreachCredit) -> None:
        if credit.ticket_id in self.credited_tickets:
            return
        self._breach_credited(credit=credit)

    @event("BreachCredited")
    def _breach_credited(self, credit: BreachCredit) -> None:
        self.pending += (credit,)
        self.credited_tickets |= {credit.ticket_id}

    def take_credits(self, invoice: UUID, up_to: Decimal) -> list[InvoiceLine]:
        """Credit lines for the invoice, oldest first, as long as the invoice stays
        non-negative; the rest wait for the next invoice."""
        lines, tickets, left = [], [], up_to
        for credit in self.pending:
            if credit.amount > left:
                break
            left -= credit.amount
            tickets.append(credit.ticket_id)
            lines.append(
                InvoiceLine.of(
                    "sla-credit",
                    f"SLA breach credit: ticket {credit.ticket_id} ({credit.priority})",
                    Decimal(1),
                    -credit.amount,
                )
            )
        if tickets:
            self._credits_invoiced(invoice_id=invoice, tickets=tickets)
        return lines

    @event("CreditsInvoiced")
    def _credits_invoiced(self, invoice_id: UUID, tickets: list[str]) -> None:
        self.pending = tuple(c for c in self.pending if c.ticket_id not in tickets)


def ticket_credit_id(ticket_id: str) -> UUID:
    return uuid5(_NAMESPACE, f"ticket:{ticket_id}")


class TicketCredit(Aggregate):
    """Joins what billing hears about one support ticket: its customer (TicketOpened) and its
    SLA breach (SlaBreached), in either order; once both are known the breach is credited."""

    @classmethod
    def start(cls, ticket_id: str) -> TicketCredit:
        return cls(id=ticket_credit_id(ticket_id), ticket_id=ticket_id)

    @event("Started")
    def __init__(self, id: UUID, ticket_id: str) -> None:
        self.ticket_id = ticket_id
        self.customer_id: str | None = None
        self.breach: tuple[str, datetime] | None = None
        self.credited = False

    def opened(self, customer_id: str) -> None:
        if self.customer_id is None:
            self._opened(customer_id=customer_id)

    @event("Opened")
    def _opened(self, customer_id: str) -> None:
        self.customer_id = customer_id

    def breached(self, priority: str, breached_at: datetime) -> None:
        if self.breach is None:
            self._breached(priority=priority, breached_at=breached_at)

    @event("Breached")
    def _breached(self, priority: str, breached_at: datetime) -> None:
        self.breach = (priority, breached_at)

    def credit_due(self) -> bool:
        return self.customer_id is not None and self.breach is not None and not self.credited

    def mark_credited(self) -> None:
        self._credited()

    @event("Credited")
    def _credited(self) -> None:
        self.credited = True
