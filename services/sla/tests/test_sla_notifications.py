"""Escalation notifications: channels and addresses come from the policy; e-mail goes to a
real SMTP server (aiosmtpd on 127.0.0.1), the other channels to a real HTTP webhook; a
failing server is retried with a growing delay while the thresholds keep firing on time."""

from __future__ import annotations

import ipaddress
import json
import socket
import ssl
import threading
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from eventsourcing.cryptography import AESCipher
from pydantic import SecretStr

from servicehub_runtime.encryption import CIPHER_TOPIC
from servicehub_runtime.lead import Lead
from servicehub_sla.domain import Priority
from servicehub_sla.notifications import Delivery, Notifier, SmtpSender, WebhookSender

OPENED = "2026-10-12 10:00"  # Monday; SPT-001 runs 7x24: P0 response 15 min


class Mailbox:
    """An aiosmtpd handler keeping every mail; refuses the first `refuse` mails with 451."""

    def __init__(self, refuse: int = 0) -> None:
        self.refuse = refuse
        self.mails: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        if self.refuse:
            self.refuse -= 1
            return "451 4.3.0 mail system busy, try again later"
        self.mails.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp():
    """Starts a local SMTP server with a Mailbox (refusing as asked); stopped at the end."""
    started = []

    def start(refuse: int = 0) -> tuple[Mailbox, SmtpSender]:
        mailbox = Mailbox(refuse)
        controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
        controller.start()
        started.append(controller)
        return mailbox, SmtpSender("127.0.0.1", controller.port, "sla@servicehub.test")

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture
def webhook():
    """A local HTTP endpoint keeping every JSON body POSTed to it."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server hook
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield received, WebhookSender(f"http://127.0.0.1:{server.server_port}/alerts")
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def notifiers(tmp_path):
    made: list[Notifier] = []

    def make(h, name="outbox", lead=None, **senders) -> Notifier:
        made.append(Notifier(h.sla, h.sla._policies, tmp_path / f"{name}.sqlite", h.clock,
                             lead=lead or Lead(held=True), **{"email": None, "webhook": None, **senders}))
        return made[-1]

    yield make
    for notifier in made:
        notifier.close()


def open_p0(h, at) -> str:
    ticket_id = uuid4()
    h.sla.register_ticket(ticket_id=ticket_id, customer_id="cust-9", priority=Priority.P0,
                          service_plan="7x24", opened_at=at(OPENED))
    return ticket_id


def test_a_p0_escalation_goes_out_by_email_sms_and_phone_at_once(harness, at, smtp, webhook, notifiers):
    h = harness(at(OPENED))
    ticket_id = open_p0(h, at)
    mailbox, email = smtp()
    posted, hook = webhook
    notifier = notifiers(h, email=email, webhook=hook)

    h.run_until(at("2026-10-12 10:12"))  # 80% of 15 min
    notifier.catch_up()
    assert notifier.deliver_due() == 3

    [(recipients, mail)] = mailbox.mails
    assert recipients == ["support-team@servicehub.example"]
    assert mail["Subject"] == f"[P0] 80% of SLA: ticket {ticket_id} response (handling-team)"
    body = mail.get_content()
    assert f"Ticket {ticket_id} (P0, cycle 1) reached 80% of its response target." in body
    assert "Deadline: 2026-10-12T02:15:00+00:00 (2026-10-12 10:15:00 Beijing)" in body
    assert "Threshold due: 2026-10-12T02:12:00+00:00 (2026-10-12 10:12:00 Beijing)" in body
    assert sorted(p["channel"] for p in posted) == ["phone", "sms"]
    assert {(p["ticket_id"], p["role"], p["threshold_percent"], p["deadline"]) for p in posted} == {
        (str(ticket_id), "handling-team", 80, "2026-10-12T02:15:00+00:00")}
    [email_id] = notifier.query("SELECT id FROM notifications WHERE channel = 'email'")
    assert mail["Message-ID"] == f"<{email_id[0]}@servicehub-sla>"
    assert notifier.pending() == []
    assert notifier.deliver_due() == 0  # delivered once


def test_a_failing_mail_server_is_retried_while_the_thresholds_fire_on_time(harness, at, smtp, notifiers):
    h = harness(at(OPENED))
    ticket_id = open_p0(h, at)
    mailbox, email = smtp(refuse=2)
    notifier = notifiers(h, email=email)  # sms and phone: no webhook here, not recorded

    h.run_until(at("2026-10-12 10:12"))
    notifier.catch_up()
    assert notifier.deliver_due() == 0  # refused (1)
    [pending] = notifier.pending()
    assert (pending["channel"], pending["attempts"], pending["next_attempt_at"]) == (
        "email", 1, "2026-10-12T02:12:05+00:00")  # retried after 5 s
    assert pending["last_error"].startswith("SMTPDataError")

    h.run_until(at("2026-10-12 10:13:30"))  # the 90% threshold fires meanwhile, on time
    assert [(p, due, fired) for _, p, _, due, fired in h.escalations(ticket_id)] == [
        (80, "Mon 2026-10-12 10:12:00", "Mon 2026-10-12 10:12:00"),
        (90, "Mon 2026-10-12 10:13:30", "Mon 2026-10-12 10:13:30"),
    ]
    notifier.catch_up()
    assert notifier.deliver_due() == 1  # 80% refused again (2), then 90% delivered
    [pending] = notifier.pending()
    assert (pending["attempts"], pending["next_attempt_at"]) == (2, "2026-10-12T02:13:40+00:00")

    h.run_until(at("2026-10-12 10:13:39"))
    assert notifier.deliver_due() == 0  # not due yet
    h.run_until(at("2026-10-12 10:13:40"))
    assert notifier.deliver_due() == 1
    assert [m["Subject"].split(":")[0] for _, m in mailbox.mails] == [
        "[P0] 90% of SLA", "[P0] 80% of SLA"]
    deliveries = [e for e in h.sla.repository.event_store.recorder.select_notifications(1, 1000)
                  if e.topic.endswith("Delivery.Delivered")]
    assert len(deliveries) == 2
    assert notifier.pending() == []


def test_the_outbox_rebuilt_from_the_log_sends_only_what_was_not_delivered(
    harness, at, smtp, notifiers
):
    h = harness(at(OPENED))
    ticket_id = open_p0(h, at)
    mailbox, email = smtp()
    first = notifiers(h, email=email)
    h.run_until(at("2026-10-12 10:12"))
    first.catch_up()
    assert first.deliver_due() == 1
    h.run_until(at("2026-10-12 10:13:30"))  # 90%: recorded, not delivered yet

    rebuilt = notifiers(h, "rebuilt", email=email)
    rebuilt.catch_up()
    [pending] = rebuilt.pending()
    assert rebuilt.deliver_due() == 1
    assert [m["Subject"] for _, m in mailbox.mails] == [
        f"[P0] 80% of SLA: ticket {ticket_id} response (handling-team)",
        f"[P0] 90% of SLA: ticket {ticket_id} response (senior-engineer)",
    ]
    [delivered] = [
        e for e in h.sla.repository.event_store.get(UUID(pending["id"]))
        if isinstance(e, Delivery.Delivered)
    ]
    assert (delivered.channel, delivered.attempts) == ("email", 1)
    assert h.clock() - delivered.delivered_at == timedelta(0)


def test_of_two_instances_only_the_one_that_leads_sends_and_a_new_leader_sends_the_rest(
    harness, at, smtp, notifiers
):
    """Two instances on one store keep an outbox each; without the lead check each would
    send every mail (its outbox knows nothing of a mail the other sent until its Delivery)."""
    h = harness(at(OPENED))
    ticket_id = open_p0(h, at)
    mailbox, email = smtp()
    first_leads, second_leads = Lead(held=True), Lead()
    first = notifiers(h, "first", lead=first_leads, email=email)
    second = notifiers(h, "second", lead=second_leads, email=email)
    h.run_until(at("2026-10-12 10:12"))
    for outbox in (first, second):
        outbox.catch_up()
    assert second.deliver_due() == 0, "a standby sends nothing"
    assert first.deliver_due() == 1
    second.catch_up()
    assert second.pending() == [], "the leader's Delivery reaches the standby's outbox"

    h.run_until(at("2026-10-12 10:13:30"))  # 90% falls due; the first instance dies
    first_leads.held, second_leads.held = False, True  # as ObservedLeadership sets them
    for outbox in (first, second):
        outbox.catch_up()
    assert first.deliver_due() == 0, "an instance that lost the lead sends nothing"
    assert second.deliver_due() == 1
    assert [m["Subject"] for _, m in mailbox.mails] == [
        f"[P0] 80% of SLA: ticket {ticket_id} response (handling-team)",
        f"[P0] 90% of SLA: ticket {ticket_id} response (senior-engineer)",
    ]


@pytest.mark.parametrize("encrypted", [True, False])
def test_the_outbox_keeps_recipients_and_errors_encrypted_when_the_store_is(
    harness, at, smtp, notifiers, tmp_path, encrypted
):
    settings = {"CIPHER_TOPIC": CIPHER_TOPIC, "CIPHER_KEY": AESCipher.create_key(32)} if encrypted else {}
    h = harness(at(OPENED), **settings)
    open_p0(h, at)
    mailbox, email = smtp(refuse=1)
    notifier = notifiers(h, "sealed", email=email)
    h.run_until(at("2026-10-12 10:12"))
    notifier.catch_up()
    assert notifier.deliver_due() == 0  # refused: the error is stored
    [pending] = notifier.pending()
    assert pending["last_error"].startswith("SMTPDataError: (451")

    on_disk = b"".join(path.read_bytes() for path in tmp_path.glob("sealed.sqlite*"))
    assert b"2026-10-12T02:12:00+00:00" in on_disk  # the rows are there (due times stay clear)
    assert (b"support-team@servicehub.example" in on_disk) is not encrypted
    assert (b"SMTPDataError" in on_disk) is not encrypted

    h.run_until(at("2026-10-12 10:12:05"))
    assert notifier.deliver_due() == 1  # read back and sent
    [(recipients, _)] = mailbox.mails
    assert recipients == ["support-team@servicehub.example"]


# --- SMTP login over TLS ----------------------------------------------------------------

USER, PASSWORD = "sla-alerts", "s3cret-Pa55word"


class TlsMailbox(Mailbox):
    """Also keeps, per mail, who logged in and whether the session was encrypted."""

    def __init__(self) -> None:
        super().__init__()
        self.sessions: list[tuple[bytes | None, bool]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        login = session.auth_data.login if session.authenticated else None
        self.sessions.append((login, server.transport.get_extra_info("ssl_object") is not None))
        return await super().handle_DATA(server, session, envelope)


def check_login(server, session, envelope, mechanism, auth_data) -> AuthResult:
    valid = auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
    # handled=False: aiosmtpd answers a refusal with 535 itself.
    return AuthResult(success=valid, handled=False, auth_data=auth_data if valid else None)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A throw-away self-signed certificate for 127.0.0.1 (PEM certificate, PEM key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "servicehub test SMTP")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    directory = tmp_path_factory.mktemp("smtp-tls")
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture
def tls_smtp(certificate):
    """Starts an SMTP server requiring a login: mode "starttls" (STARTTLS before anything
    else) or "implicit" (TLS from the first byte)."""
    cert_path, key_path = certificate
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert_path, key_path)
    started = []

    def start(mode: str) -> TlsMailbox:
        mailbox = TlsMailbox()
        tls = {"ssl_context": server_context} if mode == "implicit" else {
            "tls_context": server_context, "require_starttls": True}
        controller = Controller(
            mailbox, hostname="127.0.0.1", port=free_port(), authenticator=check_login,
            auth_required=True, auth_require_tls=mode == "starttls",  # implicit: TLS throughout
            server_hostname="127.0.0.1", **tls,
        )
        controller.start()
        started.append(controller)
        return mailbox, controller.port

    yield start
    for controller in started:
        controller.stop()


def client_context(certificate) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=certificate[0])


# aiosmtpd warns of a login without STARTTLS, which implicit TLS makes unnecessary.
IMPLICIT_TLS_LOGIN = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")


@pytest.mark.parametrize("mode", ["starttls", pytest.param("implicit", marks=IMPLICIT_TLS_LOGIN)])
def test_escalation_mail_goes_out_after_a_login_over_tls(harness, at, notifiers, tls_smtp, certificate, mode):
    h = harness(at(OPENED))
    ticket_id = open_p0(h, at)
    mailbox, port = tls_smtp(mode)
    email = SmtpSender("127.0.0.1", port, "sla@servicehub.test", tls=mode,
                       ssl_context=client_context(certificate), username=USER, password=SecretStr(PASSWORD))
    notifier = notifiers(h, email=email)

    h.run_until(at("2026-10-12 10:12"))
    notifier.catch_up()
    assert notifier.deliver_due() == 1

    [(recipients, mail)] = mailbox.mails
    assert mail["Subject"] == f"[P0] 80% of SLA: ticket {ticket_id} response (handling-team)"
    assert mailbox.sessions == [(USER.encode(), True)]


def test_a_refused_login_is_retried_and_the_password_is_never_logged(
    harness, at, notifiers, tls_smtp, certificate, caplog
):
    h = harness(at(OPENED))
    open_p0(h, at)
    mailbox, port = tls_smtp("starttls")
    wrong = "wrong-" + PASSWORD
    email = SmtpSender("127.0.0.1", port, "sla@servicehub.test", tls="starttls",
                       ssl_context=client_context(certificate), username=USER, password=SecretStr(wrong))
    notifier = notifiers(h, email=email)

    h.run_until(at("2026-10-12 10:12"))
    notifier.catch_up()
    assert notifier.deliver_due() == 0

    [pending] = notifier.pending()
    assert pending["last_error"].startswith("SMTPAuthenticationError: (535")
    assert mailbox.mails == []
    assert "failed (attempt 1" in caplog.text
    for secret in (wrong, PASSWORD):
        assert secret not in caplog.text and secret not in pending["last_error"]
        assert secret not in repr(vars(email))


def test_starttls_is_required_a_server_without_it_gets_no_mail(harness, at, notifiers, smtp, certificate):
    h = harness(at(OPENED))
    open_p0(h, at)
    mailbox, plain = smtp()  # a server offering no STARTTLS
    email = SmtpSender("127.0.0.1", plain._port, "sla@servicehub.test", tls="starttls",
                       ssl_context=client_context(certificate), username=USER, password=SecretStr(PASSWORD))
    notifier = notifiers(h, email=email)

    h.run_until(at("2026-10-12 10:12"))
    notifier.catch_up()
    assert notifier.deliver_due() == 0
    [pending] = notifier.pending()
    assert pending["last_error"].startswith("SMTPNotSupportedError")
    assert mailbox.mails == []


@IMPLICIT_TLS_LOGIN
def test_an_untrusted_server_certificate_fails_the_delivery(harness, at, notifiers, tls_smtp):
    h = harness(at(OPENED))
    open_p0(h, at)
    mailbox, port = tls_smtp("implicit")
    email = SmtpSender("127.0.0.1", port, "sla@servicehub.test", tls="implicit",  # system trust store
                       username=USER, password=SecretStr(PASSWORD))
    notifier = notifiers(h, email=email)

    h.run_until(at("2026-10-12 10:12"))
    notifier.catch_up()
    assert notifier.deliver_due() == 0
    [pending] = notifier.pending()
    assert pending["last_error"].startswith("SSLCertVerificationError")
    assert mailbox.mails == []


def test_a_login_without_tls_or_half_a_login_is_refused() -> None:
    with pytest.raises(ValueError, match="needs TLS"):
        SmtpSender("127.0.0.1", 25, "a@b.test", username=USER, password=SecretStr(PASSWORD))
    with pytest.raises(ValueError, match="both"):
        SmtpSender("127.0.0.1", 587, "a@b.test", tls="starttls", username=USER)
