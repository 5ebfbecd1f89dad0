"""A user's own tokens (calendar links and API tokens), created and revoked; the audit of
data taken out."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from crm.audit.services import record
from crm.auth.models import ApiToken, TokenScope
from crm.auth.permissions import Page, require
from crm.auth.services import TOKEN_DAYS_DEFAULT, create_token, token_expired
from crm.db import utcnow
from crm.errors import NotFound, ValidationFailed
from crm.extensions import db

if TYPE_CHECKING:
    from crm.auth.models import User

# A user keeps a few of each kind (phone, laptop, a script); more is a sign of a leak.
MAX_TOKENS = 10
# What each kind of personal token is called on its page and in the audit log.
TOKEN_NOUN = {TokenScope.CALENDAR: "calendar link", TokenScope.API: "API token"}


def personal_tokens(user: User, scope: TokenScope) -> list[ApiToken]:
    """The user's unrevoked tokens of one kind (expired ones too, shown as such), newest first."""
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(
                ApiToken.user_id == user.id, ApiToken.scope == scope, ApiToken.revoked_at.is_(None)
            )
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def create_personal_token(
    actor: User, *, name: str, scope: TokenScope, days: int = TOKEN_DAYS_DEFAULT
) -> tuple[str, ApiToken]:
    """A new token of the actor's own that works for `days` days; the raw value is returned
    once, never stored."""
    calendar = scope is TokenScope.CALENDAR
    # A token not named is called by its kind, in the words of the one who makes it.
    name = (name or "").strip() or (_("Calendar link") if calendar else _("API token"))
    if len(name) > 120:
        raise ValidationFailed(_("At most 120 characters."), field="name")
    now = utcnow()
    if sum(not token_expired(t, now) for t in personal_tokens(actor, scope)) >= MAX_TOKENS:
        if calendar:
            message = ngettext(
                "You already have %(num)d calendar link: revoke one you no longer use.",
                "You already have %(num)d calendar links: revoke one you no longer use.",
                MAX_TOKENS,
            )
        else:
            message = ngettext(
                "You already have %(num)d API token: revoke one you no longer use.",
                "You already have %(num)d API tokens: revoke one you no longer use.",
                MAX_TOKENS,
            )
        raise ValidationFailed(message)
    return create_token(actor, actor, name=name, scope=scope, days=days)


def revoke_personal_token(actor: User, token: ApiToken, scope: TokenScope) -> None:
    """Revoke a token of this kind: the actor's own, or (for admins) anyone's."""
    if token.scope is not scope:
        raise NotFound(f"No such {TOKEN_NOUN[scope]}.")
    if token.user_id != actor.id:
        require(actor, "view", Page.USER_ADMIN)
    if token.revoked_at is not None:
        return
    token.revoked_at = utcnow()
    db.session.flush()
    record(actor, "token_revoked", token, summary=f"{TOKEN_NOUN[scope]} {token.prefix}…")


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
    record(
        actor,
        "data.exported",
        target,
        summary=f"{what}"
        + (", with restricted content" if restricted else "")
        + (" (command line)" if via == "cli" else ""),
        after={"what": what, "restricted_content": restricted, "via": via},
        actor_email=actor_label,
    )
    db.session.flush()
