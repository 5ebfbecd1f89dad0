"""Writing a message: its two parts from templates, its links, and its headers.

Messages are written where no request is (a worker, the scheduler, `crm notify`), so
their links are built from PUBLIC_URL (or SERVER_NAME), never from a request's Host. The
templates are rendered without the app's context processors: a message holds only what it
is given, and loads nothing from another host (no images, fonts or styles by URL).

Each message is written in its recipient's language (their account's, English when they
chose none: a message has no browser to follow), whoever's request or worker writes it:
its subject, both parts, their dates and the labels in them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from itsdangerous import BadSignature, URLSafeSerializer

from crm.i18n import DEFAULT_LOCALE, LOCALES, right_to_left

if TYPE_CHECKING:
    from crm.auth.models import User
    from crm.mail.models import Notification, OutboxMessage

_UNSUBSCRIBE_SALT = "unsubscribe"


def public_base() -> str:
    """Where links in messages point: PUBLIC_URL, else the served host name."""
    config = current_app.config
    if config["PUBLIC_URL"]:
        return str(config["PUBLIC_URL"])
    host = config["SERVER_NAME"] or "127.0.0.1:5000"
    return f"{config['PREFERRED_URL_SCHEME']}://{host}"


def public_url(endpoint: str, **values: Any) -> str:
    """The absolute address of a page, for a message."""
    base = urlsplit(public_base())
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_UNSUBSCRIBE_SALT)


def unsubscribe_token(user_id: int, kind: Notification) -> str:
    """A signed token naming a user and a kind of message: whoever holds the message may
    stop that kind of message, and nothing else, without signing in."""
    return str(_serializer().dumps([user_id, kind.value]))


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    try:
        user_id, kind = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(user_id, int) or not isinstance(kind, str):
        return None
    return user_id, kind


def language_of(user: User) -> str:
    """The language `user` reads their messages in: their account's, else English."""
    locale = getattr(user, "locale", None)
    return str(locale) if locale in LOCALES else DEFAULT_LOCALE


@contextmanager
def in_language_of(user: User) -> Iterator[None]:
    """What is said in this block (`gettext`, enum labels, dates) is said in `user`'s
    language, whatever the request or worker it runs in."""
    with force_locale(language_of(user)):
        yield


def render(kind: Notification, user: User, context: dict[str, Any]) -> tuple[str, str]:
    """The plain text and HTML parts of a message of `kind` to `user`, in their language."""
    env = current_app.jinja_env
    code = language_of(user)
    values = {
        **context,
        "kind": kind,
        "recipient": user,
        "link": public_url,
        "settings_url": public_url("mail.settings"),
        "unsubscribe_url": public_url("mail.unsubscribe", token=unsubscribe_token(user.id, kind)),
        "html_lang": code,
        "html_dir": "rtl" if right_to_left(code) else "ltr",
    }
    with in_language_of(user):
        text = env.get_template(f"mail/{kind.value}.txt").render(values)
        html = env.get_template(f"mail/{kind.value}.html").render(values)
    return text, html


def email_message(message: OutboxMessage) -> EmailMessage:
    """The message as it goes on the wire: multipart (text, then HTML), with the one-click
    unsubscribe headers of RFC 8058."""
    config = current_app.config
    unsubscribe = public_url(
        "mail.unsubscribe", token=unsubscribe_token(message.user_id, message.kind)
    )
    email = EmailMessage()
    email["Subject"] = message.subject
    email["From"] = config["MAIL_SENDER"]
    email["To"] = formataddr((message.user.name, message.recipient))
    email["Date"] = formatdate(usegmt=True)
    email["Message-ID"] = make_msgid(
        idstring=f"outbox-{message.id}", domain=urlsplit(public_base()).hostname or "localhost"
    )
    email["List-Unsubscribe"] = f"<{unsubscribe}>"
    email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    # No out-of-office replies to a reminder, and no reply expected.
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.body_text)
    email.add_alternative(message.body_html, subtype="html")
    return email
