"""Reads for the data pages."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from crm.auth.models import ApiToken
from crm.extensions import db
from crm.parliament.models import Chamber
from crm.states.models import State

# Ids from URLs stop here: PostgreSQL integers end there, and no row has a bigger id.
MAX_ID = 2**31 - 1


def find_chamber(state: State, name: str) -> Chamber | None:
    """A chamber of the state by name (exact, else ignoring case)."""
    chambers = state.chambers
    exact = [c for c in chambers if c.name == name.strip()]
    loose = [c for c in chambers if c.name.casefold() == name.strip().casefold()]
    found = exact or loose
    return found[0] if found else None


def get_chamber(state: State, chamber_id: int) -> Chamber | None:
    if not 0 < chamber_id <= MAX_ID:
        return None
    return next((c for c in state.chambers if c.id == chamber_id), None)


def live_tokens() -> list[ApiToken]:
    """Every token of every user not revoked (expired ones too: the page marks them), for
    the administrators' page (newest first)."""
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.revoked_at.is_(None))
            .options(selectinload(ApiToken.user))
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def get_token(token_id: int) -> ApiToken | None:
    if not 0 < token_id <= MAX_ID:
        return None
    return db.session.get(ApiToken, token_id)
