"""`/account/api-tokens`: people create and revoke their own API tokens on a page.

The page shares its code with the calendar links (`/account/calendar`); these tests drive
it through the real forms and check what the tokens then open: the JSON API under
/api/v1, and not the calendar feed.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from bs4 import BeautifulSoup

from crm.audit.models import AuditEntry
from crm.auth.models import ApiToken, Role, TokenScope, hash_token
from crm.auth.services import create_token
from crm.extensions import db
from crm.interchange.services import MAX_TOKENS
from tests.conftest import csrf_token, sign_in
from tests.factories import UserFactory

PAGE = "/account/api-tokens"
PROBLEM = "application/problem+json"


def _post(client, url: str, data: dict | None = None):
    """POST a form with the CSRF token of the API-token page, as the browser would."""
    token = csrf_token(client.get(PAGE).get_data(as_text=True))
    return client.post(url, data={**(data or {}), "csrf_token": token})


def _create(client, name: str = "Press office spreadsheet") -> str:
    """Create a token through the page; the raw value shown once on it."""
    response = _post(client, PAGE, {"name": name})
    assert response.status_code == 200, response.get_data(as_text=True)
    notice = BeautifulSoup(response.get_data(as_text=True), "html.parser").select_one(
        "main .notice .code"
    )
    assert notice is not None, "the new token is not shown"
    return notice.get_text().strip()


def _api_tokens(user=None) -> list[ApiToken]:
    stmt = sa.select(ApiToken).where(ApiToken.scope == TokenScope.API).order_by(ApiToken.id)
    if user is not None:
        stmt = stmt.where(ApiToken.user_id == user.id)
    return list(db.session.scalars(stmt))


def _token_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken))


def _me(client, raw: str):
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})


def _listed(html: str) -> list[str]:
    """The text of each token listed under "Your API tokens"."""
    soup = BeautifulSoup(html, "html.parser")
    return [" ".join(li.get_text(" ").split()) for li in soup.select("main .row-list > li")]


def _revoke_action(html: str, token: ApiToken) -> str:
    """The action of the page's revoke form for this token."""
    soup = BeautifulSoup(html, "html.parser")
    actions = [form["action"] for form in soup.select("main .row-list form")]
    wanted = f"{PAGE}/{token.id}/revoke"
    assert wanted in actions, actions
    return wanted


def _audit(action: str) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )


# --- Creating a token ------------------------------------------------------------------------


def test_a_new_token_is_shown_once_and_only_its_hash_is_stored(client, world):
    sign_in(client, world.member.email)
    assert client.get(PAGE).status_code == 200

    raw = _create(client, "Press office spreadsheet")

    assert len(raw) >= 32
    token = _api_tokens().pop()
    assert (token.user_id, token.scope, token.name) == (
        world.member.id,
        TokenScope.API,
        "Press office spreadsheet",
    )
    assert token.token_hash == hash_token(raw)
    assert raw not in token.token_hash
    assert token.prefix == raw[:12]
    assert raw.startswith("crm_")
    assert len(raw) > 40
    assert raw not in token.prefix
    assert token.revoked_at is None
    # Nothing else in the row holds the raw value either.
    row = db.session.execute(sa.select(ApiToken.__table__).where(ApiToken.id == token.id)).one()
    assert not any(raw in str(value) for value in row)

    again = client.get(PAGE)
    assert again.status_code == 200
    html = again.get_data(as_text=True)
    assert raw not in html
    assert "it is shown only once" not in html
    (listed,) = _listed(html)
    assert "Press office spreadsheet" in listed
    assert f"{token.prefix}…" in listed


def test_an_empty_name_is_given_a_default(client, world):
    sign_in(client, world.staff.email)
    _create(client, "   ")
    (token,) = _api_tokens(world.staff)
    assert token.name == "API token"


# --- What a token opens ----------------------------------------------------------------------


def test_the_token_opens_the_api_until_it_is_revoked_on_the_page(client, world):
    sign_in(client, world.member.email)
    raw = _create(client, "Script")

    response = _me(client, raw)
    assert response.status_code == 200
    assert response.is_json
    assert response.get_json()["email"] == world.member.email
    assert response.get_json()["id"] == world.member.id

    (token,) = _api_tokens()
    page = client.get(PAGE).get_data(as_text=True)
    response = client.post(_revoke_action(page, token), data={"csrf_token": csrf_token(page)})

    assert response.status_code == 302
    assert response.headers["Location"].endswith(PAGE)
    refused = _me(client, raw)
    assert refused.status_code == 401
    assert refused.mimetype == PROBLEM
    assert json.loads(refused.get_data(as_text=True))["status"] == 401
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    db.session.refresh(token)
    assert token.revoked_at is not None
    # The revoked token leaves the list; the page says so.
    after = client.get(PAGE).get_data(as_text=True)
    assert _listed(after) == []
    assert "You have no API token yet." in after


def test_a_revoke_form_without_its_csrf_token_revokes_nothing(client, world):
    sign_in(client, world.member.email)
    raw = _create(client)
    (token,) = _api_tokens()

    response = client.post(f"{PAGE}/{token.id}/revoke", data={})

    assert response.status_code == 400
    assert _me(client, raw).status_code == 200
    db.session.refresh(token)
    assert token.revoked_at is None


def test_a_calendar_token_does_not_open_the_api_nor_an_api_token_the_calendar(client, world):
    calendar_raw, _ = create_token(None, world.member, name="Phone", scope=TokenScope.CALENDAR)
    db.session.commit()
    sign_in(client, world.member.email)
    api_raw = _create(client)

    # Each works where it belongs…
    assert client.get(f"/calendar.ics?token={calendar_raw}").status_code == 200
    assert _me(client, api_raw).status_code == 200
    # …and nowhere else.
    refused = _me(client, calendar_raw)
    assert refused.status_code == 401
    assert refused.mimetype == PROBLEM
    assert client.get(f"/calendar.ics?token={api_raw}").status_code == 404


# --- Refusals --------------------------------------------------------------------------------


def test_a_name_longer_than_120_characters_is_refused(client, world):
    sign_in(client, world.member.email)

    response = _post(client, PAGE, {"name": "x" * 121})

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "At most 120 characters." in html
    assert "it is shown only once" not in html
    assert _token_count() == 0
    assert _audit("token_created") == []

    # 120 characters are fine.
    _create(client, "y" * 120)
    (token,) = _api_tokens()
    assert token.name == "y" * 120


def test_the_eleventh_token_is_refused_until_one_is_revoked(client, world):
    sign_in(client, world.member.email)
    for n in range(MAX_TOKENS):
        _create(client, f"Token {n}")
    assert len(_api_tokens(world.member)) == MAX_TOKENS

    response = _post(client, PAGE, {"name": "One too many"})

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f"You already have {MAX_TOKENS} API tokens: revoke one you no longer use." in html
    assert "it is shown only once" not in html
    assert len(_api_tokens(world.member)) == MAX_TOKENS
    assert "One too many" not in [t.name for t in _api_tokens()]

    # Revoking one makes room again.
    oldest = _api_tokens(world.member)[0]
    assert _post(client, f"{PAGE}/{oldest.id}/revoke").status_code == 302
    _create(client, "Replacement")
    live = [t.name for t in _api_tokens(world.member) if t.revoked_at is None]
    assert len(live) == MAX_TOKENS
    assert "Replacement" in live


def test_calendar_links_do_not_count_towards_the_api_token_limit(client, world):
    for n in range(MAX_TOKENS):
        create_token(None, world.member, name=f"Calendar {n}", scope=TokenScope.CALENDAR)
    db.session.commit()
    sign_in(client, world.member.email)

    raw = _create(client, "Script")

    assert _me(client, raw).status_code == 200


# --- Who may revoke --------------------------------------------------------------------------


def test_only_the_owner_or_an_admin_revokes_an_api_token(app, client, world):
    raw, token = create_token(None, world.member, name="Member's script", scope=TokenScope.API)
    db.session.commit()
    token_id = token.id

    sign_in(client, world.other_member.email)
    assert _post(client, f"{PAGE}/{token_id}/revoke").status_code == 403
    assert _me(client, raw).status_code == 200
    assert db.session.get(ApiToken, token_id).revoked_at is None
    # Nor does another user's token appear on their page.
    assert _listed(client.get(PAGE).get_data(as_text=True)) == []

    admin = app.test_client()
    sign_in(admin, world.admin.email)
    response = _post(admin, f"{PAGE}/{token_id}/revoke")

    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ApiToken, token_id).revoked_at is not None
    assert _me(client, raw).status_code == 401
    (entry,) = _audit("token_revoked")
    assert (entry.actor_id, entry.target_id) == (world.admin.id, str(token_id))


def test_a_calendar_link_cannot_be_revoked_as_an_api_token(client, world):
    calendar_raw, calendar = create_token(
        None, world.member, name="Phone", scope=TokenScope.CALENDAR
    )
    db.session.commit()
    calendar_id = calendar.id
    sign_in(client, world.member.email)

    assert _post(client, f"{PAGE}/{calendar_id}/revoke").status_code == 404
    assert _post(client, f"{PAGE}/999999/revoke").status_code == 404

    assert db.session.get(ApiToken, calendar_id).revoked_at is None
    assert client.get(f"/calendar.ics?token={calendar_raw}").status_code == 200
    assert _audit("token_revoked") == []


# --- Where the page is -----------------------------------------------------------------------


def test_signed_out_visitors_are_sent_to_sign_in(client, world):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_account_page_links_to_the_api_tokens(client, world):
    sign_in(client, world.staff.email)
    response = client.get("/account")
    assert response.status_code == 200
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    link = soup.select_one(f'main a[href="{PAGE}"]')
    assert link is not None
    assert "API tokens" in link.get_text()


# --- The audit log ---------------------------------------------------------------------------


def test_creating_and_revoking_are_audited_without_the_raw_token(client, world):
    sign_in(client, world.member.email)
    raw = _create(client, "Newsletter tool")
    (token,) = _api_tokens()

    (created,) = _audit("token_created")
    assert created.actor_id == world.member.id
    assert created.actor_email == world.member.email
    assert (created.target_type, created.target_id) == ("api_tokens", str(token.id))
    assert created.after == {
        "name": "Newsletter tool",
        "scope": "api",
        "prefix": token.prefix,
        "expires_at": token.expires_at.isoformat(),
    }
    assert _audit("token_revoked") == []

    assert _post(client, f"{PAGE}/{token.id}/revoke").status_code == 302

    (revoked,) = _audit("token_revoked")
    assert revoked.actor_id == world.member.id
    assert (revoked.target_type, revoked.target_id) == ("api_tokens", str(token.id))
    assert token.prefix in (revoked.summary or "")
    assert revoked.at >= created.at
    # The raw value is in no audit entry.
    for entry in db.session.scalars(sa.select(AuditEntry)):
        text = json.dumps([entry.summary, entry.before, entry.after], default=str)
        assert raw not in text

    # Revoking twice changes nothing and writes nothing more.
    assert _post(client, f"{PAGE}/{token.id}/revoke").status_code == 302
    assert len(_audit("token_revoked")) == 1


def test_an_admin_sees_every_live_token_and_revokes_one(app):
    owner = UserFactory(role=Role.STAFF, email="owner@example.org")
    admin = UserFactory(role=Role.ADMIN, email="root@example.org")
    raw, token = create_token(None, owner, name="Newsletter script", scope=TokenScope.API)
    _cal, _link = create_token(None, owner, name="Phone", scope=TokenScope.CALENDAR)
    db.session.commit()
    client = app.test_client()
    sign_in(client, admin.email)
    page = client.get("/admin/tokens").get_data(as_text=True)
    assert "Newsletter script" in page
    assert "Phone" in page
    assert "owner@example.org" in page
    assert token.prefix in page
    assert raw not in page
    assert "/admin/tokens" in client.get("/admin/users").get_data(as_text=True)

    response = client.post(
        f"/admin/tokens/{token.id}/revoke", data={"csrf_token": csrf_token(page)}
    )
    assert response.status_code == 302
    headers = {"Authorization": f"Bearer {raw}"}
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 401
    flashed = client.get("/admin/tokens").get_data(as_text=True)
    assert "no longer works" in flashed
    after = client.get("/admin/tokens").get_data(as_text=True)
    assert "Newsletter script" not in after
    assert "Phone" in after
