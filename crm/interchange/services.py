"""Calendar links: a user's own tokens of scope `calendar`, created and revoked."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from crm.audit.services import record
from crm.auth.models import ApiToken, TokenScope
from crm.auth.permissions import Page, require
from crm.auth.services import create_token
from crm.db import utcnow
from crm.errors import NotFound, ValidationFailed
from crm.extensions import db

if TYPE_CHECKING:
    from crm.auth.models import User

# A user keeps a few links (phone, laptop, shared calendar); more is a sign of a leak.
MAX_LINKS = 10


def calendar_tokens(user: User) -> list[ApiToken]:
    """The user's live calendar links, newest first."""
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(
                ApiToken.user_id == user.id,
                ApiToken.scope == TokenScope.CALENDAR,
                ApiToken.revoked_at.is_(None),
            )
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def create_calendar_link(actor: User, *, name: str) -> tuple[str, ApiToken]:
    """A new calendar token for the actor; the raw value is returned once, never stored."""
    name = (name or "").strip() or "Calendar"
    if len(name) > 120:
        raise ValidationFailed("At most 120 characters.", field="name")
    if len(calendar_tokens(actor)) >= MAX_LINKS:
        raise ValidationFailed(
            f"You already have {MAX_LINKS} calendar links: revoke one you no longer use."
        )
    return create_token(actor, actor, name=name, scope=TokenScope.CALENDAR)


def revoke_calendar_link(actor: User, token: ApiToken) -> None:
    """Revoke a calendar link: the actor's own, or (for admins) anyone's."""
    if token.scope is not TokenScope.CALENDAR:
        raise NotFound("No such calendar link.")
    if token.user_id != actor.id:
        require(actor, "view", Page.USER_ADMIN)
    if token.revoked_at is not None:
        return
    token.revoked_at = utcnow()
    db.session.flush()
    record(actor, "token_revoked", token, summary=f"calendar link {token.prefix}…")


def record_export(
    actor: User | None,
    target: object,
    *,
    what: str,
    restricted: bool = False,
    via: str = "web",
    actor_label: str | None = None,
) -> None:
    """Audit a download of data (CSV, Popolo), so a leaked file can be traced back.

    Call in a short transaction of its own, before the file is sent.
    """
    entry = record(
        actor,
        "data.exported",
        target,
        summary=f"{what}"
        + (", with restricted content" if restricted else "")
        + (" (command line)" if via == "cli" else ""),
        after={"what": what, "restricted_content": restricted, "via": via},
        actor_email=actor_label,
    )
    # An export changes no data: the state's risk need not be re-checked on commit.
    if entry.state_id is not None:
        db.session.info.get("risk_states", set()).discard(entry.state_id)
    db.session.flush()
