"""Handing a message over: to the SMTP server in production, to a folder in development.

With MAIL_SERVER set, messages go to it through the standard library's `smtplib`, with
STARTTLS (MAIL_USE_TLS, port 587) or TLS from the first byte (MAIL_USE_SSL, port 465), and
a login when MAIL_USERNAME is set. Without it, each message is written to MAIL_FOLDER as
an .eml file (readable by any mail program, and by admins at /admin/mail), so development
and the demo need no mail server and send nothing to anyone."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path

from flask import current_app


class Refused(Exception):
    """The server refused the message for good (a 5xx answer): trying again will not help."""


class NotNow(Exception):
    """The server could not take the message now (down, busy, a 4xx answer): try later."""


def hand_over(message: EmailMessage, file_name: str) -> None:
    """Give `message` to the SMTP server (or the mail folder). Raises Refused or NotNow."""
    config = current_app.config
    if not config["MAIL_SERVER"]:
        _write(message, Path(config["MAIL_FOLDER"]), file_name)
        return
    try:
        with _connect() as smtp:
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        exception = Refused if all(code >= 500 for code in codes) else NotNow
        raise exception(f"recipient refused: {_answers(error.recipients)}") from error
    except smtplib.SMTPResponseException as error:
        exception = Refused if error.smtp_code >= 500 else NotNow
        text = (
            error.smtp_error.decode(errors="replace")
            if isinstance(error.smtp_error, bytes)
            else error.smtp_error
        )
        raise exception(f"{error.smtp_code} {text}") from error
    except (smtplib.SMTPException, OSError) as error:
        raise NotNow(f"{type(error).__name__}: {error}") from error


def _connect() -> smtplib.SMTP:
    config = current_app.config
    host, port, timeout = config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_TIMEOUT"]
    context = ssl.create_default_context(cafile=config["MAIL_CA_FILE"])
    if config["MAIL_USE_SSL"]:
        return smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    smtp = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if config["MAIL_USE_TLS"]:
            smtp.starttls(context=context)
    except BaseException:
        smtp.close()
        raise
    return smtp


def _answers(recipients: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(
        f"{address}: {code} {text.decode(errors='replace')}"
        for address, (code, text) in recipients.items()
    )


def _write(message: EmailMessage, folder: Path, file_name: str) -> None:
    """Write the message whole or not at all: a reader never sees half a file."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{file_name}.eml"
    partial = target.with_suffix(".part")
    partial.write_bytes(bytes(message))
    partial.replace(target)
