"""Editing a representative's profile and recording stances: the one write path in use."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from crm.audit.models import AuditEntry
from crm.auth.models import Role
from crm.extensions import db
from crm.parliament.models import Representative, Stance, StanceRecord
from tests.conftest import csrf_token, sign_in
from tests.factories import (
    ChamberFactory,
    StateFactory,
    UserFactory,
    seated_representative,
    section_member,
)


@pytest.fixture
def world(app):
    home, other = StateFactory(), StateFactory()
    rep = seated_representative(ChamberFactory(state=home), name="Ana Popescu")
    return {
        "rep": rep,
        "member": section_member(home),
        "other_member": section_member(other),
        "coordinator": UserFactory(role=Role.COORDINATOR),
        "staff": UserFactory(role=Role.STAFF),
        "admin": UserFactory(role=Role.ADMIN),
    }


def _form(client, url: str) -> dict[str, str]:
    """The form's current values, as a browser would submit them."""
    soup = BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser")
    data = {}
    for control in soup.select("form[method=post] [name]"):
        name = control["name"]
        if control.name == "select":
            chosen = control.find("option", selected=True) or control.find("option")
            data[name] = chosen["value"] if chosen else ""
        elif control.name == "textarea":
            # Browsers drop the line break that follows <textarea>.
            data[name] = control.get_text().removeprefix("\r\n").removeprefix("\n")
        elif control.get("type") == "checkbox":
            if control.has_attr("checked"):
                data[name] = control.get("value", "y")
        elif control.get("type") != "submit":
            data[name] = control.get("value", "")
    return data


def _audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


def test_section_member_edits_a_representative_of_their_state(client, world):
    rep = world["rep"]
    sign_in(client, world["member"].email)
    url = f"/representatives/{rep.id}/edit"
    data = _form(client, url) | {"influence": "5", "languages": "ro, fr", "notes": "Lawyer."}
    response = client.post(url, data=data)
    assert response.status_code == 302
    saved = db.session.get(Representative, rep.id)
    assert (saved.influence, saved.languages, saved.notes) == (5, ["ro", "fr"], "Lawyer.")
    assert saved.version == 2
    [entry] = _audit("representative.updated")
    assert entry.actor_id == world["member"].id
    assert entry.before == {"influence": 3, "languages": [], "notes": None}
    assert entry.after == {"influence": 5, "languages": ["ro", "fr"], "notes": "Lawyer.",
                           "version": 2}  # fmt: skip


@pytest.mark.parametrize("who", ["other_member", "coordinator", "staff"])
def test_others_may_not_edit_a_representative(client, world, who):
    rep = world["rep"]
    sign_in(client, world[who].email)
    url = f"/representatives/{rep.id}/edit"
    assert client.get(url).status_code == 403
    token = csrf_token(client.get("/account").get_data(as_text=True))
    response = client.post(url, data={"csrf_token": token, "name": "Hacked", "influence": "1"})
    assert response.status_code == 403
    assert db.session.get(Representative, rep.id).name == "Ana Popescu"
    assert _audit("representative.updated") == []


def test_an_admin_may_edit_any_representative(client, world):
    sign_in(client, world["admin"].email)
    url = f"/representatives/{world['rep'].id}/edit"
    response = client.post(url, data=_form(client, url) | {"name": "Ana M. Popescu"})
    assert response.status_code == 302
    assert db.session.get(Representative, world["rep"].id).name == "Ana M. Popescu"


def test_the_second_of_two_tabs_gets_a_conflict_not_an_overwrite(client, world):
    rep = world["rep"]
    sign_in(client, world["member"].email)
    url = f"/representatives/{rep.id}/edit"
    first_tab = _form(client, url)
    second_tab = _form(client, url)
    assert client.post(url, data=first_tab | {"notes": "From tab one"}).status_code == 302

    response = client.post(url, data=second_tab | {"notes": "From tab two", "influence": "1"})
    assert response.status_code == 409
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    alert = soup.find(class_="conflict")
    assert "From tab one" in alert.get_text()
    assert world["member"].email in alert.get_text()
    saved = db.session.get(Representative, rep.id)
    assert (saved.notes, saved.influence) == ("From tab one", 3)

    # The form now carries the current version: saving again is a conscious overwrite.
    again = _form_from(soup)
    assert client.post(url, data=again).status_code == 302
    db.session.expire_all()
    assert db.session.get(Representative, rep.id).notes == "From tab two"


def _form_from(soup: BeautifulSoup) -> dict[str, str]:
    data = {}
    for control in soup.select("form[method=post] [name]"):
        if control.name == "select":
            chosen = control.find("option", selected=True) or control.find("option")
            data[control["name"]] = chosen["value"]
        elif control.name == "textarea":
            data[control["name"]] = control.get_text().removeprefix("\r\n").removeprefix("\n")
        elif control.get("type") not in ("submit", "checkbox"):
            data[control["name"]] = control.get("value", "")
    return data


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"influence": "9"}, "influence"),
        ({"name": "x" * 201}, "name"),
        ({"do_not_contact": "y", "do_not_contact_reason": ""}, "do_not_contact_reason"),
        ({"tags": ",".join(f"t{n}" for n in range(25))}, "tags"),
        ({"version": "abc"}, "version"),
    ],
)
def test_bad_input_is_explained_next_to_the_field_and_saves_nothing(client, world, changes, field):
    rep = world["rep"]
    sign_in(client, world["member"].email)
    url = f"/representatives/{rep.id}/edit"
    response = client.post(url, data=_form(client, url) | changes)
    assert response.status_code == 422
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    if field != "version":
        control = soup.find(attrs={"name": field})
        assert control.get("aria-invalid") == "true"
        assert soup.find(id=f"{field}-error").get_text(strip=True)
    saved = db.session.get(Representative, rep.id)
    assert (saved.name, saved.version) == ("Ana Popescu", 1)
    assert _audit("representative.updated") == []


def test_recording_a_stance_updates_the_current_stance(client, world):
    rep = world["rep"]
    sign_in(client, world["member"].email)
    url = f"/representatives/{rep.id}/stances/new"
    data = _form(client, url) | {
        "stance": "leaning_against",
        "source": "private_meeting",
        "confidence": "high",
        "note": "Said so after the committee.",
    }
    assert client.post(url, data=data).status_code == 302
    saved = db.session.get(Representative, rep.id)
    assert (saved.stance, saved.stance_on) == (Stance.LEANING_AGAINST, date.today())
    [entry] = _audit("stance.recorded")
    assert entry.after["stance"] == "leaning_against"
    page = client.get(f"/representatives/{rep.id}").get_data(as_text=True)
    assert "Said so after the committee." in page


@pytest.mark.parametrize(
    "changes",
    [
        {"observed_on": (date.today() + timedelta(days=2)).isoformat()},
        {"observed_on": "not a date"},
        {"stance": "adores-us"},
        {"source": "rumour"},
    ],
)
def test_a_bad_stance_is_refused_and_nothing_is_written(client, world, changes):
    rep = world["rep"]
    sign_in(client, world["member"].email)
    url = f"/representatives/{rep.id}/stances/new"
    data = _form(client, url) | {"stance": "undecided", "source": "media"} | changes
    assert client.post(url, data=data).status_code == 422
    assert db.session.scalars(sa.select(StanceRecord)).all() == []
    assert db.session.get(Representative, rep.id).stance is Stance.UNKNOWN


def test_a_coordinator_records_a_stance_in_any_state(client, world):
    """Coordinators log contacts in every state, and the stances seen in them (README,
    "Who may do what")."""
    rep = world["rep"]
    sign_in(client, world["coordinator"].email)
    url = f"/representatives/{rep.id}/stances/new"
    data = _form(client, url) | {"stance": "undecided", "source": "media", "confidence": "low"}
    assert client.post(url, data=data).status_code in (302, 303)
    assert [r.stance for r in db.session.scalars(sa.select(StanceRecord))] == [Stance.UNDECIDED]


@pytest.mark.parametrize("who", ["other_member", "staff"])
def test_others_may_not_record_a_stance(client, world, who):
    rep = world["rep"]
    sign_in(client, world[who].email)
    url = f"/representatives/{rep.id}/stances/new"
    assert client.get(url).status_code == 403
    token = csrf_token(client.get("/account").get_data(as_text=True))
    data = {"csrf_token": token, "stance": "undecided", "source": "media",
            "confidence": "low", "observed_on": date.today().isoformat()}  # fmt: skip
    assert client.post(url, data=data).status_code == 403
    assert db.session.scalars(sa.select(StanceRecord)).all() == []


def test_renaming_moves_the_version_once_and_search_finds_the_new_name(client, world):
    rep = world["rep"]
    sign_in(client, world["member"].email)
    url = f"/representatives/{rep.id}/edit"
    assert client.post(url, data=_form(client, url) | {"name": "Ana Ștefănescu"}).status_code == 302
    saved = db.session.get(Representative, rep.id)
    [entry] = _audit("representative.updated")
    assert saved.version == entry.after["version"] == 2
    listing = client.get("/representatives?q=stefanescu").get_data(as_text=True)
    assert f"/representatives/{rep.id}" in listing


def test_clearing_the_reason_of_a_do_not_contact_is_refused(client, world):
    rep = world["rep"]
    sign_in(client, world["member"].email)
    url = f"/representatives/{rep.id}/edit"
    data = _form(client, url) | {"do_not_contact": "y", "do_not_contact_reason": "Asked us not to"}
    assert client.post(url, data=data).status_code == 302
    response = client.post(url, data=_form(client, url) | {"do_not_contact_reason": ""})
    assert response.status_code == 422
    assert db.session.get(Representative, rep.id).do_not_contact_reason == "Asked us not to"


def test_a_stance_recorded_meanwhile_does_not_make_the_profile_form_stale(client, world):
    """The current stance is derived from stance records: recording one is not an edit of
    the profile, so a profile form opened before it still saves."""
    from crm.parliament.models import Confidence, StanceSource
    from crm.parliament.services import record_stance

    rep = world["rep"]
    sign_in(client, world["member"].email)
    url = f"/representatives/{rep.id}/edit"
    opened = _form(client, url)
    version = db.session.get(Representative, rep.id).version
    record_stance(
        world["member"],
        db.session.get(Representative, rep.id),
        stance=Stance.LEANING_FOR,
        source=StanceSource.PUBLIC_STATEMENT,
        observed_on=date.today() - timedelta(days=1),
        confidence=Confidence.HIGH,
    )
    db.session.commit()
    db.session.expire_all()
    saved = db.session.get(Representative, rep.id)
    assert (saved.stance, saved.version) == (Stance.LEANING_FOR, version)

    assert client.post(url, data=opened | {"notes": "Met at the embassy"}).status_code == 302
    db.session.expire_all()
    saved = db.session.get(Representative, rep.id)
    assert (saved.notes, saved.stance) == ("Met at the embassy", Stance.LEANING_FOR)


def test_an_emptied_sort_name_is_made_as_for_a_new_person(client, world):
    """A person is sorted "Family, Given" when no sort name is given, whether they were
    added on a page, from a file or edited (crm.parliament.models.sort_name_for)."""
    rep = world["rep"]
    sign_in(client, world["member"].email)
    url = f"/representatives/{rep.id}/edit"
    data = _form(client, url) | {"sort_name": "", "given_name": "Ana", "family_name": "Popescu"}
    assert client.post(url, data=data).status_code == 302
    assert db.session.get(Representative, rep.id).sort_name == "Popescu, Ana"

    data = _form(client, url) | {"sort_name": "", "given_name": "", "family_name": ""}
    assert client.post(url, data=data).status_code == 302
    assert db.session.get(Representative, rep.id).sort_name == "Ana Popescu"
