"""Queueing messages, delivering them at most once, and each user's choices.

`queue` adds a message to the outbox unless the same (recipient, kind, about) is there
already, and sends its delivery task once the caller's transaction commits. `deliver`
moves one message from waiting to sending in a committed transaction of its own before
it talks to the SMTP server, so two deliveries of one task cannot both send it; an answer
that means "not now" puts it back to wait (with backoff), a refusal fails it for good."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from crm.audit.services import record
from crm.auth.models import User
from crm.db import utcnow, write_intent
from crm.errors import ValidationFailed
from crm.extensions import db
from crm.jobs.services import backoff, send_after_commit
from crm.mail import compose, transport
from crm.mail.models import MessageStatus, Notification, OutboxMessage, offered, wants

log = logging.getLogger(__name__)

DELIVER = "mail.deliver"
# A message still waiting this long after it was queued (or due again) lost its task
# message: it is sent again. One sending this long lost its worker mid-way.
_LOST_AFTER = timedelta(minutes=10)


def queue(
    user: User, kind: Notification, about: str, subject: str, context: dict[str, Any]
) -> OutboxMessage | None:
    """Queue a message of `kind` about `about` to `user`, unless they do not want it or it
    was queued before (whatever became of it). Returns the new message, if any.

    `subject` is said in `user`'s language (said within `compose.in_language_of(user)`);
    the parts are written in it from `context`."""
    if not wants(user, kind) or queued_before(user, kind, about):
        return None
    text, html = compose.render(kind, user, context | {"subject": subject})
    message = OutboxMessage(
        user_id=user.id,
        recipient=user.email,
        kind=kind,
        about=about,
        subject=subject[:300],
        body_text=text,
        body_html=html,
        status=MessageStatus.QUEUED,
    )
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:
        return None  # queued at this moment by another scheduler
    send_after_commit(DELIVER, message.id)
    return message


def queued_before(user: User, kind: Notification, about: str) -> bool:
    """Whether a message of `kind` about `about` was queued to `user` before (whatever
    became of it): a caller may ask before the work of composing one."""
    exists = sa.select(OutboxMessage.id).where(
        OutboxMessage.user_id == user.id, OutboxMessage.kind == kind, OutboxMessage.about == about
    )
    return db.session.scalar(exists) is not None


def deliver(message_id: int) -> float | None:
    """Hand message `message_id` over if it is still waiting. Returns the seconds to wait
    before trying again when the server could not take it now, else None."""
    if not _claim(message_id):
        return None
    message = db.session.get_one(OutboxMessage, message_id, populate_existing=True)
    if not wants(message.user, message.kind):
        _finish(message_id, MessageStatus.CANCELLED, "stopped by its recipient")
        return None
    email = compose.email_message(message)
    db.session.rollback()  # no transaction open while the SMTP server answers
    try:
        transport.hand_over(email, f"{message_id:08d}-{message.kind.value}")
    except transport.Refused as error:
        _finish(message_id, MessageStatus.FAILED, f"refused: {error}")
        return None
    except transport.NotNow as error:
        return _not_now(message_id, str(error))
    with write_intent():
        sent = db.session.get_one(OutboxMessage, message_id, populate_existing=True)
        sent.status = MessageStatus.SENT
        sent.sent_at = utcnow()
        sent.message_id = str(email["Message-ID"])[:300]
        sent.last_error = None
        db.session.commit()
    return None


def resend_lost() -> int:
    """Send again the deliveries that never reached a worker, and fail (never resend) the
    messages whose worker stopped while handing them over: they may have gone."""
    now = utcnow()
    with write_intent():
        lost = list(
            db.session.scalars(
                sa.select(OutboxMessage)
                .where(
                    sa.or_(
                        sa.and_(
                            OutboxMessage.status == MessageStatus.QUEUED,
                            OutboxMessage.updated_at < now - _LOST_AFTER,
                        ),
                        sa.and_(
                            OutboxMessage.status == MessageStatus.RETRYING,
                            OutboxMessage.next_attempt_at < now - _LOST_AFTER,
                        ),
                    )
                )
                .order_by(OutboxMessage.id)
                .limit(500)
            )
        )
        for message in lost:
            message.updated_at = now
            send_after_commit(DELIVER, message.id)
        db.session.execute(
            sa.update(OutboxMessage)
            .where(
                OutboxMessage.status == MessageStatus.SENDING,
                OutboxMessage.updated_at < now - _LOST_AFTER,
            )
            .values(
                status=MessageStatus.FAILED,
                last_error="its worker stopped while handing it over: it may or may not "
                "have been sent, so it is not sent again",
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    return len(lost)


# --- choices --------------------------------------------------------------------------------


def time_zones() -> list[str]:
    return sorted(available_timezones())


def choose(
    user: User, chosen: set[Notification], *, time_zone: str, weekday: int, hour: int
) -> None:
    """Save which messages `user` receives (those offered to their role), and when their
    weekly digests arrive, in their time zone. Audited."""
    try:
        ZoneInfo(time_zone)
    except (KeyError, ValueError):
        raise ValidationFailed("Choose a time zone from the list.", field="time_zone") from None
    if not 0 <= weekday <= 6:
        raise ValidationFailed("Choose a day of the week.", field="digest_weekday")
    if not 0 <= hour <= 23:
        raise ValidationFailed("Choose an hour from 0 to 23.", field="digest_hour")
    before = _settings(user)
    user.notifications = {kind.value: kind in chosen for kind in offered(user)}
    user.time_zone = time_zone
    user.digest_weekday = weekday
    user.digest_hour = hour
    _record_change(user, before)


def stop(user: User, kind: Notification) -> bool:
    """Stop `kind` for `user` (from a message's unsubscribe link). False if already off."""
    if not wants(user, kind):
        return False
    before = _settings(user)
    user.notifications = {**(user.notifications or {}), kind.value: False}
    _record_change(user, before)
    # What was queued and not yet sent is not sent.
    db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.user_id == user.id,
            OutboxMessage.kind == kind,
            OutboxMessage.status.in_([MessageStatus.QUEUED, MessageStatus.RETRYING]),
        )
        .values(status=MessageStatus.CANCELLED, last_error="stopped by its recipient")
        .execution_options(synchronize_session=False)
    )
    return True


def _settings(user: User) -> dict[str, Any]:
    return {
        "notifications": {kind.value: wants(user, kind) for kind in offered(user)},
        "time_zone": user.time_zone,
        "digest_weekday": user.digest_weekday,
        "digest_hour": user.digest_hour,
    }


def _record_change(user: User, before: dict[str, Any]) -> None:
    db.session.flush()
    after = _settings(user)
    changed = [key for key in after if after[key] != before[key]]
    record(
        user,
        "notifications_changed",
        user,
        before={key: before[key] for key in changed},
        after={key: after[key] for key in changed},
    )


# --- inside -------------------------------------------------------------------------------


def _claim(message_id: int) -> bool:
    with write_intent():
        claimed = db.session.execute(
            sa.update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id,
                OutboxMessage.status.in_([MessageStatus.QUEUED, MessageStatus.RETRYING]),
            )
            .values(
                status=MessageStatus.SENDING,
                attempts=OutboxMessage.attempts + 1,
                updated_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    return bool(claimed.rowcount)  # type: ignore[attr-defined]  # a CursorResult


def _finish(message_id: int, status: MessageStatus, error: str) -> None:
    with write_intent():
        message = db.session.get_one(OutboxMessage, message_id, populate_existing=True)
        message.status = status
        message.last_error = error[:4000]
        db.session.commit()
    if status is MessageStatus.FAILED:
        log.warning("message %s failed: %s", message_id, error)


def _not_now(message_id: int, error: str) -> float | None:
    with write_intent():
        message = db.session.get_one(OutboxMessage, message_id, populate_existing=True)
        message.last_error = error[:4000]
        if message.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
            message.status = MessageStatus.FAILED
            wait = None
        else:
            message.status = MessageStatus.RETRYING
            wait = backoff(message.attempts)
            message.next_attempt_at = utcnow() + timedelta(seconds=wait)
        db.session.commit()
    return wait
