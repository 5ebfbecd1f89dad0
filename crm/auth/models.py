"""Users, sections, server-side sessions and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import TYPE_CHECKING, cast

import sqlalchemy as sa
from flask_login import UserMixin  # type: ignore[import-untyped]  # no stubs, no py.typed
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import Base, IdMixin, LabelledEnum, TimestampMixin, UTCDateTime, enum_column, utcnow
from crm.i18n import marked_label

if TYPE_CHECKING:
    from crm.states.models import State


class Role(LabelledEnum):
    SECTION = "section", marked_label("role", "Section")
    COORDINATOR = "coordinator", marked_label("role", "Coordinator")
    STAFF = "staff", marked_label("role", "Staff")
    ADMIN = "admin", marked_label("role", "Admin")


class TokenScope(LabelledEnum):
    API = "api", marked_label("token scope", "Api")
    CALENDAR = "calendar", marked_label("token scope", "Calendar")


def hash_token(raw: str) -> str:
    """Tokens are stored as SHA-256 digests: they are long and random, so no salt is needed."""
    return hashlib.sha256(raw.encode()).hexdigest()


# API and calendar tokens start with a fixed mark: secret scanners recognise them, and the
# printed prefix can never begin with "-" (a command line would read it as an option).
TOKEN_MARK = "crm_"  # noqa: S105 (a public mark, not a secret)
PREFIX_LENGTH = len(TOKEN_MARK) + 8


def new_token(mark: str = "") -> str:
    return mark + secrets.token_urlsafe(32)


section_states = sa.Table(
    "section_states",
    Base.metadata,
    # Removing a section or state removes only the link row.
    sa.Column("section_id", sa.ForeignKey("sections.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("state_id", sa.ForeignKey("states.id", ondelete="CASCADE"), primary_key=True),
)

user_sections = sa.Table(
    "user_sections",
    Base.metadata,
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("section_id", sa.ForeignKey("sections.id", ondelete="CASCADE"), primary_key=True),
)


class Section(IdMixin, TimestampMixin, Base):
    """A national section of the organisation, responsible for one or more states."""

    __tablename__ = "sections"

    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    email: Mapped[str | None] = mapped_column(sa.String(254))

    states: Mapped[list[State]] = relationship(
        secondary=section_states, back_populates="sections", order_by="State.name"
    )
    members: Mapped[list[User]] = relationship(
        secondary=user_sections, back_populates="sections", order_by="User.email"
    )

    def __repr__(self) -> str:
        return f"<Section {self.name}>"


class User(UserMixin, IdMixin, TimestampMixin, Base):  # type: ignore[misc]  # UserMixin is untyped
    """Someone who signs in. What they may do follows from `role` and their sections."""

    __tablename__ = "users"

    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    is_enabled: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The second factor (TOTP, RFC 6238). The secret is kept as it is, not hashed: checking a
    # code means computing it from the secret. The pending secret is one being enrolled,
    # which replaces the active one only once a code from it has been entered.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_pending_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The time step of the last accepted code: a code is refused unless its step is later,
    # so a code seen over someone's shoulder cannot be replayed within its window.
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    # E-mail: the kinds chosen differently from the role's defaults ({"vote_ahead": false},
    # crm.mail.models.wants), and when weekly digests arrive, in the user's time zone.
    # JSONB on PostgreSQL: queries that select users DISTINCT compare every column, and
    # plain json has no equality.
    notifications: Mapped[dict[str, bool]] = mapped_column(
        sa.JSON().with_variant(JSONB(), "postgresql"), default=dict
    )
    time_zone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    digest_weekday: Mapped[int] = mapped_column(sa.SmallInteger, default=0)  # Monday
    digest_hour: Mapped[int] = mapped_column(sa.SmallInteger, default=8)
    # The interface's language (crm.i18n.LOCALES), or None: the browser's choice.
    locale: Mapped[str | None] = mapped_column(sa.String(16))

    sections: Mapped[list[Section]] = relationship(
        secondary=user_sections, back_populates="members", order_by="Section.name"
    )

    # Set by the login code: Flask-Login stores `get_id()` in the cookie, and we store the
    # server-side session token there instead of the user id, so revoking it signs out.
    session_token = cast("str | None", None)  # an instance attribute, not a column
    session_last_seen_at = cast("datetime | None", None)
    # When this browser last entered the password (and code): crm.auth.reauth.
    session_reauthenticated_at = cast("datetime | None", None)
    # The states of the user's sections as the request's sign-in read them with the session
    # (crm.auth.login), so that permissions need not load the sections; None: not read.
    loaded_state_ids = cast("frozenset[int] | None", None)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.is_enabled

    def get_id(self) -> str | None:
        return self.session_token

    @property
    def has_second_factor(self) -> bool:
        return self.totp_secret is not None

    @property
    def state_ids(self) -> frozenset[int]:
        """The states this user's sections are responsible for."""
        if self.loaded_state_ids is not None:
            return self.loaded_state_ids
        return frozenset(state.id for section in self.sections for state in section.states)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


def _forget_loaded_state_ids(target: User | Section, *_args: object) -> None:
    """A user's sections, or a section's states, changed: the states read at sign-in
    (`User.loaded_state_ids`) no longer hold for any user of that session."""
    users = [target] if isinstance(target, User) else []
    session = sa.orm.object_session(target)
    if session is not None:
        users += [row for row in session.identity_map.values() if isinstance(row, User)]
    for user in users:
        user.loaded_state_ids = None


for _collection in (User.sections, Section.states):
    for _change in ("append", "remove"):
        sa.event.listen(_collection, _change, _forget_loaded_state_ids)


class IssuedToUserMixin:
    """A secret issued to one user (a browser session, a recovery code, an API token), kept
    only as its hash."""

    id: Mapped[int] = mapped_column(primary_key=True)
    # What was issued to a user goes with the user.
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UserSession(IssuedToUserMixin, Base):
    """A signed-in browser. Revoking the row signs that browser out, wherever its cookie is."""

    __tablename__ = "user_sessions"

    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ip_address: Mapped[str | None] = mapped_column(sa.String(64))
    user_agent: Mapped[str | None] = mapped_column(sa.String(300))
    # When this browser last proved who it is (signing in counts): sensitive changes need it
    # to be recent (crm.auth.reauth), and it ends with the session.
    reauthenticated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class RecoveryCode(IssuedToUserMixin, Base):
    """A one-time code that stands in for the authenticator app, stored only as its hash."""

    __tablename__ = "recovery_codes"

    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SignInThrottle(Base):
    """Failed sign-ins of one account, counted in the database so every worker shares them.

    Keyed by the hash of the normalised e-mail, whether or not an account has it: an unknown
    address is throttled like a known one and tells an attacker nothing (and a password
    typed into the e-mail field is not kept in clear).
    """

    __tablename__ = "sign_in_throttles"

    key_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # How many times the account was locked recently: each lockout lasts twice the last.
    lockouts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ApiToken(IssuedToUserMixin, Base):
    """A bearer token for the API or the calendar feed, stored only as its hash."""

    __tablename__ = "api_tokens"

    name: Mapped[str] = mapped_column(sa.String(120))
    scope: Mapped[TokenScope] = mapped_column(enum_column(TokenScope, "token_scope"))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The first characters, shown in lists so people can tell their tokens apart.
    prefix: Mapped[str] = mapped_column(sa.String(12))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
