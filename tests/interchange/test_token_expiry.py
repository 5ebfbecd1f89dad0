"""API tokens and calendar links expire, and end with the password or the account.

The owner chooses how long a token works when making it (90 days unless they say otherwise,
a year at most); the token pages show when each one stops. A token that has expired, or
whose owner changed their password or was disabled, opens nothing: the API answers 401 as
for an unknown token, and the calendar feed 404 as for a revoked link.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from crm.audit.models import AuditEntry
from crm.auth.models import ApiToken, Role, TokenScope
from crm.auth.services import create_token, revoke_tokens, set_user_enabled
from crm.db import utcnow
from crm.errors import ValidationFailed
from crm.extensions import db
from crm.interchange.services import MAX_TOKENS
from tests.conftest import login, post_form
from tests.factories import PASSWORD, UserFactory
from tests.interchange.factories import run

PAGES = {TokenScope.API: "/account/api-tokens", TokenScope.CALENDAR: "/account/calendar"}
NEW_PASSWORD = "a much longer new password"


@pytest.fixture
def owner(client):
    user = UserFactory(email="owner@example.org")
    assert login(client, user.email, PASSWORD).status_code == 302
    return user


def _tokens(user=None) -> list[ApiToken]:
    db.session.expire_all()
    stmt = sa.select(ApiToken).order_by(ApiToken.id)
    if user is not None:
        stmt = stmt.where(ApiToken.user_id == user.id)
    return list(db.session.scalars(stmt))


def _create_on_page(client, scope: TokenScope, **data):
    page = PAGES[scope]
    return post_form(client, page, {"name": "Phone", **data}, page=page)


def _works(app, scope: TokenScope, raw: str) -> bool:
    """Whether the token opens what it is for, asked by another program (no cookie)."""
    other = app.test_client()
    if scope is TokenScope.API:
        response = other.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
        if response.status_code == 401:
            assert response.mimetype == "application/problem+json"
            assert json.loads(response.get_data(as_text=True))["status"] == 401
            return False
    else:
        response = other.get(f"/calendar.ics?token={raw}")
        if response.status_code == 404:
            assert b"BEGIN:VCALENDAR" not in response.get_data()
            return False
    assert response.status_code == 200, response.get_data(as_text=True)
    return True


def _expire(token: ApiToken) -> None:
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()


def _listed(html: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    return [" ".join(li.get_text(" ").split()) for li in soup.select("main .row-list > li")]


def _close_to(value, expected) -> bool:
    return abs(value - expected) < timedelta(minutes=5)


# --- choosing how long a token works -----------------------------------------------------------


@pytest.mark.parametrize("scope", list(TokenScope))
def test_a_token_made_on_its_page_works_for_90_days_unless_told_otherwise(client, owner, scope):
    response = _create_on_page(client, scope)

    assert response.status_code == 200, response.get_data(as_text=True)
    [token] = _tokens()
    assert _close_to(token.expires_at, utcnow() + timedelta(days=90))
    html = response.get_data(as_text=True)
    notice = BeautifulSoup(html, "html.parser").select_one("main .notice").get_text(" ")
    assert f"It works until {token.expires_at:%d %b %Y %H:%M} UTC" in " ".join(notice.split())
    # The choice is offered with 90 days chosen.
    soup = BeautifulSoup(client.get(PAGES[scope]).get_data(as_text=True), "html.parser")
    options = {o["value"]: o.has_attr("selected") for o in soup.select("select[name=days] option")}
    assert options == {"30": False, "90": True, "180": False, "365": False}


@pytest.mark.parametrize("days", [30, 180, 365])
def test_the_owner_chooses_how_long_a_token_works(client, owner, days):
    response = _create_on_page(client, TokenScope.API, days=str(days))

    assert response.status_code == 200, response.get_data(as_text=True)
    [token] = _tokens()
    assert _close_to(token.expires_at, utcnow() + timedelta(days=days))


@pytest.mark.parametrize("days", ["366", "400", "0", "-5", "ninety", ""])
@pytest.mark.parametrize("scope", list(TokenScope))
def test_a_term_over_a_year_is_refused_next_to_the_field_and_nothing_is_made(
    client, owner, scope, days
):
    response = _create_on_page(client, scope, days=days)

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    soup = BeautifulSoup(html, "html.parser")
    error = soup.find("select", attrs={"name": "days"}).find_parent(class_="field")
    assert error.find(class_="field-error").get_text(" ", strip=True) == (
        "Error: Choose between 1 and 365 days."
    )
    assert soup.select_one("main .notice") is None
    assert _tokens() == []


@pytest.mark.parametrize("days", [0, 366, -1, True])
def test_the_service_refuses_a_term_out_of_bounds(app, days):
    user = UserFactory()
    with pytest.raises(ValidationFailed) as refused:
        create_token(None, user, name="x", scope=TokenScope.API, days=days)
    assert refused.value.field == "days"
    assert _tokens() == []


def test_the_command_line_takes_a_term_of_days(app):
    user = UserFactory(email="cli@example.org")

    made = run(app, "token", "create", user.email, "--days", "7")
    refused = run(app, "token", "create", user.email, "--days", "366")

    assert made.exit_code == 0, made.output
    [token] = _tokens()
    assert _close_to(token.expires_at, utcnow() + timedelta(days=7))
    assert f"works until {token.expires_at:%d %b %Y %H:%M} UTC" in made.output
    assert refused.exit_code != 0
    assert "366 is not in the range 1<=x<=365" in refused.output
    assert len(_tokens()) == 1
    default = run(app, "token", "create", user.email)
    assert default.exit_code == 0, default.output
    assert _close_to(_tokens()[-1].expires_at, utcnow() + timedelta(days=90))


# --- an expired token opens nothing --------------------------------------------------------------


@pytest.mark.parametrize("scope", list(TokenScope))
def test_an_expired_token_is_refused_like_an_unknown_one(app, scope):
    user = UserFactory()
    raw, token = create_token(None, user, name="x", scope=scope, days=1)
    db.session.commit()
    assert _works(app, scope, raw)

    _expire(token)

    assert not _works(app, scope, raw)


@pytest.mark.parametrize(("age", "works"), [(89, True), (91, False)])
def test_a_token_made_before_tokens_expired_lasts_90_days_from_its_creation(app, age, works):
    user = UserFactory()
    raw, token = create_token(None, user, name="old", scope=TokenScope.API)
    token.expires_at = None
    token.created_at = utcnow() - timedelta(days=age)
    db.session.commit()

    assert _works(app, TokenScope.API, raw) is works


def test_expired_tokens_do_not_count_towards_the_limit(client, owner):
    for n in range(MAX_TOKENS):
        create_token(owner, owner, name=f"t{n}", scope=TokenScope.API)
    db.session.commit()
    assert _create_on_page(client, TokenScope.API).status_code == 422

    _expire(_tokens()[0])

    assert _create_on_page(client, TokenScope.API).status_code == 200


# --- the pages show when each token stops -------------------------------------------------------


@pytest.mark.parametrize("scope", list(TokenScope))
def test_the_owners_page_shows_each_tokens_expiry_and_marks_expired_ones(client, owner, scope):
    _raw, live = create_token(owner, owner, name="Laptop", scope=scope, days=30)
    _raw, old = create_token(owner, owner, name="Old phone", scope=scope, days=30)
    db.session.commit()
    _expire(old)

    listed = _listed(client.get(PAGES[scope]).get_data(as_text=True))

    [laptop] = [item for item in listed if item.startswith("Laptop")]
    [phone] = [item for item in listed if item.startswith("Old phone")]
    assert f"expires {live.expires_at:%d %b %Y %H:%M} UTC" in laptop
    assert "Expired" not in laptop
    assert phone.startswith("Old phone Expired")
    assert f"expired {old.expires_at:%d %b %Y %H:%M} UTC: it no longer works" in phone
    assert "Remove the expired" in phone


def test_the_admins_page_shows_each_tokens_expiry_and_marks_expired_ones(app):
    owner = UserFactory(email="owner@example.org")
    admin = UserFactory(role=Role.ADMIN)
    _raw, live = create_token(None, owner, name="Script", scope=TokenScope.API, days=180)
    _raw, old = create_token(None, owner, name="Phone", scope=TokenScope.CALENDAR)
    db.session.commit()
    _expire(old)
    client = app.test_client()
    assert login(client, admin.email, PASSWORD).status_code == 302

    soup = BeautifulSoup(client.get("/admin/tokens").get_data(as_text=True), "html.parser")

    rows = {
        row.find("th").get_text(strip=True): row
        for row in soup.select("table.tokens-table tbody tr")
    }
    expires = {name: row.select_one('[data-label="Expires"]') for name, row in rows.items()}
    assert expires["Script"].get_text(" ", strip=True) == (f"{live.expires_at:%d %b %Y %H:%M} UTC")
    assert expires["Phone"].get_text(" ", strip=True) == (
        f"Expired {old.expires_at:%d %b %Y %H:%M} UTC"
    )
    assert "row-muted" in rows["Phone"]["class"]
    assert not rows["Script"].get("class")


# --- a password change or a disabled account ends every token -----------------------------------


def _both(user) -> dict[TokenScope, str]:
    raws = {scope: create_token(user, user, name="x", scope=scope)[0] for scope in TokenScope}
    db.session.commit()
    return raws


def _revoked_entries() -> list[AuditEntry]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.action == "token_revoked")
            .order_by(AuditEntry.id)
        )
    )


def test_changing_the_password_revokes_every_token_and_calendar_link(app, client, owner):
    raws = _both(owner)
    bystander = UserFactory()
    other_raw, _token = create_token(None, bystander, name="y", scope=TokenScope.API)
    db.session.commit()
    assert all(_works(app, scope, raw) for scope, raw in raws.items())

    response = post_form(
        client,
        "/account",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )

    assert response.status_code == 302, response.get_data(as_text=True)
    assert not any(_works(app, scope, raw) for scope, raw in raws.items())
    assert all(t.revoked_at is not None for t in _tokens(owner))
    assert _works(app, TokenScope.API, other_raw)
    entries = _revoked_entries()
    assert len(entries) == 2
    assert all(e.actor_id == owner.id for e in entries)
    assert all(e.summary.endswith("(password changed)") for e in entries)
    assert _listed(client.get(PAGES[TokenScope.API]).get_data(as_text=True)) == []


def test_a_refused_password_change_revokes_nothing(app, client, owner):
    raws = _both(owner)

    response = post_form(
        client,
        "/account",
        {"current_password": PASSWORD, "new_password": "password1234", "confirm": "password1234"},
    )

    assert response.status_code == 422
    assert all(_works(app, scope, raw) for scope, raw in raws.items())
    assert _revoked_entries() == []


def test_disabling_the_account_revokes_its_tokens_for_good(app):
    owner = UserFactory()
    admin = UserFactory(role=Role.ADMIN)
    raws = _both(owner)

    set_user_enabled(admin, owner, False)
    db.session.commit()
    assert not any(_works(app, scope, raw) for scope, raw in raws.items())
    # Enabling the account again does not bring them back: they were revoked, not paused.
    set_user_enabled(admin, owner, True)
    db.session.commit()

    assert not any(_works(app, scope, raw) for scope, raw in raws.items())
    entries = _revoked_entries()
    assert len(entries) == 2
    assert all(e.actor_id == admin.id for e in entries)
    assert all(e.summary.endswith("(account disabled)") for e in entries)
    [disabled] = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "user_disabled")
    ).all()
    assert disabled.summary == "0 session(s) and 2 token(s) ended"


def test_disabling_on_the_command_line_revokes_the_tokens(app):
    owner = UserFactory(email="leaver@example.org")
    raws = _both(owner)

    result = run(app, "set-enabled", owner.email, "--disable")
    assert result.exit_code == 0, result.output
    run(app, "set-enabled", owner.email, "--enable")

    assert not any(_works(app, scope, raw) for scope, raw in raws.items())


def test_revoking_leaves_already_expired_tokens_out_of_the_audit(app):
    owner = UserFactory()
    _raw, old = create_token(None, owner, name="old", scope=TokenScope.API)
    _raw, live = create_token(None, owner, name="live", scope=TokenScope.API)
    db.session.commit()
    _expire(old)

    assert revoke_tokens(owner, reason="test") == 1
    db.session.commit()

    assert all(t.revoked_at is not None for t in _tokens(owner))
    [entry] = _revoked_entries()
    assert entry.target_id == str(live.id)


def test_the_calendar_feed_answers_an_expired_link_as_a_revoked_one(app):
    user = UserFactory()
    expired_raw, expired = create_token(None, user, name="a", scope=TokenScope.CALENDAR)
    revoked_raw, revoked = create_token(None, user, name="b", scope=TokenScope.CALENDAR)
    revoked.revoked_at = utcnow()
    db.session.commit()
    _expire(expired)
    client = app.test_client()

    answers = [client.get(f"/calendar.ics?token={raw}") for raw in (expired_raw, revoked_raw)]

    assert [a.status_code for a in answers] == [404, 404]
    assert answers[0].get_data() == answers[1].get_data()
