"""What the services say when they refuse a write (crm/*/services.py, crm/parliament/services,
crm/records.py, crm/saving.py, crm/forms.py) is said in the reader's language where a page shows
it: next to the field, at the top of the form, in a flash. A French section member whose form
is refused reads why in French; the same refusal asked through the JSON API is an English
problem document, whatever the user chose (crm.i18n.TOOLS_SPEAK_ENGLISH). In the pseudo-locale
(tests/i18n/pseudo.py), one refused form of each feature shows nothing of its messages outside
the markers but data."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from flask_babel import refresh

from crm.auth.models import TokenScope, User
from crm.auth.services import create_token
from crm.dates import format_when
from crm.db import utcnow
from crm.errors import ValidationFailed
from crm.extensions import db
from crm.interactions.models import FollowUpStatus
from crm.parliament import services as parliament_services
from crm.votes.models import VoteOption
from tests.conftest import csrf_token, sign_in
from tests.events.factories import form_values
from tests.factories import EventFactory
from tests.i18n.pseudo import OPEN, pseudo, unmarked
from tests.interactions.helpers import get_form
from tests.parliament.test_merge import _pair
from tests.world import World

# What the French catalog says (crm/translations/fr/LC_MESSAGES/messages.po).
STANCE_IN_THE_FUTURE = "Une position ne peut pas être observée dans le futur."
CONTACT_IN_THE_FUTURE = "Un contact ne peut pas être consigné avant d’avoir eu lieu."
SAVED_AFTER_YOU = "a enregistré cette fiche après que vous l’avez ouverte"
ALREADY_DONE = "Cette suite à donner est déjà faite."


def _soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _error(response, field: str) -> str:
    """The error shown next to `field`, without its "Error:" for screen readers."""
    found = _soup(response).find(id=f"{field}-error")
    assert found is not None, f"no error next to {field}"
    for hidden in found.select(".visually-hidden"):
        hidden.decompose()
    return " ".join(found.get_text(" ").split())


def _speaks_french(user: User) -> None:
    user.locale = "fr"
    db.session.commit()


def _future_day() -> str:
    return (date.today() + timedelta(days=5)).isoformat()


def _stance_form(client, rep) -> tuple[str, dict[str, str]]:
    url = f"/representatives/{rep.id}/stances/new"
    return url, form_values(client.get(url).get_data(as_text=True))


# --- A French member reads the refusal in French ---------------------------------------------


def test_a_stance_observed_in_the_future_is_refused_in_french(client, world):
    _speaks_french(world.member)
    sign_in(client, world.member)
    url, data = _stance_form(client, world.home.reps[3])
    response = client.post(url, data=data | {"observed_on": _future_day()})
    assert response.status_code == 422
    assert _soup(response).html["lang"] == "fr"
    assert _error(response, "observed_on") == STANCE_IN_THE_FUTURE


def test_a_contact_logged_in_the_future_and_one_with_someone_not_to_contact_are_refused_in_french(
    client, world
):
    _speaks_french(world.member)
    flagged = world.home.reps[3]
    flagged.do_not_contact = True
    flagged.do_not_contact_reason = "Asked us in writing to stop."
    sign_in(client, world.member)
    url = f"/states/{world.home.state.iso2}/interactions/new"
    data = get_form(client, f"{url}?representative={flagged.id}") | {
        "summary": ["Spoke after the hearing."],
        "stances-0-stance": ["none"],
    }
    tomorrow = datetime.now(ZoneInfo(world.home.state.timezone)) + timedelta(days=1)
    future = client.post(url, data=data | {"occurred_at": [f"{tomorrow:%Y-%m-%dT%H:%M}"]})
    assert future.status_code == 422
    assert _error(future, "occurred_at") == CONTACT_IN_THE_FUTURE

    # Refused by the service: the people met who asked not to be contacted, named.
    refused = client.post(url, data=data)
    assert refused.status_code == 422
    assert _error(refused, "do_not_contact_reason") == (
        f"Demande de ne pas être contacté·e : {flagged.name}. Pour continuer, confirmez et "
        "indiquez pourquoi."
    )


def test_an_edit_conflict_is_explained_in_french(client, world):
    _speaks_french(world.member)
    rep = world.home.reps[2]
    sign_in(client, world.member)
    url = f"/representatives/{rep.id}/edit"
    first_tab, second_tab = get_form(client, url), get_form(client, url)
    assert client.post(url, data=first_tab | {"notes": ["From tab one"]}).status_code == 302
    response = client.post(url, data=second_tab | {"notes": ["From tab two"]})
    assert response.status_code == 409
    alert = " ".join(_soup(response).select_one(".conflict p").get_text(" ").split())
    assert alert.startswith(f"Non enregistré. {world.member.email} {SAVED_AFTER_YOU}.")
    assert "saved this record" not in alert


def test_a_refusal_told_in_a_flash_is_in_french(client, world):
    _speaks_french(world.member)
    follow_up = world.home.follow_up
    follow_up.status = FollowUpStatus.DONE
    sign_in(client, world.member)
    token = csrf_token(client.get("/account").get_data(as_text=True))
    url = f"/follow-ups/{follow_up.id}/done"
    response = client.post(url, data={"csrf_token": token, "next": "/follow-ups"})
    assert response.status_code == 302
    flashes = _soup(client.get("/follow-ups")).select(".flash")
    assert [" ".join(f.get_text().split()) for f in flashes] == [ALREADY_DONE]


def test_dates_in_a_refusal_are_written_in_the_readers_language(app, world):
    """A date a message names reads as the reader's language writes it (English: as before)."""
    seat = world.home.reps[0].memberships[0]
    far = date(2200, 1, 1)
    french_request = app.test_request_context(headers={"Accept-Language": "fr"})
    with french_request, pytest.raises(ValidationFailed) as french:
        parliament_services.end_membership(world.member, seat, end_date=far)
    db.session.rollback()
    assert french.value.message.startswith("Saisissez une date entre le 01 janv. 1900 et le ")
    with app.test_request_context():
        refresh()  # the tests' app context outlives a request: forget the French one's locale
        with pytest.raises(ValidationFailed) as english:
            parliament_services.end_membership(world.member, seat, end_date=far)
    db.session.rollback()
    assert english.value.message.startswith("Enter a date between 01 Jan 1900 and ")


# --- The JSON API stays English --------------------------------------------------------------


@pytest.fixture
def french_api(app, world):
    """A client sending the French member's token, from a French browser."""
    _speaks_french(world.member)
    raw, _token = create_token(None, world.member, name="tests", scope=TokenScope.API)
    db.session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {raw}", "Accept-Language": "fr"}

    class Api:
        def get(self, url: str):
            return client.get(url, headers=headers)

        def post(self, url: str, body):
            return client.post(url, json=body, headers=headers)

        def patch(self, url: str, body):
            return client.patch(url, json=body, headers=headers)

    return Api()


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return response.get_json()


def test_the_api_refuses_a_french_user_in_english(french_api, world):
    rep = world.home.reps[3]
    body = {"stance": "for_ratification", "source": "public_statement", "observed_on": "2026-01-05"}
    refused = french_api.post(
        f"/api/v1/representatives/{rep.id}/stances", body | {"observed_on": _future_day()}
    )
    problem = _problem(refused, 422)
    assert problem["title"] == "Invalid input"
    assert problem["detail"] == "A stance cannot be observed in the future."
    assert problem["errors"]["json"]["observed_on"] == [problem["detail"]]

    contact = world.home.interaction
    version = french_api.get(f"/api/v1/interactions/{contact.id}").get_json()["version"]
    first = {"version": version, "summary": "The first tool's summary."}
    assert french_api.patch(f"/api/v1/interactions/{contact.id}", first).status_code == 200
    second = {"version": version, "summary": "The second tool's summary."}
    conflict = _problem(french_api.patch(f"/api/v1/interactions/{contact.id}", second), 409)
    assert conflict["title"] == "Conflict"
    assert conflict["detail"] == (
        f"{world.member.email} saved this record after you opened it. Your changes were not "
        "saved: check what changed, then save again to keep yours."
    )


def test_the_page_answers_the_same_french_user_in_french(client, world):
    """The counterpart of the API's English: the same user, the same refusal, on a page."""
    _speaks_french(world.member)
    sign_in(client, world.member)
    url, data = _stance_form(client, world.home.reps[3])
    response = client.post(url, data=data | {"observed_on": _future_day()})
    assert STANCE_IN_THE_FUTURE in response.get_data(as_text=True)


# --- Every word of the refusals comes through the catalogs -----------------------------------


@pytest.fixture
def wrapped():
    with pseudo():
        yield


def _data(world: World, *more: str) -> tuple[str, ...]:
    """What the refusals name that is data: people, places, e-mails; longest first."""
    every = {*more}
    for side in (world.home, world.other):
        every |= {side.state.name, side.chamber.name, side.committee.name}
        every |= {rep.name for rep in side.reps}
    every |= {user.email for user in world.users.values()}
    every -= {""}
    return tuple(sorted(every, key=len, reverse=True))


def _refusal_marked(response, status: int, data: tuple[str, ...], says: str) -> None:
    """The refusal's parts of the page (errors next to fields, the summary at the top, the
    conflict, flashes) say `says`, and hold no word outside the markers but data."""
    assert response.status_code == status, response.request.path
    soup = _soup(response)
    assert says in soup.get_text(), says
    for row in soup.select("table.conflict-changes tbody tr"):
        row.decompose()  # what others changed: field names and values, shown by templates
    parts = soup.select(".field-error, .error-summary, .flash")
    assert parts, "the page shows no refusal"
    html = "".join(str(part) for part in parts)
    assert OPEN in html, "the pseudo-locale is not in use"
    assert unmarked(html, data) == []


def test_the_representatives_refusals(client, world, wrapped):
    sign_in(client, world.member)
    rep = world.home.reps[3]
    url, data = _stance_form(client, rep)
    refused = client.post(url, data=data | {"observed_on": _future_day()})
    _refusal_marked(refused, 422, _data(world), "cannot be observed in the future")

    edit = f"/representatives/{rep.id}/edit"
    first_tab, second_tab = get_form(client, edit), get_form(client, edit)
    assert client.post(edit, data=first_tab | {"notes": ["From tab one"]}).status_code == 302
    conflict = client.post(edit, data=second_tab | {"notes": ["From tab two"]})
    _refusal_marked(conflict, 409, _data(world), "saved this record after you opened it")


def test_the_merge_preview_says_what_it_drops_through_the_catalogs(client, world, wrapped):
    with db.session.no_autoflush:
        pair = _pair(world)
    sign_in(client, world.coordinator)
    soup = _soup(client.get(f"/representatives/{pair.kept.id}/merge/{pair.other.id}"))
    notes = soup.select(".merge-notes li")
    assert len(notes) == 6
    data = _data(world, pair.kept.name, pair.other.name, "wikidata")
    html = "".join(str(part) for part in (*notes, *soup.select("fieldset legend")))
    assert unmarked(html, data) == []


def test_the_contact_refusals(client, world, wrapped):
    flagged = world.home.reps[3]
    flagged.do_not_contact = True
    flagged.do_not_contact_reason = "Asked us in writing to stop."
    sign_in(client, world.member)
    url = f"/states/{world.home.state.iso2}/interactions/new"
    data = get_form(client, f"{url}?representative={flagged.id}") | {
        "summary": ["Spoke after the hearing."],
        "stances-0-stance": ["none"],
    }
    refused = client.post(url, data=data)
    _refusal_marked(refused, 422, _data(world), "asked not to be contacted")


def test_a_refusal_in_a_flash(client, world, wrapped):
    follow_up = world.home.follow_up
    follow_up.status = FollowUpStatus.DONE
    sign_in(client, world.member)
    token = csrf_token(client.get("/account").get_data(as_text=True))
    url = f"/follow-ups/{follow_up.id}/done"
    assert client.post(url, data={"csrf_token": token, "next": "/follow-ups"}).status_code == 302
    _refusal_marked(client.get("/follow-ups"), 200, _data(world), "already done")


def test_the_stage_refusals(client, world, wrapped):
    stage = world.home.stages[1]
    sign_in(client, world.coordinator)
    page = _soup(client.get(f"/stages/{stage.id}"))
    form = page.find("form", action=f"/stages/{stage.id}/postpone")
    data = {c["name"]: c.get("value", "") for c in form.select("input[name]")}
    earlier = (stage.scheduled_on or date.today()) - timedelta(days=1)
    response = client.post(
        f"/stages/{stage.id}/postpone", data=data | {"postpone-on": earlier.isoformat()}
    )
    scheduled = format_when(stage.scheduled_on, "%d %b %Y") if stage.scheduled_on else ""
    _refusal_marked(response, 422, _data(world, scheduled), "A postponement needs a date later")


def test_the_event_refusals(app, world, wrapped):
    client = sign_in(app.test_client(), world.member)
    url = f"/states/{world.home.state.iso2}/events/new"
    next_year = date.today().year + 1
    data = form_values(client.get(url).get_data(as_text=True)) | {
        "title": "Petition hand-over at the Senate",
        "kind": "petition_handover",
        "starts_at": f"{next_year}-01-15T18:00",
        "status": "held",
    }
    held = "can only be marked held once it has started"
    _refusal_marked(client.post(url, data=data), 422, _data(world), held)

    started = EventFactory(state=world.home.state, starts_at=utcnow() + timedelta(days=3))
    db.session.commit()
    edit = f"/events/{started.id}/edit"
    changes = form_values(client.get(edit).get_data(as_text=True)) | {"actual_attendance": "40"}
    attendance = "Actual attendance can be recorded once the event has started"
    _refusal_marked(client.post(edit, data=changes), 422, _data(world, started.title), attendance)


def test_the_vote_refusals(client, world, wrapped):
    stage = world.home.stages[1]
    reps = world.home.reps
    sign_in(client, world.member)
    url = f"/stages/{stage.id}/vote"
    data = form_values(client.get(url).get_data(as_text=True)) | {
        "result": "pass",
        "count_yes": "1",
        "count_no": "1",
        f"rep_{reps[0].id}": VoteOption.YES.value,
        f"rep_{reps[1].id}": VoteOption.YES.value,
    }
    _refusal_marked(client.post(url, data=data), 422, _data(world), "they must agree")
    too_many = data | {f"rep_{reps[0].id}": "", f"rep_{reps[1].id}": "", "count_yes": "50"}
    _refusal_marked(client.post(url, data=too_many), 422, _data(world), "Check the numbers")


def test_the_check_finds_a_refusal_that_was_not_marked(client, world):
    """Without the pseudo-locale nothing is marked: the check must say so."""
    sign_in(client, world.member)
    url, data = _stance_form(client, world.home.reps[3])
    response = client.post(url, data=data | {"observed_on": _future_day()})
    with pytest.raises(AssertionError):
        _refusal_marked(response, 422, _data(world), "cannot be observed in the future")
