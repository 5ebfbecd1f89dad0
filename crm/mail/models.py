"""What people may receive by e-mail, and the outbox: every message, once.

The outbox row is the truth about a message. Its (recipient, kind, about) is unique, so a
reminder asked for twice (two schedulers, a task delivered twice, `crm notify` run by hand
while the scheduler runs) is queued once; a row is handed to the SMTP server only by the
worker that moved it from waiting to sending, so it is sent at most once."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import Base, IdMixin, LabelledEnum, TimestampMixin, UTCDateTime, enum_column
from crm.i18n import marked_label

if TYPE_CHECKING:
    from crm.auth.models import User


class Notification(LabelledEnum):
    """The kinds of message a user may choose to receive."""

    FOLLOW_UP_DUE = "follow_up_due", marked_label("notification", "Follow-ups due tomorrow")
    FOLLOW_UP_OVERDUE = (
        "follow_up_overdue",
        marked_label("notification", "Follow-ups that have become overdue"),
    )
    VOTE_AHEAD = (
        "vote_ahead",
        marked_label("notification", "Votes ahead (when scheduled or moved, 14 and 3 days before)"),
    )
    EVENT_REMINDER = (
        "event_reminder",
        marked_label("notification", "Events you take part in, the day before"),
    )
    SECTION_DIGEST = (
        "section_digest",
        marked_label("notification", "Weekly digest of your section's states"),
    )
    COORDINATOR_DIGEST = (
        "coordinator_digest",
        marked_label("notification", "Weekly campaign digest"),
    )


# Who gets what unless they choose otherwise: the people each message is for.
DEFAULTS: dict[str, frozenset[Notification]] = {
    "section": frozenset(
        {
            Notification.FOLLOW_UP_DUE,
            Notification.FOLLOW_UP_OVERDUE,
            Notification.VOTE_AHEAD,
            Notification.EVENT_REMINDER,
            Notification.SECTION_DIGEST,
        }
    ),
    "coordinator": frozenset(
        {
            Notification.FOLLOW_UP_DUE,
            Notification.FOLLOW_UP_OVERDUE,
            Notification.VOTE_AHEAD,
            Notification.EVENT_REMINDER,
            Notification.COORDINATOR_DIGEST,
        }
    ),
    "staff": frozenset({Notification.FOLLOW_UP_DUE, Notification.FOLLOW_UP_OVERDUE}),
    "admin": frozenset({Notification.FOLLOW_UP_DUE, Notification.FOLLOW_UP_OVERDUE}),
}

# Which kinds a role may choose at all: a digest of states one cannot read is no use.
OFFERED: dict[str, tuple[Notification, ...]] = {
    "section": tuple(n for n in Notification if n is not Notification.COORDINATOR_DIGEST),
    "coordinator": tuple(Notification),
    "staff": (
        Notification.FOLLOW_UP_DUE,
        Notification.FOLLOW_UP_OVERDUE,
        Notification.VOTE_AHEAD,
        Notification.EVENT_REMINDER,
    ),
    "admin": tuple(Notification),
}


def offered(user: User) -> tuple[Notification, ...]:
    return OFFERED[user.role.value]


def wants(user: User, kind: Notification) -> bool:
    """Whether `user` receives `kind`: their own choice, else their role's default."""
    if not user.is_enabled or kind not in offered(user):
        return False
    chosen: dict[str, Any] = user.notifications or {}
    if kind.value in chosen:
        return bool(chosen[kind.value])
    return kind in DEFAULTS[user.role.value]


class MessageStatus(LabelledEnum):
    QUEUED = "queued", marked_label("message status", "Queued")
    # Taken by a worker and being handed to the SMTP server.
    SENDING = "sending", marked_label("message status", "Sending")
    SENT = "sent", marked_label("message status", "Sent")
    # The SMTP server could not take it; tried again later.
    RETRYING = "retrying", marked_label("message status", "Retrying")
    # Refused for good, out of attempts, or its worker stopped while handing it over (it
    # may or may not have gone: never sent again on its own, an admin decides).
    FAILED = "failed", marked_label("message status", "Failed")
    # Its recipient stopped this kind of message, or lost their account, before it went.
    CANCELLED = "cancelled", marked_label("message status", "Cancelled")


class OutboxMessage(IdMixin, TimestampMixin, Base):
    """One e-mail to one person, as rendered when it was queued."""

    __tablename__ = "outbox"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "kind", "about"),
        sa.Index("ix_outbox_status_next", "status", "next_attempt_at"),
    )

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    # The address when it was queued: the one it went to.
    recipient: Mapped[str] = mapped_column(sa.String(254))
    kind: Mapped[Notification] = mapped_column(enum_column(Notification, "notification"))
    # What or which period it is about: "follow_up:12:due:2026-12-04", "week:2026-W49".
    about: Mapped[str] = mapped_column(sa.String(160))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[MessageStatus] = mapped_column(
        enum_column(MessageStatus, "message_status"), default=MessageStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The Message-ID it was sent with, to find it in the SMTP server's logs.
    message_id: Mapped[str | None] = mapped_column(sa.String(300))

    user: Mapped[User] = relationship()
