"""Crawl every page and every API list an outsider can reach, and fail wherever the secret
person's name appears near any trace of the restricted contact (issue 10 §1).

A trace is the contact's day in any form the app prints dates ("26 Nov 2026", "2026-11-26",
"6 days ago"…), its words, who logged it, or a "restricted contact/follow-up" mark (see
`SecretWorld.trace_pattern`). "Near" is the same row or item of a page, or within `NEAR`
characters of its text; on the person's own page, or a list filtered by the person,
any trace at all is a leak. The same crawl as the owning section finds traces near the
person: the positive control that the detector can see one.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup

from tests.restricted.conftest import (
    HUSH,
    OUTSIDERS,
    SECRET_MARK,
    SecretWorld,
    json_objects,
    main_text,
    names_secret,
    near,
    records_naming,
    strip_pickers,
)
from tests.test_crawl import crawl

NEAR = 400
API = "/api/v1"
# Calendars link month to month without end, and lists to every filter and page: a few
# variants of each path say what that page can show.
VARIANTS_PER_PATH = 3
MAX_PAGES = 300


def _start(world: SecretWorld) -> list[str]:
    iso2 = world.iso2
    return [
        "/dashboard",
        "/states",
        "/representatives",
        "/follow-ups",
        "/events",
        "/account",
        f"/states/{iso2}",
        f"/states/{iso2}/interactions",
        f"/states/{iso2}/interactions?representative={world.secret_id}",
        f"/states/{iso2}/follow-ups",
        f"/states/{iso2}/risk",
        f"/representatives?state={iso2}",
        f"/representatives?q={SECRET_MARK}",
        f"/representatives/{world.secret_id}",
        f"/interactions/{world.restricted_id}",
    ]


def _about_the_person(world: SecretWorld, url: str) -> bool:
    """Pages and answers that are about the secret person as a whole."""
    parts = urlsplit(url)
    person = str(world.secret_id)
    if parts.path.rstrip("/").split("/")[-2:] == ["representatives", person]:
        return True
    if parts.path.endswith(f"/representatives/{person}/stances"):
        return True
    return person in parse_qs(parts.query).get("representative", [])


def _page_leaks(world: SecretWorld, url: str, html: str) -> list[str]:
    leaks = []
    if HUSH in html:
        leaks.append(f"{url}: the contact's own words")
    soup = strip_pickers(BeautifulSoup(html, "html.parser"))
    text = main_text(soup)
    pattern = world.trace_pattern()
    if _about_the_person(world, url):
        found = world.traces_in(text)
        if found:
            leaks.append(f"{url}: the person's own page shows {found}")
    for record in records_naming(soup):
        if pattern.search(record):
            leaks.append(f"{url}: in one row with the person: {record[:300]}")
    for window in near(text, SECRET_MARK, pattern, NEAR):
        leaks.append(f"{url}: near the person: …{window}…")
    return leaks


def _crawl_pages(world: SecretWorld, who: str) -> dict[str, tuple[int, str]]:
    with world.app.app_context():
        return crawl(
            world.clients[who],
            _start(world),
            variants_per_path=VARIANTS_PER_PATH,
            max_pages=MAX_PAGES,
        )


@pytest.fixture(scope="module")
def pages(world) -> dict[str, dict[str, tuple[int, str]]]:
    return {who: _crawl_pages(world, who) for who in (*OUTSIDERS, "ro_member")}


@pytest.mark.parametrize("who", OUTSIDERS)
def test_no_page_puts_the_person_near_a_trace_of_the_restricted_contact(world, pages, who):
    crawled = pages[who]
    assert len(crawled) > 20, sorted(crawled)
    assert {u: s for u, (s, _) in crawled.items() if s >= 500} == {}
    assert any(SECRET_MARK in html for _, html in crawled.values()), "the crawl met the person"
    leaks = [leak for url, (_, html) in crawled.items() for leak in _page_leaks(world, url, html)]
    assert leaks == []


def test_the_page_crawl_sees_the_contact_near_the_person_for_its_section(world, pages):
    crawled = pages["ro_member"]
    leaks = [leak for url, (_, html) in crawled.items() for leak in _page_leaks(world, url, html)]
    assert any(f"/representatives/{world.secret_id}:" in leak for leak in leaks), leaks
    assert len(leaks) > 3


# --- The API ----------------------------------------------------------------------------------


def _api_urls(world: SecretWorld, who: str) -> list[str]:
    """Every list the API has, each representative, contact and follow-up it lists, and
    every filter of contacts by person and kind."""
    iso2 = world.iso2
    urls = [
        "/me",
        "/states",
        f"/states/{iso2}",
        f"/states/{world.other_iso2}",
        "/chambers",
        f"/chambers/{world.chamber_id}",
        "/parties",
        "/representatives?per_page=100",
        f"/representatives?q={SECRET_MARK}",
        "/interactions?per_page=100",
        f"/interactions?state={iso2}&per_page=100",
        "/events?when=all",
        f"/states/{iso2}/stages",
        "/risk",
        f"/states/{iso2}/risk",
        "/follow-ups?mine=true",
    ]
    urls += [f"/follow-ups?state={iso2}&status={s}" for s in ("open", "done", "cancelled")]
    urls += [
        f"/interactions?kind={k}"
        for k in ("meeting", "call", "letter", "email", "event_encounter", "petition_handover")
    ]
    reps = world.api(who, f"{API}/representatives?per_page=100").get_json()["items"]
    for rep in reps:
        urls += [
            f"/representatives/{rep['id']}",
            f"/representatives/{rep['id']}/stances",
            f"/interactions?representative={rep['id']}",
            f"/representatives?state={rep['state']}&stance={rep['stance']}",
        ]
    follow_ups = world.api(who, f"{API}/follow-ups?state={iso2}&per_page=100").get_json()
    urls += [f"/follow-ups/{f['id']}" for f in follow_ups["items"]]
    contacts = world.api(who, f"{API}/interactions?per_page=100").get_json()["items"]
    urls += [f"/interactions/{i['id']}" for i in contacts if i.get("id")]
    return sorted(set(urls))


def _api_leaks(world: SecretWorld, url: str, answer: Any) -> list[str]:
    dump = json.dumps(answer, ensure_ascii=False, default=str)
    leaks = []
    if HUSH in dump:
        leaks.append(f"{url}: the contact's own words")
    if _about_the_person(world, url):
        found = world.traces_in(dump)
        if found:
            leaks.append(f"{url}: about the person, shows {found}")
    for obj in json_objects(answer):
        if names_secret(obj, world.secret_id):
            found = world.traces_in(json.dumps(obj, ensure_ascii=False, default=str))
            if found:
                leaks.append(f"{url}: the person's {sorted(obj)[:6]}… shows {found}")
    for window in near(dump, SECRET_MARK, world.trace_pattern(), NEAR):
        leaks.append(f"{url}: near the person: …{window}…")
    return leaks


def _crawl_api(world: SecretWorld, who: str) -> dict[str, Any]:
    answers = {}
    for url in _api_urls(world, who):
        response = world.api(who, f"{API}{url}", status=None)
        assert response.status_code < 500, (url, response.status_code)
        answers[url] = response.get_json()
    return answers


@pytest.mark.parametrize("who", OUTSIDERS)
def test_no_api_answer_puts_the_person_near_a_trace_of_the_restricted_contact(world, who):
    answers = _crawl_api(world, who)
    assert len(answers) > 40
    leaks = [leak for url, answer in answers.items() for leak in _api_leaks(world, url, answer)]
    assert leaks == []
    # Filtering contacts by the person answers exactly as for someone never met.
    by_secret = answers[f"/interactions?representative={world.secret_id}"]
    by_never = answers[f"/interactions?representative={world.never_id}"]
    assert by_secret == by_never


def test_the_api_crawl_sees_the_contact_near_the_person_for_its_section(world):
    answers = _crawl_api(world, "ro_member")
    leaks = [leak for url, answer in answers.items() for leak in _api_leaks(world, url, answer)]
    assert any(f"/representatives/{world.secret_id}/stances:" in leak for leak in leaks), leaks
    assert any(f"/interactions?representative={world.secret_id}:" in leak for leak in leaks)
