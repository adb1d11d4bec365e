"""Escalation e-mails on the real system: sla (test policy: P0 alerted by SMS, phone and
e-mail; response 15 s) sends each threshold's mail to a real SMTP server, with the ticket and
its deadline; a mail the server refuses is sent again later, and the clock fires on."""

from __future__ import annotations

from datetime import UTC

from servicehub.events.v1 import intake_pb2 as events
from servicehub.intake.v1 import intake_pb2
from servicehub.sla.v1 import sla_pb2

ADDRESSES = {80: "team@sla.test", 90: "senior@sla.test", 95: "manager@sla.test",
             100: "emergency@sla.test"}


async def test_a_p0_ticket_s_escalations_arrive_by_email_once_each_the_refused_one_retried(
    clients, helpers, mailbox
):
    received, _ = mailbox
    opened = await clients["intake"].OpenTicket(
        intake_pb2.OpenTicketRequest(
            idempotency_key=helpers.unique("mail"), customer_id="cust-mail",
            priority=events.PRIORITY_P0, summary="all down", service_plan="7x24",
        ),
        timeout=5,
    )
    ticket_id = opened.ticket_id
    received.refuse_first(f"80% of SLA: ticket {ticket_id}")

    def mails_of_ticket():
        return [m for m in received.mails() if ticket_id in m["Subject"]]

    async def all_four():
        mails = mails_of_ticket()
        return mails if len(mails) >= 4 else None

    mails = await helpers.eventually(all_four, what="the ticket's four escalation mails")

    assert sorted((m["Subject"].split(":")[0], m["To"]) for m in mails) == [
        ("[P0] 80% of SLA", ADDRESSES[80]), ("[P0] 90% of SLA", ADDRESSES[90]),
        ("[P0] 95% of SLA", ADDRESSES[95]), ("[P0] SLA breached", ADDRESSES[100]),
    ]
    assert [m["Subject"] for m in received.refused if ticket_id in m["Subject"]] == [
        f"[P0] 80% of SLA: ticket {ticket_id} response (handling-team)"
    ]
    ticket = (await clients["sla"].GetTicket(sla_pb2.GetTicketRequest(ticket_id=ticket_id), timeout=5)).ticket
    [response] = [t for t in ticket.targets if t.name == "response"]
    assert list(response.thresholds_fired) == [80, 90, 95, 100]
    deadline = response.due_at.ToDatetime(tzinfo=UTC).isoformat()
    for mail in mails:
        body = mail.get_content()
        assert f"Ticket {ticket_id} (P0, cycle 1) reached" in body
        assert f"Deadline: {deadline} (" in body
    assert len({m["Message-ID"] for m in mails}) == 4
