"""Who may open and change events: role × route × own or another state's records (SPEC §1)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from crm.audit.models import AuditEntry
from crm.db import utcnow
from crm.events.models import Event, Invitation
from crm.extensions import db
from tests.conftest import csrf_token
from tests.events.routes import _event_form
from tests.pages import page
from tests.world import Side, World

USERS = ("member", "other_member", "coordinator", "staff", "admin")
# Who may write in each side's state.
WRITERS = {"home": {"member", "admin"}, "other": {"other_member", "admin"}}


def _side(world: World, name: str) -> Side:
    return getattr(world, name)


READ_PAGES = [
    "/events",
    "/events?when=past",
    "/events/calendar",
    "/states/{iso2}/events",
    "/states/{iso2}/events/calendar",
    "/events/{event}",
]
FORM_PAGES = [
    "/states/{iso2}/events/new",
    "/events/{event}/edit",
    "/events/{event}/invitations/new",
]


def _url(template: str, side: Side) -> str:
    return template.format(iso2=side.state.iso2, event=side.event.id)


@pytest.mark.parametrize("who", USERS)
def test_everyone_signed_in_reads_every_states_events(sign_in, world, who):
    client = sign_in(who)
    for side in ("home", "other"):
        for template in READ_PAGES:
            page(client, _url(template, _side(world, side)))


@pytest.mark.parametrize("side", ["home", "other"])
@pytest.mark.parametrize("who", USERS)
def test_only_the_states_section_and_admins_open_the_forms(sign_in, world, who, side):
    client = sign_in(who)
    expected = 200 if who in WRITERS[side] else 403
    for template in FORM_PAGES:
        url = _url(template, _side(world, side))
        assert client.get(url).status_code == expected, url


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    for template in READ_PAGES + FORM_PAGES:
        response = client.get(_url(template, world.home))
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


# --- Every write route, against each state's records ---------------------------------


def _new(world, side):
    data = _event_form(world)
    data["section"] = ""
    data["stage"] = str(side.stages[0].id)
    return f"/states/{side.state.iso2}/events/new", data


def _edit(world, side):
    return f"/events/{side.event.id}/edit", {
        **_event_form(world),
        "section": "",
        "stage": "",
        "title": "Changed",
        "version": str(side.event.version),
    }


def _cancel(_world, side):
    return f"/events/{side.event.id}/cancel", {"version": str(side.event.version)}


def _archive(_world, side):
    return f"/events/{side.event.id}/archive", {"version": str(side.event.version)}


def _restore(_world, side):
    side.event.archived_at = utcnow()
    db.session.commit()
    return f"/events/{side.event.id}/restore", {}


def _invite(_world, side):
    return f"/events/{side.event.id}/invitations/new", {"representative": str(side.reps[0].id)}


def _answer(_world, side):
    return f"/events/{side.event.id}/invitations/{side.invitation.id}", {
        "rsvp": "declined",
        "attended": "",
        "note": "",
        "version": str(side.invitation.version),
    }


def _remove(_world, side):
    return f"/events/{side.event.id}/invitations/{side.invitation.id}/remove", {}


WRITES = {
    "new": (_new, "event.created"),
    "edit": (_edit, "event.updated"),
    "cancel": (_cancel, "event.cancelled"),
    "archive": (_archive, "event.archived"),
    "restore": (_restore, "event.restored"),
    "invite": (_invite, "invitation.created"),
    "answer": (_answer, "invitation.updated"),
    "remove": (_remove, "invitation.removed"),
}


def _state_of_rows() -> tuple:
    db.session.rollback()
    return (
        db.session.execute(sa.select(Event.id, Event.version, Event.archived_at)).all(),
        db.session.execute(sa.select(Invitation.id, Invitation.version)).all(),
    )


@pytest.mark.parametrize("side", ["home", "other"])
@pytest.mark.parametrize("who", USERS)
@pytest.mark.parametrize("route", list(WRITES))
def test_write_permission_matrix(sign_in, world, route, who, side):
    build, action = WRITES[route]
    client = sign_in(who)
    url, data = build(world, _side(world, side))
    allowed = who in WRITERS[side] and (route != "restore" or who == "admin")
    before = _state_of_rows()
    last = db.session.scalar(sa.select(sa.func.max(AuditEntry.id))) or 0
    token = csrf_token(client.get("/account").text)
    response = client.post(url, data={**data, "csrf_token": token})
    actions = set(db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.id > last)))
    if allowed:
        assert response.status_code == 302, response.text[:1000]
        assert action in actions
    else:
        assert response.status_code == 403
        assert _state_of_rows() == before
        assert action not in actions


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/events/987654"),
        ("get", "/events/987654/edit"),
        ("get", "/events/987654/invitations/new"),
        ("get", "/states/ZZ/events"),
        ("get", "/states/ZZ/events/calendar"),
        ("get", "/states/ZZ/events/new"),
        ("post", "/events/987654/cancel"),
        ("post", "/events/987654/archive"),
        ("post", "/events/987654/restore"),
        ("post", "/events/987654/invitations/new"),
        ("post", "/events/{event}/invitations/987654"),
        ("post", "/events/{event}/invitations/987654/remove"),
    ],
)
def test_unknown_records_are_not_found(sign_in, world, method, url):
    client = sign_in("admin")
    url = url.format(event=world.home.event.id)
    if method == "get":
        assert client.get(url).status_code == 404
    else:
        token = csrf_token(client.get("/account").text)
        assert client.post(url, data={"csrf_token": token}).status_code == 404


def test_a_lower_case_state_code_redirects(sign_in, world):
    client = sign_in("staff")
    iso2 = world.home.state.iso2
    response = client.get(f"/states/{iso2.lower()}/events?when=past")
    assert response.status_code == 301
    assert response.headers["Location"] == f"/states/{iso2}/events?when=past"


def test_buttons_appear_only_for_those_who_may_use_them(sign_in, world):
    event = world.home.event
    for who, can in (("member", True), ("other_member", False), ("coordinator", False),
                     ("staff", False), ("admin", True)):  # fmt: skip
        soup = page(sign_in(who), f"/events/{event.id}")
        assert bool(soup.find("a", href=f"/events/{event.id}/edit")) is can, who
        assert bool(soup.select("main form[action$='/cancel']")) is can, who
        assert bool(soup.select("main form.invitation-form")) is can, who
        listing = page(sign_in(who), f"/states/{world.home.state.iso2}/events")
        assert bool(listing.find("a", href=f"/states/{world.home.state.iso2}/events/new")) is can
