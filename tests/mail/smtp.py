"""A real SMTP server on loopback (aiosmtpd) that demands STARTTLS and a login, keeps what
it receives, and can be told to answer "not now" or "never" to the next messages."""

from __future__ import annotations

import contextlib
import email
import email.policy
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USERNAME = "crm"
PASSWORD = "relay-password"


@dataclass
class Inbox:
    """What the server accepted, and how it answers the next messages."""

    received: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    # Answers for the next DATA commands ("451 …", "550 …"), used up in order.
    answers: list[str] = field(default_factory=list)
    logins: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.answers:
            return self.answers.pop(0)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(message)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login.decode(), data.password.decode()) == (
            USERNAME,
            PASSWORD,
        )
        self.logins += ok
        return AuthResult(success=ok)


@dataclass
class SmtpServer:
    port: int
    ca_file: str
    inbox: Inbox

    def settings(self) -> dict[str, Any]:
        """The app's MAIL_* settings for this server."""
        return {
            "MAIL_SERVER": "localhost",
            "MAIL_PORT": self.port,
            "MAIL_USE_TLS": True,
            "MAIL_USE_SSL": False,
            "MAIL_USERNAME": USERNAME,
            "MAIL_PASSWORD": PASSWORD,
            "MAIL_CA_FILE": self.ca_file,
            "MAIL_SENDER": "Campaign CRM <crm@crm.example.org>",
            "MAIL_TIMEOUT": 10.0,
            "PUBLIC_URL": "https://crm.example.org",
        }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def smtp_server(tmp_path: Path) -> Iterator[SmtpServer]:
    """A server on 127.0.0.1 with a certificate for "localhost" from a CA made for the
    test: the client must upgrade with STARTTLS, check the certificate and log in."""
    ca = trustme.CA()
    certificate = ca.issue_cert("localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(context)
    ca_file = tmp_path / "mail-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    inbox = Inbox()
    port = _free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        auth_required=True,
        authenticator=inbox.authenticate,
        server_hostname="localhost",
    )
    controller.start()
    try:
        yield SmtpServer(port=port, ca_file=str(ca_file), inbox=inbox)
    finally:
        controller.stop()


# The fixtures of the tests that send mail (tests/mail, tests/i18n): a real SMTP server on
# loopback, and an app on an empty database that sends to it.
@pytest.fixture
def server(tmp_path: Path):
    with smtp_server(tmp_path) as running:
        yield running


@pytest.fixture
def mail_app(databases, tmp_path: Path, server):
    from tests.conftest import app_on

    with app_on(databases, "empty", tmp_path, **server.settings()) as app:
        yield app


def message_parts(message: EmailMessage) -> tuple[str, str]:
    """The text and HTML parts of a message sent, both required."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None
    assert html is not None
    return text.get_content(), html.get_content()
