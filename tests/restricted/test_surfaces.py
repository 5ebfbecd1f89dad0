"""The pages: a restricted contact is linked to no person for those who may not read it.

Each surface is checked for staff and for another state's section (the outsiders), with a
positive control: the same page, for the owning section (and coordinators and admins),
shows the contact. See conftest.py for the world.
"""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup, Tag

from tests.restricted.conftest import (
    CONFIDENCE_LABEL,
    FOLLOW_UP,
    HUSH,
    INSIDERS,
    NEVER_NAME,
    NOTE,
    OUTSIDERS,
    RECORDER_NAME,
    SECRET_MARK,
    SECRET_NAME,
    SOURCE_LABEL,
    SUMMARY,
    SecretWorld,
    main_text,
    records_naming,
    rows_naming,
    squeezed,
    strip_pickers,
)

RESTRICTED_MARK = re.compile(r"restricted\s+contact", re.IGNORECASE)
HIGH = re.compile(rf"\b{CONFIDENCE_LABEL}\b")


def _day(world: SecretWorld) -> str:
    return world.contact_day.strftime("%d %b %Y")


def _section(soup: BeautifulSoup, heading_id: str) -> Tag | None:
    """The <section> a heading opens (None when the page has no such heading)."""
    heading = soup.find(id=heading_id)
    return heading.find_parent("section") if heading is not None else None


def _stance_details_absent(text: str) -> None:
    """What a stance from a restricted contact must not carry for an outsider."""
    assert SOURCE_LABEL not in text
    assert not HIGH.search(text), text
    assert RECORDER_NAME not in text
    assert NOTE not in text


def _row(soup: BeautifulSoup, name: str) -> Tag:
    rows = [tr for tr in soup.select("main table tr") if name in tr.get_text(" ")]
    assert len(rows) == 1, (name, [squeezed(r.get_text(" ")) for r in rows])
    return rows[0]


def _column(soup: BeautifulSoup, title: str) -> int | None:
    """The index of a table column by its heading, or None when the table has none."""
    for table in soup.select("main table"):
        headings = [squeezed(th.get_text(" ")) for th in table.select("thead th")]
        if title in headings:
            return headings.index(title)
    return None


def _cells(row: Tag) -> list[str]:
    return [squeezed(cell.get_text(" ")) for cell in row.find_all(["th", "td"], recursive=False)]


# --- The representative's own page -----------------------------------------------------------


@pytest.mark.parametrize("who", OUTSIDERS)
def test_representative_page_shows_no_trace_of_the_restricted_contact(world, who):
    soup = strip_pickers(world.html(who, f"/representatives/{world.secret_id}"))
    body = main_text(soup)
    assert SECRET_NAME in body
    # Not "Restricted contact <date>", not its follow-ups, not its day in any form.
    assert world.traces_in(body) == []
    for due in (world.follow_up_due, world.leaver_due):
        assert due.strftime("%d %b %Y") not in body, "a follow-up of the contact is listed"
    # The contacts and follow-ups sections read as for someone never met.
    for heading in ("contacts-heading", "follow-ups-heading"):
        part = _section(soup, heading)
        if part is not None:
            assert part.find("li") is None, squeezed(part.get_text(" "))


@pytest.mark.parametrize("who", OUTSIDERS)
def test_representative_page_shows_the_stance_from_a_restricted_source_by_month(world, who):
    soup = strip_pickers(world.html(who, f"/representatives/{world.secret_id}"))
    body = main_text(soup)
    # The value counts in everyone's forecast, so it stays visible as the current stance...
    assert "Leaning against" in body
    assert "restricted source" in body.lower()
    assert any(month in body for month in world.month), world.month
    # ...with no source, recorder, confidence, note or exact day.
    history = _section(soup, "stance-heading") or soup.find("main")
    _stance_details_absent(squeezed(history.get_text(" ")))
    assert _day(world) not in body
    assert f"{(world.today - world.contact_day).days} days ago" not in body


@pytest.mark.parametrize("who", INSIDERS)
def test_representative_page_shows_the_restricted_contact_to_those_allowed(world, who):
    body = main_text(world.html(who, f"/representatives/{world.secret_id}"))
    for expected in (SUMMARY, NOTE, FOLLOW_UP, SOURCE_LABEL, RECORDER_NAME, _day(world)):
        assert expected in body, expected


# --- The state page: recent contacts and recent stances -------------------------------------


@pytest.mark.parametrize("who", OUTSIDERS)
def test_state_page_shows_the_restricted_contact_as_a_date_linked_to_nobody(world, who):
    soup = strip_pickers(world.html(who, f"/states/{world.iso2}"))
    assert HUSH not in soup.get_text()
    marked = [
        squeezed(li.get_text(" "))
        for li in soup.select("main li")
        if RESTRICTED_MARK.search(li.get_text(" "))
    ]
    assert any(_day(world) in item for item in marked), marked
    assert not any(SECRET_MARK in item for item in marked), marked


@pytest.mark.parametrize("who", OUTSIDERS)
def test_state_page_recent_stances_carry_no_detail_of_the_restricted_contact(world, who):
    soup = strip_pickers(world.html(who, f"/states/{world.iso2}"))
    for record in records_naming(soup):
        assert world.traces_in(record) == [], record
        _stance_details_absent(record)


@pytest.mark.parametrize("who", INSIDERS)
def test_state_page_shows_the_restricted_contact_to_those_allowed(world, who):
    soup = world.html(who, f"/states/{world.iso2}")
    assert SUMMARY in main_text(soup)
    stance_rows = [r for r in rows_naming(soup) if "Leaning against" in r]
    assert any(SOURCE_LABEL in r and _day(world) in r for r in stance_rows), stance_rows


# --- The state's contact list, its filters -----------------------------------------------------


@pytest.mark.parametrize("who", OUTSIDERS)
def test_state_contact_list_shows_the_restricted_contact_with_no_representative(world, who):
    soup = strip_pickers(world.html(who, f"/states/{world.iso2}/interactions"))
    marked = [
        squeezed(li.get_text(" "))
        for li in soup.select("main li")
        if RESTRICTED_MARK.search(li.get_text(" "))
    ]
    assert len(marked) == 1, marked
    assert _day(world) in marked[0]
    assert SECRET_MARK not in marked[0]
    assert RECORDER_NAME not in marked[0]
    assert rows_naming(soup) == []
    assert HUSH not in soup.get_text()


def _result_count(soup: BeautifulSoup) -> str:
    found = soup.select_one("main .result-count")
    assert found is not None
    return squeezed(found.get_text(" "))


@pytest.mark.parametrize("who", OUTSIDERS)
def test_filtering_contacts_by_the_person_answers_as_for_someone_never_met(world, who):
    base = f"/states/{world.iso2}/interactions"
    secret = strip_pickers(world.html(who, f"{base}?representative={world.secret_id}"))
    never = strip_pickers(world.html(who, f"{base}?representative={world.never_id}"))
    assert _result_count(secret) == _result_count(never)
    assert world.traces_in(main_text(secret)) == []
    assert secret.select("main ol li, main ul.activity li") == []


@pytest.mark.parametrize("who", OUTSIDERS)
def test_filtering_contacts_by_kind_does_not_count_the_restricted_contact(world, who):
    base = f"/states/{world.iso2}/interactions"
    for url in (f"{base}?kind=meeting", f"{base}?kind=meeting&representative={world.secret_id}"):
        soup = strip_pickers(world.html(who, url))
        assert _result_count(soup).startswith("0 contacts"), url
        assert world.traces_in(main_text(soup)) == [], url


@pytest.mark.parametrize("who", INSIDERS)
def test_contact_list_and_its_filters_show_the_restricted_contact_to_those_allowed(world, who):
    base = f"/states/{world.iso2}/interactions"
    for url in (base, f"{base}?representative={world.secret_id}", f"{base}?kind=meeting"):
        soup = strip_pickers(world.html(who, url))
        assert any(SUMMARY[:40] in r and SECRET_NAME in r for r in rows_naming(soup)), url


@pytest.mark.parametrize("who", OUTSIDERS)
def test_contact_page_shows_only_that_a_restricted_contact_happened_and_when(world, who):
    soup = world.html(who, f"/interactions/{world.restricted_id}")
    body = main_text(soup)
    assert RESTRICTED_MARK.search(body)
    assert _day(world) in body
    for hidden in (SECRET_MARK, RECORDER_NAME, HUSH, SOURCE_LABEL):
        assert hidden not in body, hidden


@pytest.mark.parametrize("who", INSIDERS)
def test_contact_page_shows_everything_to_those_allowed(world, who):
    body = main_text(world.html(who, f"/interactions/{world.restricted_id}"))
    for expected in (SECRET_NAME, RECORDER_NAME, SUMMARY, NOTE, FOLLOW_UP):
        assert expected in body, expected


# --- Follow-ups: the state's list, and "my follow-ups" --------------------------------------


def _items_due(soup: BeautifulSoup, due: str) -> list[str]:
    return [squeezed(li.get_text(" ")) for li in soup.select("main li") if due in li.get_text(" ")]


@pytest.mark.parametrize("who", OUTSIDERS)
def test_state_follow_ups_show_the_restricted_one_by_due_date_and_status_only(world, who):
    soup = strip_pickers(world.html(who, f"/states/{world.iso2}/follow-ups"))
    items = _items_due(soup, world.follow_up_due.strftime("%d %b %Y"))
    assert len(items) == 1, items
    for hidden in (SECRET_MARK, RECORDER_NAME, HUSH, _day(world), "From the contact"):
        assert hidden not in items[0], (hidden, items[0])
    for link in soup.select("main li a[href]"):
        assert link["href"] not in (
            f"/representatives/{world.secret_id}",
            f"/interactions/{world.restricted_id}",
        )
    assert rows_naming(soup) == []
    assert HUSH not in soup.get_text()


@pytest.mark.parametrize("who", OUTSIDERS)
def test_my_follow_ups_show_a_restricted_one_by_due_date_and_status_only(world, who):
    # The outsider holds one from the contact (assigned before leaving the section).
    soup = strip_pickers(world.html(who, "/follow-ups"))
    items = _items_due(soup, world.leaver_due.strftime("%d %b %Y"))
    assert len(items) == 1, items
    for hidden in (SECRET_MARK, RECORDER_NAME, HUSH, _day(world), "From the contact"):
        assert hidden not in items[0], (hidden, items[0])
    assert HUSH not in soup.get_text()


@pytest.mark.parametrize("who", INSIDERS)
def test_state_follow_ups_show_the_restricted_ones_to_those_allowed(world, who):
    soup = world.html(who, f"/states/{world.iso2}/follow-ups")
    items = _items_due(soup, world.follow_up_due.strftime("%d %b %Y"))
    assert len(items) == 1
    assert FOLLOW_UP in items[0]
    assert SECRET_NAME in items[0]


def test_my_follow_ups_show_the_section_member_their_restricted_follow_up(world):
    items = _items_due(
        world.html("ro_member", "/follow-ups"), world.follow_up_due.strftime("%d %b %Y")
    )
    assert len(items) == 1
    assert FOLLOW_UP in items[0]
    assert SECRET_NAME in items[0]


# --- The representatives list: last contact, filters, search -------------------------------


@pytest.mark.parametrize("who", OUTSIDERS)
def test_representatives_list_shows_no_last_contact_from_the_restricted_one(world, who):
    soup = world.html(who, f"/representatives?state={world.iso2}")
    secret, never = _row(soup, SECRET_NAME), _row(soup, NEVER_NAME)
    assert world.traces_in(squeezed(secret.get_text(" "))) == []
    column = _column(soup, "Last contact")
    if column is not None:
        assert _cells(secret)[column] == _cells(never)[column]


@pytest.mark.parametrize("who", INSIDERS)
def test_representatives_list_shows_the_last_contact_to_those_allowed(world, who):
    soup = world.html(who, f"/representatives?state={world.iso2}")
    column = _column(soup, "Last contact")
    assert column is not None
    days = (world.today - world.contact_day).days
    assert _cells(_row(soup, SECRET_NAME))[column] == f"{days} days ago"


@pytest.mark.parametrize("who", OUTSIDERS)
def test_representatives_search_and_filters_show_the_person_without_the_contact(world, who):
    urls = [
        f"/representatives?q={SECRET_MARK}",
        f"/representatives?state={world.iso2}&stance=leaning_against",
        f"/representatives?state={world.iso2}&chamber={world.chamber_id}",
    ]
    for url in urls:
        soup = world.html(who, url)
        row = squeezed(_row(soup, SECRET_NAME).get_text(" "))
        assert world.traces_in(row) == [], (url, row)
    # The contact's words find nobody.
    for word in ("HUSHSUMMARY", "coalition deal"):
        soup = world.html(who, f"/representatives?q={word}")
        assert SECRET_MARK not in main_text(strip_pickers(soup))


# --- Risk: who to meet next ---------------------------------------------------------------


def _swing_names(soup: BeautifulSoup) -> str:
    part = _section(soup, "swing-heading")
    assert part is not None
    return squeezed(part.get_text(" "))


@pytest.mark.parametrize("who", OUTSIDERS)
def test_swing_list_treats_the_person_as_never_met(world, who):
    # Met "recently" only in the restricted contact: an outsider must not learn that from
    # the person being left out of "who to meet next" (the never-met control is in it).
    soup = world.html(who, f"/states/{world.iso2}/risk")
    swing = _swing_names(soup)
    assert NEVER_NAME in swing
    assert SECRET_NAME in swing
    for row in rows_naming(soup):
        assert world.traces_in(row) == [], row


def test_swing_list_leaves_out_the_person_the_section_met_recently(world):
    swing = _swing_names(world.html("ro_member", f"/states/{world.iso2}/risk"))
    assert NEVER_NAME in swing
    assert SECRET_NAME not in swing
