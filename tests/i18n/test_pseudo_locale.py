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

from crm.events.models import Rsvp
from crm.extensions import db
from crm.i18n import language_label
from crm.interactions.models import FollowUpStatus, InteractionKind
from crm.parliament.models import (
    CommitteeRole,
    Confidence,
    ContactKind,
    Representative,
    Stance,
    StanceRecord,
    StanceSource,
)
from crm.parliament.services.merge_plan import _CHOICES, KINDS
from tests.conftest import csrf_token, sign_in
from tests.i18n.pseudo import CLOSE, OPEN, pseudo, unmarked
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


# --- The representatives pages (parliament) --------------------------------------------------


def parliament_pages(client, world) -> list[tuple[str, str]]:
    """The pages of the representatives feature a section member, someone of another section,
    a coordinator and an administrator see, as (what, HTML): the list and its search, a
    representative's page, the new and edit forms empty and refused, the seat, committee-seat,
    contact-detail, other-name and stance forms, the archive and merge pages, and what they
    flash."""
    home = world.home
    state = home.state.iso2
    rep = home.reps[0]
    rep_url = f"/representatives/{rep.id}"
    client.application.config["PAGE_SIZE"] = 2
    pages: list[tuple[str, str]] = []

    def get(what: str, url: str, status: int = 200) -> str:
        html = _html(client.get(url), status)
        pages.append((what, html))
        return html

    def post(what: str, url: str, data: dict, status: int) -> str:
        html = _html(client.post(url, data=data), status)
        pages.append((what, html))
        return html

    def done(what: str, url: str, data: dict) -> str:
        """A form saved: the page it leads to, with what it flashes."""
        response = client.post(url, data=data)
        assert response.status_code in (302, 303), (response.status_code, url)
        return get(what, response.headers["Location"])

    def form(url: str) -> dict[str, list[str]]:
        return form_values(BeautifulSoup(get(url, url), "html.parser"))

    sign_in(client, world.member)
    get("representatives", "/representatives")
    get("representatives of a state", f"/representatives?state={state}&former=y")
    get("representatives, a second page", f"/representatives?state={state}&page=2")
    get("representatives, no such page", "/representatives?page=999")
    get("representatives, nobody", "/representatives?q=Nobody&stance=undecided")
    get(
        "representatives, refused filters",
        f"/representatives?state=zz&chamber=x&party=x&stance=x&page=0&q={'x' * 101}",
        400,
    )
    token = csrf_token(get("a representative", rep_url))
    get("a representative with a restricted stance", f"/representatives/{home.reps[1].id}")
    get("a representative invited", f"/representatives/{home.reps[2].id}")

    # Adding a representative: empty, refused, a possible duplicate, added.
    new_url = f"/states/{state}/representatives/new"
    get("new representative", new_url)
    post("new representative, refused", new_url, {"csrf_token": token}, 422)
    seat = {
        "csrf_token": token,
        "influence": "3",
        "chamber": str(home.chamber.id),
        "party": str(home.parties[0].id),
        "start_date": "2024-12-20",
    }
    post(
        "new representative, refused rows",
        new_url,
        {
            **seat,
            "name": "Ana Popescu",
            "languages": ",".join(f"l{n}" for n in range(11)),
            "tags": "x" * 41,
            "other_names-0-lang": "not a tag!",
            "other_names-1-name": "Анна",
            "other_names-1-lang": "!!",
            "contact_details-0-kind": "email",
            "contact_details-0-value": "not an address",
            "contact_details-1-kind": "phone",
            "contact_details-1-label": "office",
            "contact_details-2-kind": "website",
            "contact_details-2-value": "ftp://example.org",
        },
        422,
    )
    post("new representative, add anyway?", new_url, {**seat, "name": rep.name}, 422)
    done(
        "new representative, added",
        new_url,
        {**seat, "name": rep.name, "confirm_duplicate": "y", "contact_details-0-value": "a@b.c"},
    )

    # Editing the profile.
    edit_url = f"{rep_url}/edit"
    edit = form(edit_url)
    post("edit, refused", edit_url, {**edit, "name": "", "tags": "x" * 41}, 422)
    done(
        "edit, saved",
        edit_url,
        {
            **edit,
            "notes": "Met twice.",
            "do_not_contact": "y",
            "do_not_contact_reason": "Asked by letter",
        },
    )

    # Stances.
    stance_url = f"{rep_url}/stances/new"
    get("new stance", stance_url)
    post("new stance, refused", stance_url, {"csrf_token": token, "observed_on": "x"}, 422)
    done(
        "new stance, recorded",
        stance_url,
        {
            "csrf_token": token,
            "stance": "undecided",
            "source": "public_statement",
            "confidence": "medium",
            "observed_on": "2026-01-02",
        },
    )

    # Seats and committee seats.
    seat_url = f"{rep_url}/memberships/new"
    get("new seat", seat_url)
    post("new seat, refused", seat_url, {**form(seat_url), "chamber": "", "start_date": ""}, 422)
    move_url = f"{rep_url}/move-party"
    get("move party", move_url)
    post("move party, refused", move_url, {**form(move_url), "changed_on": ""}, 422)
    end_url = f"/memberships/{rep.memberships[0].id}/end"
    get("end a seat", end_url)
    post("end a seat, refused", end_url, {**form(end_url), "end_date": ""}, 422)
    committee_url = f"/representatives/{home.reps[1].id}/committee-memberships/new"
    get("new committee seat", committee_url)
    post("new committee seat, refused", committee_url, {"csrf_token": token}, 422)
    done(
        "new committee seat, added",
        committee_url,
        {**form(committee_url), "committee": str(home.committee.id)},
    )
    end_committee = f"/committee-memberships/{rep.committee_memberships[0].id}/end"
    get("end a committee seat", end_committee)
    done("end a committee seat, ended", end_committee, form(end_committee))

    # Contact details and other names.
    detail_url = f"{rep_url}/contact-details/new"
    get("new contact detail", detail_url)
    post("new contact detail, refused", detail_url, {**form(detail_url), "value": ""}, 422)
    post("new contact detail, bad", detail_url, {**form(detail_url), "value": "nope"}, 422)
    done("new contact detail, added", detail_url, {**form(detail_url), "value": "rep@example.org"})
    name_url = f"{rep_url}/other-names/new"
    get("new other name", name_url)
    post("new other name, refused", name_url, {**form(name_url), "lang": "!!"}, 422)
    done("new other name, added", name_url, {**form(name_url), "name": "Ана", "lang": "ru"})
    db.session.expire_all()
    detail, other_name = rep.contact_details[0], rep.other_names[0]
    for kind, row in (("contact-details", detail.id), ("other-names", other_name.id)):
        done(f"edit {kind}, saved", f"/{kind}/{row}/edit", form(f"/{kind}/{row}/edit"))
        get(f"remove {kind}", f"/{kind}/{row}/remove")
    done(
        "remove contact detail, removed",
        f"/contact-details/{detail.id}/remove",
        form(f"/contact-details/{detail.id}/remove"),
    )

    # Archiving a stance record, and the representative.
    record = db.session.scalars(
        sa.select(StanceRecord).where(StanceRecord.representative_id == home.reps[2].id)
    ).first()
    get("archive a stance record", f"/stance-records/{record.id}/archive")
    done(
        "archive a stance record, archived",
        f"/stance-records/{record.id}/archive",
        form(f"/stance-records/{record.id}/archive"),
    )
    archived = home.reps[3]
    get("archive a representative", f"/representatives/{archived.id}/archive")
    done(
        "archive a representative, archived",
        f"/representatives/{archived.id}/archive",
        form(f"/representatives/{archived.id}/archive"),
    )
    get("an archived representative", f"/representatives/{archived.id}")

    # Someone of another section sees a restricted stance withheld.
    sign_in(client, world.other_member)
    get("a restricted stance, withheld", f"/representatives/{home.reps[1].id}")
    get("a representative of another state", rep_url)

    # A coordinator merges the duplicate added above.
    sign_in(client, world.coordinator)
    duplicate = db.session.scalars(
        sa.select(Representative)
        .where(Representative.name == rep.name)
        .order_by(Representative.id.desc())
    ).first()
    get("a representative, a coordinator", rep_url)
    get("merge, pick", f"{rep_url}/merge")
    get("merge, found", f"{rep_url}/merge?q={rep.name}")
    get("merge, nobody", f"{rep_url}/merge?q=Nobody")
    get("merge, an archived record", f"/representatives/{archived.id}/merge")
    get("merge, refused", f"{rep_url}/merge/{world.other.reps[0].id}", 422)
    merge_url = f"{rep_url}/merge/{duplicate.id}"
    merge = form_values(BeautifulSoup(get("merge, a preview", merge_url), "html.parser"))
    post(
        "merge, a choice missing",
        merge_url,
        {name: value for name, value in merge.items() if not name.startswith("choice_")},
        422,
    )
    done("merge, merged", merge_url, merge)
    merged = client.get(f"/representatives/{duplicate.id}")
    assert merged.status_code == 302
    get("a merged record, led to the kept one", merged.headers["Location"])

    # An administrator restores.
    sign_in(client, world.admin)
    token = csrf_token(get("archived representatives", "/representatives/archived"))
    get("an archived representative, an administrator", f"/representatives/{archived.id}")
    get("a representative with an archived stance", f"/representatives/{home.reps[2].id}")
    done(
        "restore a representative", f"/representatives/{archived.id}/restore", {"csrf_token": token}
    )
    done("restore a stance record", f"/stance-records/{record.id}/restore", {"csrf_token": token})
    client.application.config["PAGE_SIZE"] = 1
    get("archived representatives, none", "/representatives/archived?page=5")
    return pages


# What the representatives pages show that is not marked yet, data here until it is: the
# messages of crm/parliament/services (marked with the services), and how long ago a date was
# (crm/templating.py's `days_ago`, shared with every feature).
_SERVICES_NOT_YET_MARKED = (
    "This may be someone already recorded",
    "Check the records below; if this is a different person, tick “Add anyway” and save again.",
    "Enter an e-mail address such as name@example.org.",
    "Enter a web address starting with http:// or https://.",
    "Only records of one state can be merged.",
)
_DAYS_AGO = ("days ago", "yesterday", "today")
# The merge preview's rows and choices, and its notes, from crm/parliament/services/merge_plan.
_MERGE_NOT_YET_MARKED = (
    *KINDS.values(),
    *(label for _name, label, _fields, _both in _CHOICES),
    "Yes:",
    "No",
    "seat(s) and",
    "committee seat(s) of",
    "overlap",
    "'s in the same chamber or committee: the same seat recorded twice, so",
    "'s is kept and",
    "'s removed.",
)
# What the tests above type into the forms.
_TYPED_HERE = (
    "Ana Popescu",
    "Анна",
    "Ана",
    "not an address",
    "ftp://example.org",
    "rep@example.org",
    "Nobody",
)


def _parliament_data(world, merging: bool = False) -> tuple[str, ...]:
    """What the representatives pages show that is data: `_world_data`, and what the pages
    added to the world (names, contact details, languages named in the page's language)."""
    every = set(_world_data(world))
    for rep in db.session.scalars(sa.select(Representative)):
        every |= {rep.name, rep.sort_name or "", rep.given_name or "", rep.family_name or ""}
        every |= {rep.gender or "", rep.notes or "", rep.do_not_contact_reason or ""}
        every |= {*(rep.tags or []), *(rep.languages or [])}
        every |= {detail.value for detail in rep.contact_details}
        every |= {detail.label or "" for detail in rep.contact_details}
        every |= {ident.scheme for ident in rep.identifiers}
    every |= {side.state.iso2 for side in (world.home, world.other)}
    every |= {"ru", language_label("ru")}
    labels = [member.label for enum in (ContactKind, CommitteeRole, Rsvp) for member in enum]
    every |= {*labels, *(label.lower() for label in labels)}
    every |= {*_SERVICES_NOT_YET_MARKED, *_DAYS_AGO, *_TYPED_HERE}
    if merging:
        every |= set(_MERGE_NOT_YET_MARKED)
    every -= {""}
    return tuple(sorted(every, key=len, reverse=True))


def _sentences(html: str) -> str:
    """The page with each paragraph marked whole (a sentence with links in it: the links are
    its placeholders) read as one text, as the check reads text nodes one by one."""
    soup = BeautifulSoup(html, "html.parser")
    for paragraph in soup.select("main p"):
        text = paragraph.get_text()
        if text.startswith(OPEN) and text.endswith(CLOSE) and paragraph.find("a"):
            paragraph.string = text
    return str(soup)


def test_the_representatives_pages(app, client, world, wrapped):
    pages = parliament_pages(client, world)
    data, merging = _parliament_data(world), _parliament_data(world, merging=True)
    problems = {
        what: found
        for what, html in pages
        if (found := unmarked(_sentences(html), merging if "merge" in what else data))
    }
    assert problems == {}
