"""Editing a state's agreement: coordinators only, audited, no lost edits, bad input refused."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from crm.audit.models import AuditEntry
from crm.extensions import db
from crm.states.models import Agreement, AgreementStatus, RatificationRoute
from tests.conftest import csrf_token, login, sign_in
from tests.factories import PASSWORD
from tests.pages import page, text


def form_values(soup: BeautifulSoup) -> dict[str, str]:
    """The values a browser would submit from the page's POST form."""
    data = {}
    form = soup.select_one("main form[method=post]")
    for control in form.select("[name]"):
        name = control["name"]
        if control.name == "select":
            chosen = control.find("option", selected=True) or control.find("option")
            data[name] = chosen["value"] if chosen else ""
        elif control.name == "textarea":
            data[name] = control.get_text().removeprefix("\r\n").removeprefix("\n")
        elif control.get("type") in ("checkbox", "radio"):
            if control.has_attr("checked"):
                data[name] = control.get("value", "y")
        elif control.get("type") != "submit":
            data[name] = control.get("value", "")
    return data


def form_of(client, url: str) -> dict[str, str]:
    return form_values(page(client, url))


def _url(world) -> str:
    return f"/states/{world.home.state.iso2}/agreement/edit"


def _audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


def _agreement(world) -> Agreement:
    db.session.expire_all()
    return db.session.get(Agreement, world.home.agreement.id)


def test_coordinator_sets_status_route_and_executive_estimate(client, world):
    sign_in(client, world.coordinator.email)
    url = _url(world)
    data = form_of(client, url) | {
        "status": "signed",
        "route": "executive",
        "route_note": "By decree under article 91.",
        "signed_on": "2002-09-12",
        "executive_probability": "35",
        "notes": "The cabinet meets on Thursdays.",
    }
    response = client.post(url, data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/states/{world.home.state.iso2}/agreement")
    saved = _agreement(world)
    assert saved.status is AgreementStatus.SIGNED
    assert saved.route is RatificationRoute.EXECUTIVE
    assert saved.route_note == "By decree under article 91."
    assert saved.signed_on == date(2002, 9, 12)
    assert saved.executive_probability == pytest.approx(0.35)
    assert saved.version == 2
    [entry] = _audit("agreement.updated")
    assert entry.actor_id == world.coordinator.id
    assert entry.state_id == world.home.state.id
    assert entry.before["status"] == "before_parliament"
    assert entry.before["route"] == "parliament"
    assert entry.before["executive_probability"] is None
    assert entry.after["status"] == "signed"
    assert entry.after["executive_probability"] == pytest.approx(0.35)
    assert entry.after["version"] == 2

    body = text(page(client, f"/states/{world.home.state.iso2}/agreement"))
    assert "Executive (no parliamentary vote)" in body
    assert "35 %" in body
    assert "By decree under article 91." in body


def test_the_edit_form_shows_the_estimate_as_a_percentage_with_its_meaning(client, world):
    world.home.agreement.executive_probability = 0.6
    db.session.commit()
    sign_in(client, world.admin.email)
    soup = page(client, _url(world))
    field = soup.find("input", attrs={"name": "executive_probability"})
    assert field["value"] == "60"
    hint = soup.find(id=field["aria-describedby"].split()[0])
    assert "Only used when the route is “Executive”" in hint.get_text()


def test_admin_may_edit_the_agreement(client, world):
    sign_in(client, world.admin.email)
    url = _url(world)
    response = client.post(url, data=form_of(client, url) | {"status": "rejected"})
    assert response.status_code == 302
    assert _agreement(world).status is AgreementStatus.REJECTED


@pytest.mark.parametrize("who", ["member", "other_member", "staff"])
def test_only_coordinators_and_admins_edit_an_agreement(client, world, who):
    login(client, getattr(world, who).email, PASSWORD)
    url = _url(world)
    assert client.get(url).status_code == 403
    token = csrf_token(client.get("/account").get_data(as_text=True))
    data = {"csrf_token": token, "status": "ratified", "route": "parliament", "version": "1"}
    assert client.post(url, data=data).status_code == 403
    assert _agreement(world).status is AgreementStatus.BEFORE_PARLIAMENT
    assert _audit("agreement.updated") == []


@pytest.mark.parametrize("where", ["agreement", "state"])
@pytest.mark.parametrize(
    ("who", "shown"), [("member", False), ("staff", False), ("coordinator", True), ("admin", True)]
)
def test_edit_links_show_only_to_those_who_may_edit(app, world, where, who, shown):
    client = app.test_client()
    iso2 = world.home.state.iso2
    login(client, getattr(world, who).email, PASSWORD)
    soup = page(client, f"/states/{iso2}" + ("/agreement" if where == "agreement" else ""))
    assert bool(soup.find("a", href=_url(world))) is shown
    assert bool(soup.find("a", href=f"/states/{iso2}/stages/new")) is shown
    # Every stage links to its page.
    for stage in world.home.stages:
        assert soup.find("a", href=f"/stages/{stage.id}")


def test_unknown_state_or_state_without_agreement_is_404(client, world):
    from tests.factories import StateFactory

    bare = StateFactory(iso2="ZY")
    sign_in(client, world.coordinator.email)
    for url in (
        "/states/ZZ/agreement",
        "/states/ZZ/agreement/edit",
        "/states/ZZ/stages/new",
        f"/states/{bare.iso2}/agreement",
        f"/states/{bare.iso2}/agreement/edit",
    ):
        assert client.get(url).status_code == 404, url


def test_agreement_page_lists_the_stages_in_order(client, world):
    sign_in(client, world.staff.email)
    soup = page(client, f"/states/{world.home.state.iso2}/agreement")
    rows = soup.select("table.stage-list tbody tr")
    assert [r.find("th").get_text(strip=True) for r in rows] == ["Committee vote", "Plenary vote"]
    links = [r.find("th").find("a")["href"] for r in rows]
    assert links == [f"/stages/{s.id}" for s in world.home.stages]
    # Staff may read but change nothing: no buttons.
    assert not soup.select("table.stage-list form")
    assert "Record the vote" not in text(soup)


def test_lower_case_code_redirects_to_the_agreement_page(client, world):
    sign_in(client, world.staff.email)
    response = client.get(f"/states/{world.home.state.iso2.lower()}/agreement")
    assert response.status_code == 301


def test_the_second_of_two_tabs_gets_a_conflict(client, world):
    sign_in(client, world.coordinator.email)
    url = _url(world)
    first, second = form_of(client, url), form_of(client, url)
    assert client.post(url, data=first | {"notes": "From tab one"}).status_code == 302
    response = client.post(url, data=second | {"notes": "From tab two", "status": "lapsed"})
    assert response.status_code == 409
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    alert = soup.find(class_="conflict")
    assert "From tab one" in alert.get_text()
    assert world.coordinator.email in alert.get_text()
    saved = _agreement(world)
    assert (saved.notes, saved.status) == ("From tab one", AgreementStatus.BEFORE_PARLIAMENT)
    # The form now carries the current version: saving again is a conscious overwrite.
    assert client.post(url, data=form_values(soup)).status_code == 302
    assert _agreement(world).notes == "From tab two"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"status": "sort-of"}, "status"),
        ({"status": ""}, "status"),
        ({"route": "by-magic"}, "route"),
        ({"executive_probability": "101"}, "executive_probability"),
        ({"executive_probability": "-1"}, "executive_probability"),
        ({"executive_probability": "0.5x"}, "executive_probability"),
        ({"executive_probability": "1e309"}, "executive_probability"),
        ({"signed_on": "2002-02-30"}, "signed_on"),
        ({"signed_on": (date.today() + timedelta(days=1)).isoformat()}, "signed_on"),
        ({"route_note": "x" * 301}, "route_note"),
        ({"notes": "x" * 10_001}, "notes"),
        ({"version": "abc"}, "version"),
    ],
)
def test_bad_input_is_explained_next_to_the_field_and_saves_nothing(client, world, changes, field):
    sign_in(client, world.coordinator.email)
    url = _url(world)
    response = client.post(url, data=form_of(client, url) | {"notes": "Changed"} | changes)
    assert response.status_code == 422
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    if field != "version":
        assert soup.find(attrs={"name": field}).get("aria-invalid") == "true"
        assert soup.find(id=f"{field}-error").get_text(strip=True)
    saved = _agreement(world)
    assert (saved.notes, saved.version) == (None, 1)
    assert _audit("agreement.updated") == []


def test_after_a_write_the_session_still_holds_enum_members(world):
    """`records.clean` strips text, and a StrEnum member is text: the services undo that."""
    from crm.states import services
    from crm.states.models import StageKind, StageStatus

    agreement = world.home.agreement
    services.update_agreement(
        world.coordinator,
        agreement,
        {"status": AgreementStatus.RATIFIED, "route": RatificationRoute.EXECUTIVE},
        expected_version=agreement.version,
    )
    assert agreement.status is AgreementStatus.RATIFIED
    assert agreement.route is RatificationRoute.EXECUTIVE
    stage = services.add_stage(world.coordinator, agreement, kind=StageKind.DEPOSIT)
    assert (stage.kind, stage.status) == (StageKind.DEPOSIT, StageStatus.SCHEDULED)
    services.cancel_stage(world.coordinator, stage, expected_version=stage.version)
    assert stage.status is StageStatus.CANCELLED
    db.session.rollback()
