"""Every word of the pages translated so far comes through the catalogs: rendered in the
pseudo-locale (tests/i18n/pseudo.py), nothing a reader sees or hears is left outside the
markers but data. The list of pages grows as features are marked, until it is the crawl."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from babel.dates import format_date
from bs4 import BeautifulSoup

from crm.extensions import db
from crm.interactions.models import FollowUpStatus, InteractionKind
from crm.parliament.models import Confidence, Stance, StanceRecord, StanceSource
from tests.conftest import csrf_token, sign_in
from tests.i18n.pseudo import OPEN, pseudo, unmarked
from tests.interactions.helpers import form_values


@pytest.fixture
def wrapped():
    with pseudo():
        yield


def _assert_marked(response, *data: str) -> None:
    html = response.get_data(as_text=True)
    assert OPEN in html, "the pseudo-locale is not in use"
    assert unmarked(html, data) == []


def test_the_sign_in_page_and_its_refusal(app, client, wrapped):
    page = client.get("/login")
    _assert_marked(page)
    refused = client.post("/login", data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    assert refused.status_code == 422
    _assert_marked(refused)


def test_please_sign_in_and_the_error_pages(app, client, wrapped):
    sent_back = client.get("/states")
    _assert_marked(client.get(sent_back.headers["Location"]))
    _assert_marked(client.get("/nothing-here"))
    _assert_marked(client.delete("/login"))


def test_the_language_page(app, client, world, wrapped):
    sign_in(client, world.member)
    # The frame names who is signed in and their role: the role's label is still English
    # (enum labels are marked with their features), so it is data here for now.
    data = (world.member.name, world.member.email, world.member.role.label)
    page = client.get("/account/language")
    _assert_marked(page, *data)
    token = csrf_token(page.get_data(as_text=True))
    refused = client.post("/account/language", data={"locale": "xx", "csrf_token": token})
    assert refused.status_code == 422
    _assert_marked(refused, *data)


def test_the_check_finds_words_that_were_not_marked(app, client):
    """Without the pseudo-locale nothing is marked: the check must say so."""
    html = client.get("/login").get_data(as_text=True)
    assert "Sign in" in " ".join(unmarked(html))


# --- The contact-logging pages (interactions and follow-ups) ---------------------------------

# English month names: dates are data, formatted in the page's locale (English here).
_MONTHS = tuple(
    name
    for month in range(12, 0, -1)
    for name in (
        format_date(date(2000, month, 1), "MMMM", locale="en"),
        format_date(date(2000, month, 1), "MMM", locale="en"),
    )
)


# The do-not-contact confirmation comes from crm/forms.py, shared with the events' invitations,
# and is not marked yet: data here until it is.
_NOT_YET_MARKED = (
    "I know they asked not to be contacted",
    "Tick this box to confirm, or clear the reason.",
)
# What the tests below type into the forms.
_TYPED = ("Asked by letter", "They called us", "Talked.", "Spoke at length")


def _world_data(world, *users) -> tuple[str, ...]:
    """What the world's pages show that is data: names, the states' time zones, the enum
    labels (shared with the JSON API, left English for now) and dates."""
    names: list[str] = []
    for side in (world.home, world.other):
        names += [side.state.name, side.state.timezone, side.chamber.name, side.committee.name]
        names += [party.name for party in side.parties]
        names += [party.abbreviation or "" for party in side.parties]
        names += [rep.name for rep in side.reps]
        names += [side.follow_up.title, side.restricted_follow_up.title, side.event.title]
        names += [side.interaction.summary, side.interaction.outcome or ""]
        names += [side.restricted.summary, side.restricted.outcome or ""]
    for user in (*world.users.values(), *users):
        names += [user.name, user.email, user.role.label]
    names += [note for note in db.session.scalars(sa.select(StanceRecord.note)) if note]
    # Times carry their zone's abbreviation (EET, EEST).
    zones = {ZoneInfo(side.state.timezone) for side in (world.home, world.other)}
    names += [
        datetime(2026, month, 1, tzinfo=zone).strftime("%Z") for zone in zones for month in (1, 7)
    ]
    labels = [
        member.label
        for enum in (InteractionKind, FollowUpStatus, Stance, Confidence, StanceSource)
        for member in enum
    ]
    labels += [label.lower() for label in labels]
    # Longest first: a name is taken out before a shorter one inside it.
    every = {*names, *labels, *_MONTHS, *_NOT_YET_MARKED, *_TYPED} - {""}
    return tuple(sorted(every, key=len, reverse=True))


def _html(response, status: int = 200) -> str:
    assert response.status_code == status, (response.status_code, response.request.path)
    return response.get_data(as_text=True)


def interaction_pages(client, world) -> list[tuple[str, str]]:
    """The pages of the contact-logging feature a section member sees (and a coordinator,
    and someone who may not read a restricted contact), as (what, HTML): a list of contacts,
    the contact form empty, refined and refused, a contact, its archive, the picker's
    results, the follow-up lists and forms, and what they flash."""
    home, member = world.home, world.member
    state = home.state.iso2
    flagged = home.reps[3]
    flagged.do_not_contact = True
    flagged.do_not_contact_reason = "Asked by letter"
    # Two pages of contacts, to show the pages' links.
    client.application.config["PAGE_SIZE"] = 1
    pages: list[tuple[str, str]] = []
    sign_in(client, member)

    def get(what: str, url: str, status: int = 200) -> str:
        html = _html(client.get(url), status)
        pages.append((what, html))
        return html

    def post(what: str, url: str, data: dict, status: int) -> str:
        html = _html(client.post(url, data=data), status)
        pages.append((what, html))
        return html

    new_url = f"/states/{state}/interactions/new"
    get("contacts", f"/states/{state}/interactions")
    get("contacts of one person", f"/states/{state}/interactions?representative={home.reps[0].id}")
    get("contacts, refused filters", f"/states/{state}/interactions?kind=x&person={'x' * 101}", 400)
    get(
        "contacts, someone of elsewhere",
        f"/states/{state}/interactions?representative={world.other.reps[0].id}",
        400,
    )
    form = get("new contact", new_url)
    token = csrf_token(form)
    chosen = f"representative={home.reps[0].id}&representative={flagged.id}"
    get("new contact with people", f"{new_url}?{chosen}&q=Member")
    get("new contact, some of elsewhere", f"{new_url}?representative={world.other.reps[0].id}")
    post("new contact refused", new_url, {"csrf_token": token}, 422)
    post(
        "new contact refused, with people",
        new_url,
        {
            "csrf_token": token,
            "occurred_at": "2062-01-01T10:00",
            "representatives": [str(home.reps[0].id), str(flagged.id)],
            "stances-0-representative": str(home.reps[1].id),
            "stances-0-stance": "undecided",
            "do_not_contact_reason": "They called us",
            "summary": "Spoke at length",
            "follow_ups-0-due_on": "2026-01-01",
            "follow_ups-1-title": "Call back",
            "follow_ups-1-due_on": "1990-01-01",
        },
        422,
    )
    post(
        "new contact, a stance not chosen",
        new_url,
        {
            "csrf_token": token,
            "occurred_at": "2020-01-01T10:00",
            "kind": "meeting",
            "representatives": str(home.reps[0].id),
            "confidentiality": "normal",
            "summary": "Talked.",
        },
        422,
    )
    post(
        "new contact, people added",
        new_url,
        {"csrf_token": token, "refine": "add", "representatives": str(home.reps[2].id)},
        200,
    )
    get("picker, by chamber", f"/states/{state}/interactions/people")
    get("picker, by name", f"/states/{state}/interactions/people?q=Member")
    get("picker, nobody", f"/states/{state}/interactions/people?q=Nobody")
    get("a contact", f"/interactions/{home.interaction.id}")
    get("a restricted contact", f"/interactions/{home.restricted.id}")
    edit_url = f"/interactions/{home.interaction.id}/edit"
    edit_form = form_values(BeautifulSoup(get("editing a contact", edit_url), "html.parser"))
    post("editing a contact, refused", edit_url, {**edit_form, "summary": ""}, 422)
    get("archiving a contact", f"/interactions/{home.interaction.id}/archive")
    client.post(f"/interactions/{home.interaction.id}/archive", data={"csrf_token": token})
    get("an archived contact, flashed", f"/interactions/{home.interaction.id}")
    get("my follow-ups", "/follow-ups")
    get("my follow-ups, refused filters", f"/follow-ups?state=zz&q={'x' * 101}", 400)
    get("my follow-ups, filtered", f"/follow-ups?state={state}&q=nothing")
    fu = home.follow_up.id
    client.post(f"/follow-ups/{fu}/done", data={"csrf_token": token, "next": "/follow-ups"})
    get("my follow-ups, one done", "/follow-ups")
    get("a state's follow-ups", f"/states/{state}/follow-ups")
    get("a state's follow-ups, done", f"/states/{state}/follow-ups?status=done")
    get("a state's follow-ups, none", f"/states/{state}/follow-ups?status=cancelled&q=zz")
    get("a state's follow-ups, refused", f"/states/{state}/follow-ups?status=x&page=0", 400)
    get("new follow-up", f"/follow-ups/new?state={state}&representative={home.reps[0].id}")
    post("new follow-up, refused", f"/follow-ups/new?state={state}", {"csrf_token": token}, 422)
    get("editing a follow-up", f"/follow-ups/{fu}/edit")
    post(
        "editing a follow-up, refused",
        f"/follow-ups/{fu}/edit",
        {"csrf_token": token, "title": "", "due_on": "2099-01-01"},
        422,
    )
    # Someone of another section sees that a restricted contact took place, and no more.
    sign_in(client, world.other_member)
    get("a restricted contact, withheld", f"/interactions/{home.restricted.id}")
    get("contacts of another state", f"/states/{state}/interactions")
    get("another state's follow-ups", f"/states/{state}/follow-ups")
    # A coordinator reads every state's contacts, restricted ones included.
    sign_in(client, world.coordinator)
    get("contacts, a coordinator", f"/states/{state}/interactions")
    get("a restricted contact, a coordinator", f"/interactions/{home.restricted.id}")
    get("a state's follow-ups, a coordinator", f"/states/{state}/follow-ups")
    # An administrator sees the archived contacts, and may restore one.
    sign_in(client, world.admin)
    get("archived contacts", f"/states/{state}/interactions?archived=y")
    get("an archived contact", f"/interactions/{home.interaction.id}")
    return pages


def test_the_contact_logging_pages(app, client, world, wrapped):
    data = _world_data(world)
    problems = {
        what: found
        for what, html in interaction_pages(client, world)
        if (found := unmarked(html, data))
    }
    assert problems == {}
