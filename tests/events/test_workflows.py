"""Planning, editing, cancelling and archiving events, end to end through the pages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from crm.audit.models import AuditEntry
from crm.db import utcnow
from crm.events.models import Event, EventKind, EventStatus
from crm.extensions import db
from tests.conftest import post_form
from tests.events.factories import form_values
from tests.factories import EventFactory
from tests.pages import page, text

# A winter's day next year: Europe/Bucharest is on EET (UTC+2).
WINTER = date(date.today().year + 1, 1, 15)


def _audit(action: str) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )


def _events() -> list[Event]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Event).order_by(Event.id)))


def _new_form(client, world, **changes: str) -> dict[str, str]:
    data = form_values(client.get(f"/states/{world.home.state.iso2}/events/new").text)
    return (
        data
        | {
            "title": "Petition hand-over at the Senate",
            "kind": "petition_handover",
            "starts_at": f"{WINTER:%Y-%m-%d}T18:00",
            "ends_at": f"{WINTER:%Y-%m-%d}T19:30",
            "venue": "Senate steps",
            "expected_attendance": "80",
            "press_links": "https://news.example/a\nhttp://radio.example/b\n",
        }
        | changes
    )


def test_section_member_plans_an_event_in_local_time(sign_in, world):
    client = sign_in("member")
    url = f"/states/{world.home.state.iso2}/events/new"
    form = _new_form(client, world)
    # The organising section is preselected: the member's own.
    assert form["section"] == str(world.member.sections[0].id)
    response = client.post(url, data=form)
    assert response.status_code == 302
    event = _events()[-1]
    assert response.headers["Location"] == f"/events/{event.id}"
    # Entered 18:00 in Bucharest in winter (EET, UTC+2): stored 16:00 UTC.
    assert event.starts_at == datetime(WINTER.year, 1, 15, 16, 0, tzinfo=UTC)
    assert event.ends_at == datetime(WINTER.year, 1, 15, 17, 30, tzinfo=UTC)
    assert (event.kind, event.status) == (EventKind.PETITION_HANDOVER, EventStatus.PLANNED)
    assert event.press_links == ["https://news.example/a", "http://radio.example/b"]
    assert event.created_by_id == world.member.id
    assert event.section_id == world.member.sections[0].id
    [entry] = _audit("event.created")
    assert (entry.actor_id, entry.state_id, entry.target_id) == (
        world.member.id,
        world.home.state.id,
        str(event.id),
    )

    # Shown back as 18:00, on the event page and in the edit form.
    body = text(page(client, f"/events/{event.id}"))
    assert f"{WINTER:%a %d %b %Y}, 18:00–19:30 EET" in body
    assert "Europe/Bucharest" in body
    edit = form_values(client.get(f"/events/{event.id}/edit").text)
    assert edit["starts_at"] == f"{WINTER:%Y-%m-%d}T18:00"
    assert edit["ends_at"] == f"{WINTER:%Y-%m-%d}T19:30"


def test_the_event_page_shows_what_was_entered(sign_in, world):
    client = sign_in("member")
    client.post(
        f"/states/{world.home.state.iso2}/events/new",
        data=_new_form(client, world, description="Bring the boxes of signatures."),
    )
    event = _events()[-1]
    client = sign_in("staff")
    soup = page(client, f"/events/{event.id}")
    body = text(soup)
    for expected in ("Petition hand-over at the Senate", "Petition handover", "Planned",
                     "Senate steps", "80", "Bring the boxes of signatures.",
                     world.member.sections[0].name):  # fmt: skip
        assert expected in body, expected
    # Staff read but change nothing: no buttons.
    assert not soup.select("main form[method=post]")
    assert not soup.find("a", href=f"/events/{event.id}/edit")


def test_editing_an_event_is_versioned_and_audited(sign_in, world):
    event = world.home.event
    client = sign_in("member")
    url = f"/events/{event.id}/edit"
    data = form_values(client.get(url).text) | {"title": "Vigil, indoors", "venue": "Hall B"}
    assert client.post(url, data=data).status_code == 302
    saved = _events()[0]
    assert (saved.title, saved.venue, saved.version) == ("Vigil, indoors", "Hall B", 2)
    # The times were not touched by a round trip through the form.
    assert saved.starts_at == event.starts_at.replace(second=0, microsecond=0)
    [entry] = _audit("event.updated")
    assert entry.before["title"] == "Home vigil"
    assert entry.after["title"] == "Vigil, indoors"
    assert entry.after["version"] == 2


def test_the_second_of_two_tabs_gets_a_conflict_not_an_overwrite(sign_in, world):
    event = world.home.event
    client = sign_in("member")
    url = f"/events/{event.id}/edit"
    first_tab = form_values(client.get(url).text)
    second_tab = form_values(client.get(url).text)
    assert client.post(url, data=first_tab | {"venue": "From tab one"}).status_code == 302

    response = client.post(url, data=second_tab | {"venue": "From tab two", "city": "Elsewhere"})
    assert response.status_code == 409
    soup = BeautifulSoup(response.text, "html.parser")
    alert = soup.find(class_="conflict")
    assert "From tab one" in alert.get_text()
    assert world.member.email in alert.get_text()
    saved = _events()[0]
    assert (saved.venue, saved.city, saved.version) == ("From tab one", None, 2)
    assert len(_audit("event.updated")) == 1

    # The re-shown form carries the current version: saving again is a conscious choice.
    again = form_values(response.text)
    assert again["venue"] == "From tab two"
    assert client.post(url, data=again).status_code == 302
    assert _events()[0].venue == "From tab two"


def test_cancelling_keeps_the_event_listed_as_cancelled(sign_in, world):
    event = world.home.event
    client = sign_in("member")
    data = form_values(client.get(f"/events/{event.id}").text, "main form[action$='/cancel']")
    response = client.post(f"/events/{event.id}/cancel", data=data)
    assert response.status_code == 302
    saved = _events()[0]
    assert (saved.status, saved.archived_at) == (EventStatus.CANCELLED, None)
    [entry] = _audit("event.cancelled")
    assert (entry.before, entry.after) == ({"status": "planned"}, {"status": "cancelled",
                                                                    "version": 2})  # fmt: skip
    listing = page(client, f"/states/{world.home.state.iso2}/events")
    row = listing.find("a", href=f"/events/{event.id}").find_parent("tr")
    assert "Cancelled" in text(row)

    # Cancelling twice is refused, and says why.
    again = client.post(f"/events/{event.id}/cancel", data=data | {"version": "2"})
    assert again.status_code == 422
    assert "already cancelled" in again.text
    assert len(_audit("event.cancelled")) == 1


def test_cancelling_from_a_stale_page_is_a_conflict(sign_in, world):
    event = world.home.event
    client = sign_in("member")
    stale = form_values(client.get(f"/events/{event.id}").text, "main form[action$='/cancel']")
    edit = f"/events/{event.id}/edit"
    client.post(edit, data=form_values(client.get(edit).text) | {"title": "Renamed"})
    response = client.post(f"/events/{event.id}/cancel", data=stale)
    assert response.status_code == 409
    assert _events()[0].status is EventStatus.PLANNED


def test_a_held_event_cannot_be_cancelled(sign_in, world):
    event = EventFactory(
        state=world.home.state, status=EventStatus.HELD, starts_at=utcnow() - timedelta(days=2)
    )
    client = sign_in("member")
    soup = page(client, f"/events/{event.id}")
    assert not soup.select("main form[action$='/cancel']")
    response = post_form(client, f"/events/{event.id}/cancel", {"version": "1"})
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Event, event.id).status is EventStatus.HELD


def test_archiving_hides_the_event_and_only_an_admin_restores_it(sign_in, world):
    event = world.home.event
    client = sign_in("member")
    data = form_values(client.get(f"/events/{event.id}").text, "main form[action$='/archive']")
    assert client.post(f"/events/{event.id}/archive", data=data).status_code == 302
    assert _events()[0].archived_at is not None
    assert _audit("event.archived")

    listing = page(client, "/events")
    assert not listing.find("a", href=f"/events/{event.id}")
    archived = page(client, "/events?archived=y&when=all")
    assert archived.find("a", href=f"/events/{event.id}")
    soup = page(client, f"/events/{event.id}")
    assert "Archived" in text(soup)
    # An archived event cannot be edited or restored by its section.
    assert not soup.find("a", href=f"/events/{event.id}/edit")
    assert not soup.select("main form[action$='/restore']")
    edit = client.post(f"/events/{event.id}/edit", data=form_values(client.get(
        f"/events/{event.id}/edit").text) | {"title": "Sneaky"})  # fmt: skip
    assert edit.status_code == 422
    assert client.post(f"/events/{event.id}/restore", data=data).status_code == 403

    admin = sign_in("admin")
    restore = form_values(admin.get(f"/events/{event.id}").text, "main form[action$='/restore']")
    assert admin.post(f"/events/{event.id}/restore", data=restore).status_code == 302
    assert _events()[0].archived_at is None
    assert _events()[0].title == "Home vigil"
    assert _audit("event.restored")


def test_after_the_event_its_results_are_recorded(sign_in, world):
    event = EventFactory(
        state=world.home.state,
        title="Hand-over",
        starts_at=utcnow() - timedelta(days=1),
        ends_at=utcnow() - timedelta(days=1) + timedelta(hours=2),
    )
    client = sign_in("member")
    url = f"/events/{event.id}/edit"
    data = form_values(client.get(url).text) | {
        "status": "held",
        "actual_attendance": "230",
        "signatures_handed_over": "15400",
        "outcome": "Received by the Speaker's chief of staff.",
        "press_links": "https://news.example/handover",
    }
    assert client.post(url, data=data).status_code == 302
    db.session.expire_all()
    saved = db.session.get(Event, event.id)
    assert (saved.status, saved.actual_attendance, saved.signatures_handed_over) == (
        EventStatus.HELD,
        230,
        15400,
    )
    soup = page(client, f"/events/{event.id}")
    assert "15,400" in text(soup)
    assert "Received by the Speaker's chief of staff." in text(soup)
    link = soup.find("a", href="https://news.example/handover")
    assert "noopener" in link["rel"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 301}, "title"),
        ({"kind": "party"}, "kind"),
        ({"status": "cancelled"}, "status"),
        ({"status": "postponed"}, "status"),
        ({"status": "held"}, "status"),  # it has not started yet
        ({"starts_at": ""}, "starts_at"),
        ({"starts_at": "2026-02-30T18:00"}, "starts_at"),
        ({"starts_at": "next Tuesday"}, "starts_at"),
        ({"starts_at": "1800-01-01T18:00"}, "starts_at"),
        ({"ends_at": f"{WINTER:%Y-%m-%d}T17:00"}, "ends_at"),
        ({"ends_at": "soon"}, "ends_at"),
        ({"starts_at_fold": "2"}, "starts_at_fold"),
        ({"city": "c" * 121}, "city"),
        ({"venue": "v" * 301}, "venue"),
        ({"section": "999999"}, "section"),
        ({"stage": "999999"}, "stage"),
        ({"expected_attendance": "-1"}, "expected_attendance"),
        ({"expected_attendance": "lots"}, "expected_attendance"),
        ({"expected_attendance": "99999999999999999999"}, "expected_attendance"),
        ({"actual_attendance": "40"}, "actual_attendance"),  # before the event
        ({"signatures_handed_over": "1000"}, "signatures_handed_over"),  # before the event
        ({"press_links": "javascript:alert(1)"}, "press_links"),
        ({"press_links": "ftp://files.example/x"}, "press_links"),
        ({"press_links": "news.example/no-scheme"}, "press_links"),
        ({"press_links": "https://"}, "press_links"),
        ({"press_links": "\n".join(f"https://n.example/{n}" for n in range(21))}, "press_links"),
        ({"outcome": "o" * 10_001}, "outcome"),
        ({"description": "d" * 10_001}, "description"),
    ],
)
def test_bad_input_is_explained_next_to_the_field_and_nothing_is_written(
    sign_in, world, changes, field
):
    client = sign_in("member")
    before = len(_events())
    response = client.post(
        f"/states/{world.home.state.iso2}/events/new", data=_new_form(client, world, **changes)
    )
    assert response.status_code == 422
    soup = BeautifulSoup(response.text, "html.parser")
    control = soup.find(attrs={"name": field})
    assert control is not None, field
    assert control.get("aria-invalid") == "true"
    assert soup.find(id=f"{field}-error").get_text(strip=True)
    assert len(_events()) == before
    assert _audit("event.created") == []


def test_sections_and_stages_of_another_state_cannot_be_chosen(sign_in, world):
    client = sign_in("member")
    other_section = world.other_member.sections[0]
    for changes in ({"section": str(other_section.id)},
                    {"stage": str(world.other.stages[0].id)}):  # fmt: skip
        response = client.post(
            f"/states/{world.home.state.iso2}/events/new", data=_new_form(client, world, **changes)
        )
        assert response.status_code == 422
    assert len(_events()) == 2


def test_a_bad_edit_changes_nothing(sign_in, world):
    event = world.home.event
    client = sign_in("member")
    url = f"/events/{event.id}/edit"
    data = form_values(client.get(url).text)
    response = client.post(url, data=data | {"title": "New title", "expected_attendance": "-5"})
    assert response.status_code == 422
    saved = _events()[0]
    assert (saved.title, saved.version) == ("Home vigil", 1)
    assert _audit("event.updated") == []


def test_a_past_event_may_be_entered_as_held_afterwards(sign_in, world):
    client = sign_in("member")
    yesterday = date.today() - timedelta(days=1)
    data = _new_form(
        client,
        world,
        status="held",
        starts_at=f"{yesterday:%Y-%m-%d}T10:00",
        ends_at=f"{yesterday:%Y-%m-%d}T11:00",
        actual_attendance="45",
        signatures_handed_over="3000",
    )
    response = client.post(f"/states/{world.home.state.iso2}/events/new", data=data)
    assert response.status_code == 302
    event = _events()[-1]
    assert (event.status, event.actual_attendance) == (EventStatus.HELD, 45)
