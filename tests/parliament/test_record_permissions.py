"""Who may open and submit the forms of a person's record: role × route × own/other state.

Guessed ids of another state's seats, committee seats, contact details, other names and
stance records are refused (403) and change nothing.
"""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from crm.audit.models import AuditEntry
from crm.extensions import db
from crm.parliament.models import ContactDetail, ContactKind, OtherName, StanceRecord
from tests.conftest import SIGN_IN_TABLES, row_counts
from tests.factories import UNKNOWN_ISO2
from tests.parliament.helpers import post, sign_in
from tests.world import Side, build_world


def _today() -> str:
    return date.today().isoformat()


def _contact(side: Side) -> ContactDetail:
    detail = ContactDetail(kind=ContactKind.EMAIL, value="x@parliament.example")
    side.reps[0].contact_details.append(detail)
    db.session.commit()
    return detail


def _other_name(side: Side) -> OtherName:
    other = OtherName(name="Другое имя", lang="ru")
    side.reps[0].other_names.append(other)
    db.session.commit()
    return other


def _stance(side: Side) -> StanceRecord:
    return db.session.scalars(
        sa.select(StanceRecord).where(StanceRecord.representative_id == side.reps[0].id)
    ).one()


# route → (URL for one side's record, a valid form for it)
ROUTES = {
    "new representative": lambda s: (
        f"/states/{s.state.iso2}/representatives/new",
        {"name": "N", "chamber": str(s.chamber.id), "party": "", "start_date": _today(),
         "influence": "3"},
    ),
    "add seat": lambda s: (
        f"/representatives/{s.reps[0].id}/memberships/new",
        {"chamber": str(s.chamber.id), "start_date": _today()},
    ),
    "end seat": lambda s: (
        f"/memberships/{s.reps[0].memberships[0].id}/end",
        {"end_date": _today()},
    ),
    "move party": lambda s: (
        f"/representatives/{s.reps[0].id}/move-party",
        {"membership": str(s.reps[0].memberships[0].id), "party": str(s.parties[1].id),
         "changed_on": _today()},
    ),
    "add committee seat": lambda s: (
        f"/representatives/{s.reps[1].id}/committee-memberships/new",
        {"committee": str(s.committee.id), "role": "member", "start_date": _today()},
    ),
    "end committee seat": lambda s: (
        f"/committee-memberships/{s.reps[0].committee_memberships[0].id}/end",
        {"end_date": _today()},
    ),
    "add contact detail": lambda s: (
        f"/representatives/{s.reps[0].id}/contact-details/new",
        {"kind": "email", "value": "y@parliament.example"},
    ),
    "edit contact detail": lambda s: (
        f"/contact-details/{_contact(s).id}/edit",
        {"kind": "email", "value": "z@parliament.example"},
    ),
    "remove contact detail": lambda s: (f"/contact-details/{_contact(s).id}/remove", {}),
    "add other name": lambda s: (
        f"/representatives/{s.reps[0].id}/other-names/new",
        {"name": "Имя", "lang": "ru"},
    ),
    "edit other name": lambda s: (f"/other-names/{_other_name(s).id}/edit", {"name": "Имя"}),
    "remove other name": lambda s: (f"/other-names/{_other_name(s).id}/remove", {}),
    "archive representative": lambda s: (f"/representatives/{s.reps[3].id}/archive", {}),
    "archive stance record": lambda s: (f"/stance-records/{_stance(s).id}/archive", {}),
}  # fmt: skip

# The routes of what logging a contact writes, which coordinators may use in every state.
CONTACT_ROUTES = {"archive stance record"}
# role → (may write the home state's records, may write the other state's records)
ROLES = {
    "member": (True, False),
    "other_member": (False, True),
    "coordinator": (False, False),
    "staff": (False, False),
    "admin": (True, True),
}


@pytest.mark.parametrize("route", list(ROUTES))
def test_form_pages_open_only_for_those_who_may_write(app, route):
    world = build_world()
    urls = {side: ROUTES[route](getattr(world, side))[0] for side in ("home", "other")}
    for role, (home, other) in ROLES.items():
        client = app.test_client()
        sign_in(client, world, role)
        for side, allowed in (("home", home), ("other", other)):
            # Coordinators log contacts in every state, so archive the stances recorded
            # in error there too (CONTACT_DATA in crm/auth/permissions.py).
            allowed = allowed or (role == "coordinator" and route in CONTACT_ROUTES)
            status = client.get(urls[side]).status_code
            assert status == (200 if allowed else 403), (role, side, status)


@pytest.mark.parametrize("route", list(ROUTES))
def test_a_guessed_id_of_another_states_record_is_refused_and_changes_nothing(app, client, route):
    world = build_world()
    url, data = ROUTES[route](world.other)
    sign_in(client, world, "member")
    before = row_counts(ignore=SIGN_IN_TABLES)
    last = db.session.scalar(sa.select(sa.func.max(AuditEntry.id)))
    response = post(client, url, data)
    assert response.status_code == 403
    assert row_counts(ignore=SIGN_IN_TABLES) == before
    new = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.id > last)).all()
    assert not [action for action in new if "." in action and not action.startswith("auth")]


@pytest.mark.parametrize(
    "url",
    [
        f"/states/{UNKNOWN_ISO2}/representatives/new",
        "/representatives/999999/memberships/new",
        "/memberships/999999/end",
        "/representatives/999999/move-party",
        "/representatives/999999/committee-memberships/new",
        "/committee-memberships/999999/end",
        "/representatives/999999/contact-details/new",
        "/contact-details/999999/edit",
        "/contact-details/999999/remove",
        "/representatives/999999/other-names/new",
        "/other-names/999999/edit",
        "/other-names/999999/remove",
        "/representatives/999999/archive",
        "/stance-records/999999/archive",
    ],
)
def test_unknown_records_are_not_found(app, client, url):
    world = build_world()
    sign_in(client, world, "admin")
    assert client.get(url).status_code == 404
    assert post(client, url).status_code == 404


@pytest.mark.parametrize("url", ["/representatives/archived", "/memberships/1/end"])
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
