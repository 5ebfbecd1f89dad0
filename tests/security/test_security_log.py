"""Every 401 and 403 is written down (a JSON line and a row), and admins read them."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import abort

from crm.auth.models import Role, Section, TokenScope
from crm.auth.services import create_token
from crm.extensions import db
from crm.interactions.models import FollowUpStatus
from crm.security.models import SecurityEvent
from tests.conftest import csrf_token, post_form, sign_in
from tests.factories import (
    FollowUpFactory,
    RepresentativeFactory,
    StateFactory,
    UserFactory,
    section_member,
)
from tests.pages import page, text


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())

    @property
    def events(self) -> list[dict]:
        return [json.loads(line) for line in self.lines]


@pytest.fixture
def security_lines() -> Iterator[Lines]:
    """What the `crm.security` logger writes, one JSON object a line."""
    handler = Lines()
    logger = logging.getLogger("crm.security")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def events() -> list[SecurityEvent]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(SecurityEvent).order_by(SecurityEvent.id)))


# --- What is logged -----------------------------------------------------------------------


def test_a_forbidden_page_is_logged_with_user_route_and_address(app, client, security_lines):
    staff = UserFactory(role=Role.STAFF)
    sign_in(client, staff.email)

    response = client.get("/admin/audit", headers={"User-Agent": "probe/1.0"})

    assert response.status_code == 403
    [event] = events()
    assert (event.status, event.user_id, event.user_email, event.role) == (
        403,
        staff.id,
        staff.email,
        "staff",
    )
    assert (event.method, event.endpoint, event.path) == ("GET", "audit.index", "/admin/audit")
    assert event.ip_address == "127.0.0.1"
    assert event.user_agent == "probe/1.0"
    assert event.at > datetime.now(UTC) - timedelta(minutes=1)
    [line] = security_lines.events
    assert line["status"] == 403
    assert line["user_id"] == staff.id
    assert line["user_email"] == staff.email
    assert line["role"] == "staff"
    assert line["endpoint"] == "audit.index"
    assert line["path"] == "/admin/audit"
    assert line["address"] == "127.0.0.1"
    assert datetime.fromisoformat(line["time"]) == event.at


def test_a_refused_write_names_its_object_and_changes_nothing(app, client, security_lines):
    home, other = StateFactory(), StateFactory()
    member = section_member(home)
    foreign = FollowUpFactory(state=other)
    sign_in(client, member.email)

    response = post_form(client, f"/follow-ups/{foreign.id}/done", {"next": "/states"})

    assert response.status_code == 403
    [event] = events()
    assert event.endpoint == "interactions.follow_up_done"
    assert event.method == "POST"
    assert event.object_ids == {"follow_up_id": foreign.id}
    assert security_lines.events[0]["object_ids"] == {"follow_up_id": foreign.id}
    db.session.refresh(foreign)
    assert foreign.status is FollowUpStatus.OPEN


def test_an_api_request_without_a_valid_token_is_a_logged_401(app, security_lines):
    api = app.test_client()

    assert api.get("/api/v1/states").status_code == 401
    assert api.get("/api/v1/states", headers={"Authorization": "Bearer crm_nope"}).status_code == (
        401
    )

    logged = events()
    assert [(e.status, e.user_id, e.endpoint) for e in logged] == [
        (401, None, "api.states"),
        (401, None, "api.states"),
    ]
    assert [line["status"] for line in security_lines.events] == [401, 401]


def test_a_flood_of_anonymous_refusals_from_one_address_stores_only_so_many_rows(
    app, security_lines
):
    app.config["SECURITY_ROWS_PER_MINUTE"] = 3
    api = app.test_client()

    for _ in range(5):
        assert api.get("/api/v1/states").status_code == 401
    other = api.get("/api/v1/states", environ_overrides={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 401

    stored = events()
    assert [e.ip_address for e in stored] == ["127.0.0.1"] * 3 + ["192.0.2.7"]
    # Every refusal still has its log line, saying whether it was stored.
    assert [line["stored"] for line in security_lines.events] == [True] * 3 + [False] * 2 + [True]


def test_an_api_refusal_names_the_tokens_user(app):
    staff = UserFactory(role=Role.STAFF)
    representative = RepresentativeFactory()
    raw, _token = create_token(None, staff, name="probe", scope=TokenScope.API)
    db.session.commit()

    response = app.test_client().post(
        f"/api/v1/representatives/{representative.id}/stances",
        json={"stance": "undecided", "source": "media", "observed_on": "2026-01-05"},
        headers={"Authorization": f"Bearer {raw}"},
    )

    assert response.status_code == 403
    [event] = events()
    assert (event.status, event.user_id, event.role) == (403, staff.id, "staff")
    assert event.object_ids == {"representative_id": representative.id}


def test_an_anonymous_page_visit_sent_to_sign_in_is_not_a_refusal(app, client, security_lines):
    response = client.get("/admin/audit")

    assert response.status_code == 302
    assert events() == []
    assert security_lines.lines == []


def test_a_refused_csrf_token_is_a_bad_request_not_a_refusal(app, client, security_lines):
    member = section_member(StateFactory())
    sign_in(client, member.email)

    response = client.post("/follow-ups/1/done", data={"csrf_token": "forged"})

    assert response.status_code == 400
    assert events() == []


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_refusal_is_kept_while_the_refused_requests_own_work_is_not(own_app, signed_in):
    client = own_app.test_client()

    @own_app.get("/test-refusal-after-a-write")
    def refuse_after_writing():
        db.session.add(Section(name="Written before the refusal"))
        db.session.flush()
        abort(403)

    if signed_in:
        sign_in(client, UserFactory(role=Role.STAFF).email)

    response = client.get("/test-refusal-after-a-write")

    assert response.status_code == 403
    [event] = events()
    assert event.endpoint == "refuse_after_writing"
    assert db.session.scalar(sa.select(sa.func.count(Section.id))) == 0


def test_a_failing_log_write_never_turns_a_refusal_into_a_server_error(
    app, client, security_lines, monkeypatch
):
    staff = UserFactory(role=Role.STAFF)
    sign_in(client, staff.email)

    def broken(**_values):
        raise RuntimeError("the table is gone")

    monkeypatch.setattr("crm.security.log.SecurityEvent", broken)
    response = client.get("/admin/audit")

    assert response.status_code == 403
    assert events() == []
    # The JSON line was written before the row was attempted.
    assert security_lines.events[0]["status"] == 403


def test_odd_characters_in_a_refused_request_are_stored_not_fatal(app, client):
    staff = UserFactory(role=Role.STAFF)
    sign_in(client, staff.email)

    response = client.get("/admin/audit", headers={"User-Agent": "bad\x00agent\xff" + "x" * 500})

    assert response.status_code == 403
    [event] = events()
    assert "\x00" not in event.user_agent
    assert len(event.user_agent) == 300


# --- The admins' page ---------------------------------------------------------------------


def _event(user=None, *, minutes_ago: float = 1, status: int = 403, endpoint: str = "a.b"):
    db.session.add(
        SecurityEvent(
            at=datetime.now(UTC) - timedelta(minutes=minutes_ago),
            status=status,
            user_id=user.id if user else None,
            user_email=user.email if user else None,
            role=user.role.value if user else None,
            method="GET",
            endpoint=endpoint,
            path="/" + endpoint.replace(".", "/"),
            ip_address="192.0.2.7",
        )
    )


@pytest.mark.parametrize("role", [Role.STAFF, Role.SECTION, Role.COORDINATOR])
def test_only_admins_open_the_security_log(app, client, role):
    user = UserFactory(role=role)
    sign_in(client, user.email)

    page(client, "/admin/security", 403)
    nav = page(client, "/account").select_one("nav.site-nav")
    assert "Security log" not in text(nav)


def test_admins_reach_the_security_log_from_the_navigation(app, client):
    admin = UserFactory(role=Role.ADMIN)
    sign_in(client, admin.email)

    link = page(client, "/account").select_one("nav.site-nav a[href='/admin/security']")

    assert link is not None
    assert text(link) == "Security log"


def test_the_security_log_filters_by_user_status_route_and_date(app, client):
    admin = UserFactory(role=Role.ADMIN, email="admin@example.org")
    probe = UserFactory(role=Role.STAFF, email="probe@example.org")
    _event(probe, endpoint="audit.index")
    _event(probe, endpoint="states.edit", minutes_ago=3 * 24 * 60)
    _event(None, status=401, endpoint="api.states")
    db.session.commit()
    sign_in(client, admin.email)

    def rows(query: str) -> list[str]:
        soup = page(client, "/admin/security" + query)
        return [text(row) for row in soup.select("table.security-log tbody tr")]

    assert len(rows("")) == 3
    by_probe = rows("?user=PROBE")
    assert len(by_probe) == 2
    assert all("probe@example.org" in row for row in by_probe)
    [anonymous] = rows("?status=401")
    assert "Not signed in" in anonymous
    assert "api.states" in anonymous
    [audit] = rows("?route=audit.index")
    assert "/audit/index" in audit
    today = datetime.now(UTC).date()
    assert len(rows(f"?since={today - timedelta(days=1)}")) == 2
    assert len(rows(f"?until={today - timedelta(days=2)}")) == 1
    assert rows("?user=nobody") == []


def test_filters_that_cannot_be_used_are_explained_not_a_server_error(app, client):
    admin = UserFactory(role=Role.ADMIN)
    sign_in(client, admin.email)

    soup = page(client, "/admin/security?since=2026-02-30&status=500&route=nope&page=0", 400)

    assert "could not be used" in text(soup)
    assert soup.select(".field-error")


def test_repeated_refusals_of_one_account_in_the_last_hour_are_highlighted(app, client):
    admin = UserFactory(role=Role.ADMIN)
    prober = UserFactory(role=Role.SECTION, email="prober@example.org")
    patient = UserFactory(role=Role.STAFF, email="patient@example.org")
    for minute in range(5):
        _event(prober, minutes_ago=minute + 1)
    # Four in the last hour, and many more earlier: not repeated *now*.
    for minute in range(4):
        _event(patient, minutes_ago=minute + 1)
    for minute in range(10):
        _event(patient, minutes_ago=90 + minute)
    db.session.commit()
    sign_in(client, admin.email)

    soup = page(client, "/admin/security")

    summary = soup.select_one("ul.repeated-refusals")
    assert summary is not None
    assert "prober@example.org : 5 refusals" in text(summary)
    assert "patient@" not in text(summary)
    marked = [text(row) for row in soup.select("table.security-log tbody tr.is-overdue")]
    assert len(marked) == 5
    assert all("prober@example.org" in row and "Repeated: 5" in row for row in marked)


def test_the_security_log_is_refused_with_a_logged_403_for_others(app, client):
    staff = UserFactory(role=Role.STAFF)
    sign_in(client, staff.email)

    page(client, "/admin/security", 403)

    [event] = events()
    assert event.endpoint == "security.index"


def test_a_refusal_from_a_signed_in_page_gets_a_csrf_protected_form_afterwards(app, client):
    """Rolling the refused request back must not break the session that follows."""
    member = section_member(StateFactory())
    sign_in(client, member.email)
    page(client, "/admin/audit", 403)

    html = client.get("/account").get_data(as_text=True)

    assert csrf_token(html)
