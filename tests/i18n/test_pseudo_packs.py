"""The briefing packs speak the reader's language: rendered in the pseudo-locale
(tests/i18n/pseudo.py), every word of a pack's HTML (before WeasyPrint lays it out: the
state pack, capped and full, with and without restricted content, the full roster, the
one-pager and the overview, on each route a state may take) and of its pages (asked for,
ready, failed, gone, refused, unavailable) comes through the catalogs but data."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from babel.dates import format_date
from bs4 import BeautifulSoup
from flask import render_template

from crm.briefings import packs, services, views
from crm.briefings.queries import MAKE_PACK, TEMPLATES
from crm.db import utcnow
from crm.events.models import Event
from crm.extensions import db
from crm.i18n import language_label
from crm.jobs.models import Job, JobStatus
from crm.parliament.models import Representative, StanceRecord
from crm.parliament.queries import get_representative
from crm.risk.wording import chamber_outlook
from crm.states.models import Campaign, RatificationRoute
from crm.states.queries import get_state
from tests.conftest import sign_in
from tests.i18n.pseudo import CLOSE, OPEN, pseudo, unmarked

# Shared pieces of other features the packs lay out, not marked yet (data here until they
# are): the seat chart and trend line of templates/_macros/charts.html, and the progress
# pages' refresh note (templates/_macros/ui.html). The chambers' outlook and thresholds the
# risk model writes (crm/risk/wording.py, crm/risk/model.py) are taken out as written.
_NOT_YET_MARKED = (
    "seats by stance:",
    "Vacant:",
    "vacant",
    "no history yet",
    "Stop refreshing",
    "Show the progress now, and keep refreshing",
)
_MONTHS = tuple(
    name
    for month in range(12, 0, -1)
    for name in (
        format_date(datetime(2000, month, 1), "MMMM", locale="en"),
        format_date(datetime(2000, month, 1), "MMM", locale="en"),
    )
)


@pytest.fixture
def wrapped():
    with pseudo():
        yield


def _data(world) -> tuple[str, ...]:
    """What the packs show that is data: names and what people wrote, the states' zones,
    dates (English month names, the locale being English under the markers), the parts of
    other features not marked yet."""
    names: set[str] = {"UTC"}
    campaign = db.session.scalars(sa.select(Campaign)).first()
    names |= {campaign.name, campaign.agreement_title or ""}
    names |= {m.text for m in campaign.key_messages}
    for side in (world.home, world.other):
        state = side.state
        names |= {state.name, state.iso2, state.capital or "", state.timezone}
        names |= {section.name for section in state.sections}
        names |= {side.chamber.name, side.committee.name}
        for party in side.parties:
            names |= {party.name, party.short_name or "", party.abbreviation or ""}
        for item in (side.interaction, side.restricted):
            names |= {item.summary, item.outcome or ""}
        names |= {side.follow_up.title, side.restricted_follow_up.title}
    for event in db.session.scalars(sa.select(Event)):
        names |= {event.title, event.city or "", event.venue or ""}
    for rep in db.session.scalars(sa.select(Representative)):
        names |= {rep.name, rep.do_not_contact_reason or "", *(rep.tags or [])}
        names |= {language_label(code) for code in rep.languages or []}
        names |= {m.constituency or "" for m in rep.memberships}
        names |= {d.value for d in rep.contact_details} | {
            d.label or "" for d in rep.contact_details
        }
        names |= {n.name for n in rep.other_names}
    names |= {note for note in db.session.scalars(sa.select(StanceRecord.note)) if note}
    for user in world.users.values():
        names |= {user.name, user.email}
    zones = {ZoneInfo(side.state.timezone) for side in (world.home, world.other)}
    names |= {
        datetime(2026, month, 1, tzinfo=zone).strftime("%Z") for zone in zones for month in (1, 7)
    }
    every = {*names, *_MONTHS, *_NOT_YET_MARKED} - {""}
    return tuple(sorted(every, key=len, reverse=True))


@pytest.fixture(autouse=True)
def _packs_folder(app, tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "PACKS_FOLDER", str(tmp_path / "packs"))


def _whole_sentences(html: str) -> str:
    """The HTML with each sentence marked whole read as one text: a message whose
    placeholders are elements (a name in bold, a link, a badge) opens in one text node and
    closes in another of the same element, which is read as its whole text instead."""
    soup = BeautifulSoup(html, "html.parser")
    for element in reversed(soup.find_all(True)):
        texts = [str(t) for t in element.find_all(string=True, recursive=False)]
        if any(t.count(OPEN) != t.count(CLOSE) for t in texts):
            element.string = element.get_text()
    return str(soup)


def _pack_html(kind: str, pack, risk_words: set[str] | None = None) -> str:
    if risk_words is not None and kind in ("state", "overview"):
        risk_words |= _risk_words(pack)
    html = render_template(TEMPLATES[kind], pack=pack)
    assert OPEN in html, "the pseudo-locale is not in use"
    return _whole_sentences(html)


def _risk_words(pack) -> set[str]:
    """What the risk model and the charts wrote into a pack, not marked yet: its chambers'
    outlook and thresholds, its trend lines' descriptions."""
    risks = [row.risk for row in pack.rows] if pack.kind == "overview" else [pack.risk]
    words = {
        words
        for risk in risks
        if risk is not None
        for chamber in risk.forecast.chambers
        for words in (chamber_outlook(chamber), chamber.threshold_label)
    }
    # The trend line's text alternative (templates/_macros/charts.html `trend`).
    lines = [row.trend for row in pack.rows if row.trend] if pack.kind == "overview" else []
    words |= {
        f"Risk over the last 90 days: from {line.first_value * 100:.0f} % "
        f"to {line.last_value * 100:.0f} %"
        for line in lines
    }
    return words


def _packs(world, risk_words: set[str]) -> list[tuple[str, str]]:
    """Each pack's HTML, as (what, HTML), for the readers and routes that change its words;
    what the risk model wrote into them is added to `risk_words`."""
    home = world.home
    state = get_state(home.state.iso2)
    rep = home.reps[0]
    rep.do_not_contact = True
    rep.do_not_contact_reason = "Asked by letter"
    rep.languages = ["ro", "fr"]
    rep.tags = ["budget"]
    db.session.commit()
    found: list[tuple[str, str]] = [
        (
            "state pack, staff",
            _pack_html("state", packs.state_pack(state, world.staff), risk_words),
        ),
        (
            "state pack, another section",
            _pack_html("state", packs.state_pack(state, world.other_member), risk_words),
        ),
        (
            "state pack, capped",
            _pack_html("state", packs.state_pack(state, None, roster_cap=1), risk_words),
        ),
        ("full roster", _pack_html("roster", packs.roster_pack(state, world.member))),
        ("overview", _pack_html("overview", packs.overview_pack(world.coordinator), risk_words)),
    ]
    for reader in (world.member, world.other_member):
        one_pager = packs.representative_pack(get_representative(rep.id), reader)
        found.append((f"one-pager, {reader.email}", _pack_html("representative", one_pager)))
    archived = home.reps[3]
    archived.archived_at = utcnow()
    db.session.commit()
    found.append(
        (
            "one-pager, archived",
            _pack_html(
                "representative", packs.representative_pack(get_representative(archived.id), None)
            ),
        )
    )
    # The routes on which no chamber votes.
    for route in (RatificationRoute.EXECUTIVE, RatificationRoute.NONE_SITTING):
        home.agreement.route = route
        db.session.commit()
        state = get_state(home.state.iso2)
        found.append(
            (
                f"state pack, {route.value}",
                _pack_html("state", packs.state_pack(state, world.staff), risk_words),
            )
        )
        found.append(
            (
                f"overview, {route.value}",
                _pack_html("overview", packs.overview_pack(None), risk_words),
            )
        )
    return found


def test_every_word_of_every_pack_comes_through_the_catalogs(app, world, wrapped):
    risk_words: set[str] = set()
    found = _packs(world, risk_words)
    data = tuple(sorted({*_data(world), *risk_words}, key=len, reverse=True))
    assert {what: problems for what, html in found if (problems := unmarked(html, data))} == {}


def test_the_check_finds_a_word_left_out_of_the_catalogs(app, world):
    """Without the pseudo-locale nothing is marked: the check must say so."""
    pack = packs.state_pack(get_state(world.home.state.iso2), world.staff)
    html = render_template(TEMPLATES["state"], pack=pack)
    assert "Key messages" in " ".join(unmarked(html, _data(world)))


def test_the_margins_words_come_through_the_catalogs(app, world, wrapped):
    """The words of the pages' margins are CSS strings, which the check does not read."""
    pack = packs.roster_pack(get_state(world.home.state.iso2), world.member)
    style = _pack_html("roster", pack).split("<style>", 1)[1].split("</style>", 1)[0]
    assert f'"{OPEN}RESTRICTED · campaign use only{CLOSE}"' in style
    assert f'"{OPEN}Page " counter(page) " of " counter(pages) "{CLOSE}"' in style


# --- The packs' pages -------------------------------------------------------------------------


def _job(what: str, reader, kind: str, target, **fields) -> Job:
    """A job of the `kind` pack of `target` asked for by `reader`, as `fields` leave it."""
    asked = services.ask(kind, target, reader)
    job = Job(
        kind=MAKE_PACK,
        key=f"{asked.key}:{what}",
        arguments=asked.arguments,
        requested_by_id=reader.id,
        **fields,
    )
    db.session.add(job)
    db.session.commit()
    return job


def _page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    html = response.get_data(as_text=True)
    assert OPEN in html
    return _whole_sentences(html)


def test_the_packs_pages(app, world, wrapped, tmp_path, monkeypatch):
    home = world.home
    rep = home.reps[0]
    rep.languages = ["ro"]
    db.session.commit()
    client = sign_in(app.test_client(), world.member)
    pages = {
        "state pack, asked": _page(client, f"/states/{home.state.iso2}/briefing"),
        "roster, asked in French": _page(client, f"/states/{home.state.iso2}/roster?lang=fr"),
        "one-pager, asked": _page(client, f"/representatives/{rep.id}/briefing"),
        "a language refused": _page(client, f"/states/{home.state.iso2}/briefing?lang=xx", 400),
    }
    state = get_state(home.state.iso2)
    folder = tmp_path / "packs"
    folder.mkdir()
    (folder / "1-0123456789abcdef.pdf").write_bytes(b"%PDF-1.7")
    monkeypatch.setitem(app.config, "PACKS_FOLDER", str(folder))
    for what, fields in {
        "running": {"status": JobStatus.RUNNING, "attempts": 1},
        "retrying": {"status": JobStatus.RETRYING, "attempts": 2},
        "failed": {"status": JobStatus.FAILED, "attempts": 5, "last_error": "OSError"},
        "ready": {
            "status": JobStatus.SUCCEEDED,
            "attempts": 1,
            "result": {"file": "1-0123456789abcdef.pdf", "pages": 3, "reference": "ABCD-EF01"},
        },
        "gone": {"status": JobStatus.SUCCEEDED, "attempts": 1, "result": {"file": "2-0.pdf"}},
    }.items():
        job = _job(what, world.member, "state", state, **fields)
        pages[f"state pack, {what}"] = _page(client, f"/briefings/packs/{job.id}")
    sign_in(client, world.coordinator)
    pages["overview, asked"] = _page(client, "/briefings/overview")
    # The reader's access changed while the pack was asked for: the pack is not available.
    monkeypatch.setattr(views.queries, "pack_job", lambda job_id, reader: None)
    pages["unavailable"] = _page(client, "/briefings/overview", 503)
    data = (*_data(world), "ABCD-EF01")
    assert {
        what: problems for what, html in pages.items() if (problems := unmarked(html, data))
    } == {}
