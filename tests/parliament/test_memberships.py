"""Seats in parliament and on committees: end, move party, add; history is kept."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from crm.audit.models import AuditEntry
from crm.extensions import db
from crm.parliament.models import CommitteeMembership, CommitteeRole, Membership, Representative
from tests.factories import ChamberFactory, CommitteeFactory
from tests.pages import page, representative_ids
from tests.parliament.helpers import audit, field_error, form_values, page_text, sign_in, submit


def _today() -> date:
    return date.today()


@pytest.fixture
def member(client, world):
    sign_in(client, world, "member")
    return client


def _seats(rep_id: int) -> list[Membership]:
    return list(
        db.session.scalars(
            sa.select(Membership)
            .where(Membership.representative_id == rep_id)
            .order_by(Membership.start_date, Membership.id)
        )
    )


def _version(rep_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Representative, rep_id).version


# --- Ending a seat -----------------------------------------------------------------------


def test_ending_a_seat_keeps_it_in_the_history(member, world):
    rep = world.home.reps[0]
    seat = rep.memberships[0]
    url = f"/memberships/{seat.id}/end"
    assert form_values(member, url)["end_date"] == _today().isoformat()  # today by default
    yesterday = _today() - timedelta(days=1)
    version = rep.version
    response = submit(member, url, {"end_date": yesterday.isoformat()})
    assert response.status_code == 302
    [ended] = _seats(rep.id)
    assert ended.end_date == yesterday
    assert _version(rep.id) == version + 1

    [entry] = audit("membership.ended")
    assert entry.actor_id == world.member.id
    assert (entry.target_type, entry.target_id) == ("representatives", str(rep.id))
    assert entry.before["membership"]["end_date"] is None
    assert entry.after["membership"]["end_date"] == yesterday.isoformat()
    assert entry.after["version"] == version + 1

    shown = page_text(member.get(f"/representatives/{rep.id}"))
    assert world.home.chamber.name in shown
    assert yesterday.strftime("%d %b %Y") in shown
    # Without a current seat they leave the list, but not the list of former members.
    iso2 = world.home.state.iso2
    assert rep.id not in representative_ids(page(member, f"/representatives?state={iso2}"))
    assert rep.id in representative_ids(page(member, f"/representatives?state={iso2}&former=y"))


def test_a_seat_cannot_end_before_it_began(member, world):
    rep = world.home.reps[0]
    seat = rep.memberships[0]
    response = submit(
        member,
        f"/memberships/{seat.id}/end",
        {"end_date": (seat.start_date - timedelta(days=1)).isoformat()},
    )
    assert response.status_code == 422
    assert "before the seat began" in field_error(response, "end_date")
    assert _seats(rep.id)[0].end_date is None
    assert audit("membership.ended") == []


@pytest.mark.parametrize("value", ["", "not a date", "2026-02-30", "1850-01-01"])
def test_a_bad_end_date_is_refused(member, world, value):
    seat = world.home.reps[0].memberships[0]
    response = submit(member, f"/memberships/{seat.id}/end", {"end_date": value})
    assert response.status_code == 422
    assert field_error(response, "end_date")
    assert _seats(world.home.reps[0].id)[0].end_date is None


def test_an_ended_seat_cannot_end_again(member, world):
    seat = world.home.reps[0].memberships[0]
    url = f"/memberships/{seat.id}/end"
    assert submit(member, url, {"end_date": _today().isoformat()}).status_code == 302
    response = submit(member, url, {"end_date": _today().isoformat()})
    assert response.status_code == 422
    assert "already ended" in page_text(response)
    assert len(audit("membership.ended")) == 1


# --- Moving party ------------------------------------------------------------------------


def test_moving_party_ends_the_seat_the_day_before_and_opens_a_new_one(member, world):
    rep = world.home.reps[0]
    seat = rep.memberships[0]
    seat.constituency = "Cluj"
    db.session.commit()
    old_party, new_party = world.home.parties[0], world.home.parties[1]
    changed_on = _today() - timedelta(days=5)
    url = f"/representatives/{rep.id}/move-party"
    defaults = form_values(member, url)
    assert defaults["membership"] == str(seat.id)
    response = submit(
        member, url, {"party": str(new_party.id), "changed_on": changed_on.isoformat()}
    )
    assert response.status_code == 302
    old, new = _seats(rep.id)
    assert (old.party_id, old.end_date) == (old_party.id, changed_on - timedelta(days=1))
    assert (new.party_id, new.start_date, new.end_date) == (new_party.id, changed_on, None)
    assert (new.chamber_id, new.constituency) == (old.chamber_id, "Cluj")

    [entry] = audit("membership.party_changed")
    assert entry.before["membership"]["end_date"] is None
    assert entry.after["new_membership"]["party_id"] == new_party.id
    iso2 = world.home.state.iso2
    in_new_party = representative_ids(
        page(member, f"/representatives?state={iso2}&party={new_party.id}")
    )
    assert rep.id in in_new_party


def test_moving_to_independent(member, world):
    rep = world.home.reps[0]
    url = f"/representatives/{rep.id}/move-party"
    assert submit(member, url, {"party": ""}).status_code == 302
    assert _seats(rep.id)[-1].party_id is None


MOVE_BAD = {
    "party of another state": (lambda w: {"party": str(w.other.parties[1].id)}, "party"),
    "the same party": (lambda w: {"party": str(w.home.parties[0].id)}, "party"),
    "on the day the seat began": (
        lambda w: {"changed_on": w.home.reps[0].memberships[0].start_date.isoformat()},
        "changed_on",
    ),
    "no date": (lambda w: {"changed_on": ""}, "changed_on"),
    "a seat of another person": (
        lambda w: {"membership": str(w.home.reps[1].memberships[0].id)},
        "membership",
    ),
    "a seat of another state": (
        lambda w: {"membership": str(w.other.reps[0].memberships[0].id)},
        "membership",
    ),
}


@pytest.mark.parametrize(("change", "field"), list(MOVE_BAD.values()), ids=list(MOVE_BAD))
def test_a_bad_move_is_refused_and_nothing_changes(member, world, change, field):
    rep = world.home.reps[0]
    url = f"/representatives/{rep.id}/move-party"
    data = form_values(member, url) | {"party": str(world.home.parties[1].id)} | change(world)
    response = member.post(url, data=data)
    assert response.status_code == 422
    assert field_error(response, field)
    assert len(_seats(rep.id)) == 1
    assert _seats(rep.id)[0].end_date is None
    assert audit("membership.party_changed") == []


# --- Adding a seat -----------------------------------------------------------------------


def test_adding_a_seat_in_another_chamber(member, world):
    rep = world.home.reps[0]
    senate = ChamberFactory(state=world.home.state, name="Home Senate")
    url = f"/representatives/{rep.id}/memberships/new"
    response = submit(
        member,
        url,
        {
            "chamber": str(senate.id),
            "party": str(world.home.parties[1].id),
            "legislative_period": "2026–2030",
            "start_date": _today().isoformat(),
        },
    )
    assert response.status_code == 302
    added = _seats(rep.id)[-1]
    assert (added.chamber_id, added.legislative_period) == (senate.id, "2026–2030")
    [entry] = audit("membership.added")
    assert entry.after["membership"]["id"] == added.id


def test_a_new_seat_after_an_election_once_the_old_one_ended(member, world):
    rep = world.home.reps[0]
    seat = rep.memberships[0]
    end = _today() - timedelta(days=30)
    assert (
        submit(member, f"/memberships/{seat.id}/end", {"end_date": end.isoformat()}).status_code
        == 302
    )
    url = f"/representatives/{rep.id}/memberships/new"
    data = {
        "chamber": str(world.home.chamber.id),
        "start_date": (end + timedelta(days=1)).isoformat(),
    }
    assert submit(member, url, data).status_code == 302
    assert [s.end_date for s in _seats(rep.id)] == [end, None]


SEAT_BAD = {
    "overlapping seat in the same chamber": (
        lambda w: {"chamber": str(w.home.chamber.id)},
        "start_date",
    ),
    "chamber of another state": (lambda w: {"chamber": str(w.other.chamber.id)}, "chamber"),
    "party of another state": (lambda w: {"party": str(w.other.parties[0].id)}, "party"),
    "start date far ahead": (lambda w: {"start_date": "2999-01-01"}, "start_date"),
}


@pytest.mark.parametrize(("change", "field"), list(SEAT_BAD.values()), ids=list(SEAT_BAD))
def test_a_bad_seat_is_refused(member, world, change, field):
    rep = world.home.reps[0]
    senate = ChamberFactory(state=world.home.state, name="Home Senate")
    url = f"/representatives/{rep.id}/memberships/new"
    base = {"chamber": str(senate.id), "start_date": _today().isoformat()}
    response = member.post(url, data=form_values(member, url) | base | change(world))
    assert response.status_code == 422
    assert field_error(response, field)
    assert len(_seats(rep.id)) == 1
    assert audit("membership.added") == []


# --- Committee seats ---------------------------------------------------------------------


def test_adding_and_ending_a_committee_seat(member, world):
    rep = world.home.reps[1]
    url = f"/representatives/{rep.id}/committee-memberships/new"
    start = _today() - timedelta(days=60)
    response = submit(
        member,
        url,
        {
            "committee": str(world.home.committee.id),
            "role": "rapporteur",
            "start_date": start.isoformat(),
        },
    )
    assert response.status_code == 302
    seat = db.session.scalars(
        sa.select(CommitteeMembership).where(CommitteeMembership.representative_id == rep.id)
    ).one()
    assert (seat.role, seat.start_date, seat.end_date) == (CommitteeRole.RAPPORTEUR, start, None)
    shown = page_text(member.get(f"/representatives/{rep.id}"))
    assert "Rapporteur" in shown
    assert world.home.committee.name in shown

    end_url = f"/committee-memberships/{seat.id}/end"
    too_early = submit(member, end_url, {"end_date": (start - timedelta(days=1)).isoformat()})
    assert too_early.status_code == 422
    assert field_error(too_early, "end_date")
    assert submit(member, end_url, {"end_date": _today().isoformat()}).status_code == 302
    db.session.expire_all()
    assert db.session.get(CommitteeMembership, seat.id).end_date == _today()
    assert [e.action for e in audit("committee_membership.added")] == ["committee_membership.added"]
    [ended] = audit("committee_membership.ended")
    assert ended.after["committee_membership"]["end_date"] == _today().isoformat()


COMMITTEE_BAD = {
    "committee of another state": (lambda w: {"committee": str(w.other.committee.id)}, "committee"),
    "no committee": (lambda w: {"committee": ""}, "committee"),
    "unknown role": (lambda w: {"role": "king"}, "role"),
    "no start date": (lambda w: {"start_date": ""}, "start_date"),
    "already on the committee": (lambda w: {"committee": str(w.home.committee.id)}, "start_date"),
}


@pytest.mark.parametrize(("change", "field"), list(COMMITTEE_BAD.values()), ids=list(COMMITTEE_BAD))
def test_a_bad_committee_seat_is_refused(member, world, change, field):
    rep = world.home.reps[0]  # already chairs the home committee
    other_committee = CommitteeFactory(chamber=world.home.chamber, name="Home Legal Affairs")
    url = f"/representatives/{rep.id}/committee-memberships/new"
    base = {"committee": str(other_committee.id), "start_date": _today().isoformat()}
    response = member.post(url, data=form_values(member, url) | base | change(world))
    assert response.status_code == 422
    assert field_error(response, field)
    assert len(db.session.get(Representative, rep.id).committee_memberships) == 1
    assert audit("committee_membership.added") == []


def test_the_committee_choices_are_the_states_own(member, world):
    rep = world.home.reps[1]
    soup = page(member, f"/representatives/{rep.id}/committee-memberships/new")
    values = [o["value"] for o in soup.select("select[name=committee] option")]
    assert values == ["", str(world.home.committee.id)]


# --- One version for the whole record ----------------------------------------------------


def test_a_profile_form_opened_before_a_contact_was_added_gets_a_conflict(member, world):
    rep = world.home.reps[0]
    edit_url = f"/representatives/{rep.id}/edit"
    profile_tab = form_values(member, edit_url)
    added = submit(
        member,
        f"/representatives/{rep.id}/contact-details/new",
        {"kind": "email", "value": "tab.two@parliament.example"},
    )
    assert added.status_code == 302

    response = member.post(edit_url, data=profile_tab | {"notes": "From the first tab"})
    assert response.status_code == 409
    alert = BeautifulSoup(response.get_data(as_text=True), "html.parser").find(class_="conflict")
    assert "tab.two@parliament.example" in alert.get_text()
    assert world.member.email in alert.get_text()
    assert db.session.get(Representative, rep.id).notes is None


def test_two_tabs_moving_one_seat_cannot_both_succeed(member, world):
    rep = world.home.reps[0]
    url = f"/representatives/{rep.id}/move-party"
    first = form_values(member, url) | {"party": str(world.home.parties[1].id)}
    second = form_values(member, url) | {"party": ""}
    assert member.post(url, data=first).status_code == 302
    response = member.post(url, data=second)
    assert response.status_code == 409
    assert "Not saved" in page_text(response)
    assert len(_seats(rep.id)) == 2
    assert len(audit("membership.party_changed")) == 1


def test_every_change_of_the_record_moves_the_version_once(member, world):
    rep = world.home.reps[0]
    version = rep.version
    steps = [
        (f"/representatives/{rep.id}/other-names/new", {"name": "Хоум", "lang": "ru"}),
        (f"/representatives/{rep.id}/contact-details/new", {"kind": "fax", "value": "+40 21 1"}),
        (f"/committee-memberships/{rep.committee_memberships[0].id}/end", {}),
        (f"/representatives/{rep.id}/move-party", {"party": ""}),
    ]
    for n, (url, changes) in enumerate(steps, start=1):
        assert submit(member, url, changes).status_code == 302, url
        assert _version(rep.id) == version + n, url
    entries = db.session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.target_type == "representatives", AuditEntry.target_id == str(rep.id))
        .order_by(AuditEntry.id)
    ).all()
    assert [e.after["version"] for e in entries] == [version + n for n in range(1, 5)]


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("member", True), ("admin", True), ("other_member", False), ("coordinator", False),
     ("staff", False)],
)  # fmt: skip
def test_the_page_offers_seat_changes_only_to_those_who_may(client, world, who, allowed):
    rep = world.home.reps[0]
    links = {
        f"/representatives/{rep.id}/memberships/new",
        f"/representatives/{rep.id}/move-party",
        f"/memberships/{rep.memberships[0].id}/end",
        f"/representatives/{rep.id}/committee-memberships/new",
        f"/committee-memberships/{rep.committee_memberships[0].id}/end",
    }
    sign_in(client, world, who)
    hrefs = {a["href"] for a in page(client, f"/representatives/{rep.id}").find_all("a", href=True)}
    assert links & hrefs == (links if allowed else set())
