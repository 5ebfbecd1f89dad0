"""Inviting representatives to an event, their answers and their attendance."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from crm.audit.models import AuditEntry
from crm.db import utcnow
from crm.events.models import Invitation, Rsvp
from crm.extensions import db
from tests.conftest import post_form
from tests.events.factories import InvitationFactory, form_values
from tests.factories import (
    ChamberFactory,
    EventFactory,
    MembershipFactory,
    PartyFactory,
    RepresentativeFactory,
    seated_representative,
)
from tests.pages import page, text


def _invitations(event) -> list[Invitation]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(Invitation).where(Invitation.event_id == event.id).order_by(Invitation.id)
        )
    )


def _actions(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


def _candidate_ids(soup: BeautifulSoup) -> list[int]:
    return [int(box["value"]) for box in soup.select("input[name=representative]")]


def test_the_picker_lists_current_members_not_yet_invited(sign_in, world):
    event = world.home.event
    former = RepresentativeFactory(state=world.home.state, name="Former Member")
    MembershipFactory(
        representative=former,
        chamber=world.home.chamber,
        start_date=date.today() - timedelta(days=900),
        end_date=date.today() - timedelta(days=30),
    )
    soup = page(sign_in("member"), f"/events/{event.id}/invitations/new")
    ids = _candidate_ids(soup)
    home = world.home.reps
    # reps[2] is invited already; the other state's members and former members never show.
    assert sorted(ids) == sorted([home[0].id, home[1].id, home[3].id])
    assert former.id not in ids
    # Every box has a label.
    for box in soup.select("input[name=representative]"):
        assert soup.find("label", attrs={"for": box["id"]})


def test_the_picker_narrows_by_chamber_party_and_name_without_javascript(sign_in, world):
    event = world.home.event
    senate = ChamberFactory(state=world.home.state, name="Senate")
    greens = PartyFactory(state=world.home.state, name="Greens")
    senator = seated_representative(senate, greens, name="Ștefan Senatorescu")
    client = sign_in("member")
    url = f"/events/{event.id}/invitations/new"
    assert _candidate_ids(page(client, f"{url}?chamber={senate.id}")) == [senator.id]
    assert _candidate_ids(page(client, f"{url}?party={greens.id}")) == [senator.id]
    # Names are matched without accents.
    assert _candidate_ids(page(client, f"{url}?q=stefan")) == [senator.id]
    by_party = _candidate_ids(page(client, f"{url}?party={world.home.parties[0].id}"))
    assert set(by_party) == {world.home.reps[0].id}
    # A chamber of another state is not a choice: the filter is refused and ignored.
    response = client.get(f"{url}?chamber={world.other.chamber.id}")
    assert response.status_code == 400


def test_the_picker_pages_through_a_big_chamber(app, sign_in, world):
    app.config["PAGE_SIZE"] = 2
    soup = page(sign_in("member"), f"/events/{world.home.event.id}/invitations/new")
    assert len(_candidate_ids(soup)) == 2
    assert soup.select_one("nav.pagination a[rel=next]")
    second = page(sign_in("member"), f"/events/{world.home.event.id}/invitations/new?page=2")
    assert len(_candidate_ids(second)) == 1


def test_inviting_several_representatives_at_once(sign_in, world):
    event = world.home.event
    client = sign_in("member")
    url = f"/events/{event.id}/invitations/new"
    token = form_values(client.get(url).text)["csrf_token"]
    chosen = [world.home.reps[0].id, world.home.reps[3].id]
    response = client.post(url, data={"csrf_token": token, "representative": chosen})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/events/{event.id}#invitations")
    invitations = _invitations(event)
    assert {i.representative_id for i in invitations} == {*chosen, world.home.reps[2].id}
    assert all(i.rsvp is Rsvp.PENDING for i in invitations)
    entries = _actions("invitation.created")
    assert len(entries) == 2
    assert {e.state_id for e in entries} == {world.home.state.id}

    body = text(page(client, f"/events/{event.id}"))
    assert world.home.reps[0].name in body
    assert "3 invited" in body


@pytest.mark.parametrize(
    "who",
    [
        "other state's member",
        "former member",
        "archived member",
        "unknown id",
        "junk",
        "nobody",
        "already invited",
    ],
)
def test_only_current_members_of_the_state_can_be_invited(sign_in, world, who):
    event = world.home.event
    if who == "former member":
        rep = world.home.reps[0]
        rep.memberships[0].end_date = date.today() - timedelta(days=1)
    elif who == "archived member":
        rep = world.home.reps[0]
        rep.archived_at = utcnow()
    db.session.commit()
    values = {
        "other state's member": [str(world.other.reps[0].id)],
        "former member": [str(world.home.reps[0].id)],
        "archived member": [str(world.home.reps[0].id)],
        "unknown id": ["987654"],
        "junk": ["1; DROP TABLE invitations"],
        "nobody": [],
        "already invited": [str(world.home.reps[2].id)],
    }[who]
    client = sign_in("member")
    url = f"/events/{event.id}/invitations/new"
    token = form_values(client.get(url).text)["csrf_token"]
    response = client.post(url, data={"csrf_token": token, "representative": values})
    assert response.status_code == 422
    soup = BeautifulSoup(response.text, "html.parser")
    assert soup.find(id="representative-error").get_text(strip=True)
    assert len(_invitations(event)) == 1
    assert _actions("invitation.created") == []


def _answer_form(client, event, invitation) -> dict[str, str]:
    return form_values(
        client.get(f"/events/{event.id}").text,
        f"main form[action='/events/{event.id}/invitations/{invitation.id}']",
    )


def test_changing_an_rsvp(sign_in, world):
    event, invitation = world.home.event, world.home.invitation
    client = sign_in("member")
    data = _answer_form(client, event, invitation)
    assert data["rsvp"] == "pending"
    # The attendance question waits until the event has started.
    assert "attended" not in data
    response = client.post(
        f"/events/{event.id}/invitations/{invitation.id}",
        data=data | {"rsvp": "tentative", "note": "Depends on the committee's agenda."},
    )
    assert response.status_code == 302
    [saved] = _invitations(event)
    assert (saved.rsvp, saved.note, saved.version) == (
        Rsvp.TENTATIVE,
        "Depends on the committee's agenda.",
        2,
    )
    [entry] = _actions("invitation.updated")
    assert entry.before == {"rsvp": "pending", "note": None}
    assert entry.after["rsvp"] == "tentative"
    assert "Tentative" in text(page(client, f"/events/{event.id}"))
    # The representative's page lists the invitation.
    rep_page = page(client, f"/representatives/{invitation.representative_id}")
    assert rep_page.find("a", href=f"/events/{event.id}")


def test_attendance_is_recorded_after_the_event_and_refused_before(sign_in, world):
    event, invitation = world.home.event, world.home.invitation
    client = sign_in("member")
    url = f"/events/{event.id}/invitations/{invitation.id}"
    data = _answer_form(client, event, invitation)
    response = client.post(url, data=data | {"attended": "yes"})
    assert response.status_code == 422
    soup = BeautifulSoup(response.text, "html.parser")
    assert soup.find(id=f"attended-{invitation.id}-error").get_text(strip=True)
    assert _invitations(event)[0].attended is None

    past = EventFactory(state=world.home.state, starts_at=utcnow() - timedelta(hours=3))
    guest = InvitationFactory(event=past, representative=world.home.reps[0], rsvp=Rsvp.ACCEPTED)
    data = _answer_form(client, past, guest)
    assert data["attended"] == ""
    response = client.post(
        f"/events/{past.id}/invitations/{guest.id}", data=data | {"attended": "no"}
    )
    assert response.status_code == 302
    assert _invitations(past)[0].attended is False
    assert "Did not come" in text(page(client, f"/events/{past.id}"))


def test_two_tabs_answering_for_one_guest_conflict(sign_in, world):
    event, invitation = world.home.event, world.home.invitation
    client = sign_in("member")
    url = f"/events/{event.id}/invitations/{invitation.id}"
    first = _answer_form(client, event, invitation)
    second = _answer_form(client, event, invitation)
    assert client.post(url, data=first | {"rsvp": "accepted"}).status_code == 302
    response = client.post(url, data=second | {"rsvp": "declined"})
    assert response.status_code == 409
    soup = BeautifulSoup(response.text, "html.parser")
    alert = soup.select_one(f"#invitation-{invitation.id} .conflict")
    assert "accepted" in alert.get_text()
    assert _invitations(event)[0].rsvp is Rsvp.ACCEPTED


@pytest.mark.parametrize(
    "changes", [{"rsvp": "maybe"}, {"attended": "perhaps"}, {"note": "n" * 301}, {"version": "x"}]
)
def test_a_bad_answer_changes_nothing(sign_in, world, changes):
    event, invitation = world.home.event, world.home.invitation
    client = sign_in("member")
    data = _answer_form(client, event, invitation) | changes
    response = client.post(f"/events/{event.id}/invitations/{invitation.id}", data=data)
    assert response.status_code == 422
    assert _invitations(event)[0].version == 1
    assert _actions("invitation.updated") == []


def test_withdrawing_an_invitation(sign_in, world):
    event, invitation = world.home.event, world.home.invitation
    url = f"/events/{event.id}/invitations/{invitation.id}/remove"
    client = sign_in("member")
    data = form_values(client.get(f"/events/{event.id}").text, "main form.invitation-remove")
    response = client.post(url, data=data)
    assert response.status_code == 302
    assert _invitations(event) == []
    [entry] = _actions("invitation.removed")
    assert entry.before["representative_id"] == world.home.reps[2].id
    assert entry.state_id == world.home.state.id
    # Gone: a second try is a 404, not an error.
    again = client.post(url, data=data)
    assert again.status_code == 404


def test_an_invitation_is_only_reached_through_its_own_event(sign_in, world):
    client = sign_in("member")
    # The home invitation under another home event: not found.
    other_event = EventFactory(state=world.home.state)
    url = f"/events/{other_event.id}/invitations/{world.home.invitation.id}"
    assert post_form(client, url, {"rsvp": "accepted"}).status_code == 404
    assert post_form(client, f"{url}/remove").status_code == 404
    assert len(_invitations(world.home.event)) == 1
